/* hugepage.c -- see hugepage.h. */
#include "util/hugepage.h"

#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; older glibc headers lack it */
#endif

#define HUGE_SIZE ((uintptr_t)2 << 20)

void
hugepage_hint(void *p, size_t n)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	uintptr_t hi = ((uintptr_t)p + n) & ~(HUGE_SIZE - 1);

	if (p != NULL && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

void
hugepage_advise(void *p, size_t n)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	uintptr_t hi = ((uintptr_t)p + n) & ~(HUGE_SIZE - 1);

	if (p == NULL || hi <= lo)
		return;
	/* MADV_HUGEPAGE keeps khugepaged from splitting them again and lets
	 * it finish what MADV_COLLAPSE could not (no free huge page now). */
	(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	(void)madvise((void *)lo, hi - lo, MADV_COLLAPSE);
}
