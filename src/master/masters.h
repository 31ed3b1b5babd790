/* masters.h -- the masters list M and which master a reload asks
 * (spec/masters.md §1 and §3).
 *
 * M[0] is the presumed leader ("" when unknown), the rest are fallbacks.
 * Static configurations set M once; leader detection (ZooKeeper) replaces
 * it as the ensemble reports changes.  A reload walks M in the original's
 * order, follows the state's own "leader" field once, and stops at the
 * first master that gives a usable state.
 */
#ifndef MDNS_MASTERS_H
#define MDNS_MASTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/fetch.h"

/** An owned copy of M. */
struct masters_list {
	char **v;
	size_t n;
};

/** Who hears that M changed (the reload loop, which polls at once):
 *  changed(ctx) runs after a detector's event replaced M, outside the
 *  masters lock. */
struct masters_listener {
	void (*changed)(void *ctx);
	void *ctx;
};

/** Sets the listener (copied; NULL: nobody), once at start, before a
 *  detector runs. */
void masters_listen(const struct masters_listener *l);

/** Sets M (copied); safe against concurrent masters_get.  False (M
 *  unchanged, logged) when out of memory. */
bool masters_set(const char *const *v, size_t n);

/** Copies the current M into out (free with masters_list_free); false,
 *  with out empty and a line logged, when out of memory. */
bool masters_get(struct masters_list *out);

/** Frees a copy. */
void masters_list_free(struct masters_list *l);

/** A leader event of the detector: M = [L] + (M[1:] without L); L may be
 *  "" (no leader known).  Tells the listener and runs the detection
 *  timer.  Out of memory, M stays as it was (and a line is logged). */
void masters_on_leader(const char *leader);

/** An all-masters event: M = [M[0]] + (list without M[0]); tells the
 *  listener. */
void masters_on_all(const char *const *list, size_t n);

/** Starts the zkDetectionTimeout timer (seconds; 0 = never fires). */
void masters_timer_start(int64_t seconds);

/** True when the detection timer has fired: no leader known for
 *  zkDetectionTimeout seconds (the caller exits 1). */
bool masters_timer_expired(void);

/** The "host:port" that served the last good state (after following its
 *  leader), into out; false before the first one.  The event stream
 *  subscribes there when no detector names the leader. */
bool masters_last_good(char *out, size_t len);

/** The master an event stream subscribes to, into out: with a detector
 *  (`detected`) the first known entry of M (the leader it names); without
 *  one the master that served the last good state, else M's first entry.
 *  False when M names none. */
bool masters_stream_target(bool detected, char *out, size_t len);

/** Fetches a state following M; NULL with the last error in err. */
struct mesos_state *masters_fetch_state(const struct fetch_opts *o,
    const struct masters_list *m, char *err, size_t errlen);

#endif
