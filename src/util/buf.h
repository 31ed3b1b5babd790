/* buf.h -- growable output buffer for JSON bodies and log text.
 *
 * Writes never fail at the call: an allocation failure sets `failed`, later
 * writes are dropped, and the owner checks `failed` once at the end.
 */
#ifndef MDNS_BUF_H
#define MDNS_BUF_H

#include <stdbool.h>
#include <stddef.h>

/** A byte buffer; owns `data` (free with buf_free). */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed; /**< an allocation failed; the content is incomplete */
};

/** Makes room for n more bytes; false (and failed set) when out of memory. */
bool buf_reserve(struct buf *b, size_t n);

/** Appends n bytes. */
void buf_put(struct buf *b, const void *p, size_t n);

/** Appends a NUL-terminated string. */
void buf_puts(struct buf *b, const char *s);

/** Appends one byte. */
void buf_putc(struct buf *b, char c);

/** Appends printf-formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Releases the memory and empties the buffer. */
void buf_free(struct buf *b);

#endif
