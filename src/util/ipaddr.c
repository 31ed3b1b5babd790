/* ipaddr.c -- Go-compatible IP literal parsing and canonical text.
 *
 * Parsing uses glibc's inet_pton, whose acceptance equals Go's
 * net.ParseIP (netip.ParseAddr without zones): strict dotted quad with no
 * leading zeros, no octal/hex/short forms; RFC 4291 IPv6 with 1-4 hex
 * digits per group, an IPv4 tail only in the last 32 bits, and a "::" that
 * stands for at least one group.  test_ipaddr.c pins each of these cases.
 *
 * Printing is by hand: glibc's inet_ntop writes ::a.b.c.d for IPv4-
 * compatible addresses (e.g. "::1.2.3.4"), where Go writes hex ("::102:304").
 */
#include "util/ipaddr.h"

#include <arpa/inet.h>
#include <string.h>

/* Longest literal Go accepts: six 4-digit groups, six colons and a
 * 15-character dotted quad ("0000:0000:0000:0000:0000:0000:255.255.255.255").
 * Anything longer is rejected before copying. */
#define IPADDR_MAX_TEXT 45

static const uint8_t ipaddr_v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff };

bool
ipaddr_parse(const char *s, size_t len, struct ipaddr *out)
{
	char text[IPADDR_MAX_TEXT + 1];
	uint8_t v4[4];

	/* inet_pton wants a C string: an embedded NUL would make it accept
	 * a prefix of the input, so such input is refused here. */
	if (len == 0 || len > IPADDR_MAX_TEXT || memchr(s, '\0', len) != NULL)
		return false;
	memcpy(text, s, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, v4) == 1) {
		memcpy(out->b, ipaddr_v4_prefix, sizeof ipaddr_v4_prefix);
		memcpy(out->b + 12, v4, sizeof v4);
		return true;
	}
	return inet_pton(AF_INET6, text, out->b) == 1;
}

bool
ipaddr_is_v4(const struct ipaddr *ip)
{
	return memcmp(ip->b, ipaddr_v4_prefix, sizeof ipaddr_v4_prefix) == 0;
}

/* Appends the decimal form of v (0-255) at out[n]; returns the new n. */
static size_t
ipaddr_put_dec(char *out, size_t n, unsigned v)
{
	if (v >= 100)
		out[n++] = (char)('0' + v / 100);
	if (v >= 10)
		out[n++] = (char)('0' + v / 10 % 10);
	out[n++] = (char)('0' + v % 10);
	return n;
}

/* Appends the lowercase hex form of v without leading zeros. */
static size_t
ipaddr_put_hex(char *out, size_t n, unsigned v)
{
	static const char digits[] = "0123456789abcdef";
	int shift;

	for (shift = 12; shift > 0 && (v >> shift) == 0; shift -= 4)
		;
	for (; shift >= 0; shift -= 4)
		out[n++] = digits[(v >> shift) & 0xf];
	return n;
}

size_t
ipaddr_format(const struct ipaddr *ip, char out[IPADDR_STRLEN])
{
	unsigned group[8];
	int i, j, zero_at = -1, zero_len = 0;
	size_t n = 0;

	if (ipaddr_is_v4(ip)) {
		for (i = 12; i < 16; i++) {
			if (i > 12)
				out[n++] = '.';
			n = ipaddr_put_dec(out, n, ip->b[i]);
		}
		out[n] = '\0';
		return n;
	}

	/* RFC 5952: the longest run of two or more zero groups becomes "::",
	 * the leftmost one on a tie; a lone zero group stays "0". */
	for (i = 0; i < 8; i++)
		group[i] = (unsigned)ip->b[2 * i] << 8 | ip->b[2 * i + 1];
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && group[j] == 0; j++)
			;
		if (j - i >= 2 && j - i > zero_len) {
			zero_at = i;
			zero_len = j - i;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == zero_at) {
			out[n++] = ':';
			out[n++] = ':';
			i += zero_len - 1;
			continue;
		}
		if (i > 0 && i != zero_at + zero_len)
			out[n++] = ':';
		n = ipaddr_put_hex(out, n, group[i]);
	}
	out[n] = '\0';
	return n;
}
