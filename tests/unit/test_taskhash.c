/* test_taskhash.c -- taskhash against records.md §7.3 and hostile ids.
 * Expected values for the non-spec rows were computed independently
 * (Python hashlib SHA-1 + base64.b32encode translated to zbase32).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "records/taskhash.h"

static void
check_hash(const char *id, size_t len, const char *want)
{
	char out[TASKHASH_LEN + 1];

	memset(out, 'X', sizeof out);
	assert_true(taskhash(id, len, out));
	assert_string_equal(out, want);
}

/* The table of records.md §7.3. */
static void
test_spec_table(void **state)
{
	static const char *const rows[][2] = {
		{ "liquor-store.b8db9f73-562f-11e4-a088-c20493233aa5",
		    "4dfjd" },
		{ "toy-store.b8db9f73-562f-11e4-a088-c20493233aa5", "go588" },
		{ "nginx.1bc32344-3dda-11e4-a088-c20493233aa5", "6ud99" },
		{ "chronos.49b91a9a-3dda-11e4-a088-c20493233aa5", "rx8q6" },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		check_hash(rows[i][0], strlen(rows[i][0]), rows[i][1]);
}

/* Empty id, NUL inside the id (hashed, not a terminator), invalid UTF-8,
 * a length shorter than the buffer, and a megabyte-long id. */
static void
test_hostile(void **state)
{
	size_t len = 1000000;
	char *big = malloc(len);

	assert_non_null(big);
	check_hash("", 0, "5eh48");
	check_hash(NULL, 0, "5eh48");
	check_hash("a\0b", 3, "je66a");
	check_hash("a\0b", 1, "o556e");
	check_hash("\xff\xfe", 2, "4audp");
	memset(big, 'x', len);
	check_hash(big, len, "ks4r8");
	free(big);
}

/* The reusable hasher gives taskhash's result for every length around
 * SHA-1's block and padding edges (55, 56, 63, 64, 119, 120, 127, 128
 * bytes), id after id through one context, and for the spec's ids. */
static void
test_hasher_matches(void **state)
{
	struct taskhasher *h = taskhasher_new();
	unsigned char id[300];
	char out[TASKHASH_LEN + 1], want[TASKHASH_LEN + 1];

	(void)state;
	assert_non_null(h);
	for (size_t i = 0; i < sizeof id; i++)
		id[i] = (unsigned char)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof id; len++) {
		assert_true(taskhash((const char *)id, len, want));
		assert_true(taskhasher_hash(h, (const char *)id, len, out));
		assert_string_equal(out, want);
	}
	assert_true(taskhasher_hash(h,
	    "chronos.49b91a9a-3dda-11e4-a088-c20493233aa5", 44, out));
	assert_string_equal(out, "rx8q6");
	assert_true(taskhasher_hash(h, NULL, 0, out));
	assert_string_equal(out, "5eh48");
	taskhasher_free(h);
	taskhasher_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_table),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_hasher_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
