/* udp.h -- the UDP forwarder thread: one forwarding engine (fwd/engine.h)
 * for every UDP worker, fed through a bounded queue, answering each
 * client through the worker's socket.
 */
#ifndef MDNS_FWD_UDP_H
#define MDNS_FWD_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/msg.h"

struct config;
struct fwd_cache;

/** Starts the UDP forwarder thread (cache may be NULL). */
int fwd_udp_start(const struct config *cfg, struct fwd_cache *cache, char *err,
    size_t errlen);

/** Stops it. */
void fwd_udp_stop(void);

/** Hands a UDP query over to the forwarder thread, which answers the peer
 *  through fd; false (then answer SERVFAIL) when its queue is full. */
bool fwd_udp_enqueue(const struct dns_query *q, int route, const uint8_t *pkt,
    size_t len, int fd, const struct sockaddr_storage *peer, socklen_t peerlen);

#endif
