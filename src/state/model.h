/* model.h -- the parts of a Mesos master's state that records are built from.
 *
 * Only what spec/state.md says is read is kept; everything lives in the
 * state's arena and is freed with it.  Lists are singly linked in state
 * order so that the streaming parser never reallocates.
 */
#ifndef MDNS_STATE_MODEL_H
#define MDNS_STATE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/ipaddr.h"

/** Status-based IP sources kept per task (state.md §3). */
enum task_ip_source {
	TIP_NETINFO,
	TIP_MESOS,
	TIP_DOCKER,
	TASK_IP_SOURCES
};

#define MESOS_STATE_MAX_REASONS 8

/** A string in a linked list (IP candidates, in state order). */
struct strnode {
	struct strnode *next;
	const char *s;
	uint32_t len;
};

/** An ordered list of strings. */
struct strlist {
	struct strnode *head, *tail;
	uint32_t n;
};

/** One DiscoveryInfo port. */
struct di_port {
	struct di_port *next;
	int64_t number;
	const char *protocol; /**< "" when absent */
	const char *name;     /**< "" when absent */
};

/** A task's health: the "healthy" of its latest status (HealthAwareOn). */
#define TASK_HEALTH_UNKNOWN 0 /* absent: no health checks */
#define TASK_HEALTH_OK 1
#define TASK_HEALTH_BAD 2

/** A task that may produce records. */
struct mesos_task {
	struct mesos_task *next;
	const char *id; /**< "" when absent */
	const char *name;
	uint32_t id_len, name_len;
	const char *slave_id; /**< interned: equal ids share the pointer */
	const char *ports;    /**< resources.ports text, NULL when absent */
	bool running;	      /**< state == "TASK_RUNNING", exactly */
	bool invalid;	      /**< a field had the wrong type: skipped */
	/** Addresses from the latest TASK_RUNNING status, by source, in order;
	 *  candidates that are not IP literals are already dropped. */
	struct ipaddr *ips[TASK_IP_SOURCES];
	uint16_t n_ips[TASK_IP_SOURCES];
	double best_ts;	     /**< timestamp of that status; -1 when none */
	int8_t health;	     /**< TASK_HEALTH_* of the latest status */
	const char *di_name; /**< discovery.name; NULL or "" = no DiscoveryInfo */
	uint32_t di_name_len;
	struct di_port *di_ports, *di_ports_tail;
};

/** A framework and its tasks. */
struct mesos_framework {
	struct mesos_framework *next;
	const char *name; /**< raw, as the master sent it */
	uint32_t name_len;
	const char *id;	      /**< framework id ("" when absent) */
	const char *hostname; /**< used when there is no pid */
	const char *pid;      /**< raw pid text, NULL when absent */
	bool pid_bad;	      /**< pid present but not a string */
	bool invalid;	      /**< its own fields were malformed */
	struct mesos_task *tasks, *tasks_tail;
	uint32_t n_tasks; /**< tasks listed, running or not */
};

/** An agent. */
struct mesos_slave {
	struct mesos_slave *next;
	const char *id;
	const char *pid; /**< NULL when absent */
	bool pid_bad;
	bool invalid;
};

/** A parsed state; owns its arenas. */
struct mesos_state {
	struct arena arena; /**< the model; freed after generation */
	struct arena names; /**< task ids and names, framework names: the
				     snapshot adopts these for /v1/enumerate */
	const char *leader; /**< NULL when absent */
	struct mesos_framework *frameworks, *frameworks_tail;
	struct mesos_slave *slaves, *slaves_tail;
	uint32_t n_frameworks, n_slaves;
	uint32_t n_tasks;   /**< running tasks */
	uint64_t body_hash; /**< of the bytes received, to spot a state
				     identical to the last one */
	uint32_t n_skipped; /**< malformed frameworks/tasks/slaves skipped */
	/** Why the first few were skipped, for the log. */
	const char *reasons[MESOS_STATE_MAX_REASONS];
	uint32_t n_reasons;
};

/** Frees a state and everything in it. */
void mesos_state_free(struct mesos_state *s);

#endif
