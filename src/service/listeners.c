/* listeners.c -- starting and moving the DNS and HTTP servers (listeners.h).
 *
 * The DNS server (UDP workers, TCP thread, forwarder) is one unit keyed by
 * Listener, Port and DnsOn; the HTTP API by HTTPListener, HttpPort and
 * HttpOn.  A move stops the old server before the new one binds, since
 * the new address may overlap the old one (0.0.0.0 and 127.0.0.1 on one
 * port): queries to the old address end there, as they would have.
 */
#include "service/listeners.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfglive.h"
#include "config.h"
#include "http/api.h"
#include "log.h"
#include "server/dns_server.h"

/* The configurations the running servers were started with (held), NULL
 * for none yet.  Written by the main thread under lock; listeners_check
 * reads them from the reload thread. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct config *dns_cfg, *http_cfg;
static bool dns_running, http_running;
static uint64_t seen_generation;

static bool
dns_moved(const struct config *a, const struct config *b)
{
	return a->dns_on != b->dns_on || a->port != b->port ||
	    strcmp(a->listener, b->listener) != 0;
}

static bool
http_moved(const struct config *a, const struct config *b)
{
	return a->http_on != b->http_on || a->http_port != b->http_port ||
	    strcmp(a->http_listener, b->http_listener) != 0;
}

static int
dns_open(const struct config *c, char *err, size_t errlen)
{
	if (c->dns_on && dns_server_start(c, err, errlen) < 0)
		return -1;
	dns_running = c->dns_on;
	return 0;
}

static int
http_open(const struct config *c, char *err, size_t errlen)
{
	if (c->http_on && http_api_start(c, err, errlen) < 0)
		return -1;
	http_running = c->http_on;
	return 0;
}

int
listeners_start_http(const struct config *cfg, char *err, size_t errlen)
{
	pthread_mutex_lock(&lock);
	http_cfg = cfglive_hold(cfg);
	pthread_mutex_unlock(&lock);
	return http_open(cfg, err, errlen);
}

int
listeners_start_dns(const struct config *cfg, char *err, size_t errlen)
{
	pthread_mutex_lock(&lock);
	dns_cfg = cfglive_hold(cfg);
	pthread_mutex_unlock(&lock);
	return dns_open(cfg, err, errlen);
}

/* Moves one server from *held to now, or back when now cannot be had. */
static void
move(const struct config **held, const struct config *now, bool is_dns)
{
	const struct config *old = *held;
	const char *what = is_dns ? "DNS" : "HTTP";
	char err[1024];
	int rc;

	if (is_dns) {
		if (dns_running)
			dns_server_stop();
		dns_running = false;
		rc = dns_open(now, err, sizeof err);
	} else {
		if (http_running)
			http_api_stop();
		http_running = false;
		rc = http_open(now, err, sizeof err);
	}
	if (rc == 0) {
		pthread_mutex_lock(&lock);
		*held = cfglive_hold(now);
		pthread_mutex_unlock(&lock);
		log_info("reload: %s now on %s:%lld (%s)", what,
		    is_dns ? now->listener : now->http_listener,
		    (long long)(is_dns ? now->port : now->http_port),
		    (is_dns ? now->dns_on : now->http_on) ? "on" : "off");
		cfglive_release(old);
		return;
	}
	log_error("reload: %s; %s stays on %s:%lld", err, what,
	    is_dns ? old->listener : old->http_listener,
	    (long long)(is_dns ? old->port : old->http_port));
	rc = is_dns ? dns_open(old, err, sizeof err) :
		      http_open(old, err, sizeof err);
	if (rc < 0)
		log_error("reload: %s; %s is off until a restart", err, what);
}

void
listeners_follow(void)
{
	const struct config *now;

	if (cfglive_generation() == seen_generation ||
	    (now = cfglive_acquire()) == NULL)
		return;
	seen_generation = now->generation;
	/* A server not started yet starts where the configuration in force
	 * says when its time comes. */
	if (dns_cfg != NULL && dns_moved(dns_cfg, now))
		move(&dns_cfg, now, true);
	if (http_cfg != NULL && http_moved(http_cfg, now))
		move(&http_cfg, now, false);
	cfglive_release(now);
}

/* Whether addr:port can be bound for type now (nothing else holds it). */
static int
bindable(const char *host, int64_t port, int type, const char *what, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, rc = 0;

	if (dns_server_address(host, (long)port, &ss, &len) < 0) {
		snprintf(err, errlen, "%s listen address %s:%lld is not an IP",
		    what, host, (long long)port);
		return -1;
	}
	if ((fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0)) < 0)
		return 0; /* cannot tell: the move itself will say */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)&ss, len) < 0) {
		snprintf(err, errlen, "%s cannot listen on %s:%lld: %s", what,
		    host, (long long)port, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

int
listeners_check(const struct config *next, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&lock);
	/* Same port: the old sockets may overlap the new address and are
	 * closed first, so only a new port is tried beforehand. */
	if (dns_cfg != NULL && next->dns_on && dns_moved(dns_cfg, next) &&
	    next->port != dns_cfg->port)
		rc = bindable(next->listener, next->port, SOCK_DGRAM, "DNS",
			 err, errlen) < 0 ||
			bindable(next->listener, next->port, SOCK_STREAM, "DNS",
			    err, errlen) < 0 ?
		    -1 :
		    0;
	if (rc == 0 && http_cfg != NULL && next->http_on &&
	    http_moved(http_cfg, next) &&
	    next->http_port != http_cfg->http_port)
		rc = bindable(next->http_listener, next->http_port, SOCK_STREAM,
		    "HTTP", err, errlen);
	pthread_mutex_unlock(&lock);
	return rc;
}

void
listeners_stop(void)
{
	if (http_running)
		http_api_stop();
	if (dns_running)
		dns_server_stop();
	http_running = dns_running = false;
	pthread_mutex_lock(&lock);
	cfglive_release(dns_cfg);
	cfglive_release(http_cfg);
	dns_cfg = http_cfg = NULL;
	pthread_mutex_unlock(&lock);
}
