/* fuzz_config.c -- libFuzzer target for config.json decoding: any bytes
 * either load or give one error message; a loaded config renders. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "util/buf.h"
#include "xfr/xfr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[1024] = "";
	struct buf out = { 0 };

	if (config_parse(&c, (const char *)data, size, "/fuzz/config.json", err,
		sizeof err) == 0) {
		config_write_json(&c, 1, &out);
		assert(out.len > 0);
		buf_free(&out);
		/* The zone-transfer keys, as main.c checks them next. */
		if (xfr_config_check(&c, err, sizeof err) < 0)
			assert(err[0] != '\0');
	} else {
		assert(err[0] != '\0');
	}
	config_free(&c);
	return 0;
}
