/* journal.h -- the differences between the last serials, for IXFR
 * (RFC 1995): each publication that changes the zone adds one condensed
 * delta (records removed, records added) from the previous serial; the
 * oldest go when the byte budget is exceeded.
 */
#ifndef MDNS_XFR_JOURNAL_H
#define MDNS_XFR_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xfr/zone.h"

struct snapshot;
struct journal_delta;

/** A reader's position in the deltas from one serial to another. */
struct journal_walk {
	struct journal_delta **deltas; /**< referenced, oldest first */
	size_t n, i;
	int step; /**< 0 old SOA, 1 removed, 2 new SOA, 3 added */
	size_t rec;
};

#define JOURNAL_FULL ((size_t)-1) /* the message is full */
#define JOURNAL_END ((size_t)-2)  /* every delta written */

/** Records the change from prev to next (both published snapshots,
 *  next's serial set); prev NULL or a change too large resets the
 *  history.  Refresh thread. */
void journal_record(const struct snapshot *prev, const struct snapshot *next);

/** Forgets every delta. */
void journal_clear(void);

/** Starts a walk from serial `from` to `to`; false when the history does
 *  not reach back to `from` (the caller sends the whole zone). */
bool journal_walk_begin(struct journal_walk *w, uint32_t from, uint32_t to);

/** Writes the next records of the walk into m (rr: scratch); returns
 *  JOURNAL_FULL when m is full, JOURNAL_END when done, else 0. */
size_t
journal_walk_write(struct journal_walk *w, struct xmsg *m, struct zone_rr *rr);

/** Ends a walk (releases its deltas). */
void journal_walk_end(struct journal_walk *w);

/** Bytes the deltas take (for tests and the budget). */
size_t journal_bytes(void);

#endif
