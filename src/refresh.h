/* refresh.h -- the reload loop: fetch the state, build the records, publish
 * (spec/README.md, lifecycle step 9).
 *
 * One thread runs reloads one at a time, every RefreshSeconds and whenever
 * refresh_trigger() asks (a leader change, SIGHUP).  A failed reload logs
 * one line and leaves the published snapshot as it is.
 */
#ifndef MDNS_REFRESH_H
#define MDNS_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include "master/masters.h"
#include "state/fetch.h"
#include "state/stream.h"

struct config;

/** Durations of the last successful reload, for logs and bench/. */
struct refresh_stats {
	int64_t fetch_parse_us; /**< HTTP exchange and streaming parse */
	int64_t resolve_us;	/**< host-name look-ups */
	int64_t build_us;	/**< record generation and indexing */
	int64_t publish_us;	/**< swap and grace period */
	uint32_t tasks, names, records;
	uint64_t count;	 /**< successful reloads so far */
	uint64_t events; /**< operator API events received */
};

/** How the reload thread re-reads the configuration (SIGHUP): apply
 *  returns 0 when a new configuration was published (cfglive.h), -1 when
 *  the file was refused and the old one stays.  opts are the polls'
 *  transport settings, which apply may replace (new credentials).
 *  main.c wires service/reload.c. */
struct refresh_reloader {
	int (*apply)(void *ctx, struct fetch_opts *opts);
	void *ctx;
};

/** Starts the reload thread; -1 if it cannot be started.  Every job
 *  reads the configuration in force when it starts (cfglive.h); cfg is
 *  the start-up one, for what is fixed until a restart. */
int refresh_start(const struct config *cfg, const struct fetch_opts *opts,
    const struct refresh_reloader *reloader);

/** Asks the reload thread to re-read the configuration file, and on
 *  success poll the master at once under it (SIGHUP). */
void refresh_reload_config(void);

/** Asks for a reload as soon as the current one (if any) ends. */
void refresh_trigger(void);

/** True once a reload has published records. */
bool refresh_loaded(void);

/** The reload loop as the event stream's sink: events are applied to the
 *  cluster model and republished within ~50 ms, a new subscription or a
 *  lost event asks for a poll. */
void refresh_stream_sink(struct stream_sink *out);

/** The reload loop as the masters list's listener: a change of M polls
 *  at once. */
void refresh_masters_listener(struct masters_listener *out);

/** Copies the statistics of the last successful reload. */
void refresh_get_stats(struct refresh_stats *out);

/** Stops the thread (at the end of a reload in progress). */
void refresh_stop(void);

#endif
