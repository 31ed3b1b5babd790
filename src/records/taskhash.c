/* taskhash.c -- hashString(task.id): zbase32(SHA-1(id))[:5].
 *
 * The digest comes from libcrypto (already linked for TLS); only the five
 * 5-bit groups the name needs are encoded, most significant bits first, as
 * Go's base32.Encoding does.
 */
#include "records/taskhash.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

/* zbase32 alphabet used by the Go generator. */
static const char taskhash_alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";

/* The 5 characters of digest md: 5 x 5 bits = the top 25 bits of the
 * first 4 bytes. */
static void
encode(const unsigned char *md, char out[TASKHASH_LEN + 1])
{
	uint32_t bits = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	    (uint32_t)md[2] << 8 | (uint32_t)md[3];

	for (int i = 0; i < TASKHASH_LEN; i++)
		out[i] = taskhash_alphabet[(bits >> (27 - 5 * i)) & 0x1f];
	out[TASKHASH_LEN] = '\0';
}

struct taskhasher {
	EVP_MD *sha1;
	EVP_MD_CTX *ctx;
};

struct taskhasher *
taskhasher_new(void)
{
	struct taskhasher *h = calloc(1, sizeof *h);

	if (h == NULL)
		return NULL;
	if ((h->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)) == NULL ||
	    (h->ctx = EVP_MD_CTX_new()) == NULL) {
		taskhasher_free(h);
		return NULL;
	}
	return h;
}

bool
taskhasher_hash(struct taskhasher *h, const char *id, size_t len,
    char out[TASKHASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (EVP_DigestInit_ex2(h->ctx, h->sha1, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, id, len) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 || mdlen < 4)
		return false;
	encode(md, out);
	return true;
}

void
taskhasher_free(struct taskhasher *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->sha1);
	free(h);
}

bool
taskhash(const char *id, size_t len, char out[TASKHASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (EVP_Digest(id, len, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen < 4)
		return false;
	encode(md, out);
	return true;
}
