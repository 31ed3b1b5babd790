/* hugepage.h -- large read-mostly arrays on 2 MiB pages.
 *
 * A 100k-task snapshot spreads a look-up over some 20 MB of arrays (hash
 * table, nodes, labels, values): with 4 KiB pages most queries miss the
 * TLB several times, and the page walks, not the cache misses, were the
 * larger part of the look-up's cost (bench/dns).  Transparent huge pages
 * are usually granted only on request ("madvise" mode), so the arrays ask.
 */
#ifndef MDNS_HUGEPAGE_H
#define MDNS_HUGEPAGE_H

#include <stddef.h>

/** The size of a transparent huge page on x86-64 and arm64 (4 KiB base). */
#define HUGEPAGE_SIZE ((size_t)2 << 20)

/** Asks for huge pages for the whole 2 MiB pages inside [p, p + n) as
 *  they are first touched (a table about to be filled at random).  A
 *  hint only. */
void hugepage_hint(void *p, size_t n);

/** Moves the whole 2 MiB pages inside [p, p + n) to huge pages now and
 *  keeps them there; the partial pages at the ends stay as they are, so
 *  the resident size does not grow.  Best effort: older kernels and a
 *  THP setting of "never" leave the memory as it was. */
void hugepage_advise(void *p, size_t n);

/** Returns at least *n bytes that free() releases, NULL when out of
 *  memory.  Until hugepage_start_up_done, a block of 2 MiB and more starts
 *  on a 2 MiB page and *n grows to whole ones, asked to be huge pages as
 *  they are first touched: an array of 8 MB filled at start-up then takes
 *  4 page faults, not 2,000.  Afterwards it is malloc's. */
void *hugepage_alloc(size_t *n);

/** realloc(p, *n) of a block holding used bytes, in hugepage_alloc's way
 *  (*n may grow). */
void *hugepage_realloc(void *p, size_t used, size_t *n);

/** calloc(1, n) whose whole 2 MiB pages are asked to be huge (a hash
 *  table's slots, filled at random), in hugepage_alloc's way. */
void *hugepage_calloc(size_t n);

/** The first records are out: from now on memory comes as it is touched.
 *  A rebuild runs beside the served snapshot, and whole huge pages at the
 *  ends of its arrays raised its peak by 7 MiB at 100k tasks
 *  (bench/memory); start-up has no such neighbour and wants the speed. */
void hugepage_start_up_done(void);

#endif
