/* fuzz_ipaddr.c -- libFuzzer target for ipaddr_parse/ipaddr_format.
 *
 * Differential: the parser (glibc inet_pton) must agree, on acceptance
 * and on the 16 bytes, with an independent restatement of Go's
 * netip.ParseAddr rules below; the formatter must round-trip and agree
 * with inet_ntop wherever inet_ntop does not choose a dotted tail.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/ipaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Go's dotted quad: four fields of 1-3 digits, value <= 255, a field of
 * two or more digits may not start with 0. */
static bool
go_parse_v4(const uint8_t *s, size_t len, uint8_t out[4])
{
	unsigned val = 0;
	size_t i, field = 0, digits = 0;

	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (digits == 1 && val == 0)
				return false;
			val = val * 10 + (unsigned)(s[i] - '0');
			if (++digits > 3 || val > 255)
				return false;
		} else if (s[i] == '.') {
			if (digits == 0 || field == 3)
				return false;
			out[field++] = (uint8_t)val;
			val = 0;
			digits = 0;
		} else {
			return false;
		}
	}
	if (field != 3 || digits == 0)
		return false;
	out[3] = (uint8_t)val;
	return true;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Go's IPv6 text: groups of 1-4 hex digits, one optional "::" standing for
 * at least one zero group, a dotted quad allowed as the last 32 bits. */
static bool
go_parse_v6(const uint8_t *s, size_t len, uint8_t ip[16])
{
	size_t pos = 0, start, digits;
	int i = 0, ellipsis = -1, n, h;
	unsigned acc;

	memset(ip, 0, 16);
	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		ellipsis = 0;
		pos = 2;
		if (pos == len)
			return true;
	}
	while (i < 16) {
		start = pos;
		acc = 0;
		digits = 0;
		while (pos < len && (h = hexval(s[pos])) >= 0) {
			if (++digits > 4)
				return false;
			acc = acc << 4 | (unsigned)h;
			pos++;
		}
		if (digits == 0)
			return false;
		if (pos < len && s[pos] == '.') {
			if ((ellipsis < 0 && i != 12) || i + 4 > 16)
				return false;
			if (!go_parse_v4(s + start, len - start, ip + i))
				return false;
			pos = len;
			i += 4;
			break;
		}
		ip[i] = (uint8_t)(acc >> 8);
		ip[i + 1] = (uint8_t)acc;
		i += 2;
		if (pos == len)
			break;
		if (s[pos] != ':' || pos + 1 == len)
			return false;
		pos++;
		if (s[pos] == ':') {
			if (ellipsis >= 0)
				return false;
			ellipsis = i;
			if (++pos == len)
				break;
		}
	}
	if (pos != len)
		return false;
	if (i < 16) {
		if (ellipsis < 0)
			return false;
		n = 16 - i;
		memmove(ip + ellipsis + n, ip + ellipsis,
		    (size_t)(i - ellipsis));
		memset(ip + ellipsis, 0, (size_t)n);
	} else if (ellipsis >= 0) {
		return false;
	}
	return true;
}

/* netip.ParseAddr dispatches on the first '.', ':' or '%'; a zone ('%')
 * is refused by net.ParseIP in every case. */
static bool
go_parse(const uint8_t *s, size_t len, uint8_t ip[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			memcpy(ip, prefix, 12);
			return go_parse_v4(s, len, ip + 12);
		}
		if (s[i] == ':')
			return go_parse_v6(s, len, ip);
		if (s[i] == '%')
			return false;
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipaddr ip, again;
	uint8_t ref[16];
	char text[IPADDR_STRLEN], text2[IPADDR_STRLEN];
	char ntop[INET6_ADDRSTRLEN];
	bool ok, go_ok;
	size_t n;

	ok = ipaddr_parse((const char *)data, size, &ip);
	go_ok = go_parse(data, size, ref);
	assert(ok == go_ok);
	if (!ok)
		return 0;
	assert(memcmp(ip.b, ref, 16) == 0);

	n = ipaddr_format(&ip, text);
	assert(n == strlen(text) && n < IPADDR_STRLEN);
	assert(ipaddr_parse(text, n, &again));
	assert(memcmp(ip.b, again.b, 16) == 0);
	assert(ipaddr_format(&again, text2) == n);
	assert(memcmp(text, text2, n + 1) == 0);
	assert(ipaddr_is_v4(&ip) == (strchr(text, '.') != NULL));
	assert(ipaddr_is_v4(&ip) == (strchr(text, ':') == NULL));

	/* glibc agrees except where it picks an embedded dotted quad */
	if (ipaddr_is_v4(&ip)) {
		assert(inet_ntop(AF_INET, ip.b + 12, ntop, sizeof ntop));
		assert(strcmp(ntop, text) == 0);
	} else {
		assert(inet_ntop(AF_INET6, ip.b, ntop, sizeof ntop));
		assert(strchr(ntop, '.') != NULL || strcmp(ntop, text) == 0);
	}
	return 0;
}
