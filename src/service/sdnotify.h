/* sdnotify.h -- telling systemd how the service is doing (Type=notify).
 *
 * Every call is a no-op when the process was not started with
 * NOTIFY_SOCKET (or the build has no libsystemd), so the daemon runs the
 * same outside systemd.
 */
#ifndef MDNS_SDNOTIFY_H
#define MDNS_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/** Reads WATCHDOG_USEC once (sd_watchdog_enabled); call before threads. */
void sdnotify_init(void);

/** READY=1 with a STATUS= line: the first records are served, or a reload
 *  is over. */
void sdnotify_ready(const char *status);

/** A STATUS= line alone ("serving N records, serial S"). */
void sdnotify_status(const char *status);

/** RELOADING=1 with MONOTONIC_USEC= (systemd 253 Type=notify-reload):
 *  a SIGHUP reload begins; sdnotify_ready ends it. */
void sdnotify_reloading(void);

/** STOPPING=1: SIGTERM or SIGINT was taken. */
void sdnotify_stopping(void);

/** WATCHDOG=1 when the service manager asked for pings and half its
 *  interval passed since the last one; called from the main loop's tick
 *  (now in monotonic microseconds). */
void sdnotify_watchdog_tick(int64_t now_us);

/** The watchdog interval asked for, in microseconds; 0 when none. */
uint64_t sdnotify_watchdog_usec(void);

#endif
