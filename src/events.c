/* events.c -- the cluster model between polls and its incremental
 * publication (see events.h).
 *
 * Polls load the model; the events that arrived while a poll was being
 * fetched are replayed on top (they are at least as new).  Events between
 * polls change the model and name the apps whose names they change
 * (pending); a publication moves them to the apps changed since the last
 * full build (dirty) and builds only those apps' tasks, published as an
 * overlay over that build (base).  Agents and frameworks may change any
 * name, so their events, a name shared between apps, or more than
 * OVERLAY_MAX_APPS changed apps build in full.
 */
#include "events.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "log.h"
#include "records/appkey.h"
#include "state/cluster.h"
#include "util/jsontree.h"

#define EVENT_LOG_MAX 200000  /* events kept while a poll is in flight */
#define OVERLAY_MAX_APPS 2000 /* beyond this a full build is cheaper */
/* An overlay of this many apps is folded into a full build once events
 * pause: a look-up pays for the overlay's size (bench/events), and every
 * publication of the next burst would rebuild these apps again. */
#define COMPACT_MIN_APPS 64

/* A set of app keys, each malloc'ed, in insertion order, with a hash
 * index: a burst adds thousands, and each add asks whether it is new. */
struct apps {
	char **v;
	size_t n, cap;
	uint32_t *index; /* open addressing: i + 1 for v[i]; 0 = empty */
	size_t mask;	 /* index slots - 1 (0: no index yet) */
};

struct events {
	/* Guarded by lock: the stream's intake and the reload loop. */
	pthread_mutex_t lock;
	struct cluster *model;
	struct event_log replay; /* since the poll in flight began */
	struct event_log held;	 /* arrived while a build borrows */
	bool poll_in_flight;
	bool building;	     /* a view borrows the model */
	bool dirty;	     /* events changed it since a build */
	struct apps pending; /* changed since the last publication */
	bool pending_full;   /* ... and any name may have */
	const struct cluster_naming *naming_next; /* a reload's, for the
						     next poll; NULL: none */
	/* The reload loop's alone. */
	struct apps changed;   /* changed since the last full build */
	struct snapshot *base; /* that full build */
	/* snap_app(base, changed.v[i]) for i < n_changed_app: each burst's
	 * publication asks it of every app changed so far. */
	uint32_t *changed_app;
	size_t n_changed_app, changed_app_cap;
};

void
event_log_push(struct event_log *l, const char *json, size_t len)
{
	char *copy;

	if (l->overflow)
		return;
	if (l->n >= l->max) {
		l->overflow = true;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **j;
		size_t *n;

		/* Each array is stored as soon as it is reallocated: the old
		 * pointer is freed by a successful realloc. */
		if ((j = realloc(l->json, cap * sizeof *j)) != NULL)
			l->json = j;
		if (j == NULL ||
		    (n = realloc(l->len, cap * sizeof *n)) == NULL) {
			l->overflow = true;
			return;
		}
		l->len = n;
		l->cap = cap;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		l->overflow = true;
		return;
	}
	memcpy(copy, json, len);
	copy[len] = '\0';
	l->json[l->n] = copy;
	l->len[l->n++] = len;
}

void
event_log_clear(struct event_log *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->json[i]);
	l->n = 0;
	l->overflow = false;
}

void
event_log_free(struct event_log *l)
{
	event_log_clear(l);
	free(l->json);
	free(l->len);
	l->json = NULL;
	l->len = NULL;
	l->cap = 0;
}

static uint32_t *
apps_slot(const struct apps *a, const char *key)
{
	size_t i = snap_hash(key, strlen(key)) & a->mask;

	while (a->index[i] != 0 && strcmp(a->v[a->index[i] - 1], key) != 0)
		i = (i + 1) & a->mask;
	return &a->index[i];
}

/* Grows v and the index (kept at most half full) for one more key. */
static bool
apps_reserve(struct apps *a)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		char **nv = realloc(a->v, cap * sizeof *nv);

		if (nv == NULL)
			return false;
		a->v = nv;
		a->cap = cap;
	}
	if ((a->n + 1) * 2 > a->mask) {
		size_t slots = a->mask ? (a->mask + 1) * 2 : 128;
		uint32_t *old = a->index;

		if ((a->index = calloc(slots, sizeof *a->index)) == NULL) {
			a->index = old;
			return false;
		}
		free(old);
		a->mask = slots - 1;
		for (size_t i = 0; i < a->n; i++)
			*apps_slot(a, a->v[i]) = (uint32_t)i + 1;
	}
	return true;
}

/* Adds key (taken over) to the set; false when out of memory, and the
 * caller must then build in full (the app would keep stale names). */
static bool
apps_add(struct apps *a, char *key)
{
	uint32_t *slot;

	if (!apps_reserve(a)) {
		free(key);
		return false;
	}
	slot = apps_slot(a, key);
	if (*slot != 0) {
		free(key);
		return true;
	}
	a->v[a->n++] = key;
	*slot = (uint32_t)a->n;
	return true;
}

/* Empties the set; the keys are freed unless `keep_keys` (moved out). */
static void
apps_empty(struct apps *a, bool keep_keys)
{
	for (size_t i = 0; !keep_keys && i < a->n; i++)
		free(a->v[i]);
	if (a->index != NULL)
		memset(a->index, 0, (a->mask + 1) * sizeof *a->index);
	a->n = 0;
}

static void
apps_clear(struct apps *a)
{
	apps_empty(a, false);
	free(a->v);
	free(a->index);
	*a = (struct apps){ 0 };
}

struct events *
events_new(bool rfc952)
{
	struct events *e = calloc(1, sizeof *e);

	if (e == NULL)
		return NULL;
	if ((e->model = cluster_new(appkey_naming(rfc952))) == NULL) {
		free(e);
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	e->replay.max = EVENT_LOG_MAX;
	e->held.max = EVENT_LOG_MAX;
	return e;
}

void
events_set_naming(struct events *e, bool rfc952)
{
	pthread_mutex_lock(&e->lock);
	e->naming_next = appkey_naming(rfc952);
	pthread_mutex_unlock(&e->lock);
}

void
events_free(struct events *e)
{
	if (e == NULL)
		return;
	assert(!e->building);
	cluster_free(e->model);
	event_log_free(&e->replay);
	event_log_free(&e->held);
	apps_clear(&e->pending);
	apps_clear(&e->changed);
	free(e->changed_app);
	if (e->base != NULL)
		snapshot_release(e->base);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

/* Applies one event's JSON to the model and, with `track`, notes which
 * apps it changes (lock held). */
static enum cluster_change
apply_json(struct events *e, const char *json, bool track)
{
	char yerr[128];
	yajl_val ev = json_parse(json, yerr, sizeof yerr);
	enum cluster_change ch;
	char **apps = NULL;
	size_t n = 0;
	int scope;

	if (ev == NULL) {
		log_error_every(10000, "event stream: an event is not JSON: %s",
		    yerr);
		return CLUSTER_UNKNOWN;
	}
	scope = track ? cluster_event_apps(e->model, ev, &apps, &n) : 0;
	ch = cluster_apply(e->model, ev);
	if (track && ch != CLUSTER_NONE) {
		if (scope < 0)
			e->pending_full = true;
		for (size_t i = 0; i < n; i++) {
			if (!apps_add(&e->pending, apps[i]))
				e->pending_full = true;
			apps[i] = NULL;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(apps[i]);
	free(apps);
	yajl_tree_free(ev);
	if (ch != CLUSTER_NONE)
		e->dirty = true;
	return ch;
}

static void
note(struct events_outcome *o, enum cluster_change ch)
{
	if (ch != CLUSTER_NONE)
		o->changed = true;
	if (ch == CLUSTER_UNKNOWN || ch == CLUSTER_NEEDS_POLL)
		o->reconcile = true;
}

struct events_outcome
events_intake(struct events *e, const char *json, size_t len)
{
	struct events_outcome o = { false, false };
	char *text = malloc(len + 1);
	bool loaded;

	if (text == NULL) {
		/* Lost: only a poll brings the model up to date. */
		o.reconcile = true;
		return o;
	}
	memcpy(text, json, len);
	text[len] = '\0';
	pthread_mutex_lock(&e->lock);
	loaded = cluster_loaded(e->model);
	/* A poll in flight replays what arrives meanwhile onto its result. */
	if (e->poll_in_flight || !loaded)
		event_log_push(&e->replay, text, len);
	if (loaded && e->building)
		event_log_push(&e->held, text, len);
	else if (loaded)
		note(&o, apply_json(e, text, true));
	pthread_mutex_unlock(&e->lock);
	free(text);
	return o;
}

void
events_poll_begin(struct events *e)
{
	pthread_mutex_lock(&e->lock);
	event_log_clear(&e->replay);
	e->poll_in_flight = true;
	pthread_mutex_unlock(&e->lock);
}

void
events_poll_abandon(struct events *e)
{
	pthread_mutex_lock(&e->lock);
	e->poll_in_flight = false;
	if (cluster_loaded(e->model))
		event_log_clear(&e->replay);
	pthread_mutex_unlock(&e->lock);
}

int
events_poll_load(struct events *e, const struct mesos_state *state,
    struct events_loaded *out)
{
	pthread_mutex_lock(&e->lock);
	assert(!e->building);
	out->running_before =
	    cluster_loaded(e->model) ? cluster_running_tasks(e->model) : 0;
	if (e->naming_next != NULL) {
		/* The model is loaded anew here: every key under the new
		 * rules, as the full build that follows names them. */
		cluster_set_naming(e->model, e->naming_next);
		e->naming_next = NULL;
	}
	if (cluster_load(e->model, state) < 0) {
		pthread_mutex_unlock(&e->lock);
		return -1;
	}
	out->replayed = e->replay.n;
	out->overflow = e->replay.overflow;
	for (size_t i = 0; i < e->replay.n; i++)
		apply_json(e, e->replay.json[i], false);
	e->poll_in_flight = false;
	/* The full build that follows covers every change so far. */
	apps_clear(&e->pending);
	e->pending_full = false;
	event_log_clear(&e->replay);
	out->running_after = cluster_running_tasks(e->model);
	out->quiet = out->replayed == 0 && !e->dirty;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

/* Looks up in base the apps added to changed since the last call; false
 * when out of memory. */
static bool
note_changed_apps(struct events *e)
{
	if (e->changed_app_cap < e->changed.n) {
		uint32_t *v =
		    realloc(e->changed_app, e->changed.cap * sizeof *v);

		if (v == NULL)
			return false;
		e->changed_app = v;
		e->changed_app_cap = e->changed.cap;
	}
	for (; e->n_changed_app < e->changed.n; e->n_changed_app++)
		e->changed_app[e->n_changed_app] =
		    snap_app(e->base, e->changed.v[e->n_changed_app]);
	return true;
}

/* True when a changed app shares a name of base with another owner: an
 * overlay cannot hide its part alone. */
static bool
changed_entangled(const struct events *e)
{
	if (e->base->app_entangled == NULL)
		return false;
	for (size_t i = 0; i < e->n_changed_app; i++) {
		uint32_t app = e->changed_app[i];

		if (app != SNAP_NONE && e->base->app_entangled[app])
			return true;
	}
	return false;
}

bool
events_build_begin(struct events *e, bool full, struct events_build *b)
{
	bool overlay;

	pthread_mutex_lock(&e->lock);
	assert(!e->building);
	e->dirty = false;
	overlay = !full && !e->pending_full && e->base != NULL &&
	    e->changed.n + e->pending.n <= OVERLAY_MAX_APPS;
	if (overlay) {
		for (size_t i = 0; i < e->pending.n; i++) {
			if (!apps_add(&e->changed, e->pending.v[i]))
				overlay = false;
		}
		apps_empty(&e->pending, true); /* the keys moved */
		/* Names shared with other owners are rebuilt in full. */
		if (overlay && (!note_changed_apps(e) || changed_entangled(e)))
			overlay = false;
	}
	b->overlay = overlay;
	b->view = NULL;
	b->lazy = NULL;
	if (cluster_loaded(e->model) && overlay)
		b->view =
		    cluster_view_borrowed(e->model, e->changed.v, e->changed.n);
	else if (cluster_loaded(e->model))
		b->view = cluster_view_lazy(e->model, &b->lazy);
	if (!overlay) {
		apps_clear(&e->pending);
		e->pending_full = false;
	}
	e->building = b->view != NULL;
	pthread_mutex_unlock(&e->lock);
	return b->view != NULL;
}

struct events_outcome
events_release(struct events *e, struct events_build *b)
{
	struct events_outcome o = { false, false };

	pthread_mutex_lock(&e->lock);
	assert(e->building);
	e->building = false;
	for (size_t i = 0; i < e->held.n; i++)
		note(&o, apply_json(e, e->held.json[i], true));
	if (e->held.overflow)
		o.reconcile = true;
	event_log_clear(&e->held);
	pthread_mutex_unlock(&e->lock);
	cluster_lazy_free(b->lazy);
	b->lazy = NULL;
	mesos_state_free(b->view);
	b->view = NULL;
	return o;
}

int
events_view_tasks(void *ctx, size_t i, const struct mesos_task **out)
{
	struct events_build *b = ctx;

	return cluster_lazy_tasks(b->lazy, i, out);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

bool
events_make_overlay(struct events *e, struct snapshot *snap)
{
	uint32_t *hidden = malloc((e->changed.n + 1) * sizeof *hidden);
	uint32_t n = 0;

	assert(e->base != NULL);
	if (hidden == NULL)
		return false;
	assert(e->n_changed_app == e->changed.n);
	for (size_t i = 0; i < e->n_changed_app; i++)
		if (e->changed_app[i] != SNAP_NONE)
			hidden[n++] = e->changed_app[i];
	qsort(hidden, n, sizeof *hidden, cmp_u32);
	snap->hidden = hidden;
	snap->n_hidden = n;
	atomic_fetch_add(&e->base->refs, 1);
	snap->base = e->base;
	return !snap_overlay_clashes(snap);
}

void
events_built(struct events *e, const struct events_build *b, bool ok)
{
	if (b->overlay)
		return;
	if (ok) {
		events_base_published(e);
		return;
	}
	/* The changes are still to be published. */
	pthread_mutex_lock(&e->lock);
	e->pending_full = true;
	pthread_mutex_unlock(&e->lock);
}

bool
events_compaction_due(const struct events *e)
{
	return e->base != NULL && e->changed.n >= COMPACT_MIN_APPS;
}

bool
events_loaded(struct events *e)
{
	bool loaded;

	pthread_mutex_lock(&e->lock);
	loaded = cluster_loaded(e->model);
	pthread_mutex_unlock(&e->lock);
	return loaded;
}

void
events_base_published(struct events *e)
{
	struct snapshot *old = e->base;

	e->base = snapshot_acquire();
	if (old != NULL)
		snapshot_release(old);
	apps_clear(&e->changed);
	e->n_changed_app = 0;
}
