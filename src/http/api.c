/* api.c -- request routing, content negotiation and the JSON documents of
 * the HTTP API.
 *
 * The checks run in go-restful's order (route, method, Content-Type,
 * Accept) with its error bodies, so that clients and monitoring that
 * grew up with the original see the same statuses.  Output goes through
 * jsonw, which reproduces Go's MarshalIndent byte for byte.  Look-ups use
 * a snapshot reference, never a lock the refresh could wait on.
 */
#include "http/api.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "http/enum_extra.h"
#include "log.h"
#include "records/snapshot.h"
#include "util/ipaddr.h"
#include "util/jsonw.h"
#include "util/utf8lower.h"

static struct MHD_Daemon *daemon_handle;
static const struct config *cfg;
static int request_marker;

enum route {
	R_NONE, R_VERSION, R_CONFIG, R_HOSTS, R_HOST_PORTS, R_SERVICES,
	R_ENUMERATE, R_AXFR,
};

static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text),
	    (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
send_json(struct MHD_Connection *c, struct buf *b)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (b->failed) {
		buf_free(b);
		return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "500: Internal Server Error");
	}
	r = MHD_create_response_from_buffer(b->len, b->data,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		buf_free(b);
		return MHD_NO;
	}
	b->data = NULL;
	MHD_add_response_header(r, "Content-Type", "application/json");
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* Matches "/v1/<name>" with at most one trailing slash; *arg receives the
 * segment of a "{x}" route and *ports tells a ".../ports" suffix. */
static enum route
route_of(const char *url, const char **arg, size_t *arglen, bool *ports)
{
	static const struct { const char *path; enum route r; } fixed[] = {
		{ "/v1/version", R_VERSION }, { "/v1/config", R_CONFIG },
		{ "/v1/enumerate", R_ENUMERATE }, { "/v1/axfr", R_AXFR },
	};
	size_t len = strlen(url);
	const char *rest, *slash;

	*ports = false;
	if (len > 1 && url[len - 1] == '/')
		len--;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (strlen(fixed[i].path) == len &&
		    memcmp(url, fixed[i].path, len) == 0)
			return fixed[i].r;
	bool hosts;

	if (strncmp(url, "/v1/hosts/", 10) == 0) {
		rest = url + 10;
		hosts = true;
	} else if (strncmp(url, "/v1/services/", 13) == 0) {
		rest = url + 13;
		hosts = false;
	} else {
		return R_NONE;
	}
	if (len <= (size_t)(rest - url))
		return R_NONE;	/* "/v1/hosts/" and the like */
	len -= (size_t)(rest - url);
	slash = memchr(rest, '/', len);
	*arg = rest;
	*arglen = slash ? (size_t)(slash - rest) : len;
	if (*arglen == 0)
		return R_NONE;
	if (slash != NULL) {
		if (!hosts || len - *arglen != 6 ||
		    memcmp(slash, "/ports", 6) != 0)
			return R_NONE;
		*ports = true;
		return R_HOST_PORTS;
	}
	return hosts ? R_HOSTS : R_SERVICES;
}

/* go-restful's produces check: absent, * / * or application/json. */
static bool
accept_ok(const char *accept)
{
	const char *p = accept;

	if (accept == NULL || *accept == '\0')
		return true;
	while (*p) {
		const char *end = strchr(p, ','), *semi;
		const char *s = p, *e;

		if (end == NULL)
			end = p + strlen(p);
		semi = memchr(p, ';', (size_t)(end - p));
		e = semi ? semi : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (((size_t)(e - s) == 16 && strncmp(s, "application/json",
		    16) == 0) || ((size_t)(e - s) == 3 &&
		    strncmp(s, "*/*", 3) == 0))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

/* Bytes of a look-up argument used for the key (the rest is cut off). */
#define KEY_ARG_MAX 1024
/* Room for the key: the argument lowercased (it may grow), a dot, a NUL. */
#define KEY_CAP (UTF8LOWER_MAX(KEY_ARG_MAX) + 2)

/* The look-up key of the original: ".*" removed, then lowercased with Go's
 * strings.ToLower (Unicode, invalid bytes as U+FFFD), one dot.  out holds
 * KEY_CAP bytes. */
static size_t
lookup_key(const char *arg, size_t len, char *out)
{
	char stripped[KEY_ARG_MAX];
	size_t n = 0;

	for (size_t i = 0; i < len && n < sizeof stripped; i++) {
		if (arg[i] == '.' && i + 1 < len && arg[i + 1] == '*') {
			i++;
			continue;
		}
		stripped[n++] = arg[i];
	}
	n = utf8lower(stripped, n, out);
	if (n == 0 || out[n - 1] != '.')
		out[n++] = '.';
	out[n] = '\0';
	return n;
}

static void
write_ip4(struct jsonw *w, uint32_t v4)
{
	char text[IPADDR_STRLEN];
	struct ipaddr ip = { { 0 } };

	ip.b[10] = ip.b[11] = 0xff;
	memcpy(ip.b + 12, &v4, 4);
	ipaddr_format(&ip, text);
	jsonw_cstr(w, text);
}

static void
write_ip6(struct jsonw *w, const struct snap_ip6 *a)
{
	char text[IPADDR_STRLEN];
	struct ipaddr ip;

	memcpy(ip.b, a->b, 16);
	ipaddr_format(&ip, text);
	jsonw_cstr(w, text);
}

static void
write_pseudo(struct jsonw *w, const struct snapshot *s, uint32_t off)
{
	const unsigned char *p = (const unsigned char *)s->pseudo_text + off;

	jsonw_string(w, (const char *)p + 2, (size_t)p[0] | (size_t)p[1] << 8);
}

static void
write_srv_value(struct jsonw *w, const struct snapshot *s,
    const struct snap_srv *v, struct buf *tmp)
{
	char name[65600];
	size_t n = snap_name(s, v->target, name, sizeof name);

	tmp->len = 0;
	buf_put(tmp, name, n);
	buf_printf(tmp, ":%d", (int)v->port);
	jsonw_string(w, tmp->data ? tmp->data : "", tmp->len);
}

static void
host_entry(struct jsonw *w, const char *host, void (*val)(struct jsonw *,
    const void *, const struct snapshot *), const void *arg,
    const struct snapshot *s)
{
	jsonw_object_begin(w);
	jsonw_key(w, "host");
	jsonw_cstr(w, host);
	jsonw_key(w, "ip");
	val(w, arg, s);
	jsonw_object_end(w);
}

static void
val_ip4(struct jsonw *w, const void *arg, const struct snapshot *s)
{
	(void)s;
	write_ip4(w, *(const uint32_t *)arg);
}

static void
val_ip6(struct jsonw *w, const void *arg, const struct snapshot *s)
{
	(void)s;
	write_ip6(w, arg);
}

static void
val_pseudo(struct jsonw *w, const void *arg, const struct snapshot *s)
{
	write_pseudo(w, s, *(const uint32_t *)arg);
}

static void
write_hosts(const char *arg, size_t len, struct buf *out)
{
	char key[KEY_CAP];
	size_t klen = lookup_key(arg, len, key);
	const struct snapshot *s, *part = NULL;
	struct jsonw w;
	uint32_t node;
	size_t count = 0;

	jsonw_init(&w, out);
	jsonw_array_begin(&w);
	snapshot_read_lock();
	s = snapshot_current();
	node = s ? snap_find(s, key, klen, &part) : SNAP_NONE;
	s = part;
	if (node != SNAP_NONE) {
		const struct snode *nd = &s->nodes[node];

		for (uint32_t i = nd->first[RK_A]; i < nd[1].first[RK_A]; i++)
			host_entry(&w, key, val_ip4, &s->a[i], s), count++;
		for (uint32_t i = nd->first[RK_APSEUDO];
		    i < nd[1].first[RK_APSEUDO]; i++)
			host_entry(&w, key, val_pseudo, &s->pseudo[i], s),
			    count++;
		for (uint32_t i = nd->first[RK_AAAA]; i < nd[1].first[RK_AAAA];
		    i++)
			host_entry(&w, key, val_ip6, &s->aaaa[i], s), count++;
	}
	snapshot_read_unlock();
	if (count == 0) {
		jsonw_object_begin(&w);
		jsonw_key(&w, "host");
		jsonw_cstr(&w, "");
		jsonw_key(&w, "ip");
		jsonw_cstr(&w, "");
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
}

static void
service_entry(struct jsonw *w, const char *service, size_t slen,
    const char *host, const struct snapshot *s,
    void (*val)(struct jsonw *, const void *, const struct snapshot *),
    const void *arg, int32_t port)
{
	char p[16];

	snprintf(p, sizeof p, "%d", (int)port);
	jsonw_object_begin(w);
	jsonw_key(w, "service");
	jsonw_string(w, service, slen);
	jsonw_key(w, "host");
	jsonw_cstr(w, host);
	jsonw_key(w, "ip");
	val(w, arg, s);
	jsonw_key(w, "port");
	jsonw_cstr(w, p);
	jsonw_object_end(w);
}

static void
write_services(const char *arg, size_t len, struct buf *out)
{
	char key[KEY_CAP], target[65600];
	size_t klen = lookup_key(arg, len, key);
	const struct snapshot *s, *part = NULL;
	struct jsonw w;
	uint32_t node;
	size_t count = 0;

	jsonw_init(&w, out);
	jsonw_array_begin(&w);
	snapshot_read_lock();
	s = snapshot_current();
	node = s ? snap_find(s, key, klen, &part) : SNAP_NONE;
	s = part;
	if (node != SNAP_NONE) {
		const struct snode *nd = &s->nodes[node];

		for (uint32_t i = nd->first[RK_SRV]; i < nd[1].first[RK_SRV];
		    i++) {
			const struct snap_srv *v = &s->srv[i];
			const struct snode *t = &s->nodes[v->target];

			snap_name(s, v->target, target, sizeof target);
			if (t->first[RK_A] < t[1].first[RK_A]) {
				service_entry(&w, arg, len, target, s, val_ip4,
				    &s->a[t->first[RK_A]], v->port);
				count++;
			} else if (t->first[RK_APSEUDO] <
			    t[1].first[RK_APSEUDO]) {
				service_entry(&w, arg, len, target, s,
				    val_pseudo, &s->pseudo[t->first[RK_APSEUDO]],
				    v->port);
				count++;
			}
			if (t->first[RK_AAAA] < t[1].first[RK_AAAA]) {
				service_entry(&w, arg, len, target, s, val_ip6,
				    &s->aaaa[t->first[RK_AAAA]], v->port);
				count++;
			}
		}
	}
	snapshot_read_unlock();
	if (count == 0) {
		jsonw_object_begin(&w);
		jsonw_key(&w, "service");
		jsonw_cstr(&w, "");
		jsonw_key(&w, "host");
		jsonw_cstr(&w, "");
		jsonw_key(&w, "ip");
		jsonw_cstr(&w, "");
		jsonw_key(&w, "port");
		jsonw_cstr(&w, "");
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
}

static void
write_version(struct buf *out)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "Service");
	jsonw_cstr(&w, "Mesos-DNS");
	jsonw_key(&w, "URL");
	jsonw_cstr(&w, "https://github.com/mesosphere/mesos-dns");
	jsonw_key(&w, "Version");
	jsonw_cstr(&w, MDNS_VERSION);
	jsonw_object_end(&w);
}

/* One record of an enumeration list, from its packed (kind, index). */
static void
write_enum_record(struct jsonw *w, const struct snapshot *s, uint32_t rec,
    struct buf *tmp)
{
	static const char *const rtypes[] = { "A", "AAAA", "SRV", "A" };
	enum rr_kind k = rec >> 30;
	uint32_t i = rec & 0x3fffffff;
	char name[65600];
	uint32_t node = 0;

	/* The owner is the last node whose start is <= i (empty ranges share
	 * their start with the next node, so this is the one holding i). */
	{
		uint32_t lo = 0, hi = s->n_nodes + 1;

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (s->nodes[mid].first[k] <= i)
				lo = mid + 1;
			else
				hi = mid;
		}
		node = lo - 1;
	}
	snap_name(s, node, name, sizeof name);
	jsonw_object_begin(w);
	jsonw_key(w, "name");
	jsonw_cstr(w, name);
	jsonw_key(w, "host");
	switch (k) {
	case RK_A: write_ip4(w, s->a[i]); break;
	case RK_AAAA: write_ip6(w, &s->aaaa[i]); break;
	case RK_SRV: write_srv_value(w, s, &s->srv[i], tmp); break;
	default: write_pseudo(w, s, s->pseudo[i]); break;
	}
	jsonw_key(w, "rtype");
	jsonw_cstr(w, rtypes[k]);
	jsonw_object_end(w);
}

void
http_write_enumerate(const struct snapshot *s, struct buf *out)
{
	struct jsonw w;
	struct buf tmp = { 0 };

	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "frameworks");
	if (s->n_frameworks == 0) {
		jsonw_null(&w);
		jsonw_object_end(&w);
		return;
	}
	jsonw_array_begin(&w);
	for (uint32_t f = 0; f < s->n_frameworks; f++) {
		uint32_t t_end = f + 1 < s->n_frameworks ?
		    s->frameworks[f + 1].first_task : s->n_tasks;

		jsonw_object_begin(&w);
		jsonw_key(&w, "tasks");
		jsonw_array_begin(&w);
		for (uint32_t t = s->frameworks[f].first_task; t < t_end; t++) {
			uint32_t r_end = t + 1 < s->n_tasks ?
			    s->tasks[t + 1].first_rec : s->n_recs;

			jsonw_object_begin(&w);
			jsonw_key(&w, "name");
			jsonw_cstr(&w, s->tasks[t].name);
			jsonw_key(&w, "id");
			jsonw_cstr(&w, s->tasks[t].id);
			enum_write_health(&w, s, &s->tasks[t]);
			jsonw_key(&w, "records");
			if (s->tasks[t].first_rec == r_end) {
				jsonw_null(&w);
			} else {
				jsonw_array_begin(&w);
				for (uint32_t r = s->tasks[t].first_rec;
				    r < r_end; r++)
					write_enum_record(&w, s, s->recs[r],
					    &tmp);
				jsonw_array_end(&w);
			}
			jsonw_object_end(&w);
		}
		jsonw_array_end(&w);
		jsonw_key(&w, "name");
		jsonw_cstr(&w, s->frameworks[f].name);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	enum_write_reverse(&w, s);
	jsonw_object_end(&w);
	buf_free(&tmp);
}

/* One name of /v1/axfr and the snapshot (a base or an overlay) that
 * holds its values. */
struct axfr_name {
	const struct snapshot *part;
	uint32_t node;
};

static int
name_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	return c != 0 ? c : la < lb ? -1 : la > lb;
}

/* Every served name in bytewise order: a full snapshot's own, or for an
 * overlay the merge of its names and its base's, each answered from
 * where a look-up would answer it.  NULL when out of memory. */
static struct axfr_name *
axfr_names(struct snapshot *s, size_t *n)
{
	struct snapshot *full = snap_full(s);
	const uint32_t *bo = snap_sorted(full), *oo = NULL;
	size_t cap = full->n_nodes + s->n_nodes + 1, k = 0, i = 0, j = 0;
	struct axfr_name *v = malloc(cap * sizeof *v);
	char *na = NULL, *nb = NULL;

	*n = 0;
	if (bo == NULL || v == NULL || (s != full &&
	    (oo = snap_sorted(s)) == NULL)) {
		free(v);
		return NULL;
	}
	if (s == full) {
		for (i = 0; i < full->n_nodes; i++)
			v[k++] = (struct axfr_name){ full, bo[i] };
		*n = k;
		return v;
	}
	if ((na = malloc(65600)) == NULL || (nb = malloc(65600)) == NULL) {
		free(na);
		free(v);
		return NULL;
	}
	while (i < full->n_nodes || j < s->n_nodes) {
		size_t la = 0, lb = 0;
		int c;
		const char *text;
		size_t tl;
		const struct snapshot *part;
		uint32_t node;

		if (i < full->n_nodes)
			la = snap_name(full, bo[i], na, 65600);
		if (j < s->n_nodes)
			lb = snap_name(s, oo[j], nb, 65600);
		c = i >= full->n_nodes ? 1 : j >= s->n_nodes ? -1 :
		    name_cmp(na, la, nb, lb);
		text = c <= 0 ? na : nb;
		tl = c <= 0 ? la : lb;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		node = snap_find(s, text, tl, &part);
		if (node != SNAP_NONE)
			v[k++] = (struct axfr_name){ part, node };
	}
	free(na);
	free(nb);
	*n = k;
	return v;
}

static void
write_axfr_kind(struct jsonw *w, const struct axfr_name *names, size_t n,
    enum rr_kind k, struct buf *tmp)
{
	char name[65600];

	jsonw_object_begin(w);
	for (size_t o = 0; o < n; o++) {
		const struct snapshot *s = names[o].part;
		uint32_t node = names[o].node;
		const struct snode *nd = &s->nodes[node];
		bool has = nd->first[k] < nd[1].first[k] ||
		    (k == RK_A && nd->first[RK_APSEUDO] < nd[1].first[RK_APSEUDO]);

		if (!has)
			continue;
		snap_name(s, node, name, sizeof name);
		jsonw_key(w, name);
		jsonw_array_begin(w);
		for (uint32_t i = nd->first[k]; i < nd[1].first[k]; i++) {
			if (k == RK_A)
				write_ip4(w, s->a[i]);
			else if (k == RK_AAAA)
				write_ip6(w, &s->aaaa[i]);
			else
				write_srv_value(w, s, &s->srv[i], tmp);
		}
		if (k == RK_A)
			for (uint32_t i = nd->first[RK_APSEUDO];
			    i < nd[1].first[RK_APSEUDO]; i++)
				write_pseudo(w, s, s->pseudo[i]);
		jsonw_array_end(w);
	}
	jsonw_object_end(w);
}

void
http_write_axfr(const struct config *c, struct snapshot *s, struct buf *out)
{
	size_t n;
	struct axfr_name *names = axfr_names(s, &n);
	struct buf tmp = { 0 };
	struct jsonw w;

	if (names == NULL) {
		out->failed = true;
		return;
	}
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "TTL");
	jsonw_int(&w, c->ttl);
	jsonw_key(&w, "Serial");
	jsonw_uint(&w, snap_serial(s));
	jsonw_key(&w, "RefreshSeconds");
	jsonw_int(&w, c->refresh_seconds);
	jsonw_key(&w, "Mname");
	jsonw_cstr(&w, c->soa_mname);
	jsonw_key(&w, "Rname");
	jsonw_cstr(&w, c->soa_rname);
	jsonw_key(&w, "Domain");
	jsonw_cstr(&w, c->domain);
	jsonw_key(&w, "Records");
	jsonw_object_begin(&w);
	jsonw_key(&w, "As");
	write_axfr_kind(&w, names, n, RK_A, &tmp);
	jsonw_key(&w, "AAAAs");
	write_axfr_kind(&w, names, n, RK_AAAA, &tmp);
	jsonw_key(&w, "SRVs");
	write_axfr_kind(&w, names, n, RK_SRV, &tmp);
	jsonw_object_end(&w);
	jsonw_object_end(&w);
	free(names);
	buf_free(&tmp);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_size, void **state)
{
	const char *arg = NULL, *clen, *ctype;
	size_t arglen = 0;
	bool ports;
	enum route r;
	struct buf out = { 0 };
	struct snapshot *s;

	(void)cls;
	(void)version;
	(void)upload_data;
	if (*state == NULL) {
		*state = &request_marker;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;	/* bodies are never read */
		return MHD_YES;
	}
	r = route_of(url, &arg, &arglen, &ports);
	if ((r == R_ENUMERATE || r == R_AXFR) && !cfg->enumeration_on)
		r = R_NONE;
	if (r == R_NONE)
		return send_text(c, MHD_HTTP_NOT_FOUND, "404: Page Not Found");
	if (strcmp(method, "GET") != 0)
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "405: Method Not Allowed");
	clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Content-Length");
	ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Content-Type");
	if (clen != NULL && strtoll(clen, NULL, 10) > 0 &&
	    (ctype == NULL || strncmp(ctype, "application/json", 16) != 0))
		return send_text(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "415: Unsupported Media Type");
	if (!accept_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Accept")))
		return send_text(c, MHD_HTTP_NOT_ACCEPTABLE,
		    "406: Not Acceptable");
	switch (r) {
	case R_VERSION:
		write_version(&out);
		break;
	case R_CONFIG:
		snapshot_read_lock();
		s = snapshot_current();
		config_write_json(cfg, s ? snap_serial(s) : cfg->soa_serial, &out);
		snapshot_read_unlock();
		break;
	case R_HOST_PORTS:
		return send_text(c, 501, "To be implemented...");
	case R_HOSTS:
		write_hosts(arg, arglen, &out);
		break;
	case R_SERVICES:
		write_services(arg, arglen, &out);
		break;
	case R_ENUMERATE:
	case R_AXFR:
		/* A reference, not a read section: a big document must not
		 * hold up the next publication. */
		if ((s = snapshot_acquire()) == NULL)
			return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "503: Service Unavailable");
		if (r == R_AXFR)
			http_write_axfr(cfg, s, &out);
		else
			/* The last full build: with events it follows
			 * within FULL_MAX_DELAY_MS (refresh.c). */
			http_write_enumerate(snap_full(s), &out);
		snapshot_release(s);
		break;
	default:
		break;
	}
	return send_json(c, &out);
}

int
http_api_start(const struct config *c, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;

	cfg = c;
	if (inet_pton(AF_INET, c->http_listener, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)c->http_port);
	} else if (inet_pton(AF_INET6, c->http_listener,
	    &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)c->http_port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "failed to setup http server: invalid "
		    "HTTPListener \"%s\"", c->http_listener);
		return -1;
	}
	if (c->http_port < 0 || c->http_port > 65535) {
		snprintf(err, errlen, "failed to setup http server: invalid "
		    "HttpPort %lld", (long long)c->http_port);
		return -1;
	}
	daemon_handle = MHD_start_daemon(flags, (uint16_t)c->http_port, NULL,
	    NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &ss,
	    MHD_OPTION_THREAD_POOL_SIZE, 2U,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30U,
	    MHD_OPTION_CONNECTION_LIMIT, 256U,
	    MHD_OPTION_END);
	if (daemon_handle == NULL) {
		snprintf(err, errlen, "failed to setup http server: cannot "
		    "listen on %s:%lld", c->http_listener,
		    (long long)c->http_port);
		return -1;
	}
	return 0;
}

void
http_api_stop(void)
{
	if (daemon_handle != NULL)
		MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
}
