/* test_jsonkey.c -- JSON keys matched to field names as Go's encoding/json
 * matches them (util/jsonkey.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/jsonkey.h"

static void
ascii_case_folds(void **state)
{
	(void)state;
	assert_true(json_key_is("RefreshSeconds", "RefreshSeconds"));
	assert_true(json_key_is("refreshseconds", "RefreshSeconds"));
	assert_true(json_key_is("REFRESHSECONDS", "RefreshSeconds"));
	assert_true(json_key_is("slave_id", "slave_id"));
	assert_true(json_key_is("SLAVE_ID", "slave_id"));
	assert_false(json_key_is("RefreshSecond", "RefreshSeconds"));
	assert_false(json_key_is("RefreshSecondsX", "RefreshSeconds"));
	assert_false(json_key_is("slave-id", "slave_id"));
	assert_false(json_key_is("", "id"));
	/* '@' and '`' differ from letters by the case bit only. */
	assert_false(json_key_is("@", "`"));
	assert_false(json_key_is("i\xc4", "id"));
}

static void
kelvin_sign_and_long_s_fold_to_ascii(void **state)
{
	(void)state;
	/* U+017F LATIN SMALL LETTER LONG S folds to s, U+212A KELVIN SIGN
	 * to k, as Go's unicode.SimpleFold orbits say. */
	assert_true(json_key_is("Re\xc5\xbfolvers", "Resolvers"));
	assert_true(json_key_is("ta\xc5\xbfk\xc5\xbf", "tasks"));
	assert_true(json_key_is("\xe2\x84\xaa"
				"ey",
	    "key"));
	assert_true(json_key_is("ma\xe2\x84\xaa", "mak"));
	/* Only at an s or a k. */
	assert_false(json_key_is("\xc5\xbf"
				 "d",
	    "id"));
	assert_false(json_key_is("\xe2\x84\xaa"
				 "d",
	    "id"));
	/* Truncated sequences never match. */
	assert_false(json_key_is("ta\xc5", "tas"));
	assert_false(json_key_is("\xe2\x84", "k"));
	/* Other non-ASCII letters do not fold to ASCII (İ is not i). */
	assert_false(json_key_is("\xc4\xb0"
				 "d",
	    "id"));
}

static void
length_given_key(void **state)
{
	(void)state;
	assert_true(json_key_matches("tasks", "TASKSxyz", 5));
	assert_false(json_key_matches("tasks", "TASKSxyz", 6));
	assert_false(json_key_matches("tasks", "TASK", 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii_case_folds),
		cmocka_unit_test(kelvin_sign_and_long_s_fold_to_ascii),
		cmocka_unit_test(length_given_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
