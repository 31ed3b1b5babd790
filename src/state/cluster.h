/* cluster.h -- the mutable cluster model that the operator event stream
 * keeps up to date (spec/events.md §5 and §6).
 *
 * Loaded from a /master/state poll, changed by TASK_*, AGENT_* and
 * FRAMEWORK_* events, and turned back into the same mesos_state shape the
 * poll parser produces, so that record generation runs unchanged on either
 * and the answers of both paths are equal.  Frameworks keep the pid of the
 * last poll (v1 has none).  Not thread-safe: the caller locks.
 */
#ifndef MDNS_CLUSTER_H
#define MDNS_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "state/model.h"

struct cluster;

/** What applying one event did. */
enum cluster_change {
	CLUSTER_NONE,	    /**< nothing that records depend on */
	CLUSTER_CHANGED,    /**< records must be rebuilt */
	CLUSTER_UNKNOWN,    /**< refers to something not in the model:
				     a reconciliation should come soon */
	CLUSTER_NEEDS_POLL, /**< a framework appeared or changed: only a
				     poll has its pid */
};

/** How app keys are named: the rule lives with the record generator
 *  (records/appkey.h, appkey_naming), which tags names with the same keys;
 *  the model only applies it. */
struct cluster_naming {
	/** The framework part, malloc'ed (NULL when out of memory). */
	char *(*fname)(const char *fw_name, size_t len, bool rfc952);
	/** The label part: of di_name when not empty, else of name, into
	 *  out (label_size bytes); its length. */
	size_t (*label)(const char *name, size_t name_len, const char *di_name,
	    size_t di_len, bool rfc952, char *out);
	/** fname and label joined into a key, cut to len. */
	int (
	    *join)(char *out, size_t len, const char *fname, const char *label);
	size_t label_size;
	bool rfc952; /**< EnforceRFC952's label rules */
};

/** An empty model naming apps by `naming` (kept, not copied); NULL when
 *  out of memory. */
struct cluster *cluster_new(const struct cluster_naming *naming);

/** Names apps by `naming` from the next cluster_load on (a reload changed
 *  EnforceRFC952); kept, not copied. */
void cluster_set_naming(struct cluster *c, const struct cluster_naming *naming);

/** Frees it. */
void cluster_free(struct cluster *c);

/** Replaces the whole model with a polled state (frameworks, all tasks,
 *  agents, leader). */
int cluster_load(struct cluster *c, const struct mesos_state *s);

/** Applies one v1 event (the parsed JSON of a RecordIO record). */
enum cluster_change cluster_apply(struct cluster *c, yajl_val event);

/** The model as a mesos_state for record generation; free it with
 *  mesos_state_free.  Strings are copied, so the model may change while
 *  the records are built. */
struct mesos_state *cluster_view(const struct cluster *c);

/** The apps ("fname\x01label", malloc'ed; free each and the array) whose
 *  names an event changes, computed before it is applied; -1 when it may
 *  change any name (agents, frameworks), 0 otherwise. */
int cluster_event_apps(const struct cluster *c, yajl_val event, char ***apps,
    size_t *n);

/** A view with only the tasks of these apps (and their frameworks, and
 *  every agent): the input of an overlay build.  It notes in the model
 *  the hash of each task's app label for the next such view, so the
 *  caller holds the model as for a change. */
struct mesos_state *
cluster_view_apps(struct cluster *c, char *const *apps, size_t n);

/** A view whose strings and addresses are the model's own (only the list
 *  structure is allocated): valid while the model does not change, so the
 *  caller keeps its lock while using it.  apps NULL: everything; else as
 *  cluster_view_apps. */
struct mesos_state *
cluster_view_borrowed(struct cluster *c, char *const *apps, size_t n);

/** A lazy view's task lists (cluster_view_lazy). */
struct cluster_lazy;

/** A borrowed view (same rules as cluster_view_borrowed) whose
 *  frameworks list no tasks yet, only count them: cluster_lazy_tasks
 *  lists one framework's at a time, so that a full build holds one
 *  framework's task list instead of the whole cluster's (~14 MB at
 *  100,000 tasks).  *lazy is freed with cluster_lazy_free, after the
 *  view's last use. */
struct mesos_state *
cluster_view_lazy(const struct cluster *c, struct cluster_lazy **lazy);

/** The tasks of the lazy view's framework number i (in its list order,
 *  from 0) into *out, valid until the next call; -1 when out of memory. */
int cluster_lazy_tasks(struct cluster_lazy *l, size_t i,
    const struct mesos_task **out);

/** Frees a lazy view's task lists (not the view). */
void cluster_lazy_free(struct cluster_lazy *l);

/** Running tasks in the model. */
size_t cluster_running_tasks(const struct cluster *c);

/** True once cluster_load has run. */
bool cluster_loaded(const struct cluster *c);

#endif
