/* jsonkey.h -- a JSON object key matched to a field name the way Go's
 * encoding/json matches it, which the original decodes every input with
 * (config.json, the master's state, the IAM answer, json.info znodes).
 *
 * Go prefers the exact key, then accepts any key equal under Unicode
 * simple case folding.  Field names are ASCII, and the only non-ASCII
 * runes that fold to ASCII letters are U+212A KELVIN SIGN (k) and U+017F
 * LATIN SMALL LETTER LONG S (s): "ReſolveRs" sets Resolvers.
 */
#ifndef MDNS_UTIL_JSONKEY_H
#define MDNS_UTIL_JSONKEY_H

#include <stdbool.h>
#include <stddef.h>

/* True when the key (len bytes, not terminated) names the ASCII field. */
bool json_key_matches(const char *field, const char *key, size_t len);

/* The same for a NUL-terminated key (yajl tree keys). */
bool json_key_is(const char *key, const char *field);

#endif
