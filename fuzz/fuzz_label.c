/* fuzz_label.c -- libFuzzer target for label_normalise/label_domain_frag
 * and utf8lower (Go's strings.ToLower, used for the agent-id part of names).
 *
 * Checks the output alphabet and length limits, and compares the one-pass
 * implementation with a literal transcription of records.md §7.1 (map the
 * whole input, strip, cut, trim, refill) that allocates freely.  For
 * utf8lower: the output fits UTF8LOWER_MAX, is valid UTF-8 (as Go's
 * utf8.ValidString sees it), lowering it again changes nothing, and ASCII
 * input is lowered byte for byte.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records/label.h"
#include "util/utf8lower.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* records.md §7.1 step by step on a fully mapped copy; returns the length
 * written to out (which must hold 64 bytes). */
static size_t
reference_label(const uint8_t *in, size_t len, bool rfc952, char *out)
{
	size_t max = rfc952 ? 24 : 63, m = 0, t0, tlen, size, head, r0, take;
	char *mapped = malloc(len + 1);
	uint8_t c;
	size_t i;

	assert(mapped != NULL);
	/* step 1: every byte >= 0x80 is dropped (see label.c) */
	for (i = 0; i < len; i++) {
		c = in[i];
		if (c >= 'A' && c <= 'Z')
			mapped[m++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			mapped[m++] = (char)c;
		else if (c == '-' || c == '.' || c == '_')
			mapped[m++] = '-';
	}
	/* step 2 */
	for (t0 = 0; t0 < m &&
	     (mapped[t0] == '-' ||
		 (rfc952 && mapped[t0] >= '0' && mapped[t0] <= '9'));
	     t0++)
		;
	tlen = m - t0;
	/* step 3 */
	size = tlen < max ? tlen : max;
	for (head = size; head > 0 && mapped[t0 + head - 1] == '-'; head--)
		;
	memcpy(out, mapped + t0, head);
	/* steps 4, 5 */
	if (head < size) {
		for (r0 = t0 + size; r0 < m && mapped[r0] == '-'; r0++)
			;
		take = m - r0 < size - head ? m - r0 : size - head;
		memcpy(out + head, mapped + r0, take);
		head += take;
	}
	out[head] = '\0';
	free(mapped);
	return head;
}

static void
check_label(const char *s, size_t n, bool rfc952)
{
	size_t i;

	assert(n == strlen(s));
	assert(n <=
	    (rfc952 ? (size_t)LABEL_MAX_RFC952 : (size_t)LABEL_MAX_RFC1123));
	for (i = 0; i < n; i++)
		assert((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-');
	if (n > 0) {
		assert(s[0] != '-');
		assert(!rfc952 || (s[0] >= 'a' && s[0] <= 'z'));
	}
}

static void
fuzz_variant(const uint8_t *data, size_t size, bool rfc952)
{
	char out[LABEL_MAX_RFC1123 + 1], ref[LABEL_MAX_RFC1123 + 1];
	char again[LABEL_MAX_RFC1123 + 1];
	char *frag, *p, *dot;
	size_t n, fn;

	n = label_normalise((const char *)data, size, rfc952, out);
	check_label(out, n, rfc952);
	assert(reference_label(data, size, rfc952, ref) == n);
	assert(memcmp(out, ref, n + 1) == 0);
	/* a label that does not end in '-' (the refill quirk) is a fixed
	 * point */
	if (n == 0 || out[n - 1] != '-') {
		assert(label_normalise(out, n, rfc952, again) == n);
		assert(memcmp(out, again, n + 1) == 0);
	}

	/* exactly len+1 bytes so that ASan sees any write past the bound */
	frag = malloc(size + 1);
	assert(frag != NULL);
	fn = label_domain_frag((const char *)data, size, rfc952, frag);
	assert(fn <= size && fn == strlen(frag));
	for (p = frag; fn > 0; p = dot + 1) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		assert(n > 0); /* no empty parts */
		memcpy(out, p, n);
		out[n] = '\0';
		check_label(out, n, rfc952);
		if (dot == NULL)
			break;
	}
	free(frag);
}

/* Length of the valid UTF-8 sequence at p (shortest form, no surrogates,
 * at most U+10FFFF), 0 if there is none; written from RFC 3629 §4. */
static size_t
utf8_valid_len(const uint8_t *p, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xE0) == 0xC0)
		len = 2, cp = p[0] & 0x1F;
	else if ((p[0] & 0xF0) == 0xE0)
		len = 3, cp = p[0] & 0x0F;
	else if ((p[0] & 0xF8) == 0xF0)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

static void
fuzz_lower(const uint8_t *data, size_t size)
{
	/* exactly the documented room so that ASan sees any overrun */
	char *out = malloc(UTF8LOWER_MAX(size) + 1), *again;
	size_t n, m, i, k;
	bool ascii = true;

	assert(out != NULL);
	n = utf8lower((const char *)data, size, out);
	assert(n <= UTF8LOWER_MAX(size) && out[n] == '\0');
	for (i = 0; i < n; i += k) {
		k = utf8_valid_len((const uint8_t *)out + i, n - i);
		assert(k > 0);
		assert(!(out[i] >= 'A' && out[i] <= 'Z'));
	}
	again = malloc(UTF8LOWER_MAX(n) + 1);
	assert(again != NULL);
	m = utf8lower(out, n, again);
	assert(m == n && memcmp(out, again, n) == 0);
	for (i = 0; i < size; i++)
		ascii = ascii && data[i] < 0x80;
	if (ascii) {
		assert(n == size);
		for (i = 0; i < size; i++)
			assert((uint8_t)out[i] ==
			    (data[i] >= 'A' && data[i] <= 'Z' ? data[i] + 32 :
								data[i]));
	}
	free(again);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_variant(data, size, false);
	fuzz_variant(data, size, true);
	fuzz_lower(data, size);
	return 0;
}
