/* test_intern.c -- util/intern.h: equal strings share one copy, a copy
 * lives as long as its references, and removals keep every other string
 * findable (the set deletes without tombstones).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/intern.h"

static void
test_equal_strings_share_one_copy(void **state)
{
	struct intern t = { 0 };
	char buf[64];
	const char *a, *b, *c;

	(void)state;
	snprintf(buf, sizeof buf, "%s", "S0-agent");
	a = intern_get(&t, buf);
	buf[0] = 'T';
	b = intern_get(&t, "S0-agent");
	c = intern_get(&t, buf);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, c);
	assert_string_equal(a, "S0-agent"); /* a copy, not the caller's */
	assert_string_equal(c, "T0-agent");
	assert_int_equal(intern_count(&t), 2);
	intern_free(&t);
	assert_int_equal(intern_count(&t), 0);
}

static void
test_copy_lives_until_last_reference(void **state)
{
	struct intern t = { 0 };
	const char *a, *b;

	(void)state;
	a = intern_get(&t, "agent");
	b = intern_get(&t, "agent");
	intern_put(&t, a);
	assert_int_equal(intern_count(&t), 1);
	assert_string_equal(b, "agent");
	intern_put(&t, b);
	assert_int_equal(intern_count(&t), 0);
	/* A new copy after the last one went. */
	a = intern_get(&t, "agent");
	assert_string_equal(a, "agent");
	assert_int_equal(intern_count(&t), 1);
	intern_put(&t, NULL); /* nothing */
	intern_free(&t);
}

static void
test_removals_keep_the_others_findable(void **state)
{
	struct intern t = { 0 };
	const char *p[3000];
	char buf[32];

	(void)state;
	/* Enough strings to grow the table several times and make long
	 * probe runs; then every other one removed, in an order unlike
	 * the insertion order. */
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof buf, "agent-S%d", i);
		assert_non_null(p[i] = intern_get(&t, buf));
	}
	assert_int_equal(intern_count(&t), 3000);
	for (int i = 2999; i >= 0; i -= 2)
		intern_put(&t, p[i]);
	assert_int_equal(intern_count(&t), 1500);
	for (int i = 0; i < 3000; i += 2) {
		snprintf(buf, sizeof buf, "agent-S%d", i);
		/* Still there: the same copy, one reference more. */
		assert_ptr_equal(intern_get(&t, buf), p[i]);
		intern_put(&t, p[i]);
	}
	assert_int_equal(intern_count(&t), 1500);
	for (int i = 1; i < 3000; i += 2) {
		snprintf(buf, sizeof buf, "agent-S%d", i);
		p[i] = intern_get(&t, buf);
		assert_string_equal(p[i], buf);
	}
	assert_int_equal(intern_count(&t), 3000);
	for (int i = 0; i < 3000; i++)
		intern_put(&t, p[i]);
	assert_int_equal(intern_count(&t), 0);
	intern_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_strings_share_one_copy),
		cmocka_unit_test(test_copy_lives_until_last_reference),
		cmocka_unit_test(test_removals_keep_the_others_findable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
