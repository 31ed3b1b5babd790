/* xfr.h -- zone transfers to secondary servers: AXFR (RFC 5936), IXFR
 * (RFC 1995), NOTIFY (RFC 1996), access control and TSIG (RFC 8945), and
 * the SOA serial they depend on.  Off unless ZoneTransferAllow (or
 * ZoneTransferNotify) is set; see docs/scale-out.md.
 *
 * The refresh publishes every new snapshot through xfr_publish, which
 * picks its serial, and the TCP server hands AXFR/IXFR queries to a
 * transfer session that writes one message at a time as the socket takes
 * them, from one pinned snapshot.
 */
#ifndef MDNS_XFR_H
#define MDNS_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "xfr/tsig.h"

struct config;
struct snapshot;

#define TYPE_IXFR 251
#define TYPE_AXFR 252
#define OPCODE_NOTIFY 4
#define RCODE_NOTAUTH 9

/** Checks the ZoneTransfer* keys (CIDRs, ip:port, TSIG name and base64
 *  secret); -1 with a message naming the key. */
int xfr_config_check(const struct config *c, char *err, size_t errlen);

/** Prepares transfers for c (ACL, key, names, the persisted serial) and
 *  starts the NOTIFY thread when there are targets; -1 with err. */
int xfr_init(const struct config *c, char *err, size_t errlen);

/** Stops the NOTIFY thread and forgets the journal. */
void xfr_stop(void);

/** Publishes next as the current snapshot with its SOA serial: the
 *  current serial when the records are the same (transfers on) or next
 *  is the current snapshot again, else a newer one; then records the
 *  difference for IXFR and notifies the secondaries.  Refresh thread. */
void xfr_publish(struct snapshot *next);

/** A transfer request as read from the wire. */
struct xfr_request {
	uint16_t id, flags, qtype, qclass;
	uint8_t qname[255];
	bool has_serial; /**< IXFR: the SOA in authority */
	uint32_t serial;
	bool has_tsig;
	struct tsig_rr tsig;
};

/** Parses a query whose question is AXFR or IXFR; false when it is not
 *  one (or malformed), and then the normal DNS path answers it. */
bool xfr_parse_request(const uint8_t *pkt, size_t len, struct xfr_request *r);

/** True when a query's question asks for AXFR or IXFR (the TCP server
 *  then hands it to xfr_start instead of the normal answers). */
bool xfr_is_transfer(const uint8_t *pkt, size_t len);

struct xfr_session;

/** Answers a transfer request from peer: writes either a complete reply
 *  (REFUSED, NOTAUTH, an up-to-date SOA) with *sess NULL, or the first
 *  message of a transfer with *sess set for the rest.  Returns the
 *  length written into out (at most cap, which should be 65535). */
size_t
xfr_start(const uint8_t *pkt, size_t len, const struct sockaddr_storage *peer,
    uint8_t *out, size_t cap, struct xfr_session **sess);

/** The next message of a transfer into out; 0 when it is complete. */
size_t xfr_next(struct xfr_session *s, uint8_t *out, size_t cap);

/** Ends a session (complete or not) and lets go of its snapshot. */
void xfr_session_free(struct xfr_session *s);

#endif
