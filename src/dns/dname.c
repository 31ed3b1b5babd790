/* dname.c -- name parsing and text conversion (see dname.h). */
#include "dns/dname.h"

#include <string.h>

#include "dns/wire.h"

int
dname_parse(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out,
    size_t *outlen)
{
	size_t off = *pos, after = 0, n = 0;
	int pointers = 0;

	for (;;) {
		uint8_t c;

		if (off >= len)
			return -1;
		c = pkt[off++];
		switch (c & 0xC0) {
		case 0x00:
			if (c == 0) {
				if (n + 1 > WIRE_MAX_NAME)
					return -1;
				out[n++] = 0;
				*outlen = n;
				*pos = pointers ? after : off;
				return 0;
			}
			if (off + c > len || n + 1 + c + 1 > WIRE_MAX_NAME)
				return -1;
			out[n++] = c;
			memcpy(out + n, pkt + off, c);
			n += c;
			off += c;
			break;
		case 0xC0:
			if (off >= len)
				return -1;
			if (pointers == 0)
				after = off + 1;
			if (++pointers > 10)
				return -1;
			off = (size_t)(c & 0x3F) << 8 | pkt[off];
			break;
		default:
			return -1; /* 0x40 and 0x80 label types */
		}
	}
}

size_t
dname_wire_len(const uint8_t *name)
{
	size_t n = 0;

	while (name[n] != 0)
		n += (size_t)name[n] + 1;
	return n + 1;
}

/* miekg escapes these with a backslash in presentation text. */
static bool
special(uint8_t b)
{
	return b == '.' || b == '(' || b == ')' || b == ';' || b == ' ' ||
	    b == '@' || b == '"' || b == '\\';
}

size_t
dname_label_text_len(const uint8_t *label, size_t n)
{
	size_t t = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = label[i];

		t += special(b) ? 2 : (b < 32 || b >= 127) ? 4 : 1;
	}
	return t;
}

size_t
dname_to_text(const uint8_t *name, char *out, bool lower)
{
	size_t n = 0;

	if (name[0] == 0) {
		out[0] = '.';
		return 1;
	}
	for (size_t i = 0; name[i] != 0; i += (size_t)name[i] + 1) {
		for (size_t j = 1; j <= name[i]; j++) {
			uint8_t b = name[i + j];

			if (special(b)) {
				out[n++] = '\\';
				out[n++] = (char)b;
			} else if (b < 32 || b >= 127) {
				out[n++] = '\\';
				out[n++] = (char)('0' + b / 100);
				out[n++] = (char)('0' + b / 10 % 10);
				out[n++] = (char)('0' + b % 10);
			} else {
				if (lower && b >= 'A' && b <= 'Z')
					b = (uint8_t)(b + 32);
				out[n++] = (char)b;
			}
		}
		out[n++] = '.';
	}
	return n;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
dname_from_text(const char *text, size_t len, uint8_t *out, size_t *outlen)
{
	uint8_t label[WIRE_MAX_LABEL + 1];
	size_t n = 0, ll = 0;
	bool pending = false;

	if (len == 1 && text[0] == '.') {
		out[0] = 0;
		*outlen = 1;
		return 0;
	}
	for (size_t i = 0; i <= len; i++) {
		uint8_t b;

		if (i == len || text[i] == '.') {
			if (i == len && !pending)
				break; /* ended with a dot */
			if (ll == 0 || n + 1 + ll + 1 > WIRE_MAX_NAME)
				return -1;
			out[n++] = (uint8_t)ll;
			memcpy(out + n, label, ll);
			n += ll;
			ll = 0;
			pending = false;
			continue;
		}
		if (text[i] == '\\' && i + 1 < len) {
			if (i + 3 < len && is_digit(text[i + 1]) &&
			    is_digit(text[i + 2]) && is_digit(text[i + 3])) {
				int v = (text[i + 1] - '0') * 100 +
				    (text[i + 2] - '0') * 10 +
				    (text[i + 3] - '0');

				if (v > 255)
					return -1;
				b = (uint8_t)v;
				i += 3;
			} else {
				b = (uint8_t)text[++i];
			}
		} else {
			b = (uint8_t)text[i];
		}
		if (ll == WIRE_MAX_LABEL)
			return -1;
		label[ll++] = b;
		pending = true;
	}
	if (n + 1 > WIRE_MAX_NAME)
		return -1;
	out[n++] = 0;
	*outlen = n;
	return 0;
}

void
dname_lower(uint8_t *name)
{
	for (size_t i = 0; name[i] != 0; i += (size_t)name[i] + 1)
		for (size_t j = 1; j <= name[i]; j++)
			if (name[i + j] >= 'A' && name[i + j] <= 'Z')
				name[i + j] = (uint8_t)(name[i + j] + 32);
}
