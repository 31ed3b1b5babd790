/* state.h -- what the xfr modules share once xfr_init has run (read-only
 * afterwards, so every thread may read it). */
#ifndef MDNS_XFR_STATE_H
#define MDNS_XFR_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xfr/acl.h"
#include "xfr/tsig.h"

struct config;

struct xfr_state {
	const struct config *cfg;
	bool transfers; /**< ZoneTransferAllow is not empty */
	bool active;	/**< transfers or NOTIFY targets */
	struct acl_entry *acl;
	size_t n_acl;
	bool have_key;
	struct tsig_key key;
	uint8_t domain[255], mname[255], rname[255]; /**< wire, lowercase */
	size_t domain_len;
};

extern struct xfr_state xfr_g;

struct zone_rr;

/** The apex SOA with the given serial. */
void xfr_soa_rr(struct zone_rr *rr, uint32_t serial);

/** Sends NOTIFY for serial to every target (coalesced, retried). */
void notify_kick(uint32_t serial);

/** Starts the NOTIFY thread; -1 with err. */
int notify_start(const struct config *c, char *err, size_t errlen);

/** Stops it. */
void notify_stop(void);

#endif
