/* hash.h -- the one hash for every hash table: SipHash-2-4 under a key
 * drawn from getrandom() once per process.
 *
 * Tables whose keys come from outside (names a DNS client chooses, ids a
 * master sends) cannot be made to collide without the key, so no input
 * turns a table's look-up into a linear scan.
 */
#ifndef MDNS_HASH_H
#define MDNS_HASH_H

#include <stddef.h>
#include <stdint.h>

/** Keyed 64-bit hash of n bytes. */
uint64_t hash_bytes(const void *p, size_t n);

/** Keyed hash of a NUL-terminated string (without the NUL). */
uint64_t hash_str(const char *s);

/** Chains n more bytes into a running hash h (for a key in pieces). */
uint64_t hash_more(uint64_t h, const void *p, size_t n);

#endif
