/* notify.c -- NOTIFY (RFC 1996) to every ZoneTransferNotify address when
 * the serial changes, on its own thread and UDP socket.
 *
 * Each target has at most one NOTIFY outstanding: a serial published
 * while one is unanswered replaces the one the next retry carries
 * (coalescing), and an answer for an older serial sends the new one at
 * once.  Unanswered NOTIFYs are retried after 1, 2, 4 ... 60 s, until a
 * target answers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dns/wire.h"
#include "log.h"
#include "util/clock.h"
#include "util/hostport.h"
#include "util/ipaddr.h"
#include "xfr/state.h"
#include "xfr/xfr.h"
#include "xfr/zone.h"

#define NOTIFY_FIRST_RETRY_MS 1000
#define NOTIFY_MAX_RETRY_MS 60000

struct target {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[300];
	bool pending;	      /* a serial not yet acknowledged */
	uint32_t serial;      /* the newest serial to announce */
	uint32_t sent_serial; /* carried by the outstanding NOTIFY */
	uint16_t id;
	int64_t due_ms; /* next send; 0: none */
	int64_t backoff_ms;
};

static pthread_t thread;
static bool started;
static int sock4 = -1, sock6 = -1, wake_fd = -1;
static atomic_bool stopping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct target *targets;
static size_t n_targets;
static uint32_t kicked_serial;
static bool kicked;

void
notify_kick(uint32_t serial)
{
	uint64_t one = 1;

	if (!started)
		return;
	pthread_mutex_lock(&lock);
	kicked_serial = serial;
	kicked = true;
	pthread_mutex_unlock(&lock);
	if (write(wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_error("notify: cannot wake the thread: %s",
		    strerror(errno));
}

static uint16_t
random_id(void)
{
	uint16_t id = 0;

	if (getrandom(&id, sizeof id, 0) != sizeof id)
		id = (uint16_t)clock_ms();
	return id;
}

static void
send_notify(struct target *t)
{
	uint8_t buf[1024];
	struct xmsg m;
	struct zone_rr rr = { 0 };
	size_t n;
	int fd = t->addr.ss_family == AF_INET6 ? sock6 : sock4;

	t->id = random_id();
	xmsg_begin(&m, buf, sizeof buf, t->id,
	    (uint16_t)(OPCODE_NOTIFY << 11 | WIRE_AA));
	xmsg_question(&m, xfr_g.domain, TYPE_SOA, CLASS_IN);
	xfr_soa_rr(&rr, t->serial);
	xmsg_rr(&m, 1, &rr);
	n = xmsg_end(&m);
	if (xfr_g.have_key) {
		size_t k = tsig_sign(&xfr_g.key, buf, n, sizeof buf, t->id,
		    NULL, 0, false, (uint64_t)time(NULL), TSIG_NOERROR, NULL);

		if (k > 0)
			n = k;
	}
	t->sent_serial = t->serial;
	if (fd < 0 ||
	    sendto(fd, buf, n, 0, (struct sockaddr *)&t->addr, t->addrlen) < 0)
		log_verbose("notify: %s: %s", t->text, strerror(errno));
	else
		log_verbose("notify: serial %u to %s", t->serial, t->text);
}

static bool
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a,
					 *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port &&
	    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

/* An answer to one of our NOTIFYs: the target is done with that serial. */
static void
read_acks(int fd)
{
	for (;;) {
		uint8_t buf[4096];
		struct sockaddr_storage from;
		socklen_t flen = sizeof from;
		ssize_t k = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT,
		    (struct sockaddr *)&from, &flen);
		uint16_t flags;

		if (k < 0)
			return;
		if (k < WIRE_HEADER_SIZE)
			continue;
		flags = wire_read_u16(buf + 2);
		if (!(flags & WIRE_QR) || WIRE_OPCODE(flags) != OPCODE_NOTIFY)
			continue;
		for (size_t i = 0; i < n_targets; i++) {
			struct target *t = &targets[i];

			if (!t->pending || t->id != wire_read_u16(buf) ||
			    !same_addr(&t->addr, &from))
				continue;
			log_verbose("notify: %s acknowledged serial %u (rcode "
				    "%u)",
			    t->text, t->sent_serial, flags & 0xfu);
			if (t->sent_serial == t->serial) {
				t->pending = false;
				t->due_ms = 0;
			} else {
				t->due_ms = clock_ms(); /* a newer one */
				t->backoff_ms = NOTIFY_FIRST_RETRY_MS;
			}
			t->id = random_id(); /* no second ack counts */
		}
	}
}

static void *
notify_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "mdns-notify");
	while (!atomic_load(&stopping)) {
		struct pollfd p[3] = {
			{ .fd = wake_fd, .events = POLLIN },
			{ .fd = sock4, .events = POLLIN },
			{ .fd = sock6, .events = POLLIN },
		};
		int64_t now = clock_ms(), wait = 1000;
		uint64_t v;
		uint32_t serial = 0;
		bool got = false;

		for (size_t i = 0; i < n_targets; i++)
			if (targets[i].due_ms != 0 &&
			    targets[i].due_ms - now < wait)
				wait = targets[i].due_ms - now;
		if (wait < 0)
			wait = 0;
		poll(p, 3, (int)wait);
		if (p[0].revents & POLLIN) {
			while (read(wake_fd, &v, sizeof v) > 0)
				;
		}
		pthread_mutex_lock(&lock);
		if (kicked) {
			serial = kicked_serial;
			got = true;
			kicked = false;
		}
		pthread_mutex_unlock(&lock);
		now = clock_ms();
		for (size_t i = 0; got && i < n_targets; i++) {
			struct target *t = &targets[i];

			t->serial = serial;
			if (!t->pending) {
				t->pending = true;
				t->due_ms = now;
				t->backoff_ms = NOTIFY_FIRST_RETRY_MS;
			}
		}
		if (sock4 >= 0 && (p[1].revents & POLLIN))
			read_acks(sock4);
		if (sock6 >= 0 && (p[2].revents & POLLIN))
			read_acks(sock6);
		now = clock_ms();
		for (size_t i = 0; i < n_targets; i++) {
			struct target *t = &targets[i];

			if (!t->pending || t->due_ms == 0 || t->due_ms > now)
				continue;
			send_notify(t);
			t->due_ms = now + t->backoff_ms;
			t->backoff_ms *= 2;
			if (t->backoff_ms > NOTIFY_MAX_RETRY_MS)
				t->backoff_ms = NOTIFY_MAX_RETRY_MS;
		}
	}
	return NULL;
}

int
notify_start(const struct config *c, char *err, size_t errlen)
{
	targets = calloc(c->xfr_notify.n, sizeof *targets);
	if (targets == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n_targets = c->xfr_notify.n;
	for (size_t i = 0; i < n_targets; i++) {
		struct target *t = &targets[i];
		struct hostport hp;
		struct ipaddr a;

		hostport_split(c->xfr_notify.v[i], &hp, false);
		ipaddr_parse(hp.host, strlen(hp.host), &a);
		snprintf(t->text, sizeof t->text, "%s", c->xfr_notify.v[i]);
		if (ipaddr_is_v4(&a) && strchr(hp.host, ':') == NULL) {
			struct sockaddr_in *s = (struct sockaddr_in *)&t->addr;

			s->sin_family = AF_INET;
			s->sin_port = htons((uint16_t)hp.port);
			memcpy(&s->sin_addr, a.b + 12, 4);
			t->addrlen = sizeof *s;
			if (sock4 < 0)
				sock4 = socket(AF_INET,
				    SOCK_DGRAM | SOCK_CLOEXEC, 0);
		} else {
			struct sockaddr_in6 *s =
			    (struct sockaddr_in6 *)&t->addr;

			s->sin6_family = AF_INET6;
			s->sin6_port = htons((uint16_t)hp.port);
			memcpy(&s->sin6_addr, a.b, 16);
			t->addrlen = sizeof *s;
			if (sock6 < 0)
				sock6 = socket(AF_INET6,
				    SOCK_DGRAM | SOCK_CLOEXEC, 0);
		}
	}
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	atomic_store(&stopping, false);
	if (wake_fd < 0 ||
	    pthread_create(&thread, NULL, notify_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the NOTIFY thread");
		notify_stop();
		return -1;
	}
	started = true;
	return 0;
}

void
notify_stop(void)
{
	uint64_t one = 1;

	if (started) {
		atomic_store(&stopping, true);
		if (write(wake_fd, &one, sizeof one) < 0)
			log_error("notify: cannot wake the thread: %s",
			    strerror(errno));
		pthread_join(thread, NULL);
		started = false;
	}
	if (sock4 >= 0)
		close(sock4);
	if (sock6 >= 0)
		close(sock6);
	if (wake_fd >= 0)
		close(wake_fd);
	sock4 = sock6 = wake_fd = -1;
	free(targets);
	targets = NULL;
	n_targets = 0;
}
