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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_table),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
