/* stream.h -- the Mesos v1 operator API event stream (spec/events.md):
 * SUBSCRIBE to the leading master and hand every event to the reload
 * loop, which applies it to the cluster model and republishes the records
 * within ~50 ms.  Polling stays as the reconciliation (and as the fallback
 * for masters without the API).  EventsOn: false turns it off. */
#ifndef MDNS_STREAM_H
#define MDNS_STREAM_H

#include <stddef.h>

#include "state/fetch.h"

struct config;

/** Starts the subscriber thread; -1 if it cannot be started. */
int stream_start(const struct config *cfg, const struct fetch_opts *opts);

/** Stops it (closes the stream). */
void stream_stop(void);

/** Whether a stream is up now (for logs and tests). */
int stream_connected(void);

#endif
