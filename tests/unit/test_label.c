/* test_label.c -- label_normalise and label_domain_frag against the worked
 * examples of records.md §7.1/§7.2 and hostile bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "records/label.h"

struct label_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *rfc1123;
	const char *rfc952;
};

/* Checks one label: the expected text, its length, and the alphabet and
 * length limits every label must respect. */
static void
check_label(const char *in, size_t len, bool rfc952, const char *want)
{
	char out[LABEL_MAX_RFC1123 + 1];
	size_t n, i;

	memset(out, 'X', sizeof out);
	n = label_normalise(in, len, rfc952, out);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	assert_true(n <= (rfc952 ? LABEL_MAX_RFC952 : LABEL_MAX_RFC1123));
	for (i = 0; i < n; i++)
		assert_true((out[i] >= 'a' && out[i] <= 'z') ||
		    (out[i] >= '0' && out[i] <= '9') || out[i] == '-');
	if (n > 0) {
		assert_true(out[0] != '-');
		if (rfc952)
			assert_true(out[0] >= 'a' && out[0] <= 'z');
	}
}

static void
check_case(const struct label_case *c)
{
	size_t len = c->len ? c->len : strlen(c->in);

	check_label(c->in, len, false, c->rfc1123);
	check_label(c->in, len, true, c->rfc952);
}

/* records.md §7.1 table, row by row. */
static void
test_spec_table(void **state)
{
	static const struct label_case cases[] = {
		{ "..Web_App.V2--", 0, "web-app-v2", "web-app-v2" },
		{ "My App", 0, "myapp", "myapp" },
		{ "-abc-", 0, "abc", "abc" },
		{ "123-abc", 0, "123-abc", "abc" },
		{ "9ab", 0, "9ab", "ab" },
		{ "a---b", 0, "a---b", "a---b" },
		/* ünïcödé */
		{ "\xc3\xbc"
		  "n\xc3\xaf"
		  "c\xc3\xb6"
		  "d\xc3\xa9",
		    0, "ncd", "ncd" },
		{ "a.b_c d", 0, "a-b-cd", "a-b-cd" },
		{ "_http", 0, "http", "http" },
		{ "---", 0, "", "" },
		{ "chronos with a space AND MIXED CASE-2.0.1", 0,
		    "chronoswithaspaceandmixedcase-2-0-1",
		    "chronoswithaspaceandmixe" },
		/* 23 x a + -bbbb */
		{ "aaaaaaaaaaaaaaaaaaaaaaa-bbbb", 0,
		    "aaaaaaaaaaaaaaaaaaaaaaa-bbbb",
		    "aaaaaaaaaaaaaaaaaaaaaaab" },
		/* 22 x a + ---bbbbbb */
		{ "aaaaaaaaaaaaaaaaaaaaaa---bbbbbb", 0,
		    "aaaaaaaaaaaaaaaaaaaaaa---bbbbbb",
		    "aaaaaaaaaaaaaaaaaaaaaabb" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_case(&cases[i]);
	check_label("", 0, false, "");
	check_label("", 0, true, "");
}

/* 70 digits: RFC 1123 keeps the first 63, RFC 952 strips them all. */
static void
test_spec_digits(void **state)
{
	char in[71], want[64];
	int i;

	for (i = 0; i < 70; i++)
		in[i] = (char)('0' + i % 10);
	in[70] = '\0';
	memcpy(want, in, 63);
	want[63] = '\0';
	check_label(in, 70, false, want);
	check_label(in, 70, true, "");
}

/* The refill after trimming is not trimmed again: the result can end in
 * '-' (Go's trimCut quirk). */
static void
test_trailing_dash_quirk(void **state)
{
	char in[128], want[64];

	/* 61 x a + "--" + "b-c": cut at 63 = 61 a + "--", trimmed to 61 a,
	 * refilled with 2 from "b-c" */
	memset(in, 'a', 61);
	strcpy(in + 61, "--b-c");
	memset(want, 'a', 61);
	strcpy(want + 61, "b-");
	check_label(in, strlen(in), false, want);

	/* the same at 24: 22 x a + "--" + "b-c" */
	memset(in, 'a', 22);
	strcpy(in + 22, "--b-c");
	memset(want, 'a', 22);
	strcpy(want + 22, "b-");
	check_label(in, strlen(in), true, want);

	/* refill shorter than the room left: 62 x a + "-" + "-b" */
	memset(in, 'a', 62);
	strcpy(in + 62, "--b");
	memset(want, 'a', 62);
	strcpy(want + 62, "b");
	check_label(in, strlen(in), false, want);

	/* nothing after the cut but dashes: stays trimmed */
	memset(in, 'a', 62);
	strcpy(in + 62, "-----");
	memset(want, 'a', 62);
	want[62] = '\0';
	check_label(in, strlen(in), false, want);

	/* dropped bytes between cut and refill are skipped, not counted */
	memset(in, 'a', 22);
	memcpy(in + 22, "-\xff-\x00 -Xy", 8);
	memset(want, 'a', 22);
	strcpy(want + 22, "xy");
	check_label(in, 22 + 8, true, want);
}

/* RFC 952 strips any mix of leading digits and '-'; dropped bytes between
 * them do not stop the stripping. */
static void
test_leading_set(void **state)
{
	check_label("-1-2-x9", 7, true, "x9");
	check_label("-1-2-x9", 7, false, "1-2-x9");
	check_label("\xc3\xa9-7 .a", 7, true, "a");
	check_label("\xc3\xa9-7 .a", 7, false, "7-a");
}

/* Embedded NULs and control bytes are dropped like any other character. */
static void
test_hostile_nul(void **state)
{
	check_label("a\0b\0", 4, false, "ab");
	check_label("\0\0\0", 3, false, "");
	check_label("\0"
		    "9\0z",
	    4, true, "z");
	check_label("a\tb\nc\rd\x7f"
		    "e",
	    9, false, "abcde");
}

/* Invalid UTF-8 (lone continuation, overlong, surrogate, > U+10FFFF,
 * truncated) is dropped byte by byte and never eats an ASCII byte. */
static void
test_hostile_utf8(void **state)
{
	check_label("\x80"
		    "a\xff"
		    "b\xc0\xaf"
		    "c",
	    7, false, "abc");
	check_label("\xed\xa0\x80"
		    "x\xf4\x90\x80\x80"
		    "y",
	    9, false, "xy");
	check_label("\xe2\x82"
		    "Q",
	    3, false, "q");
	check_label("\xf0\x9f\x98"
		    "-z",
	    5, false, "z");
	/* a valid 3-byte rune whose bytes would look like "-." if misread */
	check_label("k\xe2\x80\xa8"
		    "m",
	    5, false, "km");
	/* fullwidth digits are not digits */
	check_label("\xef\xbc\x91"
		    "b",
	    4, true, "b");
}

/* Megabytes of input: output stays bounded, input is not read past len. */
static void
test_hostile_long(void **state)
{
	size_t len = 1 << 20;
	char *in = malloc(len);
	char want[64];

	assert_non_null(in);
	memset(in, 'Z', len);
	memset(want, 'z', 63);
	want[63] = '\0';
	check_label(in, len, false, want);
	want[24] = '\0';
	check_label(in, len, true, want);

	memset(in, '-', len);
	check_label(in, len, false, "");
	in[len - 1] = 'q';
	check_label(in, len, false, "q");
	memset(in, '\xff', len);
	check_label(in, len, true, "");

	/* a length shorter than the buffer: bytes after len are ignored */
	memcpy(in, "abcdef", 6);
	check_label(in, 3, false, "abc");
	free(in);
}

/* Checks one fragment, with out sized exactly len+1 on the heap so that
 * ASan catches a write past the documented bound. */
static void
check_frag(const char *in, size_t len, bool rfc952, const char *want)
{
	char *out = malloc(len + 1);
	size_t n;

	assert_non_null(out);
	n = label_domain_frag(in, len, rfc952, out);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	assert_true(n <= len);
	free(out);
}

/* records.md §7.2 examples. */
static void
test_frag_spec(void **state)
{
	const char *chronos = "chronos with a space AND MIXED CASE-2.0.1";

	check_frag(chronos, strlen(chronos), false,
	    "chronoswithaspaceandmixedcase-2.0.1");
	check_frag(chronos, strlen(chronos), true, "chronoswithaspaceandmixe");
	check_frag("..Web_App.V2--", 14, false, "web-app.v2");
	check_frag("..Web_App.V2--", 14, true, "web-app.v2");
}

static void
test_frag_edges(void **state)
{
	char in[200], want[200];

	check_frag("", 0, false, "");
	check_frag(NULL, 0, true, "");
	check_frag(".", 1, false, "");
	check_frag("....", 4, false, "");
	check_frag("a.", 2, false, "a");
	check_frag(".a", 2, false, "a");
	check_frag("a..b", 4, false, "a.b");
	check_frag("-.-.x.-", 7, false, "x");
	check_frag("1.2.3", 5, false, "1.2.3");
	check_frag("1.2.3", 5, true, "");
	check_frag("a.b", 3, false, "a.b");
	/* each part is cut to one label */
	memset(in, 'a', 100);
	strcpy(in + 100, ".B");
	memset(want, 'a', 63);
	strcpy(want + 63, ".b");
	check_frag(in, strlen(in), false, want);
	want[24] = '\0';
	strcat(want, ".b");
	check_frag(in, strlen(in), true, want);
}

static void
test_frag_hostile(void **state)
{
	size_t len = 1 << 20, i;
	char *in = malloc(len), *want = malloc(len + 1);

	assert_non_null(in);
	assert_non_null(want);
	check_frag("a\0.b", 4, false, "a.b");
	check_frag("\0.\0", 3, false, "");
	check_frag("\xff.\xc3\xa9.x\xe2\x82", 8, false, "x");
	/* "a." repeated: the longest output the bound allows, len - 1 */
	for (i = 0; i < len; i += 2) {
		in[i] = 'A';
		in[i + 1] = '.';
	}
	for (i = 0; i < len - 1; i += 2) {
		want[i] = 'a';
		want[i + 1] = '.';
	}
	want[len - 1] = '\0';
	check_frag(in, len, false, want);
	memset(in, '.', len);
	check_frag(in, len, false, "");
	free(in);
	free(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_table),
		cmocka_unit_test(test_spec_digits),
		cmocka_unit_test(test_trailing_dash_quirk),
		cmocka_unit_test(test_leading_set),
		cmocka_unit_test(test_hostile_nul),
		cmocka_unit_test(test_hostile_utf8),
		cmocka_unit_test(test_hostile_long),
		cmocka_unit_test(test_frag_spec),
		cmocka_unit_test(test_frag_edges),
		cmocka_unit_test(test_frag_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
