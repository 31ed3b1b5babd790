/* hostport.h -- "host:port" splitting with Go net.SplitHostPort rules, used
 * for masters, resolvers and the pids in a master's state. */
#ifndef MDNS_HOSTPORT_H
#define MDNS_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>

/** A split address; host is unbracketed and NUL-terminated. */
struct hostport {
	char host[256];
	int port; /**< 0..65535, or -1 when the text is not a number */
	bool has_port;
};

/** Splits s like Go's net.SplitHostPort ("[v6]:p", "h:p"); with
 *  port_optional an IP literal without port is accepted too. -1 when the
 *  text cannot be split. */
int hostport_split(const char *s, struct hostport *out, bool port_optional);

/** Like hostport_split on s[0..len), falling back to a split at the first
 *  ':' as the original does for leader addresses. */
int hostport_split_loose(const char *s, size_t len, struct hostport *out);

/** Parses a decimal port like Go's strconv.Atoi restricted to 0..65535;
 *  -1 otherwise. */
int hostport_parse_port(const char *s, size_t len);

/** Writes "host:port", or "[host]:port" when host has a ':' (an IPv6
 *  literal), as Go's net.JoinHostPort; returns out. */
char *hostport_join(char *out, size_t len, const char *host, long port);

#endif
