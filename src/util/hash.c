/* hash.c -- keyed hashing with libsodium's SipHash-2-4 (see hash.h).
 *
 * libsodium's crypto_shorthash is a plain function call (tens of
 * nanoseconds for a name).  OpenSSL 3 also has SipHash, but only through
 * EVP_MAC: fetching, initialising and finalising a context costs
 * microseconds and allocates, too slow for a look-up in a table.
 */
#include "util/hash.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static unsigned char key[crypto_shorthash_KEYBYTES];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* Draws the key; without entropy (not seen on Linux >= 3.17) the clock
 * still makes it differ between runs. */
static void
key_init(void)
{
	struct timespec ts;

	if (getrandom(key, sizeof key, 0) == (ssize_t)sizeof key)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	memcpy(key, &ts, sizeof ts < sizeof key ? sizeof ts : sizeof key);
}

static uint64_t
siphash(const unsigned char *k, const void *p, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, p, n, k);
	memcpy(&h, out, sizeof h);
	return h;
}

uint64_t
hash_bytes(const void *p, size_t n)
{
	pthread_once(&key_once, key_init);
	return siphash(key, p, n);
}

uint64_t
hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}

uint64_t
hash_more(uint64_t h, const void *p, size_t n)
{
	unsigned char k[sizeof key];

	pthread_once(&key_once, key_init);
	memcpy(k, key, sizeof k);
	for (size_t i = 0; i < sizeof h; i++)
		k[i] ^= (unsigned char)(h >> (8 * i));
	return siphash(k, p, n);
}
