/* utf8lower.c -- Go's strings.ToLower: UTF-8 decoding as Go's range over a
 * string does it, and the generated simple-lowercase table. */
#include "util/utf8lower.h"

#include "util/utf8lower_table.h"

#define RUNE_ERROR 0xFFFDu

uint32_t
utf8lower_rune(uint32_t cp)
{
	size_t lo = 0,
	       hi = sizeof utf8lower_ranges / sizeof utf8lower_ranges[0];

	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct utf8lower_range *r = &utf8lower_ranges[mid];

		if (cp < r->lo)
			hi = mid;
		else if (cp > r->hi)
			lo = mid + 1;
		else if ((cp - r->lo) % r->stride == 0)
			return (uint32_t)((int32_t)cp + r->delta);
		else
			return cp;
	}
	return cp;
}

static int
is_cont(uint8_t b)
{
	return b >= 0x80 && b <= 0xBF;
}

/* Decodes the sequence at p (n >= 1 bytes left) the way Go's
 * utf8.DecodeRuneInString does: a rune and its width, or U+FFFD and width
 * 1 for anything not the shortest encoding of a scalar value. */
static uint32_t
decode(const uint8_t *p, size_t n, size_t *width)
{
	uint8_t b = p[0], min = 0x80, max = 0xBF;

	*width = 1;
	if (b >= 0xC2 && b <= 0xDF) {
		if (n >= 2 && is_cont(p[1])) {
			*width = 2;
			return (uint32_t)(b & 0x1F) << 6 | (p[1] & 0x3F);
		}
	} else if (b >= 0xE0 && b <= 0xEF) {
		if (b == 0xE0)
			min = 0xA0; /* overlong */
		else if (b == 0xED)
			max = 0x9F; /* surrogates */
		if (n >= 3 && p[1] >= min && p[1] <= max && is_cont(p[2])) {
			*width = 3;
			return (uint32_t)(b & 0x0F) << 12 |
			    (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
		}
	} else if (b >= 0xF0 && b <= 0xF4) {
		if (b == 0xF0)
			min = 0x90; /* overlong */
		else if (b == 0xF4)
			max = 0x8F; /* above U+10FFFF */
		if (n >= 4 && p[1] >= min && p[1] <= max && is_cont(p[2]) &&
		    is_cont(p[3])) {
			*width = 4;
			return (uint32_t)(b & 0x07) << 18 |
			    (uint32_t)(p[1] & 0x3F) << 12 |
			    (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
		}
	}
	return RUNE_ERROR;
}

static size_t
encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t
utf8lower(const char *s, size_t len, char *out)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, n, width;

	/* ASCII prefix (usually all of it): output and input stay aligned. */
	for (; i < len && p[i] < 0x80; i++)
		out[i] = (char)(p[i] + ((unsigned)(p[i] - 'A') < 26 ? 32 : 0));
	n = i;
	while (i < len) {
		uint8_t b = p[i];

		if (b < 0x80) {
			out[n++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
			i++;
			continue;
		}
		n += encode(utf8lower_rune(decode(p + i, len - i, &width)),
		    out + n);
		i += width;
	}
	out[n] = '\0';
	return n;
}
