/* dns_server.h -- the authoritative DNS server: UDP and TCP on
 * Listener:Port, answering from the current snapshot. */
#ifndef MDNS_DNS_SERVER_H
#define MDNS_DNS_SERVER_H

#include <stddef.h>

struct config;

/** Binds and starts the worker threads; -1 with err on failure. */
int dns_server_start(const struct config *cfg, char *err, size_t errlen);

/** Stops the workers and closes the sockets. */
void dns_server_stop(void);

#endif
