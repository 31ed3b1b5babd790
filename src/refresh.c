/* refresh.c -- the reload loop behind refresh.h, the one orchestrator.
 *
 * One thread runs polls and publications one at a time; the masters list,
 * the event stream and signals only ask for them (refresh_trigger, the
 * stream sink).  A poll fetches the state and builds the records from it,
 * or with the event stream (EventsOn) loads the event model from it and
 * builds from the model (events.c); between polls the events' changes
 * are published as overlays (schedule.c says when).  Every new snapshot
 * goes out through publish().
 */
#include "refresh.h"

#include <assert.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfglive.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "metrics/health.h"
#include "metrics/metrics.h"
#include "records/builder.h"
#include "records/gen.h"
#include "records/snapshot.h"
#include "schedule.h"
#include "state/resolve.h"
#include "state/stream.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/hugepage.h"
#include "util/priority.h"
#include "xfr/xfr.h"

#define RESOLVE_TIMEOUT_MS 5000

/* The reload loop's state.
 *
 * Set by refresh_start before the thread runs, read-only afterwards:
 * hosts, events, thread, reloader.  Guarded by lock (the refresh thread,
 * the stream's intake, the signal loop, the HTTP API): sched, stopping,
 * stats, reload_wanted.  The refresh thread's alone: last_inputs, and cfg
 * and opts.cfg, the configuration in force when the job began (a
 * reference, cfglive.h).  published is set by the refresh thread and
 * read by anyone (refresh_loaded).  events has its own lock (events.h);
 * no thread holds both at once. */
static struct {
	const struct config *cfg;
	struct fetch_opts opts;
	struct hostcache *hosts;
	struct events *events; /* NULL without EventsOn */
	pthread_t thread;
	struct refresh_reloader reloader;

	pthread_mutex_t lock;
	pthread_cond_t wake; /* sched changed, or stopping */
	struct schedule sched;
	bool stopping;
	bool reload_wanted; /* SIGHUP: re-read the configuration first */
	struct refresh_stats stats;

	uint64_t last_inputs; /* digest of what the published
					   records came from; 0: none */
	/* The last build kept the records (an unchanged state). */
	bool kept;
	/* Arrival of the oldest event not yet published (0: none). */
	_Atomic int64_t events_since_us;
	/* Records are out: serving starts, though with events the first
	 * poll goes on to load the model (sched.loaded follows then). */
	atomic_bool published;
} R = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* This host's non-loopback addresses, for the name-server record when
 * listening on 0.0.0.0 (records.md §5). */
static size_t
interface_addrs(struct ipaddr *out, size_t max)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i != NULL && n < max; i = i->ifa_next) {
		struct ipaddr ip = { { 0 } };

		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			ip.b[10] = ip.b[11] = 0xff;
			memcpy(ip.b + 12,
			    &((struct sockaddr_in *)(void *)i->ifa_addr)
				 ->sin_addr,
			    4);
			if (ip.b[12] == 127)
				continue;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			static const uint8_t loop6[16] = { [15] = 1 };

			memcpy(ip.b,
			    &((struct sockaddr_in6 *)(void *)i->ifa_addr)
				 ->sin6_addr,
			    16);
			if (memcmp(ip.b, loop6, 16) == 0)
				continue;
		} else {
			continue;
		}
		out[n++] = ip;
	}
	freeifaddrs(ifa);
	return n;
}

/* Digest of a refresh's inputs: the body, the masters, the interfaces
 * and which configuration (a reload changes the records' rules). */
static uint64_t
inputs_digest(uint64_t body, const struct masters_list *m,
    const struct ipaddr *ifs, size_t n_ifs)
{
	uint64_t h = hash_bytes(&body, sizeof body);

	h = hash_more(h, &R.cfg->generation, sizeof R.cfg->generation);

	for (size_t i = 0; i < m->n; i++)
		h = hash_more(h, m->v[i], strlen(m->v[i]) + 1);
	h = hash_more(h, ifs, n_ifs * sizeof *ifs);
	return h | 1; /* never 0, the "nothing published" value */
}

static void
log_skipped(const struct mesos_state *state)
{
	for (uint32_t i = 0; i < state->n_reasons; i++)
		log_error("state: skipped malformed entry: %s",
		    state->reasons[i]);
	if (state->n_skipped > state->n_reasons)
		log_error("state: %u more malformed entries skipped",
		    state->n_skipped - state->n_reasons);
}

static bool
masters_any(const struct masters_list *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i][0] != '\0')
			return true;
	return false;
}

/* What a build is asked to do. */
struct build_job {
	struct mesos_state *state;	 /* freed (or released) by the build */
	struct events_build *from_model; /* state is this borrowed view */
	bool keep_state; /* the caller frees state (its names then live in
			    the published snapshot) */
	const struct masters_list *masters;
	uint64_t body_hash; /* != 0: keep the records if nothing changed */
	int64_t t0, t1;	    /* start, end of fetch and parse */
	const char *what;   /* for the log line */
};

enum build_result {
	BUILD_OK,
	BUILD_FAILED,
	BUILD_CLASH
};

/* Events held back during a build, or reported by the stream: when to
 * publish or poll (lock not held).  The reload loop is woken only when its
 * next run came sooner: a burst's thousands of events would otherwise wake
 * it once each, only for it to sleep again until the same publication. */
static void
heed(struct events_outcome o)
{
	int64_t now = clock_ms(), before;

	if (!o.changed && !o.reconcile)
		return;
	pthread_mutex_lock(&R.lock);
	before = schedule_wait_ms(&R.sched, now);
	if (o.changed)
		schedule_changed(&R.sched, now);
	if (o.reconcile)
		schedule_reconcile(&R.sched, now, SCHEDULE_RECONCILE_DELAY_MS);
	if (schedule_wait_ms(&R.sched, now) < before)
		pthread_cond_broadcast(&R.wake);
	pthread_mutex_unlock(&R.lock);
}

/* The model is done with: events held back meanwhile are applied. */
static void
release_model(struct build_job *job)
{
	heed(events_release(R.events, job->from_model));
	job->state = NULL;
}

/* Every publication goes through here: snap becomes what is served, or
 * with snap NULL the served records stay under a new serial.  Zone
 * transfer and metrics hook in here. */
static void
publish(struct snapshot *snap)
{
	int64_t since = atomic_exchange(&R.events_since_us, 0);
	const struct snapshot *full;

	if (since != 0)
		metrics_event_lag(clock_us() - since);
	if (snap == NULL) {
		snapshot_read_lock();
		snap = snapshot_current();
		assert(snap != NULL);
		snapshot_read_unlock();
		/* Only this thread publishes: the current one stays. */
		xfr_publish(snap);
		health_succeeded();
		metrics_records_published(0, 0, 0, 0, snap_serial(snap), false);
		return;
	}
	xfr_publish(snap);
	health_succeeded();
	hugepage_start_up_done();
	atomic_store(&R.published, true);
	/* Counts of the last full build: an overlay's base. */
	full = snap->base != NULL ? snap->base : snap;
	metrics_records_published(full->n[RK_A], full->n[RK_AAAA],
	    full->n[RK_SRV], full->n_nodes, snap_serial(snap), true);
	/* Events coalesce after new records, not after a serial bump. */
	pthread_mutex_lock(&R.lock);
	schedule_published(&R.sched, clock_ms());
	pthread_mutex_unlock(&R.lock);
}

/* Builds the records of job->state and publishes them.  The state is
 * freed, or released back to the event model as soon as the records are
 * generated (host look-ups and generation never hold the model's lock). */
static enum build_result
build(struct build_job *job)
{
	const struct masters_list *m = job->masters;
	bool overlay = job->from_model != NULL && job->from_model->overlay;
	struct snapshot *snap;
	struct builder *b;
	uint32_t n_tasks = job->state->n_tasks;
	size_t n_hostnames;
	uint64_t inputs;
	struct gen_input in = { 0 };
	struct ipaddr ifs[64];
	char err[1024];
	int64_t t2, t3;

	n_hostnames = hostcache_prepare(R.hosts, job->state,
	    (const char *const *)m->v, m->n, RESOLVE_TIMEOUT_MS);
	t2 = clock_us();
	if (strcmp(R.cfg->listener, "0.0.0.0") == 0) {
		in.if_addrs = ifs;
		in.n_if_addrs = interface_addrs(ifs, 64);
	}
	/* The same body, masters and interfaces, and no host names whose
	 * look-ups could have changed: the records would come out equal, so
	 * the published ones stay and only the serial moves, as it would. */
	inputs = inputs_digest(job->body_hash, m, ifs, in.n_if_addrs);
	R.kept = false;
	if (job->body_hash != 0 && n_hostnames == 0 &&
	    inputs == R.last_inputs && refresh_loaded()) {
		R.kept = true;
		if (job->from_model != NULL)
			release_model(job);
		else if (!job->keep_state)
			mesos_state_free(job->state);
		publish(NULL);
		log_verbose("refresh: state unchanged (%lld ms); records kept",
		    (long long)(clock_us() - job->t0) / 1000);
		return BUILD_OK;
	}
	in.cfg = R.cfg;
	in.state = job->state;
	in.masters = (const char *const *)m->v;
	in.n_masters = m->n;
	in.resolve = hostcache_lookup;
	in.resolve_ctx = R.hosts;
	in.adopt_names = job->from_model != NULL ? NULL : &job->state->names;
	in.tasks_only = overlay;
	if (job->from_model != NULL && job->from_model->lazy != NULL) {
		in.tasks_of = events_view_tasks;
		in.tasks_ctx = job->from_model;
	}
	b = gen_records(&in, err, sizeof err);
	/* The model goes before the records are frozen: the two are never
	 * in memory at the same time as the index. */
	if (job->from_model != NULL)
		release_model(job);
	else if (!job->keep_state)
		mesos_state_free(job->state);
	job->state = NULL;
	if (b == NULL || (snap = builder_finish(b)) == NULL) {
		log_error("Warning: Error generating records: %s; keeping old "
			  "DNS state",
		    b == NULL ? err :
				"out of memory while "
				"indexing records");
		return BUILD_FAILED;
	}
	t3 = clock_us();
	if (overlay && !events_make_overlay(R.events, snap)) {
		snapshot_free(snap);
		return BUILD_CLASH;
	}
	publish(snap);
	R.last_inputs = job->body_hash != 0 && n_hostnames == 0 ? inputs : 0;
	pthread_mutex_lock(&R.lock);
	R.stats.fetch_parse_us = job->t1 - job->t0;
	R.stats.resolve_us = t2 - job->t1;
	R.stats.build_us = t3 - t2;
	R.stats.publish_us = clock_us() - t3;
	R.stats.tasks = n_tasks;
	R.stats.names = snap->n_nodes;
	R.stats.records = snap->n[RK_A] + snap->n[RK_AAAA] + snap->n[RK_SRV] +
	    snap->n[RK_APSEUDO];
	R.stats.count++;
	log_verbose("%s: %u tasks, %u names, %u records; fetch+parse "
		    "%lld ms, resolve %lld ms, build %lld ms, publish %lld ms",
	    job->what, R.stats.tasks, R.stats.names, R.stats.records,
	    (long long)R.stats.fetch_parse_us / 1000,
	    (long long)R.stats.resolve_us / 1000,
	    (long long)R.stats.build_us / 1000,
	    (long long)R.stats.publish_us / 1000);
	pthread_mutex_unlock(&R.lock);
	return BUILD_OK;
}

/* Records from the event model: an overlay of the changed apps over the
 * last full build, or a full build (see events.h).  Polls (every
 * refreshSeconds) build in full too, which also brings /v1/enumerate up
 * to date. */
static bool
build_from_model(bool full, const struct masters_list *m, uint64_t body,
    int64_t t0, int64_t t1, const char *what)
{
	struct events_build eb;
	struct build_job job = { .from_model = &eb,
		.masters = m,
		.body_hash = body,
		.t0 = t0,
		.t1 = t1,
		.what = what };
	enum build_result r;

	if (!events_build_begin(R.events, full, &eb))
		return false;
	job.state = eb.view;
	if (eb.overlay)
		job.what = "events";
	r = build(&job);
	events_built(R.events, &eb, r == BUILD_OK);
	if (r == BUILD_OK && eb.overlay && events_compaction_due(R.events)) {
		pthread_mutex_lock(&R.lock);
		schedule_compact(&R.sched, clock_ms());
		pthread_mutex_unlock(&R.lock);
	}
	if (r == BUILD_CLASH) {
		/* A new name of a changed app is also another owner's. */
		log_verbose("events: a changed app shares a name with another; "
			    "building in full");
		return build_from_model(true, m, 0, t0, t1,
		    "events (full build)");
	}
	return r == BUILD_OK;
}

/* Publishes the event model: an overlay, or with `compact` the full
 * build that folds the overlay in once events pause (none is due when a
 * full build came meanwhile). */
static bool
publish_model(bool compact)
{
	struct masters_list m;
	int64_t t0 = clock_us();
	bool ok;

	if (compact && !events_compaction_due(R.events))
		return true;
	masters_get(&m);
	ok = build_from_model(compact, &m, 0, t0, t0,
	    compact ? "events (compaction)" : "events (full build)");
	masters_list_free(&m);
	return ok;
}

/* Counts a poll that got a state: its records built (or kept), or not. */
static void
poll_done(bool ok, int64_t t0)
{
	metrics_refresh_done(!ok ? REFRESH_FAILED :
		R.kept		 ? REFRESH_UNCHANGED :
				   REFRESH_OK,
	    REFRESH_FAIL_GENERATE, clock_us() - t0);
	/* A poll frees millions of small blocks (the parsed state, the old
	 * generation); glibc keeps the pages they leave free inside its
	 * heaps, and the resident size crept up poll after poll (bench/soak).
	 * Give those pages back once per poll, off the packet path. */
	malloc_trim(0);
}

/* The first poll with events on: its records are built straight from the
 * polled state, as without events, and published before the event model
 * is loaded from that state, which would otherwise come first, and a
 * build from the model after it (bench/ingest --events).  Both builds give
 * the same records (cluster.h), so the published ones are the overlays'
 * base, unless events arrived since the poll began: those are in the
 * model only, and a full build from it follows at once. */
static bool
first_load(struct mesos_state *state, const struct masters_list *m, int64_t t0,
    int64_t t1)
{
	struct build_job job = { .state = state,
		.masters = m,
		.body_hash = state->body_hash,
		.keep_state = true,
		.t0 = t0,
		.t1 = t1,
		.what = "refresh" };
	struct events_loaded el;
	struct snapshot *held;
	int loaded;

	if (build(&job) != BUILD_OK) {
		events_poll_abandon(R.events);
		mesos_state_free(state);
		return false;
	}
	/* The state's names were adopted by the published snapshot. */
	held = snapshot_acquire();
	loaded = events_poll_load(R.events, state, &el);
	mesos_state_free(state);
	if (loaded < 0) {
		/* The records are out; a poll soon loads the model. */
		log_error("Warning: out of memory loading the event model; "
			  "the records are served, events wait for the next "
			  "poll");
		events_poll_abandon(R.events);
		heed((struct events_outcome){ .reconcile = true });
	} else if (el.replayed != 0) {
		build_from_model(true, m, 0, t0, t1, "events (full build)");
	} else {
		events_base_published(R.events);
	}
	if (loaded == 0 && el.overflow)
		heed((struct events_outcome){ .reconcile = true });
	snapshot_release(held);
	stream_wake(); /* it waited for this load */
	return true;
}

/* A poll: fetch /master/state and build (or, with events, reconcile the
 * model with it and build from the model). */
static bool
poll(void)
{
	struct masters_list m;
	struct mesos_state *state;
	struct events_loaded el;
	uint64_t body;
	char err[1024];
	int64_t t0 = clock_us(), t1;
	bool ok;

	/* Events from now on are replayed onto this poll's result. */
	if (R.events != NULL)
		events_poll_begin(R.events);
	masters_get(&m);
	if (!refresh_loaded() && !masters_any(&m)) {
		/* ZooKeeper has not named a leader yet and no master is
		 * configured: nothing to ask, and nothing wrong yet. */
		masters_list_free(&m);
		if (R.events != NULL)
			events_poll_abandon(R.events);
		metrics_refresh_done(REFRESH_FAILED, REFRESH_FAIL_NO_LEADER,
		    clock_us() - t0);
		return false;
	}
	state = masters_fetch_state(&R.opts, &m, err, sizeof err);
	t1 = clock_us();
	if (state == NULL) {
		log_error("Warning: Error generating records: %s; keeping old "
			  "DNS state",
		    err);
		masters_list_free(&m);
		if (R.events != NULL)
			events_poll_abandon(R.events);
		metrics_refresh_done(REFRESH_FAILED, REFRESH_FAIL_FETCH,
		    clock_us() - t0);
		return false;
	}
	log_skipped(state);
	if (R.events == NULL) {
		struct build_job job = { .state = state,
			.masters = &m,
			.body_hash = state->body_hash,
			.t0 = t0,
			.t1 = t1,
			.what = "refresh" };

		ok = build(&job) == BUILD_OK;
		masters_list_free(&m);
		poll_done(ok, t0);
		return ok;
	}
	if (!events_loaded(R.events)) {
		ok = first_load(state, &m, t0, t1);
		masters_list_free(&m);
		poll_done(ok, t0);
		return ok;
	}
	if (events_poll_load(R.events, state, &el) < 0) {
		log_error("Warning: Error generating records: out of memory; "
			  "keeping old DNS state");
		events_poll_abandon(R.events);
		mesos_state_free(state);
		masters_list_free(&m);
		metrics_refresh_done(REFRESH_FAILED, REFRESH_FAIL_MEMORY,
		    clock_us() - t0);
		return false;
	}
	if (el.running_before != el.running_after && refresh_loaded())
		log_verbose("reconcile: %zu running tasks from events, %zu "
			    "after the poll (%zu events replayed)",
		    el.running_before, el.running_after, el.replayed);
	if (el.overflow)
		heed((struct events_outcome){ .reconcile = true });
	/* The polled state goes before the records are built from the
	 * model.  Unchanged body and no event since: the records stay. */
	body = el.quiet ? state->body_hash : 0;
	mesos_state_free(state);
	ok = build_from_model(true, &m, body, t0, t1, "refresh");
	masters_list_free(&m);
	poll_done(ok, t0);
	return ok;
}

/* SIGHUP: the reloader reads and applies the file; a new configuration
 * takes the period and naming rules and polls the master at once, so the
 * records are rebuilt under it. */
static void
reload_config(void)
{
	const struct config *c;

	if (R.reloader.apply == NULL ||
	    R.reloader.apply(R.reloader.ctx, &R.opts) < 0 ||
	    (c = cfglive_acquire()) == NULL)
		return;
	if (R.events != NULL)
		events_set_naming(R.events, c->enforce_rfc952);
	pthread_mutex_lock(&R.lock);
	schedule_set_period(&R.sched, c->refresh_seconds * 1000, clock_ms());
	schedule_trigger(&R.sched);
	pthread_mutex_unlock(&R.lock);
	cfglive_release(c);
}

static void *
refresh_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "mdns-refresh");
	/* Answers come first: a refresh that shares a core with a DNS worker
	 * under full load takes longer rather than slow the answers down. */
	if (!priority_lower_thread(PRIORITY_BACKGROUND))
		log_verbose("refresh: cannot lower the reload thread's "
			    "priority");
	for (;;) {
		enum schedule_run run;
		bool ok;
		int64_t left;

		/* The first run, a poll, is due at once. */
		pthread_mutex_lock(&R.lock);
		while (!R.stopping && !R.reload_wanted &&
		    (left = schedule_wait_ms(&R.sched, clock_ms())) > 0)
			clock_cond_wait_ms(&R.wake, &R.lock, left);
		if (R.stopping) {
			pthread_mutex_unlock(&R.lock);
			break;
		}
		if (R.reload_wanted) {
			R.reload_wanted = false;
			pthread_mutex_unlock(&R.lock);
			reload_config();
			continue;
		}
		run = schedule_take(&R.sched, clock_ms());
		pthread_mutex_unlock(&R.lock);
		/* One configuration for the whole job. */
		R.cfg = R.opts.cfg = cfglive_acquire();
		ok = run == SCHEDULE_POLL ?
		    poll() :
		    publish_model(run == SCHEDULE_COMPACT) || refresh_loaded();
		cfglive_release(R.cfg);
		R.cfg = R.opts.cfg = NULL;
		pthread_mutex_lock(&R.lock);
		schedule_done(&R.sched, run == SCHEDULE_POLL, ok, clock_ms());
		pthread_mutex_unlock(&R.lock);
	}
	return NULL;
}

int
refresh_start(const struct config *c, const struct fetch_opts *o,
    const struct refresh_reloader *reloader)
{
	R.opts = *o;
	R.opts.cfg = NULL;
	if (reloader != NULL)
		R.reloader = *reloader;
	assert(c->refresh_seconds > 0);
	health_init(c->refresh_seconds);
	schedule_init(&R.sched, c->refresh_seconds * 1000, c->events_on,
	    clock_ms());
	if (clock_cond_init(&R.wake) != 0 ||
	    (R.hosts = hostcache_new()) == NULL)
		return -1;
	if (c->events_on && (R.events = events_new(c->enforce_rfc952)) == NULL)
		return -1;
	if (pthread_create(&R.thread, NULL, refresh_main, NULL) != 0)
		return -1;
	return 0;
}

void
refresh_reload_config(void)
{
	pthread_mutex_lock(&R.lock);
	R.reload_wanted = true;
	pthread_cond_broadcast(&R.wake);
	pthread_mutex_unlock(&R.lock);
}

void
refresh_trigger(void)
{
	pthread_mutex_lock(&R.lock);
	schedule_trigger(&R.sched);
	pthread_cond_broadcast(&R.wake);
	pthread_mutex_unlock(&R.lock);
}

bool
refresh_loaded(void)
{
	return atomic_load(&R.published);
}

void
refresh_get_stats(struct refresh_stats *out)
{
	pthread_mutex_lock(&R.lock);
	*out = R.stats;
	pthread_mutex_unlock(&R.lock);
}

static void
stream_event(void *ctx, const char *json, size_t len)
{
	struct events_outcome o;

	(void)ctx;
	o = events_intake(R.events, json, len);
	metrics_event_applied();
	if (o.changed) {
		int64_t none = 0;

		atomic_compare_exchange_strong(&R.events_since_us, &none,
		    clock_us());
	}
	pthread_mutex_lock(&R.lock);
	R.stats.events++;
	pthread_mutex_unlock(&R.lock);
	heed(o);
}

/* SUBSCRIBED replaces the model: a poll loads it now (the stream's own
 * snapshot is not parsed, see stream.c). */
static void
stream_subscribed(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&R.lock);
	schedule_reconcile(&R.sched, clock_ms(), 0);
	pthread_cond_broadcast(&R.wake);
	pthread_mutex_unlock(&R.lock);
}

static void
stream_reconcile_soon(void *ctx)
{
	(void)ctx;
	heed((struct events_outcome){ .reconcile = true });
}

/* The stream subscribes where the masters list says: with ZooKeeper the
 * leader it names, else the master of the last good state. */
static bool
stream_leader(void *ctx, char *out, size_t len)
{
	const struct config *c = cfglive_acquire();
	bool zk = c != NULL && c->zk[0] != '\0', ok;

	(void)ctx;
	cfglive_release(c);
	/* Not before the first records: a SUBSCRIBED snapshot (bigger than
	 * the state, only sniffed, and followed by a poll) would be read on
	 * the same core as the first poll, and the first answer would wait
	 * for both (bench/ingest --events). */
	if (R.events == NULL || !events_loaded(R.events))
		return false;
	ok = masters_stream_target(zk, out, len);
	return ok;
}

void
refresh_stream_sink(struct stream_sink *out)
{
	*out = (struct stream_sink){ .leader = stream_leader,
		.event = stream_event,
		.subscribed = stream_subscribed,
		.reconcile_soon = stream_reconcile_soon };
}

static void
masters_changed(void *ctx)
{
	(void)ctx;
	refresh_trigger();
}

void
refresh_masters_listener(struct masters_listener *out)
{
	*out = (struct masters_listener){ .changed = masters_changed };
}

void
refresh_stop(void)
{
	fetch_abort_all();
	pthread_mutex_lock(&R.lock);
	R.stopping = true;
	pthread_cond_broadcast(&R.wake);
	pthread_mutex_unlock(&R.lock);
	pthread_join(R.thread, NULL);
	hostcache_free(R.hosts);
	R.hosts = NULL;
	events_free(R.events);
	R.events = NULL;
}
