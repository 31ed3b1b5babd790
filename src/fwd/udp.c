/* udp.c -- the UDP forwarder thread (see udp.h).
 *
 * A UDP worker only copies a forwarded query into this thread's queue;
 * the thread runs at background priority, so that on a saturated core
 * forwarded names are shed (queue, table or descriptors spent: SERVFAIL)
 * before authoritative answers slow down.
 */
#include "fwd/udp.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "config.h"
#include "dns/answer.h"
#include "fwd/engine.h"
#include "fwd/slots.h"
#include "log.h"
#include "metrics/metrics.h"
#include "util/priority.h"

#define FWD_LOG_MS 10000 /* one failure line per kind per 10 s */
#define QUEUE_SLOTS 1024
#define QUEUE_BATCH 64 /* queries taken between epoll waits */
#define QUEUE_QUERY_MAX 4096

/* A query handed over by a UDP worker, and where its reply goes. */
struct queued {
	struct dns_query q;
	int route;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	size_t len;
	int64_t t0; /* when the worker queued it (metrics clock) */
	uint8_t pkt[QUEUE_QUERY_MAX];
};

/* The client of a query in flight. */
struct udp_client {
	int fd;
	int64_t t0;
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
	const struct config *cfg;
	struct fwd_engine *engine;
	struct udp_client *clients; /* one per engine slot */
	struct free_stack free_clients;
	uint8_t out[WIRE_MAX_MSG];
} fu = { .lock = PTHREAD_MUTEX_INITIALIZER, .epoll_fd = -1, .wake_fd = -1 };

bool
fwd_udp_enqueue(const struct dns_query *q, int route, const uint8_t *pkt,
    size_t len, int fd, const struct sockaddr_storage *peer, socklen_t peerlen)
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
			log_error_every(FWD_LOG_MS,
			    "forwarding: %d queries "
			    "queued, answering SERVFAIL",
			    QUEUE_SLOTS);
		return false;
	}
	slot = &fu.ring[(fu.head + fu.count) % QUEUE_SLOTS];
	slot->q = *q;
	slot->route = route;
	slot->fd = fd;
	slot->peer = *peer;
	slot->peerlen = peerlen;
	slot->len = len;
	slot->t0 = metrics_clock_us();
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

	metrics_response(metrics_self, reply, len);
	metrics_duration(metrics_self, METRICS_FORWARDED,
	    metrics_clock_us() - c->t0, 1);
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
		item.t0 = fu.ring[fu.head].t0;
		memcpy(item.pkt, fu.ring[fu.head].pkt, item.len);
		fu.head = (fu.head + 1) % QUEUE_SLOTS;
		/* Empty: start again at slot 0, so that the ring's pages are
		 * touched only as deep as bursts have gone. */
		if (--fu.count == 0)
			fu.head = 0;
		pthread_mutex_unlock(&fu.lock);
		if (fu.free_clients.n == 0) {
			n = dns_rcode_reply(&item.q, RCODE_SERVFAIL,
			    (uint16_t)fu.cfg->edns0_max_udp_size, fu.out,
			    sizeof fu.out);
			sendto(item.fd, fu.out, n, 0,
			    (const struct sockaddr *)&item.peer, item.peerlen);
			metrics_response(metrics_self, fu.out, n);
			metrics_duration(metrics_self, METRICS_FORWARDED,
			    metrics_clock_us() - item.t0, 1);
			continue;
		}
		c = &fu.clients[fu.free_clients.v[--fu.free_clients.n]];
		c->fd = item.fd;
		c->peer = item.peer;
		c->peerlen = item.peerlen;
		fwd_engine_follow(fu.engine);
		c->t0 = item.t0;
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
	metrics_thread_start();
	/* Under full load the authoritative answers come first: the
	 * forwarder then sheds (SERVFAIL) rather than take their core. */
	if (!priority_lower_thread(PRIORITY_BACKGROUND))
		log_verbose("forwarder: cannot lower its thread's priority");
	while (!atomic_load(&fu.stopping)) {
		int n = epoll_wait(fu.epoll_fd, evs, 64,
		    more		       ? 0 :
			fwd_pending(fu.engine) ? 50 :
						 500);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == 0) {
				uint64_t v;

				if (read(fu.wake_fd, &v, sizeof v) < 0 &&
				    errno != EAGAIN)
					log_error_every(FWD_LOG_MS,
					    "forwarder "
					    "wake-up: %s",
					    strerror(errno));
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
	metrics_thread_stop();
	return NULL;
}

int
fwd_udp_start(const struct config *cfg, struct fwd_cache *cache, char *err,
    size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 0 };

	atomic_store(&fu.stopping, false);
	fu.cfg = cfg;
	fu.head = fu.count = 0;
	if ((fu.ring = calloc(QUEUE_SLOTS, sizeof *fu.ring)) == NULL ||
	    (fu.epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (fu.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    epoll_ctl(fu.epoll_fd, EPOLL_CTL_ADD, fu.wake_fd, &ev) < 0 ||
	    (fu.engine = fwd_engine_new(cfg, fu.epoll_fd, cache)) == NULL ||
	    (fu.clients = calloc(fwd_capacity(fu.engine) + 1,
		 sizeof *fu.clients)) == NULL ||
	    !free_stack_init(&fu.free_clients, fwd_capacity(fu.engine)) ||
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

	fu.started = false; /* workers stop queueing from here */
	pthread_mutex_unlock(&fu.lock);
	if (was_started) {
		atomic_store(&fu.stopping, true);
		if (write(fu.wake_fd, &one, sizeof one) < 0)
			log_error("forwarder: cannot wake: %s",
			    strerror(errno));
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
	free(fu.clients);
	fu.clients = NULL;
	free_stack_fini(&fu.free_clients);
}
