/* tcp.h -- DNS over TCP: length-prefixed queries, several per connection,
 * answered in order, with bounded connections and idle timeouts. */
#ifndef MDNS_TCP_H
#define MDNS_TCP_H

#include <stddef.h>
#include <sys/socket.h>

struct config;

/** Listens on addr and starts the TCP thread. */
int tcp_start(const struct config *cfg, const struct sockaddr_storage *addr,
    socklen_t addrlen, char *err, size_t errlen);

/** Stops the thread and closes every connection. */
void tcp_stop(void);

#endif
