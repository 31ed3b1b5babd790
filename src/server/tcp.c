/* tcp.c -- DNS over TCP on one epoll thread.
 *
 * The original's limits are kept: 2 s for the first query, 8 s idle
 * between queries, at most 128 queries per connection, replies in order.
 * Connections are bounded (the oldest idle one makes room for a new
 * client) and every socket is non-blocking, so a slow or half-open client
 * costs a slot, never a thread, and UDP runs on its own threads anyway.
 * The bound is also a share of the descriptor limit, so that clients
 * cannot take the descriptors the forwarder, curl and ZooKeeper need; if
 * accept() still finds none (EMFILE, ENFILE), the listener rests for
 * 100 ms to 1 s instead of waking the level-triggered loop again at once.
 */
#include "server/tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cfglive.h"
#include "config.h"
#include "dns/answer.h"
#include "fwd/cache.h"
#include "fwd/engine.h"
#include "log.h"
#include "metrics/metrics.h"
#include "records/snapshot.h"
#include "util/clock.h"
#include "xfr/xfr.h"

#define TCP_MAX_CONNS 512
#define TCP_FIRST_MS 2000
#define TCP_IDLE_MS 8000
#define TCP_MAX_QUERIES 128
#define TCP_IN_CAP (2 + 65535)
#define TCP_OUT_CAP (2 + 65535)
#define TCP_XFR_BURST 8 /* transfer messages per turn of the loop */
#define TCP_MIN_CONNS 16
#define TCP_FD_SHARE 4 /* at most 1/4 of the descriptor limit */
#define TCP_BACKOFF_MIN_MS 100
#define TCP_BACKOFF_MAX_MS 1000
#define TCP_LISTEN_SLOT UINT32_MAX

struct conn {
	int fd;
	int64_t deadline;
	unsigned queries;
	size_t in_len;
	size_t out_len, out_off; /* pending reply bytes */
	uint8_t in[TCP_IN_CAP];
	uint8_t out[TCP_OUT_CAP];
	struct sockaddr_storage peer;
	socklen_t peerlen;
	bool closing;		 /* flush, then close */
	bool forwarding;	 /* a forwarded query is in flight */
	int64_t forward_t0;	 /* when it came in (metrics clock) */
	struct xfr_session *xfr; /* a zone transfer being written */
	uint32_t id;		 /* tells a reused slot apart */
};

static pthread_t thread;
static bool started;
static int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
static atomic_bool stopping;
static struct conn *conns[TCP_MAX_CONNS];
static struct answer_ctx *actx;
static struct fwd_engine *engine;
static uint32_t next_conn_id;
static int max_conns;		  /* TCP_MAX_CONNS or the descriptor share */
static int64_t listen_resume_ms;  /* 0: listening; else when to again */
static int64_t listen_backoff_ms; /* the last rest, doubled while it fails */

/* Connections allowed: TCP_MAX_CONNS, or a quarter of the descriptor limit
 * when that is less (256 descriptors: 64 connections). */
static int
conns_allowed(void)
{
	struct rlimit rl;
	rlim_t share;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return TCP_MAX_CONNS;
	share = rl.rlim_cur / TCP_FD_SHARE;
	if (share < TCP_MIN_CONNS)
		return TCP_MIN_CONNS;
	return share < TCP_MAX_CONNS ? (int)share : TCP_MAX_CONNS;
}

/* No descriptor for a new client: stop polling the listener for a while
 * (pending clients wait in the kernel's backlog meanwhile). */
static void
listen_pause(int err)
{
	struct epoll_event ev = { .events = 0, .data.u32 = TCP_LISTEN_SLOT };
	int open = 0;

	for (int i = 0; i < TCP_MAX_CONNS; i++)
		open += conns[i] != NULL;
	listen_backoff_ms = listen_backoff_ms == 0     ? TCP_BACKOFF_MIN_MS :
	    listen_backoff_ms * 2 > TCP_BACKOFF_MAX_MS ? TCP_BACKOFF_MAX_MS :
							 listen_backoff_ms * 2;
	listen_resume_ms = clock_ms() + listen_backoff_ms;
	epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
	log_error_every(10000,
	    "tcp: accept: %s; not accepting for %lld ms (%d of %d connections "
	    "open)",
	    strerror(err), (long long)listen_backoff_ms, open, max_conns);
}

/* Polls the listener again once its rest is over. */
static void
listen_resume(int64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN,
		.data.u32 = TCP_LISTEN_SLOT };

	if (listen_resume_ms == 0 || now < listen_resume_ms)
		return;
	listen_resume_ms = 0;
	epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
}

static void
conn_close(int slot)
{
	struct conn *c = conns[slot];

	if (c == NULL)
		return;
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	xfr_session_free(c->xfr);
	free(c);
	conns[slot] = NULL;
}

static void
conn_accept(void)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		int fd = accept4(listen_fd, (struct sockaddr *)&peer, &plen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		int slot = -1, oldest = -1;
		struct conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				listen_pause(errno);
			return;
		}
		listen_backoff_ms = 0;
		for (int i = 0; i < max_conns; i++) {
			if (conns[i] == NULL) {
				slot = i;
				break;
			}
			if (oldest < 0 ||
			    conns[i]->deadline < conns[oldest]->deadline)
				oldest = i;
		}
		if (slot < 0) {
			/* Full: the connection closest to its timeout goes. */
			conn_close(oldest);
			slot = oldest;
		}
		if ((c = calloc(1, sizeof *c)) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->id = ++next_conn_id;
		c->peer = peer;
		c->peerlen = plen;
		c->deadline = clock_ms() + TCP_FIRST_MS;
		conns[slot] = c;
		ev.data.u32 = (uint32_t)slot;
		epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
	}
}

/* Writes what is pending; false when the connection is finished. */
static bool
conn_flush(int slot)
{
	struct conn *c = conns[slot];
	struct epoll_event ev = { .data.u32 = (uint32_t)slot };
	int burst = 0;

	for (;;) {
		size_t n;

		while (c->out_off < c->out_len) {
			ssize_t k = write(c->fd, c->out + c->out_off,
			    c->out_len - c->out_off);

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0 && errno == EAGAIN) {
				ev.events = EPOLLOUT;
				epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
				return true;
			}
			if (k <= 0)
				return false;
			c->out_off += (size_t)k;
		}
		c->out_off = c->out_len = 0;
		if (c->xfr == NULL)
			break;
		/* A transfer: the next message once the last one is out,
		 * a few per turn so that other clients are served too. */
		c->deadline = clock_ms() + TCP_IDLE_MS;
		if (++burst > TCP_XFR_BURST) {
			ev.events = EPOLLOUT;
			epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
			return true;
		}
		n = xfr_next(c->xfr, c->out + 2, TCP_OUT_CAP - 2);
		if (n == 0) {
			xfr_session_free(c->xfr);
			c->xfr = NULL;
			break;
		}
		c->out[0] = (uint8_t)(n >> 8);
		c->out[1] = (uint8_t)n;
		c->out_len = n + 2;
	}
	if (c->closing)
		return false;
	ev.events = EPOLLIN;
	epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
	return true;
}

static bool conn_process(int slot);

/* The QTYPE of a transfer request (xfr_is_transfer said it is one). */
static uint16_t
transfer_qtype(const uint8_t *q, size_t len)
{
	size_t pos = WIRE_HEADER_SIZE;

	while (pos < len && q[pos] != 0 && q[pos] < 64)
		pos += (size_t)q[pos] + 1;
	return pos + 2 < len ? (uint16_t)(q[pos + 1] << 8 | q[pos + 2]) : 0;
}

/* Queues a reply of n bytes already in c->out + 2 and starts writing it. */
static bool
conn_reply(int slot, size_t n)
{
	struct conn *c = conns[slot];

	c->out[0] = (uint8_t)(n >> 8);
	c->out[1] = (uint8_t)n;
	c->out_len = n + 2;
	c->out_off = 0;
	metrics_response(metrics_self, c->out + 2, n);
	return conn_flush(slot);
}

/* A forwarded query's reply: to its connection if that is still open. */
static void
forward_done(void *ctx, const uint8_t *reply, size_t len)
{
	uintptr_t v = (uintptr_t)ctx;
	int slot = (int)(v & 0xffff);
	struct conn *c = conns[slot];

	if (c == NULL || ((uintptr_t)c->id << 16 | (uintptr_t)slot) != v ||
	    !c->forwarding)
		return;
	c->forwarding = false;
	c->deadline = clock_ms() + TCP_IDLE_MS;
	metrics_duration(metrics_self, METRICS_FORWARDED,
	    metrics_clock_us() - c->forward_t0, 1);
	memcpy(c->out + 2, reply, len);
	if (!conn_reply(slot, len) || !conn_process(slot))
		conn_close(slot);
}

/* Answers every complete query in the input buffer, one reply at a time
 * (the next is read only when the previous one is written). */
static bool
conn_process(int slot)
{
	struct conn *c = conns[slot];

	while (c->out_len == 0 && !c->forwarding && c->xfr == NULL &&
	    c->in_len >= 2) {
		size_t qlen = (size_t)c->in[0] << 8 | c->in[1], outlen = 0;
		const struct snapshot *s;
		enum handle_result r;
		int64_t t0 = metrics_clock_us();
		enum metrics_path path = METRICS_AUTHORITATIVE;

		if (qlen == 0)
			return false; /* the original closes on a zero length */
		if (c->in_len < 2 + qlen)
			break;
		if (xfr_is_transfer(c->in + 2, qlen)) {
			metrics_request(metrics_self, METRICS_TCP,
			    transfer_qtype(c->in + 2, qlen));
			outlen = xfr_start(c->in + 2, qlen, &c->peer,
			    c->out + 2, TCP_OUT_CAP - 2, &c->xfr);
			r = HANDLE_REPLY;
		} else {
			snapshot_read_lock();
			s = snapshot_current();
			answer_use(actx, cfglive_current());
			r = dns_handle(actx, s, c->in + 2, qlen, true,
			    c->out + 2, TCP_OUT_CAP - 2, &outlen);
			snapshot_read_unlock();
			if (r != HANDLE_DROP)
				metrics_request(metrics_self, METRICS_TCP,
				    actx->query.qtype);
		}
		if (r == HANDLE_FORWARD) {
			uintptr_t ctx =
			    (uintptr_t)c->id << 16 | (uintptr_t)slot;

			c->forwarding = true;
			fwd_engine_follow(engine);
			c->forward_t0 = t0;
			path = METRICS_FORWARDED;
			outlen = fwd_submit(engine, &actx->query, actx->route,
			    c->in + 2, qlen, true, forward_done, (void *)ctx,
			    c->out + 2, TCP_OUT_CAP - 2);
			if (outlen > 0)
				c->forwarding = false;
			r = HANDLE_REPLY;
		}
		memmove(c->in, c->in + 2 + qlen, c->in_len - 2 - qlen);
		c->in_len -= 2 + qlen;
		c->queries++;
		c->deadline = clock_ms() + TCP_IDLE_MS;
		if (c->queries >= TCP_MAX_QUERIES)
			c->closing = true;
		if (r == HANDLE_REPLY && outlen > 0) {
			bool ok = conn_reply(slot, outlen);

			metrics_duration(metrics_self, path,
			    metrics_clock_us() - t0, 1);
			if (!ok)
				return false;
		} else if (c->closing && !c->forwarding) {
			return false;
		}
	}
	return true;
}

static bool
conn_read(int slot)
{
	struct conn *c = conns[slot];

	for (;;) {
		ssize_t k;

		if (c->forwarding) {
			/* Nothing more is read until the upstream answers
			 * (replies go in order); forward_done() flushes the
			 * reply, which asks for input again. */
			struct epoll_event ev = { .events = 0,
				.data.u32 = (uint32_t)slot };

			epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
			return true;
		}
		if (c->in_len == TCP_IN_CAP)
			return conn_process(slot);
		k = read(c->fd, c->in + c->in_len, TCP_IN_CAP - c->in_len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			return conn_process(slot);
		if (k <= 0)
			return false;
		c->in_len += (size_t)k;
		if (!conn_process(slot))
			return false;
		if (c->out_len > 0)
			return true; /* wait for the reply to drain */
	}
}

static void *
tcp_main(void *arg)
{
	struct epoll_event evs[64];

	(void)arg;
	pthread_setname_np(pthread_self(), "mdns-tcp");
	metrics_thread_start();
	while (!atomic_load(&stopping)) {
		int wait_ms = 250, n;
		int64_t now;

		if (listen_resume_ms != 0) {
			int64_t left = listen_resume_ms - clock_ms();

			wait_ms = left < 0 ? 0 : left < 250 ? (int)left : 250;
		}
		n = epoll_wait(epoll_fd, evs, 64, wait_ms);
		now = clock_ms();
		listen_resume(now);

		for (int i = 0; i < n; i++) {
			uint32_t slot = evs[i].data.u32;

			if (slot == TCP_LISTEN_SLOT) {
				conn_accept();
				continue;
			}
			if (slot == UINT32_MAX - 1)
				continue;
			if (slot >= FWD_EVENT_BASE) {
				fwd_event(engine, slot, evs[i].events);
				continue;
			}
			if (conns[slot] == NULL)
				continue;
			/* A reset or closed connection: epoll reports it even
			 * while nothing is asked for (a pending forward). */
			if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
				conn_close((int)slot);
				continue;
			}
			if (evs[i].events & EPOLLOUT) {
				if (!conn_flush((int)slot) ||
				    !conn_process((int)slot))
					conn_close((int)slot);
			} else if (!conn_read((int)slot)) {
				conn_close((int)slot);
			}
		}
		fwd_expire(engine);
		/* A connection waiting for an upstream is not idle. */
		for (int i = 0; i < TCP_MAX_CONNS; i++)
			if (conns[i] != NULL && !conns[i]->forwarding &&
			    conns[i]->deadline < now)
				conn_close(i);
	}
	for (int i = 0; i < TCP_MAX_CONNS; i++)
		conn_close(i);
	metrics_thread_stop();
	return NULL;
}

int
tcp_start(const struct config *c, const struct sockaddr_storage *addr,
    socklen_t addrlen, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t seed = 0;
	int one = 1;

	atomic_store(&stopping, false);
	max_conns = conns_allowed();
	listen_resume_ms = listen_backoff_ms = 0;
	if (getrandom(&seed, sizeof seed, 0) < 0)
		seed = 0x51ed270b27a1f5c3ULL;
	if ((actx = answer_new(c, seed, err, errlen)) == NULL)
		return -1;
	listen_fd = socket(addr->ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 ||
	    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) <
		0 ||
	    bind(listen_fd, (const struct sockaddr *)addr, addrlen) < 0 ||
	    listen(listen_fd, 1024) < 0) {
		snprintf(err, errlen,
		    "failed to setup \"tcp\" server: listen "
		    "tcp %s:%lld: %s",
		    c->listener, (long long)c->port, strerror(errno));
		goto fail;
	}
	if ((epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "failed to setup \"tcp\" server: %s",
		    strerror(errno));
		goto fail;
	}
	if ((engine = fwd_engine_new(c, epoll_fd, fwd_shared_cache)) == NULL) {
		snprintf(err, errlen,
		    "failed to setup \"tcp\" server: out of "
		    "memory");
		goto fail;
	}
	ev.data.u32 = TCP_LISTEN_SLOT;
	epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev);
	ev.data.u32 = UINT32_MAX - 1;
	epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
	if (pthread_create(&thread, NULL, tcp_main, NULL) != 0) {
		snprintf(err, errlen,
		    "failed to setup \"tcp\" server: cannot "
		    "start its thread");
		goto fail;
	}
	started = true;
	return 0;
fail:
	if (listen_fd >= 0)
		close(listen_fd);
	if (epoll_fd >= 0)
		close(epoll_fd);
	if (wake_fd >= 0)
		close(wake_fd);
	listen_fd = epoll_fd = wake_fd = -1;
	fwd_engine_free(engine);
	engine = NULL;
	answer_delete(actx);
	actx = NULL;
	return -1;
}

void
tcp_stop(void)
{
	uint64_t one = 1;

	if (!started)
		return;
	atomic_store(&stopping, true);
	if (write(wake_fd, &one, sizeof one) < 0)
		log_error("tcp: cannot wake the thread: %s", strerror(errno));
	pthread_join(thread, NULL);
	fwd_engine_free(engine);
	engine = NULL;
	close(listen_fd);
	close(epoll_fd);
	close(wake_fd);
	listen_fd = epoll_fd = wake_fd = -1;
	answer_delete(actx);
	actx = NULL;
	started = false;
}
