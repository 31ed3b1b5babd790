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

/** The nice value of the background threads. */
#define PRIORITY_BACKGROUND 10

/** Sets the calling thread's (not the process's) nice value; false when
 *  the system refuses. */
bool priority_lower_thread(int nice);

#endif
