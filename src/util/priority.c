/* priority.c -- see priority.h. */
#include "util/priority.h"

#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

bool
priority_lower_thread(int by)
{
	/* On Linux a thread id names one thread for get/setpriority(). */
	id_t self = (id_t)gettid();
	int now;

	errno = 0;
	now = getpriority(PRIO_PROCESS, self);
	if (now == -1 && errno != 0)
		return false;
	return setpriority(PRIO_PROCESS, self, now + by > 19 ? 19 : now + by) ==
	    0;
}
