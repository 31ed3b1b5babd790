/* snapshot.c -- look-ups in a snapshot and its RCU publication. */
#include "records/snapshot.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-bp.h>

static struct snapshot *current_snapshot;

uint32_t
snap_hash(const char *text, size_t len)
{
	/* Eight bytes per step with a multiply-xorshift mix: names are hashed
	 * once per query, so this is on the hot path.  The zone is built from
	 * the master's data, not from queries, so flooding one chain needs
	 * control of the cluster's task names. */
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ len, w;

	while (len >= 8) {
		memcpy(&w, text, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 29;
		text += 8;
		len -= 8;
	}
	if (len > 0) {
		/* The last 1-7 bytes in a word, without a byte-wise copy:
		 * two overlapping loads (4-7 bytes) or the first, middle and
		 * last byte (1-3) cover every byte, and len is in h. */
		if (len >= 4) {
			uint32_t lo, hi;

			memcpy(&lo, text, 4);
			memcpy(&hi, text + len - 4, 4);
			w = (uint64_t)lo | (uint64_t)hi << 32;
		} else {
			w = (uint64_t)(unsigned char)text[0] |
			    (uint64_t)(unsigned char)text[len >> 1] << 8 |
			    (uint64_t)(unsigned char)text[len - 1] << 16;
		}
		h = (h ^ w) * 0x94d049bb133111ebULL;
		h ^= h >> 31;
	}
	h *= 0xd6e8feb86659fd93ULL;
	h ^= h >> 32;
	return (uint32_t)h;
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
	return snap_lookup_hashed(s, snap_hash(text, len), text, len);
}

uint32_t
snap_lookup_hashed(const struct snapshot *s, uint32_t h, const char *text,
    size_t len)
{
	uint32_t i = h & s->table_mask;

	for (;;) {
		uint32_t slot = s->table[i];

		if (slot == 0)
			return SNAP_NONE;
		if (SNAP_SLOT_FP(slot) == (h & 0xff000000U) &&
		    node_equals(s, SNAP_SLOT_NODE(slot), text, len))
			return SNAP_SLOT_NODE(slot);
		i = (i + 1) & s->table_mask;
	}
}

void
snap_prefetch(const struct snapshot *s, uint32_t h, unsigned stage)
{
	/* Each stage reads only what the previous stage of the same query
	 * asked for; between stages the caller warms the rest of its batch,
	 * so the misses of a batch's look-ups overlap instead of following
	 * each other.  Under an overlay that hides apps, a base name's app
	 * (app_of, a random read into a large array) is warmed too. */
	bool hides = s->n_hidden != 0;

	for (; s != NULL; s = s->base) {
		const uint32_t *slot = &s->table[h & s->table_mask];
		uint32_t node;

		if (stage == 0) {
			__builtin_prefetch(slot);
			continue;
		}
		if (*slot == 0 || SNAP_SLOT_FP(*slot) != (h & 0xff000000U))
			continue;
		node = SNAP_SLOT_NODE(*slot);
		if (stage == 1) {
			__builtin_prefetch(&s->nodes[node]);
			__builtin_prefetch(&s->nodes[node + 1]);
			if (hides && s->base == NULL && s->app_of != NULL)
				__builtin_prefetch(&s->app_of[node]);
			continue;
		}
		__builtin_prefetch(s->labels + s->nodes[node].label);
		if (s->nodes[node].parent != SNAP_NONE)
			__builtin_prefetch(&s->nodes[s->nodes[node].parent]);
		if (s->n[RK_A] > s->nodes[node].first_a)
			__builtin_prefetch(&s->a[s->nodes[node].first_a]);
		if (s->n[RK_SRV] > s->nodes[node].first_srv)
			__builtin_prefetch(&s->srv[s->nodes[node].first_srv]);
	}
}

static bool
node_has_values(const struct snapshot *s, uint32_t node)
{
	for (int k = 0; k < RK_COUNT; k++)
		if (snap_count(s, node, (enum rr_kind)k) > 0)
			return true;
	return false;
}

static bool
app_hidden(const struct snapshot *s, uint32_t app)
{
	uint32_t lo = 0, hi = s->n_hidden;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->hidden[mid] == app)
			return true;
		if (s->hidden[mid] < app)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

uint32_t
snap_find(const struct snapshot *s, const char *text, size_t len,
    const struct snapshot **part)
{
	uint32_t h = snap_hash(text, len);
	uint32_t node = snap_lookup_hashed(s, h, text, len);

	*part = s;
	if (s->base == NULL)
		return node;
	/* The overlay answers for a name it has values for; otherwise the
	 * base does, unless the name belongs to a changed app. */
	if (node != SNAP_NONE && node_has_values(s, node))
		return node;
	node = snap_lookup_hashed(s->base, h, text, len);
	*part = s->base;
	/* An overlay of new apps only hides nothing: no app_of read. */
	if (node != SNAP_NONE && s->n_hidden != 0 && s->base->app_of != NULL &&
	    s->base->app_of[node] != SNAP_NONE &&
	    app_hidden(s, s->base->app_of[node]))
		return SNAP_NONE;
	return node;
}

bool
snap_base_hidden(const struct snapshot *ov, uint32_t node)
{
	const struct snapshot *base = ov->base;

	return base != NULL && ov->n_hidden != 0 && base->app_of != NULL &&
	    base->app_of[node] != SNAP_NONE &&
	    app_hidden(ov, base->app_of[node]);
}

/* Names of an overlay checked against its base at a time: their look-ups
 * are warmed together as a batch of queries is (server/udp.c), since a
 * burst's overlay checks thousands of names, each missing the cache. */
#define CLASH_BATCH 32

struct clash_batch {
	uint32_t h[CLASH_BATCH];
	uint32_t off[CLASH_BATCH + 1]; /* name i is text[off[i]..off[i+1]) */
	uint32_t n;
	char text[CLASH_BATCH * 256];
};

/* True when a name of the batch has values in base for an owner the
 * overlay does not hide. */
static bool
clash_in_batch(const struct snapshot *ov, const struct clash_batch *b)
{
	const struct snapshot *base = ov->base;

	for (unsigned stage = 0; stage <= 2; stage++)
		for (uint32_t i = 0; i < b->n; i++)
			snap_prefetch(base, b->h[i], stage);
	for (uint32_t i = 0; i < b->n; i++) {
		uint32_t bn = snap_lookup_hashed(base, b->h[i],
		    b->text + b->off[i], b->off[i + 1] - b->off[i]);

		if (bn != SNAP_NONE && node_has_values(base, bn) &&
		    !snap_base_hidden(ov, bn))
			return true;
	}
	return false;
}

bool
snap_overlay_clashes(const struct snapshot *ov)
{
	const struct snapshot *base = ov->base;
	struct clash_batch b;

	if (base == NULL || base->app_of == NULL)
		return false;
	b.n = 0;
	b.off[0] = 0;
	for (uint32_t node = 0; node < ov->n_nodes; node++) {
		size_t len = 0;

		if (!node_has_values(ov, node))
			continue;
		if (b.n < CLASH_BATCH)
			len = snap_name(ov, node, b.text + b.off[b.n],
			    sizeof b.text - b.off[b.n]);
		if (len == 0 && b.n > 0) {
			/* The batch is full: check it and start another. */
			if (clash_in_batch(ov, &b))
				return true;
			b.n = 0;
			len = snap_name(ov, node, b.text, sizeof b.text);
		}
		if (len == 0)
			return true;
		b.h[b.n] = snap_hash(b.text + b.off[b.n], len);
		b.off[b.n + 1] = b.off[b.n] + (uint32_t)len;
		b.n++;
	}
	return b.n > 0 && clash_in_batch(ov, &b);
}

uint32_t
snap_app(const struct snapshot *s, const char *key)
{
	uint32_t h = snap_hash(key, strlen(key));

	if (s->app_table == NULL)
		return SNAP_NONE;
	for (uint32_t i = h & s->app_mask; s->app_table[i] != 0;
	     i = (i + 1) & s->app_mask)
		if (strcmp(s->app_keys[s->app_table[i] - 1], key) == 0)
			return s->app_table[i] - 1;
	return SNAP_NONE;
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
	uint32_t *order =
	    atomic_load_explicit(&s->sorted, memory_order_acquire);
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
	free(s->rare);
	free(s->pseudo_text);
	free(s->frameworks);
	free(s->tasks);
	free(s->recs);
	free(s->app_of);
	free(s->app_entangled);
	free(s->app_keys); /* the keys are in the arena */
	free(s->app_table);
	free(s->hidden);
	free(s->ptr4);
	free(s->ptr6);
	free(s->rzones);
	if (s->base != NULL)
		snapshot_release(s->base);
	arena_free(&s->arena);
	free(s);
}

void
snapshot_publish(struct snapshot *next)
{
	static uint64_t full_builds;
	struct snapshot *old;

	assert(next != NULL && next != rcu_dereference(current_snapshot));
	next->generation = next->base ? next->base->generation : ++full_builds;
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
	int before;

	if (s == NULL)
		return;
	before = atomic_fetch_sub(&s->refs, 1);
	assert(before >= 1);
	if (before == 1)
		snapshot_free(s);
}
