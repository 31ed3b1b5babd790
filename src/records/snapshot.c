/* snapshot.c -- look-ups in a snapshot and its RCU publication. */
#include "records/snapshot.h"

#include <stdlib.h>
#include <string.h>
#include <urcu-bp.h>

static struct snapshot *current_snapshot;

uint32_t
snap_hash(const char *text, size_t len)
{
	/* FNV-1a, 64-bit, folded: names are short and the zone is built from
	 * the master's data, not from queries, so flooding one chain needs
	 * control of the cluster's task names. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static bool
node_equals(const struct snapshot *s, uint32_t node, const char *text,
    size_t len)
{
	size_t pos = 0;

	while (node != SNAP_NONE) {
		size_t ll;
		const char *l = snap_label(s, node, &ll);

		if (pos + ll + 1 > len || memcmp(text + pos, l, ll) != 0 ||
		    text[pos + ll] != '.')
			return false;
		pos += ll + 1;
		node = s->nodes[node].parent;
	}
	return pos == len;
}

uint32_t
snap_lookup(const struct snapshot *s, const char *text, size_t len)
{
	uint32_t h = snap_hash(text, len);
	uint32_t i = h & s->table_mask;

	for (;;) {
		uint32_t slot = s->table[i];

		if (slot == 0)
			return SNAP_NONE;
		if (s->nodes[slot - 1].hash == h &&
		    node_equals(s, slot - 1, text, len))
			return slot - 1;
		i = (i + 1) & s->table_mask;
	}
}

size_t
snap_name_len(const struct snapshot *s, uint32_t node)
{
	size_t n = 0;

	for (; node != SNAP_NONE; node = s->nodes[node].parent) {
		size_t ll;

		snap_label(s, node, &ll);
		n += ll + 1;
	}
	return n;
}

size_t
snap_name(const struct snapshot *s, uint32_t node, char *out, size_t cap)
{
	size_t n = 0;

	for (; node != SNAP_NONE; node = s->nodes[node].parent) {
		size_t ll;
		const char *l = snap_label(s, node, &ll);

		if (n + ll + 2 > cap)
			return 0;
		memcpy(out + n, l, ll);
		n += ll;
		out[n++] = '.';
	}
	if (n < cap)
		out[n] = '\0';
	return n;
}

struct sort_item {
	const char *text;
	uint32_t len;
	uint32_t node;
};

static int
sort_item_cmp(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->text, y->text, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

const uint32_t *
snap_sorted(struct snapshot *s)
{
	uint32_t *order = atomic_load_explicit(&s->sorted, memory_order_acquire);
	struct sort_item *items;
	char *text = NULL;
	size_t total = 0, pos = 0;
	uint32_t *expected = NULL;

	if (order != NULL)
		return order;
	/* Names are materialised once so that sorting compares flat strings;
	 * the text is dropped again as soon as the order is known. */
	for (uint32_t i = 0; i < s->n_nodes; i++)
		total += snap_name_len(s, i);
	items = malloc((s->n_nodes + 1) * sizeof *items);
	text = malloc(total + 1);
	order = malloc((s->n_nodes + 1) * sizeof *order);
	if (items == NULL || text == NULL || order == NULL) {
		free(items);
		free(text);
		free(order);
		return NULL;
	}
	for (uint32_t i = 0; i < s->n_nodes; i++) {
		size_t n = snap_name(s, i, text + pos, total + 1 - pos);

		items[i].text = text + pos;
		items[i].len = (uint32_t)n;
		items[i].node = i;
		pos += n;
	}
	qsort(items, s->n_nodes, sizeof *items, sort_item_cmp);
	for (uint32_t i = 0; i < s->n_nodes; i++)
		order[i] = items[i].node;
	free(items);
	free(text);
	if (!atomic_compare_exchange_strong(&s->sorted, &expected, order)) {
		free(order);
		return expected;
	}
	return order;
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	free(atomic_load(&s->sorted));
	free(s->nodes);
	free(s->labels);
	free(s->table);
	free(s->a);
	free(s->aaaa);
	free(s->srv);
	free(s->pseudo);
	free(s->pseudo_text);
	free(s->frameworks);
	free(s->tasks);
	free(s->recs);
	arena_free(&s->arena);
	free(s);
}

void
snapshot_publish(struct snapshot *next)
{
	struct snapshot *old;

	atomic_store(&next->refs, 1);
	old = rcu_xchg_pointer(&current_snapshot, next);
	if (old == NULL)
		return;
	synchronize_rcu();
	snapshot_release(old);
}

struct snapshot *
snapshot_current(void)
{
	return rcu_dereference(current_snapshot);
}

void
snapshot_read_lock(void)
{
	rcu_read_lock();
}

void
snapshot_read_unlock(void)
{
	rcu_read_unlock();
}

struct snapshot *
snapshot_acquire(void)
{
	struct snapshot *s;

	rcu_read_lock();
	s = rcu_dereference(current_snapshot);
	if (s != NULL)
		atomic_fetch_add(&s->refs, 1);
	rcu_read_unlock();
	return s;
}

void
snapshot_release(struct snapshot *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
		snapshot_free(s);
}
