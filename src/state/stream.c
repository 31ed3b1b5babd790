/* stream.c -- the operator API subscriber (see stream.h).
 *
 * One thread, one libcurl exchange at a time: POST /api/v1 SUBSCRIBE to
 * the leader the sink names, RecordIO records as they arrive.
 * Small records are parsed whole and handed to the sink; the
 * SUBSCRIBED snapshot of a big cluster is only sniffed for its type and
 * heartbeat interval (the model is then loaded by a poll, which the reload
 * loop runs at once), so it is never held in memory.  A leader change, a
 * stall of three heartbeat intervals, or the end of the stream reconnects
 * with backoff and jitter; a master without the API (404, 405, 415, 501)
 * leaves polling alone and is asked again every five minutes.
 */
#include "state/stream.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <yajl/yajl_parse.h>

#include "config.h"
#include "log.h"
#include "metrics/metrics.h"
#include "state/recordio.h"
#include "util/clock.h"
#include "util/hostport.h"
#include "util/jsontree.h"
#include "util/priority.h"

#define WHOLE_RECORD_MAX (4U << 20) /* bigger records are only sniffed */
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 30000
#define STABLE_MS 60000 /* a stream this old resets backoff */
#define NO_API_RETRY_MS (5 * 60 * 1000)
#define DEFAULT_HEARTBEAT_S 15.0

static struct {
	pthread_t thread;
	bool started;
	atomic_bool stopping;
	atomic_int connected;
	const struct config *cfg;
	struct fetch_opts opts;
	struct stream_sink sink;
	pthread_mutex_t lock;
	pthread_cond_t wake;
} st = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* One subscription in progress. */
struct sub {
	CURL *curl;
	struct recordio rio;
	char leader[300]; /* host:port it was opened to */
	long status;
	bool subscribed;
	double heartbeat_s;
	int64_t last_byte_ms;
	int64_t subscribed_ms;
	/* sniffing a record too big to hold */
	yajl_handle sniff;
	int sniff_depth;
	bool sniff_deep; /* nesting beyond JSON_MAX_DEPTH: sniffing stopped */
	int sniff_key;	 /* 1 "type", 2 "heartbeat_interval_seconds" */
	char sniff_type[32];
	unsigned events;
};

static int
sniff_string(void *ctx, const unsigned char *s, size_t len)
{
	struct sub *b = ctx;

	if (b->sniff_depth == 1 && b->sniff_key == 1)
		snprintf(b->sniff_type, sizeof b->sniff_type, "%.*s", (int)len,
		    (const char *)s);
	b->sniff_key = 0;
	return 1;
}

static int
sniff_number(void *ctx, const char *s, size_t len)
{
	struct sub *b = ctx;
	char tmp[64];

	if (b->sniff_depth == 2 && b->sniff_key == 2 && len < sizeof tmp) {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		b->heartbeat_s = strtod(tmp, NULL);
	}
	b->sniff_key = 0;
	return 1;
}

static int
sniff_key(void *ctx, const unsigned char *k, size_t len)
{
	struct sub *b = ctx;

	b->sniff_key = len == 4 && memcmp(k, "type", 4) == 0		  ? 1 :
	    len == 26 && memcmp(k, "heartbeat_interval_seconds", 26) == 0 ? 2 :
									    0;
	return 1;
}

static int
sniff_open(void *ctx)
{
	struct sub *b = ctx;

	/* yajl's state stack grows 128 bytes per realloc: a record nested
	 * a million deep costs seconds of copying.  Stop sniffing here; the
	 * record still goes to the event sink, whose json_parse refuses it
	 * with the nesting message. */
	if (++b->sniff_depth > JSON_MAX_DEPTH) {
		b->sniff_deep = true;
		return 0;
	}
	b->sniff_key = 0;
	return 1;
}

static int
sniff_close(void *ctx)
{
	struct sub *b = ctx;

	b->sniff_depth--;
	return 1;
}

static int
sniff_other(void *ctx)
{
	((struct sub *)ctx)->sniff_key = 0;
	return 1;
}

static int
sniff_bool(void *ctx, int v)
{
	(void)v;
	return sniff_other(ctx);
}

static const yajl_callbacks sniff_callbacks = {
	.yajl_null = sniff_other,
	.yajl_boolean = sniff_bool,
	.yajl_number = sniff_number,
	.yajl_string = sniff_string,
	.yajl_start_map = sniff_open,
	.yajl_map_key = sniff_key,
	.yajl_end_map = sniff_close,
	.yajl_start_array = sniff_open,
	.yajl_end_array = sniff_close,
};

static void
on_subscribed(struct sub *b)
{
	b->subscribed = true;
	b->subscribed_ms = clock_ms();
	if (!(b->heartbeat_s > 0))
		b->heartbeat_s = DEFAULT_HEARTBEAT_S * 3; /* none given: 45 s */
	if (b->heartbeat_s > 3600)
		b->heartbeat_s = 3600;
	atomic_store(&st.connected, 1);
	metrics_stream_up(true);
	log_verbose("event stream: subscribed to %s (heartbeat %.0f s)",
	    b->leader, b->heartbeat_s);
	st.sink.subscribed(st.sink.ctx);
}

/* Starts sniffing a record: its top-level "type" and, for SUBSCRIBED,
 * the heartbeat interval, without building a tree. */
static int
sniff_begin(struct sub *b)
{
	if (b->sniff)
		yajl_free(b->sniff);
	b->sniff = yajl_alloc(&sniff_callbacks, NULL, b);
	b->sniff_depth = 0;
	b->sniff_deep = false;
	b->sniff_key = 0;
	b->sniff_type[0] = '\0';
	return b->sniff ? 0 : -1;
}

/* A record is complete: data/len hold it whole, or NULL for one that was
 * too big to keep. */
static int
record_done(struct sub *b, const uint8_t *data, size_t len, uint64_t total)
{
	if (!b->sniff_deep)
		yajl_complete_parse(b->sniff);
	if (strcmp(b->sniff_type, "HEARTBEAT") == 0)
		return 0;
	if (strcmp(b->sniff_type, "SUBSCRIBED") == 0) {
		on_subscribed(b);
		return 0;
	}
	if (!b->subscribed)
		return 0;
	if (data == NULL) {
		/* An event too big to apply: reconcile instead. */
		log_error_every(10000,
		    "event stream: a %s event of %llu bytes "
		    "was not applied; polling instead",
		    b->sniff_type, (unsigned long long)total);
		st.sink.reconcile_soon(st.sink.ctx);
		return 0;
	}
	b->events++;
	st.sink.event(st.sink.ctx, (const char *)data, len);
	return 0;
}

static int
on_record(void *ctx, const uint8_t *data, size_t len, bool first, bool last,
    uint64_t total)
{
	struct sub *b = ctx;

	if (first && sniff_begin(b) < 0)
		return -1;
	if (len > 0 && !b->sniff_deep &&
	    yajl_parse(b->sniff, data, len) != yajl_status_ok &&
	    !b->sniff_deep) {
		log_error_every(10000, "event stream: a record is not JSON");
		return -1;
	}
	if (!last)
		return 0;
	return record_done(b, first ? data : NULL, len, total);
}

static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct sub *b = ctx;
	size_t len = size * n;

	if (b->status == 0)
		curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &b->status);
	if (b->status != 200)
		return 0;
	b->last_byte_ms = clock_ms();
	if (recordio_feed(&b->rio, (const uint8_t *)data, len) < 0)
		return 0;
	return len;
}

static int
on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct sub *b = ctx;
	char leader[300];

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	if (atomic_load(&st.stopping) || fetch_aborted())
		return 1;
	/* A master that accepts and never answers SUBSCRIBE. */
	if (!b->subscribed &&
	    clock_ms() - b->last_byte_ms >
		st.cfg->state_timeout_seconds * 1000) {
		log_error_every(10000,
		    "event stream: %s did not answer "
		    "SUBSCRIBE within %lld s",
		    b->leader, (long long)st.cfg->state_timeout_seconds);
		return 1;
	}
	if (b->subscribed &&
	    clock_ms() - b->last_byte_ms > (int64_t)(b->heartbeat_s * 3000)) {
		log_error("event stream: nothing from %s for %.0f s; "
			  "reconnecting",
		    b->leader, b->heartbeat_s * 3);
		return 1;
	}
	/* A new leader (ZooKeeper) ends this stream. */
	if (st.sink.leader(st.sink.ctx, leader, sizeof leader) &&
	    strcmp(leader, b->leader) != 0) {
		log_verbose("event stream: leader is now %s", leader);
		return 1;
	}
	return 0;
}

/* One subscription, until it ends.  Returns the HTTP status (0 when none). */
static long
subscribe(struct sub *b)
{
	const struct config *c = st.cfg;
	struct curl_slist *h = NULL;
	struct hostport hp;
	char url[400], auth[4096], hdr[4200], err[512], where[300];

	if (hostport_split_loose(b->leader, strlen(b->leader), &hp) < 0)
		return 0;
	snprintf(url, sizeof url, "%s://%s/api/v1",
	    c->mesos_https_on ? "https" : "http",
	    hostport_join(where, sizeof where, hp.host, hp.port));
	auth[0] = '\0';
	if (st.opts.auth_header != NULL &&
	    st.opts.auth_header(st.opts.auth_ctx, auth, sizeof auth, err,
		sizeof err) < 0) {
		log_error_every(10000, "event stream: %s", err);
		return 0;
	}
	if ((b->curl = curl_easy_init()) == NULL)
		return 0;
	recordio_init(&b->rio, on_record, b, WHOLE_RECORD_MAX,
	    (uint64_t)c->state_max_bytes);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	if (auth[0] != '\0') {
		snprintf(hdr, sizeof hdr, "Authorization: %s", auth);
		h = curl_slist_append(h, hdr);
	}
	curl_easy_setopt(b->curl, CURLOPT_URL, url);
	curl_easy_setopt(b->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(b->curl, CURLOPT_POSTFIELDS,
	    "{\"type\":\"SUBSCRIBE\"}");
	curl_easy_setopt(b->curl, CURLOPT_USERAGENT, "Mesos-DNS");
	curl_easy_setopt(b->curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(b->curl, CURLOPT_MAXREDIRS, 1L);
	curl_easy_setopt(b->curl, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	curl_easy_setopt(b->curl, CURLOPT_CONNECTTIMEOUT,
	    (long)(c->state_timeout_seconds < 10 ? c->state_timeout_seconds :
						   10));
	curl_easy_setopt(b->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(b->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(b->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(b->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(b->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	fetch_setup_tls(b->curl, c);
	/* After fetch_setup_tls: our own progress check (stalls, leader
	 * changes, shutdown) replaces its abort-only one. */
	curl_easy_setopt(b->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(b->curl, CURLOPT_XFERINFODATA, b);
	b->last_byte_ms = clock_ms();
	curl_easy_perform(b->curl);
	if (b->status == 0)
		curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &b->status);
	if (b->rio.broken)
		log_error_every(10000, "event stream from %s: %s", b->leader,
		    b->rio.error);
	if (b->status == 401 && st.opts.auth_reject != NULL)
		st.opts.auth_reject(st.opts.auth_ctx);
	recordio_free(&b->rio);
	if (b->sniff)
		yajl_free(b->sniff);
	b->sniff = NULL;
	curl_slist_free_all(h);
	curl_easy_cleanup(b->curl);
	b->curl = NULL;
	atomic_store(&st.connected, 0);
	metrics_stream_up(false);
	return b->status;
}

/* Sleeps up to ms, waking early when stopping. */
static void
pause_ms(int64_t ms)
{
	pthread_mutex_lock(&st.lock);
	if (!atomic_load(&st.stopping))
		clock_cond_wait_ms(&st.wake, &st.lock, ms);
	pthread_mutex_unlock(&st.lock);
}

static void *
stream_main(void *arg)
{
	int64_t backoff = BACKOFF_FIRST_MS;
	bool no_api_logged = false;

	(void)arg;
	pthread_setname_np(pthread_self(), "mdns-stream");
	/* Reading events yields a contended core to the DNS workers, as the
	 * builds they lead to do: under full load they arrive a little later
	 * rather than slow every answer. */
	if (!priority_lower_thread(PRIORITY_BACKGROUND))
		log_verbose("event stream: cannot lower its thread's priority");
	while (!atomic_load(&st.stopping)) {
		struct sub b = { 0 };
		uint32_t r = 0;
		int64_t jittered;
		long status;

		if (!st.sink.leader(st.sink.ctx, b.leader, sizeof b.leader)) {
			pause_ms(1000);
			continue;
		}
		status = subscribe(&b);
		if (atomic_load(&st.stopping))
			break;
		if (status == 404 || status == 405 || status == 415 ||
		    status == 501) {
			/* Not an error: older masters have no v1 API. */
			if (!no_api_logged)
				log_info("event stream: %s has no operator API "
					 "(HTTP %ld); polling every %lld s only",
				    b.leader, status,
				    (long long)st.cfg->refresh_seconds);
			no_api_logged = true;
			pause_ms(NO_API_RETRY_MS);
			continue;
		}
		if (b.subscribed) {
			no_api_logged = false;
			log_verbose("event stream from %s ended after %u "
				    "events",
			    b.leader, b.events);
			if (clock_ms() - b.subscribed_ms >= STABLE_MS)
				backoff = BACKOFF_FIRST_MS;
			/* Events may have been missed: poll now. */
			st.sink.reconcile_soon(st.sink.ctx);
		} else if (status != 0 && status != 200) {
			log_error_every(10000,
			    "event stream: %s answered HTTP "
			    "%ld to SUBSCRIBE",
			    b.leader, status);
		}
		/* Backoff with +-20 % jitter. */
		if (getrandom(&r, sizeof r, 0) != sizeof r)
			r = (uint32_t)clock_us();
		jittered = backoff * (80 + (int64_t)(r % 41)) / 100;
		pause_ms(jittered);
		backoff =
		    backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	return NULL;
}

int
stream_start(const struct config *cfg, const struct fetch_opts *opts,
    const struct stream_sink *sink)
{
	st.cfg = cfg;
	st.opts = *opts;
	st.sink = *sink;
	atomic_store(&st.stopping, false);
	if (clock_cond_init(&st.wake) != 0 ||
	    pthread_create(&st.thread, NULL, stream_main, NULL) != 0)
		return -1;
	st.started = true;
	return 0;
}

void
stream_stop(void)
{
	if (!st.started)
		return;
	atomic_store(&st.stopping, true);
	pthread_mutex_lock(&st.lock);
	pthread_cond_broadcast(&st.wake);
	pthread_mutex_unlock(&st.lock);
	pthread_join(st.thread, NULL);
	st.started = false;
}

void
stream_wake(void)
{
	if (!st.started)
		return;
	pthread_mutex_lock(&st.lock);
	pthread_cond_broadcast(&st.wake);
	pthread_mutex_unlock(&st.lock);
}

int
stream_connected(void)
{
	return atomic_load(&st.connected);
}
