/* test_ipaddr.c -- ipaddr_parse/format against Go net.ParseIP and
 * IP.String() (state.md §3, records.md §9), including every acceptance
 * edge where a libc or older Go could differ, and hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/ipaddr.h"

/* Parses in (NUL-terminated), expects success, the canonical text and the
 * A/AAAA decision; then the text must parse back to the same address. */
static void
check_ok(const char *in, const char *want, bool v4)
{
	struct ipaddr ip, again;
	char out[IPADDR_STRLEN];
	size_t n;

	if (!ipaddr_parse(in, strlen(in), &ip))
		fail_msg("rejected \"%s\"", in);
	memset(out, 'X', sizeof out);
	n = ipaddr_format(&ip, out);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	assert_int_equal(ipaddr_is_v4(&ip), v4);
	assert_true(ipaddr_parse(out, n, &again));
	assert_memory_equal(ip.b, again.b, 16);
}

static void
check_bad_len(const char *in, size_t len)
{
	struct ipaddr ip;

	if (ipaddr_parse(in, len, &ip))
		fail_msg("accepted \"%.*s\" (%zu bytes)", (int)len,
		    len ? in : "", len);
}

static void
check_bad(const char *in)
{
	check_bad_len(in, strlen(in));
}

static void
test_v4(void **state)
{
	struct ipaddr ip;
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff, 10, 3, 0, 1 };

	check_ok("10.3.0.1", "10.3.0.1", true);
	check_ok("0.0.0.0", "0.0.0.0", true);
	check_ok("255.255.255.255", "255.255.255.255", true);
	check_ok("1.20.100.200", "1.20.100.200", true);
	/* IPv4 is stored IPv4-mapped */
	assert_true(ipaddr_parse("10.3.0.1", 8, &ip));
	assert_memory_equal(ip.b, mapped, 16);
}

/* Go >= 1.17 (and netip) refuse leading zeros; every non-dotted-quad form
 * that inet_aton would take is refused too. */
static void
test_v4_bad(void **state)
{
	static const char *const bad[] = {
		"01.2.3.4",
		"1.2.3.04",
		"00.0.0.0",
		"1.2.3.010",
		"0.00.0.0",
		"1.2.3",
		"1.2.3.4.",
		".1.2.3.4",
		"1..2.3",
		"1.2.3.4.5",
		"256.0.0.1",
		"1.2.3.256",
		"1000.1.1.1",
		"0x1.2.3.4",
		"0x7f000001",
		"127.1",
		"2130706433",
		"1.2.3.4 ",
		" 1.2.3.4",
		"1.2.3.-4",
		"+1.2.3.4",
		"1.2.3.4/24",
		"1.2.3.4:80",
		"1.2.3.4%eth0",
		"1.2.3.a",
		"1,2,3,4",
		".",
		"...",
		"1.2.3.",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check_bad(bad[i]);
}

static void
test_v6(void **state)
{
	check_ok("::", "::", false);
	check_ok("::1", "::1", false);
	check_ok("1::", "1::", false);
	check_ok("fd01:b::1:8000:2", "fd01:b::1:8000:2", false);
	/* lowercase, no leading zeros, longest zero run compressed */
	check_ok("FD00:0:0:3B7B:0:0:0:26A8", "fd00:0:0:3b7b::26a8", false);
	check_ok("fd00:0000:0000:0000:0000:0000:0741:e4b1", "fd00::741:e4b1",
	    false);
	check_ok("2001:0DB8::0001", "2001:db8::1", false);
	/* a single zero group is not compressed */
	check_ok("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", false);
	check_ok("0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7", false);
	check_ok("1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0", false);
	/* ties: the leftmost run */
	check_ok("2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1", false);
	check_ok("1:0:0:2:0:0:0:3", "1:0:0:2::3", false);
	check_ok("0:0:1:0:0:0:0:0", "0:0:1::", false);
	check_ok("0:0:0:1:0:0:0:0", "0:0:0:1::", false);
	check_ok("0:0:0:1:0:0:0:1", "::1:0:0:0:1", false);
	check_ok("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", false);
	check_ok("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", false);
	check_ok("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8", false);
	check_ok("fe80::1:2", "fe80::1:2", false);
	check_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false);
	check_ok("0000::", "::", false);
}

/* IPv4 tails: an IPv4-mapped address is A and printed dotted; any other
 * address is printed in hex like Go, never as ::a.b.c.d. */
static void
test_v6_embedded_v4(void **state)
{
	check_ok("::ffff:1.2.3.4", "1.2.3.4", true);
	check_ok("::FFFF:102:304", "1.2.3.4", true);
	check_ok("0:0:0:0:0:ffff:7f00:1", "127.0.0.1", true);
	check_ok("::ffff:0.0.0.0", "0.0.0.0", true);
	check_ok("0000:0000:0000:0000:0000:ffff:255.255.255.255",
	    "255.255.255.255", true);
	check_ok("::1.2.3.4", "::102:304", false);
	check_ok("::0.0.0.1", "::1", false);
	check_ok("::ffff:0:1.2.3.4", "::ffff:0:102:304", false);
	check_ok("64:ff9b::1.2.3.4", "64:ff9b::102:304", false);
	check_ok("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304", false);
	check_ok("1::2:3.4.5.6", "1::2:304:506", false);
	check_ok("0000:0000:0000:0000:0000:0000:255.255.255.255", "::ffff:ffff",
	    false);
}

static void
test_v6_bad(void **state)
{
	static const char *const bad[] = {
		":",
		":::",
		"1:::2",
		":1",
		"1:",
		"1::2:",
		":1::2",
		"1::2::3",
		"::1::",
		"1:2:3:4:5:6:7",
		"1:2:3:4:5:6:7:8:9",
		/* "::" must stand for at least one group */
		"1:2:3:4:5:6:7:8::",
		"::1:2:3:4:5:6:7:8",
		"1:2:3:4::5:6:7:8",
		/* at most 4 hex digits a group, even when the value fits */
		"00001::",
		"::12345",
		"1:2:3:4:5:6:7:00008",
		"g::1",
		"::-1",
		"::1 ",
		" ::1",
		"::1\n",
		/* no zones, no brackets, no prefix lengths */
		"fe80::1%eth0",
		"fe80::1%",
		"%eth0",
		"[::1]",
		"::1/128",
		/* IPv4 tails: strict dotted quad, only in the last 32 bits */
		"::01.2.3.4",
		"::1.2.3.04",
		"::1.2.3",
		"::1.2.3.4:1",
		"::1.2.3.4.5",
		"::256.1.1.1",
		"1:2:3:4:5:1.2.3.4",
		"1:2:3:4:5:6:7:1.2.3.4",
		"1:2:3:4:5:6::1.2.3.4",
		"1.2.3.4::",
		"::1.2.3.4::",
		"::a.b.c.d",
		"::1234.1.1.1",
		"::ffff:1.2.3.4%0",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check_bad(bad[i]);
}

/* Format for addresses built byte by byte: every single-group and
 * zero-run layout must round-trip through the parser. */
static void
test_format_roundtrip(void **state)
{
	struct ipaddr ip, again;
	char out[IPADDR_STRLEN];
	unsigned mask;
	size_t n;
	int g;

	/* all 256 patterns of zero/non-zero groups */
	for (mask = 0; mask < 256; mask++) {
		memset(&ip, 0, sizeof ip);
		for (g = 0; g < 8; g++)
			if (mask & (1u << g))
				ip.b[2 * g + 1] = (uint8_t)(g + 1);
		n = ipaddr_format(&ip, out);
		assert_int_equal(n, strlen(out));
		assert_true(n < IPADDR_STRLEN);
		assert_true(ipaddr_parse(out, n, &again));
		assert_memory_equal(ip.b, again.b, 16);
		if (!ipaddr_is_v4(&ip))
			assert_null(strchr(out, '.'));
	}
}

/* Bytes after len are never looked at; NUL inside the range is refused
 * (inet_pton would otherwise accept the prefix before it). */
static void
test_hostile(void **state)
{
	struct ipaddr ip;
	char out[IPADDR_STRLEN];
	size_t len = 1 << 20;
	char *big;

	check_bad_len("", 0);
	check_bad_len(NULL, 0);
	check_bad_len("1.2.3.4\0", 8);
	check_bad_len("1.2.3.4\0"
		      "5",
	    9);
	check_bad_len("::1\0", 4);
	check_bad_len("\0", 1);
	check_bad_len("1.2.3.4\xff", 8);
	check_bad_len("\xef\xbc\x91.2.3.4", 9); /* fullwidth 1 */
	check_bad_len("::\xc3\xa9", 4);

	/* a shorter len selects a prefix */
	assert_true(ipaddr_parse("1.2.3.45", 7, &ip));
	ipaddr_format(&ip, out);
	assert_string_equal(out, "1.2.3.4");
	assert_true(ipaddr_parse("::1:2junk", 5, &ip));
	ipaddr_format(&ip, out);
	assert_string_equal(out, "::1:2");

	/* the longest literal (45 bytes) passes; 46 and more do not */
	check_ok("0000:0000:0000:0000:0000:0000:255.255.255.255", "::ffff:ffff",
	    false);
	check_bad("00000:0000:0000:0000:0000:0000:255.255.255.255");
	check_bad("0000:0000:0000:0000:0000:0000:0000:0000:0000");

	/* an unterminated heap buffer, exactly len bytes: ASan checks that
	 * nothing reads beyond it */
	big = malloc(len);
	assert_non_null(big);
	memset(big, '1', len);
	check_bad_len(big, len);
	check_bad_len(big, 46);
	memcpy(big, "1.2.3.4", 7);
	assert_true(ipaddr_parse(big, 7, &ip));
	memcpy(big + len - 3, "::1", 3);
	assert_true(ipaddr_parse(big + len - 3, 3, &ip));
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4),
		cmocka_unit_test(test_v4_bad),
		cmocka_unit_test(test_v6),
		cmocka_unit_test(test_v6_embedded_v4),
		cmocka_unit_test(test_v6_bad),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
