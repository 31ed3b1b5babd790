/* schedule.h -- when the reload loop runs next, and what it runs: a poll
 * (every refreshSeconds, on a trigger, for a reconciliation) or a
 * publication of the event model.
 *
 * Pure bookkeeping on a struct with the time passed in, so that the rules
 * (ticks keep their phase, back-off until the first load and after failed
 * reconciliations, bursts of events coalesced) are tested without threads
 * or clocks.  The reload loop keeps one under its lock.
 */
#ifndef MDNS_SCHEDULE_H
#define MDNS_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#define SCHEDULE_PUBLISH_DELAY_MS 50	 /* events are coalesced this long */
#define SCHEDULE_RECONCILE_DELAY_MS 1000 /* a poll after events not applied */
#define SCHEDULE_RETRY_FIRST_MS 1000	 /* first retry before the first load */
#define SCHEDULE_RECONCILE_MAX_MS 30000	 /* longest reconciliation back-off */
#define SCHEDULE_COMPACT_QUIET_MS 2000	 /* events pause before a compaction */

/** What the reload loop runs next. */
enum schedule_run {
	SCHEDULE_PUBLISH, /**< publish the event model (an overlay) */
	SCHEDULE_POLL,	  /**< poll the master */
	SCHEDULE_COMPACT  /**< fold the overlay into a full build */
};

/** Times are monotonic milliseconds; 0 in a *_due field means "none". */
struct schedule {
	int64_t period_ms;	    /**< refreshSeconds */
	int64_t next_tick;	    /**< the next periodic poll */
	int64_t due;		    /**< the next poll: next_tick, or a retry */
	int64_t retry_ms;	    /**< back-off before the first load */
	int64_t reconcile_retry_ms; /**< back-off of failed reconciliations */
	int64_t publish_due;	    /**< publish the event model then */
	int64_t reconcile_due;	    /**< an early poll then */
	int64_t last_publish;	    /**< when records were last published */
	int64_t compact_due;	    /**< a compaction then */
	bool events_on;		    /**< polls reconcile an event model */
	bool triggered;		    /**< a poll is wanted at once */
	bool loaded;		    /**< the first poll succeeded */
};

/** A schedule whose first run (a poll) is now. */
void schedule_init(struct schedule *s, int64_t period_ms, bool events_on,
    int64_t now);

/** A new refreshSeconds (a reload): the next periodic poll is one new
 *  period from now. */
void schedule_set_period(struct schedule *s, int64_t period_ms, int64_t now);

/** A poll is wanted at once (leader change, SIGHUP). */
void schedule_trigger(struct schedule *s);

/** An event changed the model: publish at once after a quiet spell, else
 *  SCHEDULE_PUBLISH_DELAY_MS after the last publication. */
void schedule_changed(struct schedule *s, int64_t now);

/** The overlay just published is worth folding into a full build once
 *  events have paused for SCHEDULE_COMPACT_QUIET_MS (each event pushes
 *  it back), so that a burst's overlay does not stay to slow every look-up
 *  and to be rebuilt whole by the next burst's publications. */
void schedule_compact(struct schedule *s, int64_t now);

/** A poll is wanted delay_ms from now (the earliest request wins). */
void schedule_reconcile(struct schedule *s, int64_t now, int64_t delay_ms);

/** Records were published at `now`. */
void schedule_published(struct schedule *s, int64_t now);

/** A run ended: `poll` says which kind, `ok` whether it gave records.
 *  Sets the next poll (back-off until the first success, reconciliation
 *  retries); true when this was the first success. */
bool schedule_done(struct schedule *s, bool poll, bool ok, int64_t now);

/** Milliseconds until the next run; 0 when one is due now. */
int64_t schedule_wait_ms(const struct schedule *s, int64_t now);

/** Takes the run that is due (schedule_wait_ms gave 0); a poll covers a
 *  pending publication and compaction, a publication comes before a
 *  compaction. */
enum schedule_run schedule_take(struct schedule *s, int64_t now);

#endif
