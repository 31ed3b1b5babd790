/* fuzz_dname.c -- libFuzzer target for name parsing and text conversion:
 * wire -> text -> wire must give the same name back. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "dns/dname.h"
#include "dns/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t name[WIRE_MAX_NAME], back[WIRE_MAX_NAME];
	char text[DNAME_MAX_TEXT];
	size_t pos = 0, len, tlen, blen;

	if (dname_parse(data, size, &pos, name, &len) < 0)
		return 0;
	assert(pos <= size && len <= WIRE_MAX_NAME);
	assert(dname_wire_len(name) == len);
	tlen = dname_to_text(name, text, false);
	assert(tlen < DNAME_MAX_TEXT);
	assert(dname_from_text(text, tlen, back, &blen) == 0);
	assert(blen == len && memcmp(back, name, len) == 0);
	/* Arbitrary text never overflows the wire buffer either. */
	dname_from_text((const char *)data, size, back, &blen);
	return 0;
}
