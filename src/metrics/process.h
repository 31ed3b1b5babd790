/* process.h -- the standard process_* series of Prometheus client
 * libraries (CPU, memory, descriptors, start time), read from /proc/self. */
#ifndef MDNS_PROCESS_H
#define MDNS_PROCESS_H

#include "util/buf.h"

/** Appends the process_* families; a series whose source cannot be read
 *  is left out rather than reported as 0. */
void process_render(struct buf *out);

#endif
