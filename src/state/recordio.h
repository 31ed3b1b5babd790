/* recordio.h -- the Mesos RecordIO framing of the operator event stream:
 * "<decimal length>\n<that many bytes>" repeated (spec/events.md §2).
 *
 * Bytes are fed as they arrive, split anywhere (inside the length line
 * too).  Records up to `buffer_max` are delivered whole; longer ones (the
 * SUBSCRIBED snapshot of a big cluster) are delivered in pieces so that
 * they are never held in memory.  A length line over 20 digits, a
 * non-digit in it, or a record over `record_max` breaks the stream.
 */
#ifndef MDNS_RECORDIO_H
#define MDNS_RECORDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Receives a record: whole (first and last true) or in pieces. */
typedef int (*recordio_fn)(void *ctx, const uint8_t *data, size_t len,
    bool first, bool last, uint64_t total);

/** A framer; all fields are private. */
struct recordio {
	recordio_fn fn;
	void *ctx;
	size_t buffer_max;
	uint64_t record_max;
	char digits[24];
	size_t n_digits;
	bool in_record;
	uint64_t want, got;
	uint8_t *buf; /* whole small records */
	size_t buf_cap;
	bool broken;
	char error[128];
};

/** Prepares a framer. */
void recordio_init(struct recordio *r, recordio_fn fn, void *ctx,
    size_t buffer_max, uint64_t record_max);

/** Feeds bytes; -1 once the stream is broken (see r->error) or the
 *  callback returned < 0. */
int recordio_feed(struct recordio *r, const uint8_t *data, size_t len);

/** True when the stream ended between records (a cut record is broken). */
bool recordio_at_boundary(const struct recordio *r);

/** Frees the buffer. */
void recordio_free(struct recordio *r);

#endif
