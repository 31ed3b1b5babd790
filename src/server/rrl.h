/* rrl.h -- response rate limiting for UDP (RRLResponsesPerSecond).
 *
 * In the manner of Knot and NSD: responses to one source prefix (/24 for
 * IPv4, /56 for IPv6) are limited to a rate by a token bucket; a response
 * over it is dropped, and every RRLSlip-th dropped one is sent as an empty
 * truncated reply (TC) instead, so that a real client behind a spoofed
 * flood retries over TCP, which cannot be spoofed.  Each UDP worker owns
 * one limiter: a fixed table allocated at start, indexed by the keyed
 * hash (util/hash.h) of the prefix; checking takes no lock and allocates
 * nothing.  A prefix that collides with another takes its bucket over.
 */
#ifndef MDNS_RRL_H
#define MDNS_RRL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** What to do with one response. */
enum rrl_action {
	RRL_SEND, /**< within the rate: send it */
	RRL_DROP, /**< over the rate: send nothing */
	RRL_SLIP, /**< over the rate: send an empty reply with TC set */
};

struct rrl;

/** A limiter of `rate` responses per second per prefix (rate > 0), every
 *  `slip`-th dropped response slipped (0: none, 1: all), with `buckets`
 *  buckets (rounded up to a power of two); NULL when out of memory. */
struct rrl *rrl_new(uint32_t rate, uint32_t slip, size_t buckets);

/** Frees it (NULL is fine). */
void rrl_free(struct rrl *r);

/** The fate of one response to `peer` at monotonic time now_ms: takes a
 *  token from its prefix's bucket, refilled at the rate up to one second's
 *  worth. */
enum rrl_action
rrl_check(struct rrl *r, const struct sockaddr_storage *peer, int64_t now_ms);

#endif
