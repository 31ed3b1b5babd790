/* rrl.c -- response rate limiting: token buckets per source prefix.
 *
 * Tokens are counted in thousandths of a response so that a bucket is
 * topped up by elapsed milliseconds times the rate, without division.
 * A bucket holds at most one second's worth: a client that keeps to the
 * rate never loses a response, a burst gets one second's worth at once.
 */
#include "server/rrl.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

#define RRL_TOKEN 1000 /* one response, in thousandths */

struct rrl_bucket {
	uint64_t tag;	  /* the prefix's hash, never 0; 0: unused */
	int64_t last_ms;  /* when tokens were last topped up */
	int64_t tokens;	  /* thousandths of a response */
	uint32_t dropped; /* over the rate since the bucket was taken */
};

/* One per UDP worker; the buckets are its own, never shared. */
struct rrl {
	int64_t rate;  /* responses per second */
	uint32_t slip; /* every slip-th dropped response slips; 0 none */
	size_t mask;   /* buckets - 1 */
	struct rrl_bucket *b;
};

struct rrl *
rrl_new(uint32_t rate, uint32_t slip, size_t buckets)
{
	struct rrl *r = calloc(1, sizeof *r);
	size_t n = 1;

	if (r == NULL)
		return NULL;
	while (n < buckets && n < ((size_t)1 << 30))
		n <<= 1;
	r->rate = rate;
	r->slip = slip;
	r->mask = n - 1;
	if ((r->b = calloc(n, sizeof *r->b)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
rrl_free(struct rrl *r)
{
	if (r == NULL)
		return;
	free(r->b);
	free(r);
}

/* The keyed hash of peer's prefix: /24 for IPv4 (and IPv4-mapped IPv6),
 * /56 for IPv6; the family is part of the key. */
static uint64_t
prefix_hash(const struct sockaddr_storage *peer)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };
	uint8_t key[8] = { 0 };

	if (peer->ss_family == AF_INET6) {
		const uint8_t *a =
		    ((const struct sockaddr_in6 *)(const void *)peer)
			->sin6_addr.s6_addr;

		if (memcmp(a, mapped, sizeof mapped) == 0) {
			key[0] = 4;
			memcpy(key + 1, a + 12, 3);
		} else {
			key[0] = 6;
			memcpy(key + 1, a, 7);
		}
	} else {
		const struct sockaddr_in *in =
		    (const struct sockaddr_in *)(const void *)peer;

		key[0] = 4;
		memcpy(key + 1, &in->sin_addr.s_addr, 3);
	}
	return hash_bytes(key, sizeof key) | 1;
}

enum rrl_action
rrl_check(struct rrl *r, const struct sockaddr_storage *peer, int64_t now_ms)
{
	uint64_t tag = prefix_hash(peer);
	struct rrl_bucket *b = &r->b[(tag >> 1) & r->mask];
	int64_t cap = r->rate * RRL_TOKEN;

	if (b->tag != tag) {
		/* Unused, or another prefix's: this one starts full. */
		b->tag = tag;
		b->last_ms = now_ms;
		b->tokens = cap;
		b->dropped = 0;
	} else if (now_ms > b->last_ms) {
		int64_t elapsed = now_ms - b->last_ms;

		/* A long idle bucket is full: no product that overflows. */
		b->tokens =
		    elapsed >= 1000 ? cap : b->tokens + elapsed * r->rate;
		if (b->tokens > cap)
			b->tokens = cap;
		b->last_ms = now_ms;
	}
	if (b->tokens >= RRL_TOKEN) {
		b->tokens -= RRL_TOKEN;
		return RRL_SEND;
	}
	b->dropped++;
	if (r->slip != 0 && b->dropped % r->slip == 0)
		return RRL_SLIP;
	return RRL_DROP;
}
