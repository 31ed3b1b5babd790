/* msg.h -- DNS query parsing and response building with the original's
 * size rules.
 *
 * A response is first described as lists of RRs (owner and rdata as
 * uncompressed wire names pointing into caller-owned storage), then packed
 * into a caller buffer with name compression.  Truncation follows the
 * original exactly (spec/dns.md §5): whether an answer is too big, and how
 * many answers go, is decided with miekg's size estimate, not the packed
 * size, so that the same answers are truncated.  Nothing here allocates:
 * every list and table lives in a per-worker struct msg_ctx.
 */
#ifndef MDNS_MSG_H
#define MDNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"

/** The parsed query; qname is uncompressed wire form as received. */
struct dns_query {
	uint16_t id;
	uint16_t flags;
	uint16_t qtype;
	uint16_t qclass;
	uint8_t qname[WIRE_MAX_NAME];
	size_t qname_len;
	bool has_opt;	   /**< an EDNS0 OPT RR was present */
	uint16_t udp_size; /**< its payload size */
	uint8_t edns_version;
	bool do_bit;
};

/** Outcome of msg_parse_query. */
enum parse_result {
	PARSE_OK,
	PARSE_DROP,	   /**< QR set: no reply (UDP drops runts itself) */
	PARSE_FORMERR,	   /**< answer FORMERR */
	PARSE_NO_QUESTION, /**< answer SERVFAIL without a question */
};

/** Parses a query like miekg's Unpack (first question kept, all sections
 *  walked within bounds, OPT noted).  Never reads past pkt[len). */
enum parse_result
msg_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q);

/** One RR to be packed. */
struct msg_rr {
	uint16_t type;
	const uint8_t *owner;
	union {
		uint8_t addr[16]; /**< A: first 4 octets; AAAA */
		struct {
			uint16_t port;
			uint16_t weight;
			const uint8_t *target;
		} srv;
		const uint8_t *ns; /**< NS, and PTR's target */
		struct {
			const uint8_t *mname, *rname;
			uint32_t serial, refresh, retry, expire, minimum;
		} soa;
		struct {
			uint16_t udp_size;
			uint8_t ext_rcode;
		} opt;
	} u;
	uint32_t ttl;
};

enum msg_section {
	SEC_ANSWER,
	SEC_AUTHORITY,
	SEC_ADDITIONAL,
	SEC_COUNT
};

#define MSG_MAX_RRS 8192    /* per section; more do not fit 64 KiB anyway */
#define MSG_COMP_SLOTS 1024 /* compression table, power of two */

/** Per-worker scratch for building responses (large: keep one per thread). */
struct msg_ctx {
	struct msg_rr rrs[SEC_COUNT][MSG_MAX_RRS];
	size_t n[SEC_COUNT];
	uint16_t id, flags, qtype, qclass;
	const uint8_t *qname; /**< echoed as received */
	bool has_question;
	/* compression: hash of a name suffix -> its offset in the packet */
	uint32_t comp_hash[MSG_COMP_SLOTS];
	uint16_t comp_off[MSG_COMP_SLOTS];
	uint32_t comp_gen[MSG_COMP_SLOTS];
	uint32_t gen;
	uint64_t rng; /**< per-worker shuffle state */
};

/** Starts a response: header fields and the question to echo (qname may
 *  be NULL for none). */
void msg_begin(struct msg_ctx *m, uint16_t id, uint16_t flags,
    const uint8_t *qname, uint16_t qtype, uint16_t qclass);

/** Appends an RR; false when the section is full. */
bool msg_add(struct msg_ctx *m, enum msg_section s, const struct msg_rr *rr);

/** Shuffles the answer section (uniform Fisher-Yates). */
void msg_shuffle_answers(struct msg_ctx *m);

/** Applies the original's truncation for a reply limit of max bytes
 *  (dns.md §5): sets TC (if set_tc), drops additionals then trailing
 *  answers by the size estimate.  keep_opt keeps an OPT RR through it. */
void msg_truncate(struct msg_ctx *m, size_t max, bool set_tc, bool keep_opt);

/** Packs the response within a reply limit of max bytes: truncates as
 *  the original would (msg_truncate) when needed, and never returns more
 *  than max bytes; 0 only if not even the header and question fit. */
size_t msg_finish(struct msg_ctx *m, uint8_t *out, size_t cap, size_t max,
    bool set_tc, bool keep_opt);

/** Packs the response into out; returns its length, or 0 if it does not
 *  fit cap. */
size_t msg_pack(struct msg_ctx *m, uint8_t *out, size_t cap);

/** The original's size estimate of the current response (exposed for
 *  tests). */
size_t msg_estimate(struct msg_ctx *m);

/** Writes a header-only reply (FORMERR/SERVFAIL/REFUSED shapes of
 *  dns.md §2 and §6) into out[12+]; returns its length. */
size_t msg_error_reply(uint8_t *out, size_t cap, uint16_t id, uint16_t flags,
    const uint8_t *qname, uint16_t qtype, uint16_t qclass);

/** Appends a bare OPT advertising `size` to a reply of n bytes that has no
 *  additional records (RFC 6891 §7: a client that sent EDNS0 gets OPT back,
 *  errors included); returns the new length, n when it does not fit. */
size_t msg_append_opt(uint8_t *out, size_t n, size_t cap, uint16_t size);

#endif
