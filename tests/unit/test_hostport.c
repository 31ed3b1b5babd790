/* test_hostport.c -- "host:port" splitting and joining with Go's
 * net.SplitHostPort / net.JoinHostPort rules (masters, resolvers, pids,
 * the URLs built from them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/hostport.h"

static void
test_join(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(hostport_join(out, sizeof out, "10.0.0.1", 5050),
	    "10.0.0.1:5050");
	assert_string_equal(hostport_join(out, sizeof out, "master.example",
				443),
	    "master.example:443");
	/* An IPv6 literal is bracketed, or the port would be ambiguous. */
	assert_string_equal(hostport_join(out, sizeof out, "::1", 5050),
	    "[::1]:5050");
	assert_string_equal(hostport_join(out, sizeof out, "fd00::a:1", 0),
	    "[fd00::a:1]:0");
	/* Cut to the buffer, always terminated. */
	assert_string_equal(hostport_join(out, 6, "10.0.0.1", 5050), "10.0.");
}

static void
test_join_then_split(void **state)
{
	static const char *const hosts[] = { "10.1.2.3", "::1", "fe80::1",
		"agent-7.mesos" };
	char out[300];
	struct hostport hp;

	(void)state;
	for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
		hostport_join(out, sizeof out, hosts[i], 31000);
		assert_int_equal(hostport_split(out, &hp, false), 0);
		assert_string_equal(hp.host, hosts[i]);
		assert_int_equal(hp.port, 31000);
		assert_true(hp.has_port);
	}
}

static void
test_split(void **state)
{
	struct hostport hp;

	(void)state;
	assert_int_equal(hostport_split("[::1]:53", &hp, false), 0);
	assert_string_equal(hp.host, "::1");
	assert_int_equal(hp.port, 53);
	/* Go refuses an unbracketed IPv6 address with a port... */
	assert_int_equal(hostport_split("::1:53", &hp, false), -1);
	/* ...but a resolver may be an IP literal alone. */
	assert_int_equal(hostport_split("::1", &hp, true), 0);
	assert_string_equal(hp.host, "::1");
	assert_false(hp.has_port);
	assert_int_equal(hostport_split("8.8.8.8", &hp, false), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_join_then_split),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
