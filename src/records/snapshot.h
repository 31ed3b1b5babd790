/* snapshot.h -- one immutable generation of records, indexed for look-up,
 * and its atomic publication.
 *
 * A refresh builds a complete snapshot aside (records/builder.h) and
 * publishes it with one pointer swap; DNS workers and HTTP handlers read
 * whichever snapshot is current without a lock (userspace RCU, bulletproof
 * flavour so that libmicrohttpd's threads need no registration).  The old
 * snapshot is freed after a grace period and after the last streaming HTTP
 * response that holds a reference lets go of it.
 *
 * Layout: owner names form a tree of dot-separated text segments (each
 * node is a label plus its parent), so the 500k names of a 100k-task
 * cluster share their suffixes.  A hash of the full name text indexes the
 * nodes.  Values are grouped by node in four arrays (A, AAAA, SRV, and the
 * #509 host-name pseudo addresses); node i owns [node[i].x, node[i+1].x).
 */
#ifndef MDNS_SNAPSHOT_H
#define MDNS_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/reverse.h"
#include "util/arena.h"

#define SNAP_NONE UINT32_MAX
/** app_of of a name that values of several owners share. */
#define SNAP_MIXED (UINT32_MAX - 1)

/** Record kinds, as the original's three maps plus the pseudo-IP case. */
enum rr_kind {
	RK_A,
	RK_AAAA,
	RK_SRV,
	RK_APSEUDO,
	RK_COUNT
};

/** An owner name: the text segment before its first '.', then the parent.
 *  (16 bytes: a 100k-task cluster has half a million names.  Where the
 *  AAAA and #509 host-name values of a name start is kept apart, in
 *  `rare`, only when a snapshot has any: most clusters have none.) */
struct snode {
	uint32_t label; /**< offset of the segment in `labels` */
	uint32_t
	    parent; /**< node of the text after the '.'; SNAP_NONE at the end */
	uint32_t first_a;   /**< first A value */
	uint32_t first_srv; /**< first SRV value */
};

/** Most names a snapshot holds: table slots keep 8 bits of the hash
 *  beside a 24-bit node number. */
#define SNAP_MAX_NODES ((1U << 24) - 2)

/** A table slot for node with full-name hash h (0 is an empty slot). */
#define SNAP_SLOT(h, node) (((h)&0xff000000U) | ((node) + 1))
#define SNAP_SLOT_NODE(slot) (((slot)&0x00ffffffU) - 1)
#define SNAP_SLOT_FP(slot) ((slot)&0xff000000U)

/** An IPv6 address in network order. */
struct snap_ip6 {
	uint8_t b[16];
};

/** An SRV value "target:port". */
struct snap_srv {
	uint32_t target; /**< node of the target name */
	int32_t port;	 /**< as generated; served cast to 16 bits */
};

/** One task of /v1/enumerate. */
struct snap_task {
	const char *name; /**< raw task name */
	const char *id;
	uint32_t first_rec; /**< its records: recs[first_rec .. next task's) */
	int8_t health;	    /**< TASK_HEALTH_* (state/model.h) */
};

/** One framework of /v1/enumerate. */
struct snap_framework {
	const char *name;    /**< raw framework name */
	uint32_t first_task; /**< tasks[first_task .. next framework's) */
};

/** A published generation; owns every array below (malloc'ed, one per
 *  field) and the enumeration strings (in `arena`). */
struct snapshot {
	struct arena arena;
	_Atomic int refs; /**< the publisher's plus streaming readers' */
	/** Unix time of the last successful refresh (SOA serial); the only
	 *  field that changes after publication, when a refresh finds the
	 *  state unchanged and keeps this snapshot. */
	_Atomic uint32_t serial;
	/** Full builds published up to this one (an overlay: its base's);
	 *  set by snapshot_publish.  Streamed HTTP bodies of a generation
	 *  older than the previous one are cut (http/api.c). */
	uint64_t generation;

	struct snode *nodes; /**< n_nodes + 1 (a sentinel with the ends) */
	uint32_t n_nodes;
	char *labels;	 /**< segments: u16 length (LE) + bytes */
	uint32_t *table; /**< open addressing, SNAP_SLOT; 0 = empty */
	uint32_t table_mask;

	uint32_t *a; /**< IPv4 addresses, network order */
	struct snap_ip6 *aaaa;
	struct snap_srv *srv;
	uint32_t *pseudo; /**< offsets of #509 host-name strings */
	/** Per node + 1: the first AAAA value, then the first host-name
	 *  value; NULL when the snapshot has neither kind. */
	uint32_t *rare;
	char *pseudo_text;
	uint32_t n[RK_COUNT]; /**< values of each kind */

	/* /v1/enumerate: frameworks, tasks, and each task's records as
	 * (kind << 30 | index into that kind's array), in insertion order. */
	struct snap_framework *frameworks;
	uint32_t n_frameworks;
	struct snap_task *tasks;
	uint32_t n_tasks;
	uint32_t *recs;
	uint32_t n_recs;

	/* Names sorted bytewise, built on the first /v1/axfr. */
	_Atomic(uint32_t *) sorted;

	/* Which app (fname + task label) created each name, and the apps. */
	uint32_t *app_of;	/**< per node; SNAP_NONE for others,
					     SNAP_MIXED when shared */
	uint8_t *app_entangled; /**< per app: shares a name with
					     another owner */
	char **app_keys;	/**< n_apps keys "fname\x01label" (in arena) */
	uint32_t n_apps;
	uint32_t *app_table; /**< open addressing: app + 1 */
	uint32_t app_mask;

	/* An overlay: this snapshot holds only the names of the apps that
	 * events changed since `base` was built; base names of those apps
	 * (`hidden`, sorted app numbers of base) are not served. */
	struct snapshot *base; /**< one reference held; NULL: full */
	uint32_t *hidden;
	uint32_t n_hidden;

	/* Reverse look-ups (ReverseOn; all NULL/0 otherwise): the A and AAAA
	 * values as indexes into `a` / `aaaa`, sorted by address, then task
	 * names before other names, then name order; and the reverse zones
	 * served, sorted (reverse_cmp). */
	uint32_t *ptr4, *ptr6;
	uint32_t n_ptr4, n_ptr6;
	struct rev_prefix *rzones;
	uint32_t n_rzones;
	bool reverse_on;
	bool health_on; /**< /v1/enumerate shows task health */
};

/** Returns where the values of kind k of node start in that kind's
 *  array; they end where node + 1's start. */
static inline uint32_t
snap_first(const struct snapshot *s, uint32_t node, enum rr_kind k)
{
	if (k == RK_A)
		return s->nodes[node].first_a;
	if (k == RK_SRV)
		return s->nodes[node].first_srv;
	return s->rare == NULL ? 0 :
				 s->rare[(size_t)node * 2 + (k == RK_APSEUDO)];
}

/** Returns the number of values of kind k at node. */
static inline uint32_t
snap_count(const struct snapshot *s, uint32_t node, enum rr_kind k)
{
	return snap_first(s, node + 1, k) - snap_first(s, node, k);
}

/** Label text of a node; *len receives its length. */
static inline const char *
snap_label(const struct snapshot *s, uint32_t node, size_t *len)
{
	const unsigned char *p =
	    (const unsigned char *)s->labels + s->nodes[node].label;

	*len = (size_t)p[0] | (size_t)p[1] << 8;
	return (const char *)p + 2;
}

/** The SOA serial of a snapshot. */
static inline uint32_t
snap_serial(const struct snapshot *s)
{
	return atomic_load_explicit(&s->serial, memory_order_relaxed);
}

/** Hash of a name's text (the same function builds and looks up). */
uint32_t snap_hash(const char *text, size_t len);

/** Finds the node whose full text is text[0..len); SNAP_NONE if absent. */
uint32_t snap_lookup(const struct snapshot *s, const char *text, size_t len);

/** snap_lookup with the name's snap_hash already known (an overlay and
 *  its base, a batch warmed beforehand). */
uint32_t snap_lookup_hashed(const struct snapshot *s, uint32_t h,
    const char *text, size_t len);

/** Warms the cache lines a look-up of the name with hash h will read,
 *  in three stages (0, 1, 2) run over a whole batch of queries in turn,
 *  so that their memory latencies overlap (server/udp.c); an overlay's
 *  base too.  Reads nothing it has not already asked for. */
void snap_prefetch(const struct snapshot *s, uint32_t h, unsigned stage);

/** Finds a name in a snapshot that may be an overlay: returns the node
 *  and the snapshot (*part: s or its base) whose arrays hold its values;
 *  SNAP_NONE when it is absent or hidden. */
uint32_t snap_find(const struct snapshot *s, const char *text, size_t len,
    const struct snapshot **part);

/** True when an overlay has values for a name that base serves for an
 *  owner the overlay does not hide (another app, a framework, an agent):
 *  answers for it would lose the base's values, so a full build is due. */
bool snap_overlay_clashes(const struct snapshot *ov);

/** The range [*lo, *hi) of s->ptr4 (p IPv4) or s->ptr6 whose addresses
 *  lie inside prefix p. */
void snap_ptr_range(const struct snapshot *s, const struct rev_prefix *p,
    uint32_t *lo, uint32_t *hi);

/** The node that owns value i of kind k (RK_A or RK_AAAA). */
uint32_t snap_value_owner(const struct snapshot *s, enum rr_kind k, uint32_t i);

/** The longest reverse zone of s that covers p, or NULL. */
const struct rev_prefix *
snap_rzone(const struct snapshot *s, const struct rev_prefix *p);

/** True when base node `node` of an overlay's base belongs to an app the
 *  overlay hides (false for a full snapshot). */
bool snap_base_hidden(const struct snapshot *ov, uint32_t node);

/** Builds the reverse index and zones of a frozen snapshot (zones: the
 *  configured ones, or NULL for every address's /24 or /64); false when
 *  out of memory. */
bool snap_index_reverse(struct snapshot *s, const struct rev_prefix *zones,
    size_t n_zones);

/** The app number of a key in s, or SNAP_NONE. */
uint32_t snap_app(const struct snapshot *s, const char *key);

/** The full build under a snapshot (itself when it is not an overlay). */
static inline struct snapshot *
snap_full(struct snapshot *s)
{
	return s->base ? s->base : s;
}

/** Writes the full text of a node (with its trailing dot) into out;
 *  returns the length, or 0 when it does not fit in cap. */
size_t
snap_name(const struct snapshot *s, uint32_t node, char *out, size_t cap);

/** Length of a node's full text. */
size_t snap_name_len(const struct snapshot *s, uint32_t node);

/** Nodes in bytewise order of their text (for /v1/axfr); NULL if out of
 *  memory. Computed once per snapshot. */
const uint32_t *snap_sorted(struct snapshot *s);

/** Frees a snapshot that nobody can reach any more. */
void snapshot_free(struct snapshot *s);

/** Makes `next` the current snapshot and releases the previous one once
 *  no reader can hold it. Called by the refresh thread only. */
void snapshot_publish(struct snapshot *next);

/** The current snapshot, or NULL before the first load.  Call between
 *  snapshot_read_lock/unlock; the pointer is valid until the unlock. */
struct snapshot *snapshot_current(void);

/** Starts a lock-free read-side section (wait-free, no system call). */
void snapshot_read_lock(void);

/** Ends it. */
void snapshot_read_unlock(void);

/** The current snapshot with a reference that outlives read sections
 *  (streamed HTTP bodies); NULL before the first load. */
struct snapshot *snapshot_acquire(void);

/** Drops a reference from snapshot_acquire. */
void snapshot_release(struct snapshot *s);

#endif
