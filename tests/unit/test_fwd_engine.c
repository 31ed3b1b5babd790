/* test_fwd_engine.c -- fwd/engine.h and fwd/cache.h against a real
 * upstream: a UDP socket on 127.0.0.1 that this test reads and answers
 * by hand.  A query goes out with a fresh ID and comes back with the
 * client's; a reply with another question is ignored; a reply naming the
 * question by a compression pointer is passed on intact and never served
 * from the cache; the cache keeps nothing oversized or with a TTL whose
 * top bit is set, nothing longer than an hour, and takes any
 * ForwardCacheSize; the table is sized to the
 * descriptor budget, and a query beyond it, or one that gets no socket
 * (EMFILE), is answered SERVFAIL at once.
 *
 * The process's RLIMIT_NOFILE is lowered to 64 before the first engine,
 * so the budget is 64 - 32 (reserve) - the descriptors open then.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "dns/msg.h"
#include "dns/wire.h"
#include "fwd/cache.h"
#include "fwd/engine.h"

#define QNAME "\3www\7example\3org" /* sizeof = wire length 17 */

struct fixture {
	struct config cfg;
	int up; /* the upstream's socket */
	int epfd;
	struct fwd_cache *cache;
	struct fwd_engine *e;
	uint8_t reply[4096];
	size_t reply_len;
	int replies;
};

static void
done(void *ctx, const uint8_t *reply, size_t len)
{
	struct fixture *f = ctx;

	memcpy(f->reply, reply, len);
	f->reply_len = len;
	f->replies++;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof sin;
	char json[256], err[256];
	struct timeval tv = { .tv_sec = 2 };

	assert_non_null(f);
	f->up = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->up, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(f->up, (struct sockaddr *)&sin, &sl), 0);
	setsockopt(f->up, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	snprintf(json, sizeof json,
	    "{\"masters\":[\"127.0.0.1:5050\"],"
	    "\"resolvers\":[\"127.0.0.1:%d\"],\"timeout\":5}",
	    ntohs(sin.sin_port));
	assert_int_equal(config_parse(&f->cfg, json, strlen(json), "t.json",
			     err, sizeof err),
	    0);
	f->epfd = epoll_create1(0);
	f->cache = fwd_cache_new(16);
	f->e = fwd_engine_new(&f->cfg, f->epfd, f->cache);
	assert_non_null(f->e);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	fwd_engine_free(f->e);
	fwd_cache_free(f->cache);
	config_free(&f->cfg);
	close(f->epfd);
	close(f->up);
	free(f);
	return 0;
}

/* A query for QNAME type A with ID id. */
static size_t
query(uint8_t *b, uint16_t id, struct dns_query *q)
{
	size_t n = WIRE_HEADER_SIZE;

	memset(b, 0, WIRE_HEADER_SIZE);
	wire_write_u16(b, id);
	wire_write_u16(b + 2, WIRE_RD);
	wire_write_u16(b + 4, 1);
	memcpy(b + n, QNAME, sizeof QNAME);
	n += sizeof QNAME;
	wire_write_u16(b + n, TYPE_A);
	wire_write_u16(b + n + 2, CLASS_IN);
	n += 4;
	assert_int_equal(msg_parse_query(b, n, q), PARSE_OK);
	return n;
}

static size_t
submit(struct fixture *f, uint16_t id, uint8_t *out)
{
	uint8_t b[512];
	struct dns_query q;
	size_t n = query(b, id, &q);

	return fwd_submit(f->e, &q, -1, b, n, false, done, f, out, 4096);
}

/* The next query at the upstream: its length, the sender in *from. */
static size_t
upstream_recv(struct fixture *f, uint8_t *b, struct sockaddr_in *from)
{
	socklen_t fl = sizeof *from;
	ssize_t n = recvfrom(f->up, b, 512, 0, (struct sockaddr *)from, &fl);

	assert_true(n >= WIRE_HEADER_SIZE);
	return (size_t)n;
}

/* Runs the engine's events until a reply was delivered or 2 s passed. */
static void
pump(struct fixture *f, int want)
{
	for (int i = 0; i < 40 && f->replies < want; i++) {
		struct epoll_event ev[8];
		int n = epoll_wait(f->epfd, ev, 8, 50);

		for (int k = 0; k < n; k++)
			fwd_event(f->e, ev[k].data.u32, ev[k].events);
	}
}

/* An answer to the query q (qn bytes) with one A RR of ttl; when
 * compressed, the question's name is a pointer to the answer's owner. */
static size_t
answer(const uint8_t *q, size_t qn, uint32_t ttl, bool compressed, uint8_t *r)
{
	size_t n;

	memcpy(r, q, WIRE_HEADER_SIZE);
	wire_write_u16(r + 2, WIRE_QR | WIRE_RD | WIRE_RA);
	wire_write_u16(r + 6, 1);
	n = WIRE_HEADER_SIZE;
	if (compressed) {
		wire_write_u16(r + n, 0xC000 | (WIRE_HEADER_SIZE + 6));
		n += 2;
		memcpy(r + n, q + qn - 4, 4);
		n += 4;
		memcpy(r + n, QNAME, sizeof QNAME);
		n += sizeof QNAME;
	} else {
		memcpy(r + n, q + WIRE_HEADER_SIZE, qn - WIRE_HEADER_SIZE);
		n = qn;
		wire_write_u16(r + n, 0xC00C);
		n += 2;
	}
	wire_write_u16(r + n, TYPE_A);
	wire_write_u16(r + n + 2, CLASS_IN);
	wire_write_u32(r + n + 4, ttl);
	wire_write_u16(r + n + 8, 4);
	memcpy(r + n + 10, "\xc0\x00\x02\x07", 4);
	return n + 14;
}

static void
reply_to(struct fixture *f, const uint8_t *r, size_t n,
    const struct sockaddr_in *to)
{
	assert_int_equal(sendto(f->up, r, n, 0, (const struct sockaddr *)to,
			     sizeof *to),
	    (ssize_t)n);
}

static void
test_round_trip_with_fresh_id(void **state)
{
	struct fixture *f = *state;
	uint8_t out[4096], q[512], r[512];
	struct sockaddr_in from;
	size_t qn, rn;

	assert_int_equal(submit(f, 0x1234, out), 0);
	assert_int_equal(fwd_pending(f->e), 1);
	qn = upstream_recv(f, q, &from);
	assert_memory_equal(q + WIRE_HEADER_SIZE, QNAME, sizeof QNAME);
	/* A reply for another question is not taken. */
	rn = answer(q, qn, 60, false, r);
	r[WIRE_HEADER_SIZE + 1] = 'x';
	reply_to(f, r, rn, &from);
	pump(f, 1);
	assert_int_equal(f->replies, 0);
	rn = answer(q, qn, 60, false, r);
	reply_to(f, r, rn, &from);
	pump(f, 1);
	assert_int_equal(f->replies, 1);
	assert_int_equal(wire_read_u16(f->reply), 0x1234);
	assert_int_equal(f->reply_len, rn);
	assert_memory_equal(f->reply + 2, r + 2, rn - 2);
	assert_int_equal(fwd_pending(f->e), 0);
	/* The second time from the cache, the upstream not asked. */
	rn = submit(f, 0x4321, out);
	assert_int_equal(rn, f->reply_len);
	assert_int_equal(wire_read_u16(out), 0x4321);
	assert_int_equal(fwd_pending(f->e), 0);
}

static void
test_compressed_question_not_served_corrupted(void **state)
{
	struct fixture *f = *state;
	uint8_t out[4096], q[512], r[512];
	struct sockaddr_in from;
	size_t qn, rn, n;

	assert_int_equal(submit(f, 0x0101, out), 0);
	qn = upstream_recv(f, q, &from);
	rn = answer(q, qn, 300, true, r);
	reply_to(f, r, rn, &from);
	pump(f, 1);
	assert_int_equal(f->replies, 1);
	assert_int_equal(f->reply_len, rn);
	assert_memory_equal(f->reply + 2, r + 2, rn - 2);
	/* Asked again: the same bytes, or the upstream asked again, never
	 * the question pasted over the pointer. */
	n = submit(f, 0x0202, out);
	if (n > 0) {
		assert_int_equal(n, rn);
		assert_memory_equal(out + 2, r + 2, rn - 2);
	} else {
		qn = upstream_recv(f, q, &from);
		rn = answer(q, qn, 300, true, r);
		reply_to(f, r, rn, &from);
		pump(f, 2);
		assert_int_equal(f->replies, 2);
		assert_memory_equal(f->reply + 2, r + 2, rn - 2);
	}
}

/* The cache on its own: a reply for QNAME A IN with one answer of ttl,
 * padded with `pad` bytes of an extra TXT-like additional RR. */
static size_t
cache_reply(uint8_t *r, uint32_t ttl, size_t pad)
{
	uint8_t q[512];
	struct dns_query dq;
	size_t n = answer(q, query(q, 7, &dq), ttl, false, r);

	if (pad > 0) {
		wire_write_u16(r + 10, 1);
		r[n] = 0;
		wire_write_u16(r + n + 1, 16);
		wire_write_u16(r + n + 3, CLASS_IN);
		wire_write_u32(r + n + 5, ttl);
		wire_write_u16(r + n + 9, (uint16_t)pad);
		memset(r + n + 11, 'p', pad);
		n += 11 + pad;
	}
	return n;
}

static const struct fwd_cache_key key = {
	.qname = (const uint8_t *)QNAME,
	.qname_len = sizeof QNAME,
	.qtype = TYPE_A,
	.qclass = CLASS_IN,
};

static void
test_cache_bounds(void **state)
{
	struct fwd_cache *c = fwd_cache_new(SIZE_MAX); /* capped, not a hang */
	uint8_t r[8192], out[8192];
	size_t n;

	(void)state;
	assert_non_null(c);
	n = cache_reply(r, 60, 0);
	fwd_cache_store(c, &key, r, n);
	assert_int_equal(fwd_cache_lookup(c, &key, out, sizeof out), n);
	fwd_cache_free(c);

	c = fwd_cache_new(4);
	/* Over FWD_CACHE_MAX_REPLY bytes: not kept. */
	n = cache_reply(r, 60, FWD_CACHE_MAX_REPLY);
	fwd_cache_store(c, &key, r, n);
	assert_int_equal(fwd_cache_lookup(c, &key, out, sizeof out), 0);
	/* RFC 2181 §8: a TTL with the top bit set is 0, not 68 years. */
	n = cache_reply(r, 0x80000000U, 0);
	fwd_cache_store(c, &key, r, n);
	assert_int_equal(fwd_cache_lookup(c, &key, out, sizeof out), 0);
	/* A week's TTL is kept FWD_CACHE_MAX_TTL at most, and served with
	 * the upstream's TTL. */
	n = cache_reply(r, 86400 * 7, 0);
	fwd_cache_store(c, &key, r, n);
	assert_true(fwd_cache_ms_left(c, &key) <= FWD_CACHE_MAX_TTL * 1000);
	assert_true(
	    fwd_cache_ms_left(c, &key) > FWD_CACHE_MAX_TTL * 1000 - 5000);
	assert_int_equal(fwd_cache_lookup(c, &key, out, sizeof out), n);
	assert_int_equal(wire_read_u32(out + n - 10), 86400 * 7);
	/* A short one keeps its own. */
	n = cache_reply(r, 30, 0);
	fwd_cache_store(c, &key, r, n);
	assert_true(fwd_cache_ms_left(c, &key) <= 30000);
	assert_int_equal(fwd_cache_count(c), 1);
	fwd_cache_free(c);
}

static void
test_table_sized_to_descriptor_budget(void **state)
{
	struct fixture *f = *state;
	uint8_t out[4096];
	size_t cap = fwd_capacity(f->e), n;

	assert_true(fwd_socket_budget() > 0 && fwd_socket_budget() < 32);
	assert_int_equal(cap, fwd_socket_budget());
	for (size_t i = 0; i < cap; i++)
		assert_int_equal(submit(f, (uint16_t)i, out), 0);
	assert_int_equal(fwd_pending(f->e), cap);
	/* Full: SERVFAIL now, with the question. */
	n = submit(f, 0xbeef, out);
	assert_true(n > WIRE_HEADER_SIZE);
	assert_int_equal(wire_read_u16(out), 0xbeef);
	assert_int_equal(wire_read_u16(out + 2) & 0xf, RCODE_SERVFAIL);
	assert_int_equal(f->replies, 0);
}

static void
test_no_descriptor_servfail_at_once(void **state)
{
	struct fixture *f = *state;
	uint8_t out[4096];
	int fds[128], k = 0;
	size_t n;

	/* Every descriptor the process may have taken. */
	while (k < 128 && (fds[k] = dup(0)) >= 0)
		k++;
	assert_int_equal(errno, EMFILE);
	n = submit(f, 0xcafe, out);
	while (k > 0)
		close(fds[--k]);
	assert_true(n > WIRE_HEADER_SIZE);
	assert_int_equal(wire_read_u16(out), 0xcafe);
	assert_int_equal(wire_read_u16(out + 2) & 0xf, RCODE_SERVFAIL);
	assert_int_equal(fwd_pending(f->e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_with_fresh_id,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_compressed_question_not_served_corrupted, setup,
		    teardown),
		cmocka_unit_test(test_cache_bounds),
		cmocka_unit_test_setup_teardown(
		    test_table_sized_to_descriptor_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_descriptor_servfail_at_once,
		    setup, teardown),
	};
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = 64;
	setrlimit(RLIMIT_NOFILE, &rl);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
