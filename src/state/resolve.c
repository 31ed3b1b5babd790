/* resolve.c -- concurrent, cached host look-ups behind resolve.h.
 *
 * Look-ups run on a few threads of our own that call getaddrinfo(3).
 * glibc's getaddrinfo_a is not used: its gai_suspend returns while a
 * finished request may still be about to notify a wait-list entry on the
 * caller's stack (a use after return, seen as crashes under ASan). */
#include "state/resolve.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "util/clock.h"
#include "util/hostport.h"

#define CACHE_OK_MS (5 * 60 * 1000) /* answers are kept 5 minutes */
#define CACHE_FAIL_MS (30 * 1000)   /* failures are retried after 30 s */
#define MAX_ADDRS 64
#define MAX_WORKERS 8 /* look-ups at once */

struct entry {
	char *host;
	struct ipaddr addrs[MAX_ADDRS];
	size_t n;
	int64_t expires;
	bool in_flight; /* a worker is looking it up */
};

/* The look-ups one hostcache_prepare waits for; the last of it and its
 * jobs to let go frees it (a job may outlive the wait). */
struct batch {
	size_t pending;
	size_t refs;
};

struct job {
	char *host;
	struct batch *batch;
	struct job *next;
};

struct hostcache {
	pthread_mutex_t lock;
	pthread_cond_t work; /* jobs queued, or stopping */
	pthread_cond_t done; /* a job finished */
	struct job *head, **tail;
	size_t workers, idle;
	size_t refs; /* the owner and each worker */
	bool stopping;
	struct entry *v;
	size_t n, cap;
};

struct hostcache *
hostcache_new(void)
{
	struct hostcache *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work, NULL);
	clock_cond_init(&c->done);
	c->tail = &c->head;
	c->refs = 1;
	return c;
}

static void
destroy(struct hostcache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].host);
	free(c->v);
	pthread_cond_destroy(&c->work);
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Drops one reference (lock held); true when it was the last. */
static bool
unref(struct hostcache *c)
{
	return --c->refs == 0;
}

void
hostcache_free(struct hostcache *c)
{
	bool last;

	if (c == NULL)
		return;
	/* Workers blocked in getaddrinfo are not waited for: the last one
	 * out frees the cache. */
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_broadcast(&c->work);
	last = unref(c);
	pthread_mutex_unlock(&c->lock);
	if (last)
		destroy(c);
}

static struct entry *
find(struct hostcache *c, const char *host)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].host, host) == 0)
			return &c->v[i];
	return NULL;
}

static struct entry *
add(struct hostcache *c, const char *host)
{
	struct entry *e;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct entry *v = realloc(c->v, cap * sizeof *v);

		if (v == NULL)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	e = &c->v[c->n];
	memset(e, 0, sizeof *e);
	if ((e->host = strdup(host)) == NULL)
		return NULL;
	c->n++;
	return e;
}

/* Collects a host name that needs a look-up (not an IP, not fresh). */
static void
want(struct hostcache *c, const char *host, char ***list, size_t *n,
    size_t *cap, int64_t now, size_t *names)
{
	struct ipaddr ip;
	struct entry *e;

	if (host == NULL || *host == '\0' ||
	    ipaddr_parse(host, strlen(host), &ip))
		return;
	(*names)++;
	/* Fresh, or still being looked up from an earlier build. */
	if ((e = find(c, host)) != NULL && (e->expires > now || e->in_flight))
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], host) == 0)
			return;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		char **l = realloc(*list, ncap * sizeof *l);

		if (l == NULL)
			return;
		*list = l;
		*cap = ncap;
	}
	if (((*list)[*n] = strdup(host)) != NULL)
		(*n)++;
}

/* The host part of a pid "name@host:port", or NULL. */
static const char *
pid_host(const char *pid, struct hostport *hp)
{
	const char *at;

	if (pid == NULL || (at = strchr(pid, '@')) == NULL)
		return NULL;
	{
		char tmp[300];
		size_t n = strlen(at + 1);

		while (n > 0 && (at[n] == '"' || at[n] == ' '))
			n--;
		if (n >= sizeof tmp)
			return NULL;
		memcpy(tmp, at + 1, n);
		tmp[n] = '\0';
		if (hostport_split(tmp, hp, false) < 0)
			return NULL;
	}
	return hp->host;
}

static void
store(struct hostcache *c, const char *host, const struct addrinfo *res,
    int64_t now)
{
	struct entry *e = find(c, host);

	if (e == NULL && (e = add(c, host)) == NULL)
		return;
	e->n = 0;
	for (const struct addrinfo *a = res; a && e->n < MAX_ADDRS;
	     a = a->ai_next) {
		struct ipaddr ip = { { 0 } };
		bool dup = false;

		if (a->ai_family == AF_INET) {
			ip.b[10] = ip.b[11] = 0xff;
			memcpy(ip.b + 12,
			    &((struct sockaddr_in *)(void *)a->ai_addr)
				 ->sin_addr,
			    4);
		} else if (a->ai_family == AF_INET6) {
			memcpy(ip.b,
			    &((struct sockaddr_in6 *)(void *)a->ai_addr)
				 ->sin6_addr,
			    16);
		} else {
			continue;
		}
		for (size_t i = 0; i < e->n && !dup; i++)
			dup = memcmp(e->addrs[i].b, ip.b, 16) == 0;
		if (!dup)
			e->addrs[e->n++] = ip;
	}
	e->expires = now + (e->n ? CACHE_OK_MS : CACHE_FAIL_MS);
	e->in_flight = false;
}

static void
job_done(struct hostcache *c, struct job *j)
{
	if (--j->batch->pending == 0)
		pthread_cond_broadcast(&c->done);
	if (--j->batch->refs == 0)
		free(j->batch);
	free(j->host);
	free(j);
}

/* Marks a name's look-up over without addresses (lock held). */
static void
give_up(struct hostcache *c, struct job *j)
{
	struct entry *e = find(c, j->host);

	if (e != NULL)
		e->in_flight = false;
	job_done(c, j);
}

static void *
worker_main(void *arg)
{
	struct hostcache *c = arg;
	bool last;

	pthread_setname_np(pthread_self(), "mdns-resolve");
	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL;
		struct job *j;
		int rc;

		while (c->head == NULL && !c->stopping) {
			c->idle++;
			pthread_cond_wait(&c->work, &c->lock);
			c->idle--;
		}
		if (c->stopping)
			break;
		j = c->head;
		if ((c->head = j->next) == NULL)
			c->tail = &c->head;
		pthread_mutex_unlock(&c->lock);
		rc = getaddrinfo(j->host, NULL, &hints, &res);
		pthread_mutex_lock(&c->lock);
		/* A late answer is kept too: the next build uses it. */
		if (!c->stopping)
			store(c, j->host, rc == 0 ? res : NULL, clock_ms());
		if (rc == 0)
			freeaddrinfo(res);
		job_done(c, j);
	}
	while (c->head != NULL) {
		struct job *j = c->head;

		c->head = j->next;
		job_done(c, j);
	}
	c->tail = &c->head;
	c->workers--;
	last = unref(c);
	pthread_mutex_unlock(&c->lock);
	if (last)
		destroy(c);
	return NULL;
}

/* Starts workers for the queued jobs, up to MAX_WORKERS (lock held). */
static void
spawn(struct hostcache *c, size_t queued)
{
	pthread_attr_t attr;

	if (pthread_attr_init(&attr) != 0)
		return;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (c->workers < MAX_WORKERS && c->idle < queued) {
		pthread_t t;

		if (pthread_create(&t, &attr, worker_main, c) != 0)
			break;
		c->workers++;
		c->refs++;
		queued--;
	}
	pthread_attr_destroy(&attr);
}

/* Queues a look-up of host for batch b (lock held). */
static bool
enqueue(struct hostcache *c, const char *host, struct batch *b)
{
	struct entry *e = find(c, host);
	struct job *j = calloc(1, sizeof *j);

	if (e == NULL)
		e = add(c, host);
	if (e == NULL || j == NULL || (j->host = strdup(host)) == NULL) {
		free(j);
		return false;
	}
	e->in_flight = true;
	j->batch = b;
	b->pending++;
	b->refs++;
	*c->tail = j;
	c->tail = &j->next;
	return true;
}

size_t
hostcache_prepare(struct hostcache *c, const struct mesos_state *s,
    const char *const *extra, size_t n_extra, int timeout_ms)
{
	int64_t now = clock_ms();
	char **hosts = NULL;
	size_t n = 0, cap = 0, names = 0, queued = 0;
	struct hostport hp;
	struct batch *b = NULL;
	struct timespec until;

	pthread_mutex_lock(&c->lock);
	for (const struct mesos_framework *f = s->frameworks; f; f = f->next)
		want(c, f->pid ? pid_host(f->pid, &hp) : f->hostname, &hosts,
		    &n, &cap, now, &names);
	for (const struct mesos_slave *sl = s->slaves; sl; sl = sl->next)
		want(c, pid_host(sl->pid, &hp), &hosts, &n, &cap, now, &names);
	if (s->leader)
		want(c, pid_host(s->leader, &hp), &hosts, &n, &cap, now,
		    &names);
	for (size_t i = 0; i < n_extra; i++)
		if (hostport_split_loose(extra[i], strlen(extra[i]), &hp) == 0)
			want(c, hp.host, &hosts, &n, &cap, now, &names);
	if (n == 0 || c->stopping || (b = calloc(1, sizeof *b)) == NULL)
		goto out;
	b->refs = 1;
	for (size_t i = 0; i < n; i++)
		if (enqueue(c, hosts[i], b))
			queued++;
	spawn(c, queued);
	if (c->workers == 0) {
		log_error("host look-ups could not start");
		while (c->head != NULL) {
			struct job *j = c->head;

			c->head = j->next;
			give_up(c, j);
		}
		c->tail = &c->head;
	}
	pthread_cond_broadcast(&c->work);
	until = clock_deadline(timeout_ms);
	while (b->pending > 0)
		if (pthread_cond_timedwait(&c->done, &c->lock, &until) ==
		    ETIMEDOUT)
			break;
	if (b->pending > 0) {
		/* Too slow: no addresses this time; the answer, when it
		 * comes, is kept for the next build. */
		for (size_t i = 0; i < n; i++) {
			struct entry *e = find(c, hosts[i]);

			if (e != NULL && e->in_flight)
				log_error("look-up of %s timed out after %d ms",
				    hosts[i], timeout_ms);
		}
	}
	if (--b->refs == 0)
		free(b);
out:
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
	return names;
}

size_t
hostcache_lookup(void *cache, const char *host, struct ipaddr *out, size_t max)
{
	struct hostcache *c = cache;
	struct entry *e;
	size_t n = 0;

	pthread_mutex_lock(&c->lock);
	if ((e = find(c, host)) != NULL)
		for (n = 0; n < e->n && n < max; n++)
			out[n] = e->addrs[n];
	pthread_mutex_unlock(&c->lock);
	return n;
}
