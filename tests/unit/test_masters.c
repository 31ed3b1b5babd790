/* test_masters.c -- the masters list M and the detector's events
 * (spec/masters.md §1, §2): leader and all-masters events reorder M as
 * the original does, tell the listener (the reload loop), and never leave
 * M with a lost or NULL entry when memory runs out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "master/masters.h"

/* strdup fails once `strdup_budget` more copies have been made (-1:
 * never); the masters list copies every entry with it. */
static int strdup_budget = -1;

char *
strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (strdup_budget == 0)
		return NULL;
	if (strdup_budget > 0)
		strdup_budget--;
	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

static int changes;

static void
changed(void *ctx)
{
	(void)ctx;
	changes++;
}

/* M as one string, entries joined by ',' ("" shown as "-"). */
static void
expect_m(const char *want)
{
	struct masters_list m;
	char got[256] = "";

	assert_true(masters_get(&m));
	for (size_t i = 0; i < m.n; i++) {
		assert_non_null(m.v[i]);
		if (i > 0)
			strcat(got, ",");
		strcat(got, m.v[i][0] ? m.v[i] : "-");
	}
	masters_list_free(&m);
	assert_string_equal(got, want);
}

static int
setup(void **state)
{
	static const char *const zk[] = { "", "10.0.0.1:5050",
		"10.0.0.2:5050" };
	struct masters_listener l = { changed, NULL };

	(void)state;
	strdup_budget = -1;
	changes = 0;
	masters_listen(&l);
	assert_true(masters_set(zk, 3));
	return 0;
}

static void
test_leader_event(void **state)
{
	(void)state;
	expect_m("-,10.0.0.1:5050,10.0.0.2:5050");
	masters_on_leader("10.0.0.2:5050");
	expect_m("10.0.0.2:5050,10.0.0.1:5050");
	assert_int_equal(changes, 1);
	masters_on_leader("10.0.0.9:5050");
	expect_m("10.0.0.9:5050,10.0.0.1:5050");
	masters_on_leader("");
	expect_m("-,10.0.0.1:5050");
	assert_int_equal(changes, 3);
}

static void
test_all_masters_event(void **state)
{
	static const char *const all[] = { "10.0.0.7:5050", "10.0.0.2:5050",
		"10.0.0.8:5050" };

	(void)state;
	masters_on_leader("10.0.0.2:5050");
	masters_on_all(all, 3);
	/* M[0] stays first, the rest is the list without it. */
	expect_m("10.0.0.2:5050,10.0.0.7:5050,10.0.0.8:5050");
	assert_int_equal(changes, 2);
}

/* Out of memory while a new M is copied: M stays whole and the listener
 * hears nothing (a NULL entry was once left in M and read at once). */
static void
test_out_of_memory_keeps_m(void **state)
{
	static const char *const all[] = { "10.0.0.7:5050" };
	struct masters_list m;

	(void)state;
	masters_on_leader("10.0.0.2:5050");
	/* Each copy that the events make fails in turn. */
	for (int budget = 0; budget < 3; budget++) {
		if (budget < 2) {
			strdup_budget = budget;
			masters_on_leader("10.0.0.3:5050");
		}
		strdup_budget = budget;
		masters_on_all(all, 1);
		strdup_budget = -1;
		expect_m("10.0.0.2:5050,10.0.0.1:5050");
	}
	assert_int_equal(changes, 1);
	/* A copy for a reload is all or nothing. */
	strdup_budget = 1;
	assert_false(masters_get(&m));
	assert_int_equal(m.n, 0);
	strdup_budget = -1;
	masters_list_free(&m);
}

static void
test_stream_target(void **state)
{
	char out[64];

	(void)state;
	/* The detector has named nobody yet: the first known entry. */
	assert_true(masters_stream_target(true, out, sizeof out));
	assert_string_equal(out, "10.0.0.1:5050");
	masters_on_leader("10.0.0.2:5050");
	assert_true(masters_stream_target(true, out, sizeof out));
	assert_string_equal(out, "10.0.0.2:5050");
	masters_set((const char *const[]){ "" }, 1);
	assert_false(masters_stream_target(false, out, sizeof out));
}

static void
test_detection_timer(void **state)
{
	(void)state;
	masters_timer_start(3600);
	assert_false(masters_timer_expired());
	masters_on_leader("10.0.0.2:5050"); /* a leader stops it */
	masters_on_leader("");		    /* none restarts it */
	assert_false(masters_timer_expired());
	masters_timer_start(0); /* off */
	assert_false(masters_timer_expired());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_leader_event, setup),
		cmocka_unit_test_setup(test_all_masters_event, setup),
		cmocka_unit_test_setup(test_out_of_memory_keeps_m, setup),
		cmocka_unit_test_setup(test_stream_target, setup),
		cmocka_unit_test_setup(test_detection_timer, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
