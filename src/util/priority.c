/* priority.c -- see priority.h. */
#include "util/priority.h"

#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

bool
priority_lower_thread(int by)
{
	/* On Linux a thread id names one thread for get/setpriority(). */
	id_t self = (id_t)gettid();
	struct sched_param none = { 0 };
	int now;

	/* SCHED_BATCH: waking up, the thread does not preempt the one on
	 * the core (a DNS worker), which would lose its cache to it each
	 * time; it runs when the worker's slice ends.  Best effort: the
	 * nice value below is what yields the core. */
	(void)sched_setscheduler((pid_t)self, SCHED_BATCH, &none);
	errno = 0;
	now = getpriority(PRIO_PROCESS, self);
	if (now == -1 && errno != 0)
		return false;
	return setpriority(PRIO_PROCESS, self, now + by > 19 ? 19 : now + by) ==
	    0;
}
