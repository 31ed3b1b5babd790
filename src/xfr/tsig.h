/* tsig.h -- TSIG (RFC 8945) with HMAC-SHA256: verifying a request's
 * signature and signing the replies, the first one over the request's MAC
 * and every later message of a transfer over the previous MAC.
 *
 * The key's secret lives only in struct tsig_key; nothing here logs it.
 */
#ifndef MDNS_XFR_TSIG_H
#define MDNS_XFR_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TYPE_TSIG 250
#define CLASS_ANY 255
#define TSIG_MAC_LEN 32 /* HMAC-SHA256 */
#define TSIG_FUDGE 300

/** TSIG errors (RFC 8945 §3, in the TSIG RR's error field). */
enum tsig_error {
	TSIG_NOERROR = 0,
	TSIG_BADSIG = 16,
	TSIG_BADKEY = 17,
	TSIG_BADTIME = 18,
	TSIG_BADTRUNC = 22,
};

/** A shared key. */
struct tsig_key {
	uint8_t name[255]; /**< wire form, lowercased */
	size_t name_len;
	uint8_t secret[256];
	size_t secret_len;
};

/** A parsed TSIG RR; mac and other point into the message. */
struct tsig_rr {
	size_t off; /**< where the RR starts */
	uint8_t name[255];
	uint8_t alg[255];
	uint64_t time;
	uint16_t fudge;
	const uint8_t *mac;
	uint16_t mac_len;
	uint16_t orig_id;
	uint16_t error;
	uint16_t other_len;
	const uint8_t *other;
};

/** Fills a key from its name and base64 secret; false when the name is
 *  not a DNS name or the secret not base64 (1 to 256 octets). */
bool tsig_key_init(struct tsig_key *k, const char *name, const char *b64);

/** Parses the RR at off, which must end the message; false when it is
 *  malformed or not a TSIG RR. */
bool tsig_parse(const uint8_t *msg, size_t len, size_t off, struct tsig_rr *t);

/** Checks t (parsed from msg) against k at Unix time now; returns
 *  TSIG_NOERROR or the error to answer with.  On success the request's
 *  MAC is t->mac (the first reply is signed over it). */
enum tsig_error tsig_verify(const struct tsig_key *k, const uint8_t *msg,
    const struct tsig_rr *t, uint64_t now);

/** Appends a TSIG RR signing msg[0..len) to it; returns the new length
 *  (0 when it does not fit cap).  prior: the request's MAC (first reply)
 *  or the previous reply's (later messages, timers_only); error:
 *  TSIG_BADKEY/BADSIG add an unsigned TSIG; mac_out (TSIG_MAC_LEN) gets
 *  the MAC, for the next message. */
size_t tsig_sign(const struct tsig_key *k, uint8_t *msg, size_t len, size_t cap,
    uint16_t orig_id, const uint8_t *prior, size_t prior_len, bool timers_only,
    uint64_t now, enum tsig_error error, uint8_t *mac_out);

#endif
