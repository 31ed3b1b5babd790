/* journal.c -- IXFR deltas between consecutive published snapshots.
 *
 * A delta is computed at publication, before the old snapshot goes:
 * when the new snapshot is an overlay over the same full build as the
 * old one (an event), only the names the two overlays touch can differ,
 * so only those are compared; after a full build the two zones are
 * compared whole (up to JOURNAL_FULL_DIFF_MAX records, beyond which the
 * history restarts and secondaries get AXFR once).  Records are kept as
 * byte strings (owner, type, rdata), sorted, and diffed by a merge.
 */
#include "xfr/journal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dns/dname.h"
#include "log.h"
#include "records/snapshot.h"
#include "xfr/state.h"

#define JOURNAL_MAX_DELTAS 64
#define JOURNAL_BUDGET (8u << 20)     /* bytes of every delta */
#define JOURNAL_FULL_DIFF_MAX 300000u /* records of a whole-zone diff */

/* Growable list of byte strings: [u16 length][bytes] in buf, offsets in off. */
struct strlist {
	uint8_t *buf;
	size_t len, cap;
	uint32_t *off;
	size_t n, ocap;
	bool failed;
};

struct journal_delta {
	_Atomic int refs;
	uint32_t from, to;
	struct strlist del, add; /* sorted */
	size_t bytes;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct journal_delta *ring[JOURNAL_MAX_DELTAS];
static size_t n_ring;
static size_t ring_bytes;
static size_t zone_records; /* of the newest serial */

static void
sl_free(struct strlist *l)
{
	free(l->buf);
	free(l->off);
	memset(l, 0, sizeof *l);
}

static void
sl_add(struct strlist *l, const uint8_t *p, size_t n)
{
	if (l->failed)
		return;
	if (l->len + n + 2 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		uint8_t *b;

		while (cap < l->len + n + 2)
			cap *= 2;
		if ((b = realloc(l->buf, cap)) == NULL) {
			l->failed = true;
			return;
		}
		l->buf = b;
		l->cap = cap;
	}
	if (l->n == l->ocap) {
		size_t cap = l->ocap ? l->ocap * 2 : 256;
		uint32_t *o = realloc(l->off, cap * sizeof *o);

		if (o == NULL) {
			l->failed = true;
			return;
		}
		l->off = o;
		l->ocap = cap;
	}
	l->off[l->n++] = (uint32_t)l->len;
	l->buf[l->len] = (uint8_t)(n >> 8);
	l->buf[l->len + 1] = (uint8_t)n;
	memcpy(l->buf + l->len + 2, p, n);
	l->len += n + 2;
}

static const uint8_t *
sl_get(const struct strlist *l, size_t i, size_t *n)
{
	const uint8_t *p = l->buf + l->off[i];

	*n = (size_t)p[0] << 8 | p[1];
	return p + 2;
}

static int
cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

static int
sl_cmp(const void *x, const void *y, void *ctx)
{
	const uint8_t *buf = ctx;
	const uint8_t *a = buf + *(const uint32_t *)x;
	const uint8_t *b = buf + *(const uint32_t *)y;

	return cmp_bytes(a + 2, (size_t)a[0] << 8 | a[1], b + 2,
	    (size_t)b[0] << 8 | b[1]);
}

static void
sl_sort(struct strlist *l)
{
	if (l->n > 1)
		qsort_r(l->off, l->n, sizeof *l->off, sl_cmp, l->buf);
}

/* A record as bytes: owner (wire), type, rdata. */
static size_t
rr_key(const struct snapshot *part, const uint8_t *owner, size_t olen,
    enum rr_kind k, uint32_t idx, uint8_t *out)
{
	size_t n = olen;

	memcpy(out, owner, olen);
	if (k == RK_A) {
		wire_write_u16(out + n, TYPE_A);
		memcpy(out + n + 2, &part->a[idx], 4);
		return n + 6;
	}
	if (k == RK_AAAA) {
		wire_write_u16(out + n, TYPE_AAAA);
		memcpy(out + n + 2, part->aaaa[idx].b, 16);
		return n + 18;
	}
	wire_write_u16(out + n, TYPE_SRV);
	wire_write_u16(out + n + 2, 0);
	wire_write_u16(out + n + 4, xfr_g.cfg->srv_default_weight);
	wire_write_u16(out + n + 6, (uint16_t)part->srv[idx].port);
	{
		size_t t =
		    zone_node_wire(part, part->srv[idx].target, out + n + 8);

		return t == 0 ? 0 : n + 8 + t;
	}
}

static bool
in_zone(const uint8_t *owner, size_t olen)
{
	size_t pos = 0, dl = xfr_g.domain_len;

	if (olen < dl || memcmp(owner + olen - dl, xfr_g.domain, dl) != 0)
		return false;
	while (pos < olen - dl && owner[pos] != 0)
		pos += (size_t)owner[pos] + 1;
	return pos == olen - dl;
}

/* Every record s serves at the name `text` into l. */
static void
collect_name(struct strlist *l, const struct snapshot *s, const char *text,
    size_t tlen)
{
	const struct snapshot *part;
	uint8_t owner[255], key[255 + 8 + 255];
	size_t olen;
	uint32_t node = snap_find(s, text, tlen, &part);

	if (node == SNAP_NONE ||
	    dname_from_text(text, tlen, owner, &olen) < 0 ||
	    !in_zone(owner, olen))
		return;
	for (int k = RK_A; k <= RK_SRV; k++)
		for (uint32_t i = snap_first(part, node, k);
		     i < snap_first(part, node + 1, k); i++) {
			size_t n =
			    rr_key(part, owner, olen, (enum rr_kind)k, i, key);

			if (n > 0)
				sl_add(l, key, n);
		}
}

/* Every record s serves into l (whole-zone diff). */
static void
collect_all(struct strlist *l, const struct snapshot *s)
{
	struct zone_cursor c;
	struct zone_item it;
	const struct snapshot *lp = NULL;
	uint32_t ln = SNAP_NONE;
	uint8_t owner[255], key[255 + 8 + 255];
	size_t olen = 0;

	zone_cursor_init(&c, s);
	while (zone_cursor_next(&c, &it)) {
		size_t n;

		if (it.part != lp || it.node != ln) {
			lp = it.part;
			ln = it.node;
			olen = zone_node_wire(lp, ln, owner);
			if (olen != 0 && !in_zone(owner, olen))
				olen = 0;
		}
		if (olen == 0)
			continue;
		n = rr_key(it.part, owner, olen, it.kind, it.idx, key);
		if (n > 0)
			sl_add(l, key, n);
	}
}

static bool
app_in(const uint32_t *v, uint32_t n, uint32_t app)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid] == app)
			return true;
		if (v[mid] < app)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Names an overlay touches: its own and the base's of its hidden apps. */
static void
touched_names(struct strlist *names, const struct snapshot *ov)
{
	const struct snapshot *b = ov->base;
	char text[DNAME_MAX_TEXT];

	for (uint32_t i = 0; i < ov->n_nodes; i++) {
		size_t n = snap_name(ov, i, text, sizeof text);

		if (n > 0)
			sl_add(names, (const uint8_t *)text, n);
	}
	if (ov->n_hidden == 0 || b->app_of == NULL)
		return;
	for (uint32_t i = 0; i < b->n_nodes; i++) {
		uint32_t app = b->app_of[i];
		size_t n;

		if (app == SNAP_NONE || app == SNAP_MIXED ||
		    !app_in(ov->hidden, ov->n_hidden, app))
			continue;
		if ((n = snap_name(b, i, text, sizeof text)) > 0)
			sl_add(names, (const uint8_t *)text, n);
	}
}

static size_t
count_records(const struct snapshot *s)
{
	const struct snapshot *f = s->base ? s->base : s;
	size_t n = (size_t)f->n[RK_A] + f->n[RK_AAAA] + f->n[RK_SRV];

	if (s->base)
		n += (size_t)s->n[RK_A] + s->n[RK_AAAA] + s->n[RK_SRV];
	return n;
}

static void
delta_unref(struct journal_delta *d)
{
	if (d != NULL && atomic_fetch_sub(&d->refs, 1) == 1) {
		sl_free(&d->del);
		sl_free(&d->add);
		free(d);
	}
}

static void
clear_locked(void)
{
	for (size_t i = 0; i < n_ring; i++)
		delta_unref(ring[i]);
	n_ring = 0;
	ring_bytes = 0;
}

void
journal_clear(void)
{
	pthread_mutex_lock(&lock);
	clear_locked();
	pthread_mutex_unlock(&lock);
}

static void
reset(const struct snapshot *next, const char *why)
{
	log_verbose("xfr: IXFR history restarts at serial %u (%s)",
	    snap_serial(next), why);
	pthread_mutex_lock(&lock);
	clear_locked();
	zone_records = count_records(next);
	pthread_mutex_unlock(&lock);
}

void
journal_record(const struct snapshot *prev, const struct snapshot *next)
{
	struct strlist old = { 0 }, new = { 0 };
	struct journal_delta *d;
	size_t i = 0, j = 0;

	if (prev == NULL) {
		reset(next, "first serial");
		return;
	}
	if (next->base != NULL &&
	    (prev == next->base || prev->base == next->base)) {
		struct strlist names = { 0 };
		size_t last_n = 0;
		const uint8_t *last = NULL;

		touched_names(&names, next);
		if (prev->base != NULL)
			touched_names(&names, prev);
		sl_sort(&names);
		for (size_t k = 0; k < names.n && !names.failed; k++) {
			size_t n;
			const uint8_t *t = sl_get(&names, k, &n);

			if (last != NULL && cmp_bytes(t, n, last, last_n) == 0)
				continue;
			last = t;
			last_n = n;
			collect_name(&old, prev, (const char *)t, n);
			collect_name(&new, next, (const char *)t, n);
		}
		if (names.failed)
			old.failed = true;
		sl_free(&names);
	} else {
		if (count_records(prev) > JOURNAL_FULL_DIFF_MAX ||
		    count_records(next) > JOURNAL_FULL_DIFF_MAX) {
			reset(next, "full rebuild of a large zone");
			return;
		}
		collect_all(&old, prev);
		collect_all(&new, next);
	}
	if (old.failed || new.failed || (d = calloc(1, sizeof *d)) == NULL) {
		sl_free(&old);
		sl_free(&new);
		reset(next, "out of memory");
		return;
	}
	sl_sort(&old);
	sl_sort(&new);
	while (i < old.n || j < new.n) {
		size_t an = 0, bn = 0;
		const uint8_t *a = i < old.n ? sl_get(&old, i, &an) : NULL;
		const uint8_t *b = j < new.n ? sl_get(&new, j, &bn) : NULL;
		int c = a == NULL ? 1 :
		    b == NULL	  ? -1 :
				    cmp_bytes(a, an, b, bn);

		if (c < 0) {
			sl_add(&d->del, a, an);
			i++;
		} else if (c > 0) {
			sl_add(&d->add, b, bn);
			j++;
		} else {
			i++;
			j++;
		}
	}
	sl_free(&old);
	sl_free(&new);
	atomic_store(&d->refs, 1);
	d->from = snap_serial(prev);
	d->to = snap_serial(next);
	d->bytes =
	    d->del.len + d->add.len + d->del.n * 4 + d->add.n * 4 + sizeof *d;
	if (d->del.failed || d->add.failed) {
		delta_unref(d);
		reset(next, "out of memory");
		return;
	}
	pthread_mutex_lock(&lock);
	if (n_ring > 0 && ring[n_ring - 1]->to != d->from)
		clear_locked();
	while (n_ring > 0 &&
	    (n_ring == JOURNAL_MAX_DELTAS ||
		ring_bytes + d->bytes > JOURNAL_BUDGET)) {
		ring_bytes -= ring[0]->bytes;
		delta_unref(ring[0]);
		memmove(ring, ring + 1, --n_ring * sizeof *ring);
	}
	if (d->bytes <= JOURNAL_BUDGET) {
		ring[n_ring++] = d;
		ring_bytes += d->bytes;
	} else {
		delta_unref(d);
		clear_locked();
	}
	zone_records = count_records(next);
	pthread_mutex_unlock(&lock);
}

/* out = a with b's strings added (union) or taken out (difference);
 * a and b sorted, out comes out sorted. */
static void
sl_merge(const struct strlist *a, const struct strlist *b, bool add,
    struct strlist *out)
{
	size_t i = 0, j = 0;

	while (i < a->n || (add && j < b->n)) {
		size_t an = 0, bn = 0;
		const uint8_t *x = i < a->n ? sl_get(a, i, &an) : NULL;
		const uint8_t *y = j < b->n ? sl_get(b, j, &bn) : NULL;
		int c = x == NULL ? 1 :
		    y == NULL	  ? -1 :
				    cmp_bytes(x, an, y, bn);

		if (c < 0) {
			sl_add(out, x, an);
			i++;
		} else if (c > 0) {
			if (add)
				sl_add(out, y, bn);
			j++;
		} else {
			if (add)
				sl_add(out, x, an);
			i++;
			j++;
		}
	}
}

/* One delta equal to the chain d[0..n) applied in turn (RFC 1995 §5):
 * a record added then removed, or removed then added, is in neither. */
static struct journal_delta *
condense(struct journal_delta *const *d, size_t n)
{
	struct journal_delta *c = calloc(1, sizeof *c);
	struct strlist r = { 0 }, a = { 0 };
	bool failed = false;

	if (c == NULL)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		struct strlist d_minus_a = { 0 }, r1 = { 0 }, a1 = { 0 },
			       n_minus_r1 = { 0 }, r2 = { 0 }, a2 = { 0 };

		/* R1 = R + (D - A); A1 = A - D; R2 = R1 - N; A2 = A1 + (N - R1) */
		sl_merge(&d[k]->del, &a, false, &d_minus_a);
		sl_merge(&r, &d_minus_a, true, &r1);
		sl_merge(&a, &d[k]->del, false, &a1);
		sl_merge(&r1, &d[k]->add, false, &r2);
		sl_merge(&d[k]->add, &r1, false, &n_minus_r1);
		sl_merge(&a1, &n_minus_r1, true, &a2);
		failed |= d_minus_a.failed || r1.failed || a1.failed ||
		    r2.failed || n_minus_r1.failed || a2.failed;
		sl_free(&d_minus_a);
		sl_free(&r1);
		sl_free(&a1);
		sl_free(&n_minus_r1);
		sl_free(&r);
		sl_free(&a);
		r = r2;
		a = a2;
	}
	if (failed) {
		sl_free(&r);
		sl_free(&a);
		free(c);
		return NULL;
	}
	atomic_store(&c->refs, 1);
	c->from = d[0]->from;
	c->to = d[n - 1]->to;
	c->del = r;
	c->add = a;
	return c;
}

bool
journal_walk_begin(struct journal_walk *w, uint32_t from, uint32_t to)
{
	size_t first = SIZE_MAX, bytes = 0;

	memset(w, 0, sizeof *w);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_ring; i++)
		if (ring[i]->from == from) {
			first = i;
			break;
		}
	if (first == SIZE_MAX || ring[n_ring - 1]->to != to) {
		pthread_mutex_unlock(&lock);
		return false;
	}
	for (size_t i = first; i < n_ring; i++)
		bytes += ring[i]->del.len + ring[i]->add.len;
	/* A delta larger than the zone: the zone is the smaller answer. */
	if (bytes > zone_records * 24 ||
	    (w->deltas = malloc((n_ring - first) * sizeof *w->deltas)) ==
		NULL) {
		pthread_mutex_unlock(&lock);
		return false;
	}
	for (size_t i = first; i < n_ring; i++) {
		atomic_fetch_add(&ring[i]->refs, 1);
		w->deltas[w->n++] = ring[i];
	}
	pthread_mutex_unlock(&lock);
	if (w->n > 1) {
		/* Several serials behind: one condensed difference. */
		struct journal_delta *c = condense(w->deltas, w->n);

		if (c == NULL) {
			journal_walk_end(w);
			return false;
		}
		for (size_t i = 0; i < w->n; i++)
			delta_unref(w->deltas[i]);
		w->deltas[0] = c;
		w->n = 1;
	}
	return true;
}

/* The RR of a stored record. */
static bool
key_rr(const uint8_t *k, size_t n, struct zone_rr *rr)
{
	size_t olen = dname_wire_len(k);
	const uint8_t *rd = k + olen + 2;

	memset(rr, 0, sizeof *rr);
	rr->owner = k;
	rr->ttl = (uint32_t)xfr_g.cfg->ttl;
	rr->type = wire_read_u16(k + olen);
	switch (rr->type) {
	case TYPE_A:
		memcpy(rr->u.addr, rd, 4);
		return true;
	case TYPE_AAAA:
		memcpy(rr->u.addr, rd, 16);
		return true;
	case TYPE_SRV:
		rr->u.srv.weight = wire_read_u16(rd + 2);
		rr->u.srv.port = wire_read_u16(rd + 4);
		rr->u.srv.target = rd + 6;
		return olen + 8 < n;
	default:
		return false;
	}
}

size_t
journal_walk_write(struct journal_walk *w, struct xmsg *m, struct zone_rr *rr)
{
	while (w->i < w->n) {
		struct journal_delta *d = w->deltas[w->i];
		const struct strlist *l = w->step == 1 ? &d->del : &d->add;

		if (w->step == 0 || w->step == 2) {
			xfr_soa_rr(rr, w->step == 0 ? d->from : d->to);
			if (!xmsg_rr(m, 1, rr))
				return JOURNAL_FULL;
			w->step++;
			w->rec = 0;
			continue;
		}
		if (w->rec < l->n) {
			size_t n;
			const uint8_t *k = sl_get(l, w->rec, &n);

			if (key_rr(k, n, rr) && !xmsg_rr(m, 1, rr))
				return JOURNAL_FULL;
			w->rec++;
			continue;
		}
		if (w->step == 1) {
			w->step = 2;
		} else {
			w->step = 0;
			w->i++;
		}
	}
	return JOURNAL_END;
}

void
journal_walk_end(struct journal_walk *w)
{
	for (size_t i = 0; i < w->n; i++)
		delta_unref(w->deltas[i]);
	free(w->deltas);
	memset(w, 0, sizeof *w);
}

size_t
journal_bytes(void)
{
	size_t b;

	pthread_mutex_lock(&lock);
	b = ring_bytes;
	pthread_mutex_unlock(&lock);
	return b;
}
