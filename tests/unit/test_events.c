/* test_events.c -- the event side of the reload loop (src/events.h): the
 * bounded event log, intake while records are being built from the model,
 * and the replay of events onto a poll's result.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "state/parse.h"

/* 'x' -> "x" (a fresh string). */
static char *
dq(const char *s)
{
	char *out = strdup(s);

	assert_non_null(out);
	for (char *p = out; *p; p++)
		if (*p == '\'')
			*p = '"';
	return out;
}

static const char state_a[] =
    "{'leader':'master@127.0.0.1:5050','hostname':'localhost',"
    "'slaves':[{'id':'S1','hostname':'10.0.0.3','pid':'slave(1)@10.0.0.3:"
    "5051'}],'frameworks':[{'id':'F1','name':'marathon','hostname':"
    "'10.0.0.2','pid':'scheduler-1@10.0.0.2:8080','tasks':[{'id':'web.1',"
    "'name':'web','framework_id':'F1','slave_id':'S1','state':"
    "'TASK_RUNNING','resources':{'ports':'[31000-31000]'},'statuses':[{"
    "'state':'TASK_RUNNING','timestamp':100.0}]}]}]}";

static const char ev_api_running[] =
    "{'type':'TASK_ADDED','task_added':{'task':{'name':'api','task_id':{"
    "'value':'api.1'},'framework_id':{'value':'F1'},'agent_id':{'value':"
    "'S1'},'state':'TASK_RUNNING'}}}";

static struct mesos_state *
parse_q(const char *q)
{
	char *json = dq(q), err[256] = "";
	struct mesos_state *s =
	    state_parse(json, strlen(json), err, sizeof err);

	if (s == NULL)
		fail_msg("state_parse: %s", err);
	free(json);
	return s;
}

static struct events_outcome
intake_q(struct events *e, const char *q)
{
	char *json = dq(q);
	struct events_outcome o = events_intake(e, json, strlen(json));

	free(json);
	return o;
}

static struct events *
loaded_events(void)
{
	struct events *e = events_new(false);
	struct mesos_state *s = parse_q(state_a);
	struct events_loaded el;

	assert_non_null(e);
	events_poll_begin(e);
	assert_int_equal(events_poll_load(e, s, &el), 0);
	mesos_state_free(s);
	assert_int_equal(el.running_after, 1);
	return e;
}

/* A log that fills up exactly when its arrays grow: both arrays stay
 * valid (the lengths array was once left pointing at freed memory, and
 * the next push reallocated it again). */
static void
test_log_full_at_growth(void **state)
{
	struct event_log l = { .max = 256 };
	char text[32];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(text, sizeof text, "{\"n\":%d}", i);

		event_log_push(&l, text, (size_t)n);
	}
	assert_true(l.overflow);
	assert_int_equal(l.n, 256);
	for (size_t i = 0; i < l.n; i++) {
		int n = snprintf(text, sizeof text, "{\"n\":%zu}", i);

		assert_int_equal(l.len[i], (size_t)n);
		assert_string_equal(l.json[i], text);
	}
	/* Cleared, it takes events again. */
	event_log_clear(&l);
	assert_false(l.overflow);
	event_log_push(&l, "{}", 2);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.len[0], 2);
	event_log_free(&l);
}

/* While records are generated from the model (host look-ups may take
 * seconds), intake returns at once and the event is applied when the
 * build lets the model go. */
static void
test_intake_not_blocked_by_build(void **state)
{
	struct events *e = loaded_events();
	struct events_build b;
	struct events_outcome o;

	(void)state;
	assert_true(events_build_begin(e, true, &b));
	assert_false(b.overlay);
	assert_non_null(b.view);
	alarm(30); /* intake waiting for the build would hang here */
	o = intake_q(e, ev_api_running);
	alarm(0);
	assert_false(o.changed); /* held back: the view is unchanged */
	assert_int_equal(b.view->n_tasks, 1);
	o = events_release(e, &b);
	assert_null(b.view);
	assert_true(o.changed);
	assert_false(o.reconcile);
	/* The next build sees it. */
	assert_true(events_build_begin(e, true, &b));
	assert_int_equal(b.view->n_tasks, 2);
	events_release(e, &b);
	events_free(e);
}

/* Events that arrive while a poll is in flight are replayed onto its
 * result; a poll with none since it began is quiet. */
static void
test_replay_onto_poll(void **state)
{
	struct events *e = loaded_events();
	struct mesos_state *s;
	struct events_loaded el;
	struct events_build b;

	(void)state;
	events_poll_begin(e);
	assert_true(intake_q(e, ev_api_running).changed);
	s = parse_q(state_a); /* fetched before the event */
	assert_int_equal(events_poll_load(e, s, &el), 0);
	assert_int_equal(el.replayed, 1);
	assert_false(el.quiet);
	assert_int_equal(el.running_after, 2);
	assert_true(events_build_begin(e, true, &b));
	events_release(e, &b);
	events_poll_begin(e);
	assert_int_equal(events_poll_load(e, s, &el), 0);
	assert_true(el.quiet);
	assert_int_equal(el.running_after, 1);
	mesos_state_free(s);
	events_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_full_at_growth),
		cmocka_unit_test(test_intake_not_blocked_by_build),
		cmocka_unit_test(test_replay_onto_poll),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
