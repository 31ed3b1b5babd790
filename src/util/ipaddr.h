/* ipaddr.h -- IP address literals as Go's net.ParseIP and IP.String() see
 * them (state.md §3, records.md §9).
 *
 * Task and agent addresses arrive as strings in the Mesos state; whether a
 * string is an address, whether it is A or AAAA, and the text served for it
 * must all match the original, so parsing and printing follow Go exactly.
 */
#ifndef MDNS_IPADDR_H
#define MDNS_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Room for the longest canonical text plus NUL (as INET6_ADDRSTRLEN). */
#define IPADDR_STRLEN 46

/** An address in 16-byte form; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
struct ipaddr {
	uint8_t b[16]; /**< network byte order */
};

/** Parses like Go net.ParseIP; false when s[0..len) is not an IP literal. */
bool ipaddr_parse(const char *s, size_t len, struct ipaddr *out);

/** True for IPv4 and IPv4-mapped IPv6 (an A record), false for AAAA. */
bool ipaddr_is_v4(const struct ipaddr *ip);

/** Writes the canonical text (NUL-terminated) and returns its length. */
size_t ipaddr_format(const struct ipaddr *ip, char out[IPADDR_STRLEN]);

#endif
