/* engine.c -- the forwarding engine (see engine.h).
 *
 * Not on the authoritative hot path: the UDP workers hand forwarded
 * queries to the forwarder thread, and the TCP thread's engine only sees
 * names outside the domain.  Each attempt uses its own connected socket,
 * so the kernel picks a random source port and accepts replies from that
 * upstream only; the ID is random per attempt and the question must
 * match.  Failures are logged at most once per 10 s per kind.
 */
#include "fwd/engine.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cfglive.h"
#include "config.h"
#include "dns/answer.h"
#include "dns/dname.h"
#include "dns/rr.h"
#include "dns/wire.h"
#include "fwd/cache.h"
#include "fwd/slots.h"
#include "log.h"
#include "metrics/metrics.h"
#include "util/clock.h"
#include "util/hostport.h"

#define FWD_LOG_MS 10000 /* one failure line per kind per 10 s */
/* Descriptors left to everything else (TCP clients, HTTP, libcurl,
 * ZooKeeper, host look-ups): half the limit, up to this many. */
#define FD_RESERVE_MAX 1024

/* One upstream resolver. */
struct upstream {
	struct sockaddr_storage addr;
	socklen_t len;
	char text[64];
	int metric; /* series index (metrics_upstream_index) */
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
	bool tcp;	 /* transport of the current attempt */
	bool tc_retried; /* this upstream was already asked over TCP */
	uint16_t client_id, up_id;
	uint16_t qtype, qclass;
	uint8_t qname[WIRE_MAX_NAME]; /* lowercased, for matching */
	size_t qname_len;
	uint8_t *query; /* copy of the client's query */
	size_t query_len;
	size_t client_limit; /* largest UDP reply the client takes */
	int route;
	size_t upstream; /* index in the route's list */
	int fd;
	int64_t deadline;
	int64_t attempt_t0; /* when the current attempt was sent */
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
	struct pend *pend;	     /* fwd_capacity() entries */
	struct free_stack free_pend; /* unused pend[]; the rest are in flight */
	uint8_t rnd[256];	     /* getrandom() bytes for query IDs (up to
				   256 bytes a call is never cut short) */
	size_t rnd_used;
	int64_t next_deadline;	       /* no pending query expires before this:
				   fwd_expire scans the table only then */
	uint8_t buf[WIRE_MAX_MSG + 2]; /* UDP receive and reply assembly */
	int64_t timeout_ms;
};

/* ---- the descriptor budget, shared by every engine ---- */

static pthread_once_t budget_once = PTHREAD_ONCE_INIT;
static size_t budget;
static atomic_size_t sockets_open;

/* Descriptors open now (those of /proc/self/fd, less the directory's). */
static size_t
fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	if (d == NULL)
		return 0;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 0; /* ".", ".." and the directory */
}

static void
budget_init(void)
{
	struct rlimit rl;
	size_t soft = 1024, reserve, used = fds_open();

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		soft = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1U << 30 ?
		    1U << 30 :
		    (size_t)rl.rlim_cur;
	reserve = soft / 2 < FD_RESERVE_MAX ? soft / 2 : FD_RESERVE_MAX;
	budget = soft > reserve + used ? soft - reserve - used : 0;
	if (budget > 2 * FWD_MAX_PENDING)
		budget = 2 * FWD_MAX_PENDING;
	log_verbose("forwarding: at most %zu upstream sockets (descriptor "
		    "limit %zu, %zu open, %zu kept in reserve)",
	    budget, soft, used, reserve);
}

size_t
fwd_socket_budget(void)
{
	pthread_once(&budget_once, budget_init);
	return budget;
}

/* A socket within the budget; -1 with errno EMFILE when it is spent. */
static int
budget_socket(int family, int type)
{
	int fd;

	if (atomic_fetch_add(&sockets_open, 1) >= budget) {
		atomic_fetch_sub(&sockets_open, 1);
		errno = EMFILE;
		return -1;
	}
	if ((fd = socket(family, type, 0)) < 0)
		atomic_fetch_sub(&sockets_open, 1);
	return fd;
}

static void
budget_close(int fd)
{
	close(fd); /* also leaves the epoll set: never dup'ed */
	atomic_fetch_sub(&sockets_open, 1);
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
		} else if (inet_pton(AF_INET6, hp.host, &sin6->sin6_addr) ==
		    1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)port);
			u->len = sizeof *sin6;
		} else {
			continue;
		}
		snprintf(u->text, sizeof u->text, "%s", l->v[i]);
		u->metric = metrics_upstream_index(u->text);
		out->n++;
	}
	return 0;
}

/* The route lists of cfg, into deflt and zones (none without
 * ExternalOn); -1 when memory is short, nothing allocated then. */
static int
routes_of(const struct config *cfg, struct route_list *deflt,
    struct route_list **zones, size_t *n_zones)
{
	*deflt = (struct route_list){ 0 };
	*zones = NULL;
	*n_zones = 0;
	if (!cfg->external_on)
		return 0;
	if (parse_upstreams(&cfg->resolvers, deflt) < 0)
		return -1;
	*zones = calloc(cfg->n_zone_resolvers + 1, sizeof **zones);
	if (*zones == NULL)
		goto fail;
	for (size_t i = 0; i < cfg->n_zone_resolvers; i++) {
		if (parse_upstreams(&cfg->zone_resolvers[i].resolvers,
			&(*zones)[i]) < 0)
			goto fail;
		*n_zones = i + 1;
	}
	*n_zones = cfg->n_zone_resolvers;
	return 0;
fail:
	free(deflt->v);
	for (size_t i = 0; *zones != NULL && i < *n_zones; i++)
		free((*zones)[i].v);
	free(*zones);
	return -1;
}

static void
routes_free(struct fwd_engine *e)
{
	free(e->deflt.v);
	for (size_t i = 0; i < e->n_zones; i++)
		free(e->zones[i].v);
	free(e->zones);
	e->deflt = (struct route_list){ 0 };
	e->zones = NULL;
	e->n_zones = 0;
}

struct fwd_engine *
fwd_engine_new(const struct config *cfg, int epoll_fd, struct fwd_cache *cache)
{
	struct fwd_engine *e = calloc(1, sizeof *e);
	size_t cap;

	if (e == NULL)
		return NULL;
	e->cfg = cfglive_hold(cfg);
	e->epoll_fd = epoll_fd;
	e->cache = cache;
	e->timeout_ms = (cfg->timeout > 0 ? cfg->timeout : 5) * 1000;
	cap = fwd_socket_budget();
	if (cap > FWD_MAX_PENDING)
		cap = FWD_MAX_PENDING;
	/* Slots are set up when taken (fwd_submit), not here: calloc's
	 * pages stay untouched until the load goes that deep. */
	if ((e->pend = calloc(cap ? cap : 1, sizeof *e->pend)) == NULL ||
	    !free_stack_init(&e->free_pend, cap))
		goto fail;
	e->rnd_used = sizeof e->rnd;
	if (routes_of(cfg, &e->deflt, &e->zones, &e->n_zones) < 0)
		goto fail;
	return e;
fail:
	fwd_engine_free(e);
	return NULL;
}

void
fwd_engine_follow(struct fwd_engine *e)
{
	const struct config *c;
	struct route_list deflt, *zones;
	size_t n_zones;

	if (cfglive_generation() == e->cfg->generation)
		return;
	if ((c = cfglive_acquire()) == NULL)
		return;
	if (routes_of(c, &deflt, &zones, &n_zones) < 0) {
		/* The old upstreams keep serving; the next query tries
		 * again. */
		log_error_every(FWD_LOG_MS,
		    "forwarder: out of memory applying the new resolvers");
		cfglive_release(c);
		return;
	}
	/* Queries in flight keep their socket; a retry takes its upstream
	 * from the new lists (route_of and start_attempt check bounds). */
	routes_free(e);
	e->deflt = deflt;
	e->zones = zones;
	e->n_zones = n_zones;
	e->timeout_ms = (c->timeout > 0 ? c->timeout : 5) * 1000;
	cfglive_release(e->cfg);
	e->cfg = c;
	log_verbose("forwarder: now %zu resolvers and %zu zones", deflt.n,
	    n_zones);
}

static void
pend_close(struct pend *p)
{
	if (p->fd >= 0) {
		budget_close(p->fd);
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
	for (size_t i = 0; e->pend && i < e->free_pend.cap; i++)
		if (e->pend[i].used)
			pend_free(e, &e->pend[i]);
	free(e->pend);
	free_stack_fini(&e->free_pend);
	routes_free(e);
	cfglive_release(e->cfg);
	free(e);
}

size_t
fwd_pending(const struct fwd_engine *e)
{
	return e->free_pend.cap - e->free_pend.n;
}

size_t
fwd_capacity(const struct fwd_engine *e)
{
	return e->free_pend.cap;
}

/* The cache key of p. */
static struct fwd_cache_key
cache_key(const struct pend *p)
{
	return (struct fwd_cache_key){ .qname = p->qname,
		.qname_len = p->qname_len,
		.qtype = p->qtype,
		.qclass = p->qclass,
		.opt = p->client_opt,
		.dnssec_ok = p->client_do,
		.cd = p->client_cd };
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
truncated_reply(const struct fwd_engine *e, const struct pend *p, uint8_t *out,
    size_t len, size_t cap)
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
		const struct upstream *u =
		    &route_of(e, p->route)->v[p->upstream];
		size_t limit = e->cfg->edns0_max_udp_size == 0 ?
		    fwd_udp_limit(out, len) :
		    p->client_limit;

		struct fwd_cache_key k = cache_key(p);

		metrics_upstream_latency(metrics_self, u->metric,
		    metrics_clock_us() - p->attempt_t0);
		fwd_cache_store(e->cache, &k, out, len);
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

/* The current upstream failed (cause FWD_FAIL_COUNT: already counted):
 * the next one, or SERVFAIL after the last. */
static void
next_upstream(struct fwd_engine *e, struct pend *p, const char *why,
    enum metrics_fwd_failure cause)
{
	const struct route_list *r = route_of(e, p->route);

	if (cause != FWD_FAIL_COUNT) /* else start_attempt counted it */
		metrics_upstream_failure(metrics_self, r->v[p->upstream].metric,
		    cause);
	log_error_every(FWD_LOG_MS, "forwarding to %s failed: %s",
	    p->upstream < r->n ? r->v[p->upstream].text : "an old resolver",
	    why);
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
	const struct route_list *r = route_of(e, p->route);
	const struct upstream *u;
	struct epoll_event ev = { 0 };
	uint16_t id;
	int fd;

	/* Past the end only after a reload shortened the list. */
	if (p->upstream >= r->n)
		return false;
	u = &r->v[p->upstream];

	id = random_id(e);
	p->up_id = id;
	wire_write_u16(p->query + WIRE_OFF_ID, id);
	fd = budget_socket(u->addr.ss_family,
	    (p->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		metrics_upstream_failure(metrics_self, u->metric,
		    FWD_FAIL_NO_SOCKET);
		log_error_every(FWD_LOG_MS,
		    "forwarding: no socket for %s (%s), "
		    "answering SERVFAIL",
		    u->text,
		    errno == EMFILE ? "descriptor budget or limit reached" :
				      strerror(errno));
		return false;
	}
	if (connect(fd, (const struct sockaddr *)&u->addr, u->len) < 0 &&
	    errno != EINPROGRESS) {
		budget_close(fd);
		metrics_upstream_failure(metrics_self, u->metric,
		    FWD_FAIL_NETWORK);
		return false;
	}
	p->fd = fd;
	p->deadline = clock_ms() + e->timeout_ms;
	p->attempt_t0 = metrics_clock_us();
	metrics_upstream_request(metrics_self, u->metric);
	if (p->deadline < e->next_deadline)
		e->next_deadline = p->deadline;
	ev.data.u32 = FWD_EVENT_BASE | (uint32_t)(p - e->pend);
	if (p->tcp) {
		ev.events = EPOLLOUT;
	} else {
		if (send(fd, p->query, p->query_len, 0) < 0) {
			metrics_upstream_failure(metrics_self, u->metric,
			    errno == ECONNREFUSED ? FWD_FAIL_REFUSED :
						    FWD_FAIL_NETWORK);
			budget_close(fd);
			p->fd = -1;
			return false;
		}
		ev.events = EPOLLIN;
	}
	if (epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		budget_close(fd);
		p->fd = -1;
		metrics_upstream_failure(metrics_self, u->metric,
		    FWD_FAIL_NETWORK);
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
	struct fwd_cache_key key;
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
	key = cache_key(&probe);
	if ((n = fwd_cache_lookup(e->cache, &key, out, cap)) > 0) {
		uint16_t flags = wire_read_u16(out + WIRE_OFF_FLAGS);

		/* This client's ID, question spelling (0x20) and RD/CD. */
		wire_write_u16(out + WIRE_OFF_ID, q->id);
		flags = (uint16_t)((flags & ~(WIRE_RD | WIRE_CD)) |
		    (q->flags & (WIRE_RD | WIRE_CD)));
		wire_write_u16(out + WIRE_OFF_FLAGS, flags);
		/* The cache keeps only replies whose question is written
		 * out at offset 12 with this length. */
		memcpy(out + WIRE_HEADER_SIZE, q->qname, q->qname_len);
		if (!client_tcp && n > probe.client_limit)
			n = truncated_reply(e, &probe, out, n, cap);
		return n;
	}
	if (e->free_pend.n > 0)
		p = &e->pend[e->free_pend.v[e->free_pend.n - 1]];
	if (p == NULL || (probe.query = malloc(len)) == NULL) {
		log_error_every(FWD_LOG_MS,
		    "forwarding: %zu queries in flight, "
		    "answering SERVFAIL",
		    fwd_pending(e));
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
	struct rr_iter it;
	struct rr q;

	if (!rr_iter_init(&it, r, len, RR_STRICT) ||
	    wire_read_u16(r + WIRE_OFF_ID) != p->up_id ||
	    !(wire_read_u16(r + WIRE_OFF_FLAGS) & WIRE_QR) ||
	    rr_next(&it, &q) != RR_NEXT || q.section != RR_QUESTION)
		return false;
	dname_lower(q.name);
	return q.name_len == p->qname_len &&
	    memcmp(q.name, p->qname, q.name_len) == 0 && q.type == p->qtype &&
	    q.class == p->qclass;
}

static void
udp_readable(struct fwd_engine *e, struct pend *p)
{
	for (;;) {
		ssize_t n = recv(p->fd, e->buf, sizeof e->buf, 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			next_upstream(e, p, strerror(errno), FWD_FAIL_NETWORK);
			return;
		}
		if (!reply_matches(p, e->buf, (size_t)n))
			continue; /* not ours: keep waiting */
		if ((wire_read_u16(e->buf + WIRE_OFF_FLAGS) & WIRE_TC) &&
		    !p->tc_retried) {
			/* Truncated: the same upstream again over TCP. */
			pend_close(p);
			p->tcp = true;
			p->tc_retried = true;
			if (!start_attempt(e, p))
				next_upstream(e, p, "TCP retry failed",
				    FWD_FAIL_COUNT);
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
			next_upstream(e, p, err ? strerror(err) : "connect",
			    err == ECONNREFUSED ? FWD_FAIL_REFUSED :
						  FWD_FAIL_NETWORK);
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
				next_upstream(e, p, strerror(errno),
				    FWD_FAIL_NETWORK);
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
		next_upstream(e, p, "out of memory", FWD_FAIL_NETWORK);
		return;
	}
	for (;;) {
		ssize_t k =
		    read(p->fd, p->rbuf + p->rlen, WIRE_MAX_MSG + 2 - p->rlen);
		size_t want;

		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (k <= 0) {
			next_upstream(e, p,
			    k == 0 ? "connection closed" : strerror(errno),
			    k == 0 ? FWD_FAIL_CLOSED : FWD_FAIL_NETWORK);
			return;
		}
		p->rlen += (size_t)k;
		if (p->rlen < 2)
			continue;
		want = (size_t)p->rbuf[0] << 8 | p->rbuf[1];
		if (p->rlen < 2 + want)
			continue;
		if (!reply_matches(p, p->rbuf + 2, want)) {
			next_upstream(e, p, "reply does not match the query",
			    FWD_FAIL_MISMATCH);
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

	if (slot >= e->free_pend.cap)
		return;
	p = &e->pend[slot];
	if (!p->used || p->fd < 0)
		return;
	if (p->tcp)
		tcp_event(e, p, events);
	else if (events & EPOLLERR)
		next_upstream(e, p, "connection refused", FWD_FAIL_REFUSED);
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
	for (size_t i = 0; i < e->free_pend.cap; i++) {
		struct pend *p = &e->pend[i];

		if (p->used && p->deadline <= now)
			next_upstream(e, p, "timed out", FWD_FAIL_TIMEOUT);
		if (p->used && p->deadline < e->next_deadline)
			e->next_deadline = p->deadline;
	}
}

size_t
fwd_udp_limit(const uint8_t *reply, size_t len)
{
	struct rr_iter it;
	struct rr rr;
	size_t max = WIRE_MAX_UDP;

	/* A malformed tail keeps what was found before it. */
	rr_iter_init(&it, reply, len, RR_STRICT);
	while (rr_next(&it, &rr) == RR_NEXT)
		if (rr.section != RR_QUESTION && rr.type == TYPE_OPT)
			max = rr.class;
	return max;
}

const struct config *
fwd_engine_config(const struct fwd_engine *e)
{
	return e->cfg;
}
