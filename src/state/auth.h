/* auth.h -- the Authorization header of state requests: none, HTTP basic
 * with MesosCredentials, or a DC/OS IAM token (spec/masters.md §5). */
#ifndef MDNS_STATE_AUTH_H
#define MDNS_STATE_AUTH_H

#include <stddef.h>

#include "state/fetch.h"

struct config;

/** Sets o->auth_header for the configured mechanism; -1 with err when
 *  the configuration cannot be used (the daemon then exits 1). */
int auth_init(const struct config *cfg, struct fetch_opts *o, char *err,
    size_t errlen);

/** A reload's credentials for the state polls of the reload thread:
 *  none or basic from cfg (a new header; the previous reload's is freed),
 *  or the IAM login set up at start.  -1 with err when cfg cannot be used
 *  (switching to "iam" needs a restart); o is unchanged then. */
int auth_reload(const struct config *cfg, struct fetch_opts *o, char *err,
    size_t errlen);

#endif
