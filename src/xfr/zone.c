/* zone.c -- walking the served records of a snapshot; writing them. */
#include "xfr/zone.h"

#include <string.h>

#include "dns/dname.h"

void
zone_cursor_init(struct zone_cursor *c, const struct snapshot *s)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->kind = RK_A;
	c->idx = UINT32_MAX;
}

static bool
hidden(const struct snapshot *ov, uint32_t app)
{
	uint32_t lo = 0, hi = ov->n_hidden;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ov->hidden[mid] == app)
			return true;
		if (ov->hidden[mid] < app)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* True when node of the base part is served (not an app the overlay
 * replaced). */
static bool
base_node_served(const struct snapshot *s, uint32_t node)
{
	const struct snapshot *b = s->base;
	uint32_t app;

	if (b == NULL || b->app_of == NULL)
		return true;
	app = b->app_of[node];
	return app == SNAP_NONE || app == SNAP_MIXED || !hidden(s, app);
}

bool
zone_cursor_next(struct zone_cursor *c, struct zone_item *out)
{
	for (;;) {
		const struct snapshot *p;

		if (c->part >= 2)
			return false;
		p = c->part == 0 ? (c->s->base ? c->s->base : c->s) : c->s;
		if (c->part == 1 && c->s->base == NULL) {
			c->part = 2;
			return false;
		}
		if (c->node >= p->n_nodes) {
			c->part++;
			c->node = 0;
			c->kind = RK_A;
			c->idx = UINT32_MAX;
			continue;
		}
		if (c->idx == UINT32_MAX) {
			if (c->part == 0 && c->s->base != NULL &&
			    !base_node_served(c->s, c->node)) {
				c->node++;
				continue;
			}
			c->idx = snap_first(p, c->node, c->kind);
		}
		if (c->idx < snap_first(p, c->node + 1, c->kind)) {
			out->part = p;
			out->node = c->node;
			out->kind = (enum rr_kind)c->kind;
			out->idx = c->idx++;
			return true;
		}
		if (c->kind < RK_SRV) {
			c->kind++;
			c->idx = snap_first(p, c->node, c->kind);
			continue;
		}
		c->node++;
		c->kind = RK_A;
		c->idx = UINT32_MAX;
	}
}

size_t
zone_node_wire(const struct snapshot *s, uint32_t node, uint8_t *out)
{
	char text[DNAME_MAX_TEXT];
	size_t tlen = snap_name(s, node, text, sizeof text), n = 0;

	if (tlen == 0 || dname_from_text(text, tlen, out, &n) < 0)
		return 0;
	return n;
}

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t
finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* The digest of the values of one node of part. */
static uint64_t
node_digest(const struct snapshot *part, uint32_t node, char *text)
{
	size_t n = snap_name(part, node, text, DNAME_MAX_TEXT);
	uint64_t owner = mix(0xcbf29ce484222325ULL, text, n), sum = 0;

	for (int k = RK_A; k <= RK_SRV; k++)
		for (uint32_t i = snap_first(part, node, k);
		     i < snap_first(part, node + 1, k); i++) {
			uint64_t h = mix(owner, &k, sizeof k);

			if (k == RK_A) {
				h = mix(h, &part->a[i], 4);
			} else if (k == RK_AAAA) {
				h = mix(h, part->aaaa[i].b, 16);
			} else {
				const struct snap_srv *v = &part->srv[i];
				size_t t = snap_name(part, v->target, text,
				    DNAME_MAX_TEXT);

				h = mix(h, text, t);
				h = mix(h, &v->port, sizeof v->port);
			}
			sum += finish(h);
		}
	return sum;
}

uint64_t
zone_digest(const struct snapshot *s)
{
	char text[DNAME_MAX_TEXT];
	uint64_t sum = 0;

	for (uint32_t i = 0; i < s->n_nodes; i++)
		sum += node_digest(s, i, text);
	return sum;
}

uint64_t
zone_digest_overlay(const struct snapshot *ov, uint64_t base_digest)
{
	const struct snapshot *b = ov->base;
	char text[DNAME_MAX_TEXT];
	uint64_t sum = base_digest;

	/* Sums of per-record hashes: the hidden names' records come off,
	 * the overlay's go on. */
	if (b->app_of != NULL && ov->n_hidden > 0)
		for (uint32_t i = 0; i < b->n_nodes; i++) {
			uint32_t app = b->app_of[i];

			if (app != SNAP_NONE && app != SNAP_MIXED &&
			    hidden(ov, app))
				sum -= node_digest(b, i, text);
		}
	return sum + zone_digest(ov);
}

void
xmsg_begin(struct xmsg *m, uint8_t *buf, size_t cap, uint16_t id,
    uint16_t flags)
{
	m->buf = buf;
	m->cap = cap;
	m->len = WIRE_HEADER_SIZE;
	memset(m->count, 0, sizeof m->count);
	memset(m->comp_off, 0, sizeof m->comp_off);
	wire_write_u16(buf, id);
	wire_write_u16(buf + 2, flags);
}

static uint32_t
suffix_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261U;

	for (size_t i = 0; i < len; i++)
		h = (h ^ name[i]) * 16777619U;
	return h ? h : 1;
}

/* True when the name written at off of the message (pointers followed)
 * equals the uncompressed suffix. */
static bool
same_name_at(const struct xmsg *m, size_t off, const uint8_t *suffix)
{
	size_t i = 0;
	int jumps = 0;

	for (;;) {
		uint8_t l;

		if (off >= m->len)
			return false;
		l = m->buf[off];
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= m->len || ++jumps > 16)
				return false;
			off = (size_t)(l & 0x3f) << 8 | m->buf[off + 1];
			continue;
		}
		if (l != suffix[i] || off + 1 + l > m->len ||
		    memcmp(m->buf + off + 1, suffix + i + 1, l) != 0)
			return false;
		if (l == 0)
			return true;
		off += 1 + (size_t)l;
		i += 1 + (size_t)l;
	}
}

/* Writes a name, compressed against earlier names when compress. */
static bool
put_name(struct xmsg *m, const uint8_t *name, bool compress)
{
	size_t len = dname_wire_len(name), i = 0, start = m->len;
	size_t starts[128];
	size_t n_starts = 0;

	while (name[i] != 0) {
		size_t slen = len - i;
		uint32_t h = suffix_hash(name + i, slen);
		uint32_t slot = h & (XMSG_COMP_SLOTS - 1);

		if (compress && m->comp_off[slot] != 0 &&
		    m->comp_hash[slot] == h &&
		    same_name_at(m, m->comp_off[slot], name + i)) {
			if (m->len + i + 2 > m->cap)
				return false;
			memcpy(m->buf + m->len, name, i);
			m->len += i;
			wire_write_u16(m->buf + m->len,
			    (uint16_t)(0xc000 | m->comp_off[slot]));
			m->len += 2;
			goto remember;
		}
		if (n_starts < 128)
			starts[n_starts++] = i;
		i += (size_t)name[i] + 1;
	}
	if (m->len + len > m->cap)
		return false;
	memcpy(m->buf + m->len, name, len);
	m->len += len;
remember:
	for (size_t k = 0; compress && k < n_starts; k++) {
		size_t off = start + starts[k];
		uint32_t h = suffix_hash(name + starts[k], len - starts[k]);
		uint32_t slot = h & (XMSG_COMP_SLOTS - 1);

		if (off >= 0x4000)
			break;
		m->comp_hash[slot] = h;
		m->comp_off[slot] = (uint16_t)off;
	}
	return true;
}

bool
xmsg_question(struct xmsg *m, const uint8_t *name, uint16_t type,
    uint16_t qclass)
{
	size_t save = m->len;

	if (!put_name(m, name, true) || m->len + 4 > m->cap) {
		m->len = save;
		return false;
	}
	wire_write_u16(m->buf + m->len, type);
	wire_write_u16(m->buf + m->len + 2, qclass);
	m->len += 4;
	m->count[0]++;
	return true;
}

static bool
put_bytes(struct xmsg *m, const void *p, size_t n)
{
	if (m->len + n > m->cap)
		return false;
	memcpy(m->buf + m->len, p, n);
	m->len += n;
	return true;
}

static bool
put_u16(struct xmsg *m, uint16_t v)
{
	uint8_t b[2];

	wire_write_u16(b, v);
	return put_bytes(m, b, 2);
}

static bool
put_u32(struct xmsg *m, uint32_t v)
{
	uint8_t b[4];

	wire_write_u32(b, v);
	return put_bytes(m, b, 4);
}

bool
xmsg_rr(struct xmsg *m, int sec, const struct zone_rr *rr)
{
	size_t save = m->len, rdlen_at;
	bool ok;

	ok = put_name(m, rr->owner, true) && put_u16(m, rr->type) &&
	    put_u16(m, CLASS_IN) && put_u32(m, rr->ttl);
	rdlen_at = m->len;
	ok = ok && put_u16(m, 0);
	if (ok) {
		switch (rr->type) {
		case TYPE_A:
			ok = put_bytes(m, rr->u.addr, 4);
			break;
		case TYPE_AAAA:
			ok = put_bytes(m, rr->u.addr, 16);
			break;
		case TYPE_SRV:
			/* RFC 2782: the target is never compressed. */
			ok = put_u16(m, 0) && put_u16(m, rr->u.srv.weight) &&
			    put_u16(m, rr->u.srv.port) &&
			    put_name(m, rr->u.srv.target, false);
			break;
		case TYPE_NS:
			ok = put_name(m, rr->u.ns, true);
			break;
		case TYPE_SOA:
			ok = put_name(m, rr->u.soa.mname, true) &&
			    put_name(m, rr->u.soa.rname, true) &&
			    put_u32(m, rr->u.soa.serial) &&
			    put_u32(m, rr->u.soa.refresh) &&
			    put_u32(m, rr->u.soa.retry) &&
			    put_u32(m, rr->u.soa.expire) &&
			    put_u32(m, rr->u.soa.minimum);
			break;
		default:
			ok = false;
		}
	}
	if (!ok) {
		m->len = save;
		return false;
	}
	wire_write_u16(m->buf + rdlen_at, (uint16_t)(m->len - rdlen_at - 2));
	m->count[sec]++;
	return true;
}

size_t
xmsg_end(struct xmsg *m)
{
	for (int i = 0; i < 4; i++)
		wire_write_u16(m->buf + 4 + 2 * i, m->count[i]);
	return m->len;
}
