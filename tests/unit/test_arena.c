/* test_arena.c -- the bump allocator that snapshots and parsed states live
 * in: every allocation usable and aligned, nothing overlapping, chunks
 * that grow with the arena (a small state reserves little), big requests
 * on their own, reset and move; at start-up, chunks of 2 MiB and more
 * on whole huge pages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/hugepage.h"

/* Fills n allocations of varying sizes with their own byte, then checks
 * that none overwrote another. */
static void
fill_and_check(struct arena *a, size_t n, size_t max)
{
	unsigned char **p = calloc(n, sizeof *p);
	size_t *len = calloc(n, sizeof *len);

	assert_non_null(p);
	assert_non_null(len);
	for (size_t i = 0; i < n; i++) {
		len[i] = 1 + (i * 7919) % max;
		p[i] = arena_alloc(a, len[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 8, 0);
		memset(p[i], (int)(i & 0xff), len[i]);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < len[i]; k++)
			assert_int_equal(p[i][k], i & 0xff);
	free(p);
	free(len);
}

static void
test_small_arena_reserves_little(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a, (size_t)1 << 20);
	assert_non_null(arena_alloc(&a, 100));
	assert_true(a.reserved <= (size_t)64 << 10);
	assert_int_equal(a.used, 104);
	arena_free(&a);
	assert_int_equal(a.reserved, 0);
}

static void
test_chunks_grow_to_the_chunk_size(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a, (size_t)1 << 20);
	fill_and_check(&a, 200000, 200);
	/* About 20 MB handed out: most of it in whole 1 MiB chunks, so at
	 * most one chunk's worth is reserved beyond what is used. */
	assert_true(a.used > (size_t)15 << 20);
	assert_true(a.reserved >= a.used);
	assert_true(a.reserved - a.used <= (size_t)1 << 20);
	arena_free(&a);
}

static void
test_big_requests_keep_the_current_chunk(void **state)
{
	struct arena a;
	unsigned char *small, *big, *next;

	(void)state;
	arena_init(&a, (size_t)1 << 20);
	small = arena_alloc(&a, 16);
	big = arena_alloc(&a, (size_t)3 << 20);
	assert_non_null(big);
	memset(big, 0xab, (size_t)3 << 20);
	/* The next small one comes from the first chunk, right after. */
	next = arena_alloc(&a, 16);
	assert_ptr_equal(next, small + 16);
	assert_int_equal(big[((size_t)3 << 20) - 1], 0xab);
	/* Sizes that wrap when rounded up or when the header is added. */
	assert_null(arena_alloc(&a, SIZE_MAX - 3));
	assert_null(arena_alloc(&a, SIZE_MAX - 16));
	arena_free(&a);
}

static void
test_strndup_reset_and_move(void **state)
{
	struct arena a, b;
	char *s;

	(void)state;
	arena_init(&a, 4096);
	arena_init(&b, 4096);
	s = arena_strndup(&a, "web.marathon.mesos.", 3);
	assert_string_equal(s, "web");
	fill_and_check(&a, 5000, 100);
	arena_reset(&a);
	assert_int_equal(a.used, 0);
	assert_true(a.reserved <= 4096);
	fill_and_check(&a, 5000, 100);
	arena_move(&b, &a);
	assert_null(a.head);
	assert_int_equal(a.reserved, 0);
	assert_true(b.used > 0);
	arena_free(&b);
}

/* Start-up: a chunk_size of whole huge pages gives chunks of exactly
 * that (header included), aligned to them; a big request rounds up. */
static void
test_huge_chunks_are_whole_pages(void **state)
{
	struct arena a;
	unsigned char *big;

	(void)state;
	arena_init(&a, (size_t)4 << 20);
	fill_and_check(&a, 200000, 200);
	assert_true(a.reserved >= a.used);
	assert_true(a.reserved - a.used <= (size_t)4 << 20);
	assert_int_equal((uintptr_t)a.head % HUGEPAGE_SIZE, 0);
	big = arena_alloc(&a, ((size_t)5 << 20) + 1);
	assert_non_null(big);
	memset(big, 0xcd, ((size_t)5 << 20) + 1);
	arena_free(&a);
}

/* hugepage_realloc keeps what the block held, before and after start-up;
 * at start-up a big block is aligned and its size whole pages. */
static void
test_hugepage_realloc_keeps_the_contents(void **state)
{
	size_t n = 1000;
	unsigned char *p = malloc(n);

	(void)state;
	assert_non_null(p);
	memset(p, 0x5a, n);
	n = ((size_t)3 << 20) + 5;
	p = hugepage_realloc(p, 1000, &n);
	assert_non_null(p);
	assert_int_equal(n, (size_t)4 << 20);
	assert_int_equal((uintptr_t)p % HUGEPAGE_SIZE, 0);
	assert_int_equal(p[999], 0x5a);
	memset(p, 0x6b, n);
	hugepage_start_up_done();
	n = (size_t)9 << 20;
	p = hugepage_realloc(p, (size_t)4 << 20, &n);
	assert_non_null(p);
	assert_int_equal(n, (size_t)9 << 20);
	assert_int_equal(p[((size_t)4 << 20) - 1], 0x6b);
	free(p);
	p = hugepage_calloc((size_t)3 << 20);
	assert_non_null(p);
	assert_int_equal(p[((size_t)3 << 20) - 1], 0);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_arena_reserves_little),
		cmocka_unit_test(test_chunks_grow_to_the_chunk_size),
		cmocka_unit_test(test_big_requests_keep_the_current_chunk),
		cmocka_unit_test(test_strndup_reset_and_move),
		/* Before hugepage_start_up_done, which the next one calls. */
		cmocka_unit_test(test_huge_chunks_are_whole_pages),
		cmocka_unit_test(test_hugepage_realloc_keeps_the_contents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
