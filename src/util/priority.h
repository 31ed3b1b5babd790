/* priority.h -- background threads yield a contended core to the DNS
 * workers.
 *
 * CFS gives a nice-10 thread about a tenth of a core that a nice-0 thread
 * also wants, and all of an idle one: the refresh, the event stream and
 * the forwarder then take longer under full load rather than slow the
 * authoritative answers.  As SCHED_BATCH threads they also do not preempt
 * a worker when they wake up (bench/events).
 */
#ifndef MDNS_PRIORITY_H
#define MDNS_PRIORITY_H

#include <stdbool.h>

/** How much nicer than the process the background threads are. */
#define PRIORITY_BACKGROUND 10

/** Makes the calling thread (not the process) SCHED_BATCH and raises its
 *  nice value by `by`, at most to 19; false when the system refuses. */
bool priority_lower_thread(int by);

#endif
