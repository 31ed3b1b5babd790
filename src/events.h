/* events.h -- the event side of the reload loop: the cluster model that
 * operator API events change between polls, the log of events replayed
 * onto a poll's result, the apps the events changed, and the overlay those
 * changes are published as.
 *
 * Intake (the stream's thread) never waits for a build: while the reload
 * loop generates records from the model, events are held back and applied
 * when the build lets the model go.  The reload loop owns the struct; one
 * internal lock guards it, held only for short steps (never across host
 * look-ups or record generation).
 */
#ifndef MDNS_EVENTS_H
#define MDNS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "records/snapshot.h"
#include "state/model.h"

/** A growable list of events' JSON, bounded by max entries. */
struct event_log {
	char **json;
	size_t *len;
	size_t n, cap, max;
	bool overflow; /**< an event could not be kept */
};

/** Appends a copy of json; on overflow (full, out of memory) it sets
 *  overflow and keeps nothing: the caller polls instead. */
void event_log_push(struct event_log *l, const char *json, size_t len);

/** Empties it (keeps its arrays). */
void event_log_clear(struct event_log *l);

/** Frees it. */
void event_log_free(struct event_log *l);

struct events;

/** What events ask of the reload loop. */
struct events_outcome {
	bool changed;	/**< records must be published again */
	bool reconcile; /**< a poll should come soon */
};

/** An empty model with EnforceRFC952's label rules or not; NULL when out
 *  of memory. */
struct events *events_new(bool rfc952);

/** EnforceRFC952 changed (a reload): the next poll loads the model under
 *  the new label rules. */
void events_set_naming(struct events *e, bool rfc952);

/** Frees it (no build in progress). */
void events_free(struct events *e);

/** One event from the stream (its JSON, not terminated): applied, or
 *  logged for the poll in flight, or held back until the build ends. */
struct events_outcome
events_intake(struct events *e, const char *json, size_t len);

/** A poll begins: events from now on are replayed onto its result. */
void events_poll_begin(struct events *e);

/** The poll gave no state: the log is dropped once the model is loaded. */
void events_poll_abandon(struct events *e);

/** What loading a poll's state did. */
struct events_loaded {
	size_t replayed; /**< events replayed onto it */
	size_t running_before, running_after;
	bool quiet;    /**< no event since the poll began */
	bool overflow; /**< events were lost: poll again soon */
};

/** Replaces the model with a polled state and replays the log; -1 out of
 *  memory (the model is then as it was). */
int events_poll_load(struct events *e, const struct mesos_state *state,
    struct events_loaded *out);

/** A build from the model in progress. */
struct events_build {
	struct mesos_state *view; /**< borrows the model's strings */
	bool overlay;		  /**< only the changed apps' tasks */
	/** A full build's view lists its tasks lazily: pass
	 *  events_view_tasks and this build to gen (gen.h, tasks_of). */
	struct cluster_lazy *lazy;
};

/** gen_input.tasks_of for a full build's view (ctx: the events_build). */
int events_view_tasks(void *ctx, size_t i, const struct mesos_task **out);

/** Starts a build: an overlay of the apps changed since the last full
 *  build unless `full`, or when any name may have changed or too many
 *  apps did.  Until events_release the model does not change.  False when
 *  there is nothing to build (no model yet, out of memory). */
bool events_build_begin(struct events *e, bool full, struct events_build *b);

/** The records are generated: frees the view and applies the events held
 *  back meanwhile. */
struct events_outcome events_release(struct events *e, struct events_build *b);

/** Makes snap an overlay of the last full build (base's names of the
 *  changed apps hidden); false when one of snap's names is also another
 *  app's in base: only a full build can publish it. */
bool events_make_overlay(struct events *e, struct snapshot *snap);

/** The result of a build: `ok` when published; a full build becomes the
 *  base of later overlays, a failed one is still owed. */
void events_built(struct events *e, const struct events_build *b, bool ok);

/** True when the published overlay holds enough changed apps to be
 *  worth a full build once events pause (schedule_compact). */
bool events_compaction_due(const struct events *e);

/** True once a poll has loaded the model. */
bool events_loaded(struct events *e);

/** The records just published were built from the state the model was
 *  loaded from, with no event since: they are the base of the overlays to
 *  come, as a full build from the model would be (the reload loop's). */
void events_base_published(struct events *e);

#endif
