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

#endif
