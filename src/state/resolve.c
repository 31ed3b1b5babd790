/* resolve.c -- concurrent, cached host look-ups behind resolve.h. */
#include "state/resolve.h"

#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "util/clock.h"
#include "util/hostport.h"

#define CACHE_OK_MS (5 * 60 * 1000)	/* answers are kept 5 minutes */
#define CACHE_FAIL_MS (30 * 1000)	/* failures are retried after 30 s */
#define MAX_ADDRS 64

struct entry {
	char *host;
	struct ipaddr addrs[MAX_ADDRS];
	size_t n;
	int64_t expires;
};

struct lookup;

struct hostcache {
	pthread_mutex_t lock;
	struct lookup *zombies;
	struct entry *v;
	size_t n, cap;
};

struct hostcache *
hostcache_new(void)
{
	struct hostcache *c = calloc(1, sizeof *c);

	if (c != NULL)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
hostcache_free(struct hostcache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].host);
	free(c->v);
	pthread_mutex_destroy(&c->lock);
	free(c);
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
	if ((e = find(c, host)) != NULL && e->expires > now)
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
			memcpy(ip.b + 12, &((struct sockaddr_in *)
			    (void *)a->ai_addr)->sin_addr, 4);
		} else if (a->ai_family == AF_INET6) {
			memcpy(ip.b, &((struct sockaddr_in6 *)
			    (void *)a->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		for (size_t i = 0; i < e->n && !dup; i++)
			dup = memcmp(e->addrs[i].b, ip.b, 16) == 0;
		if (!dup)
			e->addrs[e->n++] = ip;
	}
	e->expires = now + (e->n ? CACHE_OK_MS : CACHE_FAIL_MS);
}

/* One look-up in flight; those still running at the deadline are parked
 * on `zombies` (glibc may write to them until they finish) and freed by a
 * later call once done. */
struct lookup {
	struct gaicb cb;
	struct addrinfo hints;
	char *host;
	struct lookup *next;
};

static void
reap(struct hostcache *c)
{
	struct lookup **pp = &c->zombies;

	while (*pp != NULL) {
		struct lookup *l = *pp;

		if (gai_error(&l->cb) == EAI_INPROGRESS) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		if (gai_error(&l->cb) == 0)
			freeaddrinfo(l->cb.ar_result);
		free(l->host);
		free(l);
	}
}

size_t
hostcache_prepare(struct hostcache *c, const struct mesos_state *s,
    const char *const *extra, size_t n_extra, int timeout_ms)
{
	int64_t now = clock_ms(), deadline;
	char **hosts = NULL;
	size_t n = 0, cap = 0, started = 0, names = 0;
	struct hostport hp;
	struct lookup **reqs = NULL;
	struct gaicb **list = NULL;

	pthread_mutex_lock(&c->lock);
	reap(c);
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
	pthread_mutex_unlock(&c->lock);
	if (n == 0)
		goto out;
	reqs = calloc(n, sizeof *reqs);
	list = calloc(n, sizeof *list);
	if (reqs == NULL || list == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((reqs[i] = calloc(1, sizeof *reqs[i])) == NULL)
			break;
		reqs[i]->hints.ai_socktype = SOCK_STREAM;
		reqs[i]->host = hosts[i];
		reqs[i]->cb.ar_name = hosts[i];
		reqs[i]->cb.ar_request = &reqs[i]->hints;
		hosts[i] = NULL;	/* owned by the request now */
		list[i] = &reqs[i]->cb;
		started++;
	}
	if (getaddrinfo_a(GAI_NOWAIT, list, (int)started, NULL) != 0) {
		log_error("host look-ups could not start");
		for (size_t i = 0; i < started; i++) {
			free(reqs[i]->host);
			free(reqs[i]);
		}
		goto out;
	}
	deadline = clock_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - clock_ms();
		size_t pending = 0;
		struct timespec ts;

		for (size_t i = 0; i < started; i++)
			if (gai_error(&reqs[i]->cb) == EAI_INPROGRESS)
				pending++;
		if (pending == 0 || left <= 0)
			break;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		gai_suspend((const struct gaicb *const *)list, (int)started,
		    &ts);
	}
	pthread_mutex_lock(&c->lock);
	now = clock_ms();
	for (size_t i = 0; i < started; i++) {
		struct lookup *l = reqs[i];
		int rc = gai_error(&l->cb);

		if (rc == EAI_INPROGRESS) {
			/* Too slow: no addresses this time; it is parked. */
			gai_cancel(&l->cb);
			log_error("look-up of %s timed out after %d ms",
			    l->cb.ar_name, timeout_ms);
			l->next = c->zombies;
			c->zombies = l;
			continue;
		}
		store(c, l->cb.ar_name, rc == 0 ? l->cb.ar_result : NULL, now);
		if (rc == 0)
			freeaddrinfo(l->cb.ar_result);
		free(l->host);
		free(l);
	}
	pthread_mutex_unlock(&c->lock);
out:
	for (size_t i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
	free(reqs);
	free(list);
	return names;
}

size_t
hostcache_lookup(void *cache, const char *host, struct ipaddr *out,
    size_t max)
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
