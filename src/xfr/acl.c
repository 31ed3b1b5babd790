/* acl.c -- CIDR prefixes and matching. */
#include "xfr/acl.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

bool
acl_parse(const char *text, struct acl_entry *out)
{
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max, bits;
	bool v4;

	if (!ipaddr_parse(text, alen, &out->net))
		return false;
	/* "::ffff:a.b.c.d" is written as IPv6 and keeps its 128 bits. */
	v4 = ipaddr_is_v4(&out->net) && memchr(text, ':', alen) == NULL;
	max = v4 ? 32 : 128;
	if (slash == NULL) {
		bits = max;
	} else {
		char *end;
		unsigned long b;

		if (slash[1] < '0' || slash[1] > '9')
			return false;
		b = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || b > max)
			return false;
		bits = (unsigned)b;
	}
	out->bits = v4 ? bits + 96 : bits;
	/* Host bits are ignored, as in "10.0.0.1/8". */
	for (unsigned i = out->bits; i < 128; i++)
		out->net.b[i / 8] &= (uint8_t) ~(0x80U >> (i % 8));
	return true;
}

bool
acl_peer_addr(const struct sockaddr_storage *peer, struct ipaddr *out)
{
	if (peer->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)peer;

		memset(out->b, 0, 10);
		out->b[10] = out->b[11] = 0xff;
		memcpy(out->b + 12, &s->sin_addr, 4);
		return true;
	}
	if (peer->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s =
		    (const struct sockaddr_in6 *)peer;

		memcpy(out->b, &s->sin6_addr, 16);
		return true;
	}
	return false;
}

bool
acl_match(const struct acl_entry *acl, size_t n,
    const struct sockaddr_storage *peer)
{
	struct ipaddr a;

	if (!acl_peer_addr(peer, &a))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned full = acl[i].bits / 8, rest = acl[i].bits % 8;

		if (memcmp(a.b, acl[i].net.b, full) != 0)
			continue;
		if (rest != 0 &&
		    ((a.b[full] ^ acl[i].net.b[full]) &
			(uint8_t)(0xff00U >> rest)) != 0)
			continue;
		return true;
	}
	return false;
}
