/* test_reverse.c -- reverse-tree names and address prefixes (ReverseOn):
 * names built from addresses, names parsed back (text and wire), the
 * default zones and zone coverage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dns/dname.h"
#include "dns/wire.h"
#include "util/reverse.h"
#include "util/ipaddr.h"

static struct rev_prefix
of(const char *ip_text)
{
	struct ipaddr ip;
	struct rev_prefix p;

	assert_true(ipaddr_parse(ip_text, strlen(ip_text), &ip));
	reverse_of_ip(&ip, &p);
	return p;
}

static void
expect_name(const struct rev_prefix *p, const char *want)
{
	char out[REV_NAME_MAX];
	size_t n = reverse_name(p, out);

	assert_int_equal(n, strlen(want));
	out[n] = '\0';
	assert_string_equal(out, want);
}

static void
test_names_of_addresses(void **state)
{
	struct rev_prefix p;
	struct ipaddr ip;

	(void)state;
	p = of("10.7.0.1");
	expect_name(&p, "1.0.7.10.in-addr.arpa.");
	p = of("192.168.100.255");
	expect_name(&p, "255.100.168.192.in-addr.arpa.");
	/* IPv4-mapped is an A address: in-addr.arpa. */
	p = of("::ffff:1.2.3.4");
	expect_name(&p, "4.3.2.1.in-addr.arpa.");
	p = of("2001:db8::1");
	expect_name(&p,
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.ip6.arpa.");
	assert_true(ipaddr_parse("10.7.0.1", 8, &ip));
	reverse_default_zone(&ip, &p);
	expect_name(&p, "0.7.10.in-addr.arpa.");
	assert_true(ipaddr_parse("2001:db8:1:2:3::9", 17, &ip));
	reverse_default_zone(&ip, &p);
	expect_name(&p, "2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
}

static void
test_parse_round_trip(void **state)
{
	static const char *const ips[] = { "10.7.0.1", "0.0.0.0", "1.2.3.4",
		"2001:db8::1", "fd00::abcd:ef01", "::" };

	(void)state;
	for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
		struct rev_prefix p = of(ips[i]), q, w;
		char text[REV_NAME_MAX];
		uint8_t wire[WIRE_MAX_NAME];
		size_t n = reverse_name(&p, text), wlen;

		assert_int_equal(reverse_parse_text(text, n, &q), REV_PREFIX);
		assert_int_equal(reverse_cmp(&p, &q), 0);
		/* without the trailing dot and in capitals too */
		for (size_t k = 0; k < n; k++)
			if (text[k] >= 'a' && text[k] <= 'z')
				text[k] = (char)(text[k] - 32);
		assert_int_equal(reverse_parse_text(text, n - 1, &q),
		    REV_PREFIX);
		assert_int_equal(reverse_cmp(&p, &q), 0);
		assert_int_equal(dname_from_text(text, n, wire, &wlen), 0);
		assert_int_equal(reverse_parse_wire(wire, &w), REV_PREFIX);
		assert_int_equal(reverse_cmp(&p, &w), 0);
	}
}

static void
test_parse_prefixes_and_others(void **state)
{
	struct rev_prefix p;

	(void)state;
	assert_int_equal(reverse_parse_text("7.10.in-addr.arpa", 17, &p),
	    REV_PREFIX);
	assert_int_equal(p.bits, 16);
	assert_int_equal(p.b[0], 10);
	assert_int_equal(p.b[1], 7);
	assert_int_equal(reverse_parse_text("in-addr.arpa.", 13, &p),
	    REV_PREFIX);
	assert_int_equal(p.bits, 0);
	assert_int_equal(reverse_parse_text("b.d.0.1.0.0.2.ip6.arpa.", 23, &p),
	    REV_PREFIX);
	assert_int_equal(p.bits, 28);
	assert_int_equal(p.v6, 1);
	/* not canonical octets or nibbles: a name under the tree, no address */
	assert_int_equal(reverse_parse_text("01.7.10.in-addr.arpa.", 21, &p),
	    REV_OTHER);
	assert_int_equal(p.bits, 16);
	assert_int_equal(reverse_parse_text("256.7.10.in-addr.arpa.", 22, &p),
	    REV_OTHER);
	assert_int_equal(reverse_parse_text("1.1.1.1.10.in-addr.arpa.", 24, &p),
	    REV_OTHER);
	assert_int_equal(reverse_parse_text("ab.ip6.arpa.", 12, &p), REV_OTHER);
	assert_int_equal(reverse_parse_text("x.in-addr.arpa.", 15, &p),
	    REV_OTHER);
	/* outside the trees */
	assert_int_equal(reverse_parse_text("1.2.3.4.example.", 16, &p),
	    REV_OUTSIDE);
	assert_int_equal(reverse_parse_text("arpa.", 5, &p), REV_OUTSIDE);
	assert_int_equal(reverse_parse_text("", 0, &p), REV_OUTSIDE);
	assert_int_equal(reverse_parse_text("1..in-addr.arpa.", 16, &p),
	    REV_OUTSIDE);
	assert_int_equal(reverse_parse_wire((const uint8_t *)"", &p),
	    REV_OUTSIDE);
}

static void
test_zone_coverage(void **state)
{
	struct rev_prefix z, a = of("10.7.0.1"), b = of("10.8.0.1");
	struct rev_prefix v6 = of("2001:db8::1");

	(void)state;
	assert_int_equal(reverse_parse_text("7.10.in-addr.arpa.", 18, &z),
	    REV_PREFIX);
	assert_true(reverse_covers(&z, &a));
	assert_false(reverse_covers(&z, &b));
	assert_false(reverse_covers(&z, &v6));
	assert_true(reverse_covers(&z, &z));
	/* a nibble boundary inside a byte */
	assert_int_equal(reverse_parse_text("b.d.0.1.0.0.2.ip6.arpa.", 23, &z),
	    REV_PREFIX);
	assert_true(reverse_covers(&z, &v6));
	v6.b[3] = 0xc8; /* 2001:0dc8:: */
	assert_false(reverse_covers(&z, &v6));
	/* a longer prefix does not cover a shorter one */
	assert_false(reverse_covers(&a, &z));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_of_addresses),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_prefixes_and_others),
		cmocka_unit_test(test_zone_coverage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
