/* arena.h -- bump allocator: a snapshot or a parsed state owns one arena and
 * is freed in one call (NSD's region, unbound's regional).
 *
 * Allocation never fails silently: arena_alloc returns NULL only when
 * malloc does, and callers treat that as a failed build.
 */
#ifndef MDNS_ARENA_H
#define MDNS_ARENA_H

#include <stddef.h>

struct arena_chunk;

/** An arena; owns every chunk it handed memory out of. */
struct arena {
	struct arena_chunk *head; /**< newest chunk, allocation happens here */
	size_t chunk_size;	  /**< size of ordinary chunks */
	size_t used;		  /**< bytes handed out, for statistics */
	size_t reserved;	  /**< bytes malloc'ed, for statistics */
};

/** Sets up an empty arena whose chunks are chunk_size bytes (0: 1 MiB). */
void arena_init(struct arena *a, size_t chunk_size);

/** Returns n bytes aligned to 8, or NULL when memory is exhausted. */
void *arena_alloc(struct arena *a, size_t n);

/** Copies n bytes and a terminating NUL into the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/** Forgets every allocation but keeps the newest chunk for reuse. */
void arena_reset(struct arena *a);

/** Moves every chunk of src into dst (src is left empty). */
void arena_move(struct arena *dst, struct arena *src);

/** Releases every chunk; the arena can be reused after arena_init. */
void arena_free(struct arena *a);

#endif
