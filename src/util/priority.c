/* priority.c -- see priority.h. */
#include "util/priority.h"

#include <sys/resource.h>
#include <unistd.h>

bool
priority_lower_thread(int nice)
{
	/* On Linux a thread id names one thread for setpriority(). */
	return setpriority(PRIO_PROCESS, (id_t)gettid(), nice) == 0;
}
