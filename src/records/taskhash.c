/* taskhash.c -- hashString(task.id): zbase32(SHA-1(id))[:5].
 *
 * The digest comes from libcrypto (already linked for TLS); only the five
 * 5-bit groups the name needs are encoded, most significant bits first, as
 * Go's base32.Encoding does.
 */
#include "records/taskhash.h"

#include <openssl/evp.h>
#include <stdint.h>

/* zbase32 alphabet used by the Go generator. */
static const char taskhash_alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";

bool
taskhash(const char *id, size_t len, char out[TASKHASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint32_t bits;
	int i;

	out[0] = '\0';
	if (EVP_Digest(id, len, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen < 4)
		return false;
	/* 5 characters x 5 bits = the top 25 bits of the first 4 bytes */
	bits = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	    (uint32_t)md[2] << 8 | (uint32_t)md[3];
	for (i = 0; i < TASKHASH_LEN; i++)
		out[i] = taskhash_alphabet[(bits >> (27 - 5 * i)) & 0x1f];
	out[TASKHASH_LEN] = '\0';
	return true;
}
