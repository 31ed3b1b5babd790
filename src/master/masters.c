/* masters.c -- masters list and the original's leader-following fetch. */
#include "master/masters.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics/metrics.h"
#include "util/clock.h"
#include "util/hostport.h"

static pthread_mutex_t masters_lock = PTHREAD_MUTEX_INITIALIZER;
static struct masters_list current;
static char last_good[300];		 /* host:port of the last good state */
static int64_t timer_ms;		 /* zkDetectionTimeout; 0 = off */
static int64_t timer_deadline;		 /* 0 = stopped */
static struct masters_listener listener; /* set once at start */

void
masters_listen(const struct masters_listener *l)
{
	if (l != NULL)
		listener = *l;
	else
		listener = (struct masters_listener){ 0 };
}

static void
tell_listener(void)
{
	if (listener.changed != NULL)
		listener.changed(listener.ctx);
}

void
masters_list_free(struct masters_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A copy of every entry or, out of memory, of none (out is then empty
 * and the failure logged): never a list missing some. */
static bool
copy_list(struct masters_list *out, const char *const *v, size_t n)
{
	out->v = calloc(n + 1, sizeof *out->v);
	out->n = 0;
	for (size_t i = 0; out->v != NULL && i < n; i++) {
		if ((out->v[i] = strdup(v[i])) == NULL) {
			masters_list_free(out);
			break;
		}
		out->n++;
	}
	if (out->v == NULL) {
		log_error("masters: out of memory copying the masters list");
		return false;
	}
	return true;
}

bool
masters_set(const char *const *v, size_t n)
{
	struct masters_list next, old;

	if (!copy_list(&next, v, n))
		return false;
	pthread_mutex_lock(&masters_lock);
	old = current;
	current = next;
	pthread_mutex_unlock(&masters_lock);
	masters_list_free(&old);
	return true;
}

bool
masters_get(struct masters_list *out)
{
	bool ok;

	pthread_mutex_lock(&masters_lock);
	ok = copy_list(out, (const char *const *)current.v, current.n);
	pthread_mutex_unlock(&masters_lock);
	return ok;
}

void
masters_timer_start(int64_t seconds)
{
	pthread_mutex_lock(&masters_lock);
	timer_ms = seconds * 1000;
	timer_deadline = seconds > 0 ? clock_ms() + timer_ms : 0;
	pthread_mutex_unlock(&masters_lock);
}

bool
masters_timer_expired(void)
{
	bool fired;

	pthread_mutex_lock(&masters_lock);
	fired = timer_deadline != 0 && clock_ms() >= timer_deadline;
	pthread_mutex_unlock(&masters_lock);
	return fired;
}

/* Replaces M (lock held) and runs the timer rule of masters.md §2: a
 * known leader stops it, an unknown one restarts it. */
static void
replace_locked(struct masters_list *next)
{
	struct masters_list old = current;

	current = *next;
	masters_list_free(&old);
	if (current.n > 0 && current.v[0][0] != '\0')
		timer_deadline = 0;
	else if (timer_ms > 0)
		timer_deadline = clock_ms() + timer_ms;
}

/* Appends a copy of entry to l (room for it allocated); false when out of
 * memory. */
static bool
list_add(struct masters_list *l, const char *entry)
{
	if ((l->v[l->n] = strdup(entry)) == NULL)
		return false;
	l->n++;
	return true;
}

/* M = [first] + (rest without first); false (M unchanged) when out of
 * memory, so that M never loses an entry or holds a NULL. */
static bool
replace_with(const char *first, const char *const *rest, size_t n_rest)
{
	struct masters_list next = { calloc(n_rest + 2, sizeof(char *)), 0 };
	bool ok = next.v != NULL && list_add(&next, first);

	for (size_t i = 0; ok && i < n_rest; i++)
		if (strcmp(rest[i], first) != 0)
			ok = list_add(&next, rest[i]);
	if (!ok) {
		masters_list_free(&next);
		log_error("masters: out of memory; the masters list stays as "
			  "it was");
		return false;
	}
	replace_locked(&next);
	return true;
}

void
masters_on_leader(const char *leader)
{
	bool ok, changed;

	pthread_mutex_lock(&masters_lock);
	/* A new leader named, not one lost or the same reported again. */
	changed = leader[0] != '\0' &&
	    (current.n == 0 || strcmp(current.v[0], leader) != 0);
	ok = replace_with(leader,
	    current.n > 1 ? (const char *const *)current.v + 1 : NULL,
	    current.n > 1 ? current.n - 1 : 0);
	pthread_mutex_unlock(&masters_lock);
	if (ok && changed)
		metrics_leader_changed();
	if (ok)
		tell_listener();
}

void
masters_on_all(const char *const *list, size_t n)
{
	char *first;
	bool ok = false;

	pthread_mutex_lock(&masters_lock);
	/* M[0] is copied: replacing M frees it. */
	if ((first = strdup(current.n > 0 ? current.v[0] : "")) != NULL)
		ok = replace_with(first, list, n);
	else
		log_error("masters: out of memory; the masters list stays as "
			  "it was");
	pthread_mutex_unlock(&masters_lock);
	free(first);
	if (ok)
		tell_listener();
}

static void
remember_good(const char *host, int port)
{
	pthread_mutex_lock(&masters_lock);
	hostport_join(last_good, sizeof last_good, host, port);
	pthread_mutex_unlock(&masters_lock);
}

bool
masters_last_good(char *out, size_t len)
{
	bool ok;

	pthread_mutex_lock(&masters_lock);
	ok = last_good[0] != '\0';
	if (ok)
		snprintf(out, len, "%s", last_good);
	pthread_mutex_unlock(&masters_lock);
	return ok;
}

bool
masters_stream_target(bool detected, char *out, size_t len)
{
	bool ok = false;

	pthread_mutex_lock(&masters_lock);
	if (!detected && last_good[0] != '\0') {
		snprintf(out, len, "%s", last_good);
		ok = true;
	}
	for (size_t i = 0; i < current.n && !ok; i++)
		if (current.v[i][0] != '\0') {
			snprintf(out, len, "%s", current.v[i]);
			ok = true;
		}
	pthread_mutex_unlock(&masters_lock);
	return ok;
}

/* fetchWithFailover of the original: ask ip:port, then, if the state
 * names another leader host, ask that host once on the same port. */
static struct mesos_state *
fetch_with_failover(const struct fetch_opts *o, const char *ip, int port,
    char *err, size_t errlen)
{
	struct mesos_state *s = fetch_state(o, ip, port, err, errlen);
	const char *leader, *at;
	struct hostport hp;

	if (s == NULL)
		return NULL;
	leader = s->leader;
	if (leader == NULL || *leader == '\0') {
		snprintf(err, errlen,
		    "master %s:%d: fetched state does not "
		    "contain leader information",
		    ip, port);
		mesos_state_free(s);
		return NULL;
	}
	if ((at = strchr(leader, '@')) == NULL || strchr(at + 1, '@') != NULL ||
	    hostport_split_loose(at + 1, strlen(at + 1), &hp) < 0) {
		snprintf(err, errlen,
		    "master %s:%d: Invalid leader address: "
		    "%s",
		    ip, port, leader);
		mesos_state_free(s);
		return NULL;
	}
	if (strcmp(hp.host, ip) == 0) {
		remember_good(ip, port);
		return s;
	}
	log_verbose("master %s:%d says the leader is %s; asking it", ip, port,
	    hp.host);
	mesos_state_free(s);
	if ((s = fetch_state(o, hp.host, port, err, errlen)) == NULL)
		return NULL;
	/* No second redirect, but the original still needs a leader. */
	if (s->leader == NULL || *s->leader == '\0') {
		snprintf(err, errlen, "master %s:%d: empty master", hp.host,
		    port);
		mesos_state_free(s);
		return NULL;
	}
	remember_good(hp.host, port);
	return s;
}

static struct mesos_state *
try_entry(const struct fetch_opts *o, const char *entry, char *err,
    size_t errlen)
{
	struct hostport hp;

	if (hostport_split_loose(entry, strlen(entry), &hp) < 0 ||
	    hp.port < 0) {
		snprintf(err, errlen, "master \"%s\" is not host:port", entry);
		return NULL;
	}
	return fetch_with_failover(o, hp.host, hp.port, err, errlen);
}

struct mesos_state *
masters_fetch_state(const struct fetch_opts *o, const struct masters_list *m,
    char *err, size_t errlen)
{
	struct mesos_state *s;

	if (m->n == 0) {
		snprintf(err, errlen, "no masters given to fetch state.json");
		return NULL;
	}
	if (m->v[0][0] != '\0') {
		if ((s = try_entry(o, m->v[0], err, errlen)) != NULL)
			return s;
		if (m->n == 1)
			return NULL;
		log_error("%s; trying the next master", err);
	}
	snprintf(err, errlen,
	    "no leading master known yet and no other "
	    "master to ask");
	for (size_t i = 1; i < m->n; i++) {
		if (m->v[i][0] == '\0')
			continue;
		if ((s = try_entry(o, m->v[i], err, errlen)) != NULL)
			return s;
		if (i + 1 < m->n)
			log_error("%s; trying the next master", err);
	}
	return NULL;
}
