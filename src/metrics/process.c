/* process.c -- process_* series from /proc/self/stat, /proc/self/fd and
 * RLIMIT_NOFILE (see process.h); nothing outside /proc/self is read. */
#include "metrics/process.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void
gauge(struct buf *out, const char *name, const char *type, const char *help,
    double v)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.15g\n", name, help,
	    name, type, name, v);
}

/* The process's start in Unix seconds, from its start in ticks since
 * boot (/proc/self/stat) and the boot-time and wall clocks: only
 * /proc/self is read (systemd's ProcSubset=pid hides /proc/stat). */
static double
start_time(unsigned long long start_ticks, long ticks)
{
	struct timespec wall, boot;

	if (clock_gettime(CLOCK_REALTIME, &wall) < 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
		return 0;
	/* To whole ticks, the precision of the start: the same every scrape. */
	return round(((double)wall.tv_sec + wall.tv_nsec / 1e9 -
			 ((double)boot.tv_sec + boot.tv_nsec / 1e9)) *
		       (double)ticks +
		   (double)start_ticks) /
	    (double)ticks;
}

/* Open descriptors, less the one reading the directory. */
static long
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

void
process_render(struct buf *out)
{
	FILE *f = fopen("/proc/self/stat", "re");
	char stat[1024];
	size_t len = 0;
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE), fds;
	struct rlimit rl;

	if (f != NULL) {
		len = fread(stat, 1, sizeof stat - 1, f);
		fclose(f);
	}
	stat[len] = '\0';
	/* Fields after the command name, which may hold spaces and ')'. */
	char *p = strrchr(stat, ')');
	unsigned long long utime, stime, start, vsize;
	long long rss;

	if (p != NULL && ticks > 0 &&
	    sscanf(p + 2,
		"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
		"%*d %*d %*d %*d %*d %*d %llu %llu %lld",
		&utime, &stime, &start, &vsize, &rss) == 5) {
		double st = start_time(start, ticks);

		gauge(out, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.",
		    (double)(utime + stime) / (double)ticks);
		gauge(out, "process_virtual_memory_bytes", "gauge",
		    "Virtual memory size in bytes.", (double)vsize);
		gauge(out, "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.",
		    (double)rss * (double)page);
		if (st > 0)
			gauge(out, "process_start_time_seconds", "gauge",
			    "Start time of the process since unix epoch in "
			    "seconds.",
			    st);
	}
	if ((fds = open_fds()) >= 0)
		gauge(out, "process_open_fds", "gauge",
		    "Number of open file descriptors.", (double)fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		gauge(out, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.",
		    (double)rl.rlim_cur);
}
