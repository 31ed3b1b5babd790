/* listeners.h -- the HTTP API, started at once, and the DNS server,
 * started once the first records exist; each reopened when a reload moves
 * it.
 *
 * Each server remembers the configuration it was started with (a
 * reference, cfglive.h).  After a reload the main loop calls
 * listeners_follow: a server whose address, port or on/off key changed is
 * stopped and started again on the new one, the other keeps its sockets.
 */
#ifndef MDNS_LISTENERS_H
#define MDNS_LISTENERS_H

#include <stddef.h>

struct config;

/** Starts the HTTP API if cfg turns it on, before the first load so that
 *  /healthz, /readyz and /metrics answer; -1 with err (the daemon exits 1). */
int listeners_start_http(const struct config *cfg, char *err, size_t errlen);

/** Starts the DNS server if cfg turns it on, once records exist; -1 with
 *  err (the daemon exits 1). */
int listeners_start_dns(const struct config *cfg, char *err, size_t errlen);

/** Reopens the servers whose keys differ in the configuration in force;
 *  one that cannot be opened there is opened again where it was, with
 *  one error line.  Main thread; a server not started yet is left alone. */
void listeners_follow(void);

/** For a reload about to be published: -1 with err when a server would
 *  move to an address it cannot bind (in use, not local), so that the
 *  reload is refused instead. */
int listeners_check(const struct config *next, char *err, size_t errlen);

/** Stops whatever runs. */
void listeners_stop(void);

#endif
