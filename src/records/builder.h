/* builder.h -- accumulates one generation of records and freezes it into a
 * snapshot.
 *
 * Inserts follow the original's set semantics: inserting a (name, value)
 * pair that is already there, or an empty value, does nothing and returns
 * false, which the generator uses for masters and for /v1/enumerate.
 * Names are interned into the snapshot's label tree as they arrive; values
 * are kept in insertion order and grouped by name at the end (a counting
 * sort, no comparison sort of a million records).
 */
#ifndef MDNS_BUILDER_H
#define MDNS_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "records/snapshot.h"
#include "util/ipaddr.h"

struct builder;

/** An empty builder; NULL when out of memory. */
struct builder *builder_new(void);

/** Inserts A or AAAA (by the address family) name -> ip. */
bool builder_insert_ip(struct builder *b, const char *name, size_t len,
    const struct ipaddr *ip);

/** Inserts a host name as an A value (the original's #509 fallback: shown
 *  by /v1/axfr, never served over DNS). */
bool builder_insert_pseudo(struct builder *b, const char *name, size_t len,
    const char *value, size_t vlen);

/** Inserts SRV name -> "target:port". */
bool builder_insert_srv(struct builder *b, const char *name, size_t len,
    const char *target, size_t tlen, int32_t port);

/** True when name already has a value of kind k (tests, masters logic). */
bool builder_has(struct builder *b, const char *name, size_t len,
    enum rr_kind k);

/** Starts a framework entry of /v1/enumerate. */
void builder_enum_framework(struct builder *b, const char *name, size_t len);

/** Starts a task entry; the inserts that follow are its records. */
void builder_enum_task(struct builder *b, const char *name, size_t nlen,
    const char *id, size_t idlen);

/** True once any allocation failed; the build must then be dropped. */
bool builder_failed(const struct builder *b);

/** Freezes the records into a snapshot and frees the builder. */
struct snapshot *builder_finish(struct builder *b);

/** Frees a builder that will not be finished. */
void builder_free(struct builder *b);

#endif
