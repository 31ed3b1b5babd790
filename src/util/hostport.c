/* hostport.c -- Go-compatible host:port splitting behind hostport.h. */
#include "util/hostport.h"

#include <stdio.h>
#include <string.h>

#include "util/ipaddr.h"

int
hostport_parse_port(const char *s, size_t len)
{
	long v = 0;
	size_t i = 0;

	if (len > 0 && s[0] == '+')
		i = 1;
	if (i == len)
		return -1;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > 65535)
			return -1;
	}
	return (int)v;
}

static int
set_host(struct hostport *out, const char *h, size_t n)
{
	if (n >= sizeof out->host || memchr(h, '\0', n) != NULL)
		return -1;
	memcpy(out->host, h, n);
	out->host[n] = '\0';
	return 0;
}

static int
split_n(const char *s, size_t len, struct hostport *out)
{
	const char *colon, *end = s + len;

	out->has_port = false;
	out->port = -1;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL || close + 1 == end || close[1] != ':')
			return -1;
		if (memchr(s + 1, '[', (size_t)(close - s - 1)) != NULL ||
		    memchr(close + 1, ']', (size_t)(end - close - 1)) != NULL)
			return -1;
		if (memchr(close + 2, ':', (size_t)(end - close - 2)) != NULL)
			return -1;
		if (set_host(out, s + 1, (size_t)(close - s - 1)) < 0)
			return -1;
		colon = close + 1;
	} else {
		colon = NULL;
		for (const char *p = s; p < end; p++)
			if (*p == ':')
				colon = p;
		if (colon == NULL)
			return -1;
		if (memchr(s, ':', (size_t)(colon - s)) != NULL ||
		    memchr(s, '[', len) != NULL || memchr(s, ']', len) != NULL)
			return -1;
		if (set_host(out, s, (size_t)(colon - s)) < 0)
			return -1;
	}
	out->has_port = true;
	out->port = hostport_parse_port(colon + 1, (size_t)(end - colon - 1));
	return 0;
}

int
hostport_split(const char *s, struct hostport *out, bool port_optional)
{
	size_t len = strlen(s);
	struct ipaddr ip;

	if (port_optional && ipaddr_parse(s, len, &ip)) {
		out->has_port = false;
		out->port = -1;
		return set_host(out, s, len);
	}
	return split_n(s, len, out);
}

int
hostport_split_loose(const char *s, size_t len, struct hostport *out)
{
	const char *colon;

	if (split_n(s, len, out) == 0)
		return 0;
	if ((colon = memchr(s, ':', len)) == NULL)
		return -1;
	if (set_host(out, s, (size_t)(colon - s)) < 0)
		return -1;
	out->has_port = true;
	out->port =
	    hostport_parse_port(colon + 1, (size_t)(s + len - colon - 1));
	return 0;
}

char *
hostport_join(char *out, size_t len, const char *host, long port)
{
	snprintf(out, len, strchr(host, ':') != NULL ? "[%s]:%ld" : "%s:%ld",
	    host, port);
	return out;
}
