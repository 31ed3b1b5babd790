/* api.h -- the original's HTTP API on libmicrohttpd (spec/http.md):
 * /v1/version, /v1/config, /v1/hosts, /v1/services, /v1/enumerate,
 * /v1/axfr, with its JSON layout, status codes and error bodies. */
#ifndef MDNS_HTTP_API_H
#define MDNS_HTTP_API_H

#include <stddef.h>

#include "util/buf.h"

struct config;
struct snapshot;

/** Starts serving on HTTPListener:HttpPort; -1 with err on bind failure. */
int http_api_start(const struct config *cfg, char *err, size_t errlen);

/** Stops the server. */
void http_api_stop(void);

/** Writes the /v1/axfr document of a snapshot (also used by bench/). */
void
http_write_axfr(const struct config *cfg, struct snapshot *s, struct buf *out);

/** Writes the /v1/enumerate document of a snapshot. */
void http_write_enumerate(const struct snapshot *s, struct buf *out);

#endif
