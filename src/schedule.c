/* schedule.c -- the reload loop's timing rules (see schedule.h). */
#include "schedule.h"

#include <assert.h>

void
schedule_init(struct schedule *s, int64_t period_ms, bool events_on,
    int64_t now)
{
	assert(period_ms > 0);
	*s = (struct schedule){ .period_ms = period_ms,
		.next_tick = now + period_ms,
		.due = now,
		.retry_ms = SCHEDULE_RETRY_FIRST_MS,
		.events_on = events_on,
		.triggered = true };
}

void
schedule_trigger(struct schedule *s)
{
	s->triggered = true;
}

static void
earliest(int64_t *due, int64_t at)
{
	if (*due == 0 || at < *due)
		*due = at;
}

void
schedule_changed(struct schedule *s, int64_t now)
{
	int64_t at = s->last_publish + SCHEDULE_PUBLISH_DELAY_MS;

	earliest(&s->publish_due, at > now ? at : now);
	if (s->compact_due != 0)
		s->compact_due = now + SCHEDULE_COMPACT_QUIET_MS;
}

void
schedule_compact(struct schedule *s, int64_t now)
{
	s->compact_due = now + SCHEDULE_COMPACT_QUIET_MS;
}

void
schedule_reconcile(struct schedule *s, int64_t now, int64_t delay_ms)
{
	earliest(&s->reconcile_due, now + delay_ms);
}

void
schedule_published(struct schedule *s, int64_t now)
{
	s->last_publish = now;
}

bool
schedule_done(struct schedule *s, bool poll, bool ok, int64_t now)
{
	bool first = ok && !s->loaded;

	/* With the event stream, a failed poll (one that SUBSCRIBED or an
	 * unknown event asked for, say) is tried again soon. */
	if (poll && s->events_on && s->loaded) {
		if (ok) {
			s->reconcile_retry_ms = 0;
		} else {
			int64_t r = s->reconcile_retry_ms ?
			    s->reconcile_retry_ms * 2 :
			    SCHEDULE_RETRY_FIRST_MS;

			if (r > s->period_ms)
				r = s->period_ms;
			if (r > SCHEDULE_RECONCILE_MAX_MS)
				r = SCHEDULE_RECONCILE_MAX_MS;
			s->reconcile_retry_ms = r;
			schedule_reconcile(s, now, r);
		}
	}
	if (first)
		s->loaded = true;
	/* Until the first success, retry sooner than the period (with
	 * back-off): the same answers, only earlier than the original would
	 * give them. */
	s->due = s->next_tick;
	if (!s->loaded) {
		if (now + s->retry_ms < s->due)
			s->due = now + s->retry_ms;
		s->retry_ms = s->retry_ms * 2 > s->period_ms ? s->period_ms :
							       s->retry_ms * 2;
	}
	return first;
}

int64_t
schedule_wait_ms(const struct schedule *s, int64_t now)
{
	int64_t until = s->due;

	if (s->triggered)
		return 0;
	if (s->reconcile_due != 0 && s->reconcile_due < until)
		until = s->reconcile_due;
	if (s->publish_due != 0 && s->publish_due < until)
		until = s->publish_due;
	if (s->compact_due != 0 && s->compact_due < until)
		until = s->compact_due;
	return until > now ? until - now : 0;
}

enum schedule_run
schedule_take(struct schedule *s, int64_t now)
{
	bool poll = s->triggered || now >= s->due ||
	    (s->reconcile_due != 0 && now >= s->reconcile_due);
	enum schedule_run run = poll ? SCHEDULE_POLL : SCHEDULE_PUBLISH;

	s->triggered = false;
	if (poll) {
		s->reconcile_due = 0;
		s->compact_due = 0;
	} else if ((s->publish_due == 0 || now < s->publish_due) &&
	    s->compact_due != 0 && now >= s->compact_due) {
		run = SCHEDULE_COMPACT;
		s->compact_due = 0;
	}
	if (run != SCHEDULE_COMPACT)
		s->publish_due = 0;
	/* Ticks keep their phase, as a Go ticker does. */
	while (s->next_tick <= now)
		s->next_tick += s->period_ms;
	return run;
}

void
schedule_set_period(struct schedule *s, int64_t period_ms, int64_t now)
{
	assert(period_ms > 0);
	if (period_ms == s->period_ms)
		return;
	s->period_ms = period_ms;
	s->next_tick = now + period_ms;
	if (s->retry_ms > period_ms)
		s->retry_ms = period_ms;
	/* Loaded: the next poll is the tick; before, a sooner retry stays. */
	if (s->loaded || s->due > s->next_tick)
		s->due = s->next_tick;
}
