/* tsig.c -- RFC 8945 HMAC-SHA256 signatures through OpenSSL's EVP_MAC. */
#include "xfr/tsig.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "dns/dname.h"
#include "dns/wire.h"

/* "hmac-sha256." in wire form. */
static const uint8_t alg_sha256[] = "\x0bhmac-sha256";
#define ALG_LEN sizeof alg_sha256 /* with the root octet */

bool
tsig_key_init(struct tsig_key *k, const char *name, const char *b64)
{
	size_t blen = strlen(b64), pad = 0;
	unsigned char tmp[sizeof k->secret + 3];
	int n;

	memset(k, 0, sizeof *k);
	if (dname_from_text(name, strlen(name), k->name, &k->name_len) < 0)
		return false;
	dname_lower(k->name);
	if (blen == 0 || blen % 4 != 0 || blen / 4 * 3 > sizeof tmp)
		return false;
	for (size_t i = 0; i < blen; i++) {
		char c = b64[i];

		if (c == '=') {
			if (i < blen - 2)
				return false;
			pad++;
		} else if (pad > 0 ||
		    !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '+' || c == '/')) {
			return false;
		}
	}
	n = EVP_DecodeBlock(tmp, (const unsigned char *)b64, (int)blen);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad == 0 ||
	    (size_t)n - pad > sizeof k->secret)
		return false;
	k->secret_len = (size_t)n - pad;
	memcpy(k->secret, tmp, k->secret_len);
	OPENSSL_cleanse(tmp, sizeof tmp);
	return true;
}

bool
tsig_parse(const uint8_t *msg, size_t len, size_t off, struct tsig_rr *t)
{
	size_t pos = off, n, rdend;

	memset(t, 0, sizeof *t);
	t->off = off;
	if (dname_parse(msg, len, &pos, t->name, &n) < 0 || pos + 10 > len)
		return false;
	if (wire_read_u16(msg + pos) != TYPE_TSIG ||
	    wire_read_u16(msg + pos + 2) != CLASS_ANY)
		return false;
	rdend = pos + 10 + wire_read_u16(msg + pos + 8);
	pos += 10;
	if (rdend != len)
		return false;
	if (dname_parse(msg, len, &pos, t->alg, &n) < 0 || pos + 10 > rdend)
		return false;
	dname_lower(t->name);
	dname_lower(t->alg);
	t->time = (uint64_t)wire_read_u16(msg + pos) << 32 |
	    wire_read_u32(msg + pos + 2);
	t->fudge = wire_read_u16(msg + pos + 6);
	t->mac_len = wire_read_u16(msg + pos + 8);
	pos += 10;
	if (pos + t->mac_len + 6 > rdend)
		return false;
	t->mac = msg + pos;
	pos += t->mac_len;
	t->orig_id = wire_read_u16(msg + pos);
	t->error = wire_read_u16(msg + pos + 2);
	t->other_len = wire_read_u16(msg + pos + 4);
	pos += 6;
	if (pos + t->other_len != rdend)
		return false;
	t->other = msg + pos;
	return true;
}

struct hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

static bool
hmac_begin(struct hmac *h, const struct tsig_key *k)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};

	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	h->ctx = h->mac ? EVP_MAC_CTX_new(h->mac) : NULL;
	if (h->ctx == NULL ||
	    !EVP_MAC_init(h->ctx, k->secret, k->secret_len, params)) {
		EVP_MAC_CTX_free(h->ctx);
		EVP_MAC_free(h->mac);
		return false;
	}
	return true;
}

static void
hmac_add(struct hmac *h, const void *p, size_t n)
{
	EVP_MAC_update(h->ctx, p, n);
}

static void
hmac_u16(struct hmac *h, uint16_t v)
{
	uint8_t b[2];

	wire_write_u16(b, v);
	hmac_add(h, b, 2);
}

static void
hmac_time(struct hmac *h, uint64_t time, uint16_t fudge)
{
	uint8_t b[8];

	wire_write_u16(b, (uint16_t)(time >> 32));
	wire_write_u32(b + 2, (uint32_t)time);
	wire_write_u16(b + 6, fudge);
	hmac_add(h, b, 8);
}

static bool
hmac_end(struct hmac *h, uint8_t *out)
{
	size_t n = 0;
	bool ok =
	    EVP_MAC_final(h->ctx, out, &n, TSIG_MAC_LEN) && n == TSIG_MAC_LEN;

	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	return ok;
}

/* The message up to its TSIG RR, as signed: original ID, ARCOUNT - 1. */
static void
hmac_message(struct hmac *h, const uint8_t *msg, size_t end, uint16_t orig_id,
    bool minus_tsig)
{
	uint8_t hdr[WIRE_HEADER_SIZE];

	memcpy(hdr, msg, sizeof hdr);
	wire_write_u16(hdr, orig_id);
	if (minus_tsig)
		wire_write_u16(hdr + WIRE_OFF_ARCOUNT,
		    (uint16_t)(wire_read_u16(hdr + WIRE_OFF_ARCOUNT) - 1));
	hmac_add(h, hdr, sizeof hdr);
	hmac_add(h, msg + WIRE_HEADER_SIZE, end - WIRE_HEADER_SIZE);
}

/* The TSIG variables of RFC 8945 §4.3.3 (all of them). */
static void
hmac_variables(struct hmac *h, const uint8_t *name, size_t name_len,
    uint64_t time, uint16_t fudge, uint16_t error, const uint8_t *other,
    uint16_t other_len)
{
	uint8_t cls_ttl[6] = { 0, CLASS_ANY, 0, 0, 0, 0 };

	hmac_add(h, name, name_len);
	hmac_add(h, cls_ttl, sizeof cls_ttl);
	hmac_add(h, alg_sha256, ALG_LEN);
	hmac_time(h, time, fudge);
	hmac_u16(h, error);
	hmac_u16(h, other_len);
	if (other_len > 0)
		hmac_add(h, other, other_len);
}

enum tsig_error
tsig_verify(const struct tsig_key *k, const uint8_t *msg,
    const struct tsig_rr *t, uint64_t now)
{
	struct hmac h;
	uint8_t mac[TSIG_MAC_LEN];
	int diff = 0;

	if (dname_wire_len(t->name) != k->name_len ||
	    memcmp(t->name, k->name, k->name_len) != 0 ||
	    dname_wire_len(t->alg) != ALG_LEN ||
	    memcmp(t->alg, alg_sha256, ALG_LEN) != 0)
		return TSIG_BADKEY;
	if (t->mac_len != TSIG_MAC_LEN || !hmac_begin(&h, k))
		return TSIG_BADSIG;
	hmac_message(&h, msg, t->off, t->orig_id, true);
	hmac_variables(&h, k->name, k->name_len, t->time, t->fudge, t->error,
	    t->other, t->other_len);
	if (!hmac_end(&h, mac))
		return TSIG_BADSIG;
	for (size_t i = 0; i < TSIG_MAC_LEN; i++)
		diff |= mac[i] ^ t->mac[i];
	if (diff != 0)
		return TSIG_BADSIG;
	if (now > t->time + t->fudge || t->time > now + t->fudge)
		return TSIG_BADTIME;
	return TSIG_NOERROR;
}

size_t
tsig_sign(const struct tsig_key *k, uint8_t *msg, size_t len, size_t cap,
    uint16_t orig_id, const uint8_t *prior, size_t prior_len, bool timers_only,
    uint64_t now, enum tsig_error error, uint8_t *mac_out)
{
	uint8_t mac[TSIG_MAC_LEN] = { 0 }, other[6] = { 0 };
	uint16_t other_len = 0, mac_len = TSIG_MAC_LEN;
	size_t need, pos = len;
	struct hmac h;

	if (error == TSIG_BADTIME) {
		wire_write_u16(other, (uint16_t)(now >> 32));
		wire_write_u32(other + 2, (uint32_t)now);
		other_len = 6;
	}
	if (error == TSIG_BADKEY || error == TSIG_BADSIG) {
		mac_len = 0; /* RFC 8945 §5.3.2: unsigned */
	} else {
		if (!hmac_begin(&h, k))
			return 0;
		if (prior_len > 0) {
			hmac_u16(&h, (uint16_t)prior_len);
			hmac_add(&h, prior, prior_len);
		}
		hmac_message(&h, msg, len, orig_id, false);
		if (timers_only)
			hmac_time(&h, now, TSIG_FUDGE);
		else
			hmac_variables(&h, k->name, k->name_len, now,
			    TSIG_FUDGE, (uint16_t)error, other, other_len);
		if (!hmac_end(&h, mac))
			return 0;
		if (mac_out != NULL)
			memcpy(mac_out, mac, TSIG_MAC_LEN);
	}
	need = k->name_len + 10 + ALG_LEN + 10 + mac_len + 6 + other_len;
	if (len + need > cap)
		return 0;
	memcpy(msg + pos, k->name, k->name_len);
	pos += k->name_len;
	wire_write_u16(msg + pos, TYPE_TSIG);
	wire_write_u16(msg + pos + 2, CLASS_ANY);
	wire_write_u32(msg + pos + 4, 0);
	wire_write_u16(msg + pos + 8, (uint16_t)(need - k->name_len - 10));
	pos += 10;
	memcpy(msg + pos, alg_sha256, ALG_LEN);
	pos += ALG_LEN;
	wire_write_u16(msg + pos, (uint16_t)(now >> 32));
	wire_write_u32(msg + pos + 2, (uint32_t)now);
	wire_write_u16(msg + pos + 6, TSIG_FUDGE);
	wire_write_u16(msg + pos + 8, mac_len);
	pos += 10;
	memcpy(msg + pos, mac, mac_len);
	pos += mac_len;
	wire_write_u16(msg + pos, orig_id);
	wire_write_u16(msg + pos + 2, (uint16_t)error);
	wire_write_u16(msg + pos + 4, other_len);
	pos += 6;
	memcpy(msg + pos, other, other_len);
	pos += other_len;
	wire_write_u16(msg + WIRE_OFF_ARCOUNT,
	    (uint16_t)(wire_read_u16(msg + WIRE_OFF_ARCOUNT) + 1));
	return pos;
}
