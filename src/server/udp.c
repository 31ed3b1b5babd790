/* udp.c -- the UDP hot path.
 *
 * Each worker owns a socket (SO_REUSEPORT spreads clients over them), an
 * answer context and its batch buffers; packets are read and written in
 * batches of up to UDP_BATCH with recvmmsg/sendmmsg and answered inside
 * one RCU read section per batch.  Answering (authoritative names)
 * allocates nothing, takes no lock and makes no system call other than the
 * socket I/O; a name to forward is copied into the forwarder's queue, which
 * takes its lock and writes its eventfd.  With RRLResponsesPerSecond, each
 * response (or forwarded query) first asks the worker's own rate limiter
 * (rrl.c) whether to send it, drop it, or send an empty truncated reply.
 */
#include "server/udp.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cfglive.h"
#include "config.h"
#include "dns/answer.h"
#include "fwd/udp.h"
#include "log.h"
#include "metrics/metrics.h"
#include "records/snapshot.h"
#include "server/rrl.h"
#include "util/clock.h"

#define UDP_BATCH 64

struct udp_worker {
	pthread_t thread;
	int fd;
	bool started;
	size_t in_cap, out_cap;
	uint8_t *in;  /* UDP_BATCH * in_cap */
	uint8_t *out; /* UDP_BATCH * out_cap */
	struct sockaddr_storage peers[UDP_BATCH];
	struct mmsghdr rx[UDP_BATCH], tx[UDP_BATCH];
	struct iovec rx_iov[UDP_BATCH], tx_iov[UDP_BATCH];
	struct answer_ctx *actx;
	struct rrl *rrl; /* NULL: RRL off */
};

static struct udp_worker *workers;

/* Whether a route has upstreams at all (else REFUSED, as the original). */
static bool
forward_possible(const struct config *c, int route)
{
	if (!c->external_on)
		return false;
	if (route >= 0)
		return (size_t)route < c->n_zone_resolvers &&
		    c->zone_resolvers[route].resolvers.n > 0;
	return c->resolvers.n > 0;
}

static int n_workers;
static atomic_bool stopping;

/* Turns the reply of n bytes into the empty truncated one a rate-limited
 * client gets instead (RRLSlip): the question (and OPT) only, with TC set
 * and the reply's own flags and rcode. */
static size_t
slip_reply(const struct dns_query *q, uint16_t opt_size, uint8_t *reply,
    size_t n, size_t cap)
{
	bool had = n >= WIRE_HEADER_SIZE; /* else a forwarded query's */
	uint8_t f2 = had ? reply[2] : 0, f3 = had ? reply[3] : 0;

	n = dns_rcode_reply(q, f3 & 0xf, opt_size, reply, cap);
	if (n >= WIRE_HEADER_SIZE) {
		if (had) {
			reply[2] = f2;
			reply[3] = f3;
		}
		reply[2] |= WIRE_TC >> 8;
	}
	return n;
}

/* The look-ups of a batch each miss the cache three times in a row
 * (hash slot, node, label); asking for all the batch's slots, then all
 * their nodes, then all their labels lets the misses overlap (about a
 * tenth of a worker's time went to these stalls before, bench/dns). */
static void
warm(const struct snapshot *s, struct udp_worker *w, int n)
{
	uint32_t h[UDP_BATCH];
	bool ok[UDP_BATCH];

	for (int i = 0; i < n; i++) {
		ok[i] = dns_query_hash(w->rx_iov[i].iov_base, w->rx[i].msg_len,
		    &h[i]);
		if (ok[i])
			snap_prefetch(s, h[i], 0);
	}
	for (unsigned stage = 1; stage <= 2; stage++)
		for (int i = 0; i < n; i++)
			if (ok[i])
				snap_prefetch(s, h[i], stage);
}

static void *
udp_main(void *arg)
{
	struct udp_worker *w = arg;

	pthread_setname_np(pthread_self(), "mdns-udp");
	metrics_thread_start();
	for (int i = 0; i < UDP_BATCH; i++) {
		w->rx_iov[i].iov_base = w->in + (size_t)i * w->in_cap;
		w->rx_iov[i].iov_len = w->in_cap;
		w->rx[i].msg_hdr.msg_iov = &w->rx_iov[i];
		w->rx[i].msg_hdr.msg_iovlen = 1;
	}
	while (!atomic_load_explicit(&stopping, memory_order_relaxed)) {
		const struct snapshot *s;
		struct metrics_block *mb = metrics_self;
		int n, out = 0, n_auth = 0, n_fwd = 0;
		int64_t t0, now;

		for (int i = 0; i < UDP_BATCH; i++) {
			w->rx[i].msg_hdr.msg_name = &w->peers[i];
			w->rx[i].msg_hdr.msg_namelen = sizeof w->peers[i];
		}
		n = recvmmsg(w->fd, w->rx, UDP_BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (atomic_load(&stopping))
				break;
			log_error_every(10000, "udp receive: %s",
			    strerror(errno));
			continue;
		}
		/* One clock read per batch: every query of it waits from the
		 * batch's arrival until the batch is sent. */
		t0 = metrics_clock_us();
		now = w->rrl == NULL ? 0 : METRICS_ON ? t0 / 1000 : clock_ms();
		snapshot_read_lock();
		s = snapshot_current();
		/* The configuration of this batch (a reload swaps it). */
		answer_use(w->actx, cfglive_current());
		if (s != NULL && n > 1)
			warm(s, w, n);
		for (int i = 0; i < n; i++) {
			size_t len = w->rx[i].msg_len, outlen = 0;
			uint8_t *reply = w->out + (size_t)out * w->out_cap;
			enum handle_result r;
			enum rrl_action act = RRL_SEND;

			/* Runts are ignored, as by the original. */
			if (len < WIRE_HEADER_SIZE)
				continue;
			r = dns_handle(w->actx, s, w->rx_iov[i].iov_base, len,
			    false, reply, w->out_cap, &outlen);
			if (r != HANDLE_DROP)
				metrics_request(mb, METRICS_UDP,
				    w->actx->query.qtype);
			if (w->rrl != NULL &&
			    (r == HANDLE_FORWARD ||
				(r == HANDLE_REPLY && outlen > 0)))
				act = rrl_check(w->rrl, &w->peers[i], now);
			if (act == RRL_DROP) {
				metrics_rrl(mb, METRICS_RRL_DROPPED);
				continue;
			}
			if (act == RRL_SLIP) {
				metrics_rrl(mb, METRICS_RRL_SLIPPED);
				outlen = slip_reply(&w->actx->query,
				    (uint16_t)w->actx->cfg->edns0_max_udp_size,
				    reply, r == HANDLE_REPLY ? outlen : 0,
				    w->out_cap);
				r = HANDLE_REPLY;
			}
			if (r == HANDLE_FORWARD) {
				/* Another thread talks to the upstreams; a full
				 * queue is answered SERVFAIL at once. */
				if (forward_possible(w->actx->cfg,
					w->actx->route) &&
				    fwd_udp_enqueue(&w->actx->query,
					w->actx->route, w->rx_iov[i].iov_base,
					len, w->fd, &w->peers[i],
					w->rx[i].msg_hdr.msg_namelen))
					continue;
				outlen = dns_rcode_reply(&w->actx->query,
				    forward_possible(w->actx->cfg,
					w->actx->route) ?
					RCODE_SERVFAIL :
					RCODE_REFUSED,
				    (uint16_t)w->actx->cfg->edns0_max_udp_size,
				    reply, w->out_cap);
				r = HANDLE_REPLY;
				n_fwd++;
			} else if (r == HANDLE_REPLY) {
				n_auth++;
			}
			if (r != HANDLE_REPLY || outlen == 0)
				continue;
			metrics_response(mb, reply, outlen);
			w->tx_iov[out].iov_base = reply;
			w->tx_iov[out].iov_len = outlen;
			memset(&w->tx[out].msg_hdr, 0,
			    sizeof w->tx[out].msg_hdr);
			w->tx[out].msg_hdr.msg_name = &w->peers[i];
			w->tx[out].msg_hdr.msg_namelen =
			    w->rx[i].msg_hdr.msg_namelen;
			w->tx[out].msg_hdr.msg_iov = &w->tx_iov[out];
			w->tx[out].msg_hdr.msg_iovlen = 1;
			out++;
		}
		snapshot_read_unlock();
		for (int sent = 0; sent < out;) {
			int k = sendmmsg(w->fd, w->tx + sent,
			    (unsigned)(out - sent), 0);

			if (k < 0) {
				if (errno == EINTR)
					continue;
				/* A vanished peer must not stall the batch. */
				sent++;
				continue;
			}
			sent += k;
		}
		if (METRICS_ON) {
			int64_t us = metrics_clock_us() - t0;

			metrics_duration(mb, METRICS_AUTHORITATIVE, us,
			    (uint64_t)n_auth);
			metrics_duration(mb, METRICS_FORWARDED, us,
			    (uint64_t)n_fwd);
		}
	}
	metrics_thread_stop();
	return NULL;
}

static void
free_worker(struct udp_worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->in);
	free(w->out);
	answer_delete(w->actx);
	rrl_free(w->rrl);
}

int
udp_start(const struct config *c, const struct sockaddr_storage *addr,
    socklen_t addrlen, int count, char *err, size_t errlen)
{
	int one = 1;

	atomic_store(&stopping, false);
	if ((workers = calloc((size_t)count, sizeof *workers)) == NULL) {
		snprintf(err, errlen,
		    "failed to setup \"udp\" server: out of "
		    "memory");
		return -1;
	}
	for (int i = 0; i < count; i++)
		workers[i].fd = -1;
	n_workers = count;
	for (int i = 0; i < count; i++) {
		struct udp_worker *w = &workers[i];
		uint64_t seed = 0;
		int rcvbuf = 4 << 20;

		/* Queries beyond 512 bytes only make sense with EDNS0; with
		 * EDNS0MaxUDPSize 0 the original's 512-byte read is kept. */
		w->in_cap = c->edns0_max_udp_size ? 4096 : WIRE_MAX_UDP;
		w->out_cap = c->edns0_max_udp_size > WIRE_MAX_UDP ?
		    (size_t)c->edns0_max_udp_size :
		    WIRE_MAX_UDP;
		w->in = malloc(UDP_BATCH * w->in_cap);
		w->out = malloc(UDP_BATCH * w->out_cap);
		if (c->rrl_responses_per_second > 0)
			w->rrl = rrl_new((uint32_t)c->rrl_responses_per_second,
			    (uint32_t)c->rrl_slip, (size_t)c->rrl_table_size);
		if (w->in == NULL || w->out == NULL ||
		    (c->rrl_responses_per_second > 0 && w->rrl == NULL)) {
			snprintf(err, errlen,
			    "failed to setup \"udp\" server: "
			    "out of memory");
			goto fail;
		}
		if (getrandom(&seed, sizeof seed, 0) < 0)
			seed = (uint64_t)i * 0x9e3779b97f4a7c15ULL + 1;
		if ((w->actx = answer_new(c, seed, err, errlen)) == NULL)
			goto fail;
		w->fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (w->fd < 0 ||
		    setsockopt(w->fd, SOL_SOCKET, SO_REUSEPORT, &one,
			sizeof one) < 0 ||
		    bind(w->fd, (const struct sockaddr *)addr, addrlen) < 0) {
			snprintf(err, errlen,
			    "failed to setup \"udp\" server: "
			    "listen udp %s:%lld: %s",
			    c->listener, (long long)c->port, strerror(errno));
			goto fail;
		}
		setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof rcvbuf);
		setsockopt(w->fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf,
		    sizeof rcvbuf);
	}
	for (int i = 0; i < count; i++) {
		if (pthread_create(&workers[i].thread, NULL, udp_main,
			&workers[i]) != 0) {
			snprintf(err, errlen,
			    "failed to setup \"udp\" server: "
			    "cannot start a worker");
			udp_stop();
			return -1;
		}
		workers[i].started = true;
	}
	return 0;
fail:
	for (int i = 0; i < count; i++)
		free_worker(&workers[i]);
	free(workers);
	workers = NULL;
	n_workers = 0;
	return -1;
}

void
udp_stop(void)
{
	atomic_store(&stopping, true);
	for (int i = 0; i < n_workers; i++)
		if (workers[i].fd >= 0)
			shutdown(workers[i].fd, SHUT_RDWR);
	for (int i = 0; i < n_workers; i++) {
		if (workers[i].started)
			pthread_join(workers[i].thread, NULL);
		free_worker(&workers[i]);
	}
	free(workers);
	workers = NULL;
	n_workers = 0;
}
