/* dns_server.c -- starts the UDP workers and the TCP thread. */
#include "server/dns_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fwd/cache.h"
#include "fwd/udp.h"
#include "server/tcp.h"
#include "server/udp.h"

int
dns_server_address(const char *host, long port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (port < 0 || port > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof *sin6;
		return 0;
	}
	return -1;
}

/* One UDP worker per CPU this process may run on (taskset is honoured). */
static int
usable_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > 64 ? 64 : n;
}

int
dns_server_start(const struct config *cfg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (dns_server_address(cfg->listener, (long)cfg->port, &ss, &len) < 0) {
		snprintf(err, errlen,
		    "failed to setup \"udp\" server: bad "
		    "listen address %s:%lld",
		    cfg->listener, (long long)cfg->port);
		return -1;
	}
	fwd_shared_cache = fwd_cache_new((size_t)cfg->forward_cache_size);
	if (cfg->external_on &&
	    fwd_udp_start(cfg, fwd_shared_cache, err, errlen) < 0)
		return -1;
	if (udp_start(cfg, &ss, len, usable_cpus(), err, errlen) < 0) {
		fwd_udp_stop();
		return -1;
	}
	if (tcp_start(cfg, &ss, len, err, errlen) < 0) {
		udp_stop();
		fwd_udp_stop();
		return -1;
	}
	return 0;
}

void
dns_server_stop(void)
{
	/* The forwarder answers through the workers' sockets: it stops
	 * before they are closed (workers then refuse to queue). */
	tcp_stop();
	fwd_udp_stop();
	udp_stop();
	fwd_cache_free(fwd_shared_cache);
	fwd_shared_cache = NULL;
}
