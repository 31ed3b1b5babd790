/* msg.c -- query parsing and response building with a byte budget.
 *
 * Hot path: called once per packet by every worker; it allocates nothing
 * and takes no lock.  Name compression mirrors miekg/dns v1.0.15 (first
 * occurrence of each suffix, case-sensitive, not into SRV targets but
 * recording their suffixes) so that the packed size equals the size the
 * original's estimate predicts for ordinary answers, and the expensive
 * estimate runs only when it could differ or decide a truncation.
 */
#include "dns/msg.h"

#include <string.h>

#include "dns/dname.h"
#include "dns/rr.h"

/* Bytes that presentation text escapes (so text length != wire length). */
static const uint8_t escaped[256] = {
	[0 ... 31] = 1,
	['.'] = 1,
	['('] = 1,
	[')'] = 1,
	[';'] = 1,
	[' '] = 1,
	['@'] = 1,
	['"'] = 1,
	['\\'] = 1,
	[127 ... 255] = 1,
};

/* miekg's checks of one RR's content (it unpacks known types and refuses
 * a wrong length); notes the query's OPT.  -1 when malformed. */
static int
check_rr(const uint8_t *pkt, const struct rr *rr, struct dns_query *q)
{
	if ((rr->type == TYPE_A && rr->rdlen != 0 && rr->rdlen != 4) ||
	    (rr->type == TYPE_AAAA && rr->rdlen != 0 && rr->rdlen != 16))
		return -1;
	if (rr->section == RR_ADDITIONAL && rr->type == TYPE_OPT) {
		size_t o = rr->rdata_off, end = rr->rdata_off + rr->rdlen;

		/* Options must tile the rdata exactly. */
		while (o < end) {
			if (end - o < 4)
				return -1;
			o += 4 + wire_read_u16(pkt + o + 2);
		}
		if (o != end)
			return -1;
		q->has_opt = true;
		q->udp_size = rr->class;
		q->edns_version = (uint8_t)(rr->ttl >> 16);
		q->do_bit = (rr->ttl & 0x8000) != 0;
	}
	return 0;
}

enum parse_result
msg_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	struct rr_iter it;
	struct rr rr;
	enum rr_step step;
	bool first = true;

	memset(q, 0, offsetof(struct dns_query, qname));
	q->qname_len = 0;
	q->has_opt = false;
	q->udp_size = 0;
	q->edns_version = 0;
	q->do_bit = false;
	if (!rr_iter_init(&it, pkt, len, RR_LENIENT))
		return PARSE_FORMERR;
	q->id = wire_read_u16(pkt + WIRE_OFF_ID);
	q->flags = wire_read_u16(pkt + WIRE_OFF_FLAGS);
	if (len == WIRE_HEADER_SIZE)
		return (q->flags & WIRE_QR) ? PARSE_DROP : PARSE_NO_QUESTION;
	while ((step = rr_next(&it, &rr)) == RR_NEXT) {
		if (rr.section != RR_QUESTION) {
			if (check_rr(pkt, &rr, q) < 0)
				return PARSE_FORMERR;
		} else if (first) {
			memcpy(q->qname, rr.name, rr.name_len);
			q->qname_len = rr.name_len;
			q->qtype = rr.type;
			q->qclass = rr.class;
			first = false;
		}
	}
	if (step == RR_ERROR)
		return PARSE_FORMERR;
	/* miekg v1.0.15 fails a message with TC set that it read to the end
	 * (ErrTruncated), so the original answers FORMERR. */
	if ((q->flags & WIRE_TC) && !(q->flags & WIRE_QR) &&
	    rr_iter_pos(&it) == len)
		return PARSE_FORMERR;
	if (q->flags & WIRE_QR)
		return PARSE_DROP;
	if (q->qname_len == 0)
		return PARSE_NO_QUESTION;
	return PARSE_OK;
}

void
msg_begin(struct msg_ctx *m, uint16_t id, uint16_t flags, const uint8_t *qname,
    uint16_t qtype, uint16_t qclass)
{
	m->n[SEC_ANSWER] = m->n[SEC_AUTHORITY] = m->n[SEC_ADDITIONAL] = 0;
	m->id = id;
	m->flags = flags;
	m->qname = qname;
	m->has_question = qname != NULL;
	m->qtype = qtype;
	m->qclass = qclass;
}

bool
msg_add(struct msg_ctx *m, enum msg_section s, const struct msg_rr *rr)
{
	if (m->n[s] >= MSG_MAX_RRS)
		return false;
	m->rrs[s][m->n[s]++] = *rr;
	return true;
}

static uint64_t
next_random(struct msg_ctx *m)
{
	/* xorshift64*: a per-worker generator, no lock, good enough to
	 * spread load over a name's addresses. */
	uint64_t x = m->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	m->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

void
msg_shuffle_answers(struct msg_ctx *m)
{
	struct msg_rr *a = m->rrs[SEC_ANSWER];

	for (size_t i = m->n[SEC_ANSWER]; i > 1; i--) {
		size_t j = (size_t)((next_random(m) >> 32) * i >> 32);
		struct msg_rr t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- suffix hashing shared by packing and estimating ---- */

/* Label start offsets of a wire name (without the root) and the hash of
 * every suffix, computed right to left (case-sensitive); returns the
 * number of labels. */
/* Not the keyed hash of util/hash.h, on purpose: this table lives for one
 * response (1024 slots, reset per packet) and holds the suffixes of the
 * names packed into it, all from the snapshot but the echoed question, so
 * a client controls at most the 127 suffixes of its own name; a collision
 * costs a probe and a compare, and a miss only a lost compression.
 * SipHash-2-4 per suffix measured 3.5-3.7x slower than byte-wise FNV, and
 * byte-wise FNV was still the hottest loop of the packet path (half of
 * put_name, the first user-space symbol in a profile of bench/dns): a
 * multiply per octet, several names per answer.  So a label is taken
 * eight octets at a time from a zero-padded copy of the name, and chained
 * right to left: a word that runs past its label reads the rest of the
 * same suffix (or the padding), so equal suffixes still hash equal. */
static size_t
name_suffixes(const uint8_t *name, uint16_t *starts, uint32_t *h)
{
	uint8_t buf[WIRE_MAX_NAME + 8];
	uint64_t acc = 0x9E3779B97F4A7C15ULL;
	size_t n = 0, end = 0;

	while (name[end] != 0 && n < 128 &&
	    end + (size_t)name[end] + 1 < WIRE_MAX_NAME) {
		starts[n++] = (uint16_t)end;
		end += (size_t)name[end] + 1;
	}
	memcpy(buf, name, end);
	memset(buf + end, 0, 8);
	for (size_t i = n; i-- > 0;) {
		const uint8_t *l = buf + starts[i];
		size_t len = (size_t)l[0] + 1;

		for (size_t k = 0; k < len; k += 8) {
			uint64_t w;

			memcpy(&w, l + k, 8);
			acc = (acc ^ w) * 0xFF51AFD7ED558CCDULL;
		}
		acc ^= acc >> 32;
		h[i] = (uint32_t)acc ^ (uint32_t)(acc >> 17);
	}
	return n;
}

static void
comp_reset(struct msg_ctx *m)
{
	if (++m->gen == 0) {
		memset(m->comp_gen, 0, sizeof m->comp_gen);
		m->gen = 1;
	}
}

/* Compares a suffix of a wire name with the name written at off in pkt. */
static bool
suffix_at(const uint8_t *pkt, size_t off, const uint8_t *s)
{
	for (int hops = 0; hops < 64;) {
		uint8_t c = pkt[off];

		if ((c & 0xC0) == 0xC0) {
			off = (size_t)(c & 0x3F) << 8 | pkt[off + 1];
			hops++;
			continue;
		}
		if (c != s[0])
			return false;
		if (c == 0)
			return true;
		if (memcmp(pkt + off + 1, s + 1, c) != 0)
			return false;
		off += (size_t)c + 1;
		s += (size_t)c + 1;
	}
	return false;
}

struct packer {
	struct msg_ctx *m;
	uint8_t *out;
	size_t len, cap;
	bool overflow;
	bool escapes; /* a name had bytes that text escapes */
	/* What the names would add uncompressed, in the estimate's measure
	 * (text length + 1; 2 for the root): with no escapes, len + this
	 * bounds the original's estimate from above. */
	size_t uncompressed_extra;
	size_t roots; /* root names written (1 octet, the estimate counts 2) */
};

static void
put(struct packer *p, const void *data, size_t n)
{
	if (p->overflow || p->cap - p->len < n) {
		p->overflow = true;
		return;
	}
	memcpy(p->out + p->len, data, n);
	p->len += n;
}

static void
put_u16(struct packer *p, uint16_t v)
{
	uint8_t b[2];

	wire_write_u16(b, v);
	put(p, b, 2);
}

static void
put_u32(struct packer *p, uint32_t v)
{
	uint8_t b[4];

	wire_write_u32(b, v);
	put(p, b, 4);
}

/* Writes a name, compressing against earlier suffixes when allowed and
 * recording its own new suffixes (offsets below 16384 only). */
static void
put_name(struct packer *p, const uint8_t *name, bool compress)
{
	struct msg_ctx *m = p->m;
	uint16_t starts[128];
	uint32_t h[128];
	size_t n = name_suffixes(name, starts, h), at = p->len;
	size_t full = name[0] == 0 ? 2 : dname_wire_len(name);

	p->roots += name[0] == 0;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *s = name + starts[i];
		uint32_t slot = h[i] & (MSG_COMP_SLOTS - 1);
		bool found = false;

		for (int probe = 0; probe < MSG_COMP_SLOTS; probe++) {
			if (m->comp_gen[slot] != m->gen)
				break;
			if (m->comp_hash[slot] == h[i] && !p->overflow &&
			    suffix_at(p->out, m->comp_off[slot], s)) {
				found = true;
				break;
			}
			slot = (slot + 1) & (MSG_COMP_SLOTS - 1);
		}
		if (found && compress) {
			put_u16(p, (uint16_t)(0xC000 | m->comp_off[slot]));
			p->uncompressed_extra += full - (p->len - at);
			return;
		}
		if (!found && p->len < 0x3FFF && m->comp_gen[slot] != m->gen) {
			m->comp_gen[slot] = m->gen;
			m->comp_hash[slot] = h[i];
			m->comp_off[slot] = (uint16_t)p->len;
		}
		for (size_t j = 1; j <= s[0]; j++)
			p->escapes |= escaped[s[j]];
		put(p, s, (size_t)s[0] + 1);
	}
	put(p, "", 1);
	p->uncompressed_extra += full - (p->len - at);
}

static void
put_rr(struct packer *p, const struct msg_rr *rr)
{
	size_t rdlen_at;

	put_name(p, rr->owner, true);
	put_u16(p, rr->type);
	if (rr->type == TYPE_OPT) {
		put_u16(p, rr->u.opt.udp_size);
		put_u32(p, (uint32_t)rr->u.opt.ext_rcode << 24);
	} else {
		put_u16(p, CLASS_IN);
		put_u32(p, rr->ttl);
	}
	rdlen_at = p->len;
	put_u16(p, 0);
	switch (rr->type) {
	case TYPE_A:
		put(p, rr->u.addr, 4);
		break;
	case TYPE_AAAA:
		put(p, rr->u.addr, 16);
		break;
	case TYPE_SRV:
		put_u16(p, 0);
		put_u16(p, rr->u.srv.weight);
		put_u16(p, rr->u.srv.port);
		put_name(p, rr->u.srv.target, false);
		break;
	case TYPE_NS:
	case TYPE_PTR:
		put_name(p, rr->u.ns, true);
		break;
	case TYPE_SOA:
		put_name(p, rr->u.soa.mname, true);
		put_name(p, rr->u.soa.rname, true);
		put_u32(p, rr->u.soa.serial);
		put_u32(p, rr->u.soa.refresh);
		put_u32(p, rr->u.soa.retry);
		put_u32(p, rr->u.soa.expire);
		put_u32(p, rr->u.soa.minimum);
		break;
	default:
		break;
	}
	if (!p->overflow)
		wire_write_u16(p->out + rdlen_at,
		    (uint16_t)(p->len - rdlen_at - 2));
}

static size_t
pack(struct msg_ctx *m, uint8_t *out, size_t cap, bool *escapes,
    size_t *uncompressed, size_t *roots)
{
	struct packer p = { m, out, 0, cap, false, false, 0, 0 };
	uint16_t hdr[6];

	comp_reset(m);
	hdr[0] = m->id;
	hdr[1] = m->flags;
	hdr[2] = m->has_question;
	hdr[3] = (uint16_t)m->n[SEC_ANSWER];
	hdr[4] = (uint16_t)m->n[SEC_AUTHORITY];
	hdr[5] = (uint16_t)m->n[SEC_ADDITIONAL];
	for (int i = 0; i < 6; i++)
		put_u16(&p, hdr[i]);
	if (m->has_question) {
		put_name(&p, m->qname, true);
		put_u16(&p, m->qtype);
		put_u16(&p, m->qclass);
	}
	/* Once over the capacity nothing more is written: the records left
	 * are not even walked (a 50-task SRV set for a 512-octet reply). */
	for (int s = 0; s < SEC_COUNT && !p.overflow; s++)
		for (size_t i = 0; i < m->n[s] && !p.overflow; i++)
			put_rr(&p, &m->rrs[s][i]);
	if (escapes)
		*escapes = p.escapes;
	if (uncompressed)
		*uncompressed = p.len + p.uncompressed_extra;
	if (roots)
		*roots = p.roots;
	return p.overflow ? 0 : p.len;
}

/* ---- the original's size estimate (dns.md §5.3) ---- */

struct estimator {
	struct msg_ctx *m;
	/* the dictionary is a set of suffixes: (hash, pointer to the wire
	 * suffix in the RR data), stamped with m->gen */
	const uint8_t *keys[MSG_COMP_SLOTS];
};

static size_t
text_len(const uint8_t *name)
{
	size_t n = 0;

	if (name[0] == 0)
		return 1;
	for (size_t i = 0; name[i] != 0; i += (size_t)name[i] + 1)
		n += dname_label_text_len(name + i + 1, name[i]) + 1;
	return n;
}

static bool
wire_equal(const uint8_t *a, const uint8_t *b)
{
	size_t la = dname_wire_len(a);

	return la == dname_wire_len(b) && memcmp(a, b, la) == 0;
}

static bool
est_has(struct estimator *e, const uint8_t *s, uint32_t h, uint32_t *slot_out)
{
	struct msg_ctx *m = e->m;
	uint32_t slot = h & (MSG_COMP_SLOTS - 1);

	for (int probe = 0; probe < MSG_COMP_SLOTS; probe++) {
		if (m->comp_gen[slot] != m->gen) {
			*slot_out = slot;
			return false;
		}
		if (m->comp_hash[slot] == h && wire_equal(e->keys[slot], s))
			return true;
		slot = (slot + 1) & (MSG_COMP_SLOTS - 1);
	}
	*slot_out = UINT32_MAX;
	return false;
}

static void
est_register(struct estimator *e, const uint8_t *name, size_t off)
{
	uint16_t starts[128];
	uint32_t h[128], slot;
	size_t n = name_suffixes(name, starts, h), textpos = 0;

	if (off > 16384 || n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *s = name + starts[i];

		if (est_has(e, s, h[i], &slot))
			return;
		if (slot != UINT32_MAX && off + textpos < 16384) {
			e->m->comp_gen[slot] = e->m->gen;
			e->m->comp_hash[slot] = h[i];
			e->keys[slot] = s;
		}
		textpos += dname_label_text_len(s + 1, s[0]) + 1;
	}
}

/* Text length of the longest suffix already in the dictionary; -1 if
 * none. */
static long
est_longest(struct estimator *e, const uint8_t *name)
{
	uint16_t starts[128];
	uint32_t h[128], slot;
	size_t n = name_suffixes(name, starts, h);

	for (size_t i = 0; i < n; i++)
		if (est_has(e, name + starts[i], h[i], &slot))
			return (long)text_len(name + starts[i]);
	return -1;
}

/* Adds one record to the running estimate l (and its names to the
 * dictionary).  Every record adds at least 12: its owner's text length +
 * 11, less at most that text length for a compressed suffix. */
static void
est_record(struct estimator *e, const struct msg_rr *rr, size_t *l)
{
	long x = (long)text_len(rr->owner) + 1 + 10, k, k2;

	switch (rr->type) {
	case TYPE_A:
		x += 4;
		break;
	case TYPE_AAAA:
		x += 16;
		break;
	case TYPE_SRV:
		x += 6 + (long)text_len(rr->u.srv.target) + 1;
		break;
	case TYPE_NS:
	case TYPE_PTR:
		x += (long)text_len(rr->u.ns) + 1;
		break;
	case TYPE_SOA:
		x += (long)text_len(rr->u.soa.mname) + 1 +
		    (long)text_len(rr->u.soa.rname) + 1 + 20;
		break;
	default:
		break;
	}
	if ((k = est_longest(e, rr->owner)) >= 0)
		x += 1 - k;
	est_register(e, rr->owner, *l);
	if ((rr->type == TYPE_NS || rr->type == TYPE_PTR) &&
	    (k = est_longest(e, rr->u.ns)) >= 0)
		x += 1 - k;
	if (rr->type == TYPE_SOA &&
	    (k = est_longest(e, rr->u.soa.mname)) >= 0 &&
	    (k2 = est_longest(e, rr->u.soa.rname)) >= 0)
		x += 1 - (k + k2);
	*l += (size_t)x;
	if (rr->type == TYPE_SRV)
		est_register(e, rr->u.srv.target, *l);
	else if (rr->type == TYPE_NS || rr->type == TYPE_PTR)
		est_register(e, rr->u.ns, *l);
	else if (rr->type == TYPE_SOA) {
		est_register(e, rr->u.soa.mname, *l);
		est_register(e, rr->u.soa.rname, *l);
	}
}

/* The header and the question, to start an estimate. */
static size_t
est_start(struct estimator *e)
{
	struct msg_ctx *m = e->m;
	size_t l = WIRE_HEADER_SIZE;

	comp_reset(m);
	if (m->has_question) {
		est_register(e, m->qname, l);
		l += text_len(m->qname) + 1 + 4;
	}
	return l;
}

/* The estimate, exact up to stop; above it, some value over stop: as
 * every record adds to it, once past stop the rest cannot bring it back,
 * and a truncation needs only the records that fit. */
static size_t
estimate(struct msg_ctx *m, size_t n_answers, size_t n_additional, size_t stop)
{
	struct estimator e = { .m = m };
	size_t l = est_start(&e);

	for (int s = 0; s < SEC_COUNT && l <= stop; s++) {
		size_t count = s == SEC_ANSWER ? n_answers :
		    s == SEC_ADDITIONAL	       ? n_additional :
						 m->n[s];

		for (size_t i = 0; i < count && l <= stop; i++)
			est_record(&e, &m->rrs[s][i], &l);
	}
	return l;
}

/* How many answers the original's binary search keeps (the most whose
 * estimate is under max; at least none), in one pass over the answers,
 * when what follows them adds the same whatever they are: no authority
 * records and only OPTs with the root owner in the additional section
 * (the root has no suffix to compress or register).  SIZE_MAX when that
 * does not hold. */
static size_t
estimate_fit(struct msg_ctx *m, size_t max)
{
	struct estimator e = { .m = m };
	size_t tail = 0, l;

	if (m->n[SEC_AUTHORITY] != 0)
		return SIZE_MAX;
	for (size_t k = 0; k < m->n[SEC_ADDITIONAL]; k++) {
		const struct msg_rr *rr = &m->rrs[SEC_ADDITIONAL][k];

		if (rr->type != TYPE_OPT || rr->owner[0] != 0)
			return SIZE_MAX;
	}
	l = est_start(&e);
	for (size_t k = 0; k < m->n[SEC_ADDITIONAL]; k++)
		est_record(&e, &m->rrs[SEC_ADDITIONAL][k], &tail);
	/* The estimate grows with every answer: the first that brings it to
	 * max is where the search ends. */
	for (size_t i = 0; i < m->n[SEC_ANSWER]; i++) {
		est_record(&e, &m->rrs[SEC_ANSWER][i], &l);
		if (l + tail >= max)
			return i;
	}
	return m->n[SEC_ANSWER];
}

size_t
msg_estimate(struct msg_ctx *m)
{
	return estimate(m, m->n[SEC_ANSWER], m->n[SEC_ADDITIONAL], SIZE_MAX);
}

void
msg_truncate(struct msg_ctx *m, size_t max, bool set_tc, bool keep_opt)
{
	size_t total = m->n[SEC_ANSWER], i, j;
	bool over = estimate(m, total, m->n[SEC_ADDITIONAL], max) > max;

	if (!set_tc)
		m->flags &= (uint16_t)~WIRE_TC;
	else if (over)
		m->flags |= WIRE_TC;
	if (!over)
		return;
	/* The whole additional section goes first (but an OPT we answer
	 * EDNS0 with stays, at the end). */
	{
		size_t kept = 0;

		for (size_t k = 0; k < m->n[SEC_ADDITIONAL]; k++)
			if (keep_opt &&
			    m->rrs[SEC_ADDITIONAL][k].type == TYPE_OPT)
				m->rrs[SEC_ADDITIONAL][kept++] =
				    m->rrs[SEC_ADDITIONAL][k];
		m->n[SEC_ADDITIONAL] = kept;
	}
	if ((i = estimate_fit(m, max)) != SIZE_MAX) {
		m->n[SEC_ANSWER] = i;
		return;
	}
	if (estimate(m, total, m->n[SEC_ADDITIONAL], max) < max)
		return;
	/* Go's sort.Search over n = answers removed from the end. */
	for (i = 0, j = total; i < j;) {
		size_t h = (i + j) / 2;

		if (estimate(m, total - h, m->n[SEC_ADDITIONAL], max) >= max)
			i = h + 1;
		else
			j = h;
	}
	m->n[SEC_ANSWER] = total - i;
}

size_t
msg_pack(struct msg_ctx *m, uint8_t *out, size_t cap)
{
	return pack(m, out, cap, NULL, NULL, NULL);
}

size_t
msg_finish(struct msg_ctx *m, uint8_t *out, size_t cap, size_t max, bool set_tc,
    bool keep_opt)
{
	bool escapes = false, plain = m->n[SEC_AUTHORITY] == 0;
	size_t len, uncompressed = 0, roots = 0;

	if (cap > max)
		cap = max;
	len = pack(m, out, cap, &escapes, &uncompressed, &roots);
	/* No estimate is needed for a reply that fit when it cannot be over
	 * the estimate's limit.  Without escaped bytes a name's text length
	 * + 1 is its wire length, except the root's (1 octet, counted 2: an
	 * OPT's owner).  So with plain records (no SOA/NS) the estimate is
	 * the packed size plus one per root name; and as compression only
	 * lowers the estimate, a reply whose uncompressed size fits is under
	 * it too (every NXDOMAIN and NODATA answer with its SOA). */
	if (len != 0 && !escapes &&
	    ((plain && len <= 16384 && len + roots <= max) ||
		uncompressed <= max)) {
		if (!set_tc)
			wire_write_u16(out + WIRE_OFF_FLAGS,
			    m->flags & (uint16_t)~WIRE_TC);
		return len;
	}
	msg_truncate(m, max, set_tc, keep_opt);
	/* The estimate can be a few bytes under the real size (SOA); never
	 * send more than the limit. */
	while ((len = pack(m, out, cap, NULL, NULL, NULL)) == 0) {
		if (m->n[SEC_ADDITIONAL] > (keep_opt ? 1u : 0u)) {
			m->n[SEC_ADDITIONAL] = 0;
		} else if (m->n[SEC_ANSWER] > 0) {
			m->n[SEC_ANSWER]--;
		} else if (m->n[SEC_AUTHORITY] > 0) {
			m->n[SEC_AUTHORITY]--;
		} else {
			m->n[SEC_ADDITIONAL] = 0;
			if ((len = pack(m, out, cap, NULL, NULL, NULL)) == 0)
				return 0;
			break;
		}
		if (set_tc)
			m->flags |= WIRE_TC;
	}
	return len;
}

size_t
msg_error_reply(uint8_t *out, size_t cap, uint16_t id, uint16_t flags,
    const uint8_t *qname, uint16_t qtype, uint16_t qclass)
{
	size_t qlen = qname ? dname_wire_len(qname) : 0;
	size_t len = WIRE_HEADER_SIZE + (qname ? qlen + 4 : 0);

	if (len > cap)
		return 0;
	memset(out, 0, WIRE_HEADER_SIZE);
	wire_write_u16(out + WIRE_OFF_ID, id);
	wire_write_u16(out + WIRE_OFF_FLAGS, flags);
	if (qname) {
		wire_write_u16(out + WIRE_OFF_QDCOUNT, 1);
		memcpy(out + WIRE_HEADER_SIZE, qname, qlen);
		wire_write_u16(out + WIRE_HEADER_SIZE + qlen, qtype);
		wire_write_u16(out + WIRE_HEADER_SIZE + qlen + 2, qclass);
	}
	return len;
}

size_t
msg_append_opt(uint8_t *out, size_t n, size_t cap, uint16_t size)
{
	if (n < WIRE_HEADER_SIZE || n + 11 > cap)
		return n;
	memset(out + n, 0, 11);
	wire_write_u16(out + n + 1, TYPE_OPT);
	wire_write_u16(out + n + 3, size);
	wire_write_u16(out + WIRE_OFF_ARCOUNT, 1);
	return n + 11;
}
