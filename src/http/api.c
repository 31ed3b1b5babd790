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
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "cfglive.h"
#include "config.h"
#include "http/enum_extra.h"
#include "log.h"
#include "metrics/health.h"
#include "metrics/metrics.h"
#include "records/snapshot.h"
#include "util/clock.h"
#include "util/ipaddr.h"
#include "util/jsonw.h"
#include "util/utf8lower.h"

static struct MHD_Daemon *daemon_handle;
static const struct config *cfg; /* at start: listener and limits */
static int request_marker;

enum route {
	R_NONE,
	R_VERSION,
	R_CONFIG,
	R_HOSTS,
	R_HOST_PORTS,
	R_SERVICES,
	R_ENUMERATE,
	R_AXFR,
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

/* A body of ours (the buffer is taken) with a status and a type; the
 * endpoints we add say no-store, the original's answer as it did. */
static enum MHD_Result
send_body(struct MHD_Connection *c, unsigned status, const char *type,
    bool no_store, struct buf *b)
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
	MHD_add_response_header(r, "Content-Type", type);
	if (no_store)
		MHD_add_response_header(r, "Cache-Control", "no-store");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
send_json(struct MHD_Connection *c, struct buf *b)
{
	return send_body(c, MHD_HTTP_OK, "application/json", false, b);
}

/* Matches "/v1/<name>" with at most one trailing slash; *arg receives the
 * segment of a "{x}" route and *ports tells a ".../ports" suffix. */
static enum route
route_of(const char *url, const char **arg, size_t *arglen, bool *ports)
{
	static const struct {
		const char *path;
		enum route r;
	} fixed[] = {
		{ "/v1/version", R_VERSION },
		{ "/v1/config", R_CONFIG },
		{ "/v1/enumerate", R_ENUMERATE },
		{ "/v1/axfr", R_AXFR },
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
		return R_NONE; /* "/v1/hosts/" and the like */
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
		if (((size_t)(e - s) == 16 &&
			strncmp(s, "application/json", 16) == 0) ||
		    ((size_t)(e - s) == 3 && strncmp(s, "*/*", 3) == 0))
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

/* Names at least this long are written empty, as snap_name gives them. */
#define NAME_TEXT_CAP 65600

/* Sets b to the full text of a node, NUL-terminated, and returns it: the
 * documents are written a value at a time, and a name buffer of the
 * largest size on the stack of every step cost a 64 KiB frame each (and
 * under ASan as much shadow poisoned per value).  NULL when out of
 * memory (b->failed). */
static const char *
name_text(const struct snapshot *s, uint32_t node, struct buf *b, size_t *len)
{
	size_t n = snap_name_len(s, node);

	b->len = 0;
	if (n >= NAME_TEXT_CAP)
		n = 0;
	if (!buf_reserve(b, n + 1))
		return NULL;
	if (n > 0)
		snap_name(s, node, b->data, n + 1);
	b->data[n] = '\0';
	*len = n;
	return b->data;
}

static void
write_srv_value(struct jsonw *w, const struct snapshot *s,
    const struct snap_srv *v, struct buf *tmp)
{
	size_t n;

	if (name_text(s, v->target, tmp, &n) == NULL) {
		w->out->failed = true;
		return;
	}
	tmp->len = n;
	buf_printf(tmp, ":%d", (int)v->port);
	jsonw_string(w, tmp->data ? tmp->data : "", tmp->len);
}

static void
host_entry(struct jsonw *w, const char *host,
    void (*val)(struct jsonw *, const void *, const struct snapshot *),
    const void *arg, const struct snapshot *s)
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
		for (uint32_t i = snap_first(s, node, RK_A);
		     i < snap_first(s, node + 1, RK_A); i++)
			host_entry(&w, key, val_ip4, &s->a[i], s), count++;
		for (uint32_t i = snap_first(s, node, RK_APSEUDO);
		     i < snap_first(s, node + 1, RK_APSEUDO); i++)
			host_entry(&w, key, val_pseudo, &s->pseudo[i], s),
			    count++;
		for (uint32_t i = snap_first(s, node, RK_AAAA);
		     i < snap_first(s, node + 1, RK_AAAA); i++)
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
		for (uint32_t i = snap_first(s, node, RK_SRV);
		     i < snap_first(s, node + 1, RK_SRV); i++) {
			const struct snap_srv *v = &s->srv[i];
			uint32_t t = v->target;

			snap_name(s, t, target, sizeof target);
			if (snap_count(s, t, RK_A) > 0) {
				service_entry(&w, arg, len, target, s, val_ip4,
				    &s->a[snap_first(s, t, RK_A)], v->port);
				count++;
			} else if (snap_count(s, t, RK_APSEUDO) > 0) {
				service_entry(&w, arg, len, target, s,
				    val_pseudo,
				    &s->pseudo[snap_first(s, t, RK_APSEUDO)],
				    v->port);
				count++;
			}
			if (snap_count(s, t, RK_AAAA) > 0) {
				service_entry(&w, arg, len, target, s, val_ip6,
				    &s->aaaa[snap_first(s, t, RK_AAAA)],
				    v->port);
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

			if (snap_first(s, mid, k) <= i)
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
	case RK_A:
		write_ip4(w, s->a[i]);
		break;
	case RK_AAAA:
		write_ip6(w, &s->aaaa[i]);
		break;
	case RK_SRV:
		write_srv_value(w, s, &s->srv[i], tmp);
		break;
	default:
		write_pseudo(w, s, s->pseudo[i]);
		break;
	}
	jsonw_key(w, "rtype");
	jsonw_cstr(w, rtypes[k]);
	jsonw_object_end(w);
}

/*
 * The enumeration documents are written by a resumable cursor: each
 * doc_step() writes one small piece (an opening, one record, one value)
 * and the cursor says where the next one starts.  A streamed response
 * keeps only the cursor and a buffer of about one network block, whatever
 * the size of the document.
 */
enum doc_phase {
	/* /v1/enumerate */
	E_BEGIN,
	E_FRAMEWORK,
	E_TASK,
	E_RECORD,
	/* /v1/axfr */
	X_BEGIN,
	X_KIND,
	X_NAME,
	X_VALUE,
	DOC_END,
};

struct doc_cursor {
	const struct config *cfg;
	struct snapshot *s; /**< axfr: as served; enumerate: a full build */
	struct jsonw w;
	struct buf tmp;	   /**< scratch for SRV values */
	struct buf na, nb; /**< axfr: name texts */
	enum doc_phase phase;
	uint32_t f, t, r;  /**< enumerate: framework, task, record */
	enum rr_kind kind; /**< axfr: the map being written */
	size_t i, j;	   /**< axfr: positions in the sorted names of the
				     full build and of the overlay */
	const struct snapshot *part; /**< axfr: the current name's values */
	uint32_t node, v; /**< axfr: the current name, its next value */
};

static void
doc_init(struct doc_cursor *d, const struct config *c, struct snapshot *s,
    bool axfr, struct buf *out)
{
	memset(d, 0, sizeof *d);
	d->cfg = c;
	d->s = s;
	d->phase = axfr ? X_BEGIN : E_BEGIN;
	jsonw_init(&d->w, out);
}

static void
doc_free(struct doc_cursor *d)
{
	buf_free(&d->tmp);
	buf_free(&d->na);
	buf_free(&d->nb);
}

/* One piece of /v1/enumerate. */
static void
enumerate_step(struct doc_cursor *d)
{
	const struct snapshot *s = d->s;
	struct jsonw *w = &d->w;
	uint32_t t_end, r_end;

	switch (d->phase) {
	case E_BEGIN:
		jsonw_object_begin(w);
		jsonw_key(w, "frameworks");
		if (s->n_frameworks == 0) {
			jsonw_null(w);
			jsonw_object_end(w);
			d->phase = DOC_END;
			return;
		}
		jsonw_array_begin(w);
		d->f = 0;
		d->phase = E_FRAMEWORK;
		return;
	case E_FRAMEWORK:
		if (d->f == s->n_frameworks) {
			jsonw_array_end(w);
			/* ReverseOn only: bounded by the zone's PTR records. */
			enum_write_reverse(w, s);
			jsonw_object_end(w);
			d->phase = DOC_END;
			return;
		}
		jsonw_object_begin(w);
		jsonw_key(w, "tasks");
		jsonw_array_begin(w);
		d->t = s->frameworks[d->f].first_task;
		d->phase = E_TASK;
		return;
	case E_TASK:
		t_end = d->f + 1 < s->n_frameworks ?
		    s->frameworks[d->f + 1].first_task :
		    s->n_tasks;
		if (d->t == t_end) {
			jsonw_array_end(w);
			jsonw_key(w, "name");
			jsonw_cstr(w, s->frameworks[d->f].name);
			jsonw_object_end(w);
			d->f++;
			d->phase = E_FRAMEWORK;
			return;
		}
		r_end = d->t + 1 < s->n_tasks ? s->tasks[d->t + 1].first_rec :
						s->n_recs;
		jsonw_object_begin(w);
		jsonw_key(w, "name");
		jsonw_cstr(w, s->tasks[d->t].name);
		jsonw_key(w, "id");
		jsonw_cstr(w, s->tasks[d->t].id);
		enum_write_health(w, s, &s->tasks[d->t]);
		jsonw_key(w, "records");
		if (s->tasks[d->t].first_rec == r_end) {
			jsonw_null(w);
			jsonw_object_end(w);
			d->t++;
			return;
		}
		jsonw_array_begin(w);
		d->r = s->tasks[d->t].first_rec;
		d->phase = E_RECORD;
		return;
	case E_RECORD:
		r_end = d->t + 1 < s->n_tasks ? s->tasks[d->t + 1].first_rec :
						s->n_recs;
		if (d->r == r_end) {
			jsonw_array_end(w);
			jsonw_object_end(w);
			d->t++;
			d->phase = E_TASK;
			return;
		}
		write_enum_record(w, s, s->recs[d->r++], &d->tmp);
		return;
	default:
		return;
	}
}

static int
name_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	return c != 0 ? c : la < lb ? -1 : la > lb;
}

/* The next served name of /v1/axfr in bytewise order: a full snapshot's
 * own, or for an overlay the merge of its names and its base's, each
 * answered from where a look-up would answer it (*part).  False at the
 * end, or with out->failed when out of memory. */
static bool
axfr_next_name(struct doc_cursor *d, const struct snapshot **part,
    uint32_t *node)
{
	struct snapshot *s = d->s, *full = snap_full(s);
	const uint32_t *bo = snap_sorted(full), *oo = NULL;
	const char *na = NULL, *nb = NULL;

	if (bo == NULL || (s != full && (oo = snap_sorted(s)) == NULL)) {
		d->w.out->failed = true;
		return false;
	}
	if (s == full) {
		if (d->i >= full->n_nodes)
			return false;
		*part = full;
		*node = bo[d->i++];
		return true;
	}
	while (d->i < full->n_nodes || d->j < s->n_nodes) {
		size_t la = 0, lb = 0;
		int c;

		if ((d->i < full->n_nodes &&
			(na = name_text(full, bo[d->i], &d->na, &la)) ==
			    NULL) ||
		    (d->j < s->n_nodes &&
			(nb = name_text(s, oo[d->j], &d->nb, &lb)) == NULL)) {
			d->w.out->failed = true;
			return false;
		}
		c = d->i >= full->n_nodes ? 1 :
		    d->j >= s->n_nodes	  ? -1 :
					    name_cmp(na, la, nb, lb);
		if (c <= 0)
			d->i++;
		if (c >= 0)
			d->j++;
		*node = snap_find(s, c <= 0 ? na : nb, c <= 0 ? la : lb, part);
		if (*node != SNAP_NONE)
			return true;
	}
	return false;
}

/* Values of the current kind at a node (A also lists the #509 pseudo
 * addresses, after the real ones). */
static uint32_t
axfr_values(const struct snapshot *s, uint32_t node, enum rr_kind k)
{
	return snap_count(s, node, k) +
	    (k == RK_A ? snap_count(s, node, RK_APSEUDO) : 0);
}

/* One piece of /v1/axfr. */
static void
axfr_step(struct doc_cursor *d)
{
	static const char *const maps[] = { "As", "AAAAs", "SRVs" };
	const struct config *c = d->cfg;
	struct jsonw *w = &d->w;
	const struct snapshot *p;
	const char *name;
	size_t len;
	uint32_t v, n_own;
	bool found;

	switch (d->phase) {
	case X_BEGIN:
		jsonw_object_begin(w);
		jsonw_key(w, "TTL");
		jsonw_int(w, c->ttl);
		jsonw_key(w, "Serial");
		jsonw_uint(w, snap_serial(d->s));
		jsonw_key(w, "RefreshSeconds");
		jsonw_int(w, c->refresh_seconds);
		jsonw_key(w, "Mname");
		jsonw_cstr(w, c->soa_mname);
		jsonw_key(w, "Rname");
		jsonw_cstr(w, c->soa_rname);
		jsonw_key(w, "Domain");
		jsonw_cstr(w, c->domain);
		jsonw_key(w, "Records");
		jsonw_object_begin(w);
		d->kind = RK_A;
		d->phase = X_KIND;
		return;
	case X_KIND:
		if (d->kind > RK_SRV) {
			jsonw_object_end(w);
			jsonw_object_end(w);
			d->phase = DOC_END;
			return;
		}
		jsonw_key(w, maps[d->kind]);
		jsonw_object_begin(w);
		d->i = d->j = 0;
		d->phase = X_NAME;
		return;
	case X_NAME:
		/* names without values of this kind are passed over */
		found = false;
		while (!found && axfr_next_name(d, &d->part, &d->node))
			found = axfr_values(d->part, d->node, d->kind) > 0;
		if (!found) {
			jsonw_object_end(w);
			d->kind++;
			d->phase = X_KIND;
			return;
		}
		if ((name = name_text(d->part, d->node, &d->na, &len)) ==
		    NULL) {
			w->out->failed = true;
			return;
		}
		jsonw_key(w, name);
		jsonw_array_begin(w);
		d->v = 0;
		d->phase = X_VALUE;
		return;
	case X_VALUE:
		p = d->part;
		n_own = snap_count(p, d->node, d->kind);
		if (d->v == axfr_values(p, d->node, d->kind)) {
			jsonw_array_end(w);
			d->phase = X_NAME;
			return;
		}
		v = snap_first(p, d->node, d->kind) + d->v;
		if (d->v >= n_own)
			write_pseudo(w, p,
			    p->pseudo[snap_first(p, d->node, RK_APSEUDO) +
				d->v - n_own]);
		else if (d->kind == RK_A)
			write_ip4(w, p->a[v]);
		else if (d->kind == RK_AAAA)
			write_ip6(w, &p->aaaa[v]);
		else
			write_srv_value(w, p, &p->srv[v], &d->tmp);
		d->v++;
		return;
	default:
		return;
	}
}

/* Writes the next piece of the document; false once it is complete. */
static bool
doc_step(struct doc_cursor *d)
{
	if (d->phase == DOC_END)
		return false;
	if (d->phase >= X_BEGIN)
		axfr_step(d);
	else
		enumerate_step(d);
	return true;
}

void
http_write_enumerate(const struct snapshot *s, struct buf *out)
{
	struct doc_cursor d;

	/* The cursor only reads the snapshot. */
	doc_init(&d, NULL, (struct snapshot *)(uintptr_t)s, false, out);
	while (!out->failed && doc_step(&d))
		;
	doc_free(&d);
}

void
http_write_axfr(const struct config *c, struct snapshot *s, struct buf *out)
{
	struct doc_cursor d;

	doc_init(&d, c, s, true, out);
	while (!out->failed && doc_step(&d))
		;
	doc_free(&d);
}

/*
 * Streamed enumeration bodies.  Each holds a snapshot reference, its
 * cursor and a buffer of about one block; a watchdog cuts (shuts the
 * socket of) a body older than EnumerationLifetimeSeconds or reading a
 * generation older than the previous full build, so slow readers bound
 * neither time nor the number of old snapshots kept alive.
 */
#define STREAM_BLOCK 16384
#define STREAM_RETRY_AFTER "5"

struct stream {
	struct doc_cursor d;
	struct buf out;
	size_t pos;		  /**< bytes of out already handed to MHD */
	struct snapshot *ref;	  /**< from snapshot_acquire */
	const struct config *cfg; /**< from cfglive_acquire */
	int64_t deadline_ms;
	int fd; /**< the connection's socket */
	bool cut;
	struct stream *prev, *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct stream *head;
	int active;
	bool stop;
	bool running;
	pthread_t thread;
} streams = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* The generation of the full build being served (0 before the first). */
static uint64_t
current_generation(void)
{
	struct snapshot *s;
	uint64_t g = 0;

	snapshot_read_lock();
	if ((s = snapshot_current()) != NULL)
		g = snap_full(s)->generation;
	snapshot_read_unlock();
	return g;
}

/* True when a body has lived too long or reads a snapshot older than the
 * previous full build. */
static bool
stream_expired(const struct stream *st, int64_t now, uint64_t gen)
{
	return now >= st->deadline_ms ||
	    snap_full(st->ref)->generation + 1 < gen;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *st = cls;
	size_t avail;

	(void)pos;
	if (stream_expired(st, clock_ms(), current_generation()))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (st->pos == st->out.len)
		st->out.len = st->pos = 0;
	while (
	    st->out.len - st->pos < max && !st->out.failed && doc_step(&st->d))
		;
	if (st->out.failed)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	avail = st->out.len - st->pos;
	if (avail == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (avail > max)
		avail = max;
	memcpy(out, st->out.data + st->pos, avail);
	st->pos += avail;
	if (st->pos < st->out.len && st->pos >= STREAM_BLOCK) {
		/* keep the unsent tail at the front: out stays near max */
		memmove(st->out.data, st->out.data + st->pos,
		    st->out.len - st->pos);
		st->out.len -= st->pos;
		st->pos = 0;
	}
	return (ssize_t)avail;
}

static void
stream_free(void *cls)
{
	struct stream *st = cls;

	pthread_mutex_lock(&streams.lock);
	if (st->prev != NULL)
		st->prev->next = st->next;
	else
		streams.head = st->next;
	if (st->next != NULL)
		st->next->prev = st->prev;
	streams.active--;
	pthread_mutex_unlock(&streams.lock);
	doc_free(&st->d);
	buf_free(&st->out);
	snapshot_release(st->ref);
	cfglive_release(st->cfg);
	free(st);
}

/* Cuts expired bodies.  The socket is shut down under the lock that
 * stream_free takes before MHD closes it, so the descriptor is still
 * the connection's. */
static void *
stream_watchdog(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&streams.lock);
	while (!streams.stop) {
		struct timespec ts;
		int64_t now = clock_ms();
		uint64_t gen = current_generation();

		for (struct stream *st = streams.head; st; st = st->next)
			if (!st->cut && st->fd >= 0 &&
			    stream_expired(st, now, gen)) {
				shutdown(st->fd, SHUT_RDWR);
				st->cut = true;
			}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 250000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&streams.wake, &streams.lock, &ts);
	}
	pthread_mutex_unlock(&streams.lock);
	return NULL;
}

static enum MHD_Result
send_busy(struct MHD_Connection *c)
{
	static const char text[] = "503: Service Unavailable";
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(sizeof text - 1,
		(void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Retry-After", STREAM_RETRY_AFTER);
	rc = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
	MHD_destroy_response(r);
	return rc;
}

/* The configuration in force (a reload swaps it), inside a read
 * section; the start-up one when none was published (unit tests). */
static const struct config *
live_config(void)
{
	const struct config *c = cfglive_current();

	return c != NULL ? c : cfg;
}

/* The same, as a reference kept past the read section. */
static const struct config *
live_config_acquire(void)
{
	const struct config *c = cfglive_acquire();

	return c != NULL ? c : cfglive_hold(cfg);
}

/* Answers /v1/axfr or /v1/enumerate with a body streamed from the
 * current snapshot; 503 with Retry-After beyond EnumerationMaxConcurrent. */
static enum MHD_Result
stream_document(struct MHD_Connection *c, bool axfr)
{
	const union MHD_ConnectionInfo *ci;
	struct MHD_Response *r;
	struct stream *st;
	enum MHD_Result rc;
	const struct config *live = live_config_acquire();

	pthread_mutex_lock(&streams.lock);
	if (streams.active >= live->enum_max_concurrent) {
		pthread_mutex_unlock(&streams.lock);
		log_error_every(10000,
		    "http: %s refused: %d enumerations "
		    "running (EnumerationMaxConcurrent)",
		    axfr ? "/v1/axfr" : "/v1/enumerate",
		    (int)live->enum_max_concurrent);
		cfglive_release(live);
		return send_busy(c);
	}
	streams.active++;
	pthread_mutex_unlock(&streams.lock);
	if ((st = calloc(1, sizeof *st)) == NULL ||
	    (st->ref = snapshot_acquire()) == NULL) {
		pthread_mutex_lock(&streams.lock);
		streams.active--;
		pthread_mutex_unlock(&streams.lock);
		free(st);
		cfglive_release(live);
		return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "503: Service Unavailable");
	}
	/* /v1/enumerate lists the last full build: with events it follows
	 * within FULL_MAX_DELAY_MS (refresh.c). */
	st->cfg = live;
	doc_init(&st->d, live, axfr ? st->ref : snap_full(st->ref), axfr,
	    &st->out);
	st->deadline_ms = clock_ms() + live->enum_lifetime_seconds * 1000;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	st->fd = ci ? ci->connect_fd : -1;
	pthread_mutex_lock(&streams.lock);
	st->next = streams.head;
	if (streams.head != NULL)
		streams.head->prev = st;
	streams.head = st;
	pthread_mutex_unlock(&streams.lock);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
	    stream_read, st, stream_free);
	if (r == NULL) {
		stream_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
send_owned(struct MHD_Connection *c, unsigned status, const char *type,
    struct buf *b)
{
	return send_body(c, status, type, true, b);
}

/* 503 with {"status": ..., "reason": ...} (reasons are our own text). */
static enum MHD_Result
send_unavailable(struct MHD_Connection *c, const char *status,
    const char *reason)
{
	struct buf b = { 0 };

	buf_printf(&b, "{\"status\": \"%s\", \"reason\": \"%s\"}\n", status,
	    reason);
	return send_owned(c, MHD_HTTP_SERVICE_UNAVAILABLE, "application/json",
	    &b);
}

/* /metrics, /healthz and /readyz, served from the start (before the
 * first records); false for any other path. */
static bool
operations_path(struct MHD_Connection *c, const char *url, const char *method,
    enum MHD_Result *rc)
{
	struct buf b = { 0 };
	char why[256];

	if (strcmp(url, "/metrics") != 0 && strcmp(url, "/healthz") != 0 &&
	    strcmp(url, "/readyz") != 0)
		return false;
	if (strcmp(method, "GET") != 0) {
		*rc = send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "405: Method Not Allowed");
		return true;
	}
	if (strcmp(url, "/metrics") == 0) {
		metrics_render(&b);
		*rc = send_owned(c, MHD_HTTP_OK,
		    "text/plain; version=0.0.4; charset=utf-8", &b);
	} else if (strcmp(url, "/readyz") == 0 &&
	    !health_ready(clock_ms(), why, sizeof why)) {
		*rc = send_unavailable(c, "not ready", why);
	} else {
		buf_puts(&b, "{\"status\": \"ok\"}\n");
		*rc = send_owned(c, MHD_HTTP_OK, "application/json", &b);
	}
	return true;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size,
    void **state)
{
	const char *arg = NULL, *clen, *ctype;
	size_t arglen = 0;
	bool ports;
	enum route r;
	struct buf out = { 0 };
	struct snapshot *s;
	enum MHD_Result rc;

	(void)cls;
	(void)version;
	(void)upload_data;
	if (*state == NULL) {
		*state = &request_marker;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0; /* bodies are never read */
		return MHD_YES;
	}
	if (operations_path(c, url, method, &rc))
		return rc;
	r = route_of(url, &arg, &arglen, &ports);
	if (r == R_ENUMERATE || r == R_AXFR) {
		bool on;

		snapshot_read_lock();
		on = live_config()->enumeration_on;
		snapshot_read_unlock();
		if (!on)
			r = R_NONE;
	}
	if (r == R_NONE)
		return send_text(c, MHD_HTTP_NOT_FOUND, "404: Page Not Found");
	/* The API listens from the start for the paths above; the
	 * original's answer from when DNS does, after the first load. */
	if (!health_loaded())
		return send_unavailable(c, "starting", "no records loaded yet");
	if (strcmp(method, "GET") != 0)
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "405: Method Not Allowed");
	clen =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (clen != NULL && strtoll(clen, NULL, 10) > 0 &&
	    (ctype == NULL || strncmp(ctype, "application/json", 16) != 0))
		return send_text(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "415: Unsupported Media Type");
	if (!accept_ok(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept")))
		return send_text(c, MHD_HTTP_NOT_ACCEPTABLE,
		    "406: Not Acceptable");
	switch (r) {
	case R_VERSION:
		write_version(&out);
		break;
	case R_CONFIG:
		snapshot_read_lock();
		s = snapshot_current();
		/* The configuration in force: a reload shows at once. */
		config_write_json(live_config(),
		    s ? snap_serial(s) : live_config()->soa_serial, &out);
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
		return stream_document(c, r == R_AXFR);
	default:
		break;
	}
	return send_json(c, &out);
}

/* The watchdog thread, its condition variable on the monotonic clock. */
static int
start_watchdog(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&streams.wake, &ca);
	pthread_condattr_destroy(&ca);
	streams.stop = false;
	if (pthread_create(&streams.thread, NULL, stream_watchdog, NULL) != 0) {
		pthread_cond_destroy(&streams.wake);
		return -1;
	}
	pthread_setname_np(streams.thread, "mdns-httpwatch");
	streams.running = true;
	return 0;
}

/* Connections the server holds: 256, or a quarter of the descriptor limit
 * when that is less, so that API clients cannot take the descriptors the
 * state fetch, ZooKeeper and the forwarder need (as DNS over TCP). */
static unsigned
http_conn_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur / 4 >= 256)
		return 256;
	return rl.rlim_cur / 4 < 16 ? 16 : (unsigned)(rl.rlim_cur / 4);
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
	} else if (inet_pton(AF_INET6, c->http_listener, &sin6->sin6_addr) ==
	    1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)c->http_port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen,
		    "failed to setup http server: invalid "
		    "HTTPListener \"%s\"",
		    c->http_listener);
		return -1;
	}
	if (c->http_port < 0 || c->http_port > 65535) {
		snprintf(err, errlen,
		    "failed to setup http server: invalid "
		    "HttpPort %lld",
		    (long long)c->http_port);
		return -1;
	}
	daemon_handle = MHD_start_daemon(flags, (uint16_t)c->http_port, NULL,
	    NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &ss,
	    MHD_OPTION_THREAD_POOL_SIZE, 2U, MHD_OPTION_CONNECTION_TIMEOUT, 30U,
	    MHD_OPTION_CONNECTION_LIMIT, http_conn_limit(),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)c->http_max_conns_per_ip, MHD_OPTION_END);
	if (daemon_handle == NULL) {
		snprintf(err, errlen,
		    "failed to setup http server: cannot "
		    "listen on %s:%lld",
		    c->http_listener, (long long)c->http_port);
		return -1;
	}
	if (start_watchdog() != 0) {
		MHD_stop_daemon(daemon_handle);
		daemon_handle = NULL;
		snprintf(err, errlen,
		    "failed to setup http server: cannot "
		    "start a thread");
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
	if (streams.running) {
		pthread_mutex_lock(&streams.lock);
		streams.stop = true;
		pthread_cond_signal(&streams.wake);
		pthread_mutex_unlock(&streams.lock);
		pthread_join(streams.thread, NULL);
		pthread_cond_destroy(&streams.wake);
		streams.running = false;
	}
}
