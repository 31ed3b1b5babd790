/* rr.h -- one bounded walk over the sections of a DNS message.
 *
 * Every parser of a wire message (the query parser, the forwarder's reply
 * checks, its cache) walks questions and RRs through this iterator, so
 * that each bound is checked in one place: no read past the message, a
 * name of at most 255 octets, at most 10 compression pointers per name
 * (miekg's limit; it also makes pointer loops end), rdata inside the
 * message.
 */
#ifndef MDNS_RR_H
#define MDNS_RR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"

/** Sections in message order. */
enum rr_section {
	RR_QUESTION,
	RR_ANSWER,
	RR_AUTHORITY,
	RR_ADDITIONAL
};

/** How a message that ends early is read. */
enum rr_mode {
	/** Every counted entry must be complete (upstream replies). */
	RR_STRICT,
	/** miekg v1.0.15's Unpack (queries): a message ending where an RR
	 *  would start ends the walk, a question cut after its name or type
	 *  keeps what is there (type/class 0). */
	RR_LENIENT,
};

/** One question or RR.  For a question only name, type and class are set. */
struct rr {
	enum rr_section section;
	uint8_t name[WIRE_MAX_NAME]; /**< owner, uncompressed wire form */
	size_t name_len;
	size_t name_off; /**< where the owner starts in the message */
	uint16_t type, class;
	uint32_t ttl;
	size_t ttl_off; /**< offset of the TTL field */
	uint16_t rdlen;
	size_t rdata_off; /**< rdata is msg[rdata_off, rdata_off + rdlen) */
};

/** Walk state; plain data, no allocation. */
struct rr_iter {
	const uint8_t *msg;
	size_t len, pos;
	unsigned left[4]; /**< entries still to read per section */
	enum rr_section section;
	enum rr_mode mode;
};

/** Outcome of rr_next. */
enum rr_step {
	RR_NEXT,
	RR_END,
	RR_ERROR
};

/** Starts a walk of msg[0, len); false when shorter than a header. */
bool rr_iter_init(struct rr_iter *it, const uint8_t *msg, size_t len,
    enum rr_mode mode);

/** Reads the next entry into *rr: RR_NEXT, RR_END after the last counted
 *  entry, RR_ERROR (and every later call too) when the message is
 *  malformed or ends early. */
enum rr_step rr_next(struct rr_iter *it, struct rr *rr);

/** Offset just past the last entry read (trailing bytes not included). */
static inline size_t
rr_iter_pos(const struct rr_iter *it)
{
	return it->pos;
}

#endif
