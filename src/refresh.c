/* refresh.c -- the reload thread behind refresh.h. */
#include "refresh.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "master/masters.h"
#include "records/builder.h"
#include "records/gen.h"
#include "records/snapshot.h"
#include "state/resolve.h"
#include "util/clock.h"

#define RESOLVE_TIMEOUT_MS 5000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool triggered, stopping, loaded;
static pthread_t thread;
static const struct config *cfg;
static struct fetch_opts opts;
static struct hostcache *hosts;
static struct refresh_stats stats;
static uint64_t last_inputs;	/* digest of what the published records came from */

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

static bool
reload(void)
{
	struct masters_list m;
	struct mesos_state *state;
	struct snapshot *snap;
	struct builder *b;
	uint32_t n_tasks;
	size_t n_hostnames;
	uint64_t inputs;
	struct gen_input in = { 0 };
	struct ipaddr ifs[64];
	char err[1024];
	int64_t t0 = clock_us(), t1, t2, t3;

	masters_get(&m);
	state = masters_fetch_state(&opts, &m, err, sizeof err);
	t1 = clock_us();
	if (state == NULL) {
		log_error("Warning: Error generating records: %s; keeping old "
		    "DNS state", err);
		masters_list_free(&m);
		return false;
	}
	for (uint32_t i = 0; i < state->n_reasons; i++)
		log_error("state: skipped malformed entry: %s",
		    state->reasons[i]);
	if (state->n_skipped > state->n_reasons)
		log_error("state: %u more malformed entries skipped",
		    state->n_skipped - state->n_reasons);
	n_hostnames = hostcache_prepare(hosts, state,
	    (const char *const *)m.v, m.n, RESOLVE_TIMEOUT_MS);
	t2 = clock_us();
	if (strcmp(cfg->listener, "0.0.0.0") == 0) {
		in.if_addrs = ifs;
		in.n_if_addrs = interface_addrs(ifs, 64);
	}
	/* The same body, masters and interfaces, and no host names whose
	 * look-ups could have changed: the records would come out equal, so
	 * the published ones stay and only the serial moves, as it would. */
	inputs = inputs_digest(state->body_hash, &m, ifs, in.n_if_addrs);
	if (n_hostnames == 0 && inputs == last_inputs && refresh_loaded()) {
		snapshot_read_lock();
		snap = snapshot_current();
		atomic_store(&snap->serial, (uint32_t)time(NULL));
		snapshot_read_unlock();
		masters_list_free(&m);
		mesos_state_free(state);
		log_verbose("refresh: state unchanged (%lld ms); records kept",
		    (long long)(clock_us() - t0) / 1000);
		return true;
	}
	in.cfg = cfg;
	in.state = state;
	in.masters = (const char *const *)m.v;
	in.n_masters = m.n;
	in.resolve = hostcache_lookup;
	in.resolve_ctx = hosts;
	in.adopt_names = &state->names;
	b = gen_records(&in, err, sizeof err);
	masters_list_free(&m);
	n_tasks = state->n_tasks;
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
	atomic_store(&snap->serial, (uint32_t)time(NULL));
	snapshot_publish(snap);
	last_inputs = n_hostnames == 0 ? inputs : 0;
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
	log_verbose("refresh: %u tasks, %u names, %u records; fetch+parse "
	    "%lld ms, resolve %lld ms, build %lld ms, publish %lld ms",
	    stats.tasks, stats.names, stats.records,
	    (long long)stats.fetch_parse_us / 1000,
	    (long long)stats.resolve_us / 1000,
	    (long long)stats.build_us / 1000,
	    (long long)stats.publish_us / 1000);
	pthread_mutex_unlock(&lock);
	return true;
}

static void *
refresh_main(void *arg)
{
	int64_t period = cfg->refresh_seconds * 1000;
	int64_t next = clock_ms() + period;
	int64_t retry = 1000;

	(void)arg;
	for (;;) {
		bool ok = reload();
		int64_t due;

		pthread_mutex_lock(&lock);
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
		while (!triggered && !stopping && clock_ms() < due) {
			struct timespec ts;
			int64_t left = due - clock_ms();

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += left / 1000;
			ts.tv_nsec += (left % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&wake, &lock, &ts);
		}
		triggered = false;
		if (stopping) {
			pthread_mutex_unlock(&lock);
			break;
		}
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
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
}
