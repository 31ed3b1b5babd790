/* cfglive.h -- the configuration in force, replaced whole by a reload.
 *
 * A struct config is immutable once published.  A reload (SIGHUP) builds
 * a new one aside and publishes it with one pointer swap, as a snapshot
 * is published: the DNS workers read the current one inside the RCU read
 * section they already hold for the snapshot, threads that keep one
 * longer take a reference.  The old one is freed after a grace period,
 * when its last reference goes.
 */
#ifndef MDNS_CFGLIVE_H
#define MDNS_CFGLIVE_H

#include "config.h"

/** Makes c (malloc'ed, filled by config_load) the configuration in force
 *  and takes it over; the previous one is released after an RCU grace
 *  period.  One thread at a time publishes (start-up, then the reload
 *  loop). */
void cfglive_publish(struct config *c);

/** The configuration in force for a caller inside an RCU read section
 *  (snapshot_read_lock): valid until the section ends.  No lock, no
 *  write: the packet path calls it once per batch. */
const struct config *cfglive_current(void);

/** The generation of the configuration in force (config.generation): a
 *  thread that derived state from one compares it, one atomic load. */
uint64_t cfglive_generation(void);

/** A reference to the configuration in force, for a caller that keeps it
 *  past a read section (a poll, an HTTP request); NULL before the first
 *  publication.  Give it back with cfglive_release. */
const struct config *cfglive_acquire(void);

/** Another reference to c, which the caller already holds one of.  A
 *  configuration never published (a unit test's) is not counted: its
 *  owner frees it, hold and release do nothing. */
const struct config *cfglive_hold(const struct config *c);

/** Gives back a reference; the last one frees the configuration. */
void cfglive_release(const struct config *c);

/** Releases the configuration in force (at exit, every reader gone). */
void cfglive_shutdown(void);

#endif
