/* builder.c -- record accumulation, de-duplication and the freeze into an
 * indexed snapshot (see builder.h and snapshot.h). */
#include "records/builder.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state/model.h"
#include "util/hugepage.h"

/* Values are stored per kind as they are inserted, in their final form
 * (an AAAA's is its index in the v6 pool until the freeze), each with a
 * link to the previous value of its name and kind: the freeze turns the
 * links into each value's place and moves the values there, so no copy
 * of the 1.2M values of a 100k-task cluster is held beside them. */

/* A name with more values of a kind than this gets them indexed in big;
 * smaller ones are checked by walking their own list. */
#define SMALL_NODE 16

/* A growable array of fixed-size items; memory from realloc so that the
 * snapshot can keep the final array as it is. */
struct vec {
	void *p;
	size_t n, cap, size;
};

/* Open addressing set of u32 (item + 1); the owner compares items. */
struct set {
	uint32_t *slots;
	uint32_t mask;
	uint32_t n;
};

/* A value of a name with many values: its name and kind << 30 | index. */
struct big_ent {
	uint32_t node;
	uint32_t item; /* + 1; 0 is a free slot */
};

/* Values of the names with many, to find duplicates without walking. */
struct bigset {
	struct big_ent *slots;
	uint32_t mask;
	uint32_t n;
};

/* Values of one kind cannot reach this (task records keep the kind in
 * the top two bits of a u32). */
#define KIND_MAX_VALUES ((1U << 30) - 2)

struct builder {
	bool failed;
	struct vec nodes;     /* struct snode */
	struct vec labels;    /* char: u16 length + bytes */
	struct set names;     /* SNAP_SLOT entries, by full-text hash */
	struct set label_set; /* label offsets + 1, to share equal labels */
	/* Per kind: values in insertion order, and per value the previous
	 * one of its name + 1 (see head_get for where the last one of a
	 * name is during the build). */
	struct vec vals[RK_COUNT];
	struct vec links[RK_COUNT];
	struct vec rare;   /* u32 x 2 per node once any AAAA or host name */
	struct bigset big; /* values of names with many */
	struct vec v6;	   /* struct snap_ip6, interned */
	struct set v6_set;
	struct vec pseudo; /* char: u16 length + bytes, interned */
	struct set pseudo_set;
	struct vec fws;	      /* struct snap_framework */
	struct vec tasks;     /* struct snap_task */
	struct vec task_recs; /* u32 kind << 30 | index in vals[kind] */
	bool in_task;
	bool borrowed; /* enumeration strings live in an adopted arena */
	struct arena *strings; /* enumeration names; becomes the snapshot's */
	struct snapshot *snap;
	/* Apps (fname, task label): which one created each name, so that an
	 * overlay can hide the names of the apps events changed. */
	struct vec app_of;    /* u32 per node; SNAP_MIXED once apps share it */
	struct vec entangled; /* u8 per app: shares a name with another
				   app or with a non-task record */
	struct vec app_keys;  /* char *, in the snapshot's arena */
	struct set app_set;   /* app index + 1 */
	uint32_t cur_app;     /* SNAP_NONE outside tasks */
	bool reverse;	      /* index addresses for PTR at the freeze */
	const struct rev_prefix *rzones; /* the caller's; none: derived */
	size_t n_rzones;
};

/* Gives v room for cap items; at start-up, large arrays are whole huge
 * pages (the copy is rare: builder_reserve sizes the big ones). */
static bool
vec_grow(struct builder *b, struct vec *v, size_t cap)
{
	size_t bytes = cap * v->size;
	void *p;

	if (cap != 0 && bytes / cap != v->size) {
		b->failed = true;
		return false;
	}
	if ((p = hugepage_realloc(v->p, v->n * v->size, &bytes)) == NULL) {
		b->failed = true;
		return false;
	}
	v->p = p;
	v->cap = bytes / v->size;
	return true;
}

static void *
vec_push(struct builder *b, struct vec *v)
{
	if (v->n == v->cap && !vec_grow(b, v, v->cap ? v->cap * 2 : 64))
		return NULL;
	return (char *)v->p + v->size * v->n++;
}

static bool
vec_append(struct builder *b, struct vec *v, const void *data, size_t n)
{
	while (v->cap - v->n < n)
		if (!vec_grow(b, v, v->cap ? v->cap * 2 : 4096))
			return false;
	memcpy((char *)v->p + v->n * v->size, data, n * v->size);
	v->n += n;
	return true;
}

/* Shrinks a vector to its length so the snapshot holds no slack. */
static void *
vec_take(struct vec *v)
{
	void *p = v->p;

	if (v->n > 0 && v->n < v->cap) {
		void *q = realloc(p, v->n * v->size);

		if (q != NULL)
			p = q;
	}
	v->p = NULL;
	v->n = v->cap = 0;
	return p;
}

static uint32_t
mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	h *= 0x846ca68bU;
	h ^= h >> 16;
	return h;
}

static bool
set_init(struct builder *b, struct set *s, uint32_t cap)
{
	s->slots = hugepage_calloc((size_t)cap * sizeof *s->slots);
	if (s->slots == NULL) {
		b->failed = true;
		return false;
	}
	s->mask = cap - 1;
	s->n = 0;
	return true;
}

static void
set_free(struct set *s)
{
	free(s->slots);
	s->slots = NULL;
	s->mask = 0;
	s->n = 0;
}

/* Grows the set to keep its load at most 1/2; hash_of gives an item's hash. */
static bool
set_grow(struct builder *b, struct set *s,
    uint32_t (*hash_of)(const struct builder *, uint32_t))
{
	struct set bigger;

	if ((s->n + 1) * 2 <= s->mask + 1)
		return true;
	if (!set_init(b, &bigger, (s->mask + 1) * 2))
		return false;
	for (uint32_t i = 0; i <= s->mask; i++) {
		uint32_t item = s->slots[i], j;

		if (item == 0)
			continue;
		j = hash_of(b, item - 1) & bigger.mask;
		while (bigger.slots[j] != 0)
			j = (j + 1) & bigger.mask;
		bigger.slots[j] = item;
	}
	bigger.n = s->n;
	free(s->slots);
	*s = bigger;
	return true;
}

static struct snode *
node_at(const struct builder *b, uint32_t i)
{
	return (struct snode *)b->nodes.p + i;
}

/* The hash of node's full text, rebuilt from its labels into buf (at
 * least 64 KiB + 1: interned names are shorter).  Only a names table that
 * outgrows its reservation needs it; keeping every hash would cost 4 bytes
 * a name at the peak. */
static uint32_t
node_hash(const struct builder *b, uint32_t node, char *buf)
{
	const unsigned char *labels = b->labels.p;
	size_t len = 0;

	for (; node != SNAP_NONE; node = node_at(b, node)->parent) {
		const unsigned char *l = labels + node_at(b, node)->label;
		size_t ll = (size_t)l[0] | (size_t)l[1] << 8;

		memcpy(buf + len, l + 2, ll);
		buf[len + ll] = '.';
		len += ll + 1;
	}
	return snap_hash(buf, len);
}

/* Rehashing the names table: its items are slots, not plain indices.
 * builder_reserve sizes it for a load of at most 1/2 from the task count;
 * it grows only past 3/4, because growing doubles it while the serving
 * snapshot's table is alive (the 100k-task peak: 4 MB more) and a few
 * percent more names than estimated must not cost that.  The slots'
 * fingerprints keep the longer probes of a fuller table cheap. */
static bool
names_grow(struct builder *b)
{
	struct set bigger;
	char *buf;

	if (((uint64_t)b->names.n + 1) * 4 <= ((uint64_t)b->names.mask + 1) * 3)
		return true;
	if ((buf = malloc(65536 + 1)) == NULL) {
		b->failed = true;
		return false;
	}
	if (!set_init(b, &bigger, (b->names.mask + 1) * 2)) {
		free(buf);
		return false;
	}
	for (uint32_t i = 0; i <= b->names.mask; i++) {
		uint32_t slot = b->names.slots[i], j;

		if (slot == 0)
			continue;
		j = node_hash(b, SNAP_SLOT_NODE(slot), buf) & bigger.mask;
		while (bigger.slots[j] != 0)
			j = (j + 1) & bigger.mask;
		bigger.slots[j] = slot;
	}
	bigger.n = b->names.n;
	free(b->names.slots);
	free(buf);
	b->names = bigger;
	return true;
}

static uint32_t
label_hash_at(const struct builder *b, uint32_t off)
{
	const unsigned char *l = (const unsigned char *)b->labels.p + off;

	return snap_hash((const char *)l + 2, (size_t)l[0] | (size_t)l[1] << 8);
}

/* The offset of an equal label already stored, or a new copy's: the
 * canonical and ".slave" names of a task share their first label. */
static uint32_t
label_intern(struct builder *b, const char *label, size_t ll)
{
	unsigned char hdr[2] = { (unsigned char)ll, (unsigned char)(ll >> 8) };
	uint32_t h = snap_hash(label, ll), i, off;

	if (!set_grow(b, &b->label_set, label_hash_at))
		return SNAP_NONE;
	for (i = h & b->label_set.mask; b->label_set.slots[i] != 0;
	     i = (i + 1) & b->label_set.mask) {
		const unsigned char *l = (const unsigned char *)b->labels.p +
		    b->label_set.slots[i] - 1;

		if (((size_t)l[0] | (size_t)l[1] << 8) == ll &&
		    memcmp(l + 2, label, ll) == 0)
			return b->label_set.slots[i] - 1;
	}
	off = (uint32_t)b->labels.n;
	if (!vec_append(b, &b->labels, hdr, 2) ||
	    !vec_append(b, &b->labels, label, ll))
		return SNAP_NONE;
	b->label_set.slots[i] = off + 1;
	b->label_set.n++;
	return off;
}

static bool
node_matches(const struct builder *b, uint32_t node, const char *text,
    size_t len)
{
	const unsigned char *labels = b->labels.p;
	size_t pos = 0;

	while (node != SNAP_NONE) {
		const unsigned char *l = labels + node_at(b, node)->label;
		size_t ll = (size_t)l[0] | (size_t)l[1] << 8;

		if (pos + ll + 1 > len || memcmp(text + pos, l + 2, ll) != 0 ||
		    text[pos + ll] != '.')
			return false;
		pos += ll + 1;
		node = node_at(b, node)->parent;
	}
	return pos == len;
}

static uint32_t
name_find(const struct builder *b, const char *text, size_t len, uint32_t h)
{
	uint32_t i = h & b->names.mask;

	for (;;) {
		uint32_t slot = b->names.slots[i];

		if (slot == 0)
			return SNAP_NONE;
		if (SNAP_SLOT_FP(slot) == (h & 0xff000000U) &&
		    node_matches(b, SNAP_SLOT_NODE(slot), text, len))
			return SNAP_SLOT_NODE(slot);
		i = (i + 1) & b->names.mask;
	}
}

static uint32_t
node_new(struct builder *b, const char *label, size_t ll, uint32_t parent,
    uint32_t h)
{
	struct snode *n;
	uint32_t idx, i, loff;

	if (b->nodes.n >= SNAP_MAX_NODES) {
		b->failed = true;
		return SNAP_NONE;
	}
	if (!names_grow(b) || (loff = label_intern(b, label, ll)) == SNAP_NONE)
		return SNAP_NONE;
	idx = (uint32_t)b->nodes.n;
	if ((n = vec_push(b, &b->nodes)) == NULL)
		return SNAP_NONE;
	memset(n, 0, sizeof *n);
	n->label = loff;
	n->parent = parent;
	{
		uint32_t *app = vec_push(b, &b->app_of);

		if (app == NULL)
			return SNAP_NONE;
		*app = b->cur_app;
	}
	i = h & b->names.mask;
	while (b->names.slots[i] != 0)
		i = (i + 1) & b->names.mask;
	b->names.slots[i] = SNAP_SLOT(h, idx);
	b->names.n++;
	return idx;
}

/* Interns a name that ends with '.', creating the nodes of every suffix
 * that is not there yet, right to left from the longest one that is. */
static uint32_t
name_intern(struct builder *b, const char *text, size_t len,
    const uint32_t *hash)
{
	size_t starts[128], ends[128];
	uint32_t hashes[128];
	size_t n = 0, pos = 0;
	uint32_t node = SNAP_NONE;

	if (b->failed || len == 0 || text[len - 1] != '.' || len > 65535)
		return SNAP_NONE;
	/* Find the longest suffix that already exists. */
	for (;;) {
		const char *dot;
		uint32_t h = pos == 0 && hash != NULL ?
		    *hash :
		    snap_hash(text + pos, len - pos);

		node = name_find(b, text + pos, len - pos, h);
		if (node != SNAP_NONE)
			break;
		if (n == sizeof starts / sizeof starts[0])
			return SNAP_NONE; /* more than 128 labels */
		dot = memchr(text + pos, '.', len - pos);
		starts[n] = pos;
		ends[n] = (size_t)(dot - text);
		hashes[n++] = h;
		pos = (size_t)(dot - text) + 1;
		if (pos == len)
			break;
	}
	while (n > 0) {
		n--;
		node = node_new(b, text + starts[n], ends[n] - starts[n], node,
		    hashes[n]);
		if (node == SNAP_NONE)
			return SNAP_NONE;
	}
	return node;
}

static uint32_t
rec_hash(uint32_t node, unsigned k, uint32_t val, int32_t port)
{
	return mix32(((uint32_t)k << 30 | node) * 0x9e3779b1U ^ mix32(val) ^
	    (uint32_t)port * 0x85ebca6bU);
}

/* Value i of kind k as its (value, port); the port is an SRV's alone. */
static void
val_at(const struct builder *b, unsigned k, uint32_t i, uint32_t *val,
    int32_t *port)
{
	if (k == RK_SRV) {
		const struct snap_srv *v =
		    (const struct snap_srv *)b->vals[k].p + i;

		*val = v->target;
		*port = v->port;
	} else {
		*val = ((const uint32_t *)b->vals[k].p)[i];
		*port = 0;
	}
}

static bool
val_is(const struct builder *b, unsigned k, uint32_t i, uint32_t val,
    int32_t port)
{
	uint32_t v;
	int32_t p;

	val_at(b, k, i, &v, &p);
	return v == val && p == port;
}

static uint32_t
big_hash_of(const struct builder *b, const struct big_ent *e)
{
	unsigned k = (e->item - 1) >> 30;
	uint32_t val;
	int32_t port;

	val_at(b, k, (e->item - 1) & 0x3fffffffU, &val, &port);
	return rec_hash(e->node, k, val, port);
}

/* Adds value item (kind << 30 | index) of node to the big set, which is
 * known not to hold it yet; the set stays at most half full. */
static bool
big_add(struct builder *b, uint32_t node, uint32_t item)
{
	struct big_ent e = { node, item + 1 };
	uint32_t h;

	if ((b->big.n + 1) * 2 > b->big.mask + 1) {
		uint32_t cap = (b->big.mask + 1) * 2;
		struct big_ent *slots = calloc(cap, sizeof *slots);

		if (slots == NULL) {
			b->failed = true;
			return false;
		}
		for (uint32_t i = 0; i <= b->big.mask; i++) {
			if (b->big.slots[i].item == 0)
				continue;
			h = big_hash_of(b, &b->big.slots[i]) & (cap - 1);
			while (slots[h].item != 0)
				h = (h + 1) & (cap - 1);
			slots[h] = b->big.slots[i];
		}
		free(b->big.slots);
		b->big.slots = slots;
		b->big.mask = cap - 1;
	}
	h = big_hash_of(b, &e) & b->big.mask;
	while (b->big.slots[h].item != 0)
		h = (h + 1) & b->big.mask;
	b->big.slots[h] = e;
	b->big.n++;
	return true;
}

static bool
big_has(const struct builder *b, uint32_t node, unsigned k, uint32_t val,
    int32_t port)
{
	uint32_t h = rec_hash(node, k, val, port) & b->big.mask;

	for (; b->big.slots[h].item != 0; h = (h + 1) & b->big.mask) {
		const struct big_ent *e = &b->big.slots[h];

		if (e->node == node && (e->item - 1) >> 30 == k &&
		    val_is(b, k, (e->item - 1) & 0x3fffffffU, val, port))
			return true;
	}
	return false;
}

/* During the build a name's last value of kind k + 1 (0: none yet) sits
 * where the snapshot keeps its first: in the node for A and SRV, in
 * `rare` for the others. */
static uint32_t
head_get(const struct builder *b, uint32_t node, unsigned k)
{
	if (k == RK_A)
		return node_at(b, node)->first_a;
	if (k == RK_SRV)
		return node_at(b, node)->first_srv;
	if ((size_t)node * 2 + 1 >= b->rare.n)
		return 0;
	return (
	    (const uint32_t *)b->rare.p)[(size_t)node * 2 + (k == RK_APSEUDO)];
}

/* Makes `rare` cover nodes [0, n), the new ones without values. */
static bool
rare_cover(struct builder *b, size_t n)
{
	while (b->rare.n < n * 2) {
		uint32_t *z = vec_push(b, &b->rare);

		if (z == NULL)
			return false;
		*z = 0;
	}
	return true;
}

static bool
head_set(struct builder *b, uint32_t node, unsigned k, uint32_t v)
{
	if (k == RK_A)
		node_at(b, node)->first_a = v;
	else if (k == RK_SRV)
		node_at(b, node)->first_srv = v;
	else if (!rare_cover(b, (size_t)node + 1))
		return false;
	else
		((uint32_t *)b->rare.p)[(size_t)node * 2 + (k == RK_APSEUDO)] =
		    v;
	return true;
}

static void
entangle(struct builder *b, uint32_t app)
{
	if (app < b->entangled.n)
		((uint8_t *)b->entangled.p)[app] = 1;
}

/* A value lands on a name: when the name already holds values of another
 * app (or of frameworks, agents, masters), it becomes mixed and both
 * owners are entangled, so that no overlay ever rebuilds it alone. */
static void
note_owner(struct builder *b, uint32_t node)
{
	uint32_t *app = (uint32_t *)b->app_of.p + node;
	if (*app == SNAP_MIXED || *app == b->cur_app)
		return;
	if ((head_get(b, node, RK_A) | head_get(b, node, RK_AAAA) |
		head_get(b, node, RK_SRV) | head_get(b, node, RK_APSEUDO)) ==
	    0) {
		/* The first value: the inserting app owns the name. */
		*app = b->cur_app;
		return;
	}
	entangle(b, *app);
	entangle(b, b->cur_app);
	*app = SNAP_MIXED;
}

/* The set insert of the original: false for duplicates.  A name's values
 * of a kind are found by walking their links while there are at most
 * SMALL_NODE of them, in the big set beyond. */
static bool
rec_insert(struct builder *b, uint32_t node, unsigned k, uint32_t val,
    int32_t port)
{
	const uint32_t *links = b->links[k].p;
	uint32_t i, steps = 0, idx, *link;

	if (b->failed)
		return false;
	for (i = head_get(b, node, k); i != 0 && steps < SMALL_NODE;
	     i = links[i - 1], steps++)
		if (val_is(b, k, i - 1, val, port))
			return false;
	if (i != 0 && big_has(b, node, k, val, port))
		return false;
	idx = (uint32_t)b->vals[k].n;
	if (idx >= KIND_MAX_VALUES) {
		b->failed = true;
		return false;
	}
	if (k == RK_SRV) {
		struct snap_srv *v = vec_push(b, &b->vals[k]);

		if (v == NULL)
			return false;
		v->target = val;
		v->port = port;
	} else {
		uint32_t *v = vec_push(b, &b->vals[k]);

		if (v == NULL)
			return false;
		*v = val;
	}
	if ((link = vec_push(b, &b->links[k])) == NULL)
		return false;
	note_owner(b, node);
	*link = head_get(b, node, k);
	if (!head_set(b, node, k, idx + 1))
		return false;
	if (i != 0) {
		if (!big_add(b, node, (uint32_t)k << 30 | idx))
			return false;
	} else if (steps == SMALL_NODE) {
		/* The name just got one value too many to walk: index all. */
		links = b->links[k].p;
		for (i = idx + 1; i != 0; i = links[i - 1])
			if (!big_add(b, node, (uint32_t)k << 30 | (i - 1)))
				return false;
	}
	if (b->in_task) {
		uint32_t *t = vec_push(b, &b->task_recs);

		if (t == NULL)
			return false;
		*t = (uint32_t)k << 30 | idx;
	}
	return true;
}

static uint32_t
v6_hash_of(const struct builder *b, uint32_t i)
{
	const struct snap_ip6 *a = (const struct snap_ip6 *)b->v6.p + i;

	return snap_hash((const char *)a->b, 16);
}

static uint32_t
v6_intern(struct builder *b, const uint8_t addr[16])
{
	const struct snap_ip6 *pool;
	struct snap_ip6 *slot;
	uint32_t h = snap_hash((const char *)addr, 16), i;

	if (!set_grow(b, &b->v6_set, v6_hash_of))
		return SNAP_NONE;
	pool = b->v6.p;
	for (i = h & b->v6_set.mask; b->v6_set.slots[i] != 0;
	     i = (i + 1) & b->v6_set.mask)
		if (memcmp(pool[b->v6_set.slots[i] - 1].b, addr, 16) == 0)
			return b->v6_set.slots[i] - 1;
	if ((slot = vec_push(b, &b->v6)) == NULL)
		return SNAP_NONE;
	memcpy(slot->b, addr, 16);
	b->v6_set.slots[i] = (uint32_t)b->v6.n;
	b->v6_set.n++;
	return (uint32_t)b->v6.n - 1;
}

/* Pseudo strings are stored length-prefixed; the set holds offset + 1. */
static uint32_t
pseudo_hash_at(const struct builder *b, uint32_t off)
{
	const unsigned char *p = (const unsigned char *)b->pseudo.p + off;

	return snap_hash((const char *)p + 2, (size_t)p[0] | (size_t)p[1] << 8);
}

static uint32_t
pseudo_intern(struct builder *b, const char *s, size_t len)
{
	unsigned char hdr[2] = { (unsigned char)len,
		(unsigned char)(len >> 8) };
	uint32_t h = snap_hash(s, len), i, off;

	if (len > 65535 || !set_grow(b, &b->pseudo_set, pseudo_hash_at))
		return SNAP_NONE;
	for (i = h & b->pseudo_set.mask; b->pseudo_set.slots[i] != 0;
	     i = (i + 1) & b->pseudo_set.mask) {
		const unsigned char *p = (const unsigned char *)b->pseudo.p +
		    b->pseudo_set.slots[i] - 1;

		if (((size_t)p[0] | (size_t)p[1] << 8) == len &&
		    memcmp(p + 2, s, len) == 0)
			return b->pseudo_set.slots[i] - 1;
	}
	off = (uint32_t)b->pseudo.n;
	if (!vec_append(b, &b->pseudo, hdr, 2) ||
	    !vec_append(b, &b->pseudo, s, len))
		return SNAP_NONE;
	b->pseudo_set.slots[i] = off + 1;
	b->pseudo_set.n++;
	return off;
}

struct builder *
builder_new(void)
{
	struct builder *b = calloc(1, sizeof *b);

	if (b == NULL)
		return NULL;
	b->nodes.size = sizeof(struct snode);
	b->app_of.size = sizeof(uint32_t);
	b->entangled.size = 1;
	b->app_keys.size = sizeof(char *);
	b->cur_app = SNAP_NONE;
	b->rare.size = sizeof(uint32_t);
	b->labels.size = 1;
	for (int k = 0; k < RK_COUNT; k++) {
		b->vals[k].size =
		    k == RK_SRV ? sizeof(struct snap_srv) : sizeof(uint32_t);
		b->links[k].size = sizeof(uint32_t);
	}
	b->v6.size = sizeof(struct snap_ip6);
	b->pseudo.size = 1;
	b->fws.size = sizeof(struct snap_framework);
	b->tasks.size = sizeof(struct snap_task);
	b->task_recs.size = sizeof(uint32_t);
	if ((b->snap = calloc(1, sizeof *b->snap)) == NULL) {
		free(b);
		return NULL;
	}
	arena_init(&b->snap->arena, (size_t)1 << 20);
	b->strings = &b->snap->arena;
	set_init(b, &b->names, 1024);
	set_init(b, &b->label_set, 1024);
	set_init(b, &b->app_set, 64);
	if ((b->big.slots = calloc(1024, sizeof *b->big.slots)) == NULL)
		b->failed = true;
	b->big.mask = 1023;
	set_init(b, &b->v6_set, 64);
	set_init(b, &b->pseudo_set, 64);
	if (b->failed) {
		builder_free(b);
		return NULL;
	}
	return b;
}

static void
vec_reserve(struct builder *b, struct vec *v, size_t n)
{
	if (n > v->cap)
		(void)vec_grow(b, v, n);
}

void
builder_reserve(struct builder *b, size_t names, size_t records, size_t tasks)
{
	struct set bigger;
	uint32_t cap = 1024;

	/* Untouched reserved memory costs no RSS (large blocks are mmap'ed);
	 * reserving avoids copying vectors and rehashing as they grow. */
	vec_reserve(b, &b->nodes, names + 1);
	vec_reserve(b, &b->app_of, names + 1);
	/* A and SRV values are nearly all of them; either kind may be. */
	vec_reserve(b, &b->vals[RK_A], records);
	vec_reserve(b, &b->links[RK_A], records);
	vec_reserve(b, &b->vals[RK_SRV], records);
	vec_reserve(b, &b->links[RK_SRV], records);
	vec_reserve(b, &b->task_recs, records);
	vec_reserve(b, &b->tasks, tasks);
	/* Distinct labels come to about 8 bytes per name (100k tasks). */
	vec_reserve(b, &b->labels, names * 8);
	while (cap < names * 2 && cap < (1U << 30))
		cap *= 2;
	if (cap > b->names.mask + 1 && b->names.n == 0 &&
	    set_init(b, &bigger, cap)) {
		set_free(&b->names);
		b->names = bigger;
	}
	/* Labels repeat: about a third as many distinct ones as names. */
	cap /= 2;
	if (cap > b->label_set.mask + 1 && b->label_set.n == 0 &&
	    set_init(b, &bigger, cap)) {
		set_free(&b->label_set);
		b->label_set = bigger;
	}
}

uint32_t
builder_name(struct builder *b, const char *name, size_t len)
{
	return name_intern(b, name, len, NULL);
}

uint32_t
builder_name_hashed(struct builder *b, const char *name, size_t len,
    uint32_t hash)
{
	return name_intern(b, name, len, &hash);
}

uint32_t
builder_prefetch(const struct builder *b, const char *name, size_t len)
{
	const char *dot = memchr(name, '.', len);
	uint32_t h = snap_hash(name, len);

	__builtin_prefetch(&b->names.slots[h & b->names.mask]);
	if (dot != NULL)
		__builtin_prefetch(
		    &b->label_set.slots[snap_hash(name, (size_t)(dot - name)) &
			b->label_set.mask]);
	return h;
}

bool
builder_add_ip(struct builder *b, uint32_t node, const struct ipaddr *ip)
{
	uint32_t val;

	if (node == SNAP_NONE)
		return false;
	if (ipaddr_is_v4(ip)) {
		memcpy(&val, ip->b + 12, 4);
		return rec_insert(b, node, RK_A, val, 0);
	}
	if ((val = v6_intern(b, ip->b)) == SNAP_NONE)
		return false;
	return rec_insert(b, node, RK_AAAA, val, 0);
}

bool
builder_add_pseudo(struct builder *b, uint32_t node, const char *value,
    size_t vlen)
{
	uint32_t val;

	if (node == SNAP_NONE || vlen == 0)
		return false;
	if ((val = pseudo_intern(b, value, vlen)) == SNAP_NONE)
		return false;
	return rec_insert(b, node, RK_APSEUDO, val, 0);
}

bool
builder_add_srv(struct builder *b, uint32_t node, uint32_t target, int32_t port)
{
	if (node == SNAP_NONE || target == SNAP_NONE)
		return false;
	return rec_insert(b, node, RK_SRV, target, port);
}

bool
builder_insert_ip(struct builder *b, const char *name, size_t len,
    const struct ipaddr *ip)
{
	return builder_add_ip(b, name_intern(b, name, len, NULL), ip);
}

bool
builder_insert_pseudo(struct builder *b, const char *name, size_t len,
    const char *value, size_t vlen)
{
	if (vlen == 0)
		return false;
	return builder_add_pseudo(b, name_intern(b, name, len, NULL), value,
	    vlen);
}

bool
builder_insert_srv(struct builder *b, const char *name, size_t len,
    const char *target, size_t tlen, int32_t port)
{
	uint32_t t = name_intern(b, target, tlen, NULL);

	return builder_add_srv(b, name_intern(b, name, len, NULL), t, port);
}

bool
builder_has(struct builder *b, const char *name, size_t len, enum rr_kind k)
{
	uint32_t node = name_find(b, name, len, snap_hash(name, len));

	return node != SNAP_NONE && head_get(b, node, k) != 0;
}

static uint32_t
app_hash_of(const struct builder *b, uint32_t i)
{
	const char *k = ((char *const *)b->app_keys.p)[i];

	return snap_hash(k, strlen(k));
}

void
builder_set_app(struct builder *b, const char *key)
{
	uint32_t h, i;
	char **slot;

	if (key == NULL) {
		b->cur_app = SNAP_NONE;
		return;
	}
	h = snap_hash(key, strlen(key));
	if (!set_grow(b, &b->app_set, app_hash_of))
		return;
	for (i = h & b->app_set.mask; b->app_set.slots[i] != 0;
	     i = (i + 1) & b->app_set.mask)
		if (strcmp(((char **)b->app_keys.p)[b->app_set.slots[i] - 1],
			key) == 0) {
			b->cur_app = b->app_set.slots[i] - 1;
			return;
		}
	if ((slot = vec_push(b, &b->app_keys)) == NULL)
		return;
	/* In the arena: 100k small keys, one malloc'ed block each, cost
	 * twice their size. */
	if ((*slot = arena_strndup(&b->snap->arena, key, strlen(key))) ==
	    NULL) {
		b->app_keys.n--;
		b->failed = true;
		return;
	}
	b->cur_app = (uint32_t)b->app_keys.n - 1;
	b->app_set.slots[i] = b->cur_app + 1;
	b->app_set.n++;
	{
		uint8_t *e = vec_push(b, &b->entangled);

		if (e != NULL)
			*e = 0;
	}
}

void
builder_adopt_strings(struct builder *b, struct arena *strings)
{
	arena_move(b->strings, strings);
	b->borrowed = true;
}

void
builder_enum_framework(struct builder *b, const char *name, size_t len)
{
	struct snap_framework *f = vec_push(b, &b->fws);

	if (f == NULL)
		return;
	f->name = b->borrowed ? name : arena_strndup(b->strings, name, len);
	f->first_task = (uint32_t)b->tasks.n;
	if (f->name == NULL)
		b->failed = true;
	b->in_task = false;
}

void
builder_enum_task(struct builder *b, const char *name, size_t nlen,
    const char *id, size_t idlen)
{
	struct snap_task *t = vec_push(b, &b->tasks);

	if (t == NULL)
		return;
	t->name = b->borrowed ? name : arena_strndup(b->strings, name, nlen);
	t->id = b->borrowed ? id : arena_strndup(b->strings, id, idlen);
	t->first_rec = (uint32_t)b->task_recs.n;
	t->health = TASK_HEALTH_UNKNOWN;
	if (t->name == NULL || t->id == NULL)
		b->failed = true;
	b->in_task = true;
}

void
builder_enum_health(struct builder *b, int health)
{
	struct snap_task *t = b->tasks.n > 0 ?
	    (struct snap_task *)b->tasks.p + b->tasks.n - 1 :
	    NULL;

	b->snap->health_on = true;
	if (t != NULL && b->in_task)
		t->health = (int8_t)health;
}

void
builder_reverse(struct builder *b, const struct rev_prefix *zones, size_t n)
{
	b->reverse = true;
	b->rzones = zones;
	b->n_rzones = n;
}

bool
builder_failed(const struct builder *b)
{
	return b->failed;
}

void
builder_free(struct builder *b)
{
	if (b == NULL)
		return;
	free(b->nodes.p);
	free(b->app_of.p);
	free(b->entangled.p);
	free(b->app_keys.p);
	set_free(&b->app_set);
	free(b->labels.p);
	set_free(&b->names);
	set_free(&b->label_set);
	for (int k = 0; k < RK_COUNT; k++) {
		free(b->vals[k].p);
		free(b->links[k].p);
	}
	free(b->big.slots);
	free(b->rare.p);
	free(b->v6.p);
	set_free(&b->v6_set);
	free(b->pseudo.p);
	set_free(&b->pseudo_set);
	free(b->fws.p);
	free(b->tasks.p);
	free(b->task_recs.p);
	snapshot_free(b->snap);
	free(b);
}

/* Turns kind k's links into places: a name's values go together, in
 * the order they were inserted, names in node order.  Each value's link
 * becomes its place, and each node's head (slot[node * stride], the
 * sentinel's too) its first value's. */
static void
place_kind(struct builder *b, unsigned k, uint32_t *slot, size_t stride,
    uint32_t n_nodes)
{
	uint32_t *links = b->links[k].p, at = 0;

	for (uint32_t node = 0; node < n_nodes; node++) {
		uint32_t head = slot[node * stride], n = 0, i, end;

		for (i = head; i != 0; i = links[i - 1])
			n++;
		slot[node * stride] = at;
		/* The links run from the last value back to the first. */
		end = at + n;
		for (i = head; i != 0;) {
			uint32_t next = links[i - 1];

			links[i - 1] = --end;
			i = next;
		}
		at += n;
	}
	slot[(size_t)n_nodes * stride] = at;
}

/* Moves every value of kind k to its place (the links, now places), in
 * place: each swap puts one value where it belongs. */
static void
move_kind(struct builder *b, unsigned k)
{
	uint32_t *to = b->links[k].p;
	char *v = b->vals[k].p, tmp[sizeof(struct snap_srv)];
	size_t size = b->vals[k].size;

	for (uint32_t i = 0; i < (uint32_t)b->vals[k].n; i++)
		while (to[i] != i) {
			uint32_t j = to[i];

			memcpy(tmp, v + (size_t)i * size, size);
			memcpy(v + (size_t)i * size, v + (size_t)j * size,
			    size);
			memcpy(v + (size_t)j * size, tmp, size);
			to[i] = to[j];
			to[j] = j;
		}
}

/* A kind's values as the snapshot keeps them (never NULL). */
static void *
take_vals(struct builder *b, unsigned k)
{
	void *p = vec_take(&b->vals[k]);

	if (p == NULL && (p = malloc(b->vals[k].size)) == NULL)
		b->failed = true;
	return p;
}

struct snapshot *
builder_finish(struct builder *b)
{
	struct snapshot *s = b->snap;
	uint32_t *task_recs;
	struct snode *nodes;
	uint32_t n_nodes = (uint32_t)b->nodes.n;
	size_t labels_len;

	/* The dedupe sets are done with: free them first, to keep the peak
	 * low. */
	free(b->big.slots);
	b->big.slots = NULL;
	set_free(&b->v6_set);
	set_free(&b->pseudo_set);
	set_free(&b->label_set);
	if (b->failed || vec_push(b, &b->nodes) == NULL)
		goto fail;
	nodes = b->nodes.p;
	memset(&nodes[n_nodes], 0, sizeof nodes[n_nodes]);
	nodes[n_nodes].parent = SNAP_NONE;
	place_kind(b, RK_A, &nodes[0].first_a, sizeof *nodes / sizeof(uint32_t),
	    n_nodes);
	place_kind(b, RK_SRV, &nodes[0].first_srv,
	    sizeof *nodes / sizeof(uint32_t), n_nodes);
	if (b->rare.n > 0) {
		if (!rare_cover(b, (size_t)n_nodes + 1))
			goto fail;
		place_kind(b, RK_AAAA, b->rare.p, 2, n_nodes);
		place_kind(b, RK_APSEUDO, (uint32_t *)b->rare.p + 1, 2,
		    n_nodes);
		s->rare = vec_take(&b->rare);
	}
	for (unsigned k = 0; k < RK_COUNT; k++)
		s->n[k] = (uint32_t)b->vals[k].n;
	/* Enumeration records: (kind << 30) | place in that kind's array. */
	task_recs = b->task_recs.p;
	for (size_t i = 0; i < b->task_recs.n; i++) {
		uint32_t k = task_recs[i] >> 30;
		const uint32_t *place = b->links[k].p;

		task_recs[i] = k << 30 | place[task_recs[i] & 0x3fffffffU];
	}
	for (unsigned k = 0; k < RK_COUNT; k++) {
		move_kind(b, k);
		free(b->links[k].p);
		b->links[k].p = NULL;
	}
	/* AAAA values are v6 pool indices until here. */
	s->aaaa = malloc((s->n[RK_AAAA] + 1) * sizeof *s->aaaa);
	if (s->aaaa == NULL)
		goto fail;
	{
		const struct snap_ip6 *pool = b->v6.p;
		const uint32_t *in_pool = b->vals[RK_AAAA].p;

		for (uint32_t i = 0; i < s->n[RK_AAAA]; i++)
			s->aaaa[i] = pool[in_pool[i]];
	}
	s->a = take_vals(b, RK_A);
	s->srv = take_vals(b, RK_SRV);
	s->pseudo = take_vals(b, RK_APSEUDO);
	if (b->failed)
		goto fail;

	s->n_nodes = n_nodes;
	s->nodes = vec_take(&b->nodes);
	s->app_of = vec_take(&b->app_of);
	s->app_entangled = vec_take(&b->entangled);
	s->n_apps = (uint32_t)b->app_keys.n;
	s->app_keys = vec_take(&b->app_keys);
	s->app_table = b->app_set.slots;
	s->app_mask = b->app_set.mask;
	b->app_set.slots = NULL;
	labels_len = b->labels.n;
	s->labels = vec_take(&b->labels);
	s->table = b->names.slots;
	s->table_mask = b->names.mask;
	b->names.slots = NULL;
	s->pseudo_text = vec_take(&b->pseudo);
	s->n_frameworks = (uint32_t)b->fws.n;
	s->frameworks = vec_take(&b->fws);
	s->n_tasks = (uint32_t)b->tasks.n;
	s->tasks = vec_take(&b->tasks);
	s->n_recs = (uint32_t)b->task_recs.n;
	s->recs = vec_take(&b->task_recs);
	if (b->reverse && !snap_index_reverse(s, b->rzones, b->n_rzones))
		goto fail;
	/* What every look-up reads. */
	hugepage_advise(s->table,
	    ((size_t)s->table_mask + 1) * sizeof *s->table);
	hugepage_advise(s->nodes, ((size_t)n_nodes + 1) * sizeof *s->nodes);
	hugepage_advise(s->labels, labels_len);
	hugepage_advise(s->a, s->n[RK_A] * sizeof *s->a);
	hugepage_advise(s->aaaa, s->n[RK_AAAA] * sizeof *s->aaaa);
	hugepage_advise(s->srv, s->n[RK_SRV] * sizeof *s->srv);
	b->snap = NULL;
	builder_free(b);
	return s;
fail:
	builder_free(b);
	return NULL;
}
