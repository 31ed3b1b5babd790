/* slots.h -- the free entries of a fixed table, as a stack of indices:
 * taken and given back in O(1), and the table's pages are touched only as
 * deep as the load has ever gone.  Shared by the engine's pending queries
 * and the UDP forwarder's clients.
 */
#ifndef MDNS_FWD_SLOTS_H
#define MDNS_FWD_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct free_stack {
	uint16_t *v;
	size_t n, cap;
};

/** Every entry of a table of cap (at most 65536) free; entry 0 is taken
 *  first.  false when memory is short. */
static inline bool
free_stack_init(struct free_stack *f, size_t cap)
{
	if ((f->v = calloc(cap ? cap : 1, sizeof *f->v)) == NULL)
		return false;
	for (size_t i = 0; i < cap; i++)
		f->v[i] = (uint16_t)(cap - 1 - i);
	f->n = f->cap = cap;
	return true;
}

/** Frees the stack. */
static inline void
free_stack_fini(struct free_stack *f)
{
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

#endif
