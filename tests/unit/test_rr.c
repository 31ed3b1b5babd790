/* test_rr.c -- dns/rr.h: the bounded section walk on messages written
 * out by hand: fields and offsets of questions and RRs, compression
 * pointers followed, loops and out-of-bounds pointers refused, rdata and
 * counts past the end refused (strict) or ending the walk (lenient, as
 * miekg v1.0.15 reads queries).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dns/rr.h"
#include "dns/wire.h"

struct mb {
	uint8_t b[1024];
	size_t n;
};

static void
put(struct mb *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
put16(struct mb *m, uint16_t v)
{
	wire_write_u16(m->b + m->n, v);
	m->n += 2;
}

static void
put32(struct mb *m, uint32_t v)
{
	wire_write_u32(m->b + m->n, v);
	m->n += 4;
}

static void
header(struct mb *m, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	memset(m->b, 0, WIRE_HEADER_SIZE);
	wire_write_u16(m->b + 4, qd);
	wire_write_u16(m->b + 6, an);
	wire_write_u16(m->b + 8, ns);
	wire_write_u16(m->b + 10, ar);
	m->n = WIRE_HEADER_SIZE;
}

#define NAME "\3www\7example\3org" /* wire length sizeof(NAME) = 17 */

/* Question www.example.org A IN, one answer pointing at it, one OPT. */
static void
reply(struct mb *m)
{
	header(m, 1, 1, 0, 1);
	put(m, NAME, sizeof NAME);
	put16(m, TYPE_A);
	put16(m, CLASS_IN);
	put16(m, 0xC00C);
	put16(m, TYPE_A);
	put16(m, CLASS_IN);
	put32(m, 300);
	put16(m, 4);
	put(m, "\xc0\x00\x02\x01", 4);
	put(m, "", 1);
	put16(m, TYPE_OPT);
	put16(m, 1232);
	put32(m, 0x8000);
	put16(m, 0);
}

static void
test_walks_every_section(void **state)
{
	struct mb m;
	struct rr_iter it;
	struct rr rr;

	(void)state;
	reply(&m);
	assert_true(rr_iter_init(&it, m.b, m.n, RR_STRICT));
	assert_int_equal(rr_next(&it, &rr), RR_NEXT);
	assert_int_equal(rr.section, RR_QUESTION);
	assert_int_equal(rr.name_len, sizeof NAME);
	assert_memory_equal(rr.name, NAME, sizeof NAME);
	assert_int_equal(rr.type, TYPE_A);
	assert_int_equal(rr.class, CLASS_IN);

	assert_int_equal(rr_next(&it, &rr), RR_NEXT);
	assert_int_equal(rr.section, RR_ANSWER);
	assert_memory_equal(rr.name, NAME, sizeof NAME); /* via the pointer */
	assert_int_equal(rr.name_off, 12 + sizeof NAME + 4);
	assert_int_equal(rr.ttl, 300);
	assert_int_equal(wire_read_u32(m.b + rr.ttl_off), 300);
	assert_int_equal(rr.rdlen, 4);
	assert_memory_equal(m.b + rr.rdata_off, "\xc0\x00\x02\x01", 4);

	assert_int_equal(rr_next(&it, &rr), RR_NEXT);
	assert_int_equal(rr.section, RR_ADDITIONAL);
	assert_int_equal(rr.type, TYPE_OPT);
	assert_int_equal(rr.class, 1232);
	assert_int_equal(rr.name_len, 1);

	assert_int_equal(rr_next(&it, &rr), RR_END);
	assert_int_equal(rr_next(&it, &rr), RR_END);
	assert_int_equal(rr_iter_pos(&it), m.n);
}

static void
test_short_header(void **state)
{
	struct rr_iter it;
	struct rr rr;
	uint8_t b[11] = { 0 };

	(void)state;
	assert_false(rr_iter_init(&it, b, sizeof b, RR_STRICT));
	assert_int_not_equal(rr_next(&it, &rr), RR_NEXT);
}

static enum rr_step
walk(const struct mb *m, enum rr_mode mode, unsigned *entries)
{
	struct rr_iter it;
	struct rr rr;
	enum rr_step s;

	*entries = 0;
	rr_iter_init(&it, m->b, m->n, mode);
	while ((s = rr_next(&it, &rr)) == RR_NEXT)
		++*entries;
	/* Once failed or ended it stays so. */
	assert_int_equal(rr_next(&it, &rr), s);
	return s;
}

static void
test_pointer_loop_refused(void **state)
{
	struct mb m;
	unsigned n;

	(void)state;
	header(&m, 1, 0, 0, 0);
	put16(&m, 0xC00C); /* points at itself */
	put16(&m, TYPE_A);
	put16(&m, CLASS_IN);
	assert_int_equal(walk(&m, RR_STRICT, &n), RR_ERROR);
	assert_int_equal(n, 0);

	header(&m, 1, 0, 0, 0); /* two names pointing at each other */
	put(&m, "\1a", 2);
	put16(&m, 0xC010);
	put16(&m, 0xC00C);
	assert_int_equal(walk(&m, RR_LENIENT, &n), RR_ERROR);
}

static void
test_pointer_out_of_bounds_refused(void **state)
{
	struct mb m;
	unsigned n;

	(void)state;
	header(&m, 1, 0, 0, 0);
	put16(&m, 0xC3FF);
	put16(&m, TYPE_A);
	put16(&m, CLASS_IN);
	assert_int_equal(walk(&m, RR_STRICT, &n), RR_ERROR);
	header(&m, 1, 0, 0, 0);
	put(&m, "\1a\xc0", 3); /* pointer cut at the end */
	assert_int_equal(walk(&m, RR_STRICT, &n), RR_ERROR);
}

static void
test_name_over_255_refused(void **state)
{
	struct mb m;
	unsigned n;

	(void)state;
	header(&m, 1, 0, 0, 0);
	for (int i = 0; i < 5; i++) {
		uint8_t label[64];

		label[0] = 63;
		memset(label + 1, 'a', 63);
		put(&m, label, sizeof label);
	}
	put(&m, "", 1);
	put16(&m, TYPE_A);
	put16(&m, CLASS_IN);
	assert_int_equal(walk(&m, RR_STRICT, &n), RR_ERROR);
}

static void
test_rdata_past_end_refused(void **state)
{
	struct mb m;
	unsigned n;

	(void)state;
	reply(&m);
	m.n -= 11 + 5; /* drop the OPT and one byte of rdata */
	wire_write_u16(m.b + 10, 0);
	assert_int_equal(walk(&m, RR_STRICT, &n), RR_ERROR);
	assert_int_equal(walk(&m, RR_LENIENT, &n), RR_ERROR);
	assert_int_equal(n, 1);
}

static void
test_counts_past_the_end(void **state)
{
	struct mb m;
	unsigned n;

	(void)state;
	reply(&m);
	wire_write_u16(m.b + 8, 3); /* three authority RRs that are not there */
	wire_write_u16(m.b + 10, 0);
	m.n -= 11;
	assert_int_equal(walk(&m, RR_STRICT, &n), RR_ERROR);
	assert_int_equal(n, 2);
	assert_int_equal(walk(&m, RR_LENIENT, &n), RR_END); /* miekg stops */
	assert_int_equal(n, 2);
}

static void
test_lenient_question_cut_short(void **state)
{
	struct mb m;
	struct rr_iter it;
	struct rr rr;

	(void)state;
	header(&m, 1, 0, 0, 0);
	put(&m, NAME, sizeof NAME);
	put16(&m, TYPE_AAAA);
	put(&m, "\x00", 1); /* one byte of class: ignored */
	rr_iter_init(&it, m.b, m.n, RR_LENIENT);
	assert_int_equal(rr_next(&it, &rr), RR_NEXT);
	assert_int_equal(rr.type, TYPE_AAAA);
	assert_int_equal(rr.class, 0);
	assert_int_equal(rr_next(&it, &rr), RR_END);
	rr_iter_init(&it, m.b, m.n, RR_STRICT);
	assert_int_equal(rr_next(&it, &rr), RR_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walks_every_section),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_pointer_loop_refused),
		cmocka_unit_test(test_pointer_out_of_bounds_refused),
		cmocka_unit_test(test_name_over_255_refused),
		cmocka_unit_test(test_rdata_past_end_refused),
		cmocka_unit_test(test_counts_past_the_end),
		cmocka_unit_test(test_lenient_question_cut_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
