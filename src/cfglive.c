/* cfglive.c -- the configuration in force behind cfglive.h.
 *
 * One RCU-protected pointer (liburcu-bp, the flavour of the snapshot, so
 * one read section covers both) and a reference count per configuration:
 * the pointer holds one reference, every cfglive_acquire another.  The
 * publisher swaps, waits for the readers inside a section, then drops
 * the pointer's reference; whoever drops the last one frees.
 */
#include "cfglive.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <urcu-bp.h>

static struct config *live;
static _Atomic uint64_t generations;

void
cfglive_publish(struct config *c)
{
	struct config *old;

	c->generation = atomic_load(&generations) + 1;
	atomic_store(&c->live_refs, 1);
	old = rcu_xchg_pointer(&live, c);
	atomic_store(&generations, c->generation);
	if (old == NULL)
		return;
	synchronize_rcu();
	cfglive_release(old);
}

const struct config *
cfglive_current(void)
{
	return rcu_dereference(live);
}

uint64_t
cfglive_generation(void)
{
	return atomic_load_explicit(&generations, memory_order_acquire);
}

const struct config *
cfglive_acquire(void)
{
	struct config *c;

	rcu_read_lock();
	c = rcu_dereference(live);
	if (c != NULL)
		atomic_fetch_add(&c->live_refs, 1);
	rcu_read_unlock();
	return c;
}

const struct config *
cfglive_hold(const struct config *c)
{
	struct config *m = (struct config *)(uintptr_t)c;

	/* Never published (a test's, on its stack): its owner frees it. */
	if (m->generation != 0)
		atomic_fetch_add(&m->live_refs, 1);
	return c;
}

void
cfglive_release(const struct config *c)
{
	struct config *m = (struct config *)(uintptr_t)c;
	int before;

	if (m == NULL || m->generation == 0)
		return;
	before = atomic_fetch_sub(&m->live_refs, 1);
	assert(before >= 1);
	if (before == 1) {
		config_free(m);
		free(m);
	}
}

void
cfglive_shutdown(void)
{
	struct config *old = rcu_xchg_pointer(&live, NULL);

	if (old == NULL)
		return;
	synchronize_rcu();
	cfglive_release(old);
}
