/* hugepage.c -- see hugepage.h. */
#include "util/hugepage.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; older glibc headers lack it */
#endif

/* The whole 2 MiB pages inside [p, p + n): false when there is none. */
static bool
inner_range(void *p, size_t n, void **lo, size_t *len)
{
	uintptr_t a = ((uintptr_t)p + HUGEPAGE_SIZE - 1) & ~(HUGEPAGE_SIZE - 1);
	uintptr_t b = ((uintptr_t)p + n) & ~(HUGEPAGE_SIZE - 1);

	if (p == NULL || b <= a)
		return false;
	*lo = (void *)a;
	*len = b - a;
	return true;
}

void
hugepage_hint(void *p, size_t n)
{
	void *lo;
	size_t len;

	if (inner_range(p, n, &lo, &len))
		(void)madvise(lo, len, MADV_HUGEPAGE);
}

void
hugepage_advise(void *p, size_t n)
{
	void *lo;
	size_t len;

	if (!inner_range(p, n, &lo, &len))
		return;
	/* MADV_HUGEPAGE keeps khugepaged from splitting them again and lets
	 * it finish what MADV_COLLAPSE could not (no free huge page now). */
	(void)madvise(lo, len, MADV_HUGEPAGE);
	(void)madvise(lo, len, MADV_COLLAPSE);
}

static atomic_bool start_up_done;

/* A block of whole, aligned huge pages for *n bytes (start-up only). */
static void *
whole_pages(size_t *n)
{
	size_t total = (*n + HUGEPAGE_SIZE - 1) & ~(HUGEPAGE_SIZE - 1);
	void *p;

	if (total < *n)
		return NULL;
	/* glibc maps such a block on its own; the alignment costs address
	 * space, not memory. */
	if ((p = aligned_alloc(HUGEPAGE_SIZE, total)) == NULL)
		return NULL;
	hugepage_hint(p, total);
	*n = total;
	return p;
}

static bool
eager(size_t n)
{
	return n >= HUGEPAGE_SIZE &&
	    !atomic_load_explicit(&start_up_done, memory_order_relaxed);
}

void *
hugepage_alloc(size_t *n)
{
	return eager(*n) ? whole_pages(n) : malloc(*n);
}

void *
hugepage_realloc(void *p, size_t used, size_t *n)
{
	void *q;

	if (!eager(*n))
		return realloc(p, *n);
	if ((q = whole_pages(n)) == NULL)
		return NULL;
	if (used > 0)
		memcpy(q, p, used);
	free(p);
	return q;
}

void *
hugepage_calloc(size_t n)
{
	void *p;

	if (!eager(n)) {
		p = calloc(1, n);
		hugepage_hint(p, n);
		return p;
	}
	if ((p = whole_pages(&n)) != NULL)
		memset(p, 0, n);
	return p;
}

void
hugepage_start_up_done(void)
{
	atomic_store_explicit(&start_up_done, true, memory_order_relaxed);
}
