/* test_dname.c -- domain names (dns/dname.h): wire parsing bounded by the
 * packet, as miekg/dns v1.0.15 UnpackDomainName (pointers, at most 10 of
 * them, 255 octets, reserved label types, truncation), and presentation
 * text with miekg's escapes (dns.md §2) and back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"
#include "dns/wire.h"

/* Parses pkt[0..len) at pos; returns the result and fills text (the
 * presentation form, not lowercased) and the new position. */
static int
parse_text(const uint8_t *pkt, size_t len, size_t pos, char *text,
    size_t *newpos)
{
	uint8_t name[WIRE_MAX_NAME + 8];
	size_t nlen = 0, p = pos, t;
	int r;

	memset(name, 0xAA, sizeof name);
	r = dname_parse(pkt, len, &p, name, &nlen);
	if (r < 0)
		return r;
	assert_true(nlen >= 1 && nlen <= WIRE_MAX_NAME);
	assert_int_equal(nlen, dname_wire_len(name));
	t = dname_to_text(name, text, false);
	text[t] = '\0';
	if (newpos)
		*newpos = p;
	return r;
}

/* A packet with copies of a 12-byte header and then the given bytes. */
static size_t
packet(uint8_t *out, const void *body, size_t n)
{
	memset(out, 0, WIRE_HEADER_SIZE);
	memcpy(out + WIRE_HEADER_SIZE, body, n);
	return WIRE_HEADER_SIZE + n;
}

static void
test_plain(void **state)
{
	static const uint8_t body[] = "\3web\10marathon\5mesos\0\0\1\0\1";
	uint8_t pkt[64];
	size_t len = packet(pkt, body, sizeof body - 1), pos;
	char text[DNAME_MAX_TEXT + 1];

	(void)state;
	assert_int_equal(parse_text(pkt, len, 12, text, &pos), 0);
	assert_string_equal(text, "web.marathon.mesos.");
	assert_int_equal(pos, 12 + 20); /* just past the root octet */
	/* the root name */
	pkt[12] = 0;
	assert_int_equal(parse_text(pkt, 13, 12, text, &pos), 0);
	assert_string_equal(text, ".");
	assert_int_equal(pos, 13);
}

static void
test_pointers(void **state)
{
	/* 12: foo.mesos.   23: bar + ptr(12)   29: ptr(23)   31: baz + ptr(29) */
	static const uint8_t body[] = "\3foo\5mesos\0" /* 12..22 */
				      "\3bar\xC0\x0C"  /* 23..28 */
				      "\xC0\x17"       /* 29..30 */
				      "\3baz\xC0\x1D"; /* 31..36 */
	uint8_t pkt[64];
	size_t len = packet(pkt, body, sizeof body - 1), pos;
	char text[DNAME_MAX_TEXT + 1];

	(void)state;
	assert_int_equal(parse_text(pkt, len, 23, text, &pos), 0);
	assert_string_equal(text, "bar.foo.mesos.");
	assert_int_equal(pos, 29); /* past the first pointer only */
	assert_int_equal(parse_text(pkt, len, 29, text, &pos), 0);
	assert_string_equal(text, "bar.foo.mesos.");
	assert_int_equal(pos, 31);
	assert_int_equal(parse_text(pkt, len, 31, text, &pos), 0);
	assert_string_equal(text, "baz.bar.foo.mesos.");
	assert_int_equal(pos, 37);
}

static void
test_pointer_forward(void **state)
{
	/* miekg follows a pointer anywhere in the message, forward too. */
	static const uint8_t body[] = "\1a\xC0\x10"
				      "\3fwd\0";
	uint8_t pkt[64];
	size_t len = packet(pkt, body, sizeof body - 1), pos;
	char text[DNAME_MAX_TEXT + 1];

	(void)state;
	assert_int_equal(parse_text(pkt, len, 12, text, &pos), 0);
	assert_string_equal(text, "a.fwd.");
	assert_int_equal(pos, 16);
}

/* A chain: n pointers each pointing at the next, the last one at "x." */
static int
chain(int n)
{
	uint8_t pkt[WIRE_HEADER_SIZE + 2 * 64 + 3];
	size_t len = WIRE_HEADER_SIZE, pos = WIRE_HEADER_SIZE;
	uint8_t name[WIRE_MAX_NAME];
	size_t nlen;

	memset(pkt, 0, WIRE_HEADER_SIZE);
	for (int i = 0; i < n; i++) {
		size_t next = len + 2;

		pkt[len++] = (uint8_t)(0xC0 | next >> 8);
		pkt[len++] = (uint8_t)next;
	}
	pkt[len++] = 1;
	pkt[len++] = 'x';
	pkt[len++] = 0;
	return dname_parse(pkt, len, &pos, name, &nlen);
}

static void
test_pointer_limit(void **state)
{
	(void)state;
	assert_int_equal(chain(1), 0);
	assert_int_equal(chain(10), 0); /* miekg: "ptr++; ptr > 10" */
	assert_int_equal(chain(11), -1);
	assert_int_equal(chain(50), -1);
}

static void
test_pointer_loops(void **state)
{
	uint8_t pkt[64], name[WIRE_MAX_NAME];
	size_t pos, nlen;

	(void)state;
	memset(pkt, 0, sizeof pkt);
	/* a pointer to itself */
	pkt[12] = 0xC0;
	pkt[13] = 12;
	pos = 12;
	assert_int_equal(dname_parse(pkt, 14, &pos, name, &nlen), -1);
	/* two pointers pointing at each other */
	pkt[12] = 0xC0;
	pkt[13] = 14;
	pkt[14] = 0xC0;
	pkt[15] = 12;
	pos = 12;
	assert_int_equal(dname_parse(pkt, 16, &pos, name, &nlen), -1);
	/* a label then a pointer back to that label: grows each turn */
	pkt[12] = 1;
	pkt[13] = 'a';
	pkt[14] = 0xC0;
	pkt[15] = 12;
	pos = 12;
	assert_int_equal(dname_parse(pkt, 16, &pos, name, &nlen), -1);
}

/* A name of the given total wire length (root included) made of labels
 * of at most 63 octets. */
static size_t
long_name(uint8_t *out, size_t wire_len)
{
	size_t n = 0, left = wire_len - 1;

	while (left > 0) {
		size_t l = left - 1 > 63 ? 63 : left - 1;

		if (left - 1 - l == 1) /* never leave a lone length octet */
			l--;
		out[n++] = (uint8_t)l;
		memset(out + n, 'a', l);
		n += l;
		left -= l + 1;
	}
	out[n++] = 0;
	return n;
}

static void
test_name_length(void **state)
{
	uint8_t pkt[WIRE_HEADER_SIZE + 600], name[WIRE_MAX_NAME];
	size_t len, pos, nlen;

	(void)state;
	memset(pkt, 0, sizeof pkt);
	len = WIRE_HEADER_SIZE + long_name(pkt + WIRE_HEADER_SIZE, 255);
	assert_int_equal(len, WIRE_HEADER_SIZE + 255);
	pos = WIRE_HEADER_SIZE;
	assert_int_equal(dname_parse(pkt, len, &pos, name, &nlen), 0);
	assert_int_equal(nlen, 255);
	assert_int_equal(pos, len);
	len = WIRE_HEADER_SIZE + long_name(pkt + WIRE_HEADER_SIZE, 256);
	pos = WIRE_HEADER_SIZE;
	assert_int_equal(dname_parse(pkt, len, &pos, name, &nlen), -1);
	len = WIRE_HEADER_SIZE + long_name(pkt + WIRE_HEADER_SIZE, 400);
	pos = WIRE_HEADER_SIZE;
	assert_int_equal(dname_parse(pkt, len, &pos, name, &nlen), -1);
}

static void
test_name_length_through_pointers(void **state)
{
	/* 200 octets of labels, then a pointer back to a 100-octet name:
	 * each part is fine, the whole is over 255. */
	uint8_t pkt[WIRE_HEADER_SIZE + 400], name[WIRE_MAX_NAME];
	size_t off = WIRE_HEADER_SIZE, second, pos, nlen;

	(void)state;
	memset(pkt, 0, sizeof pkt);
	off += long_name(pkt + off, 100);
	second = off;
	for (int i = 0; i < 4; i++) {
		pkt[off++] = 49;
		memset(pkt + off, 'b', 49);
		off += 49;
	}
	pkt[off++] = 0xC0;
	pkt[off++] = WIRE_HEADER_SIZE;
	pos = second;
	assert_int_equal(dname_parse(pkt, off, &pos, name, &nlen), -1);
	/* three labels (150 octets) + the 100-octet name = 250: fine */
	pkt[second + 150] = 0xC0;
	pkt[second + 151] = WIRE_HEADER_SIZE;
	pos = second;
	assert_int_equal(dname_parse(pkt, second + 152, &pos, name, &nlen), 0);
	assert_int_equal(nlen, 250);
	assert_int_equal(pos, second + 152);
}

static void
test_label_types(void **state)
{
	uint8_t pkt[256], name[WIRE_MAX_NAME];
	size_t pos, nlen;

	(void)state;
	memset(pkt, 'a', sizeof pkt);
	memset(pkt, 0, WIRE_HEADER_SIZE);
	/* 63 is the longest label */
	pkt[12] = 63;
	pkt[12 + 64] = 0;
	pos = 12;
	assert_int_equal(dname_parse(pkt, 12 + 65, &pos, name, &nlen), 0);
	assert_int_equal(nlen, 65);
	/* a length octet of 64..191 is a reserved label type (0x40, 0x80),
	 * not a longer label */
	for (unsigned c = 64; c < 192; c++) {
		pkt[12] = (uint8_t)c;
		pkt[12 + c + 1] = 0;
		pos = 12;
		if (dname_parse(pkt, sizeof pkt, &pos, name, &nlen) != -1)
			fail_msg("length octet 0x%02x accepted", c);
		pkt[12 + c + 1] = 'a';
	}
	/* a reserved type after a good label, and after a pointer */
	memcpy(pkt + 12, "\1a\x41", 3);
	pos = 12;
	assert_int_equal(dname_parse(pkt, sizeof pkt, &pos, name, &nlen), -1);
	memcpy(pkt + 12, "\xC0\x0E\x80", 3);
	pos = 12;
	assert_int_equal(dname_parse(pkt, sizeof pkt, &pos, name, &nlen), -1);
}

static void
test_truncated(void **state)
{
	static const uint8_t whole[] = "\3web\10marathon\5mesos\0";
	uint8_t pkt[64], name[WIRE_MAX_NAME];
	size_t len = packet(pkt, whole, sizeof whole - 1), pos, nlen;

	(void)state;
	/* every proper prefix fails, none reads past its end */
	for (size_t cut = 12; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, pkt, cut);
		pos = 12;
		if (dname_parse(copy, cut, &pos, name, &nlen) != -1)
			fail_msg("prefix of %zu bytes accepted", cut);
		free(copy);
	}
	/* a pointer cut after its first octet */
	pkt[12] = 0xC0;
	pos = 12;
	assert_int_equal(dname_parse(pkt, 13, &pos, name, &nlen), -1);
	/* a pointer beyond the end of the message */
	pkt[12] = 0xC0;
	pkt[13] = 40;
	pos = 12;
	assert_int_equal(dname_parse(pkt, 14, &pos, name, &nlen), -1);
	/* a start position at the end */
	pos = 14;
	assert_int_equal(dname_parse(pkt, 14, &pos, name, &nlen), -1);
}

/* One byte label b.mesos. as text. */
static void
check_byte_text(uint8_t b, const char *want_label)
{
	uint8_t name[16] = { 1, b, 5, 'm', 'e', 's', 'o', 's', 0 };
	char text[DNAME_MAX_TEXT + 1], want[64];
	size_t n = dname_to_text(name, text, false);

	text[n] = '\0';
	snprintf(want, sizeof want, "%s.mesos.", want_label);
	if (strcmp(text, want) != 0)
		fail_msg("byte 0x%02x: got \"%s\", want \"%s\"", b, text, want);
	assert_int_equal(dname_label_text_len(&name[1], 1), strlen(want_label));
}

static void
test_text_escapes(void **state)
{
	char buf[8];

	(void)state;
	check_byte_text('.', "\\.");
	check_byte_text(' ', "\\ ");
	check_byte_text('\\', "\\\\");
	check_byte_text('"', "\\\"");
	check_byte_text('(', "\\(");
	check_byte_text(')', "\\)");
	check_byte_text(';', "\\;");
	check_byte_text('@', "\\@");
	check_byte_text(0, "\\000");
	check_byte_text(9, "\\009");
	check_byte_text(31, "\\031");
	check_byte_text(127, "\\127");
	check_byte_text(128, "\\128");
	check_byte_text(255, "\\255");
	/* everything else printable stays as it is */
	for (unsigned b = 32; b < 127; b++) {
		if (strchr(". \\\"();@", (int)b) != NULL)
			continue;
		buf[0] = (char)b;
		buf[1] = '\0';
		check_byte_text((uint8_t)b, buf);
	}
	/* '*' and '$' and '_' are not escaped */
	check_byte_text('*', "*");
	check_byte_text('_', "_");
}

static void
test_text_lower(void **state)
{
	static const uint8_t name[] = "\7CHRONOS\10Marathon\3A\\Z\5MESOS";
	char text[DNAME_MAX_TEXT + 1];
	size_t n;

	(void)state;
	n = dname_to_text(name, text, true);
	text[n] = '\0';
	assert_string_equal(text, "chronos.marathon.a\\\\z.mesos.");
	n = dname_to_text(name, text, false);
	text[n] = '\0';
	assert_string_equal(text, "CHRONOS.Marathon.A\\\\Z.MESOS.");
	/* lowercasing never touches escaped bytes: \192 stays */
	{
		static const uint8_t hi[] = "\2\xC0Q";
		n = dname_to_text(hi, text, true);
		text[n] = '\0';
		assert_string_equal(text, "\\192q.");
	}
}

/* Text -> wire -> text gives the same text back (for canonical text). */
static void
check_roundtrip(const char *text)
{
	uint8_t wire[WIRE_MAX_NAME];
	char back[DNAME_MAX_TEXT + 1];
	size_t wlen = 0, n;

	if (dname_from_text(text, strlen(text), wire, &wlen) < 0)
		fail_msg("\"%s\" rejected", text);
	assert_int_equal(wlen, dname_wire_len(wire));
	n = dname_to_text(wire, back, false);
	back[n] = '\0';
	assert_string_equal(back, text);
}

static void
test_from_text(void **state)
{
	uint8_t wire[WIRE_MAX_NAME];
	size_t wlen;

	(void)state;
	check_roundtrip(".");
	check_roundtrip("mesos.");
	check_roundtrip("a\\.b.mesos.");
	check_roundtrip("a\\ b.mesos.");
	check_roundtrip("\\\\\\\"\\(\\)\\;\\@.mesos.");
	check_roundtrip("\\000\\031\\127\\255.x.");
	/* escapes decode to the right bytes */
	assert_int_equal(dname_from_text("a\\.b.c.", 7, wire, &wlen), 0);
	assert_int_equal(wlen, 7);
	assert_memory_equal(wire, "\3a.b\1c\0", 7);
	assert_int_equal(dname_from_text("\\065\\066.", 9, wire, &wlen), 0);
	assert_memory_equal(wire, "\2AB\0", 4);
	/* a backslash before a non-digit takes the next byte as it is */
	assert_int_equal(dname_from_text("\\a\\0b.", 6, wire, &wlen), 0);
	assert_memory_equal(wire, "\3a0b\0", 5);
	/* no trailing dot: the same name */
	assert_int_equal(dname_from_text("web.mesos", 9, wire, &wlen), 0);
	assert_int_equal(wlen, 11);
	assert_memory_equal(wire, "\3web\5mesos\0", 11);
	/* \DDD over 255 */
	assert_int_equal(dname_from_text("\\256.", 5, wire, &wlen), -1);
	/* empty labels */
	assert_int_equal(dname_from_text("a..b.", 5, wire, &wlen), -1);
	assert_int_equal(dname_from_text(".a.", 3, wire, &wlen), -1);
}

static void
test_from_text_limits(void **state)
{
	char text[1200];
	uint8_t wire[WIRE_MAX_NAME];
	size_t wlen;

	(void)state;
	/* a 63-octet label is fine, 64 is not */
	memset(text, 'a', 63);
	strcpy(text + 63, ".mesos.");
	assert_int_equal(dname_from_text(text, strlen(text), wire, &wlen), 0);
	assert_int_equal(wlen, 64 + 7);
	memset(text, 'a', 64);
	strcpy(text + 64, ".mesos.");
	assert_int_equal(dname_from_text(text, strlen(text), wire, &wlen), -1);
	/* 63 octets written as \DDD escapes count as 63 */
	text[0] = '\0';
	for (int i = 0; i < 63; i++)
		strcat(text, "\\001");
	strcat(text, ".");
	assert_int_equal(dname_from_text(text, strlen(text), wire, &wlen), 0);
	assert_int_equal(wlen, 65);
	/* names: 255 octets of wire form fine, 256 not */
	{
		uint8_t w[300];
		char t[DNAME_MAX_TEXT + 1];
		size_t n;

		n = long_name(w, 255);
		assert_int_equal(n, 255);
		n = dname_to_text(w, t, false);
		assert_int_equal(dname_from_text(t, n, wire, &wlen), 0);
		assert_int_equal(wlen, 255);
		assert_memory_equal(wire, w, 255);
		long_name(w, 256);
		n = dname_to_text(w, t, false);
		assert_int_equal(dname_from_text(t, n, wire, &wlen), -1);
	}
}

static void
test_all_bytes_roundtrip(void **state)
{
	/* every byte value, in labels of 63, through text and back */
	uint8_t wire[WIRE_MAX_NAME], back[WIRE_MAX_NAME];
	char text[DNAME_MAX_TEXT + 1];
	size_t n, wlen;

	(void)state;
	for (int start = 0; start < 256; start += 63) {
		size_t l = 256 - start < 63 ? (size_t)(256 - start) : 63;

		wire[0] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			wire[1 + i] = (uint8_t)(start + (int)i);
		wire[1 + l] = 0;
		n = dname_to_text(wire, text, false);
		assert_true(n <= DNAME_MAX_TEXT);
		assert_int_equal(n, dname_label_text_len(wire + 1, l) + 1);
		assert_int_equal(dname_from_text(text, n, back, &wlen), 0);
		assert_int_equal(wlen, l + 2);
		assert_memory_equal(back, wire, l + 2);
	}
}

static void
test_worst_case_text(void **state)
{
	/* a 255-octet name of bytes that all need \DDD fits DNAME_MAX_TEXT */
	uint8_t w[300];
	char *text = malloc(DNAME_MAX_TEXT + 64);
	size_t n = long_name(w, 255), t;

	(void)state;
	for (size_t i = 0; i < n - 1; i += (size_t)w[i] + 1)
		memset(w + i + 1, 0xFF, w[i]);
	t = dname_to_text(w, text, true);
	assert_true(t <= DNAME_MAX_TEXT);
	free(text);
}

static void
test_lower_and_len(void **state)
{
	uint8_t name[] = "\3WeB\10MaRaThOn\5MESOS";

	(void)state;
	assert_int_equal(dname_wire_len(name), 20);
	assert_int_equal(dname_wire_len((const uint8_t *)""), 1);
	dname_lower(name);
	assert_memory_equal(name, "\3web\10marathon\5mesos", 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_pointer_forward),
		cmocka_unit_test(test_pointer_limit),
		cmocka_unit_test(test_pointer_loops),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_name_length_through_pointers),
		cmocka_unit_test(test_label_types),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_text_escapes),
		cmocka_unit_test(test_text_lower),
		cmocka_unit_test(test_from_text),
		cmocka_unit_test(test_from_text_limits),
		cmocka_unit_test(test_all_bytes_roundtrip),
		cmocka_unit_test(test_worst_case_text),
		cmocka_unit_test(test_lower_and_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
