/* main.c -- mesos-dns: command line, start-up order, signals.
 *
 * The order is the original's (spec/README.md): flags, configuration (any
 * error exits 1 with one line), the reload thread, and the DNS server once
 * the first reload has published records.  One difference: the HTTP API
 * listens from the start, so that /metrics, /healthz and /readyz answer
 * before the first load (its /v1 paths answer 503 until DNS serves).
 * SIGTERM and SIGINT stop cleanly; SIGHUP reads the configuration file
 * again (service/reload.c) and reloads the state, SIGUSR1 the state only.
 * systemd hears of each step (service/sdnotify.c).
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cfglive.h"
#include "config.h"
#include "log.h"
#include "master/masters.h"
#include "master/zk.h"
#include "metrics/health.h"
#include "records/snapshot.h"
#include "refresh.h"
#include "util/clock.h"
#include "service/listeners.h"
#include "service/reload.h"
#include "service/sdnotify.h"
#include "state/auth.h"
#include "state/fetch.h"
#include "state/stream.h"
#include "xfr/xfr.h"

static void
usage(FILE *f)
{
	fputs("Usage of mesos-dns:\n"
	      "  -config string\n"
	      "    \tPath to config file (default \"config.json\")\n"
	      "  -v int\n"
	      "    \tlog verbosity (1 verbose, 2 very verbose)\n"
	      "  -version\n"
	      "    \toutput the version\n"
	      "  -logtostderr, -alsologtostderr, -stderrthreshold, -log_dir,\n"
	      "  -vmodule, -log_backtrace_at\n"
	      "    \taccepted for compatibility with the original's glog flags\n",
	    f);
}

/* Flags of the original, in Go flag syntax: -x, --x, -x=v, -x v. */
struct flags {
	const char *config;
	bool version;
	int verbosity;
};

static bool
parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "1") == 0 || strcasecmp(v, "t") == 0 ||
	    strcasecmp(v, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(v, "0") == 0 || strcasecmp(v, "f") == 0 ||
	    strcasecmp(v, "false") == 0) {
		*out = false;
		return true;
	}
	return false;
}

static int
parse_flags(int argc, char **argv, struct flags *f)
{
	static const char *const glog_bool[] = { "logtostderr",
		"alsologtostderr" };
	static const char *const glog_value[] = { "stderrthreshold", "log_dir",
		"vmodule", "log_backtrace_at" };

	f->config = "config.json";
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *name, *eq, *val = NULL;
		bool known = false, b;

		if (a[0] != '-' || a[1] == '\0')
			break; /* Go stops at the first non-flag */
		if (strcmp(a, "--") == 0)
			break;
		name = a + (a[1] == '-' ? 2 : 1);
		if ((eq = strchr(name, '=')) != NULL) {
			*eq = '\0';
			val = eq + 1;
		}
		if (strcmp(name, "h") == 0 || strcmp(name, "help") == 0) {
			usage(stderr);
			exit(0);
		}
		if (strcmp(name, "version") == 0) {
			if (val != NULL && !parse_bool(val, &b))
				goto bad_value;
			f->version = val == NULL || b;
			continue;
		}
		for (size_t k = 0; k < 2; k++)
			if (strcmp(name, glog_bool[k]) == 0) {
				if (val != NULL && !parse_bool(val, &b))
					goto bad_value;
				known = true;
			}
		if (known)
			continue;
		if (strcmp(name, "config") != 0 && strcmp(name, "v") != 0) {
			for (size_t k = 0; k < 4; k++)
				if (strcmp(name, glog_value[k]) == 0)
					known = true;
			if (!known) {
				fprintf(stderr,
				    "flag provided but not defined: "
				    "-%s\n",
				    name);
				usage(stderr);
				return -1;
			}
		}
		if (val == NULL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "flag needs an argument: -%s\n",
				    name);
				usage(stderr);
				return -1;
			}
			val = argv[++i];
		}
		if (strcmp(name, "config") == 0) {
			f->config = val;
		} else if (strcmp(name, "v") == 0) {
			char *end;
			long v = strtol(val, &end, 10);

			if (*val == '\0' || *end != '\0')
				goto bad_value;
			f->verbosity = (int)v;
		}
		continue;
	bad_value:
		fprintf(stderr, "invalid value \"%s\" for flag -%s\n",
		    val ? val : "", name);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Go's time.Duration text for whole seconds: 30s, 1m0s, 1h0m0s. */
static const char *
go_duration(int64_t s, char *out, size_t len)
{
	if (s >= 3600)
		snprintf(out, len, "%lldh%lldm%llds", (long long)(s / 3600),
		    (long long)(s % 3600 / 60), (long long)(s % 60));
	else if (s >= 60)
		snprintf(out, len, "%lldm%llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(out, len, "%llds", (long long)s);
	return out;
}

/* STATUS= after each publication (new records, or only a new serial):
 * the records served and their serial; *seen is the serial last told. */
static void
status_update(uint32_t *seen, bool ready)
{
	struct refresh_stats st;
	struct snapshot *s;
	uint32_t serial = 0;
	char msg[128];

	snapshot_read_lock();
	if ((s = snapshot_current()) != NULL)
		serial = snap_serial(s);
	snapshot_read_unlock();
	if (serial == *seen && !ready)
		return;
	*seen = serial;
	refresh_get_stats(&st);
	snprintf(msg, sizeof msg, "serving %u records, serial %u", st.records,
	    serial);
	if (ready)
		sdnotify_ready(msg);
	else
		sdnotify_status(msg);
}

/* The soft descriptor limit up to the hard one: the forwarder's budget and
 * the TCP connection bound are shares of it (1024 soft is the usual
 * default outside the systemd unit, with a much higher hard limit). */
static void
raise_nofile_limit(void)
{
	struct rlimit rl;
	unsigned long long was;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	was = (unsigned long long)rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_verbose("serving: cannot raise the descriptor limit from %llu: "
			    "%s",
		    was, strerror(errno));
		return;
	}
	log_verbose("serving: descriptor limit raised from %llu to %llu", was,
	    (unsigned long long)rl.rlim_cur);
}

int
main(int argc, char **argv)
{
	/* The start-up configuration: what is fixed until a restart (the
	 * sockets, the event stream) reads it until exit; a reload publishes
	 * new ones beside it (cfglive.h). */
	struct config *cfg;
	struct flags flags = { 0 };
	struct fetch_opts fopts = { 0 };
	char err[2048];
	sigset_t sigs;
	int sig, status = 1;
	bool serving = false, refreshing = false, ok;
	struct masters_listener listener;
	struct stream_sink sink;
	struct refresh_reloader reloader;
	uint32_t published = 0;

	/* Big buffers always from mmap, so that a refresh gives its memory
	 * back to the system instead of leaving the heap fragmented. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
	mallopt(M_ARENA_MAX, 4);
	if (parse_flags(argc, argv, &flags) < 0)
		return 2;
	if (flags.version) {
		printf("%s\n", MDNS_VERSION);
		return 0;
	}
	if ((cfg = calloc(1, sizeof *cfg)) == NULL)
		return 1;
	log_verbosity = flags.verbosity;
	raise_nofile_limit();
	/* Signals are taken synchronously by the main thread; every thread
	 * started below inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The zone-transfer keys are checked by their own module: the
	 * configuration layer includes nothing above util/. */
	if (config_load(cfg, flags.config, err, sizeof err) < 0 ||
	    xfr_config_check(cfg, err, sizeof err) < 0) {
		log_error("%s", err);
		config_free(cfg);
		free(cfg);
		return 1;
	}
	/* Published for every reader, and held here until exit. */
	cfglive_publish(cfg);
	cfglive_hold(cfg);
	sdnotify_init();
	sdnotify_status("waiting for the first master state");
	reload_init(flags.config);
	reload_reloader(&reloader);
	if (cfg->mesos_authentication[0] == '\0' && cfg->principal[0] != '\0')
		log_error(
		    "Warning: MesosCredentials set but "
		    "MesosAuthentication is empty: no authentication is used");
	fetch_global_init();
	if (auth_init(cfg, &fopts, err, sizeof err) < 0) {
		log_error("%s", err);
		goto fail_early;
	}
	fopts.cfg = cfg;
	/* The reload loop hears of every change: a new leader, an event. */
	refresh_masters_listener(&listener);
	masters_listen(&listener);
	refresh_stream_sink(&sink);
	if (cfg->zk[0] != '\0') {
		/* ZooKeeper: M = ["", masters...] until the detector reports;
		 * no leader for zkDetectionTimeout seconds ends the process. */
		struct masters_list m = {
			calloc(cfg->masters.n + 1, sizeof(char *)), 0
		};

		if (m.v == NULL)
			goto fail;
		m.v[m.n++] = "";
		for (size_t i = 0; i < cfg->masters.n; i++)
			m.v[m.n++] = cfg->masters.v[i];
		ok = masters_set((const char *const *)m.v, m.n);
		free(m.v);
		if (!ok)
			goto fail;
		masters_timer_start(cfg->zk_detection_timeout);
		if (zk_start(cfg, err, sizeof err) < 0) {
			log_error("%s", err);
			goto fail;
		}
	} else {
		/* Static masters: M = masters, the first presumed leader. */
		if (!masters_set((const char *const *)cfg->masters.v,
			cfg->masters.n))
			goto fail;
	}
	if (xfr_init(cfg, err, sizeof err) < 0) {
		log_error("%s", err);
		goto fail;
	}
	if (listeners_start_http(cfg, err, sizeof err) < 0) {
		log_error("%s", err);
		goto fail;
	}
	if (refresh_start(cfg, &fopts, &reloader) < 0) {
		log_error("cannot start the reload thread");
		goto fail;
	}
	refreshing = true;
	if (cfg->events_on && stream_start(cfg, &fopts, &sink) < 0) {
		log_error("cannot start the event stream thread");
		goto fail;
	}
	/* No DNS is served before the first records exist.  One loop takes
	 * the signals, starts the servers after the first load and watches
	 * the detection timer. */
	for (;;) {
		/* Poll often until serving: the first answer must not wait
		 * (some 300 wake-ups in a 100k-task start). */
		int64_t tick_ms = serving ? 250 : 2;
		uint64_t wd = sdnotify_watchdog_usec();
		struct timespec ts;
		siginfo_t si;

		/* The watchdog is pinged at half its interval at least. */
		if (wd != 0 && (int64_t)(wd / 4000) < tick_ms)
			tick_ms = wd / 4000 > 0 ? (int64_t)(wd / 4000) : 1;
		ts = (struct timespec){ 0, tick_ms * 1000 * 1000 };
		sig = sigtimedwait(&sigs, &si, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			sdnotify_stopping();
			break;
		}
		if (sig == SIGHUP) {
			log_verbose("signal %d: reloading the configuration "
				    "and the state now",
			    sig);
			if (serving)
				sdnotify_reloading();
			refresh_reload_config();
		}
		if (sig == SIGUSR1) {
			log_verbose("signal %d: reloading the state now", sig);
			refresh_trigger();
		}
		sdnotify_watchdog_tick(clock_us());
		if (serving)
			status_update(&published, false);
		if (masters_timer_expired()) {
			char d[64];

			const struct config *now = cfglive_acquire();

			log_error("master detection timed out after %s",
			    go_duration(now->zk_detection_timeout, d,
				sizeof d));
			cfglive_release(now);
			goto fail;
		}
		listeners_follow(); /* a reload moved a server */
		if (!serving && refresh_loaded()) {
			/* Where the configuration in force says (a reload
			 * may have come before the first load). */
			const struct config *now = cfglive_acquire();

			serving = true;
			if (listeners_start_dns(now, err, sizeof err) < 0) {
				log_error("%s", err);
				cfglive_release(now);
				goto fail;
			}
			health_set_serving();
			log_verbose("serving: DNS %s:%lld %s, HTTP %s:%lld %s",
			    now->listener, (long long)now->port,
			    now->dns_on ? "on" : "off", now->http_listener,
			    (long long)now->http_port,
			    now->http_on ? "on" : "off");
			cfglive_release(now);
			status_update(&published, true);
		}
	}
	status = 0;
	goto out;
fail:
	status = 1;
out:
	/* Every thread ends before the configuration they read goes. */
	stream_stop();
	zk_stop();
	listeners_stop();
	if (refreshing)
		refresh_stop();
	xfr_stop();
	cfglive_shutdown();
	cfglive_release(cfg);
	return status;
fail_early:
	cfglive_shutdown();
	cfglive_release(cfg);
	return 1;
}
