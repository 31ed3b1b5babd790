/* builder.c -- record accumulation, de-duplication and the freeze into an
 * indexed snapshot (see builder.h and snapshot.h). */
#include "records/builder.h"

#include <stdlib.h>
#include <string.h>

/* A value as inserted: node and kind packed, then the kind's value. */
struct brec {
	uint32_t node;
	uint32_t kind;
	uint32_t val;	/* IPv4 | v6 pool index | target node | pseudo offset */
	int32_t port;
};

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

struct builder {
	bool failed;
	struct vec nodes;	/* struct snode */
	struct vec labels;	/* char: u16 length + bytes */
	struct set names;	/* node index, by full-text hash */
	struct vec recs;	/* struct brec, insertion order */
	struct set rec_set;
	struct vec v6;		/* struct snap_ip6, interned */
	struct set v6_set;
	struct vec pseudo;	/* char: u16 length + bytes, interned */
	struct set pseudo_set;
	struct vec fws;		/* struct snap_framework */
	struct vec tasks;	/* struct snap_task */
	struct vec task_recs;	/* u32 brec index */
	bool in_task;
	struct arena *strings;	/* enumeration names; becomes the snapshot's */
	struct snapshot *snap;
};

static void *
vec_push(struct builder *b, struct vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		void *p = realloc(v->p, cap * v->size);

		if (p == NULL) {
			b->failed = true;
			return NULL;
		}
		v->p = p;
		v->cap = cap;
	}
	return (char *)v->p + v->size * v->n++;
}

static bool
vec_append(struct builder *b, struct vec *v, const void *data, size_t n)
{
	while (v->cap - v->n < n) {
		size_t cap = v->cap ? v->cap * 2 : 4096;
		void *p = realloc(v->p, cap * v->size);

		if (p == NULL) {
			b->failed = true;
			return false;
		}
		v->p = p;
		v->cap = cap;
	}
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
	s->slots = calloc(cap, sizeof *s->slots);
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

static uint32_t
node_hash_of(const struct builder *b, uint32_t i)
{
	return node_at(b, i)->hash;
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
		if (node_at(b, slot - 1)->hash == h &&
		    node_matches(b, slot - 1, text, len))
			return slot - 1;
		i = (i + 1) & b->names.mask;
	}
}

static uint32_t
node_new(struct builder *b, const char *label, size_t ll, uint32_t parent,
    uint32_t h)
{
	unsigned char hdr[2] = { (unsigned char)ll, (unsigned char)(ll >> 8) };
	struct snode *n;
	uint32_t idx, i;

	if (!set_grow(b, &b->names, node_hash_of))
		return SNAP_NONE;
	idx = (uint32_t)b->nodes.n;
	if ((n = vec_push(b, &b->nodes)) == NULL)
		return SNAP_NONE;
	memset(n, 0, sizeof *n);
	n->label = (uint32_t)b->labels.n;
	n->parent = parent;
	n->hash = h;
	if (!vec_append(b, &b->labels, hdr, 2) ||
	    !vec_append(b, &b->labels, label, ll))
		return SNAP_NONE;
	i = h & b->names.mask;
	while (b->names.slots[i] != 0)
		i = (i + 1) & b->names.mask;
	b->names.slots[i] = idx + 1;
	b->names.n++;
	return idx;
}

/* Interns a name that ends with '.', creating the nodes of every suffix
 * that is not there yet, right to left from the longest one that is. */
static uint32_t
name_intern(struct builder *b, const char *text, size_t len)
{
	size_t starts[128];
	size_t n = 0, pos = 0;
	uint32_t node = SNAP_NONE;

	if (b->failed || len == 0 || text[len - 1] != '.' || len > 65535)
		return SNAP_NONE;
	/* Find the longest suffix that already exists. */
	for (;;) {
		const char *dot;

		node = name_find(b, text + pos, len - pos,
		    snap_hash(text + pos, len - pos));
		if (node != SNAP_NONE)
			break;
		if (n == sizeof starts / sizeof starts[0])
			return SNAP_NONE;	/* more than 128 labels */
		starts[n++] = pos;
		dot = memchr(text + pos, '.', len - pos);
		pos = (size_t)(dot - text) + 1;
		if (pos == len)
			break;
	}
	while (n > 0) {
		size_t s = starts[--n];
		const char *dot = memchr(text + s, '.', len - s);

		node = node_new(b, text + s, (size_t)(dot - (text + s)), node,
		    snap_hash(text + s, len - s));
		if (node == SNAP_NONE)
			return SNAP_NONE;
	}
	return node;
}

static uint32_t
rec_hash(const struct brec *r)
{
	return mix32(r->node * 0x9e3779b1U ^ mix32(r->val ^ r->kind << 29) ^
	    (uint32_t)r->port * 0x85ebca6bU);
}

static uint32_t
rec_hash_of(const struct builder *b, uint32_t i)
{
	return rec_hash((const struct brec *)b->recs.p + i);
}

/* The set insert of the original: false for duplicates. */
static bool
rec_insert(struct builder *b, const struct brec *r)
{
	const struct brec *recs;
	uint32_t h = rec_hash(r), i;
	struct brec *slot;

	if (b->failed || !set_grow(b, &b->rec_set, rec_hash_of))
		return false;
	recs = b->recs.p;
	for (i = h & b->rec_set.mask; b->rec_set.slots[i] != 0;
	    i = (i + 1) & b->rec_set.mask) {
		const struct brec *o = &recs[b->rec_set.slots[i] - 1];

		if (o->node == r->node && o->kind == r->kind &&
		    o->val == r->val && o->port == r->port)
			return false;
	}
	if ((slot = vec_push(b, &b->recs)) == NULL)
		return false;
	*slot = *r;
	b->rec_set.slots[i] = (uint32_t)b->recs.n;
	b->rec_set.n++;
	if (b->in_task) {
		uint32_t *t = vec_push(b, &b->task_recs);

		if (t == NULL)
			return false;
		*t = (uint32_t)b->recs.n - 1;
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
	unsigned char hdr[2] = { (unsigned char)len, (unsigned char)(len >> 8) };
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
	b->labels.size = 1;
	b->recs.size = sizeof(struct brec);
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
	set_init(b, &b->rec_set, 1024);
	set_init(b, &b->v6_set, 64);
	set_init(b, &b->pseudo_set, 64);
	if (b->failed) {
		builder_free(b);
		return NULL;
	}
	return b;
}

bool
builder_insert_ip(struct builder *b, const char *name, size_t len,
    const struct ipaddr *ip)
{
	struct brec r = { 0 };

	if ((r.node = name_intern(b, name, len)) == SNAP_NONE)
		return false;
	if (ipaddr_is_v4(ip)) {
		r.kind = RK_A;
		memcpy(&r.val, ip->b + 12, 4);
	} else {
		r.kind = RK_AAAA;
		if ((r.val = v6_intern(b, ip->b)) == SNAP_NONE)
			return false;
	}
	return rec_insert(b, &r);
}

bool
builder_insert_pseudo(struct builder *b, const char *name, size_t len,
    const char *value, size_t vlen)
{
	struct brec r = { 0 };

	if (vlen == 0)
		return false;
	if ((r.node = name_intern(b, name, len)) == SNAP_NONE)
		return false;
	r.kind = RK_APSEUDO;
	if ((r.val = pseudo_intern(b, value, vlen)) == SNAP_NONE)
		return false;
	return rec_insert(b, &r);
}

bool
builder_insert_srv(struct builder *b, const char *name, size_t len,
    const char *target, size_t tlen, int32_t port)
{
	struct brec r = { 0 };

	if ((r.val = name_intern(b, target, tlen)) == SNAP_NONE)
		return false;
	if ((r.node = name_intern(b, name, len)) == SNAP_NONE)
		return false;
	r.kind = RK_SRV;
	r.port = port;
	return rec_insert(b, &r);
}

bool
builder_has(struct builder *b, const char *name, size_t len, enum rr_kind k)
{
	uint32_t node = name_find(b, name, len, snap_hash(name, len));
	const struct brec *recs = b->recs.p;

	if (node == SNAP_NONE)
		return false;
	for (size_t i = 0; i < b->recs.n; i++)
		if (recs[i].node == node && recs[i].kind == (uint32_t)k)
			return true;
	return false;
}

void
builder_enum_framework(struct builder *b, const char *name, size_t len)
{
	struct snap_framework *f = vec_push(b, &b->fws);

	if (f == NULL)
		return;
	f->name = arena_strndup(b->strings, name, len);
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
	t->name = arena_strndup(b->strings, name, nlen);
	t->id = arena_strndup(b->strings, id, idlen);
	t->first_rec = (uint32_t)b->task_recs.n;
	if (t->name == NULL || t->id == NULL)
		b->failed = true;
	b->in_task = true;
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
	free(b->labels.p);
	set_free(&b->names);
	free(b->recs.p);
	set_free(&b->rec_set);
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

struct snapshot *
builder_finish(struct builder *b)
{
	struct snapshot *s = b->snap;
	struct brec *recs = b->recs.p;
	size_t n_recs = b->recs.n;
	uint32_t *pos = NULL, *task_recs;
	struct snode *nodes;
	uint32_t n_nodes = (uint32_t)b->nodes.n;

	/* The dedupe sets are done with: free them before the value arrays
	 * are allocated, to keep the peak low. */
	set_free(&b->rec_set);
	set_free(&b->v6_set);
	set_free(&b->pseudo_set);
	if (b->failed || vec_push(b, &b->nodes) == NULL)
		goto fail;
	nodes = b->nodes.p;
	memset(&nodes[n_nodes], 0, sizeof nodes[n_nodes]);
	nodes[n_nodes].parent = SNAP_NONE;

	/* Counting sort by node: counts at node + 1, prefix sums, then the
	 * starts serve as cursors and are shifted back afterwards. */
	for (size_t i = 0; i < n_recs; i++)
		nodes[recs[i].node + 1].first[recs[i].kind]++;
	for (uint32_t i = 0; i < n_nodes; i++)
		for (int k = 0; k < RK_COUNT; k++)
			nodes[i + 1].first[k] += nodes[i].first[k];
	for (int k = 0; k < RK_COUNT; k++)
		s->n[k] = nodes[n_nodes].first[k];
	s->a = malloc((s->n[RK_A] + 1) * sizeof *s->a);
	s->aaaa = malloc((s->n[RK_AAAA] + 1) * sizeof *s->aaaa);
	s->srv = malloc((s->n[RK_SRV] + 1) * sizeof *s->srv);
	s->pseudo = malloc((s->n[RK_APSEUDO] + 1) * sizeof *s->pseudo);
	pos = malloc((n_recs + 1) * sizeof *pos);
	if (!s->a || !s->aaaa || !s->srv || !s->pseudo || !pos)
		goto fail;
	{
		const struct snap_ip6 *v6 = b->v6.p;

		for (size_t i = 0; i < n_recs; i++) {
			const struct brec *r = &recs[i];
			uint32_t at = nodes[r->node].first[r->kind]++;

			pos[i] = at;
			switch (r->kind) {
			case RK_A:
				s->a[at] = r->val;
				break;
			case RK_AAAA:
				s->aaaa[at] = v6[r->val];
				break;
			case RK_SRV:
				s->srv[at].target = r->val;
				s->srv[at].port = r->port;
				break;
			default:
				s->pseudo[at] = r->val;
				break;
			}
		}
	}
	for (uint32_t i = n_nodes; i > 0; i--)
		memcpy(nodes[i].first, nodes[i - 1].first, sizeof nodes[i].first);
	memset(nodes[0].first, 0, sizeof nodes[0].first);

	/* Enumeration records: (kind << 30) | index in that kind's array. */
	task_recs = b->task_recs.p;
	for (size_t i = 0; i < b->task_recs.n; i++) {
		const struct brec *r = &recs[task_recs[i]];

		task_recs[i] = r->kind << 30 | pos[task_recs[i]];
	}
	free(pos);
	pos = NULL;
	free(b->recs.p);
	b->recs.p = NULL;
	b->recs.n = 0;

	s->n_nodes = n_nodes;
	s->nodes = vec_take(&b->nodes);
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
	b->snap = NULL;
	builder_free(b);
	return s;
fail:
	free(pos);
	builder_free(b);
	return NULL;
}
