/* axfr.c -- answering AXFR and IXFR requests over TCP, one message at a
 * time from one pinned snapshot (RFC 5936 §2.2: SOA first and last). */
#include "xfr/xfr.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dns/dname.h"
#include "dns/wire.h"
#include "log.h"
#include "records/snapshot.h"
#include "xfr/journal.h"
#include "xfr/serial.h"
#include "xfr/state.h"
#include "xfr/zone.h"

/* Room kept free in every message for its TSIG RR. */
#define TSIG_RESERVE 400

enum phase {
	PH_SOA,
	PH_NS,
	PH_RECORDS,
	PH_DELTAS,
	PH_LAST_SOA,
	PH_DONE
};

struct xfr_session {
	struct snapshot *snap; /**< pinned: one reference held */
	struct xmsg msg;
	struct zone_cursor cur;
	struct zone_item pending;
	bool has_pending;
	enum phase phase;
	uint16_t id, qtype;
	uint8_t qname[255];
	bool first;
	bool incremental; /**< IXFR answered from the journal */
	bool signed_;
	uint8_t mac[TSIG_MAC_LEN]; /**< the last MAC (request, then ours) */
	size_t mac_len;
	/* owner cache */
	const struct snapshot *owner_part;
	uint32_t owner_node;
	uint8_t owner[255];
	size_t owner_len;
	uint8_t target[255];
	/* IXFR */
	struct journal_walk walk;
	uint32_t messages;
};

static bool
skip_rr(const uint8_t *pkt, size_t len, size_t *pos, uint16_t *type,
    size_t *rdata)
{
	uint8_t name[255];
	size_t n;

	if (dname_parse(pkt, len, pos, name, &n) < 0 || *pos + 10 > len)
		return false;
	*type = wire_read_u16(pkt + *pos);
	*rdata = *pos + 10;
	*pos += 10 + (size_t)wire_read_u16(pkt + *pos + 8);
	return *pos <= len;
}

bool
xfr_is_transfer(const uint8_t *pkt, size_t len)
{
	uint8_t name[255];
	size_t pos = WIRE_HEADER_SIZE, n;
	uint16_t t;

	if (len < WIRE_HEADER_SIZE || (pkt[2] & 0x80) ||
	    WIRE_OPCODE(wire_read_u16(pkt + 2)) != 0 ||
	    wire_read_u16(pkt + WIRE_OFF_QDCOUNT) == 0 ||
	    dname_parse(pkt, len, &pos, name, &n) < 0 || pos + 4 > len)
		return false;
	t = wire_read_u16(pkt + pos);
	return t == TYPE_AXFR || t == TYPE_IXFR;
}

bool
xfr_parse_request(const uint8_t *pkt, size_t len, struct xfr_request *r)
{
	size_t pos = WIRE_HEADER_SIZE, n, counts[3];
	uint16_t qd;

	memset(r, 0, sizeof *r);
	if (len < WIRE_HEADER_SIZE)
		return false;
	r->id = wire_read_u16(pkt);
	r->flags = wire_read_u16(pkt + 2);
	qd = wire_read_u16(pkt + WIRE_OFF_QDCOUNT);
	counts[0] = wire_read_u16(pkt + WIRE_OFF_ANCOUNT);
	counts[1] = wire_read_u16(pkt + WIRE_OFF_NSCOUNT);
	counts[2] = wire_read_u16(pkt + WIRE_OFF_ARCOUNT);
	if ((r->flags & WIRE_QR) || WIRE_OPCODE(r->flags) != 0 || qd != 1)
		return false;
	if (dname_parse(pkt, len, &pos, r->qname, &n) < 0 || pos + 4 > len)
		return false;
	r->qtype = wire_read_u16(pkt + pos);
	r->qclass = wire_read_u16(pkt + pos + 2);
	pos += 4;
	if (r->qtype != TYPE_AXFR && r->qtype != TYPE_IXFR)
		return false;
	dname_lower(r->qname);
	for (int sec = 0; sec < 3; sec++) {
		for (size_t i = 0; i < counts[sec]; i++) {
			size_t start = pos, rd;
			uint16_t type;

			if (!skip_rr(pkt, len, &pos, &type, &rd))
				return false;
			if (sec == 1 && type == TYPE_SOA && !r->has_serial) {
				uint8_t name[255];
				size_t p = rd;

				if (dname_parse(pkt, pos, &p, name, &n) < 0 ||
				    dname_parse(pkt, pos, &p, name, &n) < 0 ||
				    p + 20 > pos)
					return false;
				r->serial = wire_read_u32(pkt + p);
				r->has_serial = true;
			}
			if (type == TYPE_TSIG) {
				/* Only as the very last RR (RFC 8945 §5.1). */
				if (sec != 2 || i + 1 != counts[sec] ||
				    !tsig_parse(pkt, len, start, &r->tsig))
					return false;
				r->has_tsig = true;
			}
		}
	}
	return pos == len;
}

/* True when off is where a label of the wire name starts. */
static bool
label_starts_at(const uint8_t *name, size_t off)
{
	size_t pos = 0;

	while (pos < off && name[pos] != 0)
		pos += (size_t)name[pos] + 1;
	return pos == off;
}

/* A reply without records: the question and rcode (and TSIG). */
static size_t
short_reply(const struct xfr_request *r, const uint8_t *pkt, unsigned rcode,
    enum tsig_error terr, uint8_t *out, size_t cap)
{
	struct xmsg m;
	size_t n;
	uint64_t now = (uint64_t)time(NULL);

	xmsg_begin(&m, out, cap, r->id, (uint16_t)(WIRE_QR | (rcode & 0xf)));
	xmsg_question(&m, r->qname, r->qtype, r->qclass);
	n = xmsg_end(&m);
	if (r->has_tsig && xfr_g.have_key) {
		size_t k = tsig_sign(&xfr_g.key, out, n, cap, r->id,
		    terr == TSIG_NOERROR || terr == TSIG_BADTIME ? r->tsig.mac :
								   NULL,
		    terr == TSIG_NOERROR || terr == TSIG_BADTIME ?
			r->tsig.mac_len :
			0,
		    false, now, terr, NULL);

		if (k > 0)
			n = k;
	}
	(void)pkt;
	return n;
}

static void
peer_text(const struct sockaddr_storage *peer, char *out)
{
	struct ipaddr a;

	if (!acl_peer_addr(peer, &a)) {
		strcpy(out, "?");
		return;
	}
	ipaddr_format(&a, out);
}

size_t
xfr_start(const uint8_t *pkt, size_t len, const struct sockaddr_storage *peer,
    uint8_t *out, size_t cap, struct xfr_session **sess)
{
	struct xfr_request r;
	struct xfr_session *s;
	char who[IPADDR_STRLEN];
	const char *what;
	uint32_t cur_serial;
	enum tsig_error terr = TSIG_NOERROR;

	*sess = NULL;
	if (!xfr_parse_request(pkt, len, &r)) {
		/* Not a transfer we can read: FORMERR, nothing echoed. */
		struct xmsg m;

		xmsg_begin(&m, out, cap, len >= 2 ? wire_read_u16(pkt) : 0,
		    WIRE_QR | RCODE_FORMERR);
		return xmsg_end(&m);
	}
	what = r.qtype == TYPE_AXFR ? "AXFR" : "IXFR";
	peer_text(peer, who);
	if (!xfr_g.transfers || !acl_match(xfr_g.acl, xfr_g.n_acl, peer)) {
		log_verbose("xfr: %s from %s refused (not in "
			    "ZoneTransferAllow)",
		    what, who);
		r.has_tsig = false;
		return short_reply(&r, pkt, RCODE_REFUSED, TSIG_NOERROR, out,
		    cap);
	}
	if (xfr_g.have_key && !r.has_tsig) {
		log_verbose("xfr: %s from %s refused (no TSIG)", what, who);
		return short_reply(&r, pkt, RCODE_REFUSED, TSIG_NOERROR, out,
		    cap);
	}
	if (r.has_tsig) {
		terr = xfr_g.have_key ? tsig_verify(&xfr_g.key, pkt, &r.tsig,
					    (uint64_t)time(NULL)) :
					TSIG_BADKEY;
		if (terr != TSIG_NOERROR) {
			log_verbose("xfr: %s from %s refused (TSIG error %u)",
			    what, who, (unsigned)terr);
			return short_reply(&r, pkt, RCODE_NOTAUTH, terr, out,
			    cap);
		}
	}
	if (r.qclass != CLASS_IN ||
	    dname_wire_len(r.qname) != xfr_g.domain_len ||
	    memcmp(r.qname, xfr_g.domain, xfr_g.domain_len) != 0) {
		log_verbose("xfr: %s from %s for another zone: NOTAUTH", what,
		    who);
		return short_reply(&r, pkt, RCODE_NOTAUTH, TSIG_NOERROR, out,
		    cap);
	}
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->snap = snapshot_acquire()) == NULL) {
		free(s);
		return short_reply(&r, pkt, RCODE_SERVFAIL, TSIG_NOERROR, out,
		    cap);
	}
	s->id = r.id;
	s->qtype = r.qtype;
	memcpy(s->qname, r.qname, dname_wire_len(r.qname));
	s->first = true;
	s->owner_part = NULL;
	if (r.has_tsig) {
		s->signed_ = true;
		memcpy(s->mac, r.tsig.mac, TSIG_MAC_LEN);
		s->mac_len = TSIG_MAC_LEN;
	}
	cur_serial = snap_serial(s->snap);
	zone_cursor_init(&s->cur, s->snap);
	s->phase = PH_SOA;
	if (r.qtype == TYPE_IXFR && r.has_serial) {
		if (!serial_lt(r.serial, cur_serial)) {
			/* Up to date (RFC 1995 §2): our SOA alone. */
			s->phase = PH_LAST_SOA;
			log_verbose("xfr: IXFR from %s at serial %u: up to "
				    "date",
			    who, r.serial);
		} else if (journal_walk_begin(&s->walk, r.serial, cur_serial)) {
			s->incremental = true;
			log_verbose("xfr: IXFR from %s: serial %u -> %u, "
				    "incremental",
			    who, r.serial, cur_serial);
		} else {
			log_verbose("xfr: IXFR from %s: serial %u -> %u, "
				    "full zone",
			    who, r.serial, cur_serial);
		}
	} else {
		log_verbose("xfr: %s from %s: serial %u", what, who,
		    cur_serial);
	}
	*sess = s;
	return xfr_next(s, out, cap);
}

/* The record of item as an RR; false when its names cannot be written
 * or the owner is outside the zone. */
static bool
item_rr(struct xfr_session *s, const struct zone_item *it, struct zone_rr *rr)
{
	const struct snapshot *p = it->part;

	if (s->owner_part != p || s->owner_node != it->node) {
		s->owner_part = p;
		s->owner_node = it->node;
		s->owner_len = zone_node_wire(p, it->node, s->owner);
		if (s->owner_len != 0 &&
		    (s->owner_len < xfr_g.domain_len ||
			memcmp(s->owner + s->owner_len - xfr_g.domain_len,
			    xfr_g.domain, xfr_g.domain_len) != 0 ||
			(s->owner_len > xfr_g.domain_len &&
			    !label_starts_at(s->owner,
				s->owner_len - xfr_g.domain_len))))
			s->owner_len = 0;
	}
	if (s->owner_len == 0)
		return false;
	memset(rr, 0, sizeof *rr);
	rr->owner = s->owner;
	rr->ttl = (uint32_t)xfr_g.cfg->ttl;
	switch (it->kind) {
	case RK_A:
		rr->type = TYPE_A;
		memcpy(rr->u.addr, &p->a[it->idx], 4);
		return true;
	case RK_AAAA:
		rr->type = TYPE_AAAA;
		memcpy(rr->u.addr, p->aaaa[it->idx].b, 16);
		return true;
	case RK_SRV:
		rr->type = TYPE_SRV;
		rr->u.srv.port = (uint16_t)p->srv[it->idx].port;
		rr->u.srv.weight = xfr_g.cfg->srv_default_weight;
		if (zone_node_wire(p, p->srv[it->idx].target, s->target) == 0)
			return false;
		rr->u.srv.target = s->target;
		return true;
	default:
		return false;
	}
}

size_t
xfr_next(struct xfr_session *s, uint8_t *out, size_t cap)
{
	struct xmsg *m = &s->msg;
	struct zone_rr rr;
	size_t limit = cap - (s->signed_ ? TSIG_RESERVE : 0), n;

	if (s->phase == PH_DONE)
		return 0;
	xmsg_begin(m, out, limit, s->id, WIRE_QR | WIRE_AA);
	if (s->first)
		xmsg_question(m, s->qname, s->qtype, CLASS_IN);
	for (;;) {
		if (s->phase == PH_SOA) {
			xfr_soa_rr(&rr, snap_serial(s->snap));
			if (!xmsg_rr(m, 1, &rr))
				break;
			s->phase = s->incremental ? PH_DELTAS : PH_NS;
		} else if (s->phase == PH_NS) {
			memset(&rr, 0, sizeof rr);
			rr.type = TYPE_NS;
			rr.owner = xfr_g.domain;
			rr.ttl = (uint32_t)xfr_g.cfg->ttl;
			rr.u.ns = xfr_g.mname;
			if (!xmsg_rr(m, 1, &rr))
				break;
			s->phase = PH_RECORDS;
		} else if (s->phase == PH_RECORDS) {
			if (!s->has_pending &&
			    !zone_cursor_next(&s->cur, &s->pending)) {
				s->phase = PH_LAST_SOA;
				continue;
			}
			s->has_pending = true;
			if (item_rr(s, &s->pending, &rr) && !xmsg_rr(m, 1, &rr))
				break;
			s->has_pending = false;
		} else if (s->phase == PH_DELTAS) {
			size_t k = journal_walk_write(&s->walk, m, &rr);

			if (k == JOURNAL_FULL)
				break;
			if (k == JOURNAL_END)
				s->phase = PH_LAST_SOA;
		} else if (s->phase == PH_LAST_SOA) {
			xfr_soa_rr(&rr, snap_serial(s->snap));
			if (!xmsg_rr(m, 1, &rr))
				break;
			s->phase = PH_DONE;
			break;
		} else {
			break;
		}
	}
	n = xmsg_end(m);
	if (m->count[1] == 0 && s->phase != PH_DONE) {
		/* Nothing fitted a whole message: cannot happen with names
		 * of at most 255 octets; end rather than loop. */
		s->phase = PH_DONE;
		return 0;
	}
	if (s->signed_) {
		size_t k = tsig_sign(&xfr_g.key, out, n, cap, s->id, s->mac,
		    s->mac_len, !s->first, (uint64_t)time(NULL), TSIG_NOERROR,
		    s->mac);

		if (k == 0) {
			s->phase = PH_DONE;
			return 0;
		}
		n = k;
	}
	s->first = false;
	s->messages++;
	return n;
}

void
xfr_session_free(struct xfr_session *s)
{
	if (s == NULL)
		return;
	journal_walk_end(&s->walk);
	snapshot_release(s->snap);
	free(s);
}
