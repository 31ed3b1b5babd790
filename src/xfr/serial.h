/* serial.h -- SOA serial numbers: RFC 1982 arithmetic, the next serial of
 * a publication, and its persistence across restarts.
 *
 * A secondary transfers only when our serial is newer than its own (in
 * RFC 1982 order), so a serial must never go back: not with several
 * publications a second, and not after a restart.  The next serial is the
 * time when that is newer, else the previous one plus one; the last one
 * is written to a file (ZoneTransferSerialFile) and read back at start.
 */
#ifndef MDNS_XFR_SERIAL_H
#define MDNS_XFR_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/** RFC 1982 §3.2: a < b (false when equal or undefined, 2^31 apart). */
bool serial_lt(uint32_t a, uint32_t b);

/** The serial after prev at Unix time now: now when it is newer than
 *  prev, else prev + 1 (0 for prev means no previous serial). */
uint32_t serial_next(uint32_t prev, uint32_t now);

/** Reads a serial written by serial_store; false when the file is absent
 *  or holds no serial. */
bool serial_load(const char *path, uint32_t *out);

/** Writes serial to path atomically (a temporary file renamed over it);
 *  -1 with errno on failure. */
int serial_store(const char *path, uint32_t serial);

#endif
