/* refresh.c -- the reload thread behind refresh.h.
 *
 * Polls build the records from the fetched state.  With the event stream
 * (EventsOn), the poll loads the cluster model instead, the events that
 * arrived while it was being fetched are replayed on top (they are at
 * least as new), and events between polls change the model and publish
 * new records at most every PUBLISH_DELAY_MS, one rebuild per burst.
 */
#include "refresh.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#include "config.h"
#include "log.h"
#include "master/masters.h"
#include "records/builder.h"
#include "records/gen.h"
#include "records/snapshot.h"
#include "state/cluster.h"
#include "state/resolve.h"
#include "util/clock.h"
#include "util/priority.h"
#include "xfr/xfr.h"

#define RESOLVE_TIMEOUT_MS 5000
#define PUBLISH_DELAY_MS 50	/* events are coalesced this long */
#define RECONCILE_DELAY_MS 1000	/* a poll after events we could not apply */
#define EVENT_LOG_MAX 200000	/* events kept while a poll is in flight */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool triggered, stopping, loaded;
static int64_t publish_due;	/* 0: nothing to publish from the model */
static int64_t reconcile_due;	/* 0: no early poll wanted */
static pthread_t thread;
static const struct config *cfg;
static struct fetch_opts opts;
static struct hostcache *hosts;
static struct refresh_stats stats;
static uint64_t last_inputs;	/* digest of what the published records came from */

/* The event model and the events received since the poll in flight was
 * sent (replayed onto its result).  Guarded by model_lock. */
static pthread_mutex_t model_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cluster *model;
static struct {
	char **json;
	size_t *len;
	size_t n, cap;
	bool overflow;
} evlog;
static bool model_dirty;	/* events changed it since the last publish */

/* Incremental publication: apps whose names events changed since the
 * last publication (pending) and since the last full build (dirty, on the
 * refresh thread only); `base` is that full build. */
#define OVERLAY_MAX_APPS 2000	/* beyond this a full build is cheaper */
static char **pending_apps;
static size_t n_pending_apps;
static bool pending_full;
static char **dirty_apps;
static size_t n_dirty_apps;
static struct snapshot *base;
static bool poll_in_flight;	/* events are logged for replay meanwhile */
static _Atomic int64_t last_publish_ms;	/* events are published at most every
				   PUBLISH_DELAY_MS */
static int64_t reconcile_retry_ms;

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
			memcpy(ip.b + 12, &((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr, 4);
			if (ip.b[12] == 127)
				continue;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			static const uint8_t loop6[16] = { [15] = 1 };

			memcpy(ip.b, &((struct sockaddr_in6 *)(void *)
			    i->ifa_addr)->sin6_addr, 16);
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

static uint64_t
mix64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* Digest of a refresh's inputs besides the configuration (fixed). */
static uint64_t
inputs_digest(uint64_t body, const struct masters_list *m,
    const struct ipaddr *ifs, size_t n_ifs)
{
	uint64_t h = mix64(0xcbf29ce484222325ULL, &body, sizeof body);

	for (size_t i = 0; i < m->n; i++)
		h = mix64(h, m->v[i], strlen(m->v[i]) + 1);
	h = mix64(h, ifs, n_ifs * sizeof *ifs);
	return h | 1;	/* never 0, the "nothing published" value */
}

static void
evlog_clear(void)
{
	for (size_t i = 0; i < evlog.n; i++)
		free(evlog.json[i]);
	evlog.n = 0;
	evlog.overflow = false;
}

static void
evlog_push(const char *json, size_t len)
{
	char *copy;

	if (evlog.n == evlog.cap) {
		size_t cap = evlog.cap ? evlog.cap * 2 : 256;
		char **j = realloc(evlog.json, cap * sizeof *j);
		size_t *l = j ? realloc(evlog.len, cap * sizeof *l) : NULL;

		if (j != NULL)
			evlog.json = j;
		if (j == NULL || l == NULL || evlog.n >= EVENT_LOG_MAX) {
			evlog.overflow = true;
			return;
		}
		evlog.len = l;
		evlog.cap = cap;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		evlog.overflow = true;
		return;
	}
	memcpy(copy, json, len);
	copy[len] = '\0';
	evlog.json[evlog.n] = copy;
	evlog.len[evlog.n++] = len;
}

static void
apps_add(char ***v, size_t *n, char *key)
{
	char **nv;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], key) == 0) {
			free(key);
			return;
		}
	if ((nv = realloc(*v, (*n + 1) * sizeof *nv)) == NULL) {
		free(key);
		return;
	}
	*v = nv;
	nv[(*n)++] = key;
}

static void
apps_clear(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* Applies one event's JSON to the model and notes which apps it changed
 * (model_lock held). */
static enum cluster_change
apply_json(const char *json, bool track)
{
	char yerr[128];
	yajl_val ev = yajl_tree_parse(json, yerr, sizeof yerr);
	enum cluster_change ch;
	char **apps = NULL;
	size_t n = 0;
	int scope;

	if (ev == NULL) {
		log_error_every(10000, "event stream: an event is not JSON: "
		    "%s", yerr);
		return CLUSTER_UNKNOWN;
	}
	scope = track ? cluster_event_apps(model, ev, &apps, &n) : 0;
	ch = cluster_apply(model, ev);
	if (track && ch != CLUSTER_NONE) {
		if (scope < 0)
			pending_full = true;
		for (size_t i = 0; i < n; i++) {
			apps_add(&pending_apps, &n_pending_apps, apps[i]);
			apps[i] = NULL;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(apps[i]);
	free(apps);
	yajl_tree_free(ev);
	return ch;
}

static void
schedule(int64_t *due, int64_t delay_ms)
{
	int64_t at = clock_ms() + delay_ms;

	if (*due == 0 || at < *due)
		*due = at;
	pthread_cond_broadcast(&wake);
}

void
refresh_event(const char *json, size_t len)
{
	enum cluster_change ch = CLUSTER_NONE;
	char *text = malloc(len + 1);

	if (text == NULL)
		return;
	memcpy(text, json, len);
	text[len] = '\0';
	pthread_mutex_lock(&model_lock);
	/* A poll in flight replays what arrives meanwhile onto its result. */
	if (poll_in_flight || model == NULL || !cluster_loaded(model))
		evlog_push(text, len);
	if (model != NULL && cluster_loaded(model))
		ch = apply_json(text, true);
	if (ch != CLUSTER_NONE)
		model_dirty = true;
	pthread_mutex_unlock(&model_lock);
	free(text);
	pthread_mutex_lock(&lock);
	stats.events++;
	if (ch != CLUSTER_NONE) {
		/* At once after a quiet spell; bursts at most every
		 * PUBLISH_DELAY_MS, one rebuild each. */
		int64_t wait = last_publish_ms + PUBLISH_DELAY_MS - clock_ms();

		schedule(&publish_due, wait > 0 ? wait : 0);
	}
	if (ch == CLUSTER_UNKNOWN || ch == CLUSTER_NEEDS_POLL)
		schedule(&reconcile_due, RECONCILE_DELAY_MS);
	pthread_mutex_unlock(&lock);
}

void
refresh_subscribed(void)
{
	/* SUBSCRIBED replaces the model: a poll loads it now (the stream's
	 * own snapshot is not parsed, see stream.c). */
	pthread_mutex_lock(&lock);
	schedule(&reconcile_due, 0);
	pthread_mutex_unlock(&lock);
}

void
refresh_reconcile_soon(void)
{
	pthread_mutex_lock(&lock);
	schedule(&reconcile_due, RECONCILE_DELAY_MS);
	pthread_mutex_unlock(&lock);
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

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Makes snap an overlay of `base`: base's names of the dirty apps are
 * hidden, snap's own names (those apps' current ones) answer instead. */
static bool overlay_clash;	/* the last make_overlay found a clash */

static bool
make_overlay(struct snapshot *snap)
{
	uint32_t *hidden = malloc((n_dirty_apps + 1) * sizeof *hidden);
	uint32_t n = 0;

	overlay_clash = false;
	if (hidden == NULL)
		return false;
	for (size_t i = 0; i < n_dirty_apps; i++) {
		uint32_t app = snap_app(base, dirty_apps[i]);

		if (app != SNAP_NONE)
			hidden[n++] = app;
	}
	qsort(hidden, n, sizeof *hidden, cmp_u32);
	snap->hidden = hidden;
	snap->n_hidden = n;
	atomic_fetch_add(&base->refs, 1);
	snap->base = base;
	if (snap_overlay_clashes(snap)) {
		overlay_clash = true;
		return false;
	}
	return true;
}

/* True when a dirty app shares a name of base with another owner: an
 * overlay cannot hide its part alone. */
static bool
dirty_entangled(void)
{
	if (base == NULL || base->app_entangled == NULL)
		return false;
	for (size_t i = 0; i < n_dirty_apps; i++) {
		uint32_t app = snap_app(base, dirty_apps[i]);

		if (app != SNAP_NONE && base->app_entangled[app])
			return true;
	}
	return false;
}

/* After a full build: it is the base of the overlays to come. */
static void
new_base(void)
{
	struct snapshot *old = base;

	base = snapshot_acquire();
	if (old != NULL)
		snapshot_release(old);
	apps_clear(&dirty_apps, &n_dirty_apps);
}

/* Builds the records of a state and publishes them; frees the state.
 * body_hash != 0 allows keeping the published records when nothing they
 * depend on changed. */
static bool
build_and_publish(struct mesos_state *state, struct masters_list *m,
    uint64_t body_hash, int64_t t0, int64_t t1, const char *what,
    bool overlay, pthread_mutex_t *held)
{
	struct snapshot *snap;
	struct builder *b;
	uint32_t n_tasks = state->n_tasks;
	size_t n_hostnames;
	uint64_t inputs;
	struct gen_input in = { 0 };
	struct ipaddr ifs[64];
	char err[1024];
	int64_t t2, t3;

	n_hostnames = hostcache_prepare(hosts, state,
	    (const char *const *)m->v, m->n, RESOLVE_TIMEOUT_MS);
	t2 = clock_us();
	if (strcmp(cfg->listener, "0.0.0.0") == 0) {
		in.if_addrs = ifs;
		in.n_if_addrs = interface_addrs(ifs, 64);
	}
	/* The same body, masters and interfaces, and no host names whose
	 * look-ups could have changed: the records would come out equal, so
	 * the published ones stay and only the serial moves, as it would. */
	inputs = inputs_digest(body_hash, m, ifs, in.n_if_addrs);
	if (body_hash != 0 && n_hostnames == 0 && inputs == last_inputs &&
	    refresh_loaded()) {
		if (held != NULL)
			pthread_mutex_unlock(held);
		/* Only this thread publishes: the current one stays. */
		snapshot_read_lock();
		snap = snapshot_current();
		snapshot_read_unlock();
		xfr_publish(snap);
		mesos_state_free(state);
		log_verbose("refresh: state unchanged (%lld ms); records kept",
		    (long long)(clock_us() - t0) / 1000);
		return true;
	}
	in.cfg = cfg;
	in.state = state;
	in.masters = (const char *const *)m->v;
	in.n_masters = m->n;
	in.resolve = hostcache_lookup;
	in.resolve_ctx = hosts;
	in.adopt_names = overlay || held != NULL ? NULL : &state->names;
	in.tasks_only = overlay;
	b = gen_records(&in, err, sizeof err);
	/* A view borrowed from the event model is done with: events may go
	 * on while the records are indexed. */
	if (held != NULL)
		pthread_mutex_unlock(held);
	/* The model goes before the records are frozen: the two are never
	 * in memory at the same time as the index. */
	mesos_state_free(state);
	if (b == NULL || (snap = builder_finish(b)) == NULL) {
		log_error("Warning: Error generating records: %s; keeping old "
		    "DNS state", b == NULL ? err : "out of memory while "
		    "indexing records");
		return false;
	}
	t3 = clock_us();
	if (overlay && !make_overlay(snap)) {
		snapshot_free(snap);
		return false;
	}
	xfr_publish(snap);
	last_publish_ms = clock_ms();
	if (!overlay)
		new_base();
	last_inputs = body_hash != 0 && n_hostnames == 0 ? inputs : 0;
	pthread_mutex_lock(&lock);
	stats.fetch_parse_us = t1 - t0;
	stats.resolve_us = t2 - t1;
	stats.build_us = t3 - t2;
	stats.publish_us = clock_us() - t3;
	stats.tasks = n_tasks;
	stats.names = snap->n_nodes;
	stats.records = snap->n[RK_A] + snap->n[RK_AAAA] + snap->n[RK_SRV] +
	    snap->n[RK_APSEUDO];
	stats.count++;
	log_verbose("%s: %u tasks, %u names, %u records; fetch+parse "
	    "%lld ms, resolve %lld ms, build %lld ms, publish %lld ms", what,
	    stats.tasks, stats.names, stats.records,
	    (long long)stats.fetch_parse_us / 1000,
	    (long long)stats.resolve_us / 1000,
	    (long long)stats.build_us / 1000,
	    (long long)stats.publish_us / 1000);
	pthread_mutex_unlock(&lock);
	return true;
}

/* Records from the event model (model_lock not held): an overlay of the
 * changed apps over the last full build, or a full build when an event
 * may have changed any name (agents, frameworks), when too many apps
 * changed, or when `full`.  Polls (every refreshSeconds) build in full
 * too, which also brings /v1/enumerate up to date. */
static bool
publish_model(bool full)
{
	struct masters_list m;
	struct mesos_state *view = NULL;
	int64_t t0 = clock_us();
	bool ok, overlay;

	overlay_clash = false;
	pthread_mutex_lock(&model_lock);
	model_dirty = false;
	overlay = !full && !pending_full && base != NULL &&
	    n_dirty_apps + n_pending_apps <= OVERLAY_MAX_APPS;
	if (overlay) {
		for (size_t i = 0; i < n_pending_apps; i++) {
			apps_add(&dirty_apps, &n_dirty_apps, pending_apps[i]);
			pending_apps[i] = NULL;
		}
		n_pending_apps = 0;
		/* Names shared with other owners are rebuilt in full. */
		if (dirty_entangled())
			overlay = false;
	}
	if (cluster_loaded(model))
		view = overlay ? cluster_view_borrowed(model, dirty_apps,
		    n_dirty_apps) : cluster_view_borrowed(model, NULL, 0);
	if (!overlay) {
		apps_clear(&pending_apps, &n_pending_apps);
		pending_full = false;
	}
	if (view == NULL) {
		pthread_mutex_unlock(&model_lock);
		return false;
	}
	/* The lock stays held until the records are generated from the
	 * borrowed view; build_and_publish releases it. */
	masters_get(&m);
	ok = build_and_publish(view, &m, 0, t0, t0, overlay ? "events" :
	    "events (full build)", overlay, &model_lock);
	masters_list_free(&m);
	if (overlay && !ok && overlay_clash) {
		/* A new name of a changed app is also another owner's. */
		log_verbose("events: a changed app shares a name with another; "
		    "building in full");
		return publish_model(true);
	}
	if (!ok && !overlay) {
		/* The changes are still to be published. */
		pthread_mutex_lock(&model_lock);
		pending_full = true;
		pthread_mutex_unlock(&model_lock);
	}
	return ok;
}

static bool
masters_any(const struct masters_list *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i][0] != '\0')
			return true;
	return false;
}

/* A poll: fetch /master/state and build (or, with events, reconcile the
 * model with it and build from the model). */
static bool
reload(void)
{
	struct masters_list m;
	struct mesos_state *state;
	char err[1024];
	int64_t t0 = clock_us(), t1;
	bool ok;

	if (model != NULL) {
		/* Events from now on are replayed onto this poll's result. */
		pthread_mutex_lock(&model_lock);
		evlog_clear();
		poll_in_flight = true;
		pthread_mutex_unlock(&model_lock);
	}
	masters_get(&m);
	if (!loaded && !masters_any(&m)) {
		/* ZooKeeper has not named a leader yet and no master is
		 * configured: nothing to ask, and nothing wrong yet. */
		masters_list_free(&m);
		if (model != NULL) {
			pthread_mutex_lock(&model_lock);
			poll_in_flight = false;
			pthread_mutex_unlock(&model_lock);
		}
		return false;
	}
	state = masters_fetch_state(&opts, &m, err, sizeof err);
	t1 = clock_us();
	if (state == NULL) {
		log_error("Warning: Error generating records: %s; keeping old "
		    "DNS state", err);
		masters_list_free(&m);
		if (model != NULL) {
			pthread_mutex_lock(&model_lock);
			poll_in_flight = false;
			if (cluster_loaded(model))
				evlog_clear();
			pthread_mutex_unlock(&model_lock);
		}
		return false;
	}
	log_skipped(state);
	if (model == NULL) {
		ok = build_and_publish(state, &m, state->body_hash, t0, t1,
		    "refresh", false, NULL);
	} else {
		size_t replayed, running_before, running_after;
		bool quiet, overflow;
		uint64_t body = state->body_hash;

		pthread_mutex_lock(&model_lock);
		running_before = cluster_loaded(model) ?
		    cluster_running_tasks(model) : 0;
		if (cluster_load(model, state) < 0) {
			pthread_mutex_unlock(&model_lock);
			log_error("Warning: Error generating records: out of "
			    "memory; keeping old DNS state");
			mesos_state_free(state);
			masters_list_free(&m);
			return false;
		}
		replayed = evlog.n;
		overflow = evlog.overflow;
		for (size_t i = 0; i < evlog.n; i++)
			apply_json(evlog.json[i], false);
		poll_in_flight = false;
		/* The full build below covers every change so far. */
		apps_clear(&pending_apps, &n_pending_apps);
		pending_full = false;
		evlog_clear();
		running_after = cluster_running_tasks(model);
		quiet = replayed == 0 && !model_dirty;
		pthread_mutex_unlock(&model_lock);
		mesos_state_free(state);
		if (running_before != running_after && loaded)
			log_verbose("reconcile: %zu running tasks from events, "
			    "%zu after the poll (%zu events replayed)",
			    running_before, running_after, replayed);
		if (overflow)
			refresh_reconcile_soon();
		/* Unchanged body and no event since: the records stay.  The
		 * view borrows the model's strings; the lock is held until the
		 * records are generated. */
		pthread_mutex_lock(&model_lock);
		state = cluster_view_borrowed(model, NULL, 0);
		model_dirty = false;
		if (state == NULL) {
			pthread_mutex_unlock(&model_lock);
			ok = false;
		} else {
			ok = build_and_publish(state, &m, quiet ? body : 0, t0,
			    t1, "refresh", false, &model_lock);
		}
	}
	masters_list_free(&m);
	return ok;
}

static void *
refresh_main(void *arg)
{
	int64_t period = cfg->refresh_seconds * 1000;
	int64_t next = clock_ms() + period;
	int64_t retry = 1000;
	bool poll = true, full = false;

	(void)arg;
	pthread_setname_np(pthread_self(), "mdns-refresh");
	/* Answers come first: a refresh that shares a core with a DNS worker
	 * under full load takes longer rather than slow the answers down. */
	if (!priority_lower_thread(PRIORITY_BACKGROUND))
		log_verbose("refresh: cannot lower the reload thread's "
		    "priority");
	for (;;) {
		bool ok = true;
		int64_t due;

		if (poll)
			ok = reload();
		else
			ok = publish_model(full) || loaded;
		pthread_mutex_lock(&lock);
		/* With the event stream, a failed poll (one that SUBSCRIBED or
		 * an unknown event asked for, say) is tried again soon. */
		if (poll && model != NULL && loaded) {
			if (ok) {
				reconcile_retry_ms = 0;
			} else {
				reconcile_retry_ms = reconcile_retry_ms ?
				    reconcile_retry_ms * 2 : 1000;
				if (reconcile_retry_ms > period)
					reconcile_retry_ms = period;
				if (reconcile_retry_ms > 30000)
					reconcile_retry_ms = 30000;
				schedule(&reconcile_due, reconcile_retry_ms);
			}
		}
		if (ok && !loaded) {
			loaded = true;
			pthread_cond_broadcast(&wake);
		}
		/* Until the first success, retry sooner than the period (with
		 * backoff): the same answers, only earlier than the original
		 * would give them. */
		due = next;
		if (!loaded) {
			if (clock_ms() + retry < due)
				due = clock_ms() + retry;
			retry = retry * 2 > period ? period : retry * 2;
		}
		for (;;) {
			struct timespec ts;
			int64_t now = clock_ms(), until = due, left;

			if (triggered || stopping || now >= due)
				break;
			if (reconcile_due != 0 && now >= reconcile_due)
				break;
			if (publish_due != 0 && now >= publish_due)
				break;

			if (reconcile_due != 0 && reconcile_due < until)
				until = reconcile_due;
			if (publish_due != 0 && publish_due < until)
				until = publish_due;

			left = until - now;
			ts = clock_deadline(left);
			pthread_cond_timedwait(&wake, &lock, &ts);
		}
		if (stopping) {
			pthread_mutex_unlock(&lock);
			break;
		}
		/* A poll (tick, trigger, reconciliation) covers a pending
		 * publication too. */
		poll = triggered || clock_ms() >= due ||
		    (reconcile_due != 0 && clock_ms() >= reconcile_due);
		full = false;
		triggered = false;
		publish_due = 0;
		if (poll)
			reconcile_due = 0;
		pthread_mutex_unlock(&lock);
		/* Ticks keep their phase, as a Go ticker does. */
		while (next <= clock_ms())
			next += period;
	}
	return NULL;
}

int
refresh_start(const struct config *c, const struct fetch_opts *o)
{
	cfg = c;
	opts = *o;
	if ((hosts = hostcache_new()) == NULL)
		return -1;
	if (c->events_on) {
		if ((model = cluster_new()) == NULL)
			return -1;
		cluster_set_rfc952(model, c->enforce_rfc952);
	}
	if (pthread_create(&thread, NULL, refresh_main, NULL) != 0)
		return -1;
	return 0;
}

void
refresh_trigger(void)
{
	pthread_mutex_lock(&lock);
	triggered = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
}

bool
refresh_loaded(void)
{
	bool ok;

	pthread_mutex_lock(&lock);
	ok = loaded;
	pthread_mutex_unlock(&lock);
	return ok;
}

void
refresh_get_stats(struct refresh_stats *out)
{
	pthread_mutex_lock(&lock);
	*out = stats;
	pthread_mutex_unlock(&lock);
}

void
refresh_stop(void)
{
	fetch_abort_all();
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	hostcache_free(hosts);
	hosts = NULL;
}
