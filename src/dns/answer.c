/* answer.c -- the authoritative answers of the original (dns.md §4).
 *
 * The look-up key is the query name's presentation text, lowercased, with
 * every ".*" removed: exactly what the original matches its maps with, so
 * names it cannot find (raw names with capitals or spaces) stay unfound.
 */
#include "dns/answer.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dns/dname.h"
#include "util/reverse.h"

/* Releases the zones a holds (answer_bind replaces them). */
static void
drop_zones(struct answer_ctx *a)
{
	free(a->zones);
	free(a->zone_lens);
	a->zones = NULL;
	a->zone_lens = NULL;
	a->n_zones = 0;
}

struct answer_ctx *
answer_new(const struct config *cfg, uint64_t seed, char *err, size_t errlen)
{
	/* calloc, and no memset after it: the context is ~1.8 MiB of
	 * buffers sized for the largest reply (msg.rrs, scratch, the
	 * seen/compression tables, all read as zero until used), and
	 * pages calloc got from mmap stay out of the resident set until
	 * an answer writes them.  A memset made all of it resident in
	 * every UDP worker and the TCP thread at start (5.4 MiB with 2
	 * workers). */
	struct answer_ctx *a = calloc(1, sizeof *a);

	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->msg.rng = seed | 1;
	if (answer_bind(a, cfg, err, errlen) < 0) {
		free(a);
		return NULL;
	}
	return a;
}

void
answer_delete(struct answer_ctx *a)
{
	if (a == NULL)
		return;
	drop_zones(a);
	free(a);
}

int
answer_bind(struct answer_ctx *a, const struct config *cfg, char *err,
    size_t errlen)
{
	uint8_t domain[WIRE_MAX_NAME], mname[WIRE_MAX_NAME];
	uint8_t rname[WIRE_MAX_NAME];
	uint8_t(*zones)[WIRE_MAX_NAME] = NULL;
	size_t domain_len, n, *zone_lens = NULL, n_zones = 0;

	/* Everything is derived aside: a failure leaves a as it was. */
	if (dname_from_text(cfg->domain, strlen(cfg->domain), domain,
		&domain_len) < 0) {
		snprintf(err, errlen, "domain %s cannot be a DNS name",
		    cfg->domain);
		return -1;
	}
	dname_lower(domain);
	if (dname_from_text(cfg->soa_mname, strlen(cfg->soa_mname), mname, &n) <
	    0) {
		snprintf(err, errlen, "SOAMname %s cannot be a DNS name",
		    cfg->soa_mname);
		return -1;
	}
	if (dname_from_text(cfg->soa_rname, strlen(cfg->soa_rname), rname, &n) <
	    0) {
		snprintf(err, errlen, "SOARname %s cannot be a DNS name",
		    cfg->soa_rname);
		return -1;
	}
	if (cfg->external_on && cfg->n_zone_resolvers > 0) {
		zones = calloc(cfg->n_zone_resolvers, sizeof *zones);
		zone_lens = calloc(cfg->n_zone_resolvers, sizeof *zone_lens);
		if (zones == NULL || zone_lens == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		for (size_t i = 0; i < cfg->n_zone_resolvers; i++) {
			const char *z = cfg->zone_resolvers[i].zone;

			if (dname_from_text(z, strlen(z), zones[i],
				&zone_lens[i]) < 0) {
				snprintf(err, errlen,
				    "zoneResolvers zone %s "
				    "cannot be a DNS name",
				    z);
				goto fail;
			}
		}
		n_zones = cfg->n_zone_resolvers;
	}
	drop_zones(a);
	a->cfg = cfg;
	a->generation = cfg->generation;
	a->soa_answer = cfg->xfr_allow.n > 0;
	memcpy(a->domain, domain, domain_len);
	a->domain_len = domain_len;
	memcpy(a->mname, mname, sizeof mname);
	memcpy(a->rname, rname, sizeof rname);
	a->zones = zones;
	a->zone_lens = zone_lens;
	a->n_zones = n_zones;
	return 0;
fail:
	free(zones);
	free(zone_lens);
	return -1;
}

int
answer_config_check(const struct config *cfg, char *err, size_t errlen)
{
	struct answer_ctx *a = calloc(1, sizeof *a);
	int rc;

	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = answer_bind(a, cfg, err, errlen);
	drop_zones(a);
	free(a);
	return rc;
}

void
answer_use(struct answer_ctx *a, const struct config *cfg)
{
	char err[256];

	if (cfg->generation != a->generation &&
	    answer_bind(a, cfg, err, sizeof err) < 0)
		/* Only memory can fail here (answer_config_check passed):
		 * the names stay those of the previous configuration. */
		a->generation = cfg->generation;
	a->cfg = cfg;
}

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* True when zone (wire, zlen octets) is a label-aligned suffix of the
 * lowercased name, compared byte for byte as the original's mux does. */
static bool
suffix_is(const uint8_t *name, size_t len, const uint8_t *zone, size_t zlen)
{
	size_t i = 0;

	if (len < zlen)
		return false;
	while (len - i > zlen)
		i += (size_t)name[i] + 1;
	if (len - i != zlen)
		return false;
	for (size_t k = 0; k < zlen; k++)
		if (lower(name[i + k]) != zone[k])
			return false;
	return true;
}

int
answer_route(const struct answer_ctx *a, const uint8_t *name)
{
	size_t len = dname_wire_len(name), best = 0;
	int route = -1;

	if (suffix_is(name, len, a->domain, a->domain_len)) {
		best = a->domain_len;
		route = -2;
	}
	for (size_t i = 0; i < a->n_zones; i++)
		if (a->zone_lens[i] > best &&
		    suffix_is(name, len, a->zones[i], a->zone_lens[i])) {
			best = a->zone_lens[i];
			route = (int)i;
		}
	return route;
}

/* Wire form of a node's name into the scratch area; NULL when it cannot
 * be a DNS name (a raw label over 63 octets, an empty label) or the
 * scratch is full. */
static const uint8_t *
node_wire(struct answer_ctx *a, const struct snapshot *s, uint32_t node)
{
	char text[DNAME_MAX_TEXT];
	uint8_t *out = a->scratch + a->scratch_used;
	size_t n = 0, tlen;
	bool plain = true;

	if (ANSWER_SCRATCH - a->scratch_used < WIRE_MAX_NAME)
		return NULL;
	/* Fast path: labels without escapes are copied as they are. */
	for (uint32_t i = node; i != SNAP_NONE; i = s->nodes[i].parent) {
		size_t ll;
		const char *l = snap_label(s, i, &ll);

		if (ll == 0 || ll > WIRE_MAX_LABEL ||
		    n + ll + 2 > WIRE_MAX_NAME || memchr(l, '\\', ll) != NULL) {
			plain = false;
			break;
		}
		out[n++] = (uint8_t)ll;
		memcpy(out + n, l, ll);
		n += ll;
	}
	if (plain) {
		out[n++] = 0;
		a->scratch_used += n;
		assert(a->scratch_used <= ANSWER_SCRATCH);
		return out;
	}
	tlen = snap_name(s, node, text, sizeof text);
	if (tlen == 0 || dname_from_text(text, tlen, out, &n) < 0)
		return NULL;
	a->scratch_used += n;
	return out;
}

/* First time this reply meets target node? (a small stamped set) */
static bool
first_sighting(struct answer_ctx *a, uint32_t node)
{
	uint32_t slot = (node * 2654435761U) & (ANSWER_SEEN_SLOTS - 1);

	for (int probe = 0; probe < ANSWER_SEEN_SLOTS; probe++) {
		if (a->seen_gen[slot] != a->gen) {
			a->seen_gen[slot] = a->gen;
			a->seen_node[slot] = node;
			return true;
		}
		if (a->seen_node[slot] == node)
			return false;
		slot = (slot + 1) & (ANSWER_SEEN_SLOTS - 1);
	}
	return false;
}

static void
add_addresses(struct answer_ctx *a, const struct snapshot *s, uint32_t node,
    enum rr_kind k, const uint8_t *owner, enum msg_section sec, bool one)
{
	uint32_t end = snap_first(s, node + 1, k);
	struct msg_rr rr = { 0 };

	rr.owner = owner;
	rr.ttl = (uint32_t)a->cfg->ttl;
	rr.type = k == RK_A ? TYPE_A : TYPE_AAAA;
	for (uint32_t i = snap_first(s, node, k); i < end; i++) {
		if (k == RK_A)
			memcpy(rr.u.addr, &s->a[i], 4);
		else
			memcpy(rr.u.addr, s->aaaa[i].b, 16);
		if (!msg_add(&a->msg, sec, &rr) || one)
			return;
	}
}

static void
add_srv(struct answer_ctx *a, const struct snapshot *s, uint32_t node,
    const uint8_t *owner)
{
	const struct snode *nd = &s->nodes[node];
	struct msg_rr rr = { 0 };

	rr.type = TYPE_SRV;
	rr.owner = owner;
	rr.ttl = (uint32_t)a->cfg->ttl;
	rr.u.srv.weight = a->cfg->srv_default_weight;
	for (uint32_t i = nd->first_srv; i < nd[1].first_srv; i++) {
		const struct snap_srv *v = &s->srv[i];
		const uint8_t *target = node_wire(a, s, v->target);

		if (target == NULL)
			continue; /* the original cannot pack it either */
		rr.u.srv.target = target;
		rr.u.srv.port = (uint16_t)v->port;
		if (!msg_add(&a->msg, SEC_ANSWER, &rr))
			return;
		if (first_sighting(a, v->target)) {
			add_addresses(a, s, v->target, RK_A, target,
			    SEC_ADDITIONAL, true);
			add_addresses(a, s, v->target, RK_AAAA, target,
			    SEC_ADDITIONAL, true);
		}
	}
}

static void
add_soa_at(struct answer_ctx *a, const struct snapshot *s, const uint8_t *owner,
    enum msg_section sec)
{
	struct msg_rr rr = { 0 };
	const struct config *c = a->cfg;

	rr.type = TYPE_SOA;
	rr.owner = owner;
	rr.ttl = (uint32_t)c->ttl;
	rr.u.soa.mname = a->mname;
	rr.u.soa.rname = a->rname;
	rr.u.soa.serial = snap_serial(s);
	rr.u.soa.refresh = c->soa_refresh;
	rr.u.soa.retry = c->soa_retry;
	rr.u.soa.expire = c->soa_expire;
	rr.u.soa.minimum = (uint32_t)c->ttl; /* not SOAMinttl: gaps.md #11 */
	msg_add(&a->msg, sec, &rr);
}

static void
add_soa(struct answer_ctx *a, const struct snapshot *s, const uint8_t *owner)
{
	add_soa_at(a, s, owner, SEC_AUTHORITY);
}

/* True when name (wire) is the zone apex, compared case-insensitively. */
static bool
is_apex(const struct answer_ctx *a, const uint8_t *name)
{
	size_t len = dname_wire_len(name);

	return len == a->domain_len && suffix_is(name, len, a->domain, len);
}

static void
add_ns_at(struct answer_ctx *a, const uint8_t *owner, enum msg_section sec)
{
	struct msg_rr rr = { 0 };

	rr.type = TYPE_NS;
	rr.owner = owner;
	rr.ttl = (uint32_t)a->cfg->ttl;
	rr.u.ns = a->mname;
	msg_add(&a->msg, sec, &rr);
}

static void
add_ns(struct answer_ctx *a, const uint8_t *owner)
{
	add_ns_at(a, owner, SEC_AUTHORITY);
}

/* A reverse zone s (or its base) serves for p: the longest. */
static const struct rev_prefix *
reverse_zone(const struct snapshot *s, const struct rev_prefix *p)
{
	const struct rev_prefix *z = snap_rzone(s, p), *bz;

	if (s->base != NULL && (bz = snap_rzone(s->base, p)) != NULL &&
	    (z == NULL || bz->bits > z->bits))
		z = bz;
	return z;
}

/* Walks the names that hold an address inside prefix p, in answer order:
 * task names (the base's, then an overlay's), then the others; stops
 * after `max` and returns how many it found.  With add, each full
 * address's names are added as PTR answers owned by the query name. */
static uint32_t
reverse_names(struct answer_ctx *a, const struct snapshot *s,
    const struct rev_prefix *p, uint32_t max, bool add)
{
	/* (part, which names): 0 tasks, 1 others, 2 all. */
	const struct snapshot *part[3] = { s, s, NULL };
	int want[3] = { 0, 1, 0 };
	uint32_t found = 0;
	enum rr_kind k = p->v6 ? RK_AAAA : RK_A;
	struct msg_rr rr = { 0 };

	if (s->base != NULL) {
		part[0] = s->base; /* the base's tasks not hidden */
		part[1] = s;	   /* an overlay holds task names only */
		want[1] = 2;
		part[2] = s->base; /* the base's other names */
		want[2] = 1;
	}
	rr.type = TYPE_PTR;
	rr.owner = a->query.qname;
	rr.ttl = (uint32_t)a->cfg->ttl;
	for (int i = 0; i < 3 && part[i] != NULL && found < max; i++) {
		const struct snapshot *ps = part[i];
		uint32_t lo, hi;

		snap_ptr_range(ps, p, &lo, &hi);
		for (uint32_t e = lo; e < hi && found < max; e++) {
			uint32_t v = p->v6 ? ps->ptr6[e] : ps->ptr4[e];
			uint32_t node = snap_value_owner(ps, k, v);
			int other =
			    ps->app_of == NULL || ps->app_of[node] == SNAP_NONE;
			const uint8_t *target;

			if ((want[i] != 2 && want[i] != other) ||
			    (ps != s && snap_base_hidden(s, node)))
				continue;
			found++;
			if (!add || (target = node_wire(a, ps, node)) == NULL)
				continue;
			rr.u.ns = target;
			if (!msg_add(&a->msg, SEC_ANSWER, &rr))
				return found;
		}
	}
	return found;
}

/* The answer for a name inside a reverse zone served: SOA and NS at the
 * zone's apex, PTR for an address the zone's records hold, NODATA for
 * a prefix that holds some, NXDOMAIN with the zone's SOA for the rest. */
static uint16_t
reverse_answer(struct answer_ctx *a, const struct snapshot *s,
    const struct dns_query *q)
{
	char text[REV_NAME_MAX];
	uint8_t *apex = a->scratch + a->scratch_used;
	size_t n = reverse_name(&a->rzone, text), wlen;
	const struct rev_prefix *p = &a->rname_p;
	uint16_t qt = q->qtype;
	bool full = p->bits == (p->v6 ? 128 : 32);
	uint32_t names = 0;

	if (dname_from_text(text, n, apex, &wlen) < 0)
		return RCODE_SERVFAIL;
	a->scratch_used += wlen;
	if (a->rkind == REV_PREFIX && p->bits == a->rzone.bits) {
		if (qt == TYPE_SOA || qt == TYPE_ANY)
			add_soa_at(a, s, q->qname, SEC_ANSWER);
		if (qt == TYPE_NS || qt == TYPE_ANY)
			add_ns_at(a, q->qname, SEC_ANSWER);
	}
	if (a->rkind == REV_PREFIX)
		names = reverse_names(a, s, p,
		    full && (qt == TYPE_PTR || qt == TYPE_ANY) ? UINT32_MAX : 1,
		    full && (qt == TYPE_PTR || qt == TYPE_ANY));
	if (a->msg.n[SEC_ANSWER] == 0)
		add_soa_at(a, s, apex, SEC_AUTHORITY);
	if (names == 0 && !(a->rkind == REV_PREFIX && p->bits == a->rzone.bits))
		return RCODE_NXDOMAIN;
	return RCODE_NOERROR;
}

/* Presentation text, lowercased, ".*" removed; the wire form of that
 * key goes to a->key (the owner of A/AAAA answers). */
static size_t
lookup_key(struct answer_ctx *a, const struct dns_query *q, char *key)
{
	char text[DNAME_MAX_TEXT];
	size_t n = dname_to_text(q->qname, text, true), k = 0, wlen;
	bool removed = false;

	for (size_t i = 0; i < n; i++) {
		if (text[i] == '.' && i + 1 < n && text[i + 1] == '*') {
			i++;
			removed = true;
			continue;
		}
		key[k++] = text[i];
	}
	if (!removed) {
		memcpy(a->key, q->qname, q->qname_len);
		dname_lower(a->key);
	} else if (k == 0 || dname_from_text(key, k, a->key, &wlen) < 0) {
		memcpy(a->key, q->qname, q->qname_len);
		dname_lower(a->key);
	}
	return k;
}

bool
dns_query_hash(const uint8_t *pkt, size_t len, uint32_t *h)
{
	uint8_t name[WIRE_MAX_NAME];
	char text[DNAME_MAX_TEXT];
	size_t pos = WIRE_HEADER_SIZE, wlen, n;

	/* One question, read as the parser reads it; anything else is simply
	 * not warmed. */
	if (len <= WIRE_HEADER_SIZE || wire_read_u16(pkt + 4) != 1 ||
	    dname_parse(pkt, len, &pos, name, &wlen) < 0)
		return false;
	n = dname_to_text(name, text, true);
	/* lookup_key removes ".*": such names are not warmed. */
	if (memchr(text, '*', n) != NULL)
		return false;
	*h = snap_hash(text, n);
	return true;
}

size_t
dns_udp_limit(const struct config *c, const struct dns_query *q)
{
	size_t max = WIRE_MAX_UDP;

	if (q->has_opt && c->edns0_max_udp_size != 0) {
		if (q->udp_size > max)
			max = q->udp_size;
		if (max > (size_t)c->edns0_max_udp_size)
			max = (size_t)c->edns0_max_udp_size;
	}
	return max;
}

size_t
dns_rcode_reply(const struct dns_query *q, unsigned rcode, uint16_t opt_size,
    uint8_t *out, size_t cap)
{
	uint16_t opcode = WIRE_OPCODE(q->flags);
	uint16_t flags = (uint16_t)(WIRE_QR | opcode << 11 | (rcode & 0xf));
	size_t n;

	if (opcode == 0)
		flags |= q->flags & (WIRE_RD | WIRE_CD);
	n = msg_error_reply(out, cap, q->id, flags,
	    q->qname_len ? q->qname : NULL, q->qtype, q->qclass);
	if (opt_size != 0 && q->has_opt)
		n = msg_append_opt(out, n, cap, opt_size);
	return n;
}

static size_t
authoritative(struct answer_ctx *a, const struct snapshot *s,
    const struct dns_query *q, bool tcp, uint8_t *out, size_t cap)
{
	const struct config *c = a->cfg;
	struct msg_ctx *m = &a->msg;
	uint16_t opcode = WIRE_OPCODE(q->flags), flags, rcode = RCODE_NOERROR;
	char key[DNAME_MAX_TEXT];
	size_t klen, max = tcp ? WIRE_MAX_MSG : WIRE_MAX_UDP;
	uint32_t node;
	const struct snapshot *part = s;
	bool edns = q->has_opt && c->edns0_max_udp_size != 0;
	uint16_t qt = q->qtype;

	flags = (uint16_t)(WIRE_QR | opcode << 11 | WIRE_AA);
	if (c->recurse_on)
		flags |= WIRE_RA;
	if (opcode == 0)
		flags |= q->flags & (WIRE_RD | WIRE_CD);
	msg_begin(m, q->id, flags, q->qname, q->qtype, q->qclass);
	a->scratch_used = 0;
	if (++a->gen == 0) {
		memset(a->seen_gen, 0, sizeof a->seen_gen);
		a->gen = 1;
	}
	if (edns && q->edns_version != 0) {
		/* RFC 6891 §6.1.3: only version 0 is known. */
		struct msg_rr opt = { .type = TYPE_OPT,
			.owner = (const uint8_t *)"" };

		opt.u.opt.udp_size = (uint16_t)c->edns0_max_udp_size;
		opt.u.opt.ext_rcode = RCODE_BADVERS >> 4;
		msg_add(m, SEC_ADDITIONAL, &opt);
		return msg_finish(m, out, cap, max, c->set_truncate_bit, true);
	}
	if (a->reverse) {
		/* Names in answer order: not shuffled. */
		m->flags |= reverse_answer(a, s, q);
		goto finish;
	}
	klen = lookup_key(a, q, key);
	node = snap_find(s, key, klen, &part);
	if (node != SNAP_NONE) {
		switch (qt) {
		case TYPE_A:
			add_addresses(a, part, node, RK_A, a->key, SEC_ANSWER,
			    false);
			break;
		case TYPE_AAAA:
			add_addresses(a, part, node, RK_AAAA, a->key,
			    SEC_ANSWER, false);
			break;
		case TYPE_SRV:
			add_srv(a, part, node, q->qname);
			break;
		case TYPE_ANY:
			add_srv(a, part, node, q->qname);
			add_addresses(a, part, node, RK_A, a->key, SEC_ANSWER,
			    false);
			add_addresses(a, part, node, RK_AAAA, a->key,
			    SEC_ANSWER, false);
			break;
		default:
			break;
		}
	}
	if (qt == TYPE_SOA && a->soa_answer && is_apex(a, q->qname))
		/* Secondaries (zone transfers on) read the serial from the
		 * answer section, where RFC 1034 puts it. */
		add_soa_at(a, s, q->qname, SEC_ANSWER);
	else if (qt == TYPE_SOA || qt == TYPE_ANY)
		add_soa(a, s, q->qname);
	if (qt == TYPE_NS || qt == TYPE_ANY)
		add_ns(a, q->qname);
	if (m->n[SEC_ANSWER] == 0 && qt != TYPE_SOA && qt != TYPE_NS &&
	    qt != TYPE_SRV) {
		bool exists = node != SNAP_NONE &&
		    (snap_count(part, node, RK_A) ||
			snap_count(part, node, RK_AAAA) ||
			snap_count(part, node, RK_SRV) ||
			snap_count(part, node, RK_APSEUDO));

		if (!exists)
			rcode = RCODE_NXDOMAIN;
		add_soa(a, s, q->qname);
	}
	m->flags |= rcode;
	msg_shuffle_answers(m);
finish:
	if (edns) {
		struct msg_rr opt = { .type = TYPE_OPT,
			.owner = (const uint8_t *)"" };

		opt.u.opt.udp_size = (uint16_t)c->edns0_max_udp_size;
		msg_add(m, SEC_ADDITIONAL, &opt);
		if (!tcp)
			max = dns_udp_limit(c, q);
	}
	return msg_finish(m, out, cap, max, c->set_truncate_bit, edns);
}

/* ReverseOn: is the query name inside a reverse zone served (and not
 * inside a longer zoneResolvers zone)?  Fills a->rname_p and a->rzone. */
static bool
reverse_route(struct answer_ctx *a, const struct snapshot *s,
    const struct dns_query *q)
{
	const struct rev_prefix *z;
	char text[REV_NAME_MAX];
	size_t zlen;

	a->rkind = reverse_parse_wire(q->qname, &a->rname_p);
	if (a->rkind == REV_OUTSIDE ||
	    (z = reverse_zone(s, &a->rname_p)) == NULL)
		return false;
	a->rzone = *z;
	zlen = reverse_name(z, text) + 1; /* its wire length */
	return a->route < 0 || a->zone_lens[a->route] <= zlen;
}

enum handle_result
dns_handle(struct answer_ctx *a, const struct snapshot *s, const uint8_t *pkt,
    size_t len, bool tcp, uint8_t *out, size_t cap, size_t *outlen)
{
	struct dns_query *q = &a->query;

	switch (msg_parse_query(pkt, len, q)) {
	case PARSE_DROP:
		return HANDLE_DROP;
	case PARSE_FORMERR:
		/* ID if the header was readable, opcode QUERY, nothing else. */
		*outlen = msg_error_reply(out, cap, len >= 2 ? q->id : 0,
		    WIRE_QR | RCODE_FORMERR, NULL, 0, 0);
		return HANDLE_REPLY;
	case PARSE_NO_QUESTION:
		*outlen = dns_rcode_reply(q, RCODE_SERVFAIL,
		    (uint16_t)a->cfg->edns0_max_udp_size, out, cap);
		return HANDLE_REPLY;
	case PARSE_OK:
		break;
	}
	a->route = answer_route(a, q->qname);
	a->reverse = a->route != -2 && s != NULL && a->cfg->reverse_on &&
	    reverse_route(a, s, q);
	if (a->route != -2 && !a->reverse)
		return HANDLE_FORWARD;
	if (s == NULL) {
		*outlen = dns_rcode_reply(q, RCODE_SERVFAIL,
		    (uint16_t)a->cfg->edns0_max_udp_size, out, cap);
		return HANDLE_REPLY;
	}
	*outlen = authoritative(a, s, q, tcp, out, cap);
	return *outlen ? HANDLE_REPLY : HANDLE_DROP;
}
