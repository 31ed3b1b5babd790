/* test_config.c -- config_parse() against spec/config.md: every default,
 * Go encoding/json decoding rules (key case, duplicates, null, types,
 * ranges), each validation error with its message and the first-failure
 * order, normalisation, and the /v1/config document config_write_json()
 * produces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "util/buf.h"
#include "xfail.h"

#define PATH "/etc/mesos-dns/config.json"
#define UNMARSHAL "failed to unmarshal config file \"" PATH "\": "
#define M1 "\"masters\":[\"10.0.0.1:5050\"]"

static int
parse(struct config *c, const char *json, char *err, size_t errlen)
{
	err[0] = '\0';
	return config_parse(c, json, strlen(json), PATH, err, errlen);
}

/* Parses json that must be accepted; the caller frees c. */
static void
parse_ok(struct config *c, const char *json)
{
	char err[1024];
	int rc = parse(c, json, err, sizeof err);

	if (rc != 0)
		print_error("config %s refused: %s\n", json, err);
	assert_int_equal(rc, 0);
}

/* Whether json is refused with exactly the message want. */
static bool
error_is(const char *json, const char *want)
{
	struct config c;
	char err[1024];
	int rc = parse(&c, json, err, sizeof err);
	bool ok = rc == -1 && strcmp(err, want) == 0;

	if (!ok)
		print_message("config %s: rc %d, message \"%s\"\n  want \"%s\"\n",
		    json, rc, err, want);
	config_free(&c);
	return ok;
}

/* json must be refused with exactly the message want. */
static void
expect_error(const char *json, const char *want)
{
	assert_true(error_is(json, want));
}

/* json must be refused with a message containing every given fragment. */
static void
expect_error_has(const char *json, const char *a, const char *b)
{
	struct config c;
	char err[1024];
	int rc = parse(&c, json, err, sizeof err);

	if (rc == 0)
		print_error("config %s accepted\n", json);
	assert_int_equal(rc, -1);
	if (strstr(err, a) == NULL || (b && strstr(err, b) == NULL))
		print_error("message \"%s\" lacks \"%s\" / \"%s\"\n", err, a,
		    b ? b : "");
	assert_non_null(strstr(err, a));
	if (b)
		assert_non_null(strstr(err, b));
	config_free(&c);
}

static void
expect_strv(const struct strv *l, const char *const *want, size_t n)
{
	assert_true(l->present);
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->v[i], want[i]);
}

/* /v1/config of c, NUL-terminated, malloc'ed. */
static char *
config_doc(const struct config *c, uint32_t serial)
{
	struct buf b = { 0 };
	char *s;

	config_write_json(c, serial, &b);
	assert_false(b.failed);
	s = malloc(b.len + 1);
	assert_non_null(s);
	memcpy(s, b.data, b.len);
	s[b.len] = '\0';
	buf_free(&b);
	return s;
}

/* Drops the whitespace outside JSON strings: a layout-free form. */
static char *
compact(const char *in)
{
	char *out = malloc(strlen(in) + 1), *o = out;
	bool str = false;

	assert_non_null(out);
	for (const char *p = in; *p; p++) {
		if (str) {
			*o++ = *p;
			if (*p == '\\' && p[1])
				*o++ = *++p;
			else if (*p == '"')
				str = false;
		} else if (*p == '"') {
			str = true;
			*o++ = *p;
		} else if (*p != ' ' && *p != '\n' && *p != '\t') {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* The compact /v1/config contains fragment. */
static void
doc_has(const struct config *c, const char *fragment)
{
	char *doc = config_doc(c, 1), *flat = compact(doc);

	if (strstr(flat, fragment) == NULL)
		print_error("/v1/config %s\nlacks %s\n", flat, fragment);
	assert_non_null(strstr(flat, fragment));
	free(doc);
	free(flat);
}

/* ---- defaults ---------------------------------------------------------- */

static void
test_defaults(void **state)
{
	static const char *const ipsrc[] = { "netinfo", "mesos", "host" };
	static const char *const res[] = { "8.8.8.8" };
	static const char *const masters[] = { "10.0.0.1:5050" };
	time_t before = time(NULL);
	struct config c;

	(void)state;
	parse_ok(&c, "{" M1 "}");
	assert_int_equal(c.refresh_seconds, 60);
	assert_int_equal(c.port, 53);
	assert_int_equal(c.timeout, 5);
	assert_int_equal(c.state_timeout_seconds, 300);
	assert_int_equal(c.zk_detection_timeout, 30);
	assert_int_equal(c.http_port, 8123);
	assert_int_equal(c.ttl, 60);
	assert_int_equal(c.srv_default_weight, 1);
	assert_true(c.soa_serial >= (uint32_t)before &&
	    c.soa_serial <= (uint32_t)time(NULL));
	assert_int_equal(c.soa_refresh, 60);
	assert_int_equal(c.soa_retry, 600);
	assert_int_equal(c.soa_expire, 86400);
	assert_int_equal(c.soa_minttl, 60);
	assert_string_equal(c.soa_mname, "ns1.mesos.");
	assert_string_equal(c.soa_rname, "root.ns1.mesos.");
	expect_strv(&c.masters, masters, 1);
	assert_int_equal(c.n_zone_resolvers, 0);
	assert_true(c.zone_resolvers_present);
	expect_strv(&c.resolvers, res, 1);
	expect_strv(&c.ip_sources_text, ipsrc, 3);
	assert_int_equal(c.n_ip_sources, 3);
	assert_int_equal(c.ip_sources[0], IPSRC_NETINFO);
	assert_int_equal(c.ip_sources[1], IPSRC_MESOS);
	assert_int_equal(c.ip_sources[2], IPSRC_HOST);
	assert_string_equal(c.zk, "");
	assert_string_equal(c.domain, "mesos");
	assert_string_equal(c.file, PATH);
	assert_string_equal(c.listener, "0.0.0.0");
	assert_string_equal(c.http_listener, "0.0.0.0");
	assert_true(c.recurse_on);
	assert_true(c.dns_on);
	assert_true(c.http_on);
	assert_true(c.external_on);
	assert_false(c.enforce_rfc952);
	assert_true(c.set_truncate_bit);
	assert_true(c.enumeration_on);
	assert_false(c.mesos_https_on);
	assert_string_equal(c.ca_cert_file, "");
	assert_string_equal(c.cert_file, "");
	assert_string_equal(c.key_file, "");
	assert_string_equal(c.principal, "");
	assert_string_equal(c.secret, "");
	assert_string_equal(c.iam_config_file, "");
	assert_string_equal(c.mesos_authentication, "");
	/* Ours (docs/compat.md). */
	assert_int_equal(c.edns0_max_udp_size, 1232);
	assert_false(c.mesos_https_insecure);
	assert_int_equal(c.forward_cache_size, 0);
	assert_true(c.events_on);
	assert_int_equal(c.state_max_bytes, 128LL << 20);
	config_free(&c);
}

/* Zk alone is enough; Masters then stays absent (null in /v1/config). */
static void
test_zk_only(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "{\"zk\":\"zk://10.0.0.1:2181/mesos\"}");
	assert_string_equal(c.zk, "zk://10.0.0.1:2181/mesos");
	assert_false(c.masters.present);
	assert_int_equal(c.masters.n, 0);
	doc_has(&c, "\"Masters\":null,");
	config_free(&c);
}

/* ---- Go decoding rules -------------------------------------------------- */

static void
test_keys_case_insensitive(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c,
	    "{\"MASTERS\":[\"10.0.0.1:5050\"],\"ZK\":\"zk://a:1/m\","
	    "\"refreshseconds\":7,\"HTTPPORT\":9000,\"dnsOn\":false,"
	    "\"ipsources\":[\"host\"],\"DOMAIN\":\"Example\","
	    "\"mesoscredentials\":{\"PRINCIPAL\":\"p\",\"secret\":\"s\"},"
	    "\"soamname\":\"ns.example\",\"ns\":\"ignored\",\"email\":\"x\"}");
	assert_int_equal(c.masters.n, 1);
	assert_string_equal(c.zk, "zk://a:1/m");
	assert_int_equal(c.refresh_seconds, 7);
	assert_int_equal(c.http_port, 9000);
	assert_false(c.dns_on);
	assert_int_equal(c.n_ip_sources, 1);
	assert_int_equal(c.ip_sources[0], IPSRC_HOST);
	assert_string_equal(c.domain, "example");
	assert_string_equal(c.principal, "p");
	assert_string_equal(c.secret, "s");
	assert_string_equal(c.soa_mname, "ns.example.");
	config_free(&c);
}

/* The last of several spellings of one key wins, lists included. */
static void
test_last_duplicate_wins(void **state)
{
	static const char *const m2[] = { "10.0.0.2:5050" };
	struct config c;

	(void)state;
	parse_ok(&c,
	    "{\"masters\":[\"10.0.0.1:5050\"],\"Masters\":"
	    "[\"10.0.0.2:5050\"],\"ttl\":1,\"TTL\":2,\"Ttl\":3,"
	    "\"domain\":\"first\",\"Domain\":\"second\"}");
	expect_strv(&c.masters, m2, 1);
	assert_int_equal(c.ttl, 3);
	assert_string_equal(c.domain, "second");
	config_free(&c);
}

/* null leaves a scalar alone: its default, or an earlier duplicate. */
static void
test_null_keeps_scalar(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c,
	    "{" M1 ",\"refreshSeconds\":null,\"domain\":null,"
	    "\"dnson\":null,\"SOARefresh\":null,\"ttl\":null,"
	    "\"MesosCredentials\":null,\"listener\":null,"
	    "\"httpport\":5,\"HttpPort\":null}");
	assert_int_equal(c.refresh_seconds, 60);
	assert_string_equal(c.domain, "mesos");
	assert_true(c.dns_on);
	assert_int_equal(c.soa_refresh, 60);
	assert_int_equal(c.ttl, 60);
	assert_string_equal(c.principal, "");
	assert_string_equal(c.listener, "0.0.0.0");
	assert_int_equal(c.http_port, 5);
	config_free(&c);
}

/* "resolvers": null is an empty list; with externalon false it stays
 * nil and /v1/config shows null. */
static void
test_null_resolvers_external_off(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "{" M1 ",\"resolvers\":null,\"externalon\":false}");
	assert_false(c.resolvers.present);
	assert_int_equal(c.resolvers.n, 0);
	doc_has(&c, "\"Resolvers\":null,");
	config_free(&c);
}

/* With externalon true the empty list is replaced by the nameservers of
 * /etc/resolv.conf (minus this host's addresses). */
static void
test_null_resolvers_resolv_conf(void **state)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[512], ns[16][64];
	size_t n_ns = 0;
	struct config c;

	(void)state;
	if (f == NULL)
		skip();
	while (fgets(line, sizeof line, f) != NULL && n_ns < 16)
		if (sscanf(line, " nameserver %63s", ns[n_ns]) == 1)
			n_ns++;
	fclose(f);
	parse_ok(&c, "{" M1 ",\"resolvers\":null}");
	assert_true(c.resolvers.present);
	assert_true(c.resolvers.n <= n_ns);
	for (size_t i = 0; i < c.resolvers.n; i++) {
		bool found = false;

		for (size_t k = 0; k < n_ns; k++)
			found = found || strcmp(ns[k], c.resolvers.v[i]) == 0;
		assert_true(found);
	}
	/* 127.0.0.1 is always a local address: never a forwarder. */
	for (size_t i = 0; i < c.resolvers.n; i++)
		assert_string_not_equal(c.resolvers.v[i], "127.0.0.1");
	config_free(&c);
	/* "[]" is the same as null. */
	parse_ok(&c, "{" M1 ",\"resolvers\":[]}");
	assert_true(c.resolvers.n <= n_ns);
	config_free(&c);
}

static void
test_null_ip_sources_fails(void **state)
{
	(void)state;
	expect_error("{" M1 ",\"IPSources\":null}",
	    "IPSources validation failed: empty ip sources");
	expect_error("{" M1 ",\"IPSources\":[]}",
	    "IPSources validation failed: empty ip sources");
}

/* "zoneResolvers": null is a nil map: null in /v1/config; {} by default. */
static void
test_zone_resolvers_null_and_default(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "{" M1 "}");
	doc_has(&c, "\"ZoneResolvers\":{},");
	config_free(&c);
	parse_ok(&c, "{" M1 ",\"zoneResolvers\":null}");
	assert_false(c.zone_resolvers_present);
	doc_has(&c, "\"ZoneResolvers\":null,");
	config_free(&c);
	parse_ok(&c,
	    "{" M1 ",\"zoneResolvers\":{\"weave\":[\"172.17.0.1\"],"
	    "\"consul\":[\"10.1.1.1:8600\"]}}");
	assert_int_equal(c.n_zone_resolvers, 2);
	/* Keys sorted, as Go prints a map. */
	doc_has(&c,
	    "\"ZoneResolvers\":{\"consul\":[\"10.1.1.1:8600\"],"
	    "\"weave\":[\"172.17.0.1\"]},");
	config_free(&c);
}

/* ---- wrong types -------------------------------------------------------- */

static void
test_wrong_types(void **state)
{
	static const char *const cases[][2] = {
		{ "\"refreshSeconds\":\"60\"",
		    "json: cannot unmarshal string "
		    "into Go struct field Config.RefreshSeconds of type int" },
		{ "\"port\":true",
		    "json: cannot unmarshal bool into Go struct "
		    "field Config.Port of type int" },
		{ "\"ttl\":[60]",
		    "json: cannot unmarshal array into Go struct "
		    "field Config.TTL of type int32" },
		{ "\"SOARefresh\":{}",
		    "json: cannot unmarshal object into Go "
		    "struct field Config.SOARefresh of type uint32" },
		{ "\"domain\":[\"mesos\"]",
		    "json: cannot unmarshal array into "
		    "Go struct field Config.Domain of type string" },
		{ "\"dnson\":\"yes\"",
		    "json: cannot unmarshal string into Go "
		    "struct field Config.DnsOn of type bool" },
		{ "\"resolvers\":\"8.8.8.8\"",
		    "json: cannot unmarshal string "
		    "into Go struct field Config.Resolvers of type []string" },
		{ "\"IPSources\":[\"host\",true]",
		    "json: cannot unmarshal bool "
		    "into Go struct field Config.IPSources of type string" },
		{ "\"zoneResolvers\":[]",
		    "json: cannot unmarshal array into Go "
		    "struct field Config.ZoneResolvers of type "
		    "map[string][]string" },
	};
	char json[512], want[1024];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(json, sizeof json, "{" M1 ",%s}", cases[i][0]);
		snprintf(want, sizeof want, UNMARSHAL "%s", cases[i][1]);
		expect_error(json, want);
	}
	/* The masters list itself of the wrong type. */
	expect_error("{\"masters\":\"10.0.0.1:5050\"}",
	    UNMARSHAL "json: cannot unmarshal string into Go struct field "
		      "Config.Masters of type []string");
}

/* Go says "number" (no literal) when a number lands in a non-numeric
 * field; only integer fields quote the literal ("number 1.5"). */
static void
test_number_into_non_numeric(void **state)
{
	(void)state;
	assert_true(error_is("{" M1 ",\"dnson\":1}",
	    UNMARSHAL
	    "json: cannot "
	    "unmarshal number into Go struct field Config.DnsOn of type bool"));
	assert_true(error_is("{\"masters\":[5050]}",
	    UNMARSHAL
	    "json: cannot "
	    "unmarshal number into Go struct field Config.Masters of type "
	    "string"));
}

static void
test_fractions_for_ints(void **state)
{
	(void)state;
	expect_error("{" M1 ",\"refreshSeconds\":1.5}",
	    UNMARSHAL "json: cannot unmarshal number 1.5 into Go struct field "
		      "Config.RefreshSeconds of type int");
	expect_error("{" M1 ",\"ttl\":1e3}",
	    UNMARSHAL
	    "json: cannot "
	    "unmarshal number 1e3 into Go struct field Config.TTL of type "
	    "int32");
	expect_error("{" M1 ",\"port\":53.0}",
	    UNMARSHAL
	    "json: cannot "
	    "unmarshal number 53.0 into Go struct field Config.Port of type "
	    "int");
}

static void
test_ranges(void **state)
{
	struct config c;

	(void)state;
	expect_error("{" M1 ",\"SRVRecordDefaultWeight\":65536}",
	    UNMARSHAL
	    "json: cannot unmarshal number 65536 into Go struct field "
	    "Config.SRVRecordDefaultWeight of type uint16");
	expect_error("{" M1 ",\"SRVRecordDefaultWeight\":-1}",
	    UNMARSHAL "json: cannot unmarshal number -1 into Go struct field "
		      "Config.SRVRecordDefaultWeight of type uint16");
	expect_error("{" M1 ",\"ttl\":2147483648}",
	    UNMARSHAL
	    "json: cannot "
	    "unmarshal number 2147483648 into Go struct field Config.TTL of "
	    "type int32");
	expect_error("{" M1 ",\"ttl\":-2147483649}",
	    UNMARSHAL
	    "json: "
	    "cannot unmarshal number -2147483649 into Go struct field "
	    "Config.TTL of type int32");
	expect_error("{" M1 ",\"SOAExpire\":4294967296}",
	    UNMARSHAL "json: "
		      "cannot unmarshal number 4294967296 into Go struct field "
		      "Config.SOAExpire of type uint32");
	expect_error("{" M1 ",\"SOARetry\":-1}",
	    UNMARSHAL
	    "json: cannot "
	    "unmarshal number -1 into Go struct field Config.SOARetry of type "
	    "uint32");
	expect_error("{" M1 ",\"port\":99999999999999999999}",
	    UNMARSHAL
	    "json: cannot unmarshal number 99999999999999999999 into Go "
	    "struct field Config.Port of type int");
	/* The limits themselves are fine; a negative TTL (the original
	 * served it as a TTL over 68 years) is refused: test_int_bounds. */
	parse_ok(&c,
	    "{" M1 ",\"SRVRecordDefaultWeight\":65535,\"ttl\":0,"
	    "\"SOAExpire\":4294967295,\"SOARetry\":0}");
	assert_int_equal(c.srv_default_weight, 65535);
	assert_int_equal(c.ttl, 0);
	assert_int_equal(c.soa_expire, 4294967295u);
	assert_int_equal(c.soa_retry, 0);
	config_free(&c);
}

static void
test_malformed_json(void **state)
{
	struct config c;
	char err[1024];

	(void)state;
	static const char *const bad[] = {
		"",
		"{",
		"{\"masters\":[\"10.0.0.1:5050\"]",
		"{masters:1}",
		"{\"masters\":[\"10.0.0.1:5050\"],}",
		"not json",
		"{\"masters\":[\"10.0.0.1:5050\"]} trailing",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(&c, bad[i], err, sizeof err), -1);
		if (strncmp(err, UNMARSHAL, strlen(UNMARSHAL)) != 0)
			print_error("%s -> %s\n", bad[i], err);
		assert_true(strncmp(err, UNMARSHAL, strlen(UNMARSHAL)) == 0);
		assert_true(strlen(err) > strlen(UNMARSHAL));
		assert_null(strchr(err, '\n'));
		config_free(&c);
	}
	/* A document that is not an object. */
	expect_error("[1]",
	    UNMARSHAL "json: cannot unmarshal array into Go "
		      "value of type records.Config");
	expect_error("\"x\"",
	    UNMARSHAL "json: cannot unmarshal string into "
		      "Go value of type records.Config");
	/* A NUL byte inside the text. */
	assert_int_equal(config_parse(&c, "{\"a\":\0}", 7, PATH, err,
			     sizeof err),
	    -1);
	assert_true(strncmp(err, UNMARSHAL, strlen(UNMARSHAL)) == 0);
	config_free(&c);
}

/* ---- validation --------------------------------------------------------- */

static void
test_services_and_sources(void **state)
{
	(void)state;
	expect_error("{" M1 ",\"dnson\":false,\"httpon\":false}",
	    "service validation failed: either DNS or HTTP server should be on");
	/* That check comes before the masters/zk one. */
	expect_error("{\"dnson\":false,\"httpon\":false}",
	    "service validation failed: either DNS or HTTP server should be on");
	expect_error_has("{}", "masters", "zookeeper");
	expect_error_has("{\"masters\":[],\"zk\":\"\"}", "masters",
	    "zookeeper");
	expect_error_has("{\"masters\":null}", "masters", "zookeeper");
}

static void
test_masters(void **state)
{
	struct config c;

	(void)state;
	expect_error_has("{\"masters\":[\"10.0.0.1\"]}", "masters", "10.0.0.1");
	expect_error_has("{\"masters\":[\"10.0.0.1:0\"]}", "masters",
	    "10.0.0.1:0");
	expect_error_has("{\"masters\":[\"10.0.0.1:65536\"]}", "masters",
	    "10.0.0.1:65536");
	expect_error_has("{\"masters\":[\"10.0.0.1:http\"]}", "masters",
	    "10.0.0.1:http");
	expect_error_has("{\"masters\":[\"2001:db8::1:5050\"]}", "masters",
	    "2001:db8::1:5050");
	expect_error_has("{\"masters\":[\"\"]}", "masters", NULL);
	/* The second entry is the bad one: the message names it. */
	expect_error_has("{\"masters\":[\"10.0.0.1:5050\",\"10.0.0.2\"]}",
	    "masters", "10.0.0.2");
	/* Duplicates, also after normalising the IP text. */
	expect_error_has("{\"masters\":[\"10.0.0.1:5050\",\"10.0.0.1:5050\"]}",
	    "duplicate", "10.0.0.1:5050");
	expect_error_has("{\"masters\":[\"[2001:db8::1]:5050\","
			 "\"[2001:DB8:0:0::1]:5050\"]}",
	    "duplicate", "[2001:DB8:0:0::1]:5050");
	expect_error_has("{\"masters\":[\"10.0.0.1:5050\","
			 "\"[::ffff:10.0.0.1]:5050\"]}",
	    "duplicate", "[::ffff:10.0.0.1]:5050");
	/* Accepted: IPv6 in brackets, same IP on two ports, host names
	 * (validation does not resolve them). */
	parse_ok(&c,
	    "{\"masters\":[\"[2001:db8::1]:5050\",\"10.0.0.1:5050\","
	    "\"10.0.0.1:5051\",\"master.example.com:5050\"]}");
	assert_int_equal(c.masters.n, 4);
	assert_string_equal(c.masters.v[0], "[2001:db8::1]:5050");
	config_free(&c);
}

static void
test_resolvers(void **state)
{
	static const char *const ok[] = { "8.8.8.8", "8.8.4.4:5353",
		"2001:db8::53", "[2001:db8::54]:53" };
	struct config c;

	(void)state;
	parse_ok(&c,
	    "{" M1 ",\"resolvers\":[\"8.8.8.8\",\"8.8.4.4:5353\","
	    "\"2001:db8::53\",\"[2001:db8::54]:53\"]}");
	expect_strv(&c.resolvers, ok, 4);
	config_free(&c);
	expect_error_has("{" M1 ",\"resolvers\":[\"dns.example.com\"]}",
	    "error validating resolvers", "dns.example.com");
	expect_error_has("{" M1 ",\"resolvers\":[\"8.8.8.8:0\"]}",
	    "error validating resolvers", "8.8.8.8:0");
	expect_error_has("{" M1 ",\"resolvers\":[\"8.8.8.8:70000\"]}",
	    "error validating resolvers", "8.8.8.8:70000");
	expect_error_has("{" M1 ",\"resolvers\":[\"\"]}",
	    "error validating resolvers", NULL);
	expect_error_has("{" M1 ",\"resolvers\":[\"8.8.8.8\",\"8.8.8.8:53\"]}",
	    "error validating resolvers", "8.8.8.8:53");
	expect_error_has("{" M1 ",\"resolvers\":[\"2001:db8::53\","
			 "\"[2001:DB8::0:53]:53\"]}",
	    "error validating resolvers", "[2001:DB8::0:53]:53");
	/* Not validated (nor defaulted) when forwarding is off. */
	parse_ok(&c,
	    "{" M1 ",\"externalon\":false,\"resolvers\":"
	    "[\"not-an-ip\",\"not-an-ip\"]}");
	config_free(&c);
}

static void
test_zone_resolvers(void **state)
{
	struct config c;

	(void)state;
	expect_error("{" M1 ",\"zoneResolvers\":{\"weave\":[]}}",
	    "field ZoneResolver weave is empty");
	expect_error("{" M1 ",\"zoneResolvers\":{\"weave\":null}}",
	    "field ZoneResolver weave is empty");
	expect_error("{" M1 ",\"zoneResolvers\":{\"we_ave\":[\"1.1.1.1\"]}}",
	    "we_ave is not a valid domain name");
	expect_error("{" M1 ",\"zoneResolvers\":{\".weave\":[\"1.1.1.1\"]}}",
	    ".weave is not a valid domain name");
	expect_error("{" M1 ",\"zoneResolvers\":{\"mesos\":[\"1.1.1.1\"]}}",
	    "can't specify ZoneResolver for Mesos domain (mesos)");
	expect_error("{" M1 ",\"zoneResolvers\":{\"a.weave\":[\"1.1.1.1\"],"
		     "\"weave\":[\"1.1.1.2\"]}}",
	    "ambiguous zone resolvers: .a.weave is masked by .weave");
	/* A zone that is a suffix of the Mesos domain masks it. */
	expect_error("{" M1 ",\"domain\":\"mesos.example\",\"zoneResolvers\":"
		     "{\"example\":[\"1.1.1.1\"]}}",
	    "ambiguous zone resolvers: .mesos.example is masked by .example");
	expect_error_has("{" M1 ",\"zoneResolvers\":{\"weave\":[\"x.y\"]}}",
	    "error validating resolvers", "x.y");
	/* "aweave" is not "a.weave": no masking. */
	parse_ok(&c,
	    "{" M1 ",\"zoneResolvers\":{\"aweave\":[\"1.1.1.1\"],"
	    "\"weave\":[\"1.1.1.2\"]}}");
	assert_int_equal(c.n_zone_resolvers, 2);
	config_free(&c);
	/* Ignored when forwarding is off. */
	parse_ok(&c,
	    "{" M1 ",\"externalon\":false,\"zoneResolvers\":"
	    "{\"mesos\":[]}}");
	config_free(&c);
}

static void
test_ip_sources(void **state)
{
	struct config c;

	(void)state;
	expect_error("{" M1 ",\"IPSources\":[\"host\",\"rkt\"]}",
	    "IPSources validation failed: invalid ip source \"rkt\"");
	expect_error("{" M1 ",\"IPSources\":[\"Host\"]}",
	    "IPSources validation failed: invalid ip source \"Host\"");
	expect_error("{" M1 ",\"IPSources\":[\"host\",\"docker\",\"host\"]}",
	    "IPSources validation failed: duplicate ip source specified");
	parse_ok(&c,
	    "{" M1 ",\"IPSources\":[\"docker\",\"host\",\"netinfo\","
	    "\"mesos\"]}");
	assert_int_equal(c.n_ip_sources, 4);
	assert_int_equal(c.ip_sources[0], IPSRC_DOCKER);
	assert_int_equal(c.ip_sources[1], IPSRC_HOST);
	assert_int_equal(c.ip_sources[2], IPSRC_NETINFO);
	assert_int_equal(c.ip_sources[3], IPSRC_MESOS);
	config_free(&c);
}

/* The original checks duplicates over the whole list before looking at
 * the names (validateIPSources), so a repeated unknown source is reported
 * as a duplicate. */
static void
test_ip_sources_duplicate_before_invalid(void **state)
{
	(void)state;
	assert_true(error_is("{" M1 ",\"IPSources\":[\"rkt\",\"rkt\"]}",
	    "IPSources validation failed: duplicate ip source specified"));
}

static void
test_timeouts(void **state)
{
	struct config c;

	(void)state;
	expect_error("{" M1 ",\"stateTimeoutSeconds\":0}",
	    "Invalid HTTP Timeout: 0");
	expect_error("{" M1 ",\"stateTimeoutSeconds\":-5}",
	    "Invalid HTTP Timeout: -5");
	/* Ours: the original panics a moment after start instead. */
	expect_error_has("{" M1 ",\"refreshSeconds\":0}", "RefreshSeconds",
	    "0");
	expect_error_has("{" M1 ",\"refreshSeconds\":-1}", "RefreshSeconds",
	    "-1");
	parse_ok(&c,
	    "{" M1 ",\"refreshSeconds\":1,\"stateTimeoutSeconds\":1,"
	    "\"timeout\":0,\"zkDetectionTimeout\":0}");
	assert_int_equal(c.refresh_seconds, 1);
	assert_int_equal(c.state_timeout_seconds, 1);
	config_free(&c);
}

static void
test_domain(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "{" M1 ",\"domain\":\"My-Cluster.Example\"}");
	assert_string_equal(c.domain, "my-cluster.example");
	config_free(&c);
	expect_error("{" M1 ",\"domain\":\"mesos.\"}",
	    "mesos. is not a valid domain name");
	expect_error("{" M1 ",\"domain\":\"me_sos\"}",
	    "me_sos is not a valid domain name");
	expect_error("{" M1 ",\"domain\":\"\"}", " is not a valid domain name");
	expect_error("{" M1 ",\"domain\":\"a..b\"}",
	    "a..b is not a valid domain name");
	/* Lowercased before the message is written. */
	expect_error("{" M1 ",\"domain\":\"BAD DOMAIN\"}",
	    "bad domain is not a valid domain name");
}

static void
test_soa_names(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c,
	    "{" M1 ",\"SOAMname\":\"ns.example...\","
	    "\"SOARname\":\"admin@ns1.mesos.\"}");
	assert_string_equal(c.soa_mname, "ns.example.");
	assert_string_equal(c.soa_rname, "admin.ns1.mesos.");
	config_free(&c);
	parse_ok(&c, "{" M1 ",\"SOAMname\":\"\",\"SOARname\":\"a@b@c\"}");
	assert_string_equal(c.soa_mname, ".");
	assert_string_equal(c.soa_rname, "a.b.c.");
	config_free(&c);
	/* SOASerial is accepted and replaced by the load time. */
	parse_ok(&c, "{" M1 ",\"SOASerial\":5}");
	assert_true(c.soa_serial > 1600000000u);
	config_free(&c);
}

static void
test_listener(void **state)
{
	struct config c;

	(void)state;
	expect_error_has("{" M1 ",\"listener\":\"dns.example.com\"}",
	    "Listener", "dns.example.com");
	parse_ok(&c, "{" M1 ",\"listener\":\"::\"}");
	config_free(&c);
	parse_ok(&c, "{" M1 ",\"listener\":\"127.0.0.1\"}");
	config_free(&c);
}

static void
test_tls_and_auth(void **state)
{
	(void)state;
	expect_error_has("{" M1 ",\"CACertFile\":\"/nonexistent/ca.pem\"}",
	    "CACertFile open failed", "/nonexistent/ca.pem");
	expect_error("{" M1 ",\"CertFile\":\"/etc/hostname\"}",
	    "Missing private key");
	expect_error("{" M1 ",\"KeyFile\":\"/etc/hostname\"}",
	    "Missing certificate");
	expect_error("{" M1 ",\"MesosAuthentication\":\"kerberos\"}",
	    "unregistered factory requested");
	expect_error("{" M1 ",\"MesosAuthentication\":\"basic\"}",
	    "invalid HTTP Basic configuration");
	expect_error("{" M1 ",\"MesosAuthentication\":\"iam\"}",
	    "missing configuration for specified authentication mechanism");
}

static void
test_our_keys(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c,
	    "{" M1 ",\"EDNS0MaxUDPSize\":0,\"MesosHTTPSInsecure\":true,"
	    "\"ForwardCacheSize\":1000,\"EventsOn\":false,"
	    "\"StateMaxBytes\":1048576}");
	assert_int_equal(c.edns0_max_udp_size, 0);
	assert_true(c.mesos_https_insecure);
	assert_int_equal(c.forward_cache_size, 1000);
	assert_false(c.events_on);
	assert_int_equal(c.state_max_bytes, 1048576);
	config_free(&c);
	expect_error_has("{" M1 ",\"EDNS0MaxUDPSize\":511}", "EDNS0MaxUDPSize",
	    "511");
	expect_error_has("{" M1 ",\"EDNS0MaxUDPSize\":65536}",
	    "EDNS0MaxUDPSize", "65536");
	expect_error_has("{" M1 ",\"ForwardCacheSize\":-1}", "ForwardCacheSize",
	    "-1");
	expect_error_has("{" M1 ",\"StateMaxBytes\":100}", "StateMaxBytes",
	    "100");
}

/* ReverseOn, ReverseZones (parsed to prefixes) and HealthAwareOn. */
static void
test_reverse_and_health_keys(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "{" M1 "}");
	assert_false(c.reverse_on);
	assert_false(c.health_aware_on);
	assert_int_equal(c.n_reverse_zones, 0);
	config_free(&c);
	parse_ok(&c,
	    "{" M1 ",\"reverseon\":true,\"HEALTHAWAREON\":true,"
	    "\"ReverseZones\":[\"10.in-addr.arpa\",\"8.b.d.0.1.0.0.2.ip6.arpa.\"]}");
	assert_true(c.reverse_on);
	assert_true(c.health_aware_on);
	assert_int_equal(c.n_reverse_zones, 2);
	assert_int_equal(c.reverse_zones[0].bits, 8);
	assert_int_equal(c.reverse_zones[0].b[0], 10);
	assert_int_equal(c.reverse_zones[1].v6, 1);
	assert_int_equal(c.reverse_zones[1].bits, 32);
	config_free(&c);
	expect_error_has("{" M1 ",\"ReverseZones\":[\"10.example.com\"]}",
	    "ReverseZones", "10.example.com");
	expect_error_has("{" M1 ",\"ReverseZones\":[\"010.in-addr.arpa\"]}",
	    "ReverseZones", "010.in-addr.arpa");
	expect_error_has("{" M1 ",\"ReverseZones\":\"10.in-addr.arpa\"}",
	    "ReverseZones", "string");
}

/* Response rate limiting (issue 11): off by default, read in any case,
 * shown in /v1/config; the bounds are in test_int_bounds. */
static void
test_rrl_keys(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "{" M1 "}");
	assert_int_equal(c.rrl_responses_per_second, 0);
	assert_int_equal(c.rrl_slip, 2);
	assert_int_equal(c.rrl_table_size, 65536);
	config_free(&c);
	parse_ok(&c,
	    "{" M1 ",\"rrlresponsespersecond\":10,\"RRLSLIP\":0,"
	    "\"RRLTableSize\":4096}");
	assert_int_equal(c.rrl_responses_per_second, 10);
	assert_int_equal(c.rrl_slip, 0);
	assert_int_equal(c.rrl_table_size, 4096);
	doc_has(&c,
	    "\"RRLResponsesPerSecond\":10,\"RRLSlip\":0,\"RRLTableSize\":"
	    "4096");
	config_free(&c);
}

/* The HTTP API limits of issue 11: read, bounded. */
static void
test_http_limit_keys(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c,
	    "{" M1 ",\"httpmaxconnectionsperip\":4,"
	    "\"EnumerationMaxConcurrent\":2,\"EnumerationLifetimeSeconds\":9}");
	assert_int_equal(c.http_max_conns_per_ip, 4);
	assert_int_equal(c.enum_max_concurrent, 2);
	assert_int_equal(c.enum_lifetime_seconds, 9);
	config_free(&c);
	expect_error_has("{" M1 ",\"HTTPMaxConnectionsPerIP\":0}",
	    "HTTPMaxConnectionsPerIP", "0");
	expect_error_has("{" M1 ",\"EnumerationMaxConcurrent\":257}",
	    "EnumerationMaxConcurrent", "257");
	expect_error_has("{" M1 ",\"EnumerationLifetimeSeconds\":-1}",
	    "EnumerationLifetimeSeconds", "-1");
}

/* Every integer key is bounded at load (issue 11): its least and greatest
 * values load, one past either is refused with "invalid KEY: V (MIN to
 * MAX)"; before, refreshSeconds * 1000 and timeout * 1000 overflowed and a
 * huge ForwardCacheSize was allocated. */
static void
test_int_bounds(void **state)
{
	static const struct {
		const char *key;
		long long min, max;
	} keys[] = {
		{ "RefreshSeconds", 1, 604800 },
		{ "Port", 0, 65535 },
		{ "Timeout", 0, 300 },
		{ "StateTimeoutSeconds", 1, 86400 },
		{ "ZkDetectionTimeout", 0, 86400 },
		{ "HttpPort", 0, 65535 },
		{ "TTL", 0, 2147483647 },
		{ "ForwardCacheSize", 0, 1048576 },
		{ "StateMaxBytes", 1024, 17179869184LL },
		{ "HTTPMaxConnectionsPerIP", 1, 256 },
		{ "EnumerationMaxConcurrent", 1, 256 },
		{ "EnumerationLifetimeSeconds", 1, 86400 },
		{ "RRLResponsesPerSecond", 0, 1000000 },
		{ "RRLSlip", 0, 100 },
		{ "RRLTableSize", 1024, 16777216 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		long long ok[2] = { keys[i].min, keys[i].max };
		long long bad[2] = { keys[i].min - 1, keys[i].max + 1 };

		for (int k = 0; k < 2; k++) {
			struct config c;
			char json[256], want[128];

			snprintf(json, sizeof json, "{" M1 ",\"%s\":%lld}",
			    keys[i].key, ok[k]);
			parse_ok(&c, json);
			config_free(&c);
			snprintf(json, sizeof json, "{" M1 ",\"%s\":%lld}",
			    keys[i].key, bad[k]);
			snprintf(want, sizeof want,
			    "invalid %s: %lld (%lld to %lld)", keys[i].key,
			    bad[k], keys[i].min, keys[i].max);
			/* StateTimeoutSeconds keeps the original's message
			 * below 1. */
			if (strcmp(keys[i].key, "StateTimeoutSeconds") == 0 &&
			    k == 0)
				snprintf(want, sizeof want,
				    "Invalid HTTP Timeout: %lld", bad[k]);
			/* Past int32, the decoder's type error (test_ranges). */
			if (strcmp(keys[i].key, "TTL") == 0 && k == 1)
				continue;
			expect_error(json, want);
		}
	}
	/* What overflowed as milliseconds. */
	expect_error_has("{" M1 ",\"refreshSeconds\":9223372036854775807}",
	    "RefreshSeconds", "9223372036854775807");
	expect_error_has("{" M1 ",\"timeout\":9223372036854775807}", "Timeout",
	    "9223372036854775807");
	expect_error_has("{" M1 ",\"ForwardCacheSize\":4611686018427387904}",
	    "ForwardCacheSize", "4611686018427387904");
}

/* A config nested deeper than 64 is refused before yajl builds a tree
 * (1.5M deep crashed the parse's recursive free). */
static void
test_deep_nesting_refused(void **state)
{
	size_t depth = 1500000;
	char *json = malloc(2 * depth + 32);

	(void)state;
	assert_non_null(json);
	strcpy(json, "{\"x\":");
	memset(json + 5, '[', depth);
	memset(json + 5 + depth, ']', depth);
	strcpy(json + 5 + 2 * depth, "}");
	expect_error_has(json, "failed to unmarshal config file",
	    "nesting deeper than 64");
	free(json);
}

/* zk://user:pass@...: the credentials are masked in /v1/config. */
static void
test_write_json_zk_masked(void **state)
{
	struct config c;
	char *doc;

	(void)state;
	parse_ok(&c,
	    "{\"zk\":\"zk://ops:hunter2@10.0.0.1:2181,10.0.0.2:2181"
	    "/mesos\"}");
	doc_has(&c, "\"Zk\":\"zk://******@10.0.0.1:2181,10.0.0.2:2181/mesos\"");
	doc = config_doc(&c, 1);
	assert_null(strstr(doc, "hunter2"));
	assert_null(strstr(doc, "ops"));
	free(doc);
	config_free(&c);
	parse_ok(&c, "{\"zk\":\"zk://10.0.0.1:2181/mesos\"}");
	doc_has(&c, "\"Zk\":\"zk://10.0.0.1:2181/mesos\"");
	config_free(&c);
}

/* Each pair: a config with two problems; the earlier check's message. */
static void
test_first_failure_wins(void **state)
{
	(void)state;
	/* decode before everything */
	expect_error("{\"dnson\":false,\"httpon\":false,\"ttl\":\"x\"}",
	    UNMARSHAL "json: cannot unmarshal string into Go struct field "
		      "Config.TTL of type int32");
	/* masters before resolvers */
	expect_error_has("{\"masters\":[\"bad\"],\"resolvers\":[\"bad\"]}",
	    "masters", "bad");
	/* resolvers before IPSources */
	expect_error_has("{" M1 ",\"resolvers\":[\"x\"],\"IPSources\":[]}",
	    "error validating resolvers", NULL);
	/* zone resolvers before IPSources */
	expect_error("{" M1 ",\"zoneResolvers\":{\"z\":[]},\"IPSources\":[]}",
	    "field ZoneResolver z is empty");
	/* IPSources before the state timeout */
	expect_error("{" M1 ",\"IPSources\":[\"x\"],\"stateTimeoutSeconds\":0}",
	    "IPSources validation failed: invalid ip source \"x\"");
	/* state timeout before the domain */
	expect_error("{" M1 ",\"stateTimeoutSeconds\":0,\"domain\":\"a_b\"}",
	    "Invalid HTTP Timeout: 0");
	/* refresh before the domain */
	expect_error_has("{" M1 ",\"refreshSeconds\":0,\"domain\":\"a_b\"}",
	    "RefreshSeconds", NULL);
	/* domain before certificates and authentication */
	expect_error("{" M1 ",\"domain\":\"a_b\",\"CertFile\":\"/x\","
		     "\"MesosAuthentication\":\"x\"}",
	    "a_b is not a valid domain name");
	/* certificates before authentication */
	expect_error("{" M1 ",\"CertFile\":\"/etc/hostname\","
		     "\"MesosAuthentication\":\"x\"}",
	    "Missing private key");
}

/* ---- paths and files ---------------------------------------------------- */

static void
test_load_missing_file(void **state)
{
	struct config c;
	char err[1024];

	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/dir/config.json", err,
			     sizeof err),
	    -1);
	assert_string_equal(err,
	    "missing configuration file: "
	    "\"/nonexistent/dir/config.json\"");
	config_free(&c);
}

static void
test_load_file_and_paths(void **state)
{
	char dir[] = "/tmp/test_config.XXXXXX", path[256], cwd[4096];
	char *abs;
	struct config c;
	char err[1024];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{" M1 ",\"domain\":\"Loaded\"}", f);
	fclose(f);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	assert_string_equal(c.domain, "loaded");
	assert_string_equal(c.file, path);
	config_free(&c);
	/* A relative path is reported absolute. */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(config_load(&c, "config.json", err, sizeof err), 0);
	assert_string_equal(c.file, path);
	config_free(&c);
	assert_int_equal(chdir(cwd), 0);
	/* "~/" is $HOME/ (first occurrence only). */
	setenv("HOME", "/home/op", 1);
	unsetenv("USERPROFILE");
	abs = config_resolve_path("~/mesos-dns/config.json");
	assert_string_equal(abs, "/home/op/mesos-dns/config.json");
	free(abs);
	abs = config_resolve_path("/a/~/b/~/c");
	assert_string_equal(abs, "/a//home/op/b/~/c");
	free(abs);
	unlink(path);
	rmdir(dir);
}

/* A "file" key in the JSON wins over the real path (original quirk). */
static void
test_file_key_quirk(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "{" M1 ",\"file\":\"/elsewhere.json\"}");
	assert_string_equal(c.file, "/elsewhere.json");
	config_free(&c);
}

/* ---- /v1/config --------------------------------------------------------- */

/* The example of http.md §3, byte for byte, then the keys we add. */
static void
test_write_json_layout(void **state)
{
	static const char want[] =
	    "{\n"
	    "  \"RefreshSeconds\": 60,\n"
	    "  \"Port\": 53,\n"
	    "  \"Timeout\": 5,\n"
	    "  \"StateTimeoutSeconds\": 300,\n"
	    "  \"ZkDetectionTimeout\": 30,\n"
	    "  \"HttpPort\": 8123,\n"
	    "  \"TTL\": 60,\n"
	    "  \"SRVRecordDefaultWeight\": 1,\n"
	    "  \"SOASerial\": 1700000000,\n"
	    "  \"SOARefresh\": 60,\n"
	    "  \"SOARetry\": 600,\n"
	    "  \"SOAExpire\": 86400,\n"
	    "  \"SOAMinttl\": 60,\n"
	    "  \"SOAMname\": \"ns1.mesos.\",\n"
	    "  \"SOARname\": \"root.ns1.mesos.\",\n"
	    "  \"Masters\": [\n"
	    "   \"10.0.0.1:5050\"\n"
	    "  ],\n"
	    "  \"ZoneResolvers\": {},\n"
	    "  \"Resolvers\": [\n"
	    "   \"8.8.8.8\"\n"
	    "  ],\n"
	    "  \"IPSources\": [\n"
	    "   \"netinfo\",\n"
	    "   \"mesos\",\n"
	    "   \"host\"\n"
	    "  ],\n"
	    "  \"Zk\": \"\",\n"
	    "  \"Domain\": \"mesos\",\n"
	    "  \"File\": \"/etc/mesos-dns/config.json\",\n"
	    "  \"Listener\": \"0.0.0.0\",\n"
	    "  \"HTTPListener\": \"0.0.0.0\",\n"
	    "  \"RecurseOn\": true,\n"
	    "  \"DnsOn\": true,\n"
	    "  \"HttpOn\": true,\n"
	    "  \"ExternalOn\": true,\n"
	    "  \"EnforceRFC952\": false,\n"
	    "  \"SetTruncateBit\": true,\n"
	    "  \"EnumerationOn\": true,\n"
	    "  \"MesosHTTPSOn\": false,\n"
	    "  \"CACertFile\": \"\",\n"
	    "  \"CertFile\": \"\",\n"
	    "  \"KeyFile\": \"\",\n"
	    "  \"MesosCredentials\": {\n"
	    "   \"Principal\": \"\",\n"
	    "   \"Secret\": \"\"\n"
	    "  },\n"
	    "  \"IAMConfigFile\": \"\",\n"
	    "  \"MesosAuthentication\": \"\",\n"
	    "  \"EDNS0MaxUDPSize\": 1232,\n"
	    "  \"MesosHTTPSInsecure\": false,\n"
	    "  \"ForwardCacheSize\": 0,\n"
	    "  \"EventsOn\": true,\n"
	    "  \"StateMaxBytes\": 134217728,\n"
	    "  \"ReverseOn\": false,\n"
	    "  \"ReverseZones\": null,\n"
	    "  \"HealthAwareOn\": false,\n"
	    "  \"HTTPMaxConnectionsPerIP\": 32,\n"
	    "  \"EnumerationMaxConcurrent\": 16,\n"
	    "  \"EnumerationLifetimeSeconds\": 300,\n"
	    "  \"RRLResponsesPerSecond\": 0,\n"
	    "  \"RRLSlip\": 2,\n"
	    "  \"RRLTableSize\": 65536,\n"
	    "  \"ZoneTransferAllow\": [],\n"
	    "  \"ZoneTransferNotify\": [],\n"
	    "  \"ZoneTransferTSIG\": {\n"
	    "   \"Name\": \"\",\n"
	    "   \"Secret\": \"\"\n"
	    "  },\n"
	    "  \"ZoneTransferSerialFile\": \"\"\n"
	    " }";
	struct config c;
	char *doc;

	(void)state;
	parse_ok(&c, "{" M1 "}");
	doc = config_doc(&c, 1700000000u);
	assert_string_equal(doc, want);
	free(doc);
	config_free(&c);
}

static void
test_write_json_secret_masked(void **state)
{
	struct config c;
	char *doc;

	(void)state;
	parse_ok(&c,
	    "{" M1 ",\"MesosAuthentication\":\"basic\","
	    "\"MesosCredentials\":{\"principal\":\"ops\",\"secret\":"
	    "\"hunter2\"}}");
	doc_has(&c,
	    "\"MesosCredentials\":{\"Principal\":\"ops\","
	    "\"Secret\":\"******\"}");
	doc = config_doc(&c, 1);
	assert_null(strstr(doc, "hunter2"));
	free(doc);
	config_free(&c);
	/* A principal alone: basic is valid, the secret shows as "". */
	parse_ok(&c,
	    "{" M1 ",\"MesosAuthentication\":\"basic\","
	    "\"MesosCredentials\":{\"principal\":\"ops\"}}");
	doc_has(&c,
	    "\"MesosCredentials\":{\"Principal\":\"ops\","
	    "\"Secret\":\"\"}");
	config_free(&c);
}

/* Strings are escaped the Go way in the document. */
static void
test_write_json_escaping(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "{\"zk\":\"zk://a:1/<m>&\",\"masters\":null}");
	doc_has(&c, "\"Zk\":\"zk://a:1/\\u003cm\\u003e\\u0026\"");
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_zk_only),
		cmocka_unit_test(test_keys_case_insensitive),
		cmocka_unit_test(test_last_duplicate_wins),
		cmocka_unit_test(test_null_keeps_scalar),
		cmocka_unit_test(test_null_resolvers_external_off),
		cmocka_unit_test(test_null_resolvers_resolv_conf),
		cmocka_unit_test(test_null_ip_sources_fails),
		cmocka_unit_test(test_zone_resolvers_null_and_default),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_number_into_non_numeric),
		cmocka_unit_test(test_fractions_for_ints),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_services_and_sources),
		cmocka_unit_test(test_masters),
		cmocka_unit_test(test_resolvers),
		cmocka_unit_test(test_zone_resolvers),
		cmocka_unit_test(test_ip_sources),
		cmocka_unit_test(test_ip_sources_duplicate_before_invalid),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_soa_names),
		cmocka_unit_test(test_listener),
		cmocka_unit_test(test_tls_and_auth),
		cmocka_unit_test(test_our_keys),
		cmocka_unit_test(test_reverse_and_health_keys),
		cmocka_unit_test(test_first_failure_wins),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_file_and_paths),
		cmocka_unit_test(test_file_key_quirk),
		cmocka_unit_test(test_write_json_layout),
		cmocka_unit_test(test_write_json_secret_masked),
		cmocka_unit_test(test_write_json_zk_masked),
		cmocka_unit_test(test_http_limit_keys),
		cmocka_unit_test(test_int_bounds),
		cmocka_unit_test(test_rrl_keys),
		cmocka_unit_test(test_deep_nesting_refused),
		cmocka_unit_test(test_write_json_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
