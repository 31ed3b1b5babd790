/* dns_server.h -- the DNS listeners: UDP workers and a TCP thread on
 * Listener:Port, answering from the current snapshot (dns.md §1). */
#ifndef MDNS_DNS_SERVER_H
#define MDNS_DNS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct config;

/** Binds UDP and TCP and starts the threads; -1 with err on failure (the
 *  daemon then exits 1, as the original does). */
int dns_server_start(const struct config *cfg, char *err, size_t errlen);

/** Stops every thread and closes the sockets. */
void dns_server_stop(void);

/** Resolves Listener:Port into a socket address; -1 if not an IP. */
int dns_server_address(const char *host, long port, struct sockaddr_storage *ss,
    socklen_t *len);

#endif
