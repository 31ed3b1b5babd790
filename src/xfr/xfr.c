/* xfr.c -- set-up of zone transfers and the single publication point:
 * the SOA serial of every snapshot, the IXFR journal and NOTIFY. */
#include "xfr/xfr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dns/dname.h"
#include "log.h"
#include "records/snapshot.h"
#include "util/hostport.h"
#include "xfr/journal.h"
#include "xfr/serial.h"
#include "xfr/state.h"
#include "xfr/zone.h"

static uint32_t last_serial; /* the last serial published */
static uint64_t cur_digest;  /* of the current snapshot's zone */
static bool have_digest;
/* The last full snapshot published and its digest: every overlay's base
 * was published first, so its digest is known when the overlay comes. */
static const struct snapshot *full_snap;
static uint64_t full_digest;

/* The digest of the zone s serves. */
static uint64_t
served_digest(const struct snapshot *s)
{
	if (s->base == NULL) {
		full_snap = s;
		full_digest = zone_digest(s);
		return full_digest;
	}
	if (s->base != full_snap) {
		full_snap = s->base;
		full_digest = zone_digest(s->base);
	}
	return zone_digest_overlay(s, full_digest);
}

int
xfr_config_check(const struct config *c, char *err, size_t errlen)
{
	struct tsig_key k;
	struct acl_entry e;

	for (size_t i = 0; i < c->xfr_allow.n; i++)
		if (!acl_parse(c->xfr_allow.v[i], &e)) {
			snprintf(err, errlen,
			    "invalid ZoneTransferAllow "
			    "entry %zu: \"%s\" is not an address or CIDR "
			    "prefix",
			    i, c->xfr_allow.v[i]);
			return -1;
		}
	for (size_t i = 0; i < c->xfr_notify.n; i++) {
		struct hostport hp;
		struct ipaddr a;

		if (hostport_split(c->xfr_notify.v[i], &hp, false) < 0 ||
		    hp.port <= 0 ||
		    !ipaddr_parse(hp.host, strlen(hp.host), &a)) {
			snprintf(err, errlen,
			    "invalid ZoneTransferNotify "
			    "entry %zu: \"%s\" is not ip:port",
			    i, c->xfr_notify.v[i]);
			return -1;
		}
	}
	if (c->xfr_tsig_name[0] == '\0' && c->xfr_tsig_secret[0] == '\0')
		return 0;
	if (c->xfr_tsig_name[0] == '\0') {
		snprintf(err, errlen,
		    "invalid ZoneTransferTSIG: a secret "
		    "without a name");
		return -1;
	}
	if (!tsig_key_init(&k, c->xfr_tsig_name, c->xfr_tsig_secret)) {
		/* The secret is never part of a message. */
		snprintf(err, errlen,
		    "invalid ZoneTransferTSIG: the name "
		    "must be a DNS name and the secret base64 (1 to 256 "
		    "octets)");
		memset(&k, 0, sizeof k);
		return -1;
	}
	memset(&k, 0, sizeof k);
	return 0;
}

static int
wire_of(const char *text, uint8_t *out, size_t *len, const char *what,
    char *err, size_t errlen)
{
	if (dname_from_text(text, strlen(text), out, len) < 0) {
		snprintf(err, errlen, "%s %s cannot be a DNS name", what, text);
		return -1;
	}
	dname_lower(out);
	return 0;
}

int
xfr_init(const struct config *c, char *err, size_t errlen)
{
	size_t n;

	memset(&xfr_g, 0, sizeof xfr_g);
	xfr_g.cfg = c;
	if (wire_of(c->domain, xfr_g.domain, &xfr_g.domain_len, "domain", err,
		errlen) < 0 ||
	    wire_of(c->soa_mname, xfr_g.mname, &n, "SOAMname", err, errlen) <
		0 ||
	    wire_of(c->soa_rname, xfr_g.rname, &n, "SOARname", err, errlen) < 0)
		return -1;
	if (c->xfr_allow.n > 0) {
		xfr_g.acl = calloc(c->xfr_allow.n, sizeof *xfr_g.acl);
		if (xfr_g.acl == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t i = 0; i < c->xfr_allow.n; i++)
			acl_parse(c->xfr_allow.v[i], &xfr_g.acl[i]);
		xfr_g.n_acl = c->xfr_allow.n;
		xfr_g.transfers = true;
	}
	xfr_g.active = xfr_g.transfers || c->xfr_notify.n > 0;
	if (c->xfr_tsig_name[0] != '\0')
		xfr_g.have_key = tsig_key_init(&xfr_g.key, c->xfr_tsig_name,
		    c->xfr_tsig_secret);
	last_serial = 0;
	have_digest = false;
	full_snap = NULL;
	if (c->xfr_serial_file[0] != '\0') {
		if (serial_load(c->xfr_serial_file, &last_serial))
			log_verbose("xfr: serial %u read from %s", last_serial,
			    c->xfr_serial_file);
	} else if (xfr_g.active) {
		log_error(
		    "Warning: zone transfers without "
		    "ZoneTransferSerialFile: the SOA serial starts from the "
		    "clock again after a restart");
	}
	if (c->xfr_notify.n > 0 && notify_start(c, err, errlen) < 0)
		return -1;
	return 0;
}

void
xfr_stop(void)
{
	notify_stop();
	journal_clear();
	free(xfr_g.acl);
	xfr_g.acl = NULL;
	xfr_g.n_acl = 0;
	memset(&xfr_g.key, 0, sizeof xfr_g.key);
}

static void
persist(uint32_t serial)
{
	const char *path = xfr_g.cfg ? xfr_g.cfg->xfr_serial_file : "";

	if (path[0] != '\0' && serial_store(path, serial) < 0)
		log_error("xfr: cannot write the serial to %s: %s", path,
		    strerror(errno));
}

void
xfr_publish(struct snapshot *next)
{
	struct snapshot *cur;
	uint32_t now = (uint32_t)time(NULL), prev, serial;
	uint64_t digest = 0;

	/* Only the refresh thread publishes: cur stays valid here. */
	snapshot_read_lock();
	cur = snapshot_current();
	snapshot_read_unlock();
	prev = cur != NULL ? snap_serial(cur) : 0;
	if (prev == 0 || serial_lt(prev, last_serial))
		prev = last_serial;
	if (next == cur) {
		/* The state was unchanged and the records kept: the
		 * original moves the serial anyway; with transfers a
		 * secondary would fetch nothing new. */
		if (xfr_g.active)
			return;
		serial = serial_next(prev, now);
		atomic_store(&cur->serial, serial);
		last_serial = serial;
		persist(serial);
		return;
	}
	if (xfr_g.active) {
		if (cur != NULL && !have_digest) {
			cur_digest = served_digest(cur);
			have_digest = true;
		}
		digest = served_digest(next);
	}
	if (xfr_g.active && cur != NULL && digest == cur_digest)
		serial = snap_serial(cur); /* the same zone */
	else
		serial = serial_next(prev, now);
	atomic_store(&next->serial, serial);
	/* Written before anyone can see it: a crash never loses a serial
	 * a secondary may have. */
	if (serial != last_serial) {
		persist(serial);
		if (xfr_g.transfers)
			journal_record(cur, next);
	}
	snapshot_publish(next);
	cur_digest = digest;
	have_digest = xfr_g.active;
	if (serial == last_serial)
		return;
	last_serial = serial;
	if (!xfr_g.active)
		return;
	if (xfr_g.cfg->xfr_notify.n > 0)
		notify_kick(serial);
}
