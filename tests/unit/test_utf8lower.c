/* test_utf8lower.c -- utf8lower against Go's strings.ToLower.
 *
 * The expected bytes were produced by Go 1.19.8 (Debian's golang-go) with
 * scripts/go_tolower.go; Go is not needed to run this test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/utf8lower.h"

struct go_case {
	const char *in;
	size_t in_len;
	const char *want;
	size_t want_len;
};

static const struct go_case go_cases[] = {
	/* ASCII */
	{ "ABC-Def.MESOS.", 14, "abc-def.mesos.", 14 },
	/* case 1: U+00C4 */
	{ "\xc3\x84"
	  "b.marathon.mesos.",
	    19,
	    "\xc3\xa4"
	    "b.marathon.mesos.",
	    19 },
	/* case 2: U+212A KELVIN SIGN */
	{ "\xe2\x84\xaa"
	  "afka.marathon.mesos.",
	    23, "kafka.marathon.mesos.", 21 },
	/* case 3: agent id */
	{ "\xc3\x84"
	  "B",
	    3,
	    "\xc3\xa4"
	    "b",
	    3 },
	/* case 4: domain */
	{ "\xe2\x84\xaaube", 6, "kube", 4 },
	/* U+0130 dotted I to plain i, U+0131 kept */
	{ "I\xc4\xb0i\xc4\xb1", 6, "iii\xc4\xb1", 5 },
	/* sigma: no final-sigma rule */
	{ "\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xce\xa3\xcf\x83\xcf\x82", 15,
	    "\xce\xbf\xce\xb4\xce\xbf\xcf\x83 \xcf\x83\xcf\x83\xcf\x82", 15 },
	/* U+1E9E capital sharp s */
	{ "\xe1\xba\x9e", 3, "\xc3\x9f", 2 },
	/* titlecase digraphs */
	{ "\xc7\x85\xc7\x84\xc7\x86", 6, "\xc7\x86\xc7\x86\xc7\x86", 6 },
	/* U+023A grows from 2 to 3 bytes */
	{ "\xc8\xba", 2, "\xe2\xb1\xa5", 3 },
	/* U+2126 OHM SIGN shrinks to omega */
	{ "\xe2\x84\xa6", 3, "\xcf\x89", 2 },
	/* Deseret (4 bytes) */
	{ "\xf0\x90\x90\x80\xf0\x90\x90\xa7", 8,
	    "\xf0\x90\x90\xa8\xf0\x90\x91\x8f", 8 },
	/* Unicode 14 letters Go 1.19 keeps */
	{ "\xe2\xb0\xaf\xea\x9f\x80\xf0\x90\x95\xb0", 10,
	    "\xe2\xb0\xaf\xea\x9f\x80\xf0\x90\x95\xb0", 10 },
	/* stray byte */
	{ "a\xff"
	  "B",
	    3,
	    "a\xef\xbf\xbd"
	    "b",
	    5 },
	/* truncated 2-byte */
	{ "\xc3"
	  "A",
	    2,
	    "\xef\xbf\xbd"
	    "a",
	    4 },
	/* truncated 3-byte */
	{ "\xe2\x84"
	  "A",
	    3,
	    "\xef\xbf\xbd\xef\xbf\xbd"
	    "a",
	    7 },
	/* truncated 4-byte at end */
	{ "\xf0\x9f\x98", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9 },
	/* overlong NUL */
	{ "\xc0\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd", 6 },
	/* overlong 3-byte */
	{ "\xe0\x80\xaf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9 },
	/* surrogate U+D800 */
	{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9 },
	/* above U+10FFFF */
	{ "\xf4\x90\x80\x80", 4,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12 },
	/* F5 lead */
	{ "\xf5\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd", 6 },
	/* lone continuations */
	{ "\x80\xbf", 2, "\xef\xbf\xbd\xef\xbf\xbd", 6 },
	/* encoded U+FFFD kept */
	{ "\xef\xbf\xbd"
	  "A",
	    4,
	    "\xef\xbf\xbd"
	    "a",
	    4 },
	/* NUL inside */
	{ "a\x00"
	  "B",
	    3,
	    "a\x00"
	    "b",
	    3 },
	/* DEL and U+0080 */
	{ "\x7f\xc2\x80", 3, "\x7f\xc2\x80", 3 },
};

/* Lowercases into a buffer of exactly UTF8LOWER_MAX(len) + 1 bytes, so
 * that ASan sees a write past the documented bound. */
static char *
lower_exact(const char *in, size_t len, size_t *n)
{
	char *out = malloc(UTF8LOWER_MAX(len) + 1);

	assert_non_null(out);
	*n = utf8lower(in, len, out);
	assert_true(*n <= UTF8LOWER_MAX(len));
	assert_int_equal(out[*n], '\0');
	return out;
}

/* The four recorded cases, U+0130, sigma, invalid UTF-8. */
static void
test_go_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof go_cases / sizeof go_cases[0]; i++) {
		size_t n;
		char *out = lower_exact(go_cases[i].in, go_cases[i].in_len, &n);

		assert_int_equal(n, go_cases[i].want_len);
		assert_memory_equal(out, go_cases[i].want, n);
		free(out);
	}
}

/* Every byte invalid: the output is three times the input. */
static void
test_worst_case_growth(void **state)
{
	static const char in[] = "\xff\xfe\x80\xc0";
	size_t n;
	char *out = lower_exact(in, 4, &n);

	(void)state;
	assert_int_equal(n, 12);
	for (size_t i = 0; i < 12; i += 3)
		assert_memory_equal(out + i, "\xef\xbf\xbd", 3);
	free(out);
	n = utf8lower("", 0, out = malloc(1));
	assert_int_equal(n, 0);
	assert_int_equal(out[0], '\0');
	free(out);
}

/* unicode.ToLower of single code points, as Go 1.19 answers them. */
static void
test_rune(void **state)
{
	(void)state;
	assert_int_equal(utf8lower_rune('A'), 'a');
	assert_int_equal(utf8lower_rune('@'), '@');
	assert_int_equal(utf8lower_rune('['), '[');
	assert_int_equal(utf8lower_rune(0xC4), 0xE4);
	assert_int_equal(utf8lower_rune(0xD7), 0xD7); /* multiplication sign */
	assert_int_equal(utf8lower_rune(0x130), 'i');
	assert_int_equal(utf8lower_rune(0x131), 0x131);
	assert_int_equal(utf8lower_rune(0x212A), 'k');
	assert_int_equal(utf8lower_rune(0x212B), 0xE5); /* ANGSTROM SIGN */
	assert_int_equal(utf8lower_rune(0x3A3), 0x3C3);
	assert_int_equal(utf8lower_rune(0x3C2), 0x3C2);
	assert_int_equal(utf8lower_rune(0x100), 0x101); /* stride 2 */
	assert_int_equal(utf8lower_rune(0x101), 0x101);
	assert_int_equal(utf8lower_rune(0x1E921), 0x1E943); /* Adlam, last */
	assert_int_equal(utf8lower_rune(0x2C2F), 0x2C2F);   /* Unicode 14 */
	assert_int_equal(utf8lower_rune(0xFFFD), 0xFFFD);
	assert_int_equal(utf8lower_rune(0x10FFFF), 0x10FFFF);
}

/* Over every scalar value: as many mapped code points as Go 1.19 has
 * (1393 with unicode.ToLower(r) != r), none mapped twice over (so
 * lowering is idempotent), every target a scalar value. */
static void
test_every_code_point(void **state)
{
	size_t mapped = 0;

	(void)state;
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		uint32_t l;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		l = utf8lower_rune(cp);
		if (l == cp)
			continue;
		mapped++;
		assert_true(l <= 0x10FFFF && (l < 0xD800 || l > 0xDFFF));
		assert_int_equal(utf8lower_rune(l), l);
	}
	assert_int_equal(mapped, 1393);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_cases),
		cmocka_unit_test(test_worst_case_growth),
		cmocka_unit_test(test_rune),
		cmocka_unit_test(test_every_code_point),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
