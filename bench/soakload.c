/* soakload.c -- a paced (open-loop) DNS load for long runs: queries per
 * interval sent, answered and lost, and the latency percentiles of each
 * interval.
 *
 * udp_blast keeps a window of queries in flight (closed loop): when the
 * server slows down, the load slows down with it and nothing is lost.
 * A soak test needs the opposite: a fixed rate, whatever the server does,
 * so that a stall shows up as lost queries and as latency.  This tool sends
 * -r queries per second (taken in turn from a dnsperf-style query file)
 * for -l seconds, spread over -n connected UDP sockets (each has its own
 * 16-bit id space, so that -n * 65536 queries can be in flight), and prints
 * one line every -i seconds:
 *
 *   soakload t SECS sent N answered N lost N behind N rxdrop N
 *            p50_us X p99_us X p999_us X max_us X
 *
 * sent/answered/lost are counted in the interval in which they happen; a
 * query is lost when it has no answer -t ms after it was sent (an answer
 * after that is ignored).  "behind" counts queries not sent because this
 * tool itself was not scheduled for more than 5 ms (on a busy machine):
 * the backlog is dropped instead of sent in a burst.  rxdrop: replies the
 * kernel dropped at this tool's own sockets (full receive buffer): in lost
 * too, but not the server's doing.  Latency is the kernel's receive
 * timestamp (SO_TIMESTAMPNS) minus the time just before the send, in a
 * histogram of 1 us buckets up to 10 ms and 100 us buckets up to 2 s.
 * At the end one line "soakload total ..." with the same fields over the
 * whole run (including the queries still in flight, waited for -t ms).
 *
 *   soakload -s 127.0.0.1 -p PORT -d queries -r rate [-l secs]
 *            [-i interval] [-t timeout_ms] [-n sockets]
 *
 * Written for bench/soak of this project.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
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

#define MAXQ 65536 /* distinct queries kept from the file */
#define MAXSOCK 64
#define BATCH 64
#define FINE_US 10000u	/* 1 us buckets below this */
#define COARSE_US 100u	/* then buckets of this width */
#define MAX_US 2000000u /* latencies above land in the last bucket */
#define NBUCKET (FINE_US + (MAX_US - FINE_US) / COARSE_US + 1)

struct sock {
	int fd;
	uint16_t id, oldest;
	uint32_t rxdrop;
	uint64_t sent_at[65536];
	uint8_t waiting[65536];
};

struct stats {
	uint64_t sent, answered, lost, behind, max_ns;
	uint64_t hist[NBUCKET];
};

static void
record(struct stats *s, uint64_t ns)
{
	uint64_t us = ns / 1000;
	size_t b;

	if (us < FINE_US)
		b = (size_t)us;
	else if (us < MAX_US)
		b = FINE_US + (size_t)((us - FINE_US) / COARSE_US);
	else
		b = NBUCKET - 1;
	s->hist[b]++;
	s->answered++;
	if (ns > s->max_ns)
		s->max_ns = ns;
}

/* The upper edge (us) of the bucket holding the p-quantile. */
static double
quantile(const struct stats *s, double p)
{
	uint64_t n = 0, want;

	if (s->answered == 0)
		return 0.0;
	want = (uint64_t)(p * (double)s->answered);
	if (want >= s->answered)
		want = s->answered - 1;
	for (size_t b = 0; b < NBUCKET; b++) {
		n += s->hist[b];
		if (n > want)
			return b < FINE_US ?
			    (double)b + 1.0 :
			    (double)(FINE_US + (b - FINE_US + 1) * COARSE_US);
	}
	return (double)MAX_US;
}

static void
print_stats(const char *label, const struct stats *s, uint32_t rxdrop)
{
	printf("soakload %s sent %llu answered %llu lost %llu behind %llu "
	       "rxdrop %u p50_us %.0f p99_us %.0f p999_us %.0f max_us %.0f\n",
	    label, (unsigned long long)s->sent, (unsigned long long)s->answered,
	    (unsigned long long)s->lost, (unsigned long long)s->behind, rxdrop,
	    quantile(s, 0.50), quantile(s, 0.99), quantile(s, 0.999),
	    (double)s->max_ns / 1000.0);
	fflush(stdout);
}

static void
add_stats(struct stats *to, const struct stats *from)
{
	to->sent += from->sent;
	to->answered += from->answered;
	to->lost += from->lost;
	to->behind += from->behind;
	if (from->max_ns > to->max_ns)
		to->max_ns = from->max_ns;
	for (size_t b = 0; b < NBUCKET; b++)
		to->hist[b] += from->hist[b];
}

/* Read every reply waiting on one socket. */
static void
drain(struct sock *k, struct stats *iv)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	static uint8_t buf[BATCH][512];
	static char cbuf[BATCH][CMSG_SPACE(sizeof(struct timespec)) +
	    CMSG_SPACE(sizeof(uint32_t))];

	for (;;) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ buf[i], sizeof buf[i] };
			mm[i] = (struct mmsghdr){
				.msg_hdr = { .msg_iov = &iov[i],
				    .msg_iovlen = 1,
				    .msg_control = cbuf[i],
				    .msg_controllen = sizeof cbuf[i] }
			};
		}
		n = recvmmsg(k->fd, mm, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			uint64_t rx = 0;
			uint16_t rid;

			if (mm[i].msg_len < 12 || !(buf[i][2] & 0x80))
				continue;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&mm[i].msg_hdr);
			     c != NULL; c = CMSG_NXTHDR(&mm[i].msg_hdr, c)) {
				if (c->cmsg_level != SOL_SOCKET)
					continue;
				if (c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec ts;

					memcpy(&ts, CMSG_DATA(c), sizeof ts);
					rx = (uint64_t)ts.tv_sec *
						1000000000ull +
					    (uint64_t)ts.tv_nsec;
				} else if (c->cmsg_type == SO_RXQ_OVFL) {
					memcpy(&k->rxdrop, CMSG_DATA(c),
					    sizeof k->rxdrop);
				}
			}
			rid = (uint16_t)(buf[i][0] << 8 | buf[i][1]);
			if (!k->waiting[rid])
				continue;
			k->waiting[rid] = 0;
			if (rx == 0)
				rx = now_rt();
			record(iv,
			    rx > k->sent_at[rid] ? rx - k->sent_at[rid] : 0);
		}
		if (n < BATCH)
			return;
	}
}

/* Count as lost what has waited longer than tmo (or everything, if t is
 * past the end plus tmo); returns whether nothing is in flight. */
static int
expire(struct sock *k, struct stats *iv, uint64_t t, uint64_t tmo)
{
	while (k->oldest != k->id &&
	    (!k->waiting[k->oldest] || t - k->sent_at[k->oldest] > tmo)) {
		if (k->waiting[k->oldest]) {
			k->waiting[k->oldest] = 0;
			iv->lost++;
		}
		k->oldest++;
	}
	return k->oldest == k->id;
}

int
main(int argc, char **argv)
{
	const char *server = "127.0.0.1", *file = NULL;
	long secs = 60, interval = 60, rate = 0, timeout_ms = 1000;
	int port = 53, nsock = 16, opt, on = 1, rcvbuf = 4 << 20;
	static uint8_t q[MAXQ][QLEN];
	static int qlen[MAXQ];
	static struct stats iv, total;
	struct sock *socks;
	struct pollfd pfd[MAXSOCK];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	size_t nq = 0, next_q = 0;
	uint64_t start, end, tmo, due_sent = 0, next_report, batch, rr = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "s:p:d:r:l:i:t:n:")) != -1) {
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
		case 'r':
			rate = atol(optarg);
			break;
		case 'l':
			secs = atol(optarg);
			break;
		case 'i':
			interval = atol(optarg);
			break;
		case 't':
			timeout_ms = atol(optarg);
			break;
		case 'n':
			nsock = atoi(optarg);
			break;
		default:
			fprintf(stderr,
			    "usage: soakload -s addr -p port -d file -r rate "
			    "[-l secs] [-i interval] [-t timeout_ms] "
			    "[-n sockets]\n");
			return 2;
		}
	}
	/* bounded in rate and in time, whatever the arguments */
	if (file == NULL || rate < 1 || rate > 1000000 || secs < 1 ||
	    secs > 86400 || interval < 1 || interval > 3600 || timeout_ms < 1 ||
	    timeout_ms > 10000 || nsock < 1 || nsock > MAXSOCK) {
		fprintf(stderr,
		    "soakload: need -d file, 1 <= -r <= 1000000, "
		    "1 <= -l <= 86400, 1 <= -i <= 3600, 1 <= -t <= 10000, "
		    "1 <= -n <= %d\n",
		    MAXSOCK);
		return 2;
	}
	if ((f = fopen(file, "r")) == NULL) {
		perror(file);
		return 1;
	}
	nq = load_queries(f, q, qlen, MAXQ, 0);
	fclose(f);
	if (nq == 0) {
		fprintf(stderr, "soakload: no usable queries in %s\n", file);
		return 1;
	}
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, server, &sa.sin_addr) != 1) {
		fprintf(stderr, "soakload: bad address %s\n", server);
		return 2;
	}
	if ((socks = calloc((size_t)nsock, sizeof *socks)) == NULL) {
		perror("soakload");
		return 1;
	}
	for (int i = 0; i < nsock; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

		if (fd < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) <
			0 ||
		    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			perror("soakload: socket");
			return 1;
		}
		/* replies wait for us while this tool is descheduled */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			sizeof rcvbuf) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			    sizeof rcvbuf);
		setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
		socks[i].fd = fd;
		pfd[i] = (struct pollfd){ fd, POLLIN, 0 };
	}
	/* about 2,000 wake-ups a second whatever the rate */
	batch = (uint64_t)rate / 2000;
	if (batch < 1)
		batch = 1;
	if (batch > BATCH)
		batch = BATCH;
	tmo = (uint64_t)timeout_ms * 1000000ull;
	start = now_rt();
	end = start + (uint64_t)secs * 1000000000ull;
	next_report = start + (uint64_t)interval * 1000000000ull;
	for (;;) {
		uint64_t t = now_rt(), wait_ns;
		int idle = 1;

		if (t < end) {
			/* queries due by now since the start */
			uint64_t due = (uint64_t)((double)(t - start) *
			    (double)rate / 1e9);
			uint64_t late_max = (uint64_t)rate / 200 + batch;

			if (due > due_sent + late_max) { /* we were not run */
				iv.behind += due - due_sent - late_max;
				due_sent = due - late_max;
			}
			while (due_sent < due) {
				struct sock *k = &socks[rr++ % (uint64_t)nsock];
				struct mmsghdr mm[BATCH];
				struct iovec iov[BATCH];
				static uint8_t pkt[BATCH][QLEN];
				uint64_t n = due - due_sent, ts;
				int sent;

				if (n > BATCH)
					n = BATCH;
				ts = now_rt();
				for (uint64_t i = 0; i < n; i++) {
					uint16_t id = (uint16_t)(k->id + i);
					size_t j = next_q++ % nq;

					if (k->waiting[id]) { /* ids wrapped */
						k->waiting[id] = 0;
						iv.lost++;
					}
					memcpy(pkt[i], q[j], (size_t)qlen[j]);
					pkt[i][0] = (uint8_t)(id >> 8);
					pkt[i][1] = (uint8_t)id;
					iov[i] = (struct iovec){ pkt[i],
						(size_t)qlen[j] };
					mm[i] = (struct mmsghdr){
						.msg_hdr = { .msg_iov = &iov[i],
						    .msg_iovlen = 1 }
					};
					k->sent_at[id] = ts;
				}
				sent = sendmmsg(k->fd, mm, (unsigned)n, 0);
				if (sent < 0)
					sent = 0;
				for (int i = 0; i < sent; i++)
					k->waiting[k->id++] = 1;
				iv.sent += (uint64_t)sent;
				/* a full socket buffer: counted as not sent */
				iv.behind += n - (uint64_t)sent;
				due_sent += n;
			}
		}
		for (int i = 0; i < nsock; i++)
			drain(&socks[i], &iv);
		t = now_rt();
		for (int i = 0; i < nsock; i++)
			if (!expire(&socks[i], &iv, t,
				t >= end + tmo ? 0 : tmo))
				idle = 0;
		if (t >= next_report ||
		    (t >= end && (idle || t >= end + tmo))) {
			uint32_t rxdrop = 0;
			char label[32];

			for (int i = 0; i < nsock; i++)
				rxdrop += socks[i].rxdrop;
			snprintf(label, sizeof label, "t %llu",
			    (unsigned long long)((t - start) / 1000000000ull));
			/* the wait for the last answers is no interval of its own */
			if (t < end || iv.sent > 0)
				print_stats(label, &iv, rxdrop);
			add_stats(&total, &iv);
			memset(&iv, 0, sizeof iv);
			next_report += (uint64_t)interval * 1000000000ull;
			if (t >= end && (idle || t >= end + tmo)) {
				print_stats("total", &total, rxdrop);
				break;
			}
		}
		if (t >= end) {
			wait_ns = 10000000ull;
		} else {
			uint64_t next_send = start +
			    (uint64_t)((double)(due_sent + batch) * 1e9 /
				(double)rate);

			wait_ns = next_send > t ? next_send - t : 0;
		}
		if (wait_ns > 0) {
			struct timespec w = { (time_t)(wait_ns / 1000000000ull),
				(long)(wait_ns % 1000000000ull) };

			ppoll(pfd, (nfds_t)nsock, &w, NULL);
		}
	}
	for (int i = 0; i < nsock; i++)
		close(socks[i].fd);
	free(socks);
	return 0;
}
