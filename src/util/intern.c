/* intern.c -- interned strings (see intern.h).
 *
 * Linear probing with backward-shift deletion, so that a set that sees
 * many puts and gets never fills with tombstones.
 */
#include "util/intern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

struct intern_entry {
	uint64_t hash;
	size_t refs;
	char s[];
};

static struct intern_entry *
entry_of(const char *s)
{
	/* The caller's pointer is const; the entry is ours to change. */
	return (struct intern_entry *)(uintptr_t)(s -
	    offsetof(struct intern_entry, s));
}

/* Places e into the first free slot of its probe sequence. */
static void
place(struct intern_entry **slots, size_t cap, struct intern_entry *e)
{
	size_t i = (size_t)e->hash & (cap - 1);

	while (slots[i] != NULL)
		i = (i + 1) & (cap - 1);
	slots[i] = e;
}

/* Room for one more at a load of at most one half; -1 out of memory. */
static int
grow(struct intern *t)
{
	size_t cap;
	struct intern_entry **slots;

	if ((t->n + 1) * 2 <= t->cap)
		return 0;
	cap = t->cap ? t->cap * 2 : 64;
	if ((slots = calloc(cap, sizeof *slots)) == NULL)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i] != NULL)
			place(slots, cap, t->slots[i]);
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

const char *
intern_get(struct intern *t, const char *s)
{
	uint64_t h = hash_str(s);
	size_t len = strlen(s);
	struct intern_entry *e;

	if (grow(t) < 0)
		return NULL;
	for (size_t i = (size_t)h & (t->cap - 1); (e = t->slots[i]) != NULL;
	     i = (i + 1) & (t->cap - 1))
		if (e->hash == h && strcmp(e->s, s) == 0) {
			e->refs++;
			return e->s;
		}
	if ((e = malloc(sizeof *e + len + 1)) == NULL)
		return NULL;
	e->hash = h;
	e->refs = 1;
	memcpy(e->s, s, len + 1);
	place(t->slots, t->cap, e);
	t->n++;
	return e->s;
}

void
intern_put(struct intern *t, const char *s)
{
	struct intern_entry *e;
	size_t i, j;

	if (s == NULL)
		return;
	e = entry_of(s);
	if (--e->refs > 0)
		return;
	for (i = (size_t)e->hash & (t->cap - 1); t->slots[i] != e;
	     i = (i + 1) & (t->cap - 1))
		;
	/* Backward shift: an entry after the hole moves into it unless
	 * its home lies cyclically in (i, j]. */
	for (j = (i + 1) & (t->cap - 1); t->slots[j] != NULL;
	     j = (j + 1) & (t->cap - 1)) {
		size_t home = (size_t)t->slots[j]->hash & (t->cap - 1);

		if (((j - home) & (t->cap - 1)) >= ((j - i) & (t->cap - 1))) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i] = NULL;
	t->n--;
	free(e);
}

size_t
intern_count(const struct intern *t)
{
	return t->n;
}

void
intern_free(struct intern *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	memset(t, 0, sizeof *t);
}
