/* taskhash.h -- the 5-character task id hash in task record names
 * (records.md §7.3), e.g. the "rx8q6" of chronos-rx8q6-0.marathon.slave.mesos.
 */
#ifndef MDNS_TASKHASH_H
#define MDNS_TASKHASH_H

#include <stdbool.h>
#include <stddef.h>

/** Length of the hash text, without the NUL. */
#define TASKHASH_LEN 5

/** hashString(task.id): first 5 zbase32 characters of SHA-1(id), the Go
 *  generator's task-name suffix; false (out "") only if libcrypto fails. */
bool taskhash(const char *id, size_t len, char out[TASKHASH_LEN + 1]);

/** A digest context kept across many ids: libcrypto's one-shot EVP_Digest
 *  looks the algorithm up, locks and allocates on every call, which cost a
 *  start-up of 100k tasks more than the digests themselves. */
struct taskhasher;

/** A new hasher (NULL: out of memory or no SHA-1); one thread at a time. */
struct taskhasher *taskhasher_new(void);

/** taskhash() through the hasher h (same results). */
bool taskhasher_hash(struct taskhasher *h, const char *id, size_t len,
    char out[TASKHASH_LEN + 1]);

/** Frees h (NULL is ignored). */
void taskhasher_free(struct taskhasher *h);

#endif
