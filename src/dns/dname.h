/* dname.h -- domain names: wire parsing bounded by the packet, the
 * presentation text the original looks names up by, and back.
 *
 * The original (miekg/dns) turns every query name into presentation text
 * with escapes (`\.`, `\ `, `\DDD`, ...) and matches records by that text,
 * so the same conversion is reproduced here byte for byte: it decides
 * which raw names can ever be found.
 */
#ifndef MDNS_DNAME_H
#define MDNS_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest presentation text of a 255-octet name (every byte \DDD). */
#define DNAME_MAX_TEXT 1024

/** Reads the name at *pos of pkt[0..len) into out (uncompressed wire form,
 *  at most 255 octets) following at most 10 pointers, as miekg does;
 *  advances *pos past the name.  -1 when malformed or truncated. */
int dname_parse(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out,
    size_t *outlen);

/** Wire length (with the root octet) of an uncompressed wire name. */
size_t dname_wire_len(const uint8_t *name);

/** Presentation text of a wire name, with miekg's escapes, optionally
 *  ASCII-lowercased; returns its length (the root is "."). */
size_t dname_to_text(const uint8_t *name, char *out, bool lower);

/** Text length of the presentation form of one label's bytes. */
size_t dname_label_text_len(const uint8_t *label, size_t n);

/** Wire form of a presentation text (escapes decoded, as miekg packs it);
 *  -1 when a label is empty or over 63 octets, or the name over 255. */
int dname_from_text(const char *text, size_t len, uint8_t *out, size_t *outlen);

/** Lowercases the ASCII letters of a wire name in place. */
void dname_lower(uint8_t *name);

#endif
