/* reverse.c -- reverse-tree names <-> address prefixes (see reverse.h). */
#include "util/reverse.h"

#include <string.h>

#define MAX_LABELS 128

static bool
label_eq(const uint8_t *l, size_t len, const char *want)
{
	if (strlen(want) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = l[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != (uint8_t)want[i])
			return false;
	}
	return true;
}

/* A canonical decimal octet ("0".."255", no leading zero); -1 if not. */
static int
octet(const uint8_t *l, size_t len)
{
	int v = 0;

	if (len == 0 || len > 3 || (len > 1 && l[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (l[i] < '0' || l[i] > '9')
			return -1;
		v = v * 10 + (l[i] - '0');
	}
	return v <= 255 ? v : -1;
}

/* One hexadecimal digit, either case; -1 if not. */
static int
nibble(const uint8_t *l, size_t len)
{
	uint8_t c = len == 1 ? l[0] : 0;

	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The labels of a name, right to left, are in lab[0..n) (lab[0] next to
 * the root). */
static enum rev_kind
classify(const uint8_t *const *lab, const size_t *lens, size_t n,
    struct rev_prefix *p)
{
	size_t i;

	memset(p, 0, sizeof *p);
	if (n < 2 || !label_eq(lab[0], lens[0], "arpa"))
		return REV_OUTSIDE;
	if (label_eq(lab[1], lens[1], "in-addr"))
		p->v6 = 0;
	else if (label_eq(lab[1], lens[1], "ip6"))
		p->v6 = 1;
	else
		return REV_OUTSIDE;
	for (i = 2; i < n; i++) {
		size_t k = i - 2;

		if (!p->v6) {
			int v = k < 4 ? octet(lab[i], lens[i]) : -1;

			if (v < 0)
				return REV_OTHER;
			p->b[k] = (uint8_t)v;
			p->bits = (uint8_t)(p->bits + 8);
		} else {
			int v = k < 32 ? nibble(lab[i], lens[i]) : -1;

			if (v < 0)
				return REV_OTHER;
			p->b[k / 2] |= (uint8_t)(k % 2 ? v : v << 4);
			p->bits = (uint8_t)(p->bits + 4);
		}
	}
	return REV_PREFIX;
}

enum rev_kind
reverse_parse_wire(const uint8_t *name, struct rev_prefix *p)
{
	const uint8_t *fwd[MAX_LABELS], *lab[MAX_LABELS];
	size_t flen[MAX_LABELS], lens[MAX_LABELS], n = 0;

	for (const uint8_t *l = name; *l != 0; l += *l + 1) {
		if (n == MAX_LABELS)
			return REV_OUTSIDE;
		fwd[n] = l + 1;
		flen[n++] = *l;
	}
	for (size_t i = 0; i < n; i++) {
		lab[i] = fwd[n - 1 - i];
		lens[i] = flen[n - 1 - i];
	}
	return classify(lab, lens, n, p);
}

enum rev_kind
reverse_parse_text(const char *text, size_t len, struct rev_prefix *p)
{
	const uint8_t *lab[MAX_LABELS], *t = (const uint8_t *)text;
	size_t lens[MAX_LABELS], n = 0, end;

	if (len > 0 && text[len - 1] == '.')
		len--;
	end = len;
	/* Right to left; an empty label is not part of any reverse name. */
	while (end > 0) {
		size_t start = end;

		while (start > 0 && t[start - 1] != '.')
			start--;
		if (n == MAX_LABELS || start == end)
			return REV_OUTSIDE;
		lab[n] = t + start;
		lens[n++] = end - start;
		if (start == 0)
			break;
		end = start - 1;
		if (end == 0)
			return REV_OUTSIDE;
	}
	return classify(lab, lens, n, p);
}

size_t
reverse_name(const struct rev_prefix *p, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!p->v6) {
		for (int k = p->bits / 8 - 1; k >= 0; k--) {
			unsigned v = p->b[k];

			if (v >= 100)
				out[n++] = (char)('0' + v / 100);
			if (v >= 10)
				out[n++] = (char)('0' + v / 10 % 10);
			out[n++] = (char)('0' + v % 10);
			out[n++] = '.';
		}
		memcpy(out + n, "in-addr.arpa.", 14);
		return n + 13;
	}
	for (int k = p->bits / 4 - 1; k >= 0; k--) {
		out[n++] = hex[k % 2 ? p->b[k / 2] & 0xf : p->b[k / 2] >> 4];
		out[n++] = '.';
	}
	memcpy(out + n, "ip6.arpa.", 10);
	return n + 9;
}

void
reverse_of_ip(const struct ipaddr *ip, struct rev_prefix *p)
{
	memset(p, 0, sizeof *p);
	if (ipaddr_is_v4(ip)) {
		memcpy(p->b, ip->b + 12, 4);
		p->bits = 32;
	} else {
		memcpy(p->b, ip->b, 16);
		p->v6 = 1;
		p->bits = 128;
	}
}

void
reverse_default_zone(const struct ipaddr *ip, struct rev_prefix *z)
{
	reverse_of_ip(ip, z);
	if (!z->v6) {
		z->b[3] = 0;
		z->bits = 24;
	} else {
		memset(z->b + 8, 0, 8);
		z->bits = 64;
	}
}

bool
reverse_covers(const struct rev_prefix *z, const struct rev_prefix *p)
{
	unsigned full = z->bits / 8, rest = z->bits % 8;

	if (z->v6 != p->v6 || z->bits > p->bits)
		return false;
	if (memcmp(z->b, p->b, full) != 0)
		return false;
	return rest == 0 ||
	    (z->b[full] >> (8 - rest)) == (p->b[full] >> (8 - rest));
}

int
reverse_cmp(const struct rev_prefix *x, const struct rev_prefix *y)
{
	int c;

	if (x->v6 != y->v6)
		return x->v6 < y->v6 ? -1 : 1;
	if ((c = memcmp(x->b, y->b, sizeof x->b)) != 0)
		return c;
	return x->bits < y->bits ? -1 : x->bits > y->bits;
}
