/* test_metrics.c -- what a scrape of /metrics shows: counters of several
 * threads summed, rcodes as text, cumulative histogram buckets, escaped
 * upstream names; and the readiness rule of /readyz.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/health.h"
#include "metrics/metrics.h"

/* The value of the sample line that starts with series (name and labels),
 * or -1 when the scrape has none. */
static double
sample(const struct buf *b, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = b->data; p != NULL && *p;) {
		const char *eol = strchr(p, '\n');

		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = eol ? eol + 1 : NULL;
	}
	return -1;
}

static void
render(struct buf *b)
{
	memset(b, 0, sizeof *b);
	metrics_render(b);
	buf_putc(b, '\0');
	assert_false(b->failed);
}

static const uint8_t nxdomain_reply[12] = { 0x12, 0x34, 0x81, 0x83 };
static const uint8_t noerror_reply[12] = { 0x12, 0x34, 0x81, 0x80 };

/* Another worker thread: 5 A queries over UDP, 2 NXDOMAIN replies. */
static void *
worker(void *arg)
{
	(void)arg;
	metrics_thread_start();
	for (int i = 0; i < 5; i++)
		metrics_request(metrics_self, METRICS_UDP, 1);
	metrics_response(metrics_self, nxdomain_reply, sizeof nxdomain_reply);
	metrics_response(metrics_self, nxdomain_reply, sizeof nxdomain_reply);
	metrics_thread_stop();
	return NULL;
}

static void
test_counters_of_threads_are_summed(void **state)
{
	struct buf b;
	pthread_t t;
	double a0, srv0, nx0, ok0;

	(void)state;
	if (!METRICS_ON)
		skip(); /* built with -DMDNS_METRICS=OFF */
	render(&b);
	a0 = sample(&b,
	    "mesos_dns_dns_requests_total{proto=\"udp\",type=\"A\"}");
	srv0 = sample(&b,
	    "mesos_dns_dns_requests_total{proto=\"tcp\",type=\"SRV\"}");
	nx0 = sample(&b, "mesos_dns_dns_responses_total{rcode=\"NXDOMAIN\"}");
	ok0 = sample(&b, "mesos_dns_dns_responses_total{rcode=\"NOERROR\"}");
	buf_free(&b);

	metrics_thread_start();
	for (int i = 0; i < 3; i++)
		metrics_request(metrics_self, METRICS_UDP, 1);
	metrics_request(metrics_self, METRICS_TCP, 33);
	metrics_response(metrics_self, noerror_reply, sizeof noerror_reply);
	assert_int_equal(pthread_create(&t, NULL, worker, NULL), 0);
	pthread_join(t, NULL);

	render(&b);
	assert_true(sample(&b,
			"mesos_dns_dns_requests_total{proto=\"udp\",type="
			"\"A\"}") == a0 + 8);
	assert_true(sample(&b,
			"mesos_dns_dns_requests_total{proto=\"tcp\",type="
			"\"SRV\"}") == srv0 + 1);
	assert_true(
	    sample(&b, "mesos_dns_dns_responses_total{rcode=\"NXDOMAIN\"}") ==
	    nx0 + 2);
	assert_true(
	    sample(&b, "mesos_dns_dns_responses_total{rcode=\"NOERROR\"}") ==
	    ok0 + 1);
	/* A type without a series of its own. */
	assert_true(sample(&b,
			"mesos_dns_dns_requests_total{proto=\"udp\",type="
			"\"OTHER\"}") >= 0);
	buf_free(&b);
	metrics_thread_stop();
}

static void
test_histogram_buckets_are_cumulative(void **state)
{
	struct buf b;
	const char *name = "mesos_dns_dns_request_duration_seconds";
	char series[200];

	(void)state;
	if (!METRICS_ON)
		skip(); /* built with -DMDNS_METRICS=OFF */
	metrics_thread_start();
	metrics_duration(metrics_self, METRICS_FORWARDED, 80, 2);   /* 0.0001 */
	metrics_duration(metrics_self, METRICS_FORWARDED, 3000, 1); /* 0.005 */
	metrics_duration(metrics_self, METRICS_FORWARDED, 9000000, 1); /* Inf */
	render(&b);
	snprintf(series, sizeof series,
	    "%s_bucket{path=\"forwarded\",le=\"0.0001\"}", name);
	assert_true(sample(&b, series) == 2);
	snprintf(series, sizeof series,
	    "%s_bucket{path=\"forwarded\",le=\"0.0025\"}", name);
	assert_true(sample(&b, series) == 2);
	snprintf(series, sizeof series,
	    "%s_bucket{path=\"forwarded\",le=\"0.005\"}", name);
	assert_true(sample(&b, series) == 3);
	snprintf(series, sizeof series,
	    "%s_bucket{path=\"forwarded\",le=\"5\"}", name);
	assert_true(sample(&b, series) == 3);
	snprintf(series, sizeof series,
	    "%s_bucket{path=\"forwarded\",le=\"+Inf\"}", name);
	assert_true(sample(&b, series) == 4);
	snprintf(series, sizeof series, "%s_count{path=\"forwarded\"}", name);
	assert_true(sample(&b, series) == 4);
	snprintf(series, sizeof series, "%s_sum{path=\"forwarded\"}", name);
	assert_true(sample(&b, series) > 9.003 && sample(&b, series) < 9.004);
	assert_non_null(strstr(b.data,
	    "# TYPE mesos_dns_dns_request_duration_seconds histogram\n"));
	buf_free(&b);
	metrics_thread_stop();
}

static void
test_upstreams_are_named_and_escaped(void **state)
{
	struct buf b;
	int u = metrics_upstream_index("10.0.0.1:53");
	int q = metrics_upstream_index("odd\"name");

	(void)state;
	if (!METRICS_ON)
		skip(); /* built with -DMDNS_METRICS=OFF */
	assert_int_equal(metrics_upstream_index("10.0.0.1:53"), u);
	assert_int_not_equal(u, q);
	metrics_thread_start();
	metrics_upstream_request(metrics_self, u);
	metrics_upstream_request(metrics_self, u);
	metrics_upstream_failure(metrics_self, u, FWD_FAIL_TIMEOUT);
	metrics_upstream_latency(metrics_self, u, 1500);
	render(&b);
	assert_true(sample(&b,
			"mesos_dns_forward_requests_total{upstream="
			"\"10.0.0.1:53\"}") == 2);
	assert_true(sample(&b,
			"mesos_dns_forward_failures_total{upstream="
			"\"10.0.0.1:53\",cause=\"timeout\"}") == 1);
	assert_true(sample(&b,
			"mesos_dns_forward_duration_seconds_bucket{upstream="
			"\"10.0.0.1:53\",le=\"0.0025\"}") == 1);
	assert_true(sample(&b,
			"mesos_dns_forward_requests_total{upstream="
			"\"odd\\\"name\"}") == 0);
	buf_free(&b);
	metrics_thread_stop();
}

static void
test_state_gauges(void **state)
{
	struct buf b;

	(void)state;
	metrics_refresh_done(REFRESH_OK, REFRESH_FAIL_FETCH, 20000);
	metrics_refresh_done(REFRESH_FAILED, REFRESH_FAIL_FETCH, 3000000);
	metrics_records_published(7, 2, 5, 11, 42, true);
	metrics_zk_state(ZK_STATE_CONNECTED);
	metrics_leader_changed();
	render(&b);
	assert_true(
	    sample(&b, "mesos_dns_refreshes_total{result=\"ok\"}") == 1);
	assert_true(
	    sample(&b, "mesos_dns_refreshes_total{result=\"failed\"}") == 1);
	assert_true(
	    sample(&b, "mesos_dns_refresh_failures_total{cause=\"fetch\"}") ==
	    1);
	assert_true(sample(&b,
			"mesos_dns_refresh_duration_seconds_bucket{le="
			"\"0.05\"}") == 1);
	assert_true(sample(&b,
			"mesos_dns_refresh_duration_seconds_bucket{le="
			"\"5\"}") == 2);
	assert_true(sample(&b, "mesos_dns_records{type=\"A\"}") == 7);
	assert_true(sample(&b, "mesos_dns_records{type=\"SRV\"}") == 5);
	assert_true(sample(&b, "mesos_dns_snapshot_serial") == 42);
	assert_true(sample(&b, "mesos_dns_snapshot_age_seconds") >= 0);
	assert_true(sample(&b, "mesos_dns_leader_changes_total") == 1);
	assert_true(sample(&b,
			"mesos_dns_zookeeper_session_state{state="
			"\"connected\"}") == 1);
	assert_true(sample(&b,
			"mesos_dns_zookeeper_session_state{state="
			"\"disabled\"}") == 0);
	assert_true(sample(&b,
			"mesos_dns_refresh_last_success_timestamp_"
			"seconds") > 1e9);
	assert_true(sample(&b, "process_resident_memory_bytes") > 0);
	assert_true(sample(&b, "process_open_fds") > 0);
	/* Started within the last ten minutes (this test just began). */
	assert_true(
	    sample(&b, "process_start_time_seconds") <= (double)time(NULL) + 1);
	assert_true(sample(&b, "process_start_time_seconds") >
	    (double)time(NULL) - 600);
	assert_true(
	    sample(&b, "mesos_dns_build_info{version=\"" MDNS_VERSION "\"}") ==
	    1);
	buf_free(&b);
}

static void
test_readiness(void **state)
{
	char why[200];

	(void)state;
	health_init(30); /* 3 x 30 s = 90 s, above the 60 s floor */
	assert_int_equal(health_bound_ms(), 90000);
	assert_false(health_loaded());
	assert_false(health_ready(clock_ms(), why, sizeof why));
	assert_string_equal(why, "no records loaded yet");
	health_succeeded();
	/* Records, but DNS not started yet. */
	assert_false(health_ready(clock_ms(), why, sizeof why));
	health_set_serving();
	assert_true(health_loaded());
	assert_true(health_ready(clock_ms(), why, sizeof why));
	assert_true(health_ready(clock_ms() + 89000, why, sizeof why));
	assert_false(health_ready(clock_ms() + 120000, why, sizeof why));
	assert_non_null(strstr(why, "more than 90 s"));
	health_init(5);
	assert_int_equal(health_bound_ms(), 60000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_of_threads_are_summed),
		cmocka_unit_test(test_histogram_buckets_are_cumulative),
		cmocka_unit_test(test_upstreams_are_named_and_escaped),
		cmocka_unit_test(test_state_gauges),
		cmocka_unit_test(test_readiness),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
