/* test_rrl.c -- response rate limiting (src/server/rrl.c): the token
 * bucket per source prefix, its refill, the slip, and what counts as one
 * prefix (/24 IPv4, IPv4-mapped IPv6 as IPv4, /56 IPv6).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "server/rrl.h"

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof ss);
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &in->sin_addr), 1);
	}
	return ss;
}

/* How many of n responses to `who` at time now get each fate. */
static void
burst(struct rrl *r, const char *who, int64_t now, int n, int *send, int *drop,
    int *slip)
{
	struct sockaddr_storage a = addr(who);

	*send = *drop = *slip = 0;
	for (int i = 0; i < n; i++)
		switch (rrl_check(r, &a, now)) {
		case RRL_SEND:
			(*send)++;
			break;
		case RRL_DROP:
			(*drop)++;
			break;
		case RRL_SLIP:
			(*slip)++;
			break;
		}
}

/* 200 at once at 10 per second, slip 2: one second's worth (10) is sent,
 * of the 190 others every second one slips. */
static void
test_burst_and_slip(void **state)
{
	struct rrl *r = rrl_new(10, 2, 1024);
	int send, drop, slip;

	(void)state;
	assert_non_null(r);
	burst(r, "192.0.2.1", 1000, 200, &send, &drop, &slip);
	assert_int_equal(send, 10);
	assert_int_equal(slip, 95);
	assert_int_equal(drop, 95);
	rrl_free(r);
}

/* Refill: 100 ms at 10/s is one more response; a long pause fills the
 * bucket to one second's worth, no more; a client within the rate loses
 * nothing. */
static void
test_refill(void **state)
{
	struct rrl *r = rrl_new(10, 2, 1024);
	struct sockaddr_storage a = addr("192.0.2.1");
	int send, drop, slip;

	(void)state;
	burst(r, "192.0.2.1", 1000, 10, &send, &drop, &slip);
	assert_int_equal(send, 10);
	assert_int_equal(rrl_check(r, &a, 1000), RRL_DROP);
	assert_int_equal(rrl_check(r, &a, 1099), RRL_SLIP);
	assert_int_equal(rrl_check(r, &a, 1100), RRL_SEND);
	assert_int_equal(rrl_check(r, &a, 1100), RRL_DROP);
	burst(r, "192.0.2.1", 3600 * 1000, 50, &send, &drop, &slip);
	assert_int_equal(send, 10);
	/* 10 per second, one every 100 ms, for a minute: all sent. */
	for (int64_t t = 4000 * 1000; t < 4000 * 1000 + 60000; t += 100)
		assert_int_equal(rrl_check(r, &a, t), RRL_SEND);
	rrl_free(r);
}

/* A /24 shares one bucket, the next /24 has its own; IPv4-mapped IPv6 is
 * the IPv4 prefix; IPv6 shares per /56. */
static void
test_prefixes(void **state)
{
	struct rrl *r = rrl_new(5, 0, 1024);
	int send, drop, slip;

	(void)state;
	burst(r, "198.51.100.1", 0, 3, &send, &drop, &slip);
	burst(r, "198.51.100.254", 0, 3, &send, &drop, &slip);
	assert_int_equal(send, 2);
	burst(r, "::ffff:198.51.100.7", 0, 3, &send, &drop, &slip);
	assert_int_equal(send, 0);
	assert_int_equal(slip, 0); /* slip 0: every one dropped */
	burst(r, "198.51.101.1", 0, 3, &send, &drop, &slip);
	assert_int_equal(send, 3);

	burst(r, "2001:db8:0:1::1", 0, 4, &send, &drop, &slip);
	assert_int_equal(send, 4);
	burst(r, "2001:db8:0:2::99", 0, 4, &send, &drop, &slip);
	assert_int_equal(send, 1); /* same /56 */
	burst(r, "2001:db8:0:100::1", 0, 4, &send, &drop, &slip);
	assert_int_equal(send, 4); /* the next /56 */
	rrl_free(r);
}

/* Slip 1: every response over the rate goes out truncated. */
static void
test_slip_every_one(void **state)
{
	struct rrl *r = rrl_new(1, 1, 1024);
	int send, drop, slip;

	(void)state;
	burst(r, "203.0.113.9", 0, 20, &send, &drop, &slip);
	assert_int_equal(send, 1);
	assert_int_equal(slip, 19);
	assert_int_equal(drop, 0);
	rrl_free(r);
}

/* Many prefixes in a small table: each check lands in the fixed table
 * (no growth); a prefix whose bucket another took starts full again. */
static void
test_fixed_table(void **state)
{
	struct rrl *r = rrl_new(1, 0, 1); /* one bucket */
	struct sockaddr_storage a = addr("10.0.0.1"), b = addr("10.0.1.1");

	(void)state;
	assert_int_equal(rrl_check(r, &a, 0), RRL_SEND);
	assert_int_equal(rrl_check(r, &a, 0), RRL_DROP);
	assert_int_equal(rrl_check(r, &b, 0), RRL_SEND);
	assert_int_equal(rrl_check(r, &a, 0), RRL_SEND);
	rrl_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_and_slip),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_slip_every_one),
		cmocka_unit_test(test_fixed_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
