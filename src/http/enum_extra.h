/* enum_extra.h -- what /v1/enumerate adds with HealthAwareOn (each task's
 * health) and ReverseOn (the reverse zones and their PTR records); with
 * both off the document is the original's. */
#ifndef MDNS_ENUM_EXTRA_H
#define MDNS_ENUM_EXTRA_H

#include "records/snapshot.h"
#include "util/jsonw.h"

/** Writes "healthy": true, false or null (no health check) for a task
 *  entry, when the snapshot was built with HealthAwareOn. */
void enum_write_health(struct jsonw *w, const struct snapshot *s,
    const struct snap_task *t);

/** Writes "reverse_zones": [{"name": zone, "records": [{"name", "host",
 *  "rtype": "PTR"}...]}...] when the snapshot was built with ReverseOn. */
void enum_write_reverse(struct jsonw *w, const struct snapshot *s);

#endif
