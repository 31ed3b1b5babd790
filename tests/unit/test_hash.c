/* test_hash.c -- util/hash.h: one process gets one key (the same bytes
 * hash the same), the key is drawn (not SipHash-2-4's all-zero key), and
 * the pieces of a chained hash are not interchangeable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "util/hash.h"

static void
test_stable_within_the_process(void **state)
{
	(void)state;
	assert_true(
	    hash_bytes("web.marathon", 12) == hash_bytes("web.marathon", 12));
	assert_true(hash_str("web.marathon") == hash_bytes("web.marathon", 12));
	assert_true(
	    hash_bytes("web.marathon", 12) != hash_bytes("web.marathoN", 12));
}

static void
test_keyed_not_zero_key(void **state)
{
	unsigned char zero[crypto_shorthash_KEYBYTES] = { 0 };
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	(void)state;
	crypto_shorthash(out, (const unsigned char *)"abc", 3, zero);
	memcpy(&h, out, sizeof h);
	assert_true(hash_bytes("abc", 3) != h);
}

static void
test_chained_pieces_ordered(void **state)
{
	uint64_t a = hash_bytes("a", 1), b = hash_bytes("b", 1);

	(void)state;
	assert_true(hash_more(a, "b", 1) != hash_more(b, "a", 1));
	assert_true(hash_more(a, "b", 1) != hash_bytes("ab", 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable_within_the_process),
		cmocka_unit_test(test_keyed_not_zero_key),
		cmocka_unit_test(test_chained_pieces_ordered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
