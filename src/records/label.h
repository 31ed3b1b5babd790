/* label.h -- Mesos-DNS name normalisation: one DNS label, or a dotted
 * fragment, from arbitrary bytes (records.md §7.1, §7.2).
 *
 * Byte-for-byte the Go `records/labels` package, quirks included, because
 * every generated record name goes through it and clients look names up
 * by what the original produced.
 */
#ifndef MDNS_LABEL_H
#define MDNS_LABEL_H

#include <stdbool.h>
#include <stddef.h>

/** Longest RFC 1123 label (the default), in bytes. */
#define LABEL_MAX_RFC1123 63
/** Longest RFC 952 label (EnforceRFC952), in bytes. */
#define LABEL_MAX_RFC952 24

/** LABEL(s): one DNS label from arbitrary bytes; writes at most 63 bytes
 *  plus NUL to out (out must hold 64); returns the length. */
size_t label_normalise(const char *in, size_t len, bool rfc952, char *out);

/** DomainFrag(s): split on '.', normalise each part, drop empty ones, join
 *  with '.'; out must hold len+1 bytes; returns the length. */
size_t label_domain_frag(const char *in, size_t len, bool rfc952, char *out);

#endif
