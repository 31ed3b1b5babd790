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
 *  memory.  From 2 MiB up the block starts on a 2 MiB page and *n grows to
 *  whole ones, asked to be huge pages as they are first touched: an array
 *  of 8 MB filled at start-up then takes 4 page faults, not 2,000. */
void *hugepage_alloc(size_t *n);

/** hugepage_alloc for n zeroed bytes (a hash table's slots). */
void *hugepage_calloc(size_t n);

#endif
