/* arena.c -- chunked bump allocator behind arena.h. */
#include "util/arena.h"

#include "util/hugepage.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_FIRST_CHUNK ((size_t)64 << 10)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t pos;
	_Alignas(16) unsigned char data[];
};

/* A chunk of about *size bytes and at least need of data; *size becomes
 * what it holds.  Chunks of 2 MiB and more are whole huge pages: the
 * parse arenas' first-touch faults of 4 KiB pages were a fifth of a
 * 100k-task start-up's faults, which took a sixth of its CPU
 * (bench/README.md, 2026-12-05). */
static struct arena_chunk *
chunk_new(size_t *size, size_t need)
{
	struct arena_chunk *c;
	size_t total = sizeof *c + *size;
	size_t whole = total & ~(HUGEPAGE_SIZE - 1);

	if (*size < HUGEPAGE_SIZE)
		return malloc(total);
	/* A chunk_size of whole huge pages fills them, header and all. */
	if (total - whole <= sizeof *c && whole - sizeof *c >= need)
		total = whole;
	if ((c = hugepage_alloc(&total)) == NULL)
		return NULL;
	*size = total - sizeof *c;
	return c;
}

void
arena_init(struct arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : (size_t)1 << 20;
	a->used = 0;
	a->reserved = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + 7) & ~(size_t)7;
	void *p;

	if (need < n || need > SIZE_MAX - sizeof *c)
		return NULL;
	if (c == NULL || c->size - c->pos < need) {
		/* Chunks grow from ARENA_FIRST_CHUNK, each as big as all before
		 * it, up to chunk_size: a small state does not reserve a MiB
		 * per arena, a big one soon allocates in whole chunks. */
		size_t size = a->reserved < ARENA_FIRST_CHUNK ?
		    ARENA_FIRST_CHUNK :
		    a->reserved;
		bool big;

		if (size > a->chunk_size)
			size = a->chunk_size;
		big = need > size / 4;
		if (big)
			size = need;
		/* Big requests get a chunk of their own, put behind the current
		 * one so that its free space is not wasted. */
		c = chunk_new(&size, need);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->pos = 0;
		a->reserved += size;
		if (big && a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->data + c->pos;
	c->pos += need;
	assert(c->pos <= c->size);
	a->used += need;
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->used = 0;
	a->reserved = 0;
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk *keep = a->head, *c, *next;

	if (keep == NULL)
		return;
	for (c = keep->next; c != NULL; c = next) {
		next = c->next;
		a->reserved -= c->size;
		free(c);
	}
	keep->next = NULL;
	keep->pos = 0;
	a->used = 0;
}

void
arena_move(struct arena *dst, struct arena *src)
{
	arena_free(dst);
	*dst = *src;
	src->head = NULL;
	src->used = 0;
	src->reserved = 0;
}
