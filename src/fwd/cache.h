/* cache.h -- the optional cache of forwarded answers (ForwardCacheSize,
 * off by default), shared by every forwarding engine.
 *
 * An entry is keyed by the lowercased question and the client's EDNS0,
 * DO and CD bits; it is kept for the reply's smallest TTL (a negative
 * answer for its SOA's, RFC 2308), never more than FWD_CACHE_MAX_TTL, and
 * served with its TTLs counted down.  Buckets are indexed by the keyed
 * hash (util/hash.h): the names are chosen by clients.
 */
#ifndef MDNS_FWD_CACHE_H
#define MDNS_FWD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest a reply is kept, whatever its TTLs say (seconds). */
#define FWD_CACHE_MAX_TTL 3600
/** Largest reply kept (bytes); bigger ones are forwarded every time. */
#define FWD_CACHE_MAX_REPLY 4096
/** Most entries, whatever ForwardCacheSize says. */
#define FWD_CACHE_MAX_ENTRIES (1U << 20)

struct fwd_cache;

/** What an answer is cached under. */
struct fwd_cache_key {
	const uint8_t *qname; /**< uncompressed wire form, lowercased */
	size_t qname_len;
	uint16_t qtype, qclass;
	bool opt, dnssec_ok, cd; /**< the client's EDNS0, DO and CD */
};

/** A cache of at most `entries` answers (capped at FWD_CACHE_MAX_ENTRIES);
 *  NULL when entries is 0 or memory is short. */
struct fwd_cache *fwd_cache_new(size_t entries);

/** Frees a cache (NULL is fine). */
void fwd_cache_free(struct fwd_cache *c);

/** Keeps reply (as the upstream sent it, with its question uncompressed
 *  at offset 12) for k, when it may be cached: NOERROR or NXDOMAIN, not
 *  truncated, a positive TTL, well formed and at most FWD_CACHE_MAX_REPLY
 *  bytes.  The least recently used entry goes when the cache is full. */
void fwd_cache_store(struct fwd_cache *c, const struct fwd_cache_key *k,
    const uint8_t *reply, size_t len);

/** Copies the answer cached for k into out with its TTLs aged; returns
 *  its length, or 0 on a miss.  Its question is the one of k, at offset 12
 *  in wire form, so the caller may respell it. */
size_t fwd_cache_lookup(struct fwd_cache *c, const struct fwd_cache_key *k,
    uint8_t *out, size_t cap);

/** Milliseconds the entry for k is still kept, -1 when there is none
 *  (for tests: the TTL ceiling). */
int64_t fwd_cache_ms_left(struct fwd_cache *c, const struct fwd_cache_key *k);

/** Entries held (for tests). */
size_t fwd_cache_count(struct fwd_cache *c);

/** The cache every engine uses (set before the servers start; NULL when
 *  ForwardCacheSize is 0). */
extern struct fwd_cache *fwd_shared_cache;

#endif
