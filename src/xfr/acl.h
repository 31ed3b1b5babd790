/* acl.h -- who may transfer the zone: a list of CIDR prefixes
 * (ZoneTransferAllow), IPv4 and IPv6, matched against a peer address. */
#ifndef MDNS_XFR_ACL_H
#define MDNS_XFR_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "util/ipaddr.h"

/** One prefix; IPv4 ones are kept IPv4-mapped with 96 more bits. */
struct acl_entry {
	struct ipaddr net;
	unsigned bits;
};

/** Parses "a.b.c.d/n", "v6/n", or a bare address (a host); false when
 *  the text is neither. */
bool acl_parse(const char *text, struct acl_entry *out);

/** True when peer falls in one of the n prefixes. */
bool acl_match(const struct acl_entry *acl, size_t n,
    const struct sockaddr_storage *peer);

/** The peer as an ipaddr (IPv4 mapped); false for other families. */
bool acl_peer_addr(const struct sockaddr_storage *peer, struct ipaddr *out);

#endif
