/* test_recordio.c -- the RecordIO framer of the operator event stream
 * (spec/events.md §2, src/state/recordio.h).
 *
 * A collector callback rebuilds every record from what the framer hands
 * over and checks the piece flags (first/last/total) as it goes; a record
 * is then compared with what was framed.  The same stream is fed whole,
 * split at every byte, split at every pair of bytes and one byte at a time:
 * the records must come out the same whichever way the bytes arrived.
 * Hostile frames (lengths that lie, huge lengths, non-digits, over-long
 * length lines, records over the limit, cut records) must break the
 * stream, never crash it and never deliver a wrong record.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/recordio.h"

/* ---- a collector ---------------------------------------------------------- */

#define MAX_RECS 64

struct rec {
	uint8_t *data;
	size_t len;
	uint64_t total;
	size_t pieces; /* callback calls that made it */
};

struct collector {
	struct rec recs[MAX_RECS];
	size_t n;
	bool open;	   /* a piecewise record is being assembled */
	int refuse_at;	   /* refuse (return -1) at this record, -1 never */
	char problem[200]; /* the first inconsistency seen, "" if none */
};

static void
note(struct collector *c, const char *what)
{
	if (c->problem[0] == '\0')
		snprintf(c->problem, sizeof c->problem, "%s (record %zu)", what,
		    c->n);
}

static int
collect(void *ctx, const uint8_t *data, size_t len, bool first, bool last,
    uint64_t total)
{
	struct collector *c = ctx;
	struct rec *r;

	if (first) {
		if (c->open)
			note(c, "first piece while a record is still open");
		if (c->n == MAX_RECS) {
			note(c, "too many records");
			return -1;
		}
		if (c->refuse_at >= 0 && (size_t)c->refuse_at == c->n)
			return -1;
		r = &c->recs[c->n];
		memset(r, 0, sizeof *r);
		r->total = total;
		r->data = malloc(total + 1);
		assert_non_null(r->data);
		c->open = true;
	} else {
		if (!c->open) {
			note(c, "a later piece without a first one");
			return -1;
		}
		r = &c->recs[c->n];
		if (r->total != total)
			note(c, "total changed between pieces");
	}
	if (len > 0 && data == NULL)
		note(c, "NULL data with a length");
	if (r->len + len > r->total) {
		note(c, "pieces longer than the announced total");
		return -1;
	}
	if (len > 0)
		memcpy(r->data + r->len, data, len);
	r->len += len;
	r->pieces++;
	if (last) {
		if (r->len != r->total)
			note(c, "last piece before the total was reached");
		c->open = false;
		c->n++;
	}
	return 0;
}

static void
collector_init(struct collector *c)
{
	memset(c, 0, sizeof *c);
	c->refuse_at = -1;
}

static void
collector_free(struct collector *c)
{
	for (size_t i = 0; i < MAX_RECS; i++)
		free(c->recs[i].data);
	memset(c, 0, sizeof *c);
}

/* ---- the stream under test -------------------------------------------- */

/* Records of varied sizes: empty, one byte, typical events, one larger
 * than the small buffer_max used below, and bytes that look like framing
 * (digits and newlines inside a record). */
static const char *const payloads[] = {
	"{\"type\":\"HEARTBEAT\"}",
	"",
	"x",
	"{\"type\":\"TASK_ADDED\",\"task_added\":{\"task\":{\"name\":\"web\","
	"\"task_id\":{\"value\":\"web.1\"}}}}",
	"12\n34\n\n5\n",
	"{\"type\":\"TASK_UPDATED\",\"task_updated\":{\"framework_id\":"
	"{\"value\":\"F-0000\"},\"status\":{\"task_id\":{\"value\":"
	"\"web.1\"},\"state\":\"TASK_RUNNING\",\"timestamp\":1700000001.5},"
	"\"state\":\"TASK_RUNNING\"}}",
	"",
	"{}",
};
#define N_PAYLOADS (sizeof payloads / sizeof payloads[0])

/* The framed stream of all payloads; its length in *len. */
static uint8_t *
framed(size_t *len)
{
	size_t cap = 64, n = 0;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	for (size_t i = 0; i < N_PAYLOADS; i++) {
		char head[32];
		int hn =
		    snprintf(head, sizeof head, "%zu\n", strlen(payloads[i]));
		size_t need = n + (size_t)hn + strlen(payloads[i]);

		if (need > cap) {
			cap = need * 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		memcpy(out + n, head, (size_t)hn);
		n += (size_t)hn;
		memcpy(out + n, payloads[i], strlen(payloads[i]));
		n += strlen(payloads[i]);
	}
	*len = n;
	return out;
}

/* Checks that the collector holds exactly the payloads. */
static void
expect_payloads(const struct collector *c, const char *how)
{
	if (c->problem[0] != '\0')
		fail_msg("%s: %s", how, c->problem);
	if (c->n != N_PAYLOADS)
		fail_msg("%s: %zu records, want %zu", how, c->n,
		    (size_t)N_PAYLOADS);
	for (size_t i = 0; i < N_PAYLOADS; i++) {
		size_t want = strlen(payloads[i]);

		if (c->recs[i].len != want || c->recs[i].total != want ||
		    memcmp(c->recs[i].data, payloads[i], want) != 0)
			fail_msg("%s: record %zu is %.*s, want %s", how, i,
			    (int)c->recs[i].len, (const char *)c->recs[i].data,
			    payloads[i]);
	}
}

/* Feeds data in pieces at the given cut offsets (ascending). */
static int
feed_cuts(struct recordio *r, const uint8_t *data, size_t len,
    const size_t *cuts, size_t n_cuts)
{
	size_t at = 0;

	for (size_t i = 0; i <= n_cuts; i++) {
		size_t end = i < n_cuts ? cuts[i] : len;

		if (recordio_feed(r, data + at, end - at) < 0)
			return -1;
		at = end;
	}
	return 0;
}

/* ---- tests --------------------------------------------------------------- */

/* Several records in one feed, all delivered whole. */
static void
test_one_feed(void **state)
{
	struct recordio r;
	struct collector c;
	size_t len;
	uint8_t *s = framed(&len);

	(void)state;
	collector_init(&c);
	recordio_init(&r, collect, &c, 4096, 1 << 20);
	assert_true(recordio_at_boundary(&r));
	assert_int_equal(recordio_feed(&r, s, len), 0);
	expect_payloads(&c, "one feed");
	for (size_t i = 0; i < N_PAYLOADS; i++)
		assert_int_equal(c.recs[i].pieces, 1);
	assert_true(recordio_at_boundary(&r));
	/* An empty feed changes nothing. */
	assert_int_equal(recordio_feed(&r, s, 0), 0);
	assert_true(recordio_at_boundary(&r));
	recordio_free(&r);
	collector_free(&c);
	free(s);
}

/* The stream split in two at every byte (inside length lines too), in
 * three at every pair of bytes, and fed one byte at a time. */
static void
test_split_everywhere(void **state)
{
	size_t len;
	uint8_t *s = framed(&len);
	char how[64];

	(void)state;
	for (size_t k = 0; k <= len; k++) {
		struct recordio r;
		struct collector c;

		collector_init(&c);
		recordio_init(&r, collect, &c, 4096, 1 << 20);
		assert_int_equal(feed_cuts(&r, s, len, &k, 1), 0);
		snprintf(how, sizeof how, "split at %zu", k);
		expect_payloads(&c, how);
		assert_true(recordio_at_boundary(&r));
		recordio_free(&r);
		collector_free(&c);
	}
	for (size_t i = 0; i <= len; i++)
		for (size_t j = i; j <= len; j++) {
			struct recordio r;
			struct collector c;
			size_t cuts[2] = { i, j };

			collector_init(&c);
			recordio_init(&r, collect, &c, 4096, 1 << 20);
			assert_int_equal(feed_cuts(&r, s, len, cuts, 2), 0);
			snprintf(how, sizeof how, "split at %zu and %zu", i, j);
			expect_payloads(&c, how);
			assert_true(recordio_at_boundary(&r));
			recordio_free(&r);
			collector_free(&c);
		}
	{
		struct recordio r;
		struct collector c;

		collector_init(&c);
		recordio_init(&r, collect, &c, 4096, 1 << 20);
		for (size_t i = 0; i < len; i++) {
			assert_int_equal(recordio_feed(&r, s + i, 1), 0);
			/* At a boundary exactly after each record's last byte. */
		}
		expect_payloads(&c, "byte by byte");
		assert_true(recordio_at_boundary(&r));
		recordio_free(&r);
		collector_free(&c);
	}
	free(s);
}

/* recordio_at_boundary follows the stream: false inside a length line and
 * inside a record, true right after a record. */
static void
test_boundary_tracking(void **state)
{
	const char *s = "5\nhello0\n3\nabc";
	size_t len = strlen(s);
	/* After byte i (1-based prefix length) is the framer between records? */
	static const bool at[] = {
		true,				  /* "" */
		false, false,			  /* "5", "5\n" */
		false, false, false, false, true, /* "hello" */
		false, true,	    /* "0", "0\n": an empty record */
		false, false,	    /* "3", "3\n" */
		false, false, true, /* "abc" */
	};
	struct recordio r;
	struct collector c;

	(void)state;
	assert_int_equal(sizeof at / sizeof at[0], len + 1);
	collector_init(&c);
	recordio_init(&r, collect, &c, 4096, 1 << 20);
	assert_true(recordio_at_boundary(&r));
	for (size_t i = 0; i < len; i++) {
		assert_int_equal(recordio_feed(&r, (const uint8_t *)s + i, 1),
		    0);
		if (recordio_at_boundary(&r) != at[i + 1])
			fail_msg("after %zu bytes: at_boundary %d, want %d",
			    i + 1, recordio_at_boundary(&r), at[i + 1]);
	}
	assert_int_equal(c.n, 3);
	assert_int_equal(c.recs[1].len, 0);
	assert_int_equal(c.recs[1].total, 0);
	recordio_free(&r);
	collector_free(&c);
}

/* A zero-length record is delivered once, first and last, total 0. */
static void
test_zero_length(void **state)
{
	struct recordio r;
	struct collector c;

	(void)state;
	collector_init(&c);
	recordio_init(&r, collect, &c, 4096, 1 << 20);
	assert_int_equal(recordio_feed(&r, (const uint8_t *)"0\n0\n", 4), 0);
	assert_null(c.problem[0] ? c.problem : NULL);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.recs[0].pieces, 1);
	assert_int_equal(c.recs[0].total, 0);
	assert_true(recordio_at_boundary(&r));
	/* Leading zeros are digits like any other. */
	assert_int_equal(recordio_feed(&r, (const uint8_t *)"0003\nabc", 8), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.recs[2].len, 3);
	assert_memory_equal(c.recs[2].data, "abc", 3);
	recordio_free(&r);
	collector_free(&c);
}

/* Breaks the stream on a hostile input (fed in one piece and byte by
 * byte): feed returns -1, error is set, later feeds also fail, nothing
 * wrong was delivered, at_boundary is false. */
static void
expect_broken(const char *input, size_t len, uint64_t record_max,
    size_t delivered_before)
{
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct recordio r;
		struct collector c;
		int rc = 0;

		collector_init(&c);
		recordio_init(&r, collect, &c, 4096, record_max);
		if (bytewise) {
			for (size_t i = 0; i < len && rc == 0; i++)
				rc = recordio_feed(&r,
				    (const uint8_t *)input + i, 1);
		} else {
			rc = recordio_feed(&r, (const uint8_t *)input, len);
		}
		if (rc != -1)
			fail_msg("%s%s: not broken",
			    bytewise ? "bytewise " : "", input);
		assert_true(r.error[0] != '\0');
		assert_false(recordio_at_boundary(&r));
		assert_int_equal(recordio_feed(&r, (const uint8_t *)"2\n{}", 4),
		    -1);
		assert_int_equal(c.n, delivered_before);
		assert_null(c.problem[0] ? c.problem : NULL);
		recordio_free(&r);
		collector_free(&c);
	}
}

/* Length lines: at most 20 digits; 20 are fine. */
static void
test_length_line_limits(void **state)
{
	struct recordio r;
	struct collector c;
	const char *twenty = "00000000000000000002\nok";

	(void)state;
	collector_init(&c);
	recordio_init(&r, collect, &c, 4096, 1 << 20);
	assert_int_equal(recordio_feed(&r, (const uint8_t *)twenty,
			     strlen(twenty)),
	    0);
	assert_int_equal(c.n, 1);
	assert_memory_equal(c.recs[0].data, "ok", 2);
	recordio_free(&r);
	collector_free(&c);

	/* 21 digits, even with a small value, and a long run of them. */
	expect_broken("000000000000000000002\nok", 24, 1 << 20, 0);
	expect_broken("2\n{}123456789012345678901234567890", 34, 1 << 20, 1);
	/* 20 digits whose value is far over any limit (and over 2^64). */
	expect_broken("99999999999999999999\n{}", 23, 1 << 20, 0);
	expect_broken("18446744073709551615\n{}", 23, 1 << 20, 0);
}

/* A non-digit anywhere in the length line, or no digit at all. */
static void
test_non_digit_length(void **state)
{
	(void)state;
	expect_broken("1a\nx", 4, 1 << 20, 0);
	expect_broken("-1\nx", 4, 1 << 20, 0);
	expect_broken("+1\nx", 4, 1 << 20, 0);
	expect_broken(" 1\nx", 4, 1 << 20, 0);
	expect_broken("1 \nx", 4, 1 << 20, 0);
	expect_broken("1\r\nx", 4, 1 << 20, 0);
	expect_broken("\nx", 2, 1 << 20, 0);
	expect_broken("0x10\n", 5, 1 << 20, 0);
	expect_broken("{\"type\":\"HEARTBEAT\"}", 20, 1 << 20, 0);
	/* A length that lies: the record data runs into what follows, so the
	 * next "length" is JSON text. */
	expect_broken("3\n{}2\n{}", 8, 1 << 20, 1);
	/* A NUL byte. */
	expect_broken("1\0\nx", 4, 1 << 20, 0);
	/* After two good records. */
	expect_broken("2\n{}0\nZ", 7, 1 << 20, 2);
}

/* A record over record_max breaks the stream before any of it is
 * delivered; one exactly at the limit is fine. */
static void
test_record_limit(void **state)
{
	struct recordio r;
	struct collector c;

	(void)state;
	expect_broken("11\nhello world", 14, 10, 0);
	expect_broken("2\nok11\nhello world", 18, 10, 1);
	/* Broken as soon as the length line ends, before the data comes. */
	{
		collector_init(&c);
		recordio_init(&r, collect, &c, 4, 100);
		assert_int_equal(recordio_feed(&r, (const uint8_t *)"1000000",
				     7),
		    0);
		assert_int_equal(recordio_feed(&r, (const uint8_t *)"\n", 1),
		    -1);
		assert_int_equal(c.n, 0);
		recordio_free(&r);
		collector_free(&c);
	}
	collector_init(&c);
	recordio_init(&r, collect, &c, 4096, 10);
	assert_int_equal(recordio_feed(&r, (const uint8_t *)"10\n0123456789",
			     13),
	    0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.recs[0].len, 10);
	recordio_free(&r);
	collector_free(&c);
}

/* Records larger than buffer_max come in pieces as the bytes arrive:
 * first on the first, last on the last, the same total on each, the
 * bytes in order; records up to buffer_max still come whole. */
static void
test_big_records_in_pieces(void **state)
{
	enum {
		BIG = 1000,
		BUFMAX = 64
	};
	char *big = malloc(BIG);
	uint8_t *stream = malloc(2 * BIG + 200);
	size_t n = 0;

	(void)state;
	assert_non_null(big);
	assert_non_null(stream);
	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)('a' + i % 26);
	/* big, a 64-byte record (exactly buffer_max), big again, a small one */
	n += (size_t)sprintf((char *)stream + n, "%d\n", BIG);
	memcpy(stream + n, big, BIG);
	n += BIG;
	n += (size_t)sprintf((char *)stream + n, "%d\n", BUFMAX);
	memset(stream + n, 'm', BUFMAX);
	n += BUFMAX;
	n += (size_t)sprintf((char *)stream + n, "%d\n", BUFMAX + 1);
	memset(stream + n, 'p', BUFMAX + 1);
	n += BUFMAX + 1;
	n += (size_t)sprintf((char *)stream + n, "%d\n", BIG);
	memcpy(stream + n, big, BIG);
	n += BIG;
	n += (size_t)sprintf((char *)stream + n, "2\n{}");

	for (size_t piece = 1; piece <= n;
	     piece = piece < 16 ? piece + 1 : piece * 3) {
		struct recordio r;
		struct collector c;

		collector_init(&c);
		recordio_init(&r, collect, &c, BUFMAX, 1 << 20);
		for (size_t at = 0; at < n; at += piece)
			assert_int_equal(recordio_feed(&r, stream + at,
					     at + piece <= n ? piece : n - at),
			    0);
		if (c.problem[0] != '\0')
			fail_msg("pieces of %zu: %s", piece, c.problem);
		assert_int_equal(c.n, 5);
		assert_int_equal(c.recs[0].total, BIG);
		assert_int_equal(c.recs[0].len, BIG);
		assert_memory_equal(c.recs[0].data, big, BIG);
		assert_int_equal(c.recs[3].len, BIG);
		assert_memory_equal(c.recs[3].data, big, BIG);
		/* Up to buffer_max: whole, in one call. */
		assert_int_equal(c.recs[1].len, BUFMAX);
		assert_int_equal(c.recs[1].pieces, 1);
		assert_int_equal(c.recs[4].pieces, 1);
		assert_memory_equal(c.recs[4].data, "{}", 2);
		/* Over it: one call per fed piece that holds some of it. */
		assert_int_equal(c.recs[2].len, BUFMAX + 1);
		if (piece < BIG)
			assert_true(c.recs[0].pieces > 1);
		assert_true(c.recs[0].pieces <= BIG / piece + 2);
		assert_true(recordio_at_boundary(&r));
		recordio_free(&r);
		collector_free(&c);
	}
	free(big);
	free(stream);
}

/* A stream cut inside a record (or inside its length line) is not at a
 * boundary, and the cut record is never delivered as complete. */
static void
test_cut_at_end(void **state)
{
	static const char *const cuts[] = {
		"2\n{}1",
		"2\n{}12",
		"2\n{}12\n",
		"2\n{}12\n{\"type\"",
		"2\n{}5\nabcd",
	};

	(void)state;
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		struct recordio r;
		struct collector c;

		collector_init(&c);
		recordio_init(&r, collect, &c, 4096, 1 << 20);
		assert_int_equal(recordio_feed(&r, (const uint8_t *)cuts[i],
				     strlen(cuts[i])),
		    0);
		assert_int_equal(c.n, 1);
		if (recordio_at_boundary(&r))
			fail_msg("\"%s\" taken as a whole stream", cuts[i]);
		recordio_free(&r);
		collector_free(&c);
	}
	/* A big record cut in the middle: its last piece never came. */
	{
		struct recordio r;
		struct collector c;
		uint8_t buf[600];

		collector_init(&c);
		recordio_init(&r, collect, &c, 16, 1 << 20);
		memcpy(buf, "1000\n", 5);
		memset(buf + 5, 'z', sizeof buf - 5);
		assert_int_equal(recordio_feed(&r, buf, sizeof buf), 0);
		assert_int_equal(c.n, 0);
		assert_true(c.open);
		assert_false(recordio_at_boundary(&r));
		recordio_free(&r);
		collector_free(&c);
	}
}

/* A callback that refuses a record breaks the stream; the records before
 * it were delivered, none after. */
static void
test_callback_refuses(void **state)
{
	struct recordio r;
	struct collector c;
	const char *s = "2\n{}3\nabc1\nx";

	(void)state;
	collector_init(&c);
	c.refuse_at = 1;
	recordio_init(&r, collect, &c, 4096, 1 << 20);
	assert_int_equal(recordio_feed(&r, (const uint8_t *)s, strlen(s)), -1);
	assert_int_equal(c.n, 1);
	assert_false(recordio_at_boundary(&r));
	assert_int_equal(recordio_feed(&r, (const uint8_t *)"1\ny", 3), -1);
	assert_int_equal(c.n, 1);
	recordio_free(&r);
	collector_free(&c);

	/* Refusing a zero-length record too. */
	collector_init(&c);
	c.refuse_at = 0;
	recordio_init(&r, collect, &c, 4096, 1 << 20);
	assert_int_equal(recordio_feed(&r, (const uint8_t *)"0\n", 2), -1);
	recordio_free(&r);
	collector_free(&c);
}

/* recordio_free is safe on a framer that never buffered, and twice. */
static void
test_free_twice(void **state)
{
	struct recordio r;
	struct collector c;

	(void)state;
	collector_init(&c);
	recordio_init(&r, collect, &c, 4096, 1 << 20);
	recordio_free(&r);
	recordio_free(&r);
	recordio_init(&r, collect, &c, 4096, 1 << 20);
	assert_int_equal(recordio_feed(&r, (const uint8_t *)"1\nx", 3), 0);
	recordio_free(&r);
	recordio_free(&r);
	collector_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_feed),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_boundary_tracking),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_length_line_limits),
		cmocka_unit_test(test_non_digit_length),
		cmocka_unit_test(test_record_limit),
		cmocka_unit_test(test_big_records_in_pieces),
		cmocka_unit_test(test_cut_at_end),
		cmocka_unit_test(test_callback_refuses),
		cmocka_unit_test(test_free_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
