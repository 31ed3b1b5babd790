/* health.h -- liveness and readiness for /healthz and /readyz.
 *
 * Ready means: records have been published, and the last successful poll
 * or publication of events is at most the bound old (health_init:
 * max(3 x RefreshSeconds, 60 s)).  The reload loop reports each success
 * (health_succeeded); the HTTP API asks (health_ready).  Like metrics/,
 * this sits at the bottom: it includes only util/.
 */
#ifndef MDNS_HEALTH_H
#define MDNS_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Sets the staleness bound from RefreshSeconds (call once at start). */
void health_init(int64_t refresh_seconds);

/** The staleness bound in milliseconds. */
int64_t health_bound_ms(void);

/** A poll or an events publication succeeded: records are served and
 *  current as of now. */
void health_succeeded(void);

/** True once records have been published. */
bool health_loaded(void);

/** Whether the daemon is ready at monotonic time now_ms; when not, a
 *  one-line reason goes into why. */
bool health_ready(int64_t now_ms, char *why, size_t len);

#endif
