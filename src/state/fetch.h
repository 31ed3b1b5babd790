/* fetch.h -- GET /master/state from one master with libcurl, parsed as it
 * streams in (spec/masters.md §4).
 *
 * One call is one HTTP exchange: new connection, the original's headers,
 * its whole-request timeout, redirects followed.  Unlike the original the
 * HTTP status is checked and the body size is bounded.  TLS and
 * authentication options are carried in fetch_opts so the masters code
 * stays free of transport details.
 */
#ifndef MDNS_STATE_FETCH_H
#define MDNS_STATE_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/model.h"

struct config;

/** Transport settings derived from the configuration. */
struct fetch_opts {
	const struct config *cfg;
	/** Returns the Authorization header value to send ("" for none),
	 *  written into out; -1 with err set when authentication failed. */
	int (*auth_header)(void *ctx, char *out, size_t outlen, char *err,
	    size_t errlen);
	/** Told when a master answered 401, so a cached token is dropped. */
	void (*auth_reject)(void *ctx);
	void *auth_ctx;
};

/** Fetches and parses the state of host:port.  Returns the state or NULL
 *  with a one-line reason (naming the master) in err. */
struct mesos_state *fetch_state(const struct fetch_opts *o, const char *host,
    int port, char *err, size_t errlen);

/** Makes every fetch in progress, and every later one, fail at once
 *  (shutdown must not wait for a hung master). */
void fetch_abort_all(void);

/** True once fetch_abort_all was called. */
bool fetch_aborted(void);

/** Applies the configuration's TLS settings (CA, client certificate,
 *  MesosHTTPSInsecure) and the abort-on-shutdown progress callback to a
 *  libcurl handle: every request to a master or its login goes through
 *  here, so they all verify the same way. */
void fetch_setup_tls(void *curl, const struct config *cfg);

/** Sets up libcurl once per process. */
void fetch_global_init(void);

#endif
