/* test_jsontree.c -- the nesting-depth check in front of every yajl tree
 * parse: deep documents are refused before yajl builds (and recursively
 * frees) a tree, brackets inside strings do not count; key look-ups, exact
 * and as Go's encoding/json matches them. */
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

/* A json.info znode as Go's encoding/json reads it (the original decodes
 * MasterInfo so): keys under case folding, ſ (U+017F) as s, the last of
 * duplicate keys; exact keys for the operator API's own look-ups. */
static void
test_get_go_folds_and_takes_the_last(void **state)
{
	yajl_val root, a;

	(void)state;
	root = json_parse("{\"ID\":\"first\",\"AddreSS\":{\"Ip\":\"10.0.0.1\","
			  "\"PORT\":5051},\"iD\":\"last\",\"ip\":1,\"IP\":2}",
	    NULL, 0);
	assert_non_null(root);
	assert_string_equal(json_get_go(root, "id")->u.string, "last");
	a = json_get_go(root, "address");
	assert_true(YAJL_IS_OBJECT(a));
	assert_string_equal(json_get_go(a, "ip")->u.string, "10.0.0.1");
	assert_int_equal(json_get_go(a, "port")->u.number.i, 5051);
	assert_int_equal(json_get_go(root, "ip")->u.number.i, 2);
	assert_null(json_get_go(root, "hostname"));
	assert_null(json_get(root, "id"));
	yajl_tree_free(root);
	root = json_parse("{\"addre\xc5\xbf\xc5\xbf\":{}}", NULL, 0);
	assert_non_null(json_get_go(root, "address"));
	assert_null(json_get_go(root, "addre"));
	yajl_tree_free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth_counts_brackets),
		cmocka_unit_test(test_depth_ignores_strings),
		cmocka_unit_test(test_parse_refuses_deep),
		cmocka_unit_test(test_parse_limit_is_64),
		cmocka_unit_test(test_get_go_folds_and_takes_the_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
