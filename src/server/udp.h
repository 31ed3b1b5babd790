/* udp.h -- UDP workers: one thread per usable CPU, each with its own
 * SO_REUSEPORT socket, batching with recvmmsg/sendmmsg. */
#ifndef MDNS_UDP_H
#define MDNS_UDP_H

#include <stddef.h>
#include <sys/socket.h>

struct config;

/** Binds n_workers sockets to addr and starts their threads. */
int udp_start(const struct config *cfg, const struct sockaddr_storage *addr,
    socklen_t addrlen, int n_workers, char *err, size_t errlen);

/** Stops the workers. */
void udp_stop(void);

#endif
