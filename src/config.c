/* config.c -- config.json decoding with Go encoding/json rules, defaults and
 * the original's validation order (spec/config.md).
 *
 * The file is small and read once, so it goes through yajl's tree parser;
 * the decoding walk below then applies Go's rules by hand: keys match
 * case-insensitively, the last duplicate wins, null leaves scalars alone
 * and empties lists, and a wrong type names the Go field, as the original's
 * message does, so operators' runbooks still match.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "util/buf.h"
#include "util/hostport.h"
#include "util/ipaddr.h"
#include "util/jsontree.h"
#include "util/jsonw.h"
#include "util/pem.h"
#include "util/utf8lower.h"
#include "util/jsonkey.h"

enum field_type {
	F_INT,
	F_INT32,
	F_UINT16,
	F_UINT32,
	F_STRING,
	F_BOOL,
	F_STRV,
	F_ZONES,
	F_CREDS,
	F_TSIG,
};

struct field {
	const char *key; /* Go field name; JSON keys match it ignoring case */
	enum field_type type;
	size_t offset;
};

#define FLD(name, type, member) \
	{ \
		name, type, offsetof(struct config, member) \
	}
static const struct field fields[] = {
	FLD("RefreshSeconds", F_INT, refresh_seconds),
	FLD("Port", F_INT, port),
	FLD("Timeout", F_INT, timeout),
	FLD("StateTimeoutSeconds", F_INT, state_timeout_seconds),
	FLD("ZkDetectionTimeout", F_INT, zk_detection_timeout),
	FLD("HttpPort", F_INT, http_port),
	FLD("TTL", F_INT32, ttl),
	FLD("SRVRecordDefaultWeight", F_UINT16, srv_default_weight),
	FLD("SOASerial", F_UINT32, soa_serial),
	FLD("SOARefresh", F_UINT32, soa_refresh),
	FLD("SOARetry", F_UINT32, soa_retry),
	FLD("SOAExpire", F_UINT32, soa_expire),
	FLD("SOAMinttl", F_UINT32, soa_minttl),
	FLD("SOAMname", F_STRING, soa_mname),
	FLD("SOARname", F_STRING, soa_rname),
	FLD("Masters", F_STRV, masters),
	FLD("ZoneResolvers", F_ZONES, zone_resolvers),
	FLD("Resolvers", F_STRV, resolvers),
	FLD("IPSources", F_STRV, ip_sources_text),
	FLD("Zk", F_STRING, zk),
	FLD("Domain", F_STRING, domain),
	FLD("File", F_STRING, file),
	FLD("Listener", F_STRING, listener),
	FLD("HTTPListener", F_STRING, http_listener),
	FLD("RecurseOn", F_BOOL, recurse_on),
	FLD("DnsOn", F_BOOL, dns_on),
	FLD("HttpOn", F_BOOL, http_on),
	FLD("ExternalOn", F_BOOL, external_on),
	FLD("EnforceRFC952", F_BOOL, enforce_rfc952),
	FLD("SetTruncateBit", F_BOOL, set_truncate_bit),
	FLD("EnumerationOn", F_BOOL, enumeration_on),
	FLD("MesosHTTPSOn", F_BOOL, mesos_https_on),
	FLD("CACertFile", F_STRING, ca_cert_file),
	FLD("CertFile", F_STRING, cert_file),
	FLD("KeyFile", F_STRING, key_file),
	FLD("MesosCredentials", F_CREDS, principal),
	FLD("IAMConfigFile", F_STRING, iam_config_file),
	FLD("MesosAuthentication", F_STRING, mesos_authentication),
	/* Ours, listed in docs/compat.md. */
	FLD("EDNS0MaxUDPSize", F_INT, edns0_max_udp_size),
	FLD("MesosHTTPSInsecure", F_BOOL, mesos_https_insecure),
	FLD("ForwardCacheSize", F_INT, forward_cache_size),
	FLD("EventsOn", F_BOOL, events_on),
	FLD("StateMaxBytes", F_INT, state_max_bytes),
	FLD("ReverseOn", F_BOOL, reverse_on),
	FLD("ReverseZones", F_STRV, reverse_zones_text),
	FLD("HealthAwareOn", F_BOOL, health_aware_on),
	FLD("HTTPMaxConnectionsPerIP", F_INT, http_max_conns_per_ip),
	FLD("EnumerationMaxConcurrent", F_INT, enum_max_concurrent),
	FLD("EnumerationLifetimeSeconds", F_INT, enum_lifetime_seconds),
	FLD("RRLResponsesPerSecond", F_INT, rrl_responses_per_second),
	FLD("RRLSlip", F_INT, rrl_slip),
	FLD("RRLTableSize", F_INT, rrl_table_size),
	FLD("ZoneTransferAllow", F_STRV, xfr_allow),
	FLD("ZoneTransferNotify", F_STRV, xfr_notify),
	FLD("ZoneTransferTSIG", F_TSIG, xfr_tsig_name),
	FLD("ZoneTransferSerialFile", F_STRING, xfr_serial_file),
};
#undef FLD

static const char *const go_type_names[] = {
	[F_INT] = "int",
	[F_INT32] = "int32",
	[F_UINT16] = "uint16",
	[F_UINT32] = "uint32",
	[F_STRING] = "string",
	[F_BOOL] = "bool",
	[F_STRV] = "[]string",
	[F_ZONES] = "map[string][]string",
	[F_CREDS] = "records.BasicCredentials",
	[F_TSIG] = "ZoneTransferTSIG",
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Ranges of the integer keys: the original bounds none (refreshSeconds *
 * 1000 and timeout * 1000 overflow, a huge cache size is allocated), we
 * bound every one at load.  Keys typed uint16/uint32/int32 get their
 * type's bounds from the decoder, TTL also its sign here. */
struct int_bound {
	const char *key;
	size_t offset;
	bool is_int32;
	int64_t min, max;
};

#define BOUND(k, m, lo, hi) \
	{ \
		k, offsetof(struct config, m), false, lo, hi \
	}
static const struct int_bound int_bounds[] = {
	BOUND("RefreshSeconds", refresh_seconds, 1, 604800),
	BOUND("Port", port, 0, 65535),
	BOUND("Timeout", timeout, 0, 300),
	BOUND("StateTimeoutSeconds", state_timeout_seconds, 1, 86400),
	BOUND("ZkDetectionTimeout", zk_detection_timeout, 0, 86400),
	BOUND("HttpPort", http_port, 0, 65535),
	{ "TTL", offsetof(struct config, ttl), true, 0, INT32_MAX },
	BOUND("ForwardCacheSize", forward_cache_size, 0, 1048576),
	BOUND("StateMaxBytes", state_max_bytes, 1024, 16LL << 30),
	BOUND("HTTPMaxConnectionsPerIP", http_max_conns_per_ip, 1, 256),
	BOUND("EnumerationMaxConcurrent", enum_max_concurrent, 1, 256),
	BOUND("EnumerationLifetimeSeconds", enum_lifetime_seconds, 1, 86400),
	BOUND("RRLResponsesPerSecond", rrl_responses_per_second, 0, 1000000),
	BOUND("RRLSlip", rrl_slip, 0, 100),
	BOUND("RRLTableSize", rrl_table_size, 1024, 16777216),
};
#undef BOUND

/* "invalid KEY: V (MIN to MAX)" when v is outside the key's range. */
static int
check_range(const char *key, int64_t v, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof int_bounds / sizeof int_bounds[0]; i++) {
		const struct int_bound *b = &int_bounds[i];

		if (strcmp(b->key, key) != 0)
			continue;
		if (v < b->min || v > b->max)
			return fail(err, errlen,
			    "invalid %s: %" PRId64 " (%" PRId64 " to %" PRId64
			    ")",
			    key, v, b->min, b->max);
		return 0;
	}
	return 0;
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (p == NULL) {
		fputs("out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static void
strv_clear(struct strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->present = false;
}

static void
strv_push(struct strv *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);

	if (v == NULL) {
		fputs("out of memory\n", stderr);
		exit(1);
	}
	l->v = v;
	l->v[l->n++] = xstrdup(s);
}

static void
set_string(char **slot, const char *s)
{
	free(*slot);
	*slot = xstrdup(s);
}

static void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->refresh_seconds = 60;
	c->port = 53;
	c->timeout = 5;
	c->state_timeout_seconds = 300;
	c->zk_detection_timeout = 30;
	c->http_port = 8123;
	c->ttl = 60;
	c->srv_default_weight = 1;
	c->soa_refresh = 60;
	c->soa_retry = 600;
	c->soa_expire = 86400;
	c->soa_minttl = 60;
	c->soa_mname = xstrdup("ns1.mesos");
	c->soa_rname = xstrdup("root.ns1.mesos");
	strv_push(&c->resolvers, "8.8.8.8");
	c->resolvers.present = true;
	strv_push(&c->ip_sources_text, "netinfo");
	strv_push(&c->ip_sources_text, "mesos");
	strv_push(&c->ip_sources_text, "host");
	c->ip_sources_text.present = true;
	c->zk = xstrdup("");
	c->domain = xstrdup("mesos");
	c->file = xstrdup("");
	c->listener = xstrdup("0.0.0.0");
	c->http_listener = xstrdup("0.0.0.0");
	c->recurse_on = c->dns_on = c->http_on = c->external_on = true;
	c->set_truncate_bit = c->enumeration_on = true;
	c->ca_cert_file = xstrdup("");
	c->cert_file = xstrdup("");
	c->key_file = xstrdup("");
	c->principal = xstrdup("");
	c->secret = xstrdup("");
	c->iam_config_file = xstrdup("");
	c->mesos_authentication = xstrdup("");
	c->xfr_tsig_name = xstrdup("");
	c->xfr_tsig_secret = xstrdup("");
	c->xfr_serial_file = xstrdup("");
	c->xfr_allow.present = c->xfr_notify.present = true;
	/* 1232 avoids IP fragmentation on every common path (DNS flag day
	 * 2020); the original answers at most 512 bytes over UDP. */
	c->edns0_max_udp_size = 1232;
	c->events_on = true;
	/* A 100k-task state is ~35 MB; this leaves room for clusters over
	 * three times larger while refusing a runaway body. */
	c->state_max_bytes = 128LL << 20;
	/* Enough for any scraper or proxy; one client cannot take the 256
	 * connections of the HTTP server. */
	c->http_max_conns_per_ip = 32;
	/* Each enumeration streams with a small buffer (issue 11): these
	 * bound the old snapshots and the CPU slow readers can hold. */
	c->enum_max_concurrent = 16;
	c->enum_lifetime_seconds = 300;
	/* Response rate limiting is opt-in; NSD's slip and a table of 64k
	 * prefixes (1.5 MiB per UDP worker) once it is on. */
	c->rrl_slip = 2;
	c->rrl_table_size = 65536;
	/* A nil map prints as null, the default empty map as {}. */
	c->zone_resolvers_present = true;
}

static const char *
json_kind(yajl_val v)
{
	switch (v->type) {
	case yajl_t_string:
		return "string";
	case yajl_t_number:
		return "number";
	case yajl_t_object:
		return "object";
	case yajl_t_array:
		return "array";
	case yajl_t_true:
	case yajl_t_false:
		return "bool";
	default:
		return "null";
	}
}

/* Go's "cannot unmarshal X into Go struct field Config.F of type T". */
static int
type_error(char *err, size_t errlen, const char *path, yajl_val v,
    const char *field, const char *gotype)
{
	/* Go names the literal only when the target is a number. */
	if (v->type == yajl_t_number &&
	    (strcmp(gotype, "int") == 0 || strcmp(gotype, "int32") == 0 ||
		strcmp(gotype, "uint16") == 0 || strcmp(gotype, "uint32") == 0))
		return fail(err, errlen,
		    "failed to unmarshal config file %s: "
		    "json: cannot unmarshal number %s into Go struct field "
		    "Config.%s of type %s",
		    path, v->u.number.r, field, gotype);
	return fail(err, errlen,
	    "failed to unmarshal config file %s: json: "
	    "cannot unmarshal %s into Go struct field Config.%s of type %s",
	    path, json_kind(v), field, gotype);
}

/* A JSON integer literal (Go refuses fractions and exponents for ints). */
static bool
number_is_integer(yajl_val v, long long *out)
{
	const char *r = v->u.number.r;
	char *end;

	if (*r == '-')
		r++;
	if (*r == '\0')
		return false;
	for (; *r; r++)
		if (!isdigit((unsigned char)*r))
			return false;
	errno = 0;
	*out = strtoll(v->u.number.r, &end, 10);
	return errno == 0 && *end == '\0';
}

static int
decode_strv(struct strv *l, yajl_val v, const char *path, const char *name,
    char *err, size_t errlen)
{
	strv_clear(l);
	if (YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return type_error(err, errlen, path, v, name, "[]string");
	l->present = true;
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val e = v->u.array.values[i];

		if (YAJL_IS_NULL(e))
			strv_push(l, "");
		else if (YAJL_IS_STRING(e))
			strv_push(l, e->u.string);
		else
			return type_error(err, errlen, path, e, name, "string");
	}
	return 0;
}

static struct zone_resolver *
zone_find(struct config *c, const char *zone)
{
	for (size_t i = 0; i < c->n_zone_resolvers; i++)
		if (strcmp(c->zone_resolvers[i].zone, zone) == 0)
			return &c->zone_resolvers[i];
	return NULL;
}

static int
decode_zones(struct config *c, yajl_val v, const char *path, char *err,
    size_t errlen)
{
	if (YAJL_IS_NULL(v)) {
		c->zone_resolvers_present = false;
		for (size_t i = 0; i < c->n_zone_resolvers; i++) {
			free(c->zone_resolvers[i].zone);
			strv_clear(&c->zone_resolvers[i].resolvers);
		}
		free(c->zone_resolvers);
		c->zone_resolvers = NULL;
		c->n_zone_resolvers = 0;
		return 0;
	}
	if (!YAJL_IS_OBJECT(v))
		return type_error(err, errlen, path, v, "ZoneResolvers",
		    "map[string][]string");
	/* Go decodes into the existing map: keys accumulate. */
	c->zone_resolvers_present = true;
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *zone = v->u.object.keys[i];
		struct zone_resolver *z = zone_find(c, zone);

		if (z == NULL) {
			struct zone_resolver *nz = realloc(c->zone_resolvers,
			    (c->n_zone_resolvers + 1) * sizeof *nz);

			if (nz == NULL) {
				fputs("out of memory\n", stderr);
				exit(1);
			}
			c->zone_resolvers = nz;
			z = &nz[c->n_zone_resolvers++];
			memset(z, 0, sizeof *z);
			z->zone = xstrdup(zone);
		}
		if (decode_strv(&z->resolvers, v->u.object.values[i], path,
			"ZoneResolvers", err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* An object of two string fields, as Go decodes it into a struct: keys
 * folded (jsonkey.h), others ignored, null leaves a field as it is. */
struct pair_object {
	const char *name;     /* the config key, in the type error */
	const char *go_type;  /* its Go type, in the type error */
	const char *key[2];   /* JSON keys */
	const char *field[2]; /* Go field names, in the type error */
};

static int
decode_pair(yajl_val v, const char *path, const struct pair_object *o,
    char **slot0, char **slot1, char *err, size_t errlen)
{
	if (YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return type_error(err, errlen, path, v, o->name, o->go_type);
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];
		yajl_val e = v->u.object.values[i];
		int which = json_key_is(k, o->key[0]) ? 0 :
		    json_key_is(k, o->key[1])	      ? 1 :
							-1;

		if (which < 0 || YAJL_IS_NULL(e))
			continue;
		if (!YAJL_IS_STRING(e))
			return type_error(err, errlen, path, e, o->field[which],
			    "string");
		set_string(which == 0 ? slot0 : slot1, e->u.string);
	}
	return 0;
}

/* MesosCredentials: {"principal": ..., "secret": ...}. */
static const struct pair_object creds_object = {
	"MesosCredentials",
	"records.BasicCredentials",
	{ "principal", "secret" },
	{ "MesosCredentials.Principal", "MesosCredentials.Secret" },
};

/* ZoneTransferTSIG: {"name": key name, "secret": base64}. */
static const struct pair_object tsig_object = {
	"ZoneTransferTSIG",
	"ZoneTransferTSIG",
	{ "name", "secret" },
	{ "ZoneTransferTSIG.Name", "ZoneTransferTSIG.Secret" },
};

static int
decode_field(struct config *c, const struct field *f, yajl_val v,
    const char *path, char *err, size_t errlen)
{
	void *slot = (char *)c + f->offset;
	long long n;

	switch (f->type) {
	case F_STRV:
		return decode_strv(slot, v, path, f->key, err, errlen);
	case F_ZONES:
		return decode_zones(c, v, path, err, errlen);
	case F_CREDS:
		return decode_pair(v, path, &creds_object, &c->principal,
		    &c->secret, err, errlen);
	case F_TSIG:
		return decode_pair(v, path, &tsig_object, &c->xfr_tsig_name,
		    &c->xfr_tsig_secret, err, errlen);
	default:
		break;
	}
	if (YAJL_IS_NULL(v))
		return 0;
	switch (f->type) {
	case F_STRING:
		if (!YAJL_IS_STRING(v))
			break;
		set_string(slot, v->u.string);
		return 0;
	case F_BOOL:
		if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
			break;
		*(bool *)slot = YAJL_IS_TRUE(v);
		return 0;
	case F_INT:
	case F_INT32:
	case F_UINT16:
	case F_UINT32:
		if (!YAJL_IS_NUMBER(v))
			break;
		if (!number_is_integer(v, &n))
			return type_error(err, errlen, path, v, f->key,
			    go_type_names[f->type]);
		if (f->type == F_INT) {
			*(int64_t *)slot = n;
		} else if (f->type == F_INT32 && n >= INT32_MIN &&
		    n <= INT32_MAX) {
			*(int32_t *)slot = (int32_t)n;
		} else if (f->type == F_UINT16 && n >= 0 && n <= UINT16_MAX) {
			*(uint16_t *)slot = (uint16_t)n;
		} else if (f->type == F_UINT32 && n >= 0 && n <= UINT32_MAX) {
			*(uint32_t *)slot = (uint32_t)n;
		} else {
			return type_error(err, errlen, path, v, f->key,
			    go_type_names[f->type]);
		}
		return 0;
	default:
		break;
	}
	return type_error(err, errlen, path, v, f->key, go_type_names[f->type]);
}

/* Removes every trailing '.', then appends one (SOA names, spec §3). */
static char *
with_one_dot(const char *s)
{
	size_t n = strlen(s);
	char *p;

	while (n > 0 && s[n - 1] == '.')
		n--;
	if ((p = malloc(n + 2)) == NULL) {
		fputs("out of memory\n", stderr);
		exit(1);
	}
	memcpy(p, s, n);
	p[n] = '.';
	p[n + 1] = '\0';
	return p;
}

/* `^[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*$`: the original's domain rule. */
static bool
domain_valid(const char *d)
{
	size_t run = 0;

	for (; *d; d++) {
		if (*d == '.') {
			if (run == 0)
				return false;
			run = 0;
		} else if (isalnum((unsigned char)*d) || *d == '-') {
			run++;
		} else {
			return false;
		}
	}
	return run > 0;
}

static int
validate_masters(const struct config *c, char *err, size_t errlen)
{
	char **norm = calloc(c->masters.n + 1, sizeof *norm);
	int rc = 0;

	if (norm == NULL)
		return fail(err, errlen, "out of memory");
	for (size_t i = 0; i < c->masters.n && rc == 0; i++) {
		struct hostport hp;
		struct ipaddr ip;
		char text[IPADDR_STRLEN];

		if (hostport_split(c->masters.v[i], &hp, false) < 0 ||
		    hp.port < 1 || hp.port > 65535) {
			rc = fail(err, errlen,
			    "error validating masters: "
			    "illegal host:port specified for master %s",
			    c->masters.v[i]);
			break;
		}
		/* The same IP written two ways is the same master. */
		if (ipaddr_parse(hp.host, strlen(hp.host), &ip)) {
			ipaddr_format(&ip, text);
			if (asprintf(&norm[i], "%s_%d", text, hp.port) < 0)
				norm[i] = NULL;
		} else {
			norm[i] = strdup(c->masters.v[i]);
		}
		if (norm[i] == NULL) {
			rc = fail(err, errlen, "out of memory");
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(norm[j], norm[i]) == 0) {
				rc = fail(err, errlen,
				    "error validating masters: "
				    "duplicate master specified: %s",
				    c->masters.v[i]);
				break;
			}
	}
	for (size_t i = 0; i < c->masters.n; i++)
		free(norm[i]);
	free(norm);
	return rc;
}

/* Resolver entries: an IP literal, optionally with a port. */
static int
validate_resolver_list(const struct strv *l, const char *what, char *err,
    size_t errlen)
{
	char(*norm)[IPADDR_STRLEN + 8] = calloc(l->n + 1, sizeof *norm);
	int rc = 0;

	if (norm == NULL)
		return fail(err, errlen, "out of memory");
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		struct hostport hp;
		struct ipaddr ip;
		char text[IPADDR_STRLEN];

		if (hostport_split(l->v[i], &hp, true) < 0 ||
		    !ipaddr_parse(hp.host, strlen(hp.host), &ip) ||
		    (hp.has_port && (hp.port < 1 || hp.port > 65535))) {
			rc = fail(err, errlen,
			    "error validating %s: illegal "
			    "IP address or ip:port specified: %s",
			    what, l->v[i]);
			break;
		}
		ipaddr_format(&ip, text);
		snprintf(norm[i], sizeof norm[i], "%s_%d", text,
		    hp.has_port ? hp.port : 53);
		for (size_t j = 0; j < i; j++)
			if (strcmp(norm[j], norm[i]) == 0) {
				rc = fail(err, errlen,
				    "error validating %s: "
				    "duplicate resolver specified: %s",
				    what, l->v[i]);
				break;
			}
	}
	free(norm);
	return rc;
}

/* resolv.conf nameservers, minus this host's own addresses (the original
 * would otherwise forward to itself). */
static int
resolvers_from_resolv_conf(struct config *c, char *err, size_t errlen)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	struct ifaddrs *ifa = NULL;
	char line[512];

	if (f == NULL)
		return fail(err, errlen, "failed to read /etc/resolv.conf: %s",
		    strerror(errno));
	if (getifaddrs(&ifa) < 0)
		ifa = NULL;
	strv_clear(&c->resolvers);
	c->resolvers.present = true;
	while (fgets(line, sizeof line, f) != NULL) {
		char *save = NULL, *kw = strtok_r(line, " \t\r\n", &save);
		char *addr = kw ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		bool local = false;

		if (kw == NULL || addr == NULL || strcmp(kw, "nameserver") != 0)
			continue;
		for (struct ifaddrs *i = ifa; i != NULL && !local;
		     i = i->ifa_next) {
			char host[NI_MAXHOST];

			if (i->ifa_addr == NULL ||
			    (i->ifa_addr->sa_family != AF_INET &&
				i->ifa_addr->sa_family != AF_INET6))
				continue;
			if (getnameinfo(i->ifa_addr,
				i->ifa_addr->sa_family == AF_INET ?
				    sizeof(struct sockaddr_in) :
				    sizeof(struct sockaddr_in6),
				host, sizeof host, NULL, 0,
				NI_NUMERICHOST) == 0 &&
			    strcmp(host, addr) == 0)
				local = true;
		}
		if (!local)
			strv_push(&c->resolvers, addr);
	}
	if (ifa != NULL)
		freeifaddrs(ifa);
	fclose(f);
	return 0;
}

static int
validate_zone_resolvers(const struct config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->n_zone_resolvers; i++) {
		const struct zone_resolver *z = &c->zone_resolvers[i];

		if (z->resolvers.n == 0)
			return fail(err, errlen,
			    "field ZoneResolver %s is empty", z->zone);
		if (!domain_valid(z->zone))
			return fail(err, errlen,
			    "%s is not a valid domain name", z->zone);
		if (validate_resolver_list(&z->resolvers, "resolvers", err,
			errlen) < 0)
			return -1;
		if (strcmp(z->zone, c->domain) == 0)
			return fail(err, errlen,
			    "can't specify ZoneResolver "
			    "for Mesos domain (%s)",
			    c->domain);
	}
	/* No zone may hide another one or the Mesos domain, or be hidden by
	 * it: every name with a leading dot, shorter ones first, as the
	 * original compares them. */
	{
		size_t n = c->n_zone_resolvers + 1;
		char **dotted = calloc(n, sizeof *dotted);
		int rc = 0;

		if (dotted == NULL)
			return fail(err, errlen, "out of memory");
		for (size_t i = 0; i < n; i++)
			if (asprintf(&dotted[i], ".%s",
				i < n - 1 ? c->zone_resolvers[i].zone :
					    c->domain) < 0)
				dotted[i] = NULL;
		for (size_t i = 0; i < n && rc == 0; i++)
			for (size_t j = 0; j < n && rc == 0; j++) {
				size_t li, lj;

				if (i == j || !dotted[i] || !dotted[j])
					continue;
				li = strlen(dotted[i]);
				lj = strlen(dotted[j]);
				if (lj > li &&
				    strcmp(dotted[j] + lj - li, dotted[i]) == 0)
					rc = fail(err, errlen,
					    "ambiguous zone "
					    "resolvers: %s is masked by %s",
					    dotted[j], dotted[i]);
			}
		for (size_t i = 0; i < n; i++)
			free(dotted[i]);
		free(dotted);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
validate_ip_sources(struct config *c, char *err, size_t errlen)
{
	static const char *const names[] = {
		[IPSRC_HOST] = "host",
		[IPSRC_DOCKER] = "docker",
		[IPSRC_MESOS] = "mesos",
		[IPSRC_NETINFO] = "netinfo",
	};
	const struct strv *l = &c->ip_sources_text;

	if (l->n == 0)
		return fail(err, errlen,
		    "IPSources validation failed: "
		    "empty ip sources");
	/* Duplicates are reported before unknown names, as the original
	 * checks them first. */
	for (size_t i = 0; i < l->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->v[i], l->v[j]) == 0)
				return fail(err, errlen,
				    "IPSources validation "
				    "failed: duplicate ip source specified");
	c->n_ip_sources = 0;
	for (size_t i = 0; i < l->n; i++) {
		size_t k;

		for (k = 0; k < 4; k++)
			if (strcmp(l->v[i], names[k]) == 0)
				break;
		if (k == 4)
			return fail(err, errlen,
			    "IPSources validation failed: "
			    "invalid ip source \"%s\"",
			    l->v[i]);
		for (size_t j = 0; j < c->n_ip_sources; j++)
			if (c->ip_sources[j] == (enum ip_source)k)
				return fail(err, errlen,
				    "IPSources validation "
				    "failed: duplicate ip source specified");
		c->ip_sources[c->n_ip_sources++] = (enum ip_source)k;
	}
	return 0;
}

/* ReverseZones: names of in-addr.arpa./ip6.arpa. zones, parsed once. */
static int
validate_reverse_zones(struct config *c, char *err, size_t errlen)
{
	const struct strv *l = &c->reverse_zones_text;

	free(c->reverse_zones);
	c->reverse_zones = NULL;
	c->n_reverse_zones = 0;
	if (l->n == 0)
		return 0;
	if (l->n > CONFIG_MAX_REVERSE_ZONES)
		return fail(err, errlen, "ReverseZones: %zu zones, at most %d",
		    l->n, CONFIG_MAX_REVERSE_ZONES);
	if ((c->reverse_zones = calloc(l->n, sizeof *c->reverse_zones)) == NULL)
		return fail(err, errlen, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		if (reverse_parse_text(l->v[i], strlen(l->v[i]),
			&c->reverse_zones[i]) != REV_PREFIX)
			return fail(err, errlen,
			    "ReverseZones: \"%s\" is not "
			    "a zone of in-addr.arpa. or ip6.arpa. (labels: "
			    "decimal octets or hexadecimal nibbles)",
			    l->v[i]);
		c->n_reverse_zones++;
	}
	return 0;
}

static int
config_validate(struct config *c, char *err, size_t errlen)
{
	struct ipaddr ip;
	char *p;

	if (!c->dns_on && !c->http_on)
		return fail(err, errlen,
		    "service validation failed: either "
		    "DNS or HTTP server should be on");
	if (c->masters.n == 0 && c->zk[0] == '\0')
		return fail(err, errlen,
		    "specify mesos masters or zookeeper "
		    "in config.json");
	if (validate_masters(c, err, errlen) < 0)
		return -1;
	if (c->external_on) {
		if (c->resolvers.n == 0 &&
		    resolvers_from_resolv_conf(c, err, errlen) < 0)
			return -1;
		if (validate_resolver_list(&c->resolvers, "resolvers", err,
			errlen) < 0)
			return -1;
		if (validate_zone_resolvers(c, err, errlen) < 0)
			return -1;
	}
	if (validate_ip_sources(c, err, errlen) < 0)
		return -1;
	if (validate_reverse_zones(c, err, errlen) < 0)
		return -1;
	if (c->state_timeout_seconds <= 0)
		return fail(err, errlen, "Invalid HTTP Timeout: %" PRId64,
		    c->state_timeout_seconds);
	/* The original panics a moment later (Go ticker); say why instead. */
	if (check_range("RefreshSeconds", c->refresh_seconds, err, errlen) < 0)
		return -1;
	if ((p = malloc(UTF8LOWER_MAX(strlen(c->domain)) + 1)) == NULL)
		return fail(err, errlen, "out of memory");
	utf8lower(c->domain, strlen(c->domain), p);
	free(c->domain);
	c->domain = p;
	if (!domain_valid(c->domain))
		return fail(err, errlen, "%s is not a valid domain name",
		    c->domain);
	p = with_one_dot(c->soa_mname);
	free(c->soa_mname);
	c->soa_mname = p;
	for (p = c->soa_rname; *p; p++)
		if (*p == '@')
			*p = '.';
	p = with_one_dot(c->soa_rname);
	free(c->soa_rname);
	c->soa_rname = p;
	c->soa_serial = (uint32_t)time(NULL);
	/* The original crashes at its first refresh on a non-IP listener. */
	if (strcmp(c->listener, "0.0.0.0") != 0 &&
	    !ipaddr_parse(c->listener, strlen(c->listener), &ip))
		return fail(err, errlen,
		    "invalid Listener \"%s\": not an IP "
		    "address",
		    c->listener);
	if (c->ca_cert_file[0] != '\0' &&
	    pem_check_ca(c->ca_cert_file, err, errlen) < 0)
		return -1;
	if (c->cert_file[0] != '\0' && c->key_file[0] == '\0')
		return fail(err, errlen, "Missing private key");
	if (c->key_file[0] != '\0' && c->cert_file[0] == '\0')
		return fail(err, errlen, "Missing certificate");
	if (c->cert_file[0] != '\0' &&
	    pem_check_pair(c->cert_file, c->key_file, err, errlen) < 0)
		return -1;
	if (strcmp(c->mesos_authentication, "") != 0 &&
	    strcmp(c->mesos_authentication, "basic") != 0 &&
	    strcmp(c->mesos_authentication, "iam") != 0)
		return fail(err, errlen, "unregistered factory requested");
	if (strcmp(c->mesos_authentication, "basic") == 0 &&
	    c->principal[0] == '\0' && c->secret[0] == '\0')
		return fail(err, errlen, "invalid HTTP Basic configuration");
	if (strcmp(c->mesos_authentication, "iam") == 0 &&
	    c->iam_config_file[0] == '\0')
		return fail(err, errlen,
		    "missing configuration for specified "
		    "authentication mechanism");
	if (c->edns0_max_udp_size != 0 &&
	    (c->edns0_max_udp_size < 512 || c->edns0_max_udp_size > 65535))
		return fail(err, errlen,
		    "invalid EDNS0MaxUDPSize: %" PRId64 " (0, or 512 to 65535)",
		    c->edns0_max_udp_size);
	/* Every other number within its range, in the table's order. */
	for (size_t i = 0; i < sizeof int_bounds / sizeof int_bounds[0]; i++) {
		const struct int_bound *b = &int_bounds[i];
		const char *field = (const char *)c + b->offset;
		int64_t v;

		if (strcmp(b->key, "RefreshSeconds") == 0)
			continue; /* checked above, in the original's order */
		if (b->is_int32)
			v = *(const int32_t *)(const void *)field;
		else
			v = *(const int64_t *)(const void *)field;
		if (check_range(b->key, v, err, errlen) < 0)
			return -1;
	}
	return 0;
}

char *
config_resolve_path(const char *path)
{
	const char *home = getenv("USERPROFILE");
	char *expanded = NULL, *abs;
	const char *tilde = strstr(path, "~/");

	if (home == NULL || *home == '\0')
		home = getenv("HOME");
	if (home == NULL || *home == '\0')
		home = ".";
	/* The original replaces the first "~/" wherever it is. */
	if (tilde != NULL) {
		if (asprintf(&expanded, "%.*s%s/%s", (int)(tilde - path), path,
			home, tilde + 2) < 0)
			return NULL;
		path = expanded;
	}
	if (path[0] == '/') {
		abs = strdup(path);
	} else {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof cwd) == NULL)
			abs = strdup(path);
		else if (asprintf(&abs, "%s/%s", cwd, path) < 0)
			abs = NULL;
	}
	free(expanded);
	return abs;
}

int
config_parse(struct config *c, const char *json, size_t len, const char *path,
    char *err, size_t errlen)
{
	char yerr[256] = "";
	char quoted[PATH_MAX + 8];
	char *text;
	yajl_val root;
	int rc = 0;

	config_defaults(c);
	set_string(&c->file, path);
	snprintf(quoted, sizeof quoted, "\"%s\"", path);
	if ((text = malloc(len + 1)) == NULL)
		return fail(err, errlen, "out of memory");
	memcpy(text, json, len);
	text[len] = '\0';
	if (strlen(text) != len) {
		size_t at = strlen(text);

		free(text);
		return fail(err, errlen,
		    "failed to unmarshal config file %s: "
		    "NUL byte at offset %zu",
		    quoted, at);
	}
	root = json_parse(text, yerr, sizeof yerr);
	free(text);
	if (root == NULL) {
		for (char *q = yerr; *q; q++)
			if (*q == '\n')
				*q = ' ';
		return fail(err, errlen,
		    "failed to unmarshal config file %s: "
		    "%s",
		    quoted, yerr[0] ? yerr : "invalid JSON");
	}
	if (!YAJL_IS_OBJECT(root)) {
		rc = fail(err, errlen,
		    "failed to unmarshal config file %s: "
		    "json: cannot unmarshal %s into Go value of type "
		    "records.Config",
		    quoted, json_kind(root));
		goto out;
	}
	for (size_t i = 0; i < root->u.object.len && rc == 0; i++) {
		const char *k = root->u.object.keys[i];

		for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
			if (!json_key_is(k, fields[f].key))
				continue;
			/* "file" in the JSON overrides the real path, as
			 * in the original (it decodes after storing it). */
			rc = decode_field(c, &fields[f],
			    root->u.object.values[i], quoted, err, errlen);
			break;
		}
	}
	if (rc == 0)
		rc = config_validate(c, err, errlen);
out:
	yajl_tree_free(root);
	return rc;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	char *abs = config_resolve_path(path);
	char *data = NULL;
	size_t len = 0, cap = 0;
	FILE *f = NULL;
	struct stat st;
	int rc;

	if (abs == NULL)
		return fail(err, errlen, "out of memory");

	if (stat(abs, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (f = fopen(abs, "r")) == NULL) {
		config_defaults(c);
		rc = fail(err, errlen, "missing configuration file: \"%s\"",
		    abs);
		free(abs);
		return rc;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *p = realloc(data, cap ? cap * 2 : 8192);

			if (p == NULL) {
				fclose(f);
				free(data);
				free(abs);
				return fail(err, errlen, "out of memory");
			}
			data = p;
			cap = cap ? cap * 2 : 8192;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	rc = config_parse(c, data ? data : "", len, abs, err, errlen);
	free(data);
	free(abs);
	return rc;
}

/* The Zk URL with the user:pass of "scheme://user:pass@hosts/path"
 * replaced by "******". */
static void
write_zk_masked(struct jsonw *w, const char *url)
{
	const char *hosts = strstr(url, "://"), *slash, *at;
	struct buf b = { 0 };

	if (hosts == NULL) {
		jsonw_key(w, "Zk");
		jsonw_cstr(w, url);
		return;
	}
	hosts += 3;
	slash = strchr(hosts, '/');
	at =
	    memchr(hosts, '@', slash ? (size_t)(slash - hosts) : strlen(hosts));
	jsonw_key(w, "Zk");
	if (at == NULL) {
		jsonw_cstr(w, url);
		return;
	}
	buf_put(&b, url, (size_t)(hosts - url));
	buf_puts(&b, "******");
	buf_puts(&b, at);
	if (b.failed)
		w->out->failed = true;
	jsonw_string(w, b.data ? b.data : "", b.len);
	buf_free(&b);
}

static void
write_strv(struct jsonw *w, const char *key, const struct strv *l)
{
	jsonw_key(w, key);
	if (!l->present) {
		jsonw_null(w);
		return;
	}
	jsonw_array_begin(w);
	for (size_t i = 0; i < l->n; i++)
		jsonw_cstr(w, l->v[i]);
	jsonw_array_end(w);
}

static int
zone_cmp(const void *a, const void *b)
{
	const struct zone_resolver *const *x = a, *const *y = b;

	return strcmp((*x)->zone, (*y)->zone);
}

void
config_write_json(const struct config *c, uint32_t serial, struct buf *out)
{
	struct jsonw w;
	const struct zone_resolver **zones;

	jsonw_init(&w, out);
	jsonw_object_begin(&w);
#define INT(k, v) \
	do { \
		jsonw_key(&w, k); \
		jsonw_int(&w, (v)); \
	} while (0)
#define STR(k, v) \
	do { \
		jsonw_key(&w, k); \
		jsonw_cstr(&w, (v)); \
	} while (0)
#define BOOL(k, v) \
	do { \
		jsonw_key(&w, k); \
		jsonw_bool(&w, (v)); \
	} while (0)
	INT("RefreshSeconds", c->refresh_seconds);
	INT("Port", c->port);
	INT("Timeout", c->timeout);
	INT("StateTimeoutSeconds", c->state_timeout_seconds);
	INT("ZkDetectionTimeout", c->zk_detection_timeout);
	INT("HttpPort", c->http_port);
	INT("TTL", c->ttl);
	INT("SRVRecordDefaultWeight", c->srv_default_weight);
	INT("SOASerial", serial);
	INT("SOARefresh", c->soa_refresh);
	INT("SOARetry", c->soa_retry);
	INT("SOAExpire", c->soa_expire);
	INT("SOAMinttl", c->soa_minttl);
	STR("SOAMname", c->soa_mname);
	STR("SOARname", c->soa_rname);
	write_strv(&w, "Masters", &c->masters);
	/* Go prints map keys sorted; a nil map (JSON null) prints null. */
	jsonw_key(&w, "ZoneResolvers");
	zones = calloc(c->n_zone_resolvers + 1, sizeof *zones);
	if (!c->zone_resolvers_present) {
		jsonw_null(&w);
		free(zones);
	} else if (zones == NULL) {
		out->failed = true;
		jsonw_null(&w);
	} else {
		for (size_t i = 0; i < c->n_zone_resolvers; i++)
			zones[i] = &c->zone_resolvers[i];
		qsort(zones, c->n_zone_resolvers, sizeof *zones, zone_cmp);
		jsonw_object_begin(&w);
		for (size_t i = 0; i < c->n_zone_resolvers; i++)
			write_strv(&w, zones[i]->zone, &zones[i]->resolvers);
		jsonw_object_end(&w);
		free(zones);
	}
	write_strv(&w, "Resolvers", &c->resolvers);
	write_strv(&w, "IPSources", &c->ip_sources_text);
	/* user:pass@ in the URL is a credential like the secret. */
	write_zk_masked(&w, c->zk);
	STR("Domain", c->domain);
	STR("File", c->file);
	STR("Listener", c->listener);
	STR("HTTPListener", c->http_listener);
	BOOL("RecurseOn", c->recurse_on);
	BOOL("DnsOn", c->dns_on);
	BOOL("HttpOn", c->http_on);
	BOOL("ExternalOn", c->external_on);
	BOOL("EnforceRFC952", c->enforce_rfc952);
	BOOL("SetTruncateBit", c->set_truncate_bit);
	BOOL("EnumerationOn", c->enumeration_on);
	BOOL("MesosHTTPSOn", c->mesos_https_on);
	STR("CACertFile", c->ca_cert_file);
	STR("CertFile", c->cert_file);
	STR("KeyFile", c->key_file);
	jsonw_key(&w, "MesosCredentials");
	jsonw_object_begin(&w);
	STR("Principal", c->principal);
	/* The original shows the secret in clear text (gaps.md #24). */
	STR("Secret", c->secret[0] ? "******" : "");
	jsonw_object_end(&w);
	STR("IAMConfigFile", c->iam_config_file);
	STR("MesosAuthentication", c->mesos_authentication);
	INT("EDNS0MaxUDPSize", c->edns0_max_udp_size);
	BOOL("MesosHTTPSInsecure", c->mesos_https_insecure);
	INT("ForwardCacheSize", c->forward_cache_size);
	BOOL("EventsOn", c->events_on);
	INT("StateMaxBytes", c->state_max_bytes);
	BOOL("ReverseOn", c->reverse_on);
	write_strv(&w, "ReverseZones", &c->reverse_zones_text);
	BOOL("HealthAwareOn", c->health_aware_on);
	INT("HTTPMaxConnectionsPerIP", c->http_max_conns_per_ip);
	INT("EnumerationMaxConcurrent", c->enum_max_concurrent);
	INT("EnumerationLifetimeSeconds", c->enum_lifetime_seconds);
	INT("RRLResponsesPerSecond", c->rrl_responses_per_second);
	INT("RRLSlip", c->rrl_slip);
	INT("RRLTableSize", c->rrl_table_size);
	write_strv(&w, "ZoneTransferAllow", &c->xfr_allow);
	write_strv(&w, "ZoneTransferNotify", &c->xfr_notify);
	jsonw_key(&w, "ZoneTransferTSIG");
	jsonw_object_begin(&w);
	STR("Name", c->xfr_tsig_name);
	STR("Secret", c->xfr_tsig_secret[0] ? "******" : "");
	jsonw_object_end(&w);
	STR("ZoneTransferSerialFile", c->xfr_serial_file);
#undef INT
#undef STR
#undef BOOL
	jsonw_object_end(&w);
}

void
config_free(struct config *c)
{
	char **strings[] = {
		&c->soa_mname,
		&c->soa_rname,
		&c->zk,
		&c->domain,
		&c->file,
		&c->listener,
		&c->http_listener,
		&c->ca_cert_file,
		&c->cert_file,
		&c->key_file,
		&c->principal,
		&c->secret,
		&c->iam_config_file,
		&c->mesos_authentication,
		&c->xfr_tsig_name,
		&c->xfr_tsig_secret,
		&c->xfr_serial_file,
	};

	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
	strv_clear(&c->masters);
	strv_clear(&c->resolvers);
	strv_clear(&c->ip_sources_text);
	strv_clear(&c->reverse_zones_text);
	free(c->reverse_zones);
	c->reverse_zones = NULL;
	c->n_reverse_zones = 0;
	strv_clear(&c->xfr_allow);
	strv_clear(&c->xfr_notify);
	for (size_t i = 0; i < c->n_zone_resolvers; i++) {
		free(c->zone_resolvers[i].zone);
		strv_clear(&c->zone_resolvers[i].resolvers);
	}
	free(c->zone_resolvers);
	c->zone_resolvers = NULL;
	c->n_zone_resolvers = 0;
}

/* ---- keys a reload cannot change (service/reload.c) ---- */

static const struct field *
field_named(const char *key)
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

static bool
strv_equal(const struct strv *a, const struct strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static char *
strv_text(const struct strv *l, char *out, size_t len)
{
	size_t used = 0;

	used += (size_t)snprintf(out, len, "[");
	for (size_t i = 0; i < l->n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    i ? "," : "", l->v[i]);
	if (used < len)
		snprintf(out + used, len - used, "]");
	return out;
}

/* The value of f in c as the log shows it; secrets are never shown. */
static void
field_text(const struct config *c, const struct field *f, char *out, size_t len)
{
	const char *p = (const char *)c + f->offset;

	switch (f->type) {
	case F_INT:
		snprintf(out, len, "%lld", (long long)*(const int64_t *)p);
		break;
	case F_INT32:
		snprintf(out, len, "%ld", (long)*(const int32_t *)p);
		break;
	case F_UINT16:
		snprintf(out, len, "%u", (unsigned)*(const uint16_t *)p);
		break;
	case F_UINT32:
		snprintf(out, len, "%lu", (unsigned long)*(const uint32_t *)p);
		break;
	case F_BOOL:
		snprintf(out, len, "%s", *(const bool *)p ? "true" : "false");
		break;
	case F_STRING:
		snprintf(out, len, "\"%s\"", *(char *const *)p);
		break;
	case F_STRV:
		strv_text((const struct strv *)p, out, len);
		break;
	default:
		snprintf(out, len, "(not shown)");
		break;
	}
}

static bool
field_equal(const struct config *a, const struct config *b,
    const struct field *f)
{
	const char *pa = (const char *)a + f->offset;
	const char *pb = (const char *)b + f->offset;

	switch (f->type) {
	case F_INT:
		return *(const int64_t *)pa == *(const int64_t *)pb;
	case F_INT32:
		return *(const int32_t *)pa == *(const int32_t *)pb;
	case F_UINT16:
		return *(const uint16_t *)pa == *(const uint16_t *)pb;
	case F_UINT32:
		return *(const uint32_t *)pa == *(const uint32_t *)pb;
	case F_BOOL:
		return *(const bool *)pa == *(const bool *)pb;
	case F_STRING:
		return strcmp(*(char *const *)pa, *(char *const *)pb) == 0;
	case F_STRV:
		return strv_equal((const struct strv *)pa,
		    (const struct strv *)pb);
	case F_CREDS:
		return strcmp(a->principal, b->principal) == 0 &&
		    strcmp(a->secret, b->secret) == 0;
	case F_TSIG:
		return strcmp(a->xfr_tsig_name, b->xfr_tsig_name) == 0 &&
		    strcmp(a->xfr_tsig_secret, b->xfr_tsig_secret) == 0;
	default:
		return true;
	}
}

static bool
strv_copy(struct strv *dst, const struct strv *src)
{
	struct strv c = { calloc(src->n + 1, sizeof(char *)), 0, src->present };

	if (c.v == NULL)
		return false;
	for (; c.n < src->n; c.n++)
		if ((c.v[c.n] = strdup(src->v[c.n])) == NULL) {
			strv_clear(&c);
			return false;
		}
	strv_clear(dst);
	*dst = c;
	return true;
}

static bool
string_copy(char **dst, const char *src)
{
	char *c = strdup(src);

	if (c == NULL)
		return false;
	free(*dst);
	*dst = c;
	return true;
}

int
config_keep_key(struct config *next, const struct config *running,
    const char *key, char *was, size_t waslen, char *now, size_t nowlen)
{
	const struct field *f = field_named(key);
	char *pn;
	bool ok = true;

	if (f == NULL || field_equal(next, running, f))
		return 0;
	field_text(running, f, was, waslen);
	field_text(next, f, now, nowlen);
	pn = (char *)next + f->offset;
	switch (f->type) {
	case F_INT:
		*(int64_t *)pn =
		    *(const int64_t *)((const char *)running + f->offset);
		break;
	case F_BOOL:
		*(bool *)pn =
		    *(const bool *)((const char *)running + f->offset);
		break;
	case F_INT32:
	case F_UINT16:
	case F_UINT32:
		memcpy(pn, (const char *)running + f->offset,
		    f->type == F_UINT16 ? 2 : 4);
		break;
	case F_STRING:
		ok = string_copy((char **)pn,
		    *(char *const *)((const char *)running + f->offset));
		break;
	case F_STRV:
		ok = strv_copy((struct strv *)pn,
		    (const struct strv *)((const char *)running + f->offset));
		break;
	case F_CREDS:
		ok = string_copy(&next->principal, running->principal) &&
		    string_copy(&next->secret, running->secret);
		break;
	case F_TSIG:
		ok =
		    string_copy(&next->xfr_tsig_name, running->xfr_tsig_name) &&
		    string_copy(&next->xfr_tsig_secret,
			running->xfr_tsig_secret);
		break;
	default:
		break;
	}
	return ok ? 1 : -1;
}

bool
config_key_changed(const struct config *a, const struct config *b,
    const char *key)
{
	const struct field *f = field_named(key);

	return f != NULL && !field_equal(a, b, f);
}
