/* cache.c -- the cache of forwarded answers (see cache.h).
 *
 * One mutex guards it: it is off the authoritative path (only forwarded
 * names reach it) and a hit or a store holds it for one copy.
 */
#include "fwd/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dns/rr.h"
#include "dns/wire.h"
#include "util/clock.h"
#include "util/hash.h"

/* TTL fields of one reply: a reply of FWD_CACHE_MAX_REPLY bytes holds at
 * most (4096 - 12 - 5) / 11 RRs. */
#define MAX_TTLS 512

struct cache_entry {
	struct cache_entry *lru_prev, *lru_next;
	struct cache_entry *hnext;
	uint64_t hash;
	uint16_t qtype, qclass;
	bool opt, dnssec_ok, cd;
	uint8_t qname[WIRE_MAX_NAME];
	size_t qname_len;
	uint8_t *reply;
	size_t len;
	uint16_t *ttl_at; /* offsets of every TTL field but OPT's */
	size_t n_ttl;
	int64_t stored_ms, expires_ms;
};

struct fwd_cache {
	pthread_mutex_t lock;
	struct cache_entry **table;
	size_t mask, n, max;
	struct cache_entry *lru_head, *lru_tail; /* head = newest */
};

struct fwd_cache *fwd_shared_cache;

static uint64_t
key_hash(const struct fwd_cache_key *k)
{
	uint8_t flags[7] = {
		(uint8_t)(k->qtype >> 8),
		(uint8_t)k->qtype,
		(uint8_t)(k->qclass >> 8),
		(uint8_t)k->qclass,
		k->opt,
		k->dnssec_ok,
		k->cd,
	};

	return hash_more(hash_bytes(k->qname, k->qname_len), flags,
	    sizeof flags);
}

struct fwd_cache *
fwd_cache_new(size_t entries)
{
	struct fwd_cache *c;
	size_t cap = 16;

	if (entries == 0)
		return NULL;
	if (entries > FWD_CACHE_MAX_ENTRIES)
		entries = FWD_CACHE_MAX_ENTRIES;
	while (cap < entries * 2)
		cap *= 2;
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->table = calloc(cap, sizeof *c->table)) == NULL) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->mask = cap - 1;
	c->max = entries;
	return c;
}

static void
cache_unlink(struct fwd_cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = &c->table[e->hash & c->mask];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
	c->n--;
	free(e->reply);
	free(e->ttl_at);
	free(e);
}

void
fwd_cache_free(struct fwd_cache *c)
{
	if (c == NULL)
		return;
	while (c->lru_head)
		cache_unlink(c, c->lru_head);
	free(c->table);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

size_t
fwd_cache_count(struct fwd_cache *c)
{
	size_t n;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* The reply's question is k's, written out at offset 12 (no compression
 * pointer: a hit respells it in place for its client). */
static bool
plain_question(const struct fwd_cache_key *k, const uint8_t *r, size_t len)
{
	if (len < WIRE_HEADER_SIZE + k->qname_len + 4 ||
	    wire_read_u16(r + WIRE_OFF_QDCOUNT) != 1)
		return false;
	for (size_t i = 0; i < k->qname_len; i++) {
		uint8_t b = r[WIRE_HEADER_SIZE + i];

		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b - 'A' + 'a');
		if (b != k->qname[i])
			return false;
	}
	return true;
}

/* Walks the RRs of a reply; records every TTL offset (OPT excluded) and
 * the time the cache may keep it: the smallest TTL, or for a negative
 * answer the SOA's min(TTL, MINIMUM), at most FWD_CACHE_MAX_TTL.  -1 when
 * it must not be cached. */
static long
reply_ttls(const uint8_t *r, size_t len, uint16_t *ttl_at, size_t *n_ttl)
{
	uint16_t flags = wire_read_u16(r + WIRE_OFF_FLAGS);
	unsigned rcode = flags & 0xf;
	long best = -1, neg = -1;
	bool answers = false;
	struct rr_iter it;
	struct rr rr;
	enum rr_step step;

	*n_ttl = 0;
	if ((flags & WIRE_TC) ||
	    (rcode != RCODE_NOERROR && rcode != RCODE_NXDOMAIN))
		return -1;
	rr_iter_init(&it, r, len, RR_STRICT);
	while ((step = rr_next(&it, &rr)) == RR_NEXT) {
		long ttl = (long)rr.ttl;

		if (rr.section == RR_QUESTION || rr.type == TYPE_OPT)
			continue;
		/* RFC 2181 §8: a TTL with the top bit set counts as 0. */
		if (rr.ttl > INT32_MAX)
			ttl = 0;
		if (*n_ttl == MAX_TTLS)
			return -1;
		ttl_at[(*n_ttl)++] = (uint16_t)rr.ttl_off;
		answers |= rr.section == RR_ANSWER;
		if (best < 0 || ttl < best)
			best = ttl;
		if (rr.section == RR_AUTHORITY && rr.type == TYPE_SOA &&
		    rr.rdlen >= 22) {
			uint32_t minimum =
			    wire_read_u32(r + rr.rdata_off + rr.rdlen - 4);

			neg = (long)minimum < ttl ? (long)minimum : ttl;
		}
	}
	if (step == RR_ERROR)
		return -1;
	if (!answers || rcode == RCODE_NXDOMAIN)
		best = neg; /* negative: only with an SOA (RFC 2308) */
	return best > FWD_CACHE_MAX_TTL ? FWD_CACHE_MAX_TTL : best;
}

static bool
key_equal(const struct cache_entry *e, const struct fwd_cache_key *k,
    uint64_t h)
{
	return e->hash == h && e->qtype == k->qtype && e->qclass == k->qclass &&
	    e->opt == k->opt && e->dnssec_ok == k->dnssec_ok &&
	    e->cd == k->cd && e->qname_len == k->qname_len &&
	    memcmp(e->qname, k->qname, k->qname_len) == 0;
}

static struct cache_entry *
cache_find(struct fwd_cache *c, const struct fwd_cache_key *k, uint64_t h)
{
	for (struct cache_entry *e = c->table[h & c->mask]; e; e = e->hnext)
		if (key_equal(e, k, h))
			return e;
	return NULL;
}

void
fwd_cache_store(struct fwd_cache *c, const struct fwd_cache_key *k,
    const uint8_t *reply, size_t len)
{
	uint16_t ttl_at[MAX_TTLS];
	size_t n_ttl;
	long ttl;
	uint64_t h;
	struct cache_entry *e, *old;

	if (c == NULL || len > FWD_CACHE_MAX_REPLY ||
	    !plain_question(k, reply, len) ||
	    (ttl = reply_ttls(reply, len, ttl_at, &n_ttl)) <= 0)
		return;
	h = key_hash(k);
	if ((e = calloc(1, sizeof *e)) == NULL ||
	    (e->reply = malloc(len)) == NULL ||
	    (e->ttl_at = malloc((n_ttl + 1) * sizeof *e->ttl_at)) == NULL) {
		if (e)
			free(e->reply);
		free(e);
		return;
	}
	memcpy(e->reply, reply, len);
	memcpy(e->ttl_at, ttl_at, n_ttl * sizeof *ttl_at);
	e->len = len;
	e->n_ttl = n_ttl;
	e->hash = h;
	e->qtype = k->qtype;
	e->qclass = k->qclass;
	e->opt = k->opt;
	e->dnssec_ok = k->dnssec_ok;
	e->cd = k->cd;
	memcpy(e->qname, k->qname, k->qname_len);
	e->qname_len = k->qname_len;
	e->stored_ms = clock_ms();
	e->expires_ms = e->stored_ms + ttl * 1000;
	pthread_mutex_lock(&c->lock);
	if ((old = cache_find(c, k, h)) != NULL)
		cache_unlink(c, old);
	while (c->n >= c->max && c->lru_tail)
		cache_unlink(c, c->lru_tail);
	e->hnext = c->table[h & c->mask];
	c->table[h & c->mask] = e;
	e->lru_next = c->lru_head;
	if (c->lru_head)
		c->lru_head->lru_prev = e;
	c->lru_head = e;
	if (c->lru_tail == NULL)
		c->lru_tail = e;
	c->n++;
	pthread_mutex_unlock(&c->lock);
}

int64_t
fwd_cache_ms_left(struct fwd_cache *c, const struct fwd_cache_key *k)
{
	struct cache_entry *e;
	int64_t left = -1;
	uint64_t h;

	if (c == NULL)
		return -1;
	h = key_hash(k);
	pthread_mutex_lock(&c->lock);
	if ((e = cache_find(c, k, h)) != NULL)
		left = e->expires_ms - clock_ms();
	pthread_mutex_unlock(&c->lock);
	return left;
}

size_t
fwd_cache_lookup(struct fwd_cache *c, const struct fwd_cache_key *k,
    uint8_t *out, size_t cap)
{
	struct cache_entry *e;
	size_t len = 0;
	int64_t now;
	uint64_t h;

	if (c == NULL)
		return 0;
	h = key_hash(k);
	now = clock_ms();
	pthread_mutex_lock(&c->lock);
	if ((e = cache_find(c, k, h)) != NULL) {
		if (e->expires_ms <= now || e->len > cap) {
			cache_unlink(c, e);
		} else {
			uint32_t age = (uint32_t)((now - e->stored_ms) / 1000);

			memcpy(out, e->reply, e->len);
			len = e->len;
			for (size_t i = 0; i < e->n_ttl; i++) {
				uint32_t t = wire_read_u32(out + e->ttl_at[i]);

				wire_write_u32(out + e->ttl_at[i],
				    t > age ? t - age : 0);
			}
			/* Most recently used first. */
			if (e != c->lru_head) {
				e->lru_prev->lru_next = e->lru_next;
				if (e->lru_next)
					e->lru_next->lru_prev = e->lru_prev;
				else
					c->lru_tail = e->lru_prev;
				e->lru_prev = NULL;
				e->lru_next = c->lru_head;
				c->lru_head->lru_prev = e;
				c->lru_head = e;
			}
		}
	}
	pthread_mutex_unlock(&c->lock);
	return len;
}
