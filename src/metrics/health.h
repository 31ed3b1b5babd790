/* health.h -- liveness and readiness for /healthz and /readyz.
 *
 * Ready means: records are served (health_set_serving), and the last
 * successful poll
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

/** The servers answer from records now (main, after the first load has
 *  started DNS): /v1 paths and readiness wait for it. */
void health_set_serving(void);

/** True once health_set_serving was called. */
bool health_loaded(void);

/** Whether the daemon is ready at monotonic time now_ms; when not, a
 *  one-line reason goes into why. */
bool health_ready(int64_t now_ms, char *why, size_t len);

#endif
