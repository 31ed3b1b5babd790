/* utf8lower.h -- lowercasing with the semantics of Go's strings.ToLower.
 *
 * The original lowercases look-up keys, agent ids and the configured domain
 * with strings.ToLower: every rune gets its Unicode simple lowercase mapping
 * (Go 1.19's tables, Unicode 13.0; U+0130 becomes "i", U+212A KELVIN SIGN
 * "k", no final-sigma rule), and every byte that does not start a valid
 * UTF-8 sequence (stray continuation bytes, overlong forms, surrogates,
 * code points above U+10FFFF, truncated sequences) becomes U+FFFD on its
 * own, as Go's range over a string reads it.  No allocation; ASCII input
 * costs one pass over the bytes.
 */
#ifndef MDNS_UTF8LOWER_H
#define MDNS_UTF8LOWER_H

#include <stddef.h>
#include <stdint.h>

/** Bytes the lowercase of len input bytes may need, without the NUL: an
 * invalid byte grows to the three bytes of U+FFFD. */
#define UTF8LOWER_MAX(len) (3 * (len))

/** Go's strings.ToLower of s[0, len) (NULs included) into out, which holds
 * UTF8LOWER_MAX(len) + 1 bytes; NUL-terminates and returns the length. */
size_t utf8lower(const char *s, size_t len, char *out);

/** Go's unicode.ToLower: the simple lowercase mapping of one code point. */
uint32_t utf8lower_rune(uint32_t cp);

#endif
