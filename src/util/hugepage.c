/* hugepage.c -- see hugepage.h. */
#include "util/hugepage.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; older glibc headers lack it */
#endif

#define HUGE_SIZE ((uintptr_t)HUGEPAGE_SIZE)

/* The whole 2 MiB pages inside [p, p + n): false when there is none. */
static bool
inner_range(void *p, size_t n, void **lo, size_t *len)
{
	uintptr_t a = ((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	uintptr_t b = ((uintptr_t)p + n) & ~(HUGE_SIZE - 1);

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

void *
hugepage_alloc(size_t *n)
{
	size_t total = (*n + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	void *p;

	if (*n < HUGE_SIZE)
		return malloc(*n);
	if (total < *n)
		return NULL;
	/* glibc maps such a block on its own; the alignment costs address
	 * space, not memory. */
	if ((p = aligned_alloc(HUGE_SIZE, total)) == NULL)
		return NULL;
	(void)madvise(p, total, MADV_HUGEPAGE);
	*n = total;
	return p;
}

void *
hugepage_calloc(size_t n)
{
	void *p;

	if (n < HUGE_SIZE)
		return calloc(1, n);
	if ((p = hugepage_alloc(&n)) != NULL)
		memset(p, 0, n);
	return p;
}
