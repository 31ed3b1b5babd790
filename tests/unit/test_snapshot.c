/* test_snapshot.c -- the published snapshot (src/records/snapshot.h):
 * name look-up and text round trips, the bytewise order /v1/axfr walks,
 * overlays (a changed app's names answer from the overlay, its old ones
 * are hidden, other names come from the base), clash detection, and
 * publication with references that outlive a newer snapshot; the freeze
 * keeps each name's values in insertion order without duplicates, and
 * each enumerated task's records point at its own values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records/builder.h"
#include "records/snapshot.h"
#include "util/ipaddr.h"

#define WEB "marathon\x01web"
#define API "marathon\x01api"

static void
add_a(struct builder *b, const char *name, const char *ip)
{
	struct ipaddr a;

	assert_true(ipaddr_parse(ip, strlen(ip), &a));
	assert_true(builder_insert_ip(b, name, strlen(name), &a));
}

/* The A values of name in s (through an overlay), "" when not found. */
static const char *
a_of(const struct snapshot *s, const char *name)
{
	static char out[128];
	const struct snapshot *part;
	uint32_t node = snap_find(s, name, strlen(name), &part);

	out[0] = '\0';
	if (node == SNAP_NONE)
		return out;
	for (uint32_t i = 0; i < snap_count(part, node, RK_A); i++) {
		uint32_t v = part->a[snap_first(part, node, RK_A) + i];
		const uint8_t *b = (const uint8_t *)&v;
		size_t n = strlen(out);

		snprintf(out + n, sizeof out - n, "%s%u.%u.%u.%u", n ? "," : "",
		    b[0], b[1], b[2], b[3]);
	}
	return out;
}

/* web.marathon.mesos. (app web), api.marathon.mesos. (app api), and the
 * leader (no app). */
static struct snapshot *
base_snapshot(void)
{
	struct builder *b = builder_new();
	struct snapshot *s;

	assert_non_null(b);
	add_a(b, "leader.mesos.", "10.0.0.1");
	builder_set_app(b, WEB);
	add_a(b, "web.marathon.mesos.", "10.0.1.1");
	add_a(b, "web.marathon.mesos.", "10.0.1.2");
	add_a(b, "web-old.marathon.mesos.", "10.0.1.3");
	builder_set_app(b, API);
	add_a(b, "api.marathon.mesos.", "10.0.2.1");
	builder_set_app(b, NULL);
	s = builder_finish(b);
	assert_non_null(s);
	return s;
}

static void
test_lookup_and_names(void **state)
{
	struct snapshot *s = base_snapshot();
	char text[256];

	(void)state;
	assert_string_equal(a_of(s, "web.marathon.mesos."),
	    "10.0.1.1,10.0.1.2");
	assert_string_equal(a_of(s, "leader.mesos."), "10.0.0.1");
	assert_string_equal(a_of(s, "nope.marathon.mesos."), "");
	assert_int_equal(snap_lookup(s, "web.marathon.mesos", 18), SNAP_NONE);
	/* Suffixes are names too (the tree shares them). */
	assert_int_not_equal(snap_lookup(s, "mesos.", 6), SNAP_NONE);
	/* Every node's text finds that node again. */
	for (uint32_t i = 0; i < s->n_nodes; i++) {
		size_t n = snap_name(s, i, text, sizeof text);

		assert_true(n > 0 && text[n - 1] == '.');
		assert_int_equal(n, snap_name_len(s, i));
		assert_int_equal(snap_lookup(s, text, n), i);
	}
	assert_int_equal(snap_name(s, 0, text, 2), 0); /* does not fit */
	snapshot_free(s);
}

/* A reference set insert per (name, kind): the original's semantics. */
struct ref_vals {
	uint32_t v[64];
	int32_t port[64];
	int n;
};

static bool
ref_insert(struct ref_vals *r, uint32_t v, int32_t port)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i] == v && r->port[i] == port)
			return false;
	r->v[r->n] = v;
	r->port[r->n++] = port;
	return true;
}

static void
test_values_in_insertion_order_without_duplicates(void **state)
{
	static const char *const names[3] = { "a.x.mesos.", "b.x.mesos.",
		"_c._tcp.x.mesos." };
	struct ref_vals ref_a[3] = { 0 }, ref_srv[3] = { 0 };
	struct ref_vals task_ref[8] = { 0 }; /* kind << 30 | value */
	struct builder *b = builder_new();
	struct snapshot *s;
	uint32_t node[3];
	unsigned seed = 7;

	(void)state;
	assert_non_null(b);
	builder_enum_framework(b, "x", 1);
	/* Names grow past the walked size (16) and get duplicates on both
	 * sides of it; the three names interleave, tasks split the values. */
	for (int i = 0; i < 160; i++) {
		int t = i / 20,
		    n = (int)((seed = seed * 1103515245U + 12345U) >> 16) % 3;
		uint32_t v = (seed >> 8) % 40 + 1;

		if (i % 20 == 0)
			builder_enum_task(b, "t", 1, "id", 2);
		if (n < 2) {
			struct ipaddr ip = { 0 };
			bool added;

			ip.b[10] = ip.b[11] = 0xff;
			memcpy(ip.b + 12, &v, 4);
			added = ref_insert(&ref_a[n], v, 0);
			assert_int_equal(builder_insert_ip(b, names[n],
					     strlen(names[n]), &ip),
			    added);
			if (added)
				ref_insert(&task_ref[t],
				    (uint32_t)RK_A << 30 | (uint32_t)n << 8 | v,
				    0);
		} else {
			/* Target names[v % 2], port v / 2: one pair per v. */
			bool added =
			    ref_insert(&ref_srv[n], v % 2, (int32_t)(v / 2));

			assert_int_equal(builder_insert_srv(b, names[n],
					     strlen(names[n]), names[v % 2],
					     strlen(names[v % 2]),
					     (int32_t)(v / 2)),
			    added);
			if (added)
				ref_insert(&task_ref[t],
				    (uint32_t)RK_SRV << 30 | (v % 2) << 16 |
					(v / 2) << 8,
				    0);
		}
	}
	/* One AAAA and one host-name value outside tasks, so every kind is
	 * present. */
	builder_enum_framework(b, "y", 1);
	{
		struct ipaddr ip6;

		assert_true(ipaddr_parse("fd00::1", 7, &ip6));
		assert_true(
		    builder_insert_ip(b, names[0], strlen(names[0]), &ip6));
		assert_false(
		    builder_insert_ip(b, names[0], strlen(names[0]), &ip6));
		assert_true(builder_insert_pseudo(b, names[1], strlen(names[1]),
		    "h1", 2));
	}
	s = builder_finish(b);
	assert_non_null(s);
	for (int n = 0; n < 3; n++)
		node[n] = snap_lookup(s, names[n], strlen(names[n]));
	for (int n = 0; n < 2; n++) {
		assert_int_equal(snap_count(s, node[n], RK_A), ref_a[n].n);
		for (int i = 0; i < ref_a[n].n; i++)
			assert_int_equal(s->a[snap_first(s, node[n], RK_A) + i],
			    ref_a[n].v[i]);
	}
	assert_int_equal(snap_count(s, node[2], RK_SRV), ref_srv[2].n);
	for (int i = 0; i < ref_srv[2].n; i++) {
		const struct snap_srv *v =
		    &s->srv[snap_first(s, node[2], RK_SRV) + i];

		assert_int_equal(v->target, node[ref_srv[2].v[i]]);
		assert_int_equal(v->port, ref_srv[2].port[i]);
	}
	assert_int_equal(snap_count(s, node[0], RK_AAAA), 1);
	assert_int_equal(s->aaaa[snap_first(s, node[0], RK_AAAA)].b[15], 1);
	assert_int_equal(snap_count(s, node[1], RK_APSEUDO), 1);
	/* Each task's records: its own values, in the order it added them. */
	assert_int_equal(s->n_tasks, 8);
	for (uint32_t t = 0; t < s->n_tasks; t++) {
		uint32_t lo = s->tasks[t].first_rec;
		uint32_t hi =
		    t + 1 < s->n_tasks ? s->tasks[t + 1].first_rec : s->n_recs;

		assert_int_equal(hi - lo, task_ref[t].n);
		for (uint32_t i = lo; i < hi; i++) {
			uint32_t want = task_ref[t].v[i - lo],
				 k = s->recs[i] >> 30;
			uint32_t at = s->recs[i] & 0x3fffffffU;

			assert_int_equal(k, want >> 30);
			if (k == RK_A) {
				uint32_t owner = snap_value_owner(s, RK_A, at);

				assert_int_equal(s->a[at], want & 0xff);
				assert_int_equal(owner, node[(want >> 8) & 3]);
			} else {
				assert_int_equal(s->srv[at].port,
				    (int32_t)((want >> 8) & 0xff));
				assert_int_equal(s->srv[at].target,
				    node[(want >> 16) & 1]);
			}
		}
	}
	snapshot_free(s);
}

/* Names past the table's first size (1024 slots, half full): the table
 * is rehashed from the names' text, and every name is found once. */
static void
test_names_past_the_first_table(void **state)
{
	struct builder *b = builder_new();
	struct snapshot *s;
	char name[64], ip[32];

	(void)state;
	assert_non_null(b);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "t%d.app%d.x.mesos.", i, i % 7);
		snprintf(ip, sizeof ip, "10.%d.%d.1", i / 256, i % 256);
		add_a(b, name, ip);
	}
	/* Found again after the growth: no second node for the name. */
	assert_true(builder_has(b, "t5.app5.x.mesos.", 16, RK_A));
	s = builder_finish(b);
	assert_non_null(s);
	/* 3000 names, 7 apps, x.mesos., mesos. */
	assert_int_equal(s->n_nodes, 3000 + 7 + 2);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "t%d.app%d.x.mesos.", i, i % 7);
		snprintf(ip, sizeof ip, "10.%d.%d.1", i / 256, i % 256);
		assert_string_equal(a_of(s, name), ip);
	}
	snapshot_free(s);
}

/* A few more names than reserved for (the reservation keeps the table at
 * most half full) do not double it: that would cost the peak of every
 * rebuild 4 MB at 100k tasks.  Past 3/4 it grows, and every name is still
 * found. */
static void
test_names_table_grows_only_past_three_quarters(void **state)
{
	struct builder *b = builder_new();
	struct snapshot *s;
	char name[64], ip[32];

	(void)state;
	assert_non_null(b);
	builder_reserve(b, 1000, 2000, 0); /* 2048 slots */
	for (int i = 0; i < 1500; i++) {
		snprintf(name, sizeof name, "t%d.x.mesos.", i);
		snprintf(ip, sizeof ip, "10.%d.%d.1", i / 256, i % 256);
		add_a(b, name, ip);
	}
	s = builder_finish(b);
	assert_non_null(s);
	assert_int_equal(s->n_nodes, 1500 + 2);
	assert_int_equal(s->table_mask, 2047);
	snapshot_free(s);

	b = builder_new();
	assert_non_null(b);
	builder_reserve(b, 1000, 2000, 0);
	for (int i = 0; i < 1600; i++) {
		snprintf(name, sizeof name, "t%d.x.mesos.", i);
		snprintf(ip, sizeof ip, "10.%d.%d.1", i / 256, i % 256);
		add_a(b, name, ip);
	}
	s = builder_finish(b);
	assert_non_null(s);
	assert_int_equal(s->table_mask, 4095);
	for (int i = 0; i < 1600; i++) {
		snprintf(name, sizeof name, "t%d.x.mesos.", i);
		snprintf(ip, sizeof ip, "10.%d.%d.1", i / 256, i % 256);
		assert_string_equal(a_of(s, name), ip);
	}
	snapshot_free(s);
}

static void
test_sorted_bytewise(void **state)
{
	struct snapshot *s = base_snapshot();
	const uint32_t *order = snap_sorted(s);
	char prev[256] = "", cur[256];

	(void)state;
	assert_non_null(order);
	assert_ptr_equal(snap_sorted(s), order); /* computed once */
	for (uint32_t i = 0; i < s->n_nodes; i++) {
		snap_name(s, order[i], cur, sizeof cur);
		assert_true(strcmp(prev, cur) < 0);
		strcpy(prev, cur);
	}
	snapshot_free(s);
}

/* Finishes b (WEB's new records) as an overlay over base that hides
 * WEB's records in base; the overlay holds base's reference. */
static struct snapshot *
web_overlay(struct snapshot *base, struct builder *b)
{
	struct snapshot *ov = builder_finish(b);
	uint32_t *hidden = malloc(sizeof *hidden);

	assert_non_null(ov);
	assert_non_null(hidden);
	hidden[0] = snap_app(base, WEB);
	assert_int_not_equal(hidden[0], SNAP_NONE);
	ov->hidden = hidden;
	ov->n_hidden = 1;
	atomic_store(&base->refs, 1);
	ov->base = base;
	return ov;
}

static void
test_overlay(void **state)
{
	struct snapshot *base = base_snapshot(), *ov;
	struct builder *b = builder_new();

	(void)state;
	/* web now runs on one new address; web-old is gone. */
	builder_set_app(b, WEB);
	add_a(b, "web.marathon.mesos.", "10.0.1.9");
	assert_int_equal(snap_app(base, "marathon\x01nope"), SNAP_NONE);
	ov = web_overlay(base, b);
	assert_false(snap_overlay_clashes(ov));
	assert_ptr_equal(snap_full(ov), base);
	assert_string_equal(a_of(ov, "web.marathon.mesos."), "10.0.1.9");
	assert_string_equal(a_of(ov, "web-old.marathon.mesos."), "");
	assert_string_equal(a_of(ov, "api.marathon.mesos."), "10.0.2.1");
	assert_string_equal(a_of(ov, "leader.mesos."), "10.0.0.1");
	snapshot_free(ov); /* releases base */
}

/* An overlay app that takes a name another owner has in base cannot be
 * served alone. */
static void
test_overlay_clash(void **state)
{
	struct snapshot *base = base_snapshot(), *ov;
	struct builder *b = builder_new();

	(void)state;
	builder_set_app(b, WEB);
	add_a(b, "api.marathon.mesos.", "10.0.1.9");
	ov = web_overlay(base, b);
	assert_true(snap_overlay_clashes(ov));
	snapshot_free(ov);
}

/* Whether WEB's overlay of a hundred new names and then last clashes
 * with base: enough names to be checked in several batches. */
static bool
hundred_and_one_clash(const char *last)
{
	struct snapshot *base = base_snapshot(), *ov;
	struct builder *b = builder_new();
	char name[64];
	bool clashes;

	builder_set_app(b, WEB);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "web-%d.marathon.mesos.", i);
		add_a(b, name, "10.0.1.9");
	}
	add_a(b, last, "10.0.1.9");
	ov = web_overlay(base, b);
	clashes = snap_overlay_clashes(ov);
	snapshot_free(ov);
	return clashes;
}

static void
test_overlay_clash_late(void **state)
{
	(void)state;
	assert_false(hundred_and_one_clash("zzz-api.marathon.mesos."));
	assert_true(hundred_and_one_clash("api.marathon.mesos."));
}

static void
test_publish_and_references(void **state)
{
	struct snapshot *one = base_snapshot(), *two = base_snapshot(), *held;

	(void)state;
	assert_null(snapshot_acquire());
	atomic_store(&one->serial, 7);
	snapshot_publish(one);
	snapshot_read_lock();
	assert_ptr_equal(snapshot_current(), one);
	assert_int_equal(snap_serial(snapshot_current()), 7);
	snapshot_read_unlock();
	held = snapshot_acquire();
	assert_ptr_equal(held, one);
	snapshot_publish(two);
	snapshot_read_lock();
	assert_ptr_equal(snapshot_current(), two);
	snapshot_read_unlock();
	/* The reference keeps the old generation readable (ASan would see
	 * a read of freed memory otherwise). */
	assert_string_equal(a_of(held, "api.marathon.mesos."), "10.0.2.1");
	snapshot_release(held);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_and_names),
		cmocka_unit_test(test_names_past_the_first_table),
		cmocka_unit_test(
		    test_names_table_grows_only_past_three_quarters),
		cmocka_unit_test(test_sorted_bytewise),
		cmocka_unit_test(
		    test_values_in_insertion_order_without_duplicates),
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_overlay_clash),
		cmocka_unit_test(test_overlay_clash_late),
		cmocka_unit_test(test_publish_and_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
