/* reload.c -- the configuration file read again on SIGHUP (reload.h).
 *
 * A new configuration is loaded aside with the start-up checks, so a bad
 * file gives the very line it would give at start and changes nothing.
 * Keys whose parts are set up once (the event stream, the forwarder's
 * buffers, zone transfers, the IAM login) keep their running values, with
 * one line saying so; everything else is published at once: the DNS
 * workers, the forwarders and the HTTP API pick the new configuration up
 * on their next query, the main loop moves a server whose address changed
 * (listeners.c), the reload loop polls the master and rebuilds the
 * records under it.
 */
#include "service/reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfglive.h"
#include "config.h"
#include "dns/answer.h"
#include "log.h"
#include "master/masters.h"
#include "master/zk.h"
#include "service/listeners.h"
#include "service/sdnotify.h"
#include "state/auth.h"
#include "xfr/xfr.h"

static char *config_path;

/* Keys a running daemon cannot take on, and why (for the log line). */
static const struct {
	const char *key;
	const char *why;
} restart_keys[] = {
	{ "HTTPMaxConnectionsPerIP", "the HTTP server" },
	{ "ExternalOn", "the forwarder thread" },
	{ "EDNS0MaxUDPSize", "the UDP buffers" },
	{ "ForwardCacheSize", "the forwarder cache" },
	{ "EventsOn", "the event stream" },
	{ "RRLResponsesPerSecond", "the rate limiter" },
	{ "RRLSlip", "the rate limiter" },
	{ "RRLTableSize", "the rate limiter" },
	{ "IAMConfigFile", "the IAM login" },
	{ "ZoneTransferAllow", "zone transfers" },
	{ "ZoneTransferNotify", "zone transfers" },
	{ "ZoneTransferTSIG", "zone transfers" },
	{ "ZoneTransferSerialFile", "zone transfers" },
};

/* Zone transfers copy these into the zone they send (xfr/), set up once:
 * with transfers on they wait for a restart too. */
static const char *const transfer_keys[] = { "Domain", "TTL", "SOAMname",
	"SOARname", "SOARefresh", "SOARetry", "SOAExpire", "SOAMinttl",
	"SRVRecordDefaultWeight" };

void
reload_init(const char *path)
{
	free(config_path);
	config_path = strdup(path);
}

/* A restart-only key changed in next takes the running value back, with
 * one line saying why; -1 when it cannot be copied. */
static int
keep_key(struct config *next, const struct config *running, const char *key,
    const char *why)
{
	char was[512], now[512];
	int r = config_keep_key(next, running, key, was, sizeof was, now,
	    sizeof now);

	if (r > 0)
		log_error("reload: %s %s -> %s needs a restart (%s); "
			  "keeping %s",
		    key, was, now, why, was);
	return r < 0 ? -1 : 0;
}

/* Restart-only keys changed in next take the running values back. */
static int
keep_restart_keys(struct config *next, const struct config *running)
{
	for (size_t i = 0; i < sizeof restart_keys / sizeof restart_keys[0];
	     i++)
		if (keep_key(next, running, restart_keys[i].key,
			restart_keys[i].why) < 0)
			return -1;
	/* basic and none switch freely; the IAM login is set up once. */
	if ((strcmp(running->mesos_authentication, "iam") == 0 ||
		strcmp(next->mesos_authentication, "iam") == 0) &&
	    keep_key(next, running, "MesosAuthentication", "the IAM login") < 0)
		return -1;
	if (running->xfr_allow.n == 0 && running->xfr_notify.n == 0)
		return 0;
	for (size_t i = 0; i < sizeof transfer_keys / sizeof transfer_keys[0];
	     i++)
		if (keep_key(next, running, transfer_keys[i],
			"zone transfers are on") < 0)
			return -1;
	return 0;
}

/* The masters list and ZooKeeper detection of the new configuration;
 * -1 when the detector cannot be started (the old one is gone by then:
 * the static masters still serve). */
static int
apply_masters(const struct config *next, const struct config *running)
{
	bool zk_changed = strcmp(next->zk, running->zk) != 0 ||
	    next->zk_detection_timeout != running->zk_detection_timeout;
	bool masters_changed = config_key_changed(next, running, "Masters");
	char err[1024];

	if (!zk_changed && !masters_changed)
		return 0;
	if (next->zk[0] == '\0') {
		zk_stop();
		masters_timer_start(0);
		if (!masters_set((const char *const *)next->masters.v,
			next->masters.n))
			return -1;
		log_info("reload: masters %zu static, ZooKeeper %s",
		    next->masters.n, running->zk[0] ? "off" : "still off");
		return 0;
	}
	/* ZooKeeper names the leader again from scratch: M = ["",
	 * masters...] until it does, as at start. */
	zk_stop();
	{
		const char **v = calloc(next->masters.n + 1, sizeof *v);
		bool ok;

		if (v == NULL)
			return -1;
		v[0] = "";
		for (size_t i = 0; i < next->masters.n; i++)
			v[i + 1] = next->masters.v[i];
		ok = masters_set(v, next->masters.n + 1);
		free(v);
		if (!ok)
			return -1;
	}
	masters_timer_start(next->zk_detection_timeout);
	if (zk_start(next, err, sizeof err) < 0) {
		log_error("reload: %s", err);
		return -1;
	}
	log_info("reload: following the leader through ZooKeeper again");
	return 0;
}

static int
reload_apply(void *ctx, struct fetch_opts *opts)
{
	struct fetch_opts next_opts = *opts;
	const struct config *running = cfglive_acquire();
	struct config *next = calloc(1, sizeof *next);
	char err[2048] = "out of memory";
	int rc = -1;

	(void)ctx;
	if (next == NULL || running == NULL) {
		log_error("reload: out of memory; keeping the configuration "
			  "in force");
		free(next);
		goto out;
	}
	/* The checks of start-up, with its messages; then a server moved to
	 * an address it cannot have, or credentials that cannot be used,
	 * refuse the reload too. */
	if (config_load(next, config_path, err, sizeof err) < 0 ||
	    xfr_config_check(next, err, sizeof err) < 0 ||
	    answer_config_check(next, err, sizeof err) < 0)
		goto refuse;
	snprintf(err, sizeof err, "out of memory");
	if (keep_restart_keys(next, running) < 0 ||
	    listeners_check(next, err, sizeof err) < 0 ||
	    auth_reload(next, &next_opts, err, sizeof err) < 0)
		goto refuse;
	/* New credentials for the polls (the event stream keeps its own). */
	*opts = next_opts;
	cfglive_publish(next);
	if (apply_masters(next, running) < 0)
		log_error("reload: the new masters list is not followed (see "
			  "above)");
	log_info("reload: configuration %s applied (generation %llu); "
		 "polling the master now",
	    config_path, (unsigned long long)next->generation);
	rc = 0;
	goto out;
refuse:
	log_error("%s (reload refused: the configuration in force stays)", err);
	config_free(next);
	free(next);
out:
	/* READY=1 ends the RELOADING=1 of main.c; before the first load
	 * neither was sent. */
	if (refresh_loaded())
		sdnotify_ready(rc == 0 ? "configuration reloaded" :
					 "reload refused, configuration "
					 "unchanged");
	cfglive_release(running);
	return rc;
}

void
reload_reloader(struct refresh_reloader *out)
{
	*out = (struct refresh_reloader){ .apply = reload_apply };
}
