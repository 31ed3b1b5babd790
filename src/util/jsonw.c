/* jsonw.c -- JSON text in the exact layout of Go's json.MarshalIndent with
 * prefix " " and indent " ", and strings escaped like encoding/json.
 *
 * Layout: a member or element starts on a new line of one space (prefix)
 * plus one space per open container; a non-empty container closes on a
 * line of its own one level out; an empty one is "{}" or "[]"; the first
 * line has no prefix and there is no final newline.  Written by hand
 * because yajl's generator has no line prefix and does not escape as Go
 * does (\u003c for '<', \u2028, \ufffd for each invalid UTF-8 byte).
 */
#include "util/jsonw.h"

#include <inttypes.h>
#include <string.h>

static const char jsonw_hex[] = "0123456789abcdef";

void
jsonw_init(struct jsonw *w, struct buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
}

/* "\n", the prefix, then one indent per level. */
static void
jsonw_newline(struct jsonw *w, int level)
{
	int i;

	buf_putc(w->out, '\n');
	buf_putc(w->out, ' ');
	for (i = 0; i < level; i++)
		buf_putc(w->out, ' ');
}

/* Everything a value or key needs before it: nothing after a key or at
 * the top level, else ",", if a sibling came first, and a new line. */
static void
jsonw_separate(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->empty[w->depth])
		buf_putc(w->out, ',');
	w->empty[w->depth] = false;
	jsonw_newline(w, w->depth);
}

static void
jsonw_open(struct jsonw *w, char c)
{
	jsonw_separate(w);
	buf_putc(w->out, c);
	if (w->depth >= JSONW_MAX_DEPTH) {
		w->out->failed = true;
		return;
	}
	w->depth++;
	w->empty[w->depth] = true;
}

static void
jsonw_close(struct jsonw *w, char c)
{
	if (w->depth <= 0) {
		w->out->failed = true;
		return;
	}
	if (!w->empty[w->depth])
		jsonw_newline(w, w->depth - 1);
	buf_putc(w->out, c);
	w->depth--;
}

void
jsonw_object_begin(struct jsonw *w)
{
	jsonw_open(w, '{');
}

void
jsonw_object_end(struct jsonw *w)
{
	jsonw_close(w, '}');
}

void
jsonw_array_begin(struct jsonw *w)
{
	jsonw_open(w, '[');
}

void
jsonw_array_end(struct jsonw *w)
{
	jsonw_close(w, ']');
}

/*
 * Length of the valid UTF-8 sequence at p[0..len) (2-4), or 0 when p[0]
 * does not start one.  Go's utf8.DecodeRune rules: no overlong forms, no
 * surrogates (U+D800-DFFF), nothing above U+10FFFF, no truncated sequence.
 * The second byte's allowed range depends on the first byte; the others
 * are plain continuation bytes 0x80-0xbf.
 */
static size_t
jsonw_utf8_len(const unsigned char *p, size_t len)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* below: overlong */
	else if (c == 0xed)
		hi = 0x9f; /* above: surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* below: overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above: beyond U+10FFFF */
	if (len < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Writes s[0..len) as a quoted string.  Runs of bytes that need no escape
 * are copied in one call. */
static void
jsonw_quote(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, n;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	unsigned char c;

	buf_putc(out, '"');
	if (len == 0) {
		/* s may be NULL then; not even s + 0 is computed */
		buf_putc(out, '"');
		return;
	}
	while (i < len) {
		c = p[i];
		if (c >= 0x80) {
			n = jsonw_utf8_len(p + i, len - i);
			if (n == 3 && c == 0xe2 && p[i + 1] == 0x80 &&
			    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
				/* U+2028, U+2029: line breaks to JavaScript */
				buf_put(out, s + start, i - start);
				buf_puts(out,
				    p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			} else if (n == 0) {
				buf_put(out, s + start, i - start);
				buf_puts(out, "\\ufffd");
				n = 1;
			} else {
				i += n;
				continue;
			}
			i += n;
			start = i;
			continue;
		}
		/* Go's htmlSafeSet: printable ASCII except " \ < > & (0x7f is
		 * written raw) */
		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' &&
		    c != '>' && c != '&') {
			i++;
			continue;
		}
		buf_put(out, s + start, i - start);
		switch (c) {
		case '"':
			buf_puts(out, "\\\"");
			break;
		case '\\':
			buf_puts(out, "\\\\");
			break;
		case '\n':
			buf_puts(out, "\\n");
			break;
		case '\r':
			buf_puts(out, "\\r");
			break;
		case '\t':
			buf_puts(out, "\\t");
			break;
		default:
			/* other controls (\b and \f too) and < > & */
			esc[4] = jsonw_hex[c >> 4];
			esc[5] = jsonw_hex[c & 0xf];
			buf_put(out, esc, sizeof esc);
			break;
		}
		i++;
		start = i;
	}
	buf_put(out, s + start, i - start);
	buf_putc(out, '"');
}

void
jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_separate(w);
	jsonw_quote(w->out, key, strlen(key));
	buf_put(w->out, ": ", 2);
	w->after_key = true;
}

void
jsonw_string(struct jsonw *w, const char *s, size_t len)
{
	jsonw_separate(w);
	jsonw_quote(w->out, s, len);
}

void
jsonw_cstr(struct jsonw *w, const char *s)
{
	jsonw_string(w, s, strlen(s));
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
	jsonw_separate(w);
	buf_printf(w->out, "%" PRId64, v);
}

void
jsonw_uint(struct jsonw *w, uint64_t v)
{
	jsonw_separate(w);
	buf_printf(w->out, "%" PRIu64, v);
}

void
jsonw_bool(struct jsonw *w, bool v)
{
	jsonw_separate(w);
	buf_puts(w->out, v ? "true" : "false");
}

void
jsonw_null(struct jsonw *w)
{
	jsonw_separate(w);
	buf_put(w->out, "null", 4);
}
