/* zk.c -- ZooKeeper leader detection (see zk.h).
 *
 * The C client calls our watcher from its own thread; the watcher only
 * records what happened and wakes the detector thread, which does all
 * reads with the synchronous API.  A lost or expired session reports "no
 * leader" (if one was known) and the watch is set again once connected; an
 * expired session gets a new handle.  At most one detection cycle runs per
 * second, as in the original.  The client library keeps trying every
 * member of the ensemble, so one member down at start does not matter.
 */
#include "master/zk.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
/* The synchronous API of libzookeeper-mt is declared only with THREADED. */
#define THREADED 1
#include <zookeeper/zookeeper.h>

#include "config.h"
#include "log.h"
#include "metrics/metrics.h"
#include "master/masters.h"
#include "util/clock.h"
#include "util/hostport.h"
#include "util/ipaddr.h"
#include "util/jsontree.h"

#define ZK_SESSION_MS 60000
#define ZK_CYCLE_MS 1000   /* between retries of a failed watch */
#define ZK_CONNECT_MS 5000 /* a handle not connected by then is replaced */
#define ZK_MAX_DATA (1 << 20)

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool started, stopping;
	bool dirty; /* children may have changed: read again */
	bool connected;
	bool expired;
	struct zk_url url;
	char leader_node[256]; /* the znode chosen last time */
	bool leader_known;
} zk = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int
read_file_spec(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(out, 1, outlen - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n > 0 &&
	    (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ' ||
		out[n - 1] == '\t'))
		out[--n] = '\0';
	return 0;
}

int
zk_parse_url(const char *url, struct zk_url *out, char *err, size_t errlen)
{
	char spec[2048];
	const char *hosts, *slash, *at;

	memset(out, 0, sizeof *out);
	if (strncmp(url, "file://", 7) == 0) {
		if (read_file_spec(url + 7, spec, sizeof spec) < 0) {
			snprintf(err, errlen,
			    "failed to create master "
			    "detector: cannot read %s: %s",
			    url + 7, strerror(errno));
			return -1;
		}
		url = spec;
	}
	if (strncmp(url, "zk://", 5) != 0) {
		snprintf(err, errlen,
		    "failed to initialize master detector: "
		    "invalid url scheme for zk url");
		return -1;
	}
	hosts = url + 5;
	slash = strchr(hosts, '/');
	/* Credentials in the URL are parsed away and not used. */
	at =
	    memchr(hosts, '@', slash ? (size_t)(slash - hosts) : strlen(hosts));
	if (at != NULL)
		hosts = at + 1;
	if (slash == NULL || slash == hosts ||
	    (size_t)(slash - hosts) >= sizeof out->hosts ||
	    strlen(slash) >= sizeof out->path) {
		snprintf(err, errlen,
		    "failed to initialize master detector: "
		    "zk url %s needs hosts and a path",
		    url);
		return -1;
	}
	memcpy(out->hosts, hosts, (size_t)(slash - hosts));
	snprintf(out->path, sizeof out->path, "%s", slash);
	/* "zk://h/mesos/" and "zk://h/mesos" name the same node. */
	{
		size_t n = strlen(out->path);

		while (n > 1 && out->path[n - 1] == '/')
			out->path[--n] = '\0';
	}
	return 0;
}

int
zk_master_info_json(const char *data, size_t len, char *addr, size_t addrlen,
    char *id, size_t idlen)
{
	char *text = malloc(len + 1), ip[64];
	yajl_val root, a, v;
	long port = 5050;
	int rc = -1;

	if (text == NULL)
		return -1;
	memcpy(text, data, len);
	text[len] = '\0';
	root = json_parse(text, NULL, 0);
	free(text);
	if (!YAJL_IS_OBJECT(root))
		goto out;
	v = json_get_go(root, "id");
	snprintf(id, idlen, "%s", YAJL_IS_STRING(v) ? v->u.string : "");
	if ((a = json_get_go(root, "address")) != NULL && YAJL_IS_OBJECT(a)) {
		yajl_val aip = json_get_go(a, "ip"),
			 aport = json_get_go(a, "port");

		/* No host name is longer (and "host:port" must fit). */
		if (!YAJL_IS_STRING(aip) || strlen(aip->u.string) > 255)
			goto out;
		if (YAJL_IS_INTEGER(aport))
			port = (long)aport->u.number.i;
		hostport_join(addr, addrlen, aip->u.string, port);
		rc = 0;
		goto out;
	}
	/* Legacy: a uint32 in host (little-endian) order. */
	v = json_get_go(root, "ip");
	if (!YAJL_IS_INTEGER(v))
		goto out;
	{
		uint32_t x = (uint32_t)v->u.number.i;

		snprintf(ip, sizeof ip, "%u.%u.%u.%u", x & 0xff,
		    (x >> 8) & 0xff, (x >> 16) & 0xff, x >> 24);
	}
	v = json_get_go(root, "port");
	if (YAJL_IS_INTEGER(v))
		port = (long)v->u.number.i;
	hostport_join(addr, addrlen, ip, port);
	rc = 0;
out:
	yajl_tree_free(root);
	return rc;
}

static bool
pb_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
		uint8_t b = p[(*pos)++];

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* Visits the fields of a protobuf message; false when malformed. */
static bool
pb_walk(const uint8_t *p, size_t len,
    bool (*fn)(void *, unsigned, uint64_t, const uint8_t *, size_t), void *ctx)
{
	size_t pos = 0;

	while (pos < len) {
		uint64_t key, v = 0;
		const uint8_t *data = NULL;
		size_t dlen = 0;

		if (!pb_varint(p, len, &pos, &key))
			return false;
		switch (key & 7) {
		case 0:
			if (!pb_varint(p, len, &pos, &v))
				return false;
			break;
		case 1:
			if (len - pos < 8)
				return false;
			pos += 8;
			break;
		case 2:
			if (!pb_varint(p, len, &pos, &v) || v > len - pos)
				return false;
			data = p + pos;
			dlen = (size_t)v;
			pos += dlen;
			break;
		case 5:
			if (len - pos < 4)
				return false;
			pos += 4;
			break;
		default:
			return false;
		}
		if (!fn(ctx, (unsigned)(key >> 3), v, data, dlen))
			return false;
	}
	return true;
}

struct pb_master {
	char id[128];
	uint32_t ip;
	bool has_ip;
	long port;
	bool has_address;
	char addr_ip[64];
	long addr_port;
};

static void
pb_string(char *out, size_t outlen, const uint8_t *d, size_t n)
{
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, d, n);
	out[n] = '\0';
}

static bool
pb_address_field(void *ctx, unsigned field, uint64_t v, const uint8_t *d,
    size_t n)
{
	struct pb_master *m = ctx;

	if (field == 2 && d != NULL)
		pb_string(m->addr_ip, sizeof m->addr_ip, d, n);
	else if (field == 3 && d == NULL)
		m->addr_port = (long)(int32_t)v;
	return true;
}

static bool
pb_master_field(void *ctx, unsigned field, uint64_t v, const uint8_t *d,
    size_t n)
{
	struct pb_master *m = ctx;

	switch (field) {
	case 1:
		if (d != NULL)
			pb_string(m->id, sizeof m->id, d, n);
		break;
	case 2:
		m->ip = (uint32_t)v;
		m->has_ip = true;
		break;
	case 3:
		m->port = (long)v;
		break;
	case 7:
		if (d == NULL || !pb_walk(d, n, pb_address_field, m))
			return false;
		m->has_address = true;
		break;
	default:
		break;
	}
	return true;
}

int
zk_master_info_protobuf(const uint8_t *data, size_t len, char *addr,
    size_t addrlen, char *id, size_t idlen)
{
	struct pb_master m = { .port = 5050, .addr_port = 5050 };
	char ip[64];

	if (!pb_walk(data, len, pb_master_field, &m))
		return -1;
	snprintf(id, idlen, "%s", m.id);
	if (m.has_address && m.addr_ip[0] != '\0') {
		hostport_join(addr, addrlen, m.addr_ip, m.addr_port);
		return 0;
	}
	if (!m.has_ip)
		return -1;
	/* The legacy uint32 is in host order, as Mesos wrote it on x86. */
	snprintf(ip, sizeof ip, "%u.%u.%u.%u", m.ip & 0xff, (m.ip >> 8) & 0xff,
	    (m.ip >> 16) & 0xff, m.ip >> 24);
	hostport_join(addr, addrlen, ip, m.port);
	return 0;
}

/* The sequence number of "<prefix><N>", or false if the name is not one. */
static bool
sequence_of(const char *name, const char *prefix, uint64_t *n)
{
	size_t pl = strlen(prefix);
	const char *d;

	if (strncmp(name, prefix, pl) != 0)
		return false;
	d = name + pl;
	if (*d == '\0')
		return false;
	*n = 0;
	for (; *d; d++) {
		if (*d < '0' || *d > '9' || *n > (UINT64_MAX - 9) / 10) {
			log_error("zk: ignoring znode %s: bad sequence number",
			    name);
			return false;
		}
		*n = *n * 10 + (uint64_t)(*d - '0');
	}
	return true;
}

/* Reads and decodes the MasterInfo of child `name`. */
static int
read_master(zhandle_t *zh, const char *name, char *addr, size_t addrlen,
    char *id, size_t idlen)
{
	char path[1024];
	char *data = malloc(ZK_MAX_DATA);
	int len = ZK_MAX_DATA, rc;

	if (data == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/%s",
	    strcmp(zk.url.path, "/") == 0 ? "" : zk.url.path, name);
	rc = zoo_get(zh, path, 0, data, &len, NULL);
	if (rc != ZOK || len < 0) {
		log_error("zk: cannot read %s: %s", path, zerror(rc));
		free(data);
		return -1;
	}
	if (strncmp(name, "json.info_", 10) == 0)
		rc = zk_master_info_json(data, (size_t)len, addr, addrlen, id,
		    idlen);
	else
		rc = zk_master_info_protobuf((const uint8_t *)data, (size_t)len,
		    addr, addrlen, id, idlen);
	if (rc < 0)
		log_error("zk: cannot decode MasterInfo in %s", path);
	free(data);
	return rc;
}

/* Reads the leader and the masters from the children of the path; false
 * when the leader's MasterInfo could not be read (it is retried, no more
 * often than a failed watch). */
static bool
detection_cycle(zhandle_t *zh, const struct String_vector *kids)
{
	bool leader_read = true;
	const char *best = NULL;
	uint64_t best_n = 0, n;
	char addr[300], id[128];
	char **list;
	char(*ids)[128];
	size_t count = 0;

	/* 1: the leader, lowest json.info_N, else lowest info_N. */
	for (int pass = 0; pass < 2 && best == NULL; pass++)
		for (int i = 0; i < kids->count; i++)
			if (sequence_of(kids->data[i],
				pass ? "info_" : "json.info_", &n) &&
			    (best == NULL || n < best_n)) {
				best = kids->data[i];
				best_n = n;
			}
	if (best == NULL) {
		if (zk.leader_known || zk.leader_node[0] != '\0') {
			zk.leader_node[0] = '\0';
			zk.leader_known = false;
			log_error("zk: no leading master in %s", zk.url.path);
			masters_on_leader("");
		}
	} else if (strcmp(best, zk.leader_node) != 0) {
		if (read_master(zh, best, addr, sizeof addr, id, sizeof id) <
		    0) {
			/* Unknown for now. */
			addr[0] = '\0';
			leader_read = false;
		} else {
			snprintf(zk.leader_node, sizeof zk.leader_node, "%s",
			    best);
		}
		if (addr[0] != '\0' || zk.leader_known) {
			zk.leader_known = addr[0] != '\0';
			log_verbose("zk: leading master is %s",
			    addr[0] ? addr : "unknown");
			masters_on_leader(addr);
		}
	}
	/* 2: every master, once per MasterInfo id. */
	list = calloc((size_t)kids->count + 1, sizeof *list);
	ids = calloc((size_t)kids->count + 1, sizeof *ids);
	if (list == NULL || ids == NULL)
		goto out;
	for (int i = 0; i < kids->count; i++) {
		const char *k = kids->data[i];
		bool dup = false;

		if (strncmp(k, "info_", 5) != 0 && strncmp(k, "json.info_", 10))
			continue;
		if (read_master(zh, k, addr, sizeof addr, id, sizeof id) < 0)
			continue;
		for (size_t j = 0; j < count && !dup; j++)
			dup = strcmp(ids[j], id) == 0;
		if (dup)
			continue;
		snprintf(ids[count], sizeof ids[count], "%s", id);
		if ((list[count] = strdup(addr)) != NULL)
			count++;
	}
	masters_on_all((const char *const *)list, count);
out:
	for (size_t j = 0; j < count; j++)
		free(list[j]);
	free(list);
	free(ids);
	return leader_read;
}

static void
watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	(void)zh;
	(void)path;
	(void)ctx;
	pthread_mutex_lock(&zk.lock);
	if (type == ZOO_SESSION_EVENT) {
		if (state == ZOO_CONNECTED_STATE) {
			zk.connected = true;
			zk.dirty = true;
			metrics_zk_state(ZK_STATE_CONNECTED);
		} else if (state == ZOO_EXPIRED_SESSION_STATE ||
		    state == ZOO_AUTH_FAILED_STATE) {
			zk.connected = false;
			zk.expired = true;
			metrics_zk_state(state == ZOO_AUTH_FAILED_STATE ?
				ZK_STATE_AUTH_FAILED :
				ZK_STATE_EXPIRED);
		} else {
			zk.connected = false;
			metrics_zk_state(ZK_STATE_CONNECTING);
		}
	} else {
		/* A child event, or the watch went away: read again. */
		zk.dirty = true;
	}
	pthread_cond_broadcast(&zk.wake);
	pthread_mutex_unlock(&zk.lock);
}

/* Without a session the leader is unknown: say so once. */
static void
lost_leader(const char *why)
{
	if (!zk.leader_known)
		return;
	log_error("zk: %s; leading master unknown until it is back", why);
	zk.leader_known = false;
	zk.leader_node[0] = '\0';
	masters_on_leader("");
}

static void *
zk_main(void *arg)
{
	zhandle_t *zh = NULL;
	int64_t last_failure = 0, created = 0;
	clientid_t id, *reuse = NULL;

	(void)arg;
	pthread_setname_np(pthread_self(), "mdns-zk");
	pthread_mutex_lock(&zk.lock);
	while (!zk.stopping) {
		bool was_connected = zk.connected;

		if (zh != NULL && !zk.connected && !zk.expired &&
		    clock_ms() - created > ZK_CONNECT_MS) {
			/* A server that accepts and stays silent (one still
			 * starting, a hung member) holds the client for 2/3 of
			 * the session; a fresh handle tries the others now,
			 * keeping the session if there was one. */
			const clientid_t *cid = zoo_client_id(zh);

			log_error_every(30000,
			    "zk: no session with %s after "
			    "%d s; trying again",
			    zk.url.hosts, ZK_CONNECT_MS / 1000);
			reuse = NULL;
			if (cid != NULL && cid->client_id != 0) {
				id = *cid;
				reuse = &id;
			}
			pthread_mutex_unlock(&zk.lock);
			zookeeper_close(zh);
			zh = NULL;
			pthread_mutex_lock(&zk.lock);
		}
		if (zh == NULL) {
			zk.connected = false;
			zk.expired = false;
			metrics_zk_state(ZK_STATE_CONNECTING);
			pthread_mutex_unlock(&zk.lock);
			zh = zookeeper_init(zk.url.hosts, watcher,
			    ZK_SESSION_MS, reuse, NULL, 0);
			created = clock_ms();
			pthread_mutex_lock(&zk.lock);
			if (zh == NULL)
				log_error_every(10000,
				    "zk: cannot create a "
				    "client for %s: %s",
				    zk.url.hosts, strerror(errno));
		}
		if (zh != NULL && zk.expired) {
			pthread_mutex_unlock(&zk.lock);
			lost_leader("session expired");
			zookeeper_close(zh);
			zh = NULL;
			reuse = NULL;
			pthread_mutex_lock(&zk.lock);
			continue;
		}
		/* A change is read at once; only a watch that could not be
		 * set, or a leader that could not be read, is retried at most
		 * once a second (masters.md §2). */
		if (zh != NULL && zk.connected && zk.dirty &&
		    clock_ms() - last_failure >= ZK_CYCLE_MS) {
			struct String_vector kids = { 0, NULL };
			int rc;

			zk.dirty = false;
			pthread_mutex_unlock(&zk.lock);
			rc = zoo_wget_children(zh, zk.url.path, watcher, NULL,
			    &kids);
			if (rc == ZOK) {
				bool read = detection_cycle(zh, &kids);

				deallocate_String_vector(&kids);
				last_failure = read ? 0 : clock_ms();
				if (!read) {
					pthread_mutex_lock(&zk.lock);
					zk.dirty = true;
					pthread_mutex_unlock(&zk.lock);
				}
			} else {
				last_failure = clock_ms();
				log_error_every(10000,
				    "zk: cannot watch %s: %s", zk.url.path,
				    zerror(rc));
				lost_leader("watch failed");
				pthread_mutex_lock(&zk.lock);
				zk.dirty = true;
				pthread_mutex_unlock(&zk.lock);
			}
			pthread_mutex_lock(&zk.lock);
			continue;
		}
		clock_cond_wait_ms(&zk.wake, &zk.lock, 200);
		if (!zk.connected && was_connected) {
			pthread_mutex_unlock(&zk.lock);
			lost_leader("connection lost");
			pthread_mutex_lock(&zk.lock);
		}
	}
	pthread_mutex_unlock(&zk.lock);
	if (zh != NULL)
		zookeeper_close(zh);
	return NULL;
}

int
zk_start(const struct config *cfg, char *err, size_t errlen)
{
	if (zk_parse_url(cfg->zk, &zk.url, err, errlen) < 0)
		return -1;
	/* The client library logs every failed connection attempt to stderr
	 * in its own format; this file reports ZooKeeper trouble itself,
	 * rate-limited, so the library speaks only when very verbose. */
	if (log_verbosity >= 2) {
		zoo_set_debug_level(ZOO_LOG_LEVEL_INFO);
	} else {
		FILE *null = fopen("/dev/null", "w");

		if (null != NULL)
			zoo_set_log_stream(null);
		zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
	}
	zk.stopping = false;
	zk.dirty = true;
	if (clock_cond_init(&zk.wake) != 0 ||
	    pthread_create(&zk.thread, NULL, zk_main, NULL) != 0) {
		snprintf(err, errlen,
		    "failed to create master detector: "
		    "cannot start a thread");
		return -1;
	}
	zk.started = true;
	return 0;
}

void
zk_stop(void)
{
	if (!zk.started)
		return;
	pthread_mutex_lock(&zk.lock);
	zk.stopping = true;
	pthread_cond_broadcast(&zk.wake);
	pthread_mutex_unlock(&zk.lock);
	pthread_join(zk.thread, NULL);
	zk.started = false;
}
