/* slowup.c -- bench/forward's slow upstream: answers every UDP query after
 * a fixed delay.
 *
 *   slowup --host 127.0.0.2 --port P [--delay 0.5] [--rcode N]
 *          [--stop-after S] [--stats FILE]
 *
 * The reply: the query's header with QR and RA set, its opcode, RD and
 * CD kept and rcode N, the question, and for an A question one A
 * 192.0.2.1 (TTL 60).  UDP only.  It replaces the Python upstream that
 * bench/forward used until 2026-12-05 (the script mode of
 * tests/system/upstream.py, since removed), which took 10-30% of the load
 * generator's core in the mixed runs (a heap entry and a closure per
 * query); this took 4% in the same runs (top, 3-4k queries/s answered).
 *
 * Every query waits the same delay, so the pending replies are a FIFO
 * ring, sent in order once due.  With --stats FILE it writes "received
 * answered" there every 0.1 s; on SIGTERM/SIGINT (or after --stop-after
 * seconds) it prints "upstream: received R answered A" and exits.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define RING 65536    /* replies waiting; more are dropped (not answered) */
#define REPLY_MAX 320 /* question up to 292 bytes + header + the A record */

struct pending {
	int64_t due_us;
	struct sockaddr_in peer;
	uint16_t len;
	uint8_t wire[REPLY_MAX];
};

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The reply to the query q of n bytes into out; 0 when it gets none
 * (a reply, a compressed or runaway question, or too long). */
static size_t
reply_of(const uint8_t *q, size_t n, int rcode, uint8_t *out)
{
	static const uint8_t a_rr[16] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60,
		0, 4, 192, 0, 2, 1 };
	size_t pos = 12, end;
	int qtype;

	if (n < 12 || q[2] & 0x80)
		return 0;
	for (;;) {
		if (pos >= n)
			return 0;
		if (q[pos] == 0)
			break;
		if (q[pos] & 0xc0)
			return 0;
		pos += (size_t)q[pos] + 1;
	}
	end = pos + 5;
	if (end > n || end + sizeof a_rr > REPLY_MAX)
		return 0;
	qtype = q[end - 4] << 8 | q[end - 3];
	memcpy(out, q, end);
	out[2] = (uint8_t)(0x80 | (q[2] & 0x79));
	out[3] = (uint8_t)(0x80 | (q[3] & 0x10) | (rcode & 0xf));
	out[4] = 0;
	out[5] = 1;
	out[6] = 0;
	out[7] = qtype == 1;
	memset(out + 8, 0, 4);
	if (qtype != 1)
		return end;
	memcpy(out + end, a_rr, sizeof a_rr);
	return end + sizeof a_rr;
}

static void
write_stats(const char *path, uint64_t received, uint64_t answered)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%llu %llu\n", (unsigned long long)received,
	    (unsigned long long)answered);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: slowup --host A --port P [--delay S] "
	    "[--rcode N] [--stop-after S] [--stats FILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *host = "127.0.0.2", *stats = NULL;
	int port = 0, rcode = 0, fd, rcvbuf = 4 << 20;
	double delay = 0.5, stop_after = -1;
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct pending *ring;
	size_t head = 0, count = 0;
	uint64_t received = 0, answered = 0;
	int64_t started, last_stats = 0, delay_us;
	static uint8_t in[BATCH][4096];
	struct mmsghdr rx[BATCH], tx[BATCH];
	struct iovec rx_iov[BATCH], tx_iov[BATCH];
	struct sockaddr_in peers[BATCH];

	/* Every option takes a value: they come in pairs. */
	if (argc % 2 == 0)
		usage();
	for (int i = 1; i < argc; i += 2) {
		const char *v = argv[i + 1];

		if (!strcmp(argv[i], "--host"))
			host = v;
		else if (!strcmp(argv[i], "--port"))
			port = atoi(v);
		else if (!strcmp(argv[i], "--delay"))
			delay = atof(v);
		else if (!strcmp(argv[i], "--rcode"))
			rcode = atoi(v);
		else if (!strcmp(argv[i], "--stop-after"))
			stop_after = atof(v);
		else if (!strcmp(argv[i], "--stats"))
			stats = v;
		else
			usage();
	}
	if (port <= 0 || port > 65535 || delay < 0 ||
	    inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		usage();
	addr.sin_port = htons((uint16_t)port);
	delay_us = (int64_t)(delay * 1e6);
	if ((ring = calloc(RING, sizeof *ring)) == NULL) {
		perror("slowup: calloc");
		return 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		fprintf(stderr, "slowup: %s:%d: %s\n", host, port,
		    strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (int i = 0; i < BATCH; i++) {
		rx_iov[i] = (struct iovec){ in[i], sizeof in[i] };
		rx[i].msg_hdr =
		    (struct msghdr){ .msg_iov = &rx_iov[i], .msg_iovlen = 1 };
	}
	started = now_us();
	while (!stopping) {
		int64_t now = now_us();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int timeout = 50, n, out = 0;

		if (stop_after >= 0 &&
		    now - started > (int64_t)(stop_after * 1e6))
			break;
		if (stats && now - last_stats >= 100000) {
			last_stats = now;
			write_stats(stats, received, answered);
		}
		/* Due replies, in batches. */
		while (count > 0 && ring[head].due_us <= now) {
			struct pending *e = &ring[head];

			tx_iov[out] = (struct iovec){ e->wire, e->len };
			tx[out].msg_hdr = (struct msghdr){ .msg_name = &e->peer,
				.msg_namelen = sizeof e->peer,
				.msg_iov = &tx_iov[out],
				.msg_iovlen = 1 };
			head = (head + 1) % RING;
			count--;
			if (++out == BATCH || count == 0 ||
			    ring[head].due_us > now) {
				for (int s = 0; s < out;) {
					int k = sendmmsg(fd, tx + s,
					    (unsigned)(out - s), 0);

					if (k <= 0) {
						if (k < 0 && errno == EINTR)
							continue;
						s++; /* not sent: not answered */
						continue;
					}
					s += k;
					answered += (uint64_t)k;
				}
				out = 0;
			}
		}
		if (count > 0) {
			int64_t wait = ring[head].due_us - now;

			timeout = (int)((wait + 999) / 1000);
			if (timeout > 50)
				timeout = 50;
		}
		if (poll(&p, 1, timeout) <= 0)
			continue;
		now = now_us();
		for (int turn = 0; turn < 4; turn++) {
			for (int i = 0; i < BATCH; i++) {
				rx[i].msg_hdr.msg_name = &peers[i];
				rx[i].msg_hdr.msg_namelen = sizeof peers[i];
			}
			n = recvmmsg(fd, rx, BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				break;
			for (int i = 0; i < n; i++) {
				struct pending *e;
				size_t len;

				received++;
				if (count == RING)
					continue;
				e = &ring[(head + count) % RING];
				len = reply_of(in[i], rx[i].msg_len, rcode,
				    e->wire);
				if (len == 0)
					continue;
				e->len = (uint16_t)len;
				e->peer = peers[i];
				e->due_us = now + delay_us;
				count++;
			}
			if (n < BATCH)
				break;
		}
	}
	if (stats)
		write_stats(stats, received, answered);
	printf("upstream: received %llu answered %llu\n",
	    (unsigned long long)received, (unsigned long long)answered);
	return 0;
}
