/* intern.h -- shared, reference-counted copies of strings: equal strings
 * are stored once.  The event model keeps each agent id once instead of
 * once per task (a 100,000-task cluster has a few thousand agents).
 * Not thread-safe: the owner locks.
 */
#ifndef MDNS_INTERN_H
#define MDNS_INTERN_H

#include <stddef.h>

struct intern_entry;

/** A set of interned strings; zero-initialised is empty. */
struct intern {
	struct intern_entry **slots; /**< open addressing, NULL free */
	size_t cap, n;
};

/** The shared copy of s with one more reference; NULL when out of
 *  memory.  Equal strings give the same pointer. */
const char *intern_get(struct intern *t, const char *s);

/** Drops one reference to s (a pointer intern_get returned); the copy
 *  is freed with its last reference. */
void intern_put(struct intern *t, const char *s);

/** Distinct strings held. */
size_t intern_count(const struct intern *t);

/** Frees every string, whatever its references, and empties t. */
void intern_free(struct intern *t);

#endif
