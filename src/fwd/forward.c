/* forward.c -- the forwarding engine, its cache and the UDP forwarder
 * thread (see forward.h).
 *
 * Not on the authoritative hot path: a UDP worker only copies a forwarded
 * query into the forwarder's queue, and the forwarder thread runs at
 * background priority, so that on a saturated core forwarded names are
 * shed (queue or table full: SERVFAIL) before answers slow down.  Each
 * attempt uses its own connected socket, so the kernel picks a random
 * source port and accepts replies from that upstream only; the ID is
 * random per attempt and the question must match.  Failures are logged at most once per 10 s per kind.
 */
#include "fwd/forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "config.h"
#include "dns/answer.h"
#include "dns/dname.h"
#include "dns/wire.h"
#include "log.h"
#include "util/clock.h"
#include "util/hostport.h"
#include "util/priority.h"

/* Queries in flight per engine: a 500 ms upstream then still passes
 * ~16k answers a second; beyond it SERVFAIL at once. */
#define FWD_MAX_PENDING 8192
#define FWD_LOG_MS 10000	/* one failure line per kind per 10 s */

/* Unused entries of a table of FWD_MAX_PENDING, as a stack of indices:
 * taken and given back in O(1), and the table's pages are touched only
 * as deep as the load has ever gone. */
struct free_stack {
	uint16_t v[FWD_MAX_PENDING];
	size_t n;
};

/* Every entry free; entry 0 is taken first. */
static void
free_stack_fill(struct free_stack *f)
{
	for (size_t i = 0; i < FWD_MAX_PENDING; i++)
		f->v[i] = (uint16_t)(FWD_MAX_PENDING - 1 - i);
	f->n = FWD_MAX_PENDING;
}

/* One upstream resolver. */
struct upstream {
	struct sockaddr_storage addr;
	socklen_t len;
	char text[64];
};

/* The resolvers of one route: the default list or one zone's. */
struct route_list {
	struct upstream *v;
	size_t n;
};

/* A query in flight. */
struct pend {
	bool used;
	bool client_tcp, client_opt, client_do, client_cd;
	bool tcp;		/* transport of the current attempt */
	bool tc_retried;	/* this upstream was already asked over TCP */
	uint16_t client_id, up_id;
	uint16_t qtype, qclass;
	uint8_t qname[WIRE_MAX_NAME];	/* lowercased, for matching */
	size_t qname_len;
	uint8_t *query;		/* copy of the client's query */
	size_t query_len;
	size_t client_limit;	/* largest UDP reply the client takes */
	int route;
	size_t upstream;	/* index in the route's list */
	int fd;
	int64_t deadline;
	/* TCP attempt: bytes of the length-prefixed query sent so far, and
	 * the reply being read. */
	size_t sent;
	uint8_t *rbuf;
	size_t rlen;
	fwd_done_fn done;
	void *ctx;
};

struct fwd_engine {
	const struct config *cfg;
	int epoll_fd;
	struct fwd_cache *cache;
	struct route_list deflt;
	struct route_list *zones;
	size_t n_zones;
	struct pend pend[FWD_MAX_PENDING];
	struct free_stack free_pend;	/* unused pend[]; the rest are in flight */
	uint8_t rnd[256];	/* getrandom() bytes for query IDs (up to
				   256 bytes a call is never cut short) */
	size_t rnd_used;
	int64_t next_deadline;	/* no pending query expires before this:
				   fwd_expire scans the table only then */
	uint8_t buf[WIRE_MAX_MSG + 2];	/* UDP receive and reply assembly */
	int64_t timeout_ms;
};

struct fwd_cache *fwd_shared_cache;

/* ---- the cache ---- */

struct cache_entry {
	struct cache_entry *lru_prev, *lru_next;
	struct cache_entry *hnext;
	uint32_t hash;
	uint16_t qtype, qclass;
	bool opt, dnssec_ok, cd;
	uint8_t qname[WIRE_MAX_NAME];
	size_t qname_len;
	uint8_t *reply;
	size_t len;
	uint16_t *ttl_at;	/* offsets of every TTL field but OPT's */
	size_t n_ttl;
	int64_t stored_ms, expires_ms;
};

struct fwd_cache {
	pthread_mutex_t lock;
	struct cache_entry **table;
	size_t mask, n, max;
	struct cache_entry *lru_head, *lru_tail;	/* head = newest */
};

static uint32_t
cache_hash(const uint8_t *name, size_t len, uint16_t type, uint16_t class,
    bool opt, bool dnssec_ok)
{
	uint32_t h = 0x811c9dc5U ^ type ^ (uint32_t)class << 16 ^
	    (uint32_t)opt << 30 ^ (uint32_t)dnssec_ok << 31;

	for (size_t i = 0; i < len; i++)
		h = (h ^ name[i]) * 0x01000193U;
	return h;
}

struct fwd_cache *
fwd_cache_new(size_t entries)
{
	struct fwd_cache *c;
	size_t cap = 16;

	if (entries == 0)
		return NULL;
	while (cap < entries * 2)
		cap *= 2;
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->table = calloc(cap, sizeof *c->table)) == NULL) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->mask = cap - 1;
	c->max = entries;
	return c;
}

static void
cache_unlink(struct fwd_cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = &c->table[e->hash & c->mask];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
	c->n--;
	free(e->reply);
	free(e->ttl_at);
	free(e);
}

void
fwd_cache_free(struct fwd_cache *c)
{
	if (c == NULL)
		return;
	while (c->lru_head)
		cache_unlink(c, c->lru_head);
	free(c->table);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Walks the RRs of a reply; records every TTL offset (OPT excluded) and
 * the TTL the cache may keep it for: the smallest TTL, or for a negative
 * answer the SOA's min(TTL, MINIMUM).  -1 when it must not be cached. */
static long
reply_ttls(const uint8_t *r, size_t len, uint16_t *ttl_at, size_t max_ttl,
    size_t *n_ttl)
{
	size_t pos = WIRE_HEADER_SIZE, counts[3];
	uint16_t flags = wire_read_u16(r + WIRE_OFF_FLAGS);
	unsigned rcode = flags & 0xf, qd = wire_read_u16(r + WIRE_OFF_QDCOUNT);
	long best = -1, neg = -1;
	uint8_t name[WIRE_MAX_NAME];
	size_t nlen;

	*n_ttl = 0;
	if ((flags & WIRE_TC) || (rcode != RCODE_NOERROR &&
	    rcode != RCODE_NXDOMAIN))
		return -1;
	counts[0] = wire_read_u16(r + WIRE_OFF_ANCOUNT);
	counts[1] = wire_read_u16(r + WIRE_OFF_NSCOUNT);
	counts[2] = wire_read_u16(r + WIRE_OFF_ARCOUNT);
	for (unsigned i = 0; i < qd; i++) {
		if (dname_parse(r, len, &pos, name, &nlen) < 0 || pos + 4 > len)
			return -1;
		pos += 4;
	}
	for (int s = 0; s < 3; s++) {
		for (size_t i = 0; i < counts[s]; i++) {
			uint16_t type, rdlen;
			uint32_t ttl;

			if (dname_parse(r, len, &pos, name, &nlen) < 0 ||
			    pos + 10 > len)
				return -1;
			type = wire_read_u16(r + pos);
			ttl = wire_read_u32(r + pos + 4);
			rdlen = wire_read_u16(r + pos + 8);
			if (pos + 10 + rdlen > len)
				return -1;
			if (type != TYPE_OPT) {
				if (*n_ttl == max_ttl)
					return -1;
				ttl_at[(*n_ttl)++] = (uint16_t)(pos + 4);
				if (best < 0 || (long)ttl < best)
					best = (long)ttl;
				if (s == 1 && type == TYPE_SOA && rdlen >= 22) {
					uint32_t minimum = wire_read_u32(r + pos +
					    10 + rdlen - 4);

					neg = (long)(minimum < ttl ? minimum : ttl);
				}
			}
			pos += 10 + rdlen;
		}
	}
	if (counts[0] == 0 || rcode == RCODE_NXDOMAIN)
		return neg;	/* negative: only with an SOA (RFC 2308) */
	return best;
}

static struct cache_entry *
cache_find(struct fwd_cache *c, const struct pend *p, uint32_t h)
{
	for (struct cache_entry *e = c->table[h & c->mask]; e; e = e->hnext)
		if (e->hash == h && e->qtype == p->qtype &&
		    e->qclass == p->qclass && e->opt == p->client_opt &&
		    e->dnssec_ok == p->client_do && e->cd == p->client_cd &&
		    e->qname_len == p->qname_len &&
		    memcmp(e->qname, p->qname, p->qname_len) == 0)
			return e;
	return NULL;
}

static void
cache_store(struct fwd_cache *c, const struct pend *p, const uint8_t *reply,
    size_t len)
{
	uint16_t ttl_at[512];
	size_t n_ttl;
	long ttl = reply_ttls(reply, len, ttl_at, 512, &n_ttl);
	uint32_t h = cache_hash(p->qname, p->qname_len, p->qtype, p->qclass,
	    p->client_opt, p->client_do);
	struct cache_entry *e;

	if (c == NULL || ttl <= 0)
		return;
	if ((e = calloc(1, sizeof *e)) == NULL ||
	    (e->reply = malloc(len)) == NULL ||
	    (e->ttl_at = malloc((n_ttl + 1) * sizeof *e->ttl_at)) == NULL) {
		if (e)
			free(e->reply);
		free(e);
		return;
	}
	memcpy(e->reply, reply, len);
	memcpy(e->ttl_at, ttl_at, n_ttl * sizeof *ttl_at);
	e->len = len;
	e->n_ttl = n_ttl;
	e->hash = h;
	e->qtype = p->qtype;
	e->qclass = p->qclass;
	e->opt = p->client_opt;
	e->dnssec_ok = p->client_do;
	e->cd = p->client_cd;
	memcpy(e->qname, p->qname, p->qname_len);
	e->qname_len = p->qname_len;
	e->stored_ms = clock_ms();
	e->expires_ms = e->stored_ms + ttl * 1000;
	pthread_mutex_lock(&c->lock);
	{
		struct cache_entry *old = cache_find(c, p, h);

		if (old)
			cache_unlink(c, old);
	}
	while (c->n >= c->max && c->lru_tail)
		cache_unlink(c, c->lru_tail);
	e->hnext = c->table[h & c->mask];
	c->table[h & c->mask] = e;
	e->lru_next = c->lru_head;
	if (c->lru_head)
		c->lru_head->lru_prev = e;
	c->lru_head = e;
	if (c->lru_tail == NULL)
		c->lru_tail = e;
	c->n++;
	pthread_mutex_unlock(&c->lock);
}

/* A cached reply for p with TTLs aged by the time spent in the cache;
 * its length, or 0 on a miss. */
static size_t
cache_lookup(struct fwd_cache *c, const struct pend *p, uint8_t *out,
    size_t cap)
{
	uint32_t h = cache_hash(p->qname, p->qname_len, p->qtype, p->qclass,
	    p->client_opt, p->client_do);
	struct cache_entry *e;
	size_t len = 0;
	int64_t now = clock_ms();

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->lock);
	if ((e = cache_find(c, p, h)) != NULL) {
		if (e->expires_ms <= now || e->len > cap) {
			cache_unlink(c, e);
		} else {
			uint32_t age = (uint32_t)((now - e->stored_ms) / 1000);

			memcpy(out, e->reply, e->len);
			len = e->len;
			for (size_t i = 0; i < e->n_ttl; i++) {
				uint32_t t = wire_read_u32(out + e->ttl_at[i]);

				wire_write_u32(out + e->ttl_at[i],
				    t > age ? t - age : 0);
			}
			/* Most recently used first. */
			if (e != c->lru_head) {
				e->lru_prev->lru_next = e->lru_next;
				if (e->lru_next)
					e->lru_next->lru_prev = e->lru_prev;
				else
					c->lru_tail = e->lru_prev;
				e->lru_prev = NULL;
				e->lru_next = c->lru_head;
				c->lru_head->lru_prev = e;
				c->lru_head = e;
			}
		}
	}
	pthread_mutex_unlock(&c->lock);
	return len;
}

/* ---- the engine ---- */

static int
parse_upstreams(const struct strv *l, struct route_list *out)
{
	out->v = calloc(l->n + 1, sizeof *out->v);
	out->n = 0;
	if (out->v == NULL)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		struct hostport hp;
		struct upstream *u = &out->v[out->n];
		struct sockaddr_in *sin = (struct sockaddr_in *)&u->addr;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&u->addr;
		int port;

		if (hostport_split(l->v[i], &hp, true) < 0)
			continue;
		port = hp.has_port ? hp.port : 53;
		if (inet_pton(AF_INET, hp.host, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)port);
			u->len = sizeof *sin;
		} else if (inet_pton(AF_INET6, hp.host, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)port);
			u->len = sizeof *sin6;
		} else {
			continue;
		}
		snprintf(u->text, sizeof u->text, "%s", l->v[i]);
		out->n++;
	}
	return 0;
}

struct fwd_engine *
fwd_engine_new(const struct config *cfg, int epoll_fd, struct fwd_cache *cache)
{
	struct fwd_engine *e = calloc(1, sizeof *e);

	if (e == NULL)
		return NULL;
	e->cfg = cfg;
	e->epoll_fd = epoll_fd;
	e->cache = cache;
	e->timeout_ms = (cfg->timeout > 0 ? cfg->timeout : 5) * 1000;
	/* Slots are set up when taken (fwd_submit), not here. */
	free_stack_fill(&e->free_pend);
	e->rnd_used = sizeof e->rnd;
	if (cfg->external_on) {
		if (parse_upstreams(&cfg->resolvers, &e->deflt) < 0)
			goto fail;
		e->zones = calloc(cfg->n_zone_resolvers + 1, sizeof *e->zones);
		if (e->zones == NULL)
			goto fail;
		for (size_t i = 0; i < cfg->n_zone_resolvers; i++)
			if (parse_upstreams(&cfg->zone_resolvers[i].resolvers,
			    &e->zones[i]) < 0)
				goto fail;
		e->n_zones = cfg->n_zone_resolvers;
	}
	return e;
fail:
	fwd_engine_free(e);
	return NULL;
}

static void
pend_close(struct pend *p)
{
	if (p->fd >= 0) {
		close(p->fd);	/* also leaves the epoll set: never dup'ed */
		p->fd = -1;
	}
	free(p->rbuf);
	p->rbuf = NULL;
	p->rlen = 0;
	p->sent = 0;
}

static void
pend_free(struct fwd_engine *e, struct pend *p)
{
	pend_close(p);
	free(p->query);
	p->query = NULL;
	p->used = false;
	e->free_pend.v[e->free_pend.n++] = (uint16_t)(p - e->pend);
}

void
fwd_engine_free(struct fwd_engine *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < FWD_MAX_PENDING; i++)
		if (e->pend[i].used)
			pend_free(e, &e->pend[i]);
	free(e->deflt.v);
	for (size_t i = 0; i < e->n_zones; i++)
		free(e->zones[i].v);
	free(e->zones);
	free(e);
}

size_t
fwd_pending(const struct fwd_engine *e)
{
	return FWD_MAX_PENDING - e->free_pend.n;
}

static const struct route_list *
route_of(const struct fwd_engine *e, int route)
{
	if (route >= 0 && (size_t)route < e->n_zones)
		return &e->zones[route];
	return &e->deflt;
}

/* Appends our OPT to a header-only reply when the client sent EDNS0
 * (RFC 6891 §7; not with EDNS0MaxUDPSize 0, the original's shape). */
static size_t
with_opt(const struct fwd_engine *e, const struct pend *p, uint8_t *out,
    size_t n, size_t cap)
{
	if (!p->client_opt || e->cfg->edns0_max_udp_size == 0)
		return n;
	return msg_append_opt(out, n, cap,
	    (uint16_t)e->cfg->edns0_max_udp_size);
}

/* The header-and-question reply of the original's SetRcode. */
static size_t
rcode_reply(const struct fwd_engine *e, const struct pend *p, unsigned rcode,
    uint8_t *out, size_t cap)
{
	uint16_t qflags = wire_read_u16(p->query + WIRE_OFF_FLAGS);
	uint16_t opcode = WIRE_OPCODE(qflags);
	uint16_t flags = (uint16_t)(WIRE_QR | opcode << 11 | rcode);
	uint8_t qname[WIRE_MAX_NAME];
	size_t pos = WIRE_HEADER_SIZE, n;

	if (opcode == 0)
		flags |= qflags & (WIRE_RD | WIRE_CD);
	if (dname_parse(p->query, p->query_len, &pos, qname, &n) < 0)
		n = msg_error_reply(out, cap, p->client_id, flags, NULL, 0, 0);
	else
		n = msg_error_reply(out, cap, p->client_id, flags, qname,
		    p->qtype, p->qclass);
	return with_opt(e, p, out, n, cap);
}

/* A reply too big for the client's transport becomes its header and
 * question with TC (and an OPT when the client sent one), so that the
 * client asks again over TCP; returns the new length. */
static size_t
truncated_reply(const struct fwd_engine *e, const struct pend *p,
    uint8_t *out, size_t len, size_t cap)
{
	uint16_t flags = wire_read_u16(out + WIRE_OFF_FLAGS);
	uint8_t qname[WIRE_MAX_NAME];
	size_t pos = WIRE_HEADER_SIZE, nl, n;

	if (e->cfg->set_truncate_bit)
		flags |= WIRE_TC;
	if (dname_parse(out, len, &pos, qname, &nl) == 0)
		n = msg_error_reply(out, cap, p->client_id, flags, qname,
		    p->qtype, p->qclass);
	else
		n = msg_error_reply(out, cap, p->client_id, flags, NULL, 0, 0);
	/* RFC 6891 §7: OPT also on a truncated answer. */
	return with_opt(e, p, out, n, cap);
}

static void
finish(struct fwd_engine *e, struct pend *p, const uint8_t *reply, size_t len)
{
	uint8_t *out = e->buf;
	size_t n = len;

	if (len > 0 && reply != out)
		memcpy(out, reply, len);
	wire_write_u16(out + WIRE_OFF_ID, p->client_id);
	if (len == 0) {
		n = rcode_reply(e, p, RCODE_SERVFAIL, out, sizeof e->buf);
	} else {
		size_t limit = e->cfg->edns0_max_udp_size == 0 ?
		    fwd_udp_limit(out, len) : p->client_limit;

		cache_store(e->cache, p, out, len);
		if (!p->client_tcp && len > limit)
			n = truncated_reply(e, p, out, len, sizeof e->buf);
		if (!e->cfg->set_truncate_bit)
			wire_write_u16(out + WIRE_OFF_FLAGS,
			    (uint16_t)(wire_read_u16(out + WIRE_OFF_FLAGS) &
			    ~WIRE_TC));
	}
	p->done(p->ctx, out, n);
	pend_free(e, p);
}

static bool start_attempt(struct fwd_engine *e, struct pend *p);

/* The current upstream failed: the next one, or SERVFAIL after the last. */
static void
next_upstream(struct fwd_engine *e, struct pend *p, const char *why)
{
	const struct route_list *r = route_of(e, p->route);

	log_error_every(FWD_LOG_MS, "forwarding to %s failed: %s",
	    r->v[p->upstream].text, why);
	pend_close(p);
	p->tc_retried = false;
	p->tcp = p->client_tcp;
	while (++p->upstream < r->n)
		if (start_attempt(e, p))
			return;
	finish(e, p, NULL, 0);
}

/* A random query ID; getrandom() is asked for many at a time. */
static uint16_t
random_id(struct fwd_engine *e)
{
	uint16_t id;

	if (e->rnd_used + sizeof id > sizeof e->rnd) {
		if (getrandom(e->rnd, sizeof e->rnd, 0) != sizeof e->rnd)
			return (uint16_t)(clock_us() * 2654435761U);
		e->rnd_used = 0;
	}
	memcpy(&id, e->rnd + e->rnd_used, sizeof id);
	e->rnd_used += sizeof id;
	return id;
}

static bool
start_attempt(struct fwd_engine *e, struct pend *p)
{
	const struct upstream *u = &route_of(e, p->route)->v[p->upstream];
	struct epoll_event ev = { 0 };
	uint16_t id;
	int fd;

	id = random_id(e);
	p->up_id = id;
	wire_write_u16(p->query + WIRE_OFF_ID, id);
	fd = socket(u->addr.ss_family, (p->tcp ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (const struct sockaddr *)&u->addr, u->len) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return false;
	}
	p->fd = fd;
	p->deadline = clock_ms() + e->timeout_ms;
	if (p->deadline < e->next_deadline)
		e->next_deadline = p->deadline;
	ev.data.u32 = FWD_EVENT_BASE | (uint32_t)(p - e->pend);
	if (p->tcp) {
		ev.events = EPOLLOUT;
	} else {
		if (send(fd, p->query, p->query_len, 0) < 0) {
			close(fd);
			p->fd = -1;
			return false;
		}
		ev.events = EPOLLIN;
	}
	if (epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		p->fd = -1;
		return false;
	}
	return true;
}

size_t
fwd_submit(struct fwd_engine *e, const struct dns_query *q, int route,
    const uint8_t *pkt, size_t len, bool client_tcp, fwd_done_fn done,
    void *ctx, uint8_t *out, size_t cap)
{
	const struct route_list *r = route_of(e, route);
	struct pend *p = NULL, probe = { 0 };
	size_t n;

	probe.client_id = q->id;
	probe.qtype = q->qtype;
	probe.qclass = q->qclass;
	probe.client_opt = q->has_opt;
	probe.client_do = q->do_bit;
	probe.client_tcp = client_tcp;
	memcpy(probe.qname, q->qname, q->qname_len);
	probe.qname_len = q->qname_len;
	dname_lower(probe.qname);
	probe.query = (uint8_t *)(uintptr_t)pkt;
	probe.query_len = len;
	if (r->n == 0)
		return rcode_reply(e, &probe, RCODE_REFUSED, out, cap);
	/* The client's EDNS0 size, capped as our own answers are. */
	probe.client_limit = dns_udp_limit(e->cfg, q);
	probe.client_cd = (q->flags & WIRE_CD) != 0;
	if ((n = cache_lookup(e->cache, &probe, out, cap)) > 0) {
		uint16_t flags = wire_read_u16(out + WIRE_OFF_FLAGS);

		/* This client's ID, question spelling (0x20) and RD/CD. */
		wire_write_u16(out + WIRE_OFF_ID, q->id);
		flags = (uint16_t)((flags & ~(WIRE_RD | WIRE_CD)) |
		    (q->flags & (WIRE_RD | WIRE_CD)));
		wire_write_u16(out + WIRE_OFF_FLAGS, flags);
		if (wire_read_u16(out + WIRE_OFF_QDCOUNT) >= 1 &&
		    n >= WIRE_HEADER_SIZE + q->qname_len)
			memcpy(out + WIRE_HEADER_SIZE, q->qname, q->qname_len);
		if (!client_tcp && n > probe.client_limit)
			n = truncated_reply(e, &probe, out, n, cap);
		return n;
	}
	if (e->free_pend.n > 0)
		p = &e->pend[e->free_pend.v[e->free_pend.n - 1]];
	if (p == NULL || (probe.query = malloc(len)) == NULL) {
		log_error_every(FWD_LOG_MS, "forwarding: %d queries in flight, "
		    "answering SERVFAIL", FWD_MAX_PENDING);
		probe.query = (uint8_t *)(uintptr_t)pkt;
		return rcode_reply(e, &probe, RCODE_SERVFAIL, out, cap);
	}
	memcpy(probe.query, pkt, len);
	e->free_pend.n--;
	*p = probe;
	p->used = true;
	p->fd = -1;
	p->route = route;
	p->tcp = client_tcp;
	p->done = done;
	p->ctx = ctx;
	for (p->upstream = 0; p->upstream < r->n; p->upstream++)
		if (start_attempt(e, p))
			return 0;
	/* Not one socket could be opened: answer now. */
	n = rcode_reply(e, p, RCODE_SERVFAIL, out, cap);
	pend_free(e, p);
	return n;
}

/* A reply that answers p: its ID and question. */
static bool
reply_matches(const struct pend *p, const uint8_t *r, size_t len)
{
	uint8_t name[WIRE_MAX_NAME];
	size_t pos = WIRE_HEADER_SIZE, nlen;

	if (len < WIRE_HEADER_SIZE || wire_read_u16(r + WIRE_OFF_ID) != p->up_id ||
	    !(wire_read_u16(r + WIRE_OFF_FLAGS) & WIRE_QR) ||
	    wire_read_u16(r + WIRE_OFF_QDCOUNT) < 1)
		return false;
	if (dname_parse(r, len, &pos, name, &nlen) < 0 || pos + 4 > len)
		return false;
	dname_lower(name);
	return nlen == p->qname_len && memcmp(name, p->qname, nlen) == 0 &&
	    wire_read_u16(r + pos) == p->qtype &&
	    wire_read_u16(r + pos + 2) == p->qclass;
}

static void
udp_readable(struct fwd_engine *e, struct pend *p)
{
	for (;;) {
		ssize_t n = recv(p->fd, e->buf, sizeof e->buf, 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			next_upstream(e, p, strerror(errno));
			return;
		}
		if (!reply_matches(p, e->buf, (size_t)n))
			continue;	/* not ours: keep waiting */
		if ((wire_read_u16(e->buf + WIRE_OFF_FLAGS) & WIRE_TC) &&
		    !p->tc_retried) {
			/* Truncated: the same upstream again over TCP. */
			pend_close(p);
			p->tcp = true;
			p->tc_retried = true;
			if (!start_attempt(e, p))
				next_upstream(e, p, "TCP retry failed");
			return;
		}
		finish(e, p, e->buf, (size_t)n);
		return;
	}
}

static void
tcp_event(struct fwd_engine *e, struct pend *p, uint32_t events)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (p->sent < p->query_len + 2) {
		uint8_t prefix[2];
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
		int err = 0;
		socklen_t elen = sizeof err;
		ssize_t k;

		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 ||
		    err != 0) {
			next_upstream(e, p, err ? strerror(err) : "connect");
			return;
		}
		wire_write_u16(prefix, (uint16_t)p->query_len);
		iov[0].iov_base = prefix + (p->sent < 2 ? p->sent : 2);
		iov[0].iov_len = p->sent < 2 ? 2 - p->sent : 0;
		iov[1].iov_base = p->query + (p->sent > 2 ? p->sent - 2 : 0);
		iov[1].iov_len = p->query_len - (p->sent > 2 ? p->sent - 2 : 0);
		k = sendmsg(p->fd, &mh, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno != EAGAIN && errno != EINTR)
				next_upstream(e, p, strerror(errno));
			return;
		}
		p->sent += (size_t)k;
		if (p->sent == p->query_len + 2) {
			ev.data.u32 = FWD_EVENT_BASE | (uint32_t)(p - e->pend);
			epoll_ctl(e->epoll_fd, EPOLL_CTL_MOD, p->fd, &ev);
		}
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	if (p->rbuf == NULL && (p->rbuf = malloc(WIRE_MAX_MSG + 2)) == NULL) {
		next_upstream(e, p, "out of memory");
		return;
	}
	for (;;) {
		ssize_t k = read(p->fd, p->rbuf + p->rlen,
		    WIRE_MAX_MSG + 2 - p->rlen);
		size_t want;

		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (k <= 0) {
			next_upstream(e, p, k == 0 ? "connection closed" :
			    strerror(errno));
			return;
		}
		p->rlen += (size_t)k;
		if (p->rlen < 2)
			continue;
		want = (size_t)p->rbuf[0] << 8 | p->rbuf[1];
		if (p->rlen < 2 + want)
			continue;
		if (!reply_matches(p, p->rbuf + 2, want)) {
			next_upstream(e, p, "reply does not match the query");
			return;
		}
		finish(e, p, p->rbuf + 2, want);
		return;
	}
}

void
fwd_event(struct fwd_engine *e, uint32_t data, uint32_t events)
{
	uint32_t slot = data & ~FWD_EVENT_BASE;
	struct pend *p;

	if (slot >= FWD_MAX_PENDING)
		return;
	p = &e->pend[slot];
	if (!p->used || p->fd < 0)
		return;
	if (p->tcp)
		tcp_event(e, p, events);
	else if (events & EPOLLERR)
		next_upstream(e, p, "connection refused");
	else
		udp_readable(e, p);
}

void
fwd_expire(struct fwd_engine *e)
{
	int64_t now = clock_ms();

	if (fwd_pending(e) == 0 || now < e->next_deadline)
		return;
	/* Deadlines set meanwhile (next_upstream) lower it again. */
	e->next_deadline = INT64_MAX;
	for (size_t i = 0; i < FWD_MAX_PENDING; i++) {
		struct pend *p = &e->pend[i];

		if (p->used && p->deadline <= now)
			next_upstream(e, p, "timed out");
		if (p->used && p->deadline < e->next_deadline)
			e->next_deadline = p->deadline;
	}
}

size_t
fwd_udp_limit(const uint8_t *reply, size_t len)
{
	size_t pos = WIRE_HEADER_SIZE;
	unsigned qd, counts;
	uint8_t name[WIRE_MAX_NAME];
	size_t nlen, max = WIRE_MAX_UDP;

	if (len < WIRE_HEADER_SIZE)
		return max;
	qd = wire_read_u16(reply + WIRE_OFF_QDCOUNT);
	counts = (unsigned)wire_read_u16(reply + WIRE_OFF_ANCOUNT) +
	    wire_read_u16(reply + WIRE_OFF_NSCOUNT) +
	    wire_read_u16(reply + WIRE_OFF_ARCOUNT);
	for (unsigned i = 0; i < qd; i++) {
		if (dname_parse(reply, len, &pos, name, &nlen) < 0 ||
		    pos + 4 > len)
			return max;
		pos += 4;
	}
	for (unsigned i = 0; i < counts; i++) {
		if (dname_parse(reply, len, &pos, name, &nlen) < 0 ||
		    pos + 10 > len)
			return max;
		if (wire_read_u16(reply + pos) == TYPE_OPT)
			max = wire_read_u16(reply + pos + 2);
		pos += 10 + wire_read_u16(reply + pos + 8);
	}
	return max;
}

/* ---- the UDP forwarder thread ---- */

#define QUEUE_SLOTS 1024
#define QUEUE_BATCH 64		/* queries taken between epoll waits */
#define QUEUE_QUERY_MAX 4096

/* A query handed over by a UDP worker, and where its reply goes. */
struct queued {
	struct dns_query q;
	int route;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	size_t len;
	uint8_t pkt[QUEUE_QUERY_MAX];
};

/* The client of a query in flight. */
struct udp_client {
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
};

static struct {
	pthread_mutex_t lock;
	struct queued *ring;
	size_t head, count;
	int epoll_fd, wake_fd;
	pthread_t thread;
	bool started;
	atomic_bool stopping;
	struct fwd_engine *engine;
	struct udp_client clients[FWD_MAX_PENDING];
	struct free_stack free_clients;
	uint8_t out[WIRE_MAX_MSG];
} fu = { .lock = PTHREAD_MUTEX_INITIALIZER, .epoll_fd = -1, .wake_fd = -1 };

bool
fwd_udp_enqueue(const struct dns_query *q, int route, const uint8_t *pkt,
    size_t len, int fd, const struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	struct queued *slot;
	uint64_t one = 1;
	bool wake, full;

	if (len > QUEUE_QUERY_MAX)
		return false;
	pthread_mutex_lock(&fu.lock);
	if (!fu.started || fu.count == QUEUE_SLOTS) {
		full = fu.started;
		pthread_mutex_unlock(&fu.lock);
		/* Outside the lock: a blocked stderr must not hold up the
		 * other workers. */
		if (full)
			log_error_every(FWD_LOG_MS, "forwarding: %d queries "
			    "queued, answering SERVFAIL", QUEUE_SLOTS);
		return false;
	}
	slot = &fu.ring[(fu.head + fu.count) % QUEUE_SLOTS];
	slot->q = *q;
	slot->route = route;
	slot->fd = fd;
	slot->peer = *peer;
	slot->peerlen = peerlen;
	slot->len = len;
	memcpy(slot->pkt, pkt, len);
	/* The forwarder keeps draining, turn after turn, until it finds the
	 * queue empty: only the first query after that needs to wake it. */
	wake = fu.count++ == 0;
	pthread_mutex_unlock(&fu.lock);
	if (wake && write(fu.wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_error_every(FWD_LOG_MS, "forwarder wake-up: %s",
		    strerror(errno));
	return true;
}

static void
udp_done(void *ctx, const uint8_t *reply, size_t len)
{
	struct udp_client *c = ctx;

	if (sendto(c->fd, reply, len, 0, (const struct sockaddr *)&c->peer,
	    c->peerlen) < 0)
		log_error_every(FWD_LOG_MS, "forwarded reply to a client: %s",
		    strerror(errno));
	fu.free_clients.v[fu.free_clients.n++] = (uint16_t)(c - fu.clients);
}

/* Takes up to QUEUE_BATCH queued queries into the engine, so that
 * replies and timeouts are seen between batches however fast the queue
 * fills; true when more are waiting. */
static bool
drain_queue(void)
{
	for (int taken = 0;; taken++) {
		struct queued item;
		struct udp_client *c;
		size_t n;

		pthread_mutex_lock(&fu.lock);
		if (fu.count == 0 || taken == QUEUE_BATCH) {
			bool more = fu.count > 0;

			pthread_mutex_unlock(&fu.lock);
			return more;
		}
		/* Copy out, so that the workers are not held up meanwhile. */
		item.q = fu.ring[fu.head].q;
		item.route = fu.ring[fu.head].route;
		item.fd = fu.ring[fu.head].fd;
		item.peer = fu.ring[fu.head].peer;
		item.peerlen = fu.ring[fu.head].peerlen;
		item.len = fu.ring[fu.head].len;
		memcpy(item.pkt, fu.ring[fu.head].pkt, item.len);
		fu.head = (fu.head + 1) % QUEUE_SLOTS;
		/* Empty: start again at slot 0, so that the ring's pages are
		 * touched only as deep as bursts have gone. */
		if (--fu.count == 0)
			fu.head = 0;
		pthread_mutex_unlock(&fu.lock);
		if (fu.free_clients.n == 0) {
			n = dns_rcode_reply(&item.q, RCODE_SERVFAIL,
			    (uint16_t)fu.engine->cfg->edns0_max_udp_size, fu.out,
			    sizeof fu.out);
			sendto(item.fd, fu.out, n, 0,
			    (const struct sockaddr *)&item.peer, item.peerlen);
			continue;
		}
		c = &fu.clients[fu.free_clients.v[--fu.free_clients.n]];
		c->fd = item.fd;
		c->peer = item.peer;
		c->peerlen = item.peerlen;
		n = fwd_submit(fu.engine, &item.q, item.route, item.pkt,
		    item.len, false, udp_done, c, fu.out, sizeof fu.out);
		if (n > 0)
			udp_done(c, fu.out, n);
	}
}

static void *
fwd_udp_main(void *arg)
{
	struct epoll_event evs[64];
	bool more = false;

	(void)arg;
	pthread_setname_np(pthread_self(), "mdns-forward");
	/* Under full load the authoritative answers come first: the
	 * forwarder then sheds (SERVFAIL) rather than take their core. */
	if (!priority_lower_thread(PRIORITY_BACKGROUND))
		log_verbose("forwarder: cannot lower its thread's priority");
	while (!atomic_load(&fu.stopping)) {
		int n = epoll_wait(fu.epoll_fd, evs, 64, more ? 0 :
		    fwd_pending(fu.engine) ? 50 : 500);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == 0) {
				uint64_t v;

				if (read(fu.wake_fd, &v, sizeof v) < 0 &&
				    errno != EAGAIN)
					log_error_every(FWD_LOG_MS, "forwarder "
					    "wake-up: %s", strerror(errno));
			} else {
				fwd_event(fu.engine, evs[i].data.u32,
				    evs[i].events);
			}
		}
		/* Every turn, not only after a wake-up: a batch may have left
		 * queries behind (and those queued meanwhile sent no wake-up),
		 * and a lost wake-up must not strand the queue. */
		more = drain_queue();
		fwd_expire(fu.engine);
	}
	return NULL;
}

int
fwd_udp_start(const struct config *cfg, struct fwd_cache *cache, char *err,
    size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 0 };

	atomic_store(&fu.stopping, false);
	fu.head = fu.count = 0;
	free_stack_fill(&fu.free_clients);
	if ((fu.ring = calloc(QUEUE_SLOTS, sizeof *fu.ring)) == NULL ||
	    (fu.epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (fu.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    epoll_ctl(fu.epoll_fd, EPOLL_CTL_ADD, fu.wake_fd, &ev) < 0 ||
	    (fu.engine = fwd_engine_new(cfg, fu.epoll_fd, cache)) == NULL ||
	    pthread_create(&fu.thread, NULL, fwd_udp_main, NULL) != 0) {
		snprintf(err, errlen, "failed to start the forwarder: %s",
		    strerror(errno));
		fwd_udp_stop();
		return -1;
	}
	pthread_mutex_lock(&fu.lock);
	fu.started = true;
	pthread_mutex_unlock(&fu.lock);
	return 0;
}

void
fwd_udp_stop(void)
{
	uint64_t one = 1;

	pthread_mutex_lock(&fu.lock);
	bool was_started = fu.started;

	fu.started = false;	/* workers stop queueing from here */
	pthread_mutex_unlock(&fu.lock);
	if (was_started) {
		atomic_store(&fu.stopping, true);
		if (write(fu.wake_fd, &one, sizeof one) < 0)
			log_error("forwarder: cannot wake: %s", strerror(errno));
		pthread_join(fu.thread, NULL);
	}
	fwd_engine_free(fu.engine);
	fu.engine = NULL;
	if (fu.epoll_fd >= 0)
		close(fu.epoll_fd);
	if (fu.wake_fd >= 0)
		close(fu.wake_fd);
	fu.epoll_fd = fu.wake_fd = -1;
	free(fu.ring);
	fu.ring = NULL;
}
