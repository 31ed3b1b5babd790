/* reverse.h -- names of the in-addr.arpa. and ip6.arpa. trees and the
 * address prefixes they stand for (ReverseOn, docs/compat.md).
 *
 * A reverse name is an address prefix: "2.0.192.in-addr.arpa." is
 * 192.0.2.0/24, "8.b.d.0.1.0.0.2.ip6.arpa." is 2001:db8::/32.  Labels must
 * be canonical (decimal octets without leading zeros, single hexadecimal
 * nibbles): any other label under a reverse zone names no address.
 * Parsing runs on the DNS hot path: no allocation, bounded by the name.
 */
#ifndef MDNS_REVERSE_H
#define MDNS_REVERSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ipaddr.h"

/** An address prefix of the reverse trees. */
struct rev_prefix {
	uint8_t v6;    /**< 1: ip6.arpa., 0: in-addr.arpa. */
	uint8_t bits;  /**< 8 per octet label, 4 per nibble label */
	uint8_t b[16]; /**< address (IPv4: b[0..4)); zero past bits */
};

/** How a name relates to the reverse trees. */
enum rev_kind {
	REV_OUTSIDE, /**< not under in-addr.arpa. or ip6.arpa. */
	REV_PREFIX,  /**< an address prefix (full at 32/128 bits) */
	REV_OTHER,   /**< under a tree, a label not an octet/nibble */
};

/** Classifies a wire-form name (any case) and fills p for REV_PREFIX;
 *  for REV_OTHER, p holds the prefix of the labels next to the tree root
 *  that are valid (so the caller can tell which zone it falls in). */
enum rev_kind reverse_parse_wire(const uint8_t *name, struct rev_prefix *p);

/** The same for presentation text (trailing dot optional, any case). */
enum rev_kind
reverse_parse_text(const char *text, size_t len, struct rev_prefix *p);

/** Writes the reverse name of an address prefix (with its trailing dot)
 *  and returns its length; out needs REV_NAME_MAX bytes. */
size_t reverse_name(const struct rev_prefix *p, char *out);
#define REV_NAME_MAX 80

/** The full-length prefix (/32 or /128) of an address. */
void reverse_of_ip(const struct ipaddr *ip, struct rev_prefix *p);

/** The zone served for an address when ReverseZones is not set: its /24
 *  (IPv4) or /64 (IPv6). */
void reverse_default_zone(const struct ipaddr *ip, struct rev_prefix *z);

/** True when prefix p lies inside zone z (same tree, z no longer, equal
 *  on z's bits). */
bool reverse_covers(const struct rev_prefix *z, const struct rev_prefix *p);

/** Orders prefixes: tree, then bytes, then length (sorting, dedupe). */
int reverse_cmp(const struct rev_prefix *x, const struct rev_prefix *y);

#endif
