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

/** Sizes the builder for about this many names, records and tasks up
 *  front, so that its arrays are not copied as they grow. */
void
builder_reserve(struct builder *b, size_t names, size_t records, size_t tasks);

/** Interns a name (ending with '.') and returns its node, so that many
 *  values can be added without building the name again; SNAP_NONE when
 *  it cannot be stored (over 65535 bytes, 128 labels, out of memory). */
uint32_t builder_name(struct builder *b, const char *name, size_t len);

/** Starts fetching the index slots builder_name(name) will read, so that
 *  the cache misses of several names overlap instead of coming one after
 *  another (a start-up interns 500k names into tables of megabytes);
 *  returns the name's hash for builder_name_hashed. */
uint32_t
builder_prefetch(const struct builder *b, const char *name, size_t len);

/** builder_name for a name whose hash builder_prefetch returned. */
uint32_t builder_name_hashed(struct builder *b, const char *name, size_t len,
    uint32_t hash);

/** The insert functions below, on an interned name. */
bool builder_add_ip(struct builder *b, uint32_t node, const struct ipaddr *ip);
bool builder_add_pseudo(struct builder *b, uint32_t node, const char *value,
    size_t vlen);
bool builder_add_srv(struct builder *b, uint32_t node, uint32_t target,
    int32_t port);

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
bool
builder_has(struct builder *b, const char *name, size_t len, enum rr_kind k);

/** Takes over an arena that already holds every string later passed to
 *  builder_enum_*, which are then kept without copying. */
void builder_adopt_strings(struct builder *b, struct arena *strings);

/** Names created from now on belong to this app ("fname\x01label"; NULL:
 *  none), which an overlay uses to hide a changed app's old names. */
void builder_set_app(struct builder *b, const char *key);

/** Starts a framework entry of /v1/enumerate. */
void builder_enum_framework(struct builder *b, const char *name, size_t len);

/** Starts a task entry; the inserts that follow are its records. */
void builder_enum_task(struct builder *b, const char *name, size_t nlen,
    const char *id, size_t idlen);

/** Sets the health (TASK_HEALTH_*) of the task entry just started, and
 *  makes /v1/enumerate show every task's health (HealthAwareOn). */
void builder_enum_health(struct builder *b, int health);

/** Makes the freeze index every A and AAAA value for PTR answers
 *  (ReverseOn) within these zones (kept by the caller until then; n 0:
 *  each address's /24 or /64). */
void
builder_reverse(struct builder *b, const struct rev_prefix *zones, size_t n);

/** True once any allocation failed; the build must then be dropped. */
bool builder_failed(const struct builder *b);

/** Freezes the records into a snapshot and frees the builder. */
struct snapshot *builder_finish(struct builder *b);

/** Frees a builder that will not be finished. */
void builder_free(struct builder *b);

#endif
