/* label.c -- Mesos-DNS label and domain-fragment normalisation.
 *
 * Reproduces Go's labels.RFC1123 / labels.RFC952 / labels.DomainFrag: map
 * each character, strip a leading set, cut to the maximum length, trim
 * trailing '-' and refill from what follows the cut (without re-trimming,
 * so a result may end in '-', as in the original).  Works in one pass over
 * the input with no allocation; output never exceeds 63 bytes per label.
 */
#include "records/label.h"

#include <string.h>

/*
 * Step 1 of records.md §7.1 decodes the input as UTF-8 (Go's bytes.Map) and
 * drops every code point that is not ASCII.  Working on bytes instead gives
 * the same result: bytes.Map takes a byte below 0x80 as that rune on its
 * own, and a byte at or above 0x80 either starts a valid multi-byte sequence
 * (all of whose bytes are >= 0x80, so no ASCII byte is swallowed, and the
 * rune is non-ASCII, so dropped) or is invalid and decodes as one RuneError
 * of width 1 (dropped too).  Hence: every byte >= 0x80 is dropped and every
 * byte < 0x80 is mapped by itself.  Returns the mapped character, or 0 for
 * a dropped byte (NUL itself is dropped).
 */
static char
label_map(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return (char)c;
	if (c == '-' || c == '.' || c == '_')
		return '-';
	return 0;
}

/* The set stripped from the front: "-" for RFC 1123, "-0123456789" for
 * RFC 952 (whose labels must start with a letter). */
static bool
label_strips_leading(char c, bool rfc952)
{
	return c == '-' || (rfc952 && c >= '0' && c <= '9');
}

size_t
label_normalise(const char *in, size_t len, bool rfc952, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t max = rfc952 ? LABEL_MAX_RFC952 : LABEL_MAX_RFC1123;
	size_t i = 0, n = 0, size;
	bool skipping;
	char c;

	/* t = mapped input minus its leading set; head = t[0:min(len, max)] */
	for (; i < len && n < max; i++) {
		if ((c = label_map(p[i])) == 0)
			continue;
		if (n == 0 && label_strips_leading(c, rfc952))
			continue;
		out[n++] = c;
	}
	size = n;
	while (n > 0 && out[n - 1] == '-')
		n--;

	/* Trimming shortened head: refill from t[size:] minus its leading '-',
	 * up to size bytes in all; i already points just past t[size-1]. */
	skipping = true;
	for (; n < size && i < len; i++) {
		if ((c = label_map(p[i])) == 0)
			continue;
		if (skipping && c == '-')
			continue;
		skipping = false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

size_t
label_domain_frag(const char *in, size_t len, bool rfc952, char *out)
{
	char part[LABEL_MAX_RFC1123 + 1];
	const char *dot, *end;
	size_t n = 0, plen;

	/* Each kept part is no longer than its source and is preceded by at
	 * most one '.', which the source's own separator pays for, so the
	 * result fits in len bytes. */
	out[0] = '\0';
	if (len == 0)
		return 0; /* in may be NULL: not even in + 0 */
	end = in + len;
	for (;;) {
		dot = memchr(in, '.', (size_t)(end - in));
		plen = label_normalise(in, (size_t)((dot ? dot : end) - in),
		    rfc952, part);
		if (plen > 0) {
			if (n > 0)
				out[n++] = '.';
			memcpy(out + n, part, plen);
			n += plen;
		}
		if (dot == NULL)
			break;
		in = dot + 1;
	}
	out[n] = '\0';
	return n;
}
