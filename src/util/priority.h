/* priority.h -- background threads yield a contended core to the DNS
 * workers.
 *
 * CFS gives a nice-10 thread about a tenth of a core that a nice-0 thread
 * also wants, and all of an idle one: the refresh and the forwarder then
 * take longer under full load rather than slow the authoritative answers.
 */
#ifndef MDNS_PRIORITY_H
#define MDNS_PRIORITY_H

#include <stdbool.h>

/** How much nicer than the process the background threads are. */
#define PRIORITY_BACKGROUND 10

/** Raises the calling thread's (not the process's) nice value by `by`,
 *  at most to 19; false when the system refuses. */
bool priority_lower_thread(int by);

#endif
