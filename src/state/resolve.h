/* resolve.h -- host names in a master's state, looked up concurrently and
 * cached.
 *
 * The original resolves every pid host name one at a time on every
 * refresh, so one slow resolver stalls the whole refresh.  Here all the
 * names of a state are looked up at once (a few threads of our own), bounded
 * by a deadline, and answers are kept for a while, failures for less; an
 * answer that comes after the deadline is kept for the next build.
 */
#ifndef MDNS_RESOLVE_H
#define MDNS_RESOLVE_H

#include <stddef.h>

#include "state/model.h"
#include "util/ipaddr.h"

struct hostcache;

/** An empty cache; NULL when out of memory. */
struct hostcache *hostcache_new(void);

/** Looks up every host name the state mentions that is not cached yet,
 *  concurrently, waiting at most timeout_ms in total.  Returns how many
 *  distinct host names (not IP literals) the state and extra mention. */
size_t hostcache_prepare(struct hostcache *c, const struct mesos_state *s,
    const char *const *extra, size_t n_extra, int timeout_ms);

/** A gen_resolve_fn: the cached addresses of host (0 if none). */
size_t
hostcache_lookup(void *cache, const char *host, struct ipaddr *out, size_t max);

/** Frees the cache (look-ups still running finish on their own). */
void hostcache_free(struct hostcache *c);

#endif
