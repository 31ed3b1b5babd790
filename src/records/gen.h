/* gen.h -- the original's record rules: a master state in, a snapshot out.
 *
 * Everything in spec/records.md lives in gen.c: agent, framework, leader,
 * master, name-server and task records, task IP sources, resource and
 * DiscoveryInfo ports, and the /v1/enumerate entries.  Where the original
 * crashes or rejects the whole state (spec/gaps.md A) the offending entry
 * is skipped and reported instead.
 */
#ifndef MDNS_GEN_H
#define MDNS_GEN_H

#include <stddef.h>

#include "config.h"
#include "records/snapshot.h"
#include "state/model.h"
#include "util/ipaddr.h"

/** Looks up a host name; writes at most max addresses, returns how many
 *  (0 when it does not resolve). */
typedef size_t (*gen_resolve_fn)(void *ctx, const char *host,
    struct ipaddr *out, size_t max);

/** What a generation is built from. */
struct gen_input {
	const struct config *cfg;
	const struct mesos_state *state;
	const char *const *masters; /**< the masters list M (masters.md §1) */
	size_t n_masters;
	gen_resolve_fn resolve;
	void *resolve_ctx;
	const struct ipaddr *if_addrs; /**< non-loopback addresses, for
					     listener 0.0.0.0 */
	size_t n_if_addrs;
	/** The state's names arena, given to the snapshot instead of copying
	 *  task and framework names (NULL: copy them). */
	struct arena *adopt_names;
	/** Only task records (an overlay): agent, framework, name-server,
	 *  leader and master records stay the base's (a task name shared with
	 *  one of them makes the build a full one: snapshot.h, app_entangled). */
	bool tasks_only;
	/** When set, the tasks of framework number i (in state->frameworks,
	 *  from 0) come from here instead of its (empty) list, one
	 *  framework at a time (a full build from the event model, whose
	 *  view lists them lazily); -1 when out of memory. */
	int (*tasks_of)(void *ctx, size_t i, const struct mesos_task **out);
	void *tasks_ctx;
};

struct builder;

/** Generates every record into a builder (freeze it with builder_finish,
 *  once the state is freed, to keep the peak low); NULL with err. */
struct builder *
gen_records(const struct gen_input *in, char *err, size_t errlen);

/** gen_records and builder_finish in one call. */
struct snapshot *
gen_build(const struct gen_input *in, char *err, size_t errlen);

/** Most ports one task can carry: the whole port space. */
#define GEN_MAX_TASK_PORTS 65536

/** Expands a resources.ports text ("[31000-31002, 31005-31005]") into at
 *  most max ports and returns how many; a malformed range is skipped and
 *  described in why (left empty when all were good). */
size_t gen_resource_ports(const char *text, int32_t *out, size_t max, char *why,
    size_t whylen);

#endif
