/* metrics.c -- the counter blocks, the gauges set by the other layers, and
 * the Prometheus text rendering of both (see metrics.h).
 *
 * A scrape sums every block ever handed out (relaxed loads: a counter may
 * be a few queries behind, never torn) and reads the gauges; nothing it
 * does blocks a query.  Series names follow the Prometheus conventions
 * (base units, _total counters), so that `promtool check metrics` is
 * silent.
 */
#include "metrics/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/process.h"

#define MAX_BLOCKS 256

const int64_t metrics_dns_bounds_us[METRICS_DNS_BUCKETS] = { 100, 250, 500,
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
	2500000, 5000000 };

static struct metrics_block discard;
_Thread_local struct metrics_block *metrics_self = &discard;

/* Blocks handed out, and whether a thread holds each; upstream names. */
static struct {
	pthread_mutex_t lock;
	struct metrics_block *blocks[MAX_BLOCKS];
	bool held[MAX_BLOCKS];
	_Atomic size_t n_blocks;
	char upstreams[METRICS_MAX_UPSTREAMS][64];
	_Atomic int n_upstreams;
} M = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The gauges and counters set outside the query path. */
#define REFRESH_BOUNDS 10
static const double refresh_bounds_s[REFRESH_BOUNDS] = { 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60 };

static struct {
	pthread_mutex_t lock; /* the refresh histogram and results */
	uint64_t results[REFRESH_RESULT_COUNT];
	uint64_t failures[REFRESH_FAIL_COUNT];
	uint64_t dur_bucket[REFRESH_BOUNDS + 1];
	double dur_sum_s;
	double last_success_s; /* wall clock; 0: never */

	_Atomic uint64_t rec_a, rec_aaaa, rec_srv, rec_names;
	_Atomic uint32_t serial;
	_Atomic int64_t records_at_ms; /* monotonic, of new records */
	_Atomic bool any_records;
	_Atomic bool stream_up;
	_Atomic uint64_t events;
	_Atomic int64_t event_lag_us;
	_Atomic uint64_t leader_changes;
	_Atomic int zk_state;
} G = { .lock = PTHREAD_MUTEX_INITIALIZER };

void
metrics_thread_start(void)
{
	struct metrics_block *b = NULL;
	size_t n;

	pthread_mutex_lock(&M.lock);
	n = atomic_load(&M.n_blocks);
	for (size_t i = 0; i < n && b == NULL; i++)
		if (!M.held[i]) {
			M.held[i] = true;
			b = M.blocks[i];
		}
	if (b == NULL && n < MAX_BLOCKS &&
	    (b = aligned_alloc(64, sizeof *b)) != NULL) {
		memset(b, 0, sizeof *b);
		M.blocks[n] = b;
		M.held[n] = true;
		atomic_store(&M.n_blocks, n + 1);
	}
	pthread_mutex_unlock(&M.lock);
	metrics_self = b != NULL ? b : &discard;
}

void
metrics_thread_stop(void)
{
	pthread_mutex_lock(&M.lock);
	for (size_t i = 0; i < atomic_load(&M.n_blocks); i++)
		if (M.blocks[i] == metrics_self)
			M.held[i] = false;
	pthread_mutex_unlock(&M.lock);
	metrics_self = &discard;
}

int
metrics_upstream_index(const char *text)
{
	int i, n;

	pthread_mutex_lock(&M.lock);
	n = atomic_load(&M.n_upstreams);
	for (i = 0; i < n; i++)
		if (strcmp(M.upstreams[i], text) == 0)
			break;
	if (i == n && n < METRICS_MAX_UPSTREAMS) {
		snprintf(M.upstreams[n], sizeof M.upstreams[n], "%s", text);
		atomic_store(&M.n_upstreams, n + 1);
	}
	pthread_mutex_unlock(&M.lock);
	return i;
}

void
metrics_refresh_done(enum metrics_refresh result,
    enum metrics_refresh_failure cause, int64_t us)
{
	double s = (double)us / 1e6;
	int i = 0;
	struct timespec now;

	while (i < REFRESH_BOUNDS && s > refresh_bounds_s[i])
		i++;
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&G.lock);
	G.results[result]++;
	if (result == REFRESH_FAILED)
		G.failures[cause]++;
	else
		G.last_success_s = (double)now.tv_sec + now.tv_nsec / 1e9;
	G.dur_bucket[i]++;
	G.dur_sum_s += s;
	pthread_mutex_unlock(&G.lock);
}

void
metrics_records_published(uint64_t a, uint64_t aaaa, uint64_t srv,
    uint64_t names, uint32_t serial, bool new_records)
{
	atomic_store(&G.serial, serial);
	if (!new_records)
		return;
	atomic_store(&G.rec_a, a);
	atomic_store(&G.rec_aaaa, aaaa);
	atomic_store(&G.rec_srv, srv);
	atomic_store(&G.rec_names, names);
	atomic_store(&G.records_at_ms, clock_ms());
	atomic_store(&G.any_records, true);
}

void
metrics_stream_up(bool up)
{
	atomic_store(&G.stream_up, up);
}

void
metrics_event_applied(void)
{
	atomic_fetch_add(&G.events, 1);
}

void
metrics_event_lag(int64_t us)
{
	atomic_store(&G.event_lag_us, us);
}

void
metrics_leader_changed(void)
{
	atomic_fetch_add(&G.leader_changes, 1);
}

void
metrics_zk_state(enum metrics_zk_state s)
{
	atomic_store(&G.zk_state, (int)s);
}

/* ---- rendering ---- */

static void
family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t
load(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* The sum over every block of the counter at byte offset off. */
static uint64_t
sum_at(size_t off)
{
	uint64_t v = 0;
	size_t n = atomic_load(&M.n_blocks);

	for (size_t i = 0; i < n; i++)
		v += load((_Atomic uint64_t *)((char *)M.blocks[i] + off));
	return v;
}

/* Offsets of the counters indexed at run time. */
#define OFF_REQUESTS(p, t) \
	(offsetof(struct metrics_block, requests) + \
	    ((size_t)(p)*MQ_COUNT + (size_t)(t)) * sizeof(uint64_t))
#define OFF_RESPONSES(r) \
	(offsetof(struct metrics_block, responses) + \
	    (size_t)(r) * sizeof(uint64_t))
#define OFF_RRL(a) \
	(offsetof(struct metrics_block, rrl) + (size_t)(a) * sizeof(uint64_t))
#define OFF_DURATION(p) \
	(offsetof(struct metrics_block, duration) + \
	    (size_t)(p) * sizeof(struct metrics_histogram))
#define OFF_UP(u) \
	(offsetof(struct metrics_block, up) + \
	    (size_t)(u) * sizeof(struct metrics_upstream))

/* A DNS histogram summed over the blocks, whose field starts at off;
 * labels is "" or `name="value",`. */
static void
render_histogram(struct buf *out, const char *name, const char *labels,
    size_t off)
{
	uint64_t cum = 0;
	size_t sum_off = off + offsetof(struct metrics_histogram, sum_us);

	for (int i = 0; i <= METRICS_DNS_BUCKETS; i++) {
		cum += sum_at(off + offsetof(struct metrics_histogram, bucket) +
		    (size_t)i * sizeof(uint64_t));
		if (i < METRICS_DNS_BUCKETS)
			buf_printf(out, "%s_bucket{%sle=\"%g\"} %llu\n", name,
			    labels, (double)metrics_dns_bounds_us[i] / 1e6,
			    (unsigned long long)cum);
		else
			buf_printf(out, "%s_bucket{%sle=\"+Inf\"} %llu\n", name,
			    labels, (unsigned long long)cum);
	}
	/* labels ends with ',': written without it for _sum and _count. */
	buf_printf(out, "%s_sum{%.*s} %.6f\n", name,
	    (int)(labels[0] ? strlen(labels) - 1 : 0), labels,
	    (double)sum_at(sum_off) / 1e6);
	buf_printf(out, "%s_count{%.*s} %llu\n", name,
	    (int)(labels[0] ? strlen(labels) - 1 : 0), labels,
	    (unsigned long long)cum);
}

static const char *const proto_names[METRICS_PROTO_COUNT] = { "udp", "tcp" };
static const char *const qtype_names[MQ_COUNT] = { "A", "AAAA", "SRV", "SOA",
	"NS", "PTR", "ANY", "TXT", "MX", "CNAME", "AXFR", "IXFR", "OTHER" };
static const char *const rcode_names[METRICS_RCODES] = { "NOERROR", "FORMERR",
	"SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
	"NXRRSET", "NOTAUTH", "NOTZONE", "RCODE11", "RCODE12", "RCODE13",
	"RCODE14", "RCODE15", "OTHER" };
static const char *const rrl_names[METRICS_RRL_COUNT] = { "dropped",
	"slipped" };
static const char *const path_names[METRICS_PATH_COUNT] = { "authoritative",
	"forwarded" };
static const char *const fwd_fail_names[FWD_FAIL_COUNT] = { "timeout",
	"refused", "network", "closed", "mismatch", "no_socket" };
static const char *const refresh_names[REFRESH_RESULT_COUNT] = { "ok",
	"unchanged", "failed" };
static const char *const refresh_fail_names[REFRESH_FAIL_COUNT] = { "no_leader",
	"fetch", "generate", "out_of_memory" };
static const char *const zk_names[ZK_STATE_COUNT] = { "disabled", "connecting",
	"connected", "expired", "auth_failed" };

/* A label value with \ and " escaped (upstream names come from the
 * configuration). */
static void
label_value(struct buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_putc(out, '\\');
		if (*v == '\n') {
			buf_puts(out, "\\n");
			continue;
		}
		buf_putc(out, *v);
	}
}

static void
render_dns(struct buf *out)
{
	int n_up = atomic_load(&M.n_upstreams);

	family(out, "mesos_dns_dns_requests_total", "counter",
	    "DNS queries received, by transport and query type.");
	for (int p = 0; p < METRICS_PROTO_COUNT; p++)
		for (int t = 0; t < MQ_COUNT; t++)
			buf_printf(out,
			    "mesos_dns_dns_requests_total{proto=\"%s\","
			    "type=\"%s\"} %llu\n",
			    proto_names[p], qtype_names[t],
			    (unsigned long long)sum_at(OFF_REQUESTS(p, t)));
	family(out, "mesos_dns_dns_responses_total", "counter",
	    "DNS replies sent, by response code.");
	for (int r = 0; r < METRICS_RCODES; r++) {
		uint64_t v = sum_at(OFF_RESPONSES(r));

		/* The codes this server sends always; others once seen. */
		if (r <= 5 || v > 0)
			buf_printf(out,
			    "mesos_dns_dns_responses_total{rcode=\"%s\"} "
			    "%llu\n",
			    rcode_names[r], (unsigned long long)v);
	}
	family(out, "mesos_dns_rrl_limited_total", "counter",
	    "UDP responses over the RRLResponsesPerSecond rate of their "
	    "source prefix: dropped, or slipped (sent empty with TC).");
	for (int a = 0; a < METRICS_RRL_COUNT; a++)
		buf_printf(out,
		    "mesos_dns_rrl_limited_total{action=\"%s\"} %llu\n",
		    rrl_names[a], (unsigned long long)sum_at(OFF_RRL(a)));
	family(out, "mesos_dns_dns_request_duration_seconds", "histogram",
	    "Time from receiving a query to sending its reply, by who "
	    "answered it.");
	for (int p = 0; p < METRICS_PATH_COUNT; p++) {
		char labels[64];

		snprintf(labels, sizeof labels, "path=\"%s\",", path_names[p]);
		render_histogram(out, "mesos_dns_dns_request_duration_seconds",
		    labels, OFF_DURATION(p));
	}
	family(out, "mesos_dns_forward_requests_total", "counter",
	    "Queries sent to each upstream resolver (each attempt).");
	for (int u = 0; u <= n_up && u <= METRICS_MAX_UPSTREAMS; u++) {
		uint64_t v = sum_at(
		    OFF_UP(u) + offsetof(struct metrics_upstream, requests));

		/* "other" only once the table overflowed. */
		if (u == n_up && (u < METRICS_MAX_UPSTREAMS || v == 0))
			break;
		buf_puts(out, "mesos_dns_forward_requests_total{upstream=\"");
		label_value(out, u < n_up ? M.upstreams[u] : "other");
		buf_printf(out, "\"} %llu\n", (unsigned long long)v);
	}
	family(out, "mesos_dns_forward_failures_total", "counter",
	    "Attempts at an upstream resolver that failed, by cause.");
	for (int u = 0; u < n_up; u++)
		for (int f = 0; f < FWD_FAIL_COUNT; f++) {
			buf_puts(out,
			    "mesos_dns_forward_failures_total{upstream=\"");
			label_value(out, M.upstreams[u]);
			buf_printf(out, "\",cause=\"%s\"} %llu\n",
			    fwd_fail_names[f],
			    (unsigned long long)sum_at(OFF_UP(u) +
				offsetof(struct metrics_upstream, failures) +
				(size_t)f * sizeof(uint64_t)));
		}
	family(out, "mesos_dns_forward_duration_seconds", "histogram",
	    "Time an upstream resolver took to answer.");
	for (int u = 0; u < n_up; u++) {
		struct buf l = { 0 };

		buf_puts(&l, "upstream=\"");
		label_value(&l, M.upstreams[u]);
		buf_puts(&l, "\",");
		buf_putc(&l, '\0');
		if (!l.failed)
			render_histogram(out,
			    "mesos_dns_forward_duration_seconds", l.data,
			    OFF_UP(u) +
				offsetof(struct metrics_upstream, latency));
		buf_free(&l);
	}
}

static void
render_state(struct buf *out)
{
	uint64_t results[REFRESH_RESULT_COUNT], failures[REFRESH_FAIL_COUNT];
	uint64_t bucket[REFRESH_BOUNDS + 1], cum = 0;
	double sum, last;
	int zk = atomic_load(&G.zk_state);

	pthread_mutex_lock(&G.lock);
	memcpy(results, G.results, sizeof results);
	memcpy(failures, G.failures, sizeof failures);
	memcpy(bucket, G.dur_bucket, sizeof bucket);
	sum = G.dur_sum_s;
	last = G.last_success_s;
	pthread_mutex_unlock(&G.lock);

	family(out, "mesos_dns_records", "gauge",
	    "Values served, by record type (of the last records built).");
	buf_printf(out, "mesos_dns_records{type=\"A\"} %llu\n",
	    (unsigned long long)atomic_load(&G.rec_a));
	buf_printf(out, "mesos_dns_records{type=\"AAAA\"} %llu\n",
	    (unsigned long long)atomic_load(&G.rec_aaaa));
	buf_printf(out, "mesos_dns_records{type=\"SRV\"} %llu\n",
	    (unsigned long long)atomic_load(&G.rec_srv));
	family(out, "mesos_dns_record_names", "gauge",
	    "Names served (of the last records built).");
	buf_printf(out, "mesos_dns_record_names %llu\n",
	    (unsigned long long)atomic_load(&G.rec_names));
	family(out, "mesos_dns_snapshot_serial", "gauge",
	    "SOA serial of the records served.");
	buf_printf(out, "mesos_dns_snapshot_serial %u\n",
	    (unsigned)atomic_load(&G.serial));
	family(out, "mesos_dns_snapshot_age_seconds", "gauge",
	    "Seconds since the records served were built (-1: none yet).");
	buf_printf(out, "mesos_dns_snapshot_age_seconds %.3f\n",
	    atomic_load(&G.any_records) ?
		(double)(clock_ms() - atomic_load(&G.records_at_ms)) / 1e3 :
		-1.0);

	family(out, "mesos_dns_refreshes_total", "counter",
	    "Polls of the master's state, by result.");
	for (int r = 0; r < REFRESH_RESULT_COUNT; r++)
		buf_printf(out,
		    "mesos_dns_refreshes_total{result=\"%s\"} %llu\n",
		    refresh_names[r], (unsigned long long)results[r]);
	family(out, "mesos_dns_refresh_failures_total", "counter",
	    "Polls of the master's state that failed, by cause.");
	for (int f = 0; f < REFRESH_FAIL_COUNT; f++)
		buf_printf(out,
		    "mesos_dns_refresh_failures_total{cause=\"%s\"} %llu\n",
		    refresh_fail_names[f], (unsigned long long)failures[f]);
	family(out, "mesos_dns_refresh_duration_seconds", "histogram",
	    "Time a poll took, from the request to the records served.");
	for (int i = 0; i <= REFRESH_BOUNDS; i++) {
		cum += bucket[i];
		if (i < REFRESH_BOUNDS)
			buf_printf(out,
			    "mesos_dns_refresh_duration_seconds_bucket{le=\"%g\"} "
			    "%llu\n",
			    refresh_bounds_s[i], (unsigned long long)cum);
		else
			buf_printf(out,
			    "mesos_dns_refresh_duration_seconds_bucket{le=\"+Inf\"}"
			    " %llu\n",
			    (unsigned long long)cum);
	}
	buf_printf(out, "mesos_dns_refresh_duration_seconds_sum %.6f\n", sum);
	buf_printf(out, "mesos_dns_refresh_duration_seconds_count %llu\n",
	    (unsigned long long)cum);
	family(out, "mesos_dns_refresh_last_success_timestamp_seconds", "gauge",
	    "Unix time of the last successful poll (0: none yet).");
	buf_printf(out,
	    "mesos_dns_refresh_last_success_timestamp_seconds %.3f\n", last);

	family(out, "mesos_dns_event_stream_up", "gauge",
	    "1 while the operator API event stream is subscribed.");
	buf_printf(out, "mesos_dns_event_stream_up %d\n",
	    atomic_load(&G.stream_up) ? 1 : 0);
	family(out, "mesos_dns_events_applied_total", "counter",
	    "Operator API events handed to the event model.");
	buf_printf(out, "mesos_dns_events_applied_total %llu\n",
	    (unsigned long long)atomic_load(&G.events));
	family(out, "mesos_dns_event_lag_seconds", "gauge",
	    "At the last publication after events: seconds from the oldest "
	    "of them arriving to its records being served.");
	buf_printf(out, "mesos_dns_event_lag_seconds %.6f\n",
	    (double)atomic_load(&G.event_lag_us) / 1e6);
	family(out, "mesos_dns_leader_changes_total", "counter",
	    "Changes of the leading master seen by the detector.");
	buf_printf(out, "mesos_dns_leader_changes_total %llu\n",
	    (unsigned long long)atomic_load(&G.leader_changes));
	family(out, "mesos_dns_zookeeper_session_state", "gauge",
	    "1 for the ZooKeeper session's current state.");
	for (int s = 0; s < ZK_STATE_COUNT; s++)
		buf_printf(out,
		    "mesos_dns_zookeeper_session_state{state=\"%s\"} %d\n",
		    zk_names[s], s == zk ? 1 : 0);
}

void
metrics_render(struct buf *out)
{
	family(out, "mesos_dns_build_info", "gauge",
	    "Build information; the value is always 1.");
	buf_printf(out, "mesos_dns_build_info{version=\"%s\"} 1\n",
	    MDNS_VERSION);
	if (METRICS_ON)
		render_dns(out);
	render_state(out);
	process_render(out);
}
