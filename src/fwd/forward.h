/* forward.h -- names outside the domain: forwarded to the upstream
 * resolvers (dns.md §6), or refused when forwarding is off. */
#ifndef MDNS_FORWARD_H
#define MDNS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/answer.h"

struct config;

/** Handles a query for a name outside the domain (parsed in a->query).
 *  Returns HANDLE_REPLY with a reply in out when it can answer at once. */
enum handle_result forward_query(struct answer_ctx *a,
    const struct config *cfg, const uint8_t *pkt, size_t len, bool tcp,
    const struct sockaddr_storage *peer, socklen_t peerlen, int fd,
    uint8_t *out, size_t cap, size_t *outlen);

#endif
