/* zone.h -- the zone a snapshot serves, as a stream of resource records,
 * and DNS messages written from them with name compression.
 *
 * A published snapshot may be an overlay (the apps events changed) over a
 * full build; the records it serves are the base's, less the hidden apps'
 * names, plus the overlay's own.  A cursor walks exactly those, one
 * record at a time, so that a transfer never materialises the zone.
 */
#ifndef MDNS_XFR_ZONE_H
#define MDNS_XFR_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"
#include "records/snapshot.h"

/** Position in the records of a snapshot: A, AAAA, SRV of each node of
 *  the base (or full build), then of the overlay's own nodes. */
struct zone_cursor {
	const struct snapshot *s;
	int part; /**< 0: snap_full(s), 1: the overlay, 2: end */
	uint32_t node;
	int kind;     /**< RK_A, RK_AAAA, RK_SRV */
	uint32_t idx; /**< value index within the kind's array */
};

/** One served record: a value of a node of `part`. */
struct zone_item {
	const struct snapshot *part;
	uint32_t node;
	enum rr_kind kind;
	uint32_t idx;
};

/** Starts a cursor at the first record of s. */
void zone_cursor_init(struct zone_cursor *c, const struct snapshot *s);

/** The next record; false at the end. */
bool zone_cursor_next(struct zone_cursor *c, struct zone_item *out);

/** Wire form of a node's name into out (WIRE_MAX_NAME octets); 0 when it
 *  cannot be a DNS name. */
size_t zone_node_wire(const struct snapshot *s, uint32_t node, uint8_t *out);

/** A digest of the records of a full snapshot (or of an overlay's own
 *  names), independent of their order: equal digests mean (with
 *  overwhelming probability) the same records. */
uint64_t zone_digest(const struct snapshot *s);

/** The digest of the zone an overlay serves, from its base's digest:
 *  only the overlay and the base's hidden names are read. */
uint64_t zone_digest_overlay(const struct snapshot *ov, uint64_t base_digest);

/** An RR to write. */
struct zone_rr {
	uint16_t type;
	const uint8_t *owner; /**< uncompressed wire name */
	uint32_t ttl;
	union {
		uint8_t addr[16];
		struct {
			uint16_t port, weight;
			const uint8_t *target;
		} srv;
		const uint8_t *ns;
		struct {
			const uint8_t *mname, *rname;
			uint32_t serial, refresh, retry, expire, minimum;
		} soa;
	} u;
};

#define XMSG_COMP_SLOTS 4096

/** A message being written into a caller's buffer. */
struct xmsg {
	uint8_t *buf;
	size_t cap, len;
	uint16_t count[4]; /**< QD, AN, NS, AR */
	uint32_t comp_hash[XMSG_COMP_SLOTS];
	uint16_t comp_off[XMSG_COMP_SLOTS]; /**< 0: empty */
};

/** Starts a message with a header (counts filled in by xmsg_end). */
void xmsg_begin(struct xmsg *m, uint8_t *buf, size_t cap, uint16_t id,
    uint16_t flags);

/** Appends the question; false when it does not fit. */
bool xmsg_question(struct xmsg *m, const uint8_t *name, uint16_t type,
    uint16_t qclass);

/** Appends an RR to section sec (1 answer, 2 authority, 3 additional);
 *  false, with the message unchanged, when it does not fit. */
bool xmsg_rr(struct xmsg *m, int sec, const struct zone_rr *rr);

/** Writes the counts into the header; returns the length. */
size_t xmsg_end(struct xmsg *m);

#endif
