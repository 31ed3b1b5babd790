/* test_schedule.c -- when the reload loop polls and publishes: the first
 * poll at once, retries with back-off until the first load, ticks every
 * refreshSeconds in phase, triggers at once, bursts of events coalesced,
 * a burst's overlay compacted once events pause, failed reconciliations
 * backed off up to 30 s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "schedule.h"

#define T0 1000000 /* any monotonic start */

static void
test_first_poll_now_then_backoff(void **state)
{
	struct schedule s;
	int64_t now = T0;

	(void)state;
	schedule_init(&s, 60000, false, now);
	assert_int_equal(schedule_wait_ms(&s, now), 0);
	assert_true(schedule_take(&s, now));
	/* Failed polls before the first load: again after 1, 2, 4 ... s. */
	for (int64_t want = 1000; want <= 16000; want *= 2) {
		assert_false(schedule_done(&s, true, false, now));
		assert_int_equal(schedule_wait_ms(&s, now), want);
		now += want;
		assert_int_equal(schedule_wait_ms(&s, now), 0);
		assert_true(schedule_take(&s, now));
	}
	/* The tick comes before the next retry (32 s)... */
	assert_false(schedule_done(&s, true, false, now));
	assert_int_equal(schedule_wait_ms(&s, now), T0 + 60000 - now);
	now = T0 + 60000;
	assert_true(schedule_take(&s, now));
	/* ... and the back-off never exceeds the period. */
	assert_false(schedule_done(&s, true, false, now));
	assert_int_equal(s.retry_ms, 60000);
	assert_int_equal(schedule_wait_ms(&s, now), 60000);
	/* The first success says so once. */
	assert_true(schedule_done(&s, true, true, now));
	assert_true(s.loaded);
	assert_false(schedule_done(&s, true, true, now));
}

static void
test_ticks_keep_phase(void **state)
{
	struct schedule s;
	int64_t now = T0;

	(void)state;
	schedule_init(&s, 10000, false, now);
	assert_true(schedule_take(&s, now));
	schedule_done(&s, true, true, now + 700); /* a slow poll */
	assert_int_equal(schedule_wait_ms(&s, now + 700), 9300);
	now = T0 + 10000;
	assert_true(schedule_take(&s, now));
	/* A poll that overran two periods skips them, in phase. */
	now = T0 + 32500;
	schedule_done(&s, true, true, now);
	assert_int_equal(schedule_wait_ms(&s, now), 0);
	assert_true(schedule_take(&s, now));
	schedule_done(&s, true, true, now);
	assert_int_equal(schedule_wait_ms(&s, now), T0 + 40000 - now);
}

/* A reload's new refreshSeconds: the next periodic poll is one new period
 * from the reload, both shorter and longer. */
static void
test_new_period_from_a_reload(void **state)
{
	struct schedule s;
	int64_t now = T0;

	(void)state;
	schedule_init(&s, 60000, false, now);
	assert_true(schedule_take(&s, now));
	schedule_done(&s, true, true, now);
	now += 5000;
	schedule_set_period(&s, 10000, now);
	assert_int_equal(schedule_wait_ms(&s, now), 10000);
	assert_true(schedule_take(&s, now + 10000));
	schedule_done(&s, true, true, now + 10000);
	assert_int_equal(schedule_wait_ms(&s, now + 10000), 10000);
	now += 12000;
	schedule_set_period(&s, 120000, now);
	assert_int_equal(schedule_wait_ms(&s, now), 120000);
}

static void
test_trigger_polls_at_once(void **state)
{
	struct schedule s;
	int64_t now = T0;

	(void)state;
	schedule_init(&s, 60000, false, now);
	schedule_take(&s, now);
	schedule_done(&s, true, true, now);
	now += 5000;
	assert_int_equal(schedule_wait_ms(&s, now), 55000);
	schedule_trigger(&s);
	assert_int_equal(schedule_wait_ms(&s, now), 0);
	assert_true(schedule_take(&s, now));
	schedule_done(&s, true, true, now);
	/* The trigger does not move the tick. */
	assert_int_equal(schedule_wait_ms(&s, now), 55000);
}

static void
test_events_coalesced(void **state)
{
	struct schedule s;
	int64_t now = T0;

	(void)state;
	schedule_init(&s, 60000, true, now);
	schedule_take(&s, now);
	schedule_done(&s, true, true, now);
	schedule_published(&s, now);
	/* Right after a publication, an event waits out the delay... */
	schedule_changed(&s, now + 10);
	assert_int_equal(schedule_wait_ms(&s, now + 10),
	    SCHEDULE_PUBLISH_DELAY_MS - 10);
	schedule_changed(&s, now + 20); /* ... with the rest of its burst */
	/* The burst's later events leave the due time where it was, so the
	 * reload loop is not woken for them (refresh.c, heed). */
	assert_int_equal(schedule_wait_ms(&s, now + 20),
	    SCHEDULE_PUBLISH_DELAY_MS - 20);
	now += SCHEDULE_PUBLISH_DELAY_MS;
	assert_int_equal(schedule_wait_ms(&s, now), 0);
	assert_false(schedule_take(&s, now)); /* a publication, not a poll */
	schedule_published(&s, now);
	schedule_done(&s, false, true, now);
	assert_int_equal(s.publish_due, 0);
	/* After a quiet spell it goes out at once. */
	now += 5000;
	schedule_changed(&s, now);
	assert_int_equal(schedule_wait_ms(&s, now), 0);
	/* A poll due at the same time covers it. */
	schedule_trigger(&s);
	assert_true(schedule_take(&s, now));
	assert_int_equal(s.publish_due, 0);
}

static void
test_compaction_after_events_pause(void **state)
{
	struct schedule s;
	int64_t now = T0;

	(void)state;
	schedule_init(&s, 60000, true, now);
	schedule_take(&s, now);
	schedule_done(&s, true, true, now);
	/* An overlay published mid-burst asks for a compaction... */
	schedule_published(&s, now);
	schedule_compact(&s, now);
	assert_int_equal(schedule_wait_ms(&s, now), SCHEDULE_COMPACT_QUIET_MS);
	/* ... which every event of the burst pushes back, behind the
	 * publications it brings. */
	now += 1500;
	schedule_changed(&s, now);
	assert_int_equal(schedule_wait_ms(&s, now), 0);
	assert_int_equal(schedule_take(&s, now), SCHEDULE_PUBLISH);
	schedule_published(&s, now);
	schedule_done(&s, false, true, now);
	assert_int_equal(schedule_wait_ms(&s, now), SCHEDULE_COMPACT_QUIET_MS);
	now += SCHEDULE_COMPACT_QUIET_MS - 1;
	assert_int_equal(schedule_wait_ms(&s, now), 1);
	/* Once the events pause, it runs, once. */
	now += 1;
	assert_int_equal(schedule_wait_ms(&s, now), 0);
	assert_int_equal(schedule_take(&s, now), SCHEDULE_COMPACT);
	schedule_done(&s, false, true, now);
	assert_int_equal(s.compact_due, 0);
	assert_int_equal(schedule_wait_ms(&s, now), T0 + 60000 - now);
	/* A publication due at the same time goes first... */
	schedule_compact(&s, now);
	now += SCHEDULE_COMPACT_QUIET_MS;
	s.publish_due = now;
	assert_int_equal(schedule_take(&s, now), SCHEDULE_PUBLISH);
	assert_int_equal(schedule_take(&s, now), SCHEDULE_COMPACT);
	/* ... and a poll, a full build itself, covers it. */
	schedule_compact(&s, now);
	schedule_trigger(&s);
	assert_int_equal(schedule_take(&s, now), SCHEDULE_POLL);
	assert_int_equal(s.compact_due, 0);
}

static void
test_reconcile_backoff(void **state)
{
	struct schedule s;
	int64_t now = T0;
	static const int64_t want[] = { 1000, 2000, 4000, 8000, 16000, 30000,
		30000 };

	(void)state;
	schedule_init(&s, 600000, true, now);
	schedule_take(&s, now);
	schedule_done(&s, true, true, now);
	schedule_reconcile(&s, now, SCHEDULE_RECONCILE_DELAY_MS);
	now += SCHEDULE_RECONCILE_DELAY_MS;
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		assert_true(schedule_take(&s, now));
		schedule_done(&s, true, false, now); /* fails */
		assert_int_equal(schedule_wait_ms(&s, now), want[i]);
		now += want[i];
	}
	/* A success ends the back-off: only the tick is left. */
	assert_true(schedule_take(&s, now));
	schedule_done(&s, true, true, now);
	assert_int_equal(s.reconcile_due, 0);
	assert_int_equal(s.reconcile_retry_ms, 0);
	/* The retry never exceeds a short period. */
	schedule_init(&s, 5000, true, now);
	schedule_take(&s, now);
	schedule_done(&s, true, true, now);
	for (int i = 0; i < 5; i++)
		schedule_done(&s, true, false, now);
	assert_int_equal(s.reconcile_retry_ms, 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_poll_now_then_backoff),
		cmocka_unit_test(test_ticks_keep_phase),
		cmocka_unit_test(test_new_period_from_a_reload),
		cmocka_unit_test(test_trigger_polls_at_once),
		cmocka_unit_test(test_events_coalesced),
		cmocka_unit_test(test_compaction_after_events_pause),
		cmocka_unit_test(test_reconcile_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
