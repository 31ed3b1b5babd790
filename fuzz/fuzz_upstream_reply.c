/* fuzz_upstream_reply.c -- libFuzzer target for what an upstream resolver
 * sends back: any bytes walked by the RR iterator in both modes, read for
 * their OPT size (fwd_udp_limit), and stored in and served from the
 * forward cache under the question they carry.  A cache hit must come
 * back with the same length, its question where the key says, and every
 * walk must stay inside the message. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"
#include "dns/rr.h"
#include "fwd/cache.h"
#include "fwd/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[65536];

static void
walk(const uint8_t *data, size_t size, enum rr_mode mode)
{
	struct rr_iter it;
	struct rr rr;
	unsigned n = 0;

	rr_iter_init(&it, data, size, mode);
	while (rr_next(&it, &rr) == RR_NEXT) {
		assert(rr.name_len >= 1 && rr.name_len <= WIRE_MAX_NAME);
		assert(rr.name[rr.name_len - 1] == 0);
		if (rr.section != RR_QUESTION)
			assert(rr.rdata_off + rr.rdlen <= size);
		assert(rr_iter_pos(&it) <= size);
		assert(++n <= 4 * 65535);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rr_iter it;
	struct rr q;
	struct fwd_cache_key k;
	struct fwd_cache *cache;
	size_t n;

	walk(data, size, RR_STRICT);
	walk(data, size, RR_LENIENT);
	(void)fwd_udp_limit(data, size);
	if (!rr_iter_init(&it, data, size, RR_STRICT) ||
	    rr_next(&it, &q) != RR_NEXT || q.section != RR_QUESTION)
		return 0;
	dname_lower(q.name);
	k = (struct fwd_cache_key){ .qname = q.name,
		.qname_len = q.name_len,
		.qtype = q.type,
		.qclass = q.class };
	/* A cache per input: a hit is this input's. */
	if ((cache = fwd_cache_new(4)) == NULL)
		return 0;
	fwd_cache_store(cache, &k, data, size);
	if ((n = fwd_cache_lookup(cache, &k, out, sizeof out)) > 0) {
		assert(n == size && n <= FWD_CACHE_MAX_REPLY);
		assert(n >= WIRE_HEADER_SIZE + q.name_len + 4);
		for (size_t i = 0; i < q.name_len; i++) {
			uint8_t b = out[WIRE_HEADER_SIZE + i];

			assert((b | 0x20) == (q.name[i] | 0x20));
		}
	}
	fwd_cache_free(cache);
	return 0;
}
