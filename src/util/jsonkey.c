/* jsonkey.c -- Go's case-folded JSON key match (see jsonkey.h). */
#include "util/jsonkey.h"

#include <string.h>

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool
json_key_matches(const char *field, const char *key, size_t len)
{
	const unsigned char *k = (const unsigned char *)key;
	size_t i = 0;

	for (; *field != '\0'; field++) {
		char f = ascii_lower(*field);

		if (i == len)
			return false;
		if (k[i] < 0x80) {
			if (ascii_lower((char)k[i]) != f)
				return false;
			i++;
		} else if (f == 'k' && len - i >= 3 && k[i] == 0xe2 &&
		    k[i + 1] == 0x84 && k[i + 2] == 0xaa) {
			i += 3; /* U+212A KELVIN SIGN */
		} else if (f == 's' && len - i >= 2 && k[i] == 0xc5 &&
		    k[i + 1] == 0xbf) {
			i += 2; /* U+017F LATIN SMALL LETTER LONG S */
		} else {
			return false;
		}
	}
	return i == len;
}

bool
json_key_is(const char *key, const char *field)
{
	return json_key_matches(field, key, strlen(key));
}
