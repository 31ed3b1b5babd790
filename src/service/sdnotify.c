/* sdnotify.c -- sd_notify(3) messages behind sdnotify.h.
 *
 * libsystemd does the socket work (abstract and path NOTIFY_SOCKET, the
 * credentials); this file only decides what to say and when.  Without
 * libsystemd at build time (MDNS_HAVE_SYSTEMD undefined) every message
 * is dropped.
 */
#include "service/sdnotify.h"

#include <stdio.h>
#include <time.h>

#ifdef MDNS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"

static uint64_t watchdog_usec;
static int64_t last_ping_us;

static void
notify(const char *msg)
{
#ifdef MDNS_HAVE_SYSTEMD
	int r = sd_notify(0, msg);

	if (r < 0)
		log_error_every(60000, "systemd notify: cannot send: %s", msg);
#else
	(void)msg;
#endif
}

void
sdnotify_init(void)
{
#ifdef MDNS_HAVE_SYSTEMD
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0)
		watchdog_usec = usec;
#endif
}

void
sdnotify_ready(const char *status)
{
	char msg[512];

	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status);
	notify(msg);
}

void
sdnotify_status(const char *status)
{
	char msg[512];

	snprintf(msg, sizeof msg, "STATUS=%s", status);
	notify(msg);
}

void
sdnotify_reloading(void)
{
	struct timespec ts;
	char msg[256];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof msg,
	    "RELOADING=1\nSTATUS=reloading the configuration\n"
	    "MONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
		(unsigned long long)ts.tv_nsec / 1000ULL);
	notify(msg);
}

void
sdnotify_stopping(void)
{
	notify("STOPPING=1\nSTATUS=stopping");
}

void
sdnotify_watchdog_tick(int64_t now_us)
{
	if (watchdog_usec == 0 ||
	    now_us - last_ping_us < (int64_t)(watchdog_usec / 2))
		return;
	last_ping_us = now_us;
	notify("WATCHDOG=1");
}

uint64_t
sdnotify_watchdog_usec(void)
{
	return watchdog_usec;
}
