/* fuzz_recordio.c -- libFuzzer target for the RecordIO framer: any bytes,
 * fed whole or split at every position given by the first byte, deliver
 * the same records or break the same way. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state/recordio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	uint64_t sum; /* a digest of what was delivered */
	size_t records;
};

static int
collect(void *ctx, const uint8_t *d, size_t len, bool first, bool last,
    uint64_t total)
{
	struct sink *s = ctx;

	assert(len <= total || total == 0);
	for (size_t i = 0; i < len; i++)
		s->sum = s->sum * 131 + d[i];
	if (last)
		s->records++;
	(void)first;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recordio a, b;
	struct sink sa = { 0 }, sb = { 0 };
	size_t step;
	int ra, rb = 0;

	if (size == 0)
		return 0;
	step = (size_t)data[0] % 7 + 1;
	recordio_init(&a, collect, &sa, 64, 1 << 20);
	recordio_init(&b, collect, &sb, 64, 1 << 20);
	ra = recordio_feed(&a, data + 1, size - 1);
	for (size_t i = 1; i < size && rb == 0; i += step)
		rb = recordio_feed(&b, data + i,
		    size - i < step ? size - i : step);
	assert((ra < 0) == (rb < 0));
	if (ra == 0) {
		assert(sa.records == sb.records && sa.sum == sb.sum);
		assert(recordio_at_boundary(&a) == recordio_at_boundary(&b));
	}
	recordio_free(&a);
	recordio_free(&b);
	return 0;
}
