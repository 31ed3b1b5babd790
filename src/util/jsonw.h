/* jsonw.h -- streaming JSON writer whose output is byte for byte Go's
 * json.MarshalIndent(v, " ", " ") (http.md §1).
 *
 * HTTP clients and the conformance goldens compare our bodies with the
 * original's, so layout and string escaping follow Go exactly.  All state
 * lives in struct jsonw, so a large document can be written in pieces: the
 * caller may drain or swap the contents of *out between calls.
 */
#ifndef MDNS_JSONW_H
#define MDNS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/** Deepest nesting of objects and arrays; our documents need 4. Deeper
 *  nesting is a programming error: it sets out->failed. */
#define JSONW_MAX_DEPTH 32

/** Writer state, plain data kept by the caller between calls; borrows out
 *  (the caller owns and frees the buffer, and may swap it). */
struct jsonw {
	/** where the text goes */
	struct buf *out;
	/** open objects and arrays; 0 at the top level */
	int depth;
	/** [d]: the container open at depth d has no member yet (so its
	 *  close is "}" or "]" right after the opening bracket) */
	bool empty[JSONW_MAX_DEPTH + 1];
	/** a key was just written: its value follows on the same line */
	bool after_key;
};

/** Starts a document written to out. */
void jsonw_init(struct jsonw *w, struct buf *out);

/** Opens an object: "{" (members follow, or "}" for "{}"). */
void jsonw_object_begin(struct jsonw *w);

/** Closes the innermost object, on its own line unless it is empty. */
void jsonw_object_end(struct jsonw *w);

/** Opens an array: "[" (elements follow, or "]" for "[]"). */
void jsonw_array_begin(struct jsonw *w);

/** Closes the innermost array, on its own line unless it is empty. */
void jsonw_array_end(struct jsonw *w);

/** Writes an object member's NUL-terminated key (escaped like a string)
 *  and ": "; the next call writes its value. */
void jsonw_key(struct jsonw *w, const char *key);

/** Writes s[0..len) as a JSON string with Go's escaping (any bytes, NUL
 *  and invalid UTF-8 included). */
void jsonw_string(struct jsonw *w, const char *s, size_t len);

/** Writes a NUL-terminated string value. */
void jsonw_cstr(struct jsonw *w, const char *s);

/** Writes a signed integer value. */
void jsonw_int(struct jsonw *w, int64_t v);

/** Writes an unsigned integer value. */
void jsonw_uint(struct jsonw *w, uint64_t v);

/** Writes true or false. */
void jsonw_bool(struct jsonw *w, bool v);

/** Writes null (Go's nil slice or map). */
void jsonw_null(struct jsonw *w);

#endif
