/* stream.h -- the Mesos v1 operator API event stream (spec/events.md):
 * SUBSCRIBE to the leading master and hand every event to a sink (the
 * reload loop, which applies it to the cluster model and republishes the
 * records within ~50 ms).  Polling stays as the reconciliation (and as the fallback
 * for masters without the API).  EventsOn: false turns it off. */
#ifndef MDNS_STREAM_H
#define MDNS_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "state/fetch.h"

struct config;

/** Where the stream reports, handed over at start; every callback runs on
 *  the stream's thread and must not block for long. */
struct stream_sink {
	/** The master to subscribe to ("host:port"), into out; false when
	 *  none is known yet (asked again a second later). */
	bool (*leader)(void *ctx, char *out, size_t len);
	/** One event, its whole JSON record (not terminated). */
	void (*event)(void *ctx, const char *json, size_t len);
	/** A stream was subscribed: the model wants a poll now. */
	void (*subscribed)(void *ctx);
	/** Events were lost or not applied: a poll should come soon. */
	void (*reconcile_soon)(void *ctx);
	void *ctx;
};

/** Starts the subscriber thread reporting to sink (copied); -1 if it
 *  cannot be started. */
int stream_start(const struct config *cfg, const struct fetch_opts *opts,
    const struct stream_sink *sink);

/** Stops it (closes the stream). */
void stream_stop(void);

/** Whether a stream is up now (for logs and tests). */
int stream_connected(void);

/** Ends the subscriber's wait for a leader now (the first records are
 *  out, so sink.leader names one); no-op when not started. */
void stream_wake(void);

#endif
