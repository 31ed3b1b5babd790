/* answer.h -- one DNS query in, one reply out: routing, the authoritative
 * answers of spec/dns.md §4 from the current snapshot, and the error
 * shapes of §2.
 *
 * Hot path: no allocation, no lock, no system call; the caller holds an
 * RCU read section around the call.
 */
#ifndef MDNS_ANSWER_H
#define MDNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/msg.h"
#include "records/snapshot.h"

struct config;

#define ANSWER_SCRATCH (256 * 1024) /* wire names of targets per reply */
#define ANSWER_SEEN_SLOTS 4096

/** Per-worker state: message scratch, names, and the precomputed SOA. */
struct answer_ctx {
	struct msg_ctx msg;
	const struct config *cfg; /**< valid in the caller's read section */
	uint64_t generation;	  /**< of the config the names come from */
	uint8_t domain[WIRE_MAX_NAME]; /**< lowercase wire form */
	size_t domain_len;
	uint8_t mname[WIRE_MAX_NAME];
	uint8_t rname[WIRE_MAX_NAME];
	uint8_t key[WIRE_MAX_NAME]; /**< owner of A/AAAA answers */
	uint8_t scratch[ANSWER_SCRATCH];
	size_t scratch_used;
	uint32_t seen_node[ANSWER_SEEN_SLOTS];
	uint32_t seen_gen[ANSWER_SEEN_SLOTS];
	uint32_t gen;
	struct dns_query query;
	/* zoneResolvers zones (wire form, as configured: keys are not
	 * lowercased, gaps #22), registered only with ExternalOn. */
	uint8_t (*zones)[WIRE_MAX_NAME];
	size_t *zone_lens;
	size_t n_zones;
	int route; /**< after HANDLE_FORWARD: zone, or -1 */
	/* A query inside a reverse zone served (ReverseOn). */
	bool reverse;
	enum rev_kind rkind;
	struct rev_prefix rname_p; /**< the query name's prefix */
	struct rev_prefix rzone;   /**< the zone it falls in */
	bool soa_answer;	   /**< apex SOA in the answer (transfers on) */
};

/** A new context for cfg, its large buffers left untouched (no resident
 *  memory) until a reply needs them; NULL with err when SOAMname/SOARname
 *  or the domain cannot be written as DNS names or memory is short.
 *  Release with answer_delete. */
struct answer_ctx *
answer_new(const struct config *cfg, uint64_t seed, char *err, size_t errlen);

/** Derives the names of cfg into a (after a reload); -1 with err, a
 *  unchanged, when they cannot be DNS names or memory is short. */
int answer_bind(struct answer_ctx *a, const struct config *cfg, char *err,
    size_t errlen);

/** The checks answer_new makes, for a configuration about to be
 *  published: 0, or -1 with the same message start-up gives. */
int answer_config_check(const struct config *cfg, char *err, size_t errlen);

/** Points a at cfg, the configuration in force in the caller's read
 *  section (once per batch); re-derives the names only when it is a new
 *  one, so the packet path stays free of allocation. */
void answer_use(struct answer_ctx *a, const struct config *cfg);

/** What dns_handle decided to do with a query. */
enum handle_result {
	HANDLE_REPLY,	/**< out holds the reply */
	HANDLE_DROP,	/**< no reply (QR set, runt) */
	HANDLE_FORWARD, /**< a name outside the domain to forward */
};

/** Answers one query from the snapshot s (NULL: SERVFAIL).  *outlen is
 *  set for HANDLE_REPLY; HANDLE_FORWARD leaves the parsed query in
 *  a->query. */
enum handle_result
dns_handle(struct answer_ctx *a, const struct snapshot *s, const uint8_t *pkt,
    size_t len, bool tcp, uint8_t *out, size_t cap, size_t *outlen);

/** The snapshot hash (snap_hash) of the name a query's look-up will use,
 *  read from the raw packet without a full parse, for snap_prefetch;
 *  false for shapes it does not handle (they are answered all the same). */
bool dns_query_hash(const uint8_t *pkt, size_t len, uint32_t *h);

/** The largest UDP reply a client takes: 512 bytes, or the size of its
 *  EDNS0 OPT capped by EDNS0MaxUDPSize (0: the original's 512). */
size_t dns_udp_limit(const struct config *c, const struct dns_query *q);

/** The REFUSED / SERVFAIL reply of the original for a query (dns.md §6
 *  "SetRcode" shape); with opt_size and a query that had EDNS0, an OPT
 *  advertising opt_size is added (RFC 6891 §7; 0: the original's shape). */
size_t dns_rcode_reply(const struct dns_query *q, unsigned rcode,
    uint16_t opt_size, uint8_t *out, size_t cap);

/** Releases a context of answer_new (NULL: nothing). */
void answer_delete(struct answer_ctx *a);

/** Routing of dns.md §3 for a name: -2 for the authoritative domain, a
 *  zoneResolvers index, or -1 for the default forwarder. */
int answer_route(const struct answer_ctx *a, const uint8_t *name);

#endif
