/* reload.h -- SIGHUP: the configuration file read again and applied
 * without a restart.
 *
 * The reload thread (refresh.c) calls reload_apply when main.c passes on
 * a SIGHUP; a valid file becomes the configuration in force (cfglive.h)
 * and the masters list and ZooKeeper detection follow it, a bad one is
 * refused with the start-up message and nothing changes.
 */
#ifndef MDNS_RELOAD_H
#define MDNS_RELOAD_H

#include "refresh.h"

/** Remembers the file to read again (as given on the command line). */
void reload_init(const char *path);

/** The reload thread's hook (refresh_start): reads, checks and publishes
 *  the file; 0 when a new configuration is in force, -1 when it was
 *  refused (one error line logged) and the old one stays. */
void reload_reloader(struct refresh_reloader *out);

#endif
