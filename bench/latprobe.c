/* latprobe.c -- latency percentiles of a DNS server that is under load.
 *
 * udp_blast (the load generator) reports the mean and the maximum latency
 * only.  This probe runs beside it, on the load generator's core, and sends
 * a thin, paced stream of queries (-r per second, default 2000) from the
 * same query file into the same server for -l seconds.  Each probe query
 * waits in the same socket queue as the load, so its latency is a sample
 * of the latency the load sees.  The send time is read just before
 * sendto(); the receive time is the kernel's receive timestamp
 * (SO_TIMESTAMPNS), so the probe's own scheduling delay on a busy core
 * does not count.  A query without an answer after -t ms is lost.
 *
 *   latprobe -s 127.0.0.1 -p PORT -d queries [-l secs] [-r rate]
 *            [-t timeout_ms] [-k skip_lines]
 *
 * Prints one line:
 *   latprobe sent N answered N lost N rxdrop N mean_us X p50_us X
 *            p90_us X p99_us X p999_us X max_us X
 * where rxdrop counts replies dropped at the probe's own socket (its
 * receive buffer overflowed while it was not running): those are in
 * "lost" too, but are not the server's doing.
 *
 * Written for bench/ of this project; built at run time by bench/dns.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dnsquery.h"

#define MAXQ 4096 /* distinct probe queries kept */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0.0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

int
main(int argc, char **argv)
{
	const char *server = "127.0.0.1", *file = NULL;
	int port = 53, secs = 5, rate = 2000, timeout_ms = 1000, opt, fd,
	    on = 1;
	int rcvbuf = 8 << 20;
	uint32_t rxdrop = 0;
	long skip = 0;
	static uint8_t q[MAXQ][QLEN];
	static int qlen[MAXQ];
	static uint64_t sent_at[65536];
	static uint8_t waiting[65536];
	uint64_t *lat;
	size_t nq = 0, nlat = 0, cap;
	uint64_t sent = 0, answered = 0, lost = 0, start, end, interval, next,
		 tmo, sum = 0;
	uint16_t id = 0, oldest = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	FILE *f;

	while ((opt = getopt(argc, argv, "s:p:d:l:r:t:k:")) != -1) {
		switch (opt) {
		case 's':
			server = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'd':
			file = optarg;
			break;
		case 'l':
			secs = atoi(optarg);
			break;
		case 'r':
			rate = atoi(optarg);
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		case 'k':
			skip = atol(optarg);
			break;
		default:
			fprintf(stderr,
			    "usage: latprobe -s addr -p port -d file "
			    "[-l secs] [-r rate] [-t timeout_ms] [-k skip]\n");
			return 2;
		}
	}
	/* bounded in time and in rate, whatever the arguments */
	if (file == NULL || secs < 1 || secs > 600 || rate < 1 ||
	    rate > 20000 || timeout_ms < 1 || timeout_ms > 10000) {
		fprintf(stderr,
		    "latprobe: need -d file, 1 <= -l <= 600, "
		    "1 <= -r <= 20000, 1 <= -t <= 10000\n");
		return 2;
	}
	if ((f = fopen(file, "r")) == NULL) {
		perror(file);
		return 1;
	}
	nq = load_queries(f, q, qlen, MAXQ, skip);
	fclose(f);
	if (nq == 0) {
		fprintf(stderr, "latprobe: no usable queries in %s\n", file);
		return 1;
	}
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, server, &sa.sin_addr) != 1) {
		fprintf(stderr, "latprobe: bad address %s\n", server);
		return 2;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("latprobe: socket");
		return 1;
	}
	/* A big receive buffer, so that replies wait for us when the probe
	 * is descheduled on a busy core instead of being dropped; whatever
	 * is still dropped here is counted (SO_RXQ_OVFL) and reported apart,
	 * as it is not the server's loss. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) <
	    0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
	cap = (size_t)secs * (size_t)rate + 16;
	if ((lat = malloc(cap * sizeof *lat)) == NULL)
		return 1;
	interval = 1000000000ull / (uint64_t)rate;
	tmo = (uint64_t)timeout_ms * 1000000ull;
	start = now_rt();
	end = start + (uint64_t)secs * 1000000000ull;
	next = start;
	for (;;) {
		uint64_t t = now_rt();
		struct pollfd pfd = { fd, POLLIN, 0 };
		uint64_t wait_ns;

		if (t >= next && next < end) {
			size_t k = sent % nq;

			if (waiting[id]) { /* id space wrapped: count lost */
				waiting[id] = 0;
				lost++;
			}
			q[k][0] = (uint8_t)(id >> 8);
			q[k][1] = (uint8_t)id;
			sent_at[id] = now_rt();
			if (send(fd, q[k], (size_t)qlen[k], 0) == qlen[k]) {
				waiting[id] = 1;
				sent++;
				id++;
			}
			next += interval;
			if (next < t) /* fell behind: do not burst */
				next = t + interval;
		}
		/* receive everything that is there */
		for (;;) {
			uint8_t buf[4096];
			char cbuf[CMSG_SPACE(sizeof(struct timespec)) +
			    CMSG_SPACE(sizeof(uint32_t))];
			struct iovec iov = { buf, sizeof buf };
			struct msghdr mh = { .msg_iov = &iov,
				.msg_iovlen = 1,
				.msg_control = cbuf,
				.msg_controllen = sizeof cbuf };
			struct cmsghdr *c;
			uint64_t rx = 0;
			ssize_t n = recvmsg(fd, &mh, 0);
			uint16_t rid;

			if (n < 0)
				break;
			if (n < 12 || !(buf[2] & 0x80))
				continue;
			for (c = CMSG_FIRSTHDR(&mh); c != NULL;
			     c = CMSG_NXTHDR(&mh, c)) {
				if (c->cmsg_level == SOL_SOCKET &&
				    c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec ts;

					memcpy(&ts, CMSG_DATA(c), sizeof ts);
					rx = (uint64_t)ts.tv_sec *
						1000000000ull +
					    (uint64_t)ts.tv_nsec;
				} else if (c->cmsg_level == SOL_SOCKET &&
				    c->cmsg_type == SO_RXQ_OVFL) {
					memcpy(&rxdrop, CMSG_DATA(c),
					    sizeof rxdrop);
				}
			}
			rid = (uint16_t)(buf[0] << 8 | buf[1]);
			if (!waiting[rid])
				continue;
			waiting[rid] = 0;
			answered++;
			if (rx == 0)
				rx = now_rt();
			if (rx < sent_at[rid])
				rx = sent_at[rid];
			if (nlat < cap) {
				lat[nlat++] = rx - sent_at[rid];
				sum += rx - sent_at[rid];
			}
		}
		t = now_rt();
		while (oldest != id &&
		    (!waiting[oldest] || t - sent_at[oldest] > tmo)) {
			if (waiting[oldest]) {
				waiting[oldest] = 0;
				lost++;
			}
			oldest++;
		}
		if (t >= end && (oldest == id || t >= end + tmo))
			break;
		/* sleep until the next send (or 10 ms once sending is over) */
		if (t >= end)
			wait_ns = 10000000ull;
		else
			wait_ns = next > t ? next - t : 0;
		if (wait_ns > 0) {
			struct timespec w = { 0, (long)wait_ns };

			ppoll(&pfd, 1, &w, NULL);
		}
	}
	for (uint16_t i = oldest; i != id; i++)
		if (waiting[i])
			lost++;
	qsort(lat, nlat, sizeof *lat, cmp_u64);
	printf("latprobe sent %llu answered %llu lost %llu rxdrop %u mean_us %.1f "
	       "p50_us %.1f p90_us %.1f p99_us %.1f p999_us %.1f max_us %.1f\n",
	    (unsigned long long)sent, (unsigned long long)answered,
	    (unsigned long long)lost, rxdrop,
	    nlat ? (double)sum / (double)nlat / 1000.0 : 0.0,
	    pct(lat, nlat, 0.50), pct(lat, nlat, 0.90), pct(lat, nlat, 0.99),
	    pct(lat, nlat, 0.999), nlat ? (double)lat[nlat - 1] / 1000.0 : 0.0);
	free(lat);
	return 0;
}
