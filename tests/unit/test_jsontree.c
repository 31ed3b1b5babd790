/* test_jsontree.c -- the nesting-depth check in front of every yajl tree
 * parse: deep documents are refused before yajl builds (and recursively
 * frees) a tree, brackets inside strings do not count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/jsontree.h"

static void
test_depth_counts_brackets(void **state)
{
	(void)state;
	assert_int_equal(json_depth("1", 1, 64), 0);
	assert_int_equal(json_depth("{}", 2, 64), 1);
	assert_int_equal(json_depth("{\"a\":[[1],{\"b\":[]}]}", 20, 64), 4);
	/* closing brackets back out; siblings do not add up */
	assert_int_equal(json_depth("[[1],[2],[[3]]]", 15, 64), 3);
}

static void
test_depth_ignores_strings(void **state)
{
	const char *s = "{\"k[[[{{\":\"]]]\\\"[[[[\",\"x\":[\"\\\\\"]}";

	(void)state;
	assert_int_equal(json_depth(s, strlen(s), 64), 2);
}

/* A 1.5M-deep array, the hostile event of issue 11: yajl_tree_parse of
 * it overflows the stack when the tree is freed; json_parse refuses it
 * with a message and keeps the limit's neighbours apart. */
static void
test_parse_refuses_deep(void **state)
{
	size_t n = 1500000;
	char *deep = malloc(2 * n + 1), err[128] = "";

	(void)state;
	assert_non_null(deep);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	assert_null(json_parse(deep, err, sizeof err));
	assert_string_equal(err, "nesting deeper than 64");
	free(deep);
}

static void
test_parse_limit_is_64(void **state)
{
	char text[200], err[128] = "";
	yajl_val v;

	(void)state;
	memset(text, '[', 64);
	memset(text + 64, ']', 64);
	text[128] = '\0';
	v = json_parse(text, err, sizeof err);
	assert_non_null(v);
	assert_true(YAJL_IS_ARRAY(v));
	yajl_tree_free(v);
	memset(text, '[', 65);
	memset(text + 65, ']', 65);
	text[130] = '\0';
	assert_null(json_parse(text, err, sizeof err));
	/* bad JSON still gets yajl's own message */
	v = json_parse("{\"a\":", err, sizeof err);
	assert_null(v);
	assert_string_not_equal(err, "nesting deeper than 64");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth_counts_brackets),
		cmocka_unit_test(test_depth_ignores_strings),
		cmocka_unit_test(test_parse_refuses_deep),
		cmocka_unit_test(test_parse_limit_is_64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
