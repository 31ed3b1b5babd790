/* state.c -- the state the xfr modules share (see state.h) and the apex
 * SOA every one of them writes, kept here so that the journal, the
 * transfer and NOTIFY depend on it and not on each other. */
#include "xfr/state.h"

#include <string.h>

#include "config.h"
#include "dns/wire.h"
#include "xfr/zone.h"

struct xfr_state xfr_g;

void
xfr_soa_rr(struct zone_rr *rr, uint32_t serial)
{
	const struct config *c = xfr_g.cfg;

	memset(rr, 0, sizeof *rr);
	rr->type = TYPE_SOA;
	rr->owner = xfr_g.domain;
	rr->ttl = (uint32_t)c->ttl;
	rr->u.soa.mname = xfr_g.mname;
	rr->u.soa.rname = xfr_g.rname;
	rr->u.soa.serial = serial;
	rr->u.soa.refresh = c->soa_refresh;
	rr->u.soa.retry = c->soa_retry;
	rr->u.soa.expire = c->soa_expire;
	rr->u.soa.minimum = (uint32_t)c->ttl;
}
