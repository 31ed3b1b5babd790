/* test_cfglive.c -- the configuration in force across a reload: a
 * publication replaces it for new readers while a held one stays intact
 * until released; config_keep_key puts restart-only keys back to their
 * running values; answer_use re-derives the names only for a new
 * configuration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfglive.h"
#include "config.h"
#include "dns/answer.h"
#include "records/snapshot.h"

#define PATH "/etc/mesos-dns/config.json"

static struct config *
parsed(const char *json)
{
	struct config *c = calloc(1, sizeof *c);
	char err[1024] = "";

	assert_non_null(c);
	if (config_parse(c, json, strlen(json), PATH, err, sizeof err) != 0)
		fail_msg("config_parse: %s", err);
	return c;
}

static void
publish_replaces_for_new_readers_and_keeps_held_ones(void **state)
{
	const struct config *held, *now;

	(void)state;
	cfglive_publish(parsed("{\"masters\":[\"10.0.0.1:5050\"],\"ttl\":60}"));
	held = cfglive_acquire();
	assert_int_equal(held->ttl, 60);
	assert_int_equal(cfglive_generation(), held->generation);

	cfglive_publish(parsed("{\"masters\":[\"10.0.0.2:5050\"],\"ttl\":7}"));
	now = cfglive_acquire();
	assert_int_equal(now->ttl, 7);
	assert_int_equal(now->generation, held->generation + 1);
	assert_int_equal(cfglive_generation(), now->generation);
	/* The old one is still whole for its holder (ASan would tell). */
	assert_int_equal(held->ttl, 60);
	assert_string_equal(held->masters.v[0], "10.0.0.1:5050");
	cfglive_release(held);

	snapshot_read_lock();
	assert_ptr_equal(cfglive_current(), now);
	snapshot_read_unlock();
	cfglive_release(now);
	cfglive_shutdown();
	assert_null(cfglive_acquire());
}

static void
keep_key_restores_the_running_value(void **state)
{
	struct config *run = parsed("{\"masters\":[\"10.0.0.1:5050\"],"
				    "\"port\":53,\"listener\":\"10.0.0.9\","
				    "\"resolvers\":[\"1.1.1.1\"],\"ttl\":60,"
				    "\"MesosCredentials\":{\"principal\":\"p\","
				    "\"secret\":\"s1\"}}");
	struct config *next =
	    parsed("{\"masters\":[\"10.0.0.1:5050\"],"
		   "\"port\":5353,\"listener\":\"10.0.0.9\","
		   "\"resolvers\":[\"9.9.9.9\"],\"ttl\":5,"
		   "\"MesosCredentials\":{\"principal\":\"p\","
		   "\"secret\":\"s2\"}}");
	char was[256], now[256];

	(void)state;
	assert_int_equal(config_keep_key(next, run, "Port", was, sizeof was,
			     now, sizeof now),
	    1);
	assert_string_equal(was, "53");
	assert_string_equal(now, "5353");
	assert_int_equal(next->port, 53);
	assert_int_equal(config_keep_key(next, run, "Listener", was, sizeof was,
			     now, sizeof now),
	    0);
	assert_int_equal(config_keep_key(next, run, "Resolvers", was,
			     sizeof was, now, sizeof now),
	    1);
	assert_string_equal(was, "[1.1.1.1]");
	assert_string_equal(next->resolvers.v[0], "1.1.1.1");
	assert_int_equal(config_keep_key(next, run, "TTL", was, sizeof was, now,
			     sizeof now),
	    1);
	assert_int_equal(next->ttl, 60);
	/* A secret is never written out. */
	assert_int_equal(config_keep_key(next, run, "MesosCredentials", was,
			     sizeof was, now, sizeof now),
	    1);
	assert_null(strstr(was, "s1"));
	assert_null(strstr(now, "s2"));
	assert_string_equal(next->secret, "s1");
	assert_false(config_key_changed(next, run, "MesosCredentials"));
	assert_true(config_key_changed(next, run, "Masters") == false);
	config_free(run);
	config_free(next);
	free(run);
	free(next);
}

static void
answer_use_follows_a_new_configuration(void **state)
{
	struct config *a = parsed("{\"masters\":[\"10.0.0.1:5050\"],"
				  "\"domain\":\"mesos\"}");
	struct config *b = parsed("{\"masters\":[\"10.0.0.1:5050\"],"
				  "\"domain\":\"dc1.example\"}");
	struct answer_ctx *ctx;
	char err[256];

	(void)state;
	a->generation = 1;
	b->generation = 2;
	ctx = answer_new(a, 1, err, sizeof err);
	assert_non_null(ctx);
	assert_int_equal(ctx->domain_len, 7); /* \5mesos\0 */
	answer_use(ctx, b);
	assert_ptr_equal(ctx->cfg, b);
	assert_int_equal(ctx->domain_len, 13); /* \3dc1\7example\0 */
	assert_int_equal(ctx->generation, 2);
	answer_delete(ctx);
	config_free(a);
	config_free(b);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    publish_replaces_for_new_readers_and_keeps_held_ones),
		cmocka_unit_test(keep_key_restores_the_running_value),
		cmocka_unit_test(answer_use_follows_a_new_configuration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
