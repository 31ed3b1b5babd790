/* test_gen.c -- record generation (spec/records.md) through gen_build():
 * the worked examples of §10 on upstream's fake.json, masters numbering
 * (§4), IP sources (state.md §3), RFC 952 names, resource ports (§6.1),
 * the #509 pseudo values, skipped entries, DiscoveryInfo passes and the
 * /v1/enumerate lists.
 *
 * Host names resolve only through the table of the test (resolve_table),
 * so nothing here touches the network.  Record sets are compared as
 * sorted, comma-joined strings, as the spec says to compare them (sets).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http/api.h"
#include "records/gen.h"
#include "util/reverse.h"
#include "records/snapshot.h"
#include "records/taskhash.h"
#include "state/parse.h"
#include "util/buf.h"
#include "util/ipaddr.h"

#define FAKE_DIR MDNS_TEST_DATA "/../../../shared/conformance/fake"

/* ---- fixtures ------------------------------------------------------------ */

/* name -> comma-separated addresses; the only names that resolve. */
static const char *const *resolve_table;

static size_t
resolve_cb(void *ctx, const char *host, struct ipaddr *out, size_t max)
{
	(void)ctx;
	for (const char *const *r = resolve_table; r && r[0]; r += 2) {
		char list[256], *save = NULL;
		size_t n = 0;

		if (strcmp(r[0], host) != 0)
			continue;
		snprintf(list, sizeof list, "%s", r[1]);
		for (char *ip = strtok_r(list, ",", &save); ip && n < max;
		     ip = strtok_r(NULL, ",", &save))
			if (ipaddr_parse(ip, strlen(ip), &out[n]))
				n++;
		return n;
	}
	return 0;
}

static const char *const default_names[] = { "localhost", "127.0.0.1", NULL };

static struct config cfg;
static struct snapshot *snap;

/* Parses the config and the state and builds the snapshot; masters is the
 * list M (n_masters SIZE_MAX: the configured masters). */
static void
build_masters(const char *cfg_json, const char *state_json, size_t len,
    const char *const *masters, size_t n_masters)
{
	char err[1024] = "";
	struct mesos_state *st;
	struct gen_input in = { 0 };
	int rc = config_parse(&cfg, cfg_json, strlen(cfg_json),
	    "/test/config.json", err, sizeof err);

	if (rc != 0)
		print_error("config: %s\n", err);
	assert_int_equal(rc, 0);
	st = state_parse(state_json, len, err, sizeof err);
	if (st == NULL)
		print_error("state: %s\n", err);
	assert_non_null(st);
	in.cfg = &cfg;
	in.state = st;
	if (n_masters == SIZE_MAX) {
		in.masters = (const char *const *)cfg.masters.v;
		in.n_masters = cfg.masters.n;
	} else {
		in.masters = masters;
		in.n_masters = n_masters;
	}
	in.resolve = resolve_cb;
	snap = gen_build(&in, err, sizeof err);
	if (snap == NULL)
		print_error("gen_build: %s\n", err);
	assert_non_null(snap);
	mesos_state_free(st);
}

/* Builds with config cfg_json (listener 127.0.0.1 and no forwarding unless
 * it says otherwise) and the configured masters as the masters list. */
static void
build(const char *cfg_json, const char *state_json)
{
	char full[2048];

	snprintf(full, sizeof full,
	    "{\"listener\":\"127.0.0.1\","
	    "\"externalon\":false,%s}",
	    cfg_json);
	build_masters(full, state_json, strlen(state_json), NULL, SIZE_MAX);
}

static int
setup(void **state)
{
	(void)state;
	resolve_table = default_names;
	snap = NULL;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (snap != NULL)
		snapshot_free(snap);
	snap = NULL;
	config_free(&cfg);
	return 0;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* ---- looking at records ---------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The values of one kind at name, sorted and joined with ","; "" if none. */
static char *
values(const char *name, enum rr_kind k)
{
	uint32_t node = snap_lookup(snap, name, strlen(name));
	struct buf b = { 0 };
	char **items;
	uint32_t lo, hi;

	if (node == SNAP_NONE)
		return strdup("");
	lo = snap_first(snap, node, k);
	hi = snap_first(snap, node + 1, k);
	items = calloc(hi - lo + 1, sizeof *items);
	assert_non_null(items);
	for (uint32_t i = lo; i < hi; i++) {
		char text[70000];
		struct ipaddr ip = { { 0 } };
		const unsigned char *p;
		size_t n;

		switch (k) {
		case RK_A:
			ip.b[10] = ip.b[11] = 0xff;
			memcpy(ip.b + 12, &snap->a[i], 4);
			ipaddr_format(&ip, text);
			break;
		case RK_AAAA:
			memcpy(ip.b, snap->aaaa[i].b, 16);
			ipaddr_format(&ip, text);
			break;
		case RK_SRV:
			n = snap_name(snap, snap->srv[i].target, text,
			    sizeof text - 16);
			snprintf(text + n, 16, ":%d", (int)snap->srv[i].port);
			break;
		default:
			p = (const unsigned char *)snap->pseudo_text +
			    snap->pseudo[i];
			n = (size_t)p[0] | (size_t)p[1] << 8;
			memcpy(text, p + 2, n);
			text[n] = '\0';
			break;
		}
		items[i - lo] = strdup(text);
	}
	qsort(items, hi - lo, sizeof *items, cmp_str);
	for (uint32_t i = 0; i < hi - lo; i++) {
		if (i)
			buf_putc(&b, ',');
		buf_puts(&b, items[i]);
		free(items[i]);
	}
	free(items);
	buf_putc(&b, '\0');
	return b.data;
}

static void
expect_values(const char *name, enum rr_kind k, const char *want)
{
	static const char *const kinds[] = { "A", "AAAA", "SRV", "A(pseudo)" };
	char *got = values(name, k);

	if (strcmp(got, want) != 0)
		print_error("%s %s: got \"%s\", want \"%s\"\n", kinds[k], name,
		    got, want);
	assert_string_equal(got, want);
	free(got);
}

#define A(name, want) expect_values(name, RK_A, want)
#define AAAA(name, want) expect_values(name, RK_AAAA, want)
#define SRV(name, want) expect_values(name, RK_SRV, want)
#define PSEUDO(name, want) expect_values(name, RK_APSEUDO, want)

/* No record of any kind at name. */
static void
expect_none(const char *name)
{
	for (int k = 0; k < RK_COUNT; k++)
		expect_values(name, (enum rr_kind)k, "");
}

/* How many names carry at least one record; and whether any such name
 * contains `part`. */
static size_t
names_with(const char *part)
{
	size_t count = 0;

	for (uint32_t n = 0; n < snap->n_nodes; n++) {
		char name[70000];
		bool any = false;

		for (int k = 0; k < RK_COUNT; k++)
			any = any || snap_count(snap, n, (enum rr_kind)k) > 0;
		if (!any)
			continue;
		snap_name(snap, n, name, sizeof name);
		if (part == NULL || strstr(name, part) != NULL)
			count++;
	}
	return count;
}

/* Drops the whitespace outside JSON strings. */
static char *
compact(const char *in, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	bool str = false;

	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (str) {
			*o++ = c;
			if (c == '\\' && i + 1 < len)
				*o++ = in[++i];
			else if (c == '"')
				str = false;
		} else if (c == '"') {
			str = true;
			*o++ = c;
		} else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
			*o++ = c;
		}
	}
	*o = '\0';
	return out;
}

static char *
enumerate_compact(void)
{
	struct buf b = { 0 };
	char *c;

	http_write_enumerate(snap, &b);
	assert_false(b.failed);
	c = compact(b.data, b.len);
	buf_free(&b);
	return c;
}

static char *
axfr_compact(void)
{
	struct buf b = { 0 };
	char *c;

	http_write_axfr(&cfg, snap, &b);
	assert_false(b.failed);
	c = compact(b.data, b.len);
	buf_free(&b);
	return c;
}

static void
expect_enumerate(const char *want)
{
	char *got = enumerate_compact();

	if (strcmp(got, want) != 0)
		print_error("enumerate:\n got %s\nwant %s\n", got, want);
	assert_string_equal(got, want);
	free(got);
}

/* ---- §10 worked examples on upstream's fake.json ---------------------------- */

static char *
fake_state(size_t *len, bool leader_1234)
{
	char *s = read_file(FAKE_DIR "/state.json", len), *p;

	if (s == NULL)
		return NULL;
	/* records.md §10 uses leader 1.2.3.4 (the fixture has 127.0.0.1). */
	while (
	    leader_1234 && (p = strstr(s, "master@127.0.0.1:5050")) != NULL) {
		/* "master@127.0.0.1" (16) -> "master@1.2.3.4" (14) */
		memmove(p + 14, p + 16, strlen(p + 16) + 1);
		memcpy(p, "master@1.2.3.4", 14);
		*len -= 2;
	}
	return s;
}

static void
test_fake_worked_examples(void **state)
{
	static const char *const masters[] = { "144.76.157.37:5050",
		"1.2.3.4:5050" };
	size_t len;
	char *json = fake_state(&len, true);

	(void)state;
	if (json == NULL)
		skip();
	build_masters("{\"masters\":[\"144.76.157.37:5050\",\"1.2.3.4:5050\"],"
		      "\"listener\":\"127.0.0.1\",\"externalon\":false}",
	    json, len, masters, 2);
	free(json);

	/* Slaves */
	A("slave.mesos.", "1.2.3.10,1.2.3.11,1.2.3.12");
	AAAA("slave.mesos.", "2001:db8::1");
	SRV("_slave._tcp.mesos.", "slave.mesos.:5051");
	/* Frameworks */
	A("marathon.mesos.", "1.2.3.11");
	SRV("_framework._tcp.marathon.mesos.", "marathon.mesos.:25501");
	AAAA("ipv6-framework.mesos.", "2001:db8::1");
	A("ipv6-framework.mesos.", "");
	A("chronoswithaspaceandmixedcase-2.0.1.mesos.", "1.2.3.12");
	SRV("_framework._tcp.chronoswithaspaceandmixedcase-2.0.1.mesos.",
	    "chronoswithaspaceandmixedcase-2.0.1.mesos.:25501");
	A("nopid.mesos.", "127.0.0.1");
	SRV("_framework._tcp.nopid.mesos.", "");
	/* nginx */
	A("nginx.marathon.mesos.", "10.3.0.3");
	A("nginx-6ud99-0.marathon.mesos.", "10.3.0.3");
	A("nginx.marathon.slave.mesos.", "1.2.3.11");
	A("nginx-6ud99-0.marathon.slave.mesos.", "1.2.3.11");
	SRV("_nginx._tcp.marathon.mesos.", "");
	SRV("_nginx._tcp.marathon.slave.mesos.", "");
	/* chronos */
	A("chronos.marathon.mesos.", "1.2.3.11");
	A("chronos-rx8q6-0.marathon.mesos.", "1.2.3.11");
	A("chronos.marathon.slave.mesos.", "1.2.3.11");
	A("chronos-rx8q6-0.marathon.slave.mesos.", "1.2.3.11");
	SRV("_chronos._tcp.marathon.slave.mesos.",
	    "chronos-rx8q6-0.marathon.slave.mesos.:31332");
	SRV("_chronos._udp.marathon.slave.mesos.",
	    "chronos-rx8q6-0.marathon.slave.mesos.:31332");
	SRV("_chronos._tcp.marathon.mesos.",
	    "chronos-rx8q6-0.marathon.slave.mesos.:31332");
	SRV("_chronos._udp.marathon.mesos.",
	    "chronos-rx8q6-0.marathon.slave.mesos.:31332");
	/* toy-store */
	A("toy-store.ipv6-framework.mesos.", "12.0.1.2,12.0.1.3");
	A("toy-store-go588-3.ipv6-framework.mesos.", "12.0.1.2,12.0.1.3");
	AAAA("toy-store.ipv6-framework.mesos.", "fd01:b::1:8000:2");
	AAAA("toy-store-go588-3.ipv6-framework.mesos.", "fd01:b::1:8000:2");
	AAAA("toy-store.ipv6-framework.slave.mesos.", "2001:db8::1");
	AAAA("toy-store-go588-3.ipv6-framework.slave.mesos.", "2001:db8::1");
	A("toy-store.ipv6-framework.slave.mesos.", "");
	SRV("_toy-store._tcp.ipv6-framework.slave.mesos.",
	    "toy-store-go588-3.ipv6-framework.slave.mesos.:31354,"
	    "toy-store-go588-3.ipv6-framework.slave.mesos.:31355");
	SRV("_toy-store._udp.ipv6-framework.mesos.",
	    "toy-store-go588-3.ipv6-framework.slave.mesos.:31354,"
	    "toy-store-go588-3.ipv6-framework.slave.mesos.:31355");
	/* liquor.store: the raw legacy pass and the normalised pass */
	A("liquor.store.marathon.mesos.", "1.2.3.11,1.2.3.12");
	A("liquor.store-4dfjd-0.marathon.mesos.", "1.2.3.11");
	A("liquor.store.marathon.slave.mesos.", "1.2.3.11,1.2.3.12");
	A("liquor.store-4dfjd-0.marathon.slave.mesos.", "1.2.3.11");
	SRV("_liquor.store._tcp.marathon.slave.mesos.",
	    "liquor.store-4dfjd-0.marathon.slave.mesos.:31354,"
	    "liquor.store-4dfjd-0.marathon.slave.mesos.:31355,"
	    "liquor.store-zasmd-1.marathon.slave.mesos.:31737,"
	    "liquor.store-zasmd-1.marathon.slave.mesos.:31738");
	SRV("_liquor.store._tcp.marathon.mesos.",
	    "liquor.store-4dfjd-0.marathon.mesos.:443,"
	    "liquor.store-4dfjd-0.marathon.mesos.:80,"
	    "liquor.store-zasmd-1.marathon.mesos.:443,"
	    "liquor.store-zasmd-1.marathon.mesos.:80");
	SRV("_http._liquor.store._tcp.marathon.mesos.",
	    "liquor.store-4dfjd-0.marathon.mesos.:80,"
	    "liquor.store-zasmd-1.marathon.mesos.:80");
	SRV("_https._liquor.store._tcp.marathon.mesos.",
	    "liquor.store-4dfjd-0.marathon.mesos.:443,"
	    "liquor.store-zasmd-1.marathon.mesos.:443");
	A("liquor-store.marathon.mesos.", "1.2.3.11,1.2.3.12");
	A("liquor-store-4dfjd-0.marathon.mesos.", "1.2.3.11");
	A("liquor-store-zasmd-1.marathon.mesos.", "1.2.3.12");
	A("liquor-store-zasmd-1.marathon.slave.mesos.", "1.2.3.12");
	SRV("_http._liquor-store._tcp.marathon.mesos.",
	    "liquor-store-4dfjd-0.marathon.mesos.:80,"
	    "liquor-store-zasmd-1.marathon.mesos.:80");
	expect_none("_liquor-store._udp.marathon.mesos.");
	expect_none("_liquor.store._udp.marathon.mesos.");
	/* big.dog2: DI name big.dog wins over the task name */
	A("big.dog.marathon.mesos.", "1.2.3.11");
	A("big-dog.marathon.mesos.", "1.2.3.11");
	A("big-dog-4dfjd-0.marathon.slave.mesos.", "1.2.3.11");
	expect_none("big-dog2.marathon.mesos.");
	/* some-box under the normalised framework name */
	A("some-box.chronoswithaspaceandmixedcase-2.0.1.mesos.", "1.2.3.11");
	/* poseidon is TASK_KILLED */
	assert_int_equal(names_with("poseidon"), 0);
	/* leader, masters, name server */
	A("leader.mesos.", "1.2.3.4");
	A("master.mesos.", "1.2.3.4,144.76.157.37");
	A("master0.mesos.", "144.76.157.37");
	A("master1.mesos.", "1.2.3.4");
	expect_none("master2.mesos.");
	A("ns1.mesos.", "127.0.0.1");
	SRV("_leader._tcp.mesos.", "leader.mesos.:5050");
	SRV("_leader._udp.mesos.", "leader.mesos.:5050");
	expect_none("_master._tcp.mesos.");
}

/* The enumeration document of fake.json equals the original's golden. */
static void
test_fake_enumerate_golden(void **state)
{
	static const char *const masters[] = { "127.0.0.1:15050" };
	size_t len, glen;
	char *json = fake_state(&len, false);
	char *golden = read_file(FAKE_DIR "/enumerate.json", &glen), *want;

	(void)state;
	if (json == NULL || golden == NULL)
		skip();
	build_masters("{\"masters\":[\"127.0.0.1:15050\"],\"listener\":"
		      "\"127.0.0.1\",\"externalon\":false}",
	    json, len, masters, 1);
	want = compact(golden, glen);
	expect_enumerate(want);
	free(want);
	free(golden);
	free(json);
}

/* The toy-store insertion order of records.md §10, as a check of its own. */
static void
test_fake_toy_store_order(void **state)
{
	static const char *const masters[] = { "127.0.0.1:15050" };
	static const char want[] =
	    "{\"name\":\"toy-store\",\"id\":\"toy-store.b8db9f73-562f-11e4-a088-"
	    "c20493233aa5\",\"records\":["
	    "{\"name\":\"toy-store.ipv6-framework.mesos.\",\"host\":\"12.0.1.3\","
	    "\"rtype\":\"A\"},"
	    "{\"name\":\"toy-store-go588-3.ipv6-framework.mesos.\",\"host\":"
	    "\"12.0.1.3\",\"rtype\":\"A\"},"
	    "{\"name\":\"toy-store.ipv6-framework.mesos.\",\"host\":\"12.0.1.2\","
	    "\"rtype\":\"A\"},"
	    "{\"name\":\"toy-store-go588-3.ipv6-framework.mesos.\",\"host\":"
	    "\"12.0.1.2\",\"rtype\":\"A\"},"
	    "{\"name\":\"toy-store.ipv6-framework.mesos.\",\"host\":"
	    "\"fd01:b::1:8000:2\",\"rtype\":\"AAAA\"},"
	    "{\"name\":\"toy-store-go588-3.ipv6-framework.mesos.\",\"host\":"
	    "\"fd01:b::1:8000:2\",\"rtype\":\"AAAA\"},"
	    "{\"name\":\"toy-store.ipv6-framework.slave.mesos.\",\"host\":"
	    "\"2001:db8::1\",\"rtype\":\"AAAA\"},"
	    "{\"name\":\"toy-store-go588-3.ipv6-framework.slave.mesos.\","
	    "\"host\":\"2001:db8::1\",\"rtype\":\"AAAA\"},"
	    "{\"name\":\"_toy-store._tcp.ipv6-framework.slave.mesos.\",\"host\":"
	    "\"toy-store-go588-3.ipv6-framework.slave.mesos.:31354\",\"rtype\":"
	    "\"SRV\"},"
	    "{\"name\":\"_toy-store._udp.ipv6-framework.slave.mesos.\",\"host\":"
	    "\"toy-store-go588-3.ipv6-framework.slave.mesos.:31354\",\"rtype\":"
	    "\"SRV\"},"
	    "{\"name\":\"_toy-store._tcp.ipv6-framework.mesos.\",\"host\":"
	    "\"toy-store-go588-3.ipv6-framework.slave.mesos.:31354\",\"rtype\":"
	    "\"SRV\"},"
	    "{\"name\":\"_toy-store._udp.ipv6-framework.mesos.\",\"host\":"
	    "\"toy-store-go588-3.ipv6-framework.slave.mesos.:31354\",\"rtype\":"
	    "\"SRV\"},";
	size_t len;
	char *json = fake_state(&len, false), *got;

	(void)state;
	if (json == NULL)
		skip();
	build_masters("{\"masters\":[\"127.0.0.1:15050\"],\"listener\":"
		      "\"127.0.0.1\",\"externalon\":false}",
	    json, len, masters, 1);
	got = enumerate_compact();
	if (strstr(got, want) == NULL)
		print_error("enumerate %s\nlacks %s\n", got, want);
	assert_non_null(strstr(got, want));
	free(got);
	free(json);
}

/* ---- §4 leader and masters ------------------------------------------------ */

static const char *
leader_state(const char *leader)
{
	static char json[512];

	snprintf(json, sizeof json,
	    "{\"leader\":%s,\"frameworks\":[],"
	    "\"slaves\":[]}",
	    leader);
	return json;
}

static void
gen_leader(const char *leader, const char *const *m, size_t n)
{
	const char *json = leader_state(leader);

	build_masters("{\"zk\":\"zk://127.0.0.1:2181/mesos\",\"listener\":"
		      "\"127.0.0.1\",\"externalon\":false}",
	    json, strlen(json), m, n);
}

static void
reset(void)
{
	snapshot_free(snap);
	snap = NULL;
	config_free(&cfg);
}

static void
test_masters_spec_example(void **state)
{
	static const char *const m[] = { "144.76.157.37:5050", "1.2.3.4:5050" };

	(void)state;
	gen_leader("\"master@1.2.3.4:5050\"", m, 2);
	A("leader.mesos.", "1.2.3.4");
	A("master.mesos.", "1.2.3.4,144.76.157.37");
	A("master0.mesos.", "144.76.157.37");
	A("master1.mesos.", "1.2.3.4");
	SRV("_leader._tcp.mesos.", "leader.mesos.:5050");
	SRV("_leader._udp.mesos.", "leader.mesos.:5050");
	/* No agents, no frameworks: nothing else but ns1. */
	assert_int_equal(names_with(NULL), 7);
}

static void
test_masters_zk_forms(void **state)
{
	static const char *const zk_known[] = { "1.2.3.4:5050" };
	static const char *const zk_unknown[] = { "", "1.2.3.4:5050",
		"1.2.3.5:5050" };

	(void)state;
	gen_leader("\"master@1.2.3.4:5050\"", zk_known, 1);
	A("master0.mesos.", "1.2.3.4");
	expect_none("master1.mesos.");
	reset();
	/* "" (leader unknown to ZK) is skipped. */
	gen_leader("\"master@1.2.3.4:5050\"", zk_unknown, 3);
	A("master0.mesos.", "1.2.3.4");
	A("master1.mesos.", "1.2.3.5");
	A("master.mesos.", "1.2.3.4,1.2.3.5");
	reset();
	/* An empty list: the leader is master0. */
	gen_leader("\"master@1.2.3.4:5050\"", NULL, 0);
	A("master0.mesos.", "1.2.3.4");
	A("master.mesos.", "1.2.3.4");
}

static void
test_masters_numbering_edges(void **state)
{
	static const char *const not_listed[] = { "10.0.0.1:5050" };
	static const char *const other_port[] = { "1.2.3.4:5051",
		"1.2.3.4:5050", "10.0.0.2:5050" };
	static const char *const twice[] = { "1.2.3.4:5050", "1.2.3.4:5050",
		"10.0.0.2:5050" };
	static const char *const v6[] = { "[2001:db8::1]:5050",
		"10.0.0.1:5050" };

	(void)state;
	/* The leader is not in the list: it comes last. */
	gen_leader("\"master@10.0.0.9:5050\"", not_listed, 1);
	A("master0.mesos.", "10.0.0.1");
	A("master1.mesos.", "10.0.0.9");
	A("master.mesos.", "10.0.0.1,10.0.0.9");
	reset();
	/* Same IP as the leader on another port: skipped entirely. */
	gen_leader("\"master@1.2.3.4:5050\"", other_port, 3);
	A("master0.mesos.", "1.2.3.4");
	A("master1.mesos.", "10.0.0.2");
	expect_none("master2.mesos.");
	reset();
	/* The leader listed twice counts once. */
	gen_leader("\"master@1.2.3.4:5050\"", twice, 3);
	A("master0.mesos.", "1.2.3.4");
	A("master1.mesos.", "10.0.0.2");
	expect_none("master2.mesos.");
	reset();
	/* IPv6 leader and masters. */
	gen_leader("\"master@[2001:db8::1]:5050\"", v6, 2);
	AAAA("leader.mesos.", "2001:db8::1");
	AAAA("master.mesos.", "2001:db8::1");
	A("master.mesos.", "10.0.0.1");
	AAAA("master0.mesos.", "2001:db8::1");
	A("master1.mesos.", "10.0.0.1");
	SRV("_leader._tcp.mesos.", "leader.mesos.:5050");
}

static void
test_leader_malformed(void **state)
{
	static const char *const m[] = { "10.0.0.1:5050" };
	static const char *const names[] = { "mesos-master.example", "10.0.0.7",
		NULL };

	(void)state;
	/* No '@': no leader or master records at all. */
	gen_leader("\"1.2.3.4:5050\"", m, 1);
	expect_none("leader.mesos.");
	expect_none("master.mesos.");
	expect_none("master0.mesos.");
	A("ns1.mesos.", "127.0.0.1");
	reset();
	/* No port. */
	gen_leader("\"master@1.2.3.4\"", m, 1);
	expect_none("leader.mesos.");
	expect_none("master0.mesos.");
	reset();
	/* A leader host name: resolved (the original panics), or skipped. */
	resolve_table = names;
	gen_leader("\"master@mesos-master.example:5050\"", m, 1);
	A("leader.mesos.", "10.0.0.7");
	A("master0.mesos.", "10.0.0.1");
	A("master1.mesos.", "10.0.0.7");
	reset();
	gen_leader("\"master@unknown.example:5050\"", m, 1);
	expect_none("leader.mesos.");
	expect_none("master0.mesos.");
}

/* Host names in the masters list: resolved, or skipped (gaps.md A.1). */
static void
test_masters_hostnames(void **state)
{
	static const char *const m[] = { "m1.example:5050", "bad.example:5050",
		"10.0.0.3:5050" };
	static const char *const names[] = { "m1.example", "10.0.0.1", NULL };

	(void)state;
	resolve_table = names;
	gen_leader("\"master@10.0.0.3:5050\"", m, 3);
	A("master0.mesos.", "10.0.0.1");
	A("master1.mesos.", "10.0.0.3");
	A("master.mesos.", "10.0.0.1,10.0.0.3");
	expect_none("master2.mesos.");
}

/* ---- §5 name server ------------------------------------------------------- */

static void
test_ns_listener(void **state)
{
	static const char json[] = "{\"leader\":\"m@10.0.0.1:5050\"}";

	(void)state;
	build("\"masters\":[\"10.0.0.1:5050\"],\"listener\":\"10.9.9.9\","
	      "\"SOAMname\":\"dns.other.\"",
	    json);
	A("dns.other.", "10.9.9.9");
	expect_none("ns1.mesos.");
	reset();
	build("\"masters\":[\"10.0.0.1:5050\"],\"listener\":\"::\"", json);
	AAAA("ns1.mesos.", "::");
}

/* ---- §6 tasks: IP sources --------------------------------------------------- */

/* One agent (10.0.0.3), framework fw, one task with candidates from every
 * source. */
static const char ipsrc_state[] =
    "{\"leader\":\"master@10.0.0.1:5050\","
    "\"slaves\":[{\"id\":\"S-0\",\"pid\":\"slave(1)@10.0.0.3:5051\"}],"
    "\"frameworks\":[{\"name\":\"fw\",\"pid\":\"s@10.0.0.2:1\",\"tasks\":[{"
    "\"id\":\"app.1\",\"name\":\"app\",\"slave_id\":\"S-0\",\"state\":"
    "\"TASK_RUNNING\",\"statuses\":[{\"state\":\"TASK_RUNNING\","
    "\"timestamp\":1,\"labels\":["
    "{\"key\":\"Docker.NetworkSettings.IPAddress\",\"value\":\"172.17.0.5\"},"
    "{\"key\":\"MesosContainerizer.NetworkSettings.IPAddress\",\"value\":"
    "\"junk\"},"
    "{\"key\":\"MesosContainerizer.NetworkSettings.IPAddress\",\"value\":"
    "\"10.8.0.1\"}],"
    "\"container_status\":{\"network_infos\":[{\"ip_addresses\":["
    "{\"ip_address\":\"\"},{\"ip_address\":\"::ffff:10.7.0.1\"},"
    "{\"ip_address\":\"FD01:0:0:0::7\"}]}]}}]}]}]}";

static void
expect_app_ips(const char *sources, const char *a, const char *aaaa)
{
	char c[256];

	snprintf(c, sizeof c,
	    "\"masters\":[\"10.0.0.1:5050\"],"
	    "\"IPSources\":%s",
	    sources);
	build(c, ipsrc_state);
	A("app.fw.mesos.", a);
	AAAA("app.fw.mesos.", aaaa);
	A("app-wn5mc-0.fw.mesos.", a);
	AAAA("app-wn5mc-0.fw.mesos.", aaaa);
	/* The .slave names always carry the agent's address. */
	A("app.fw.slave.mesos.", "10.0.0.3");
	A("app-wn5mc-0.fw.slave.mesos.", "10.0.0.3");
	reset();
}

static void
test_ip_sources_order(void **state)
{
	(void)state;
	/* netinfo: the mapped address is an A, the IPv6 one canonical. */
	expect_app_ips("[\"netinfo\",\"mesos\",\"host\"]", "10.7.0.1",
	    "fd01::7");
	expect_app_ips("[\"mesos\",\"netinfo\"]", "10.8.0.1", "");
	expect_app_ips("[\"docker\",\"host\"]", "172.17.0.5", "");
	expect_app_ips("[\"host\",\"netinfo\"]", "10.0.0.3", "");
}

/* A source with only unparsable candidates yields nothing: the next one
 * is used; no source at all: only the .slave names. */
static void
test_ip_sources_fallthrough(void **state)
{
	static const char json[] =
	    "{\"leader\":\"master@10.0.0.1:5050\","
	    "\"slaves\":[{\"id\":\"S-0\",\"pid\":\"slave(1)@10.0.0.3:5051\"}],"
	    "\"frameworks\":[{\"name\":\"fw\",\"tasks\":[{\"id\":\"app.1\","
	    "\"name\":\"app\",\"slave_id\":\"S-0\",\"state\":\"TASK_RUNNING\","
	    "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"container_status\":{"
	    "\"network_infos\":[{\"ip_address\":\"not-an-ip\"}]},\"labels\":[{"
	    "\"key\":\"Docker.NetworkSettings.IPAddress\",\"value\":"
	    "\"1.2.3.4.5\"},{\"key\":\"MesosContainerizer.NetworkSettings."
	    "IPAddress\",\"value\":\"[::1]\"}]}]}]}]}";

	(void)state;
	build("\"masters\":[\"10.0.0.1:5050\"],\"IPSources\":[\"netinfo\","
	      "\"docker\",\"mesos\",\"host\"]",
	    json);
	A("app.fw.mesos.", "10.0.0.3");
	reset();
	build("\"masters\":[\"10.0.0.1:5050\"],\"IPSources\":[\"netinfo\","
	      "\"docker\",\"mesos\"]",
	    json);
	expect_none("app.fw.mesos.");
	expect_none("app-wn5mc-0.fw.mesos.");
	A("app.fw.slave.mesos.", "10.0.0.3");
	A("app-wn5mc-0.fw.slave.mesos.", "10.0.0.3");
}

/* ---- RFC 952 ------------------------------------------------------------- */

static void
test_rfc952(void **state)
{
	static const char json[] =
	    "{\"leader\":\"master@10.0.0.1:5050\","
	    "\"slaves\":[{\"id\":\"S-7\",\"pid\":\"slave(1)@10.0.0.3:5051\"}],"
	    "\"frameworks\":[{\"name\":\"Marathon.Prod-2\",\"pid\":"
	    "\"s@10.0.0.2:9\",\"tasks\":[{\"id\":\"t.1\",\"name\":"
	    "\"123-My_Very-Long.Application-Name-v2\",\"slave_id\":\"S-7\","
	    "\"state\":\"TASK_RUNNING\",\"resources\":{\"ports\":"
	    "\"[31000-31000]\"}}]}]}";

	(void)state;
	build("\"masters\":[\"10.0.0.1:5050\"],\"EnforceRFC952\":true,"
	      "\"IPSources\":[\"host\"]",
	    json);
	A("marathon.prod-2.mesos.", "10.0.0.2");
	A("my-very-long-application.marathon.prod-2.mesos.", "10.0.0.3");
	A("my-very-long-application-fg7w9-7.marathon.prod-2.slave.mesos.",
	    "10.0.0.3");
	SRV("_my-very-long-application._tcp.marathon.prod-2.mesos.",
	    "my-very-long-application-fg7w9-7.marathon.prod-2.slave.mesos."
	    ":31000");
	reset();
	/* The same in RFC 1123 mode keeps digits and 63 characters. */
	build("\"masters\":[\"10.0.0.1:5050\"],\"IPSources\":[\"host\"]", json);
	A("123-my-very-long-application-name-v2.marathon.prod-2.mesos.",
	    "10.0.0.3");
}

/* ---- §6.1 resource ports --------------------------------------------------- */

static size_t
ports(const char *text, int32_t *out, size_t max, char *why)
{
	return gen_resource_ports(text, out, max, why, 160);
}

static void
test_resource_ports(void **state)
{
	int32_t p[16];
	int32_t *all = malloc(GEN_MAX_TASK_PORTS * sizeof *all);
	char why[160];

	(void)state;
	assert_non_null(all);
	assert_int_equal(ports("[31000-31002, 31005-31005]", p, 16, why), 4);
	assert_int_equal(p[0], 31000);
	assert_int_equal(p[1], 31001);
	assert_int_equal(p[2], 31002);
	assert_int_equal(p[3], 31005);
	assert_string_equal(why, "");
	assert_int_equal(ports("[]", p, 16, why), 0);
	assert_string_equal(why, "");
	assert_int_equal(ports("", p, 16, why), 0);
	assert_string_equal(why, "");
	/* No '-': skipped with a reason (the original crashes). */
	assert_int_equal(ports("[31000]", p, 16, why), 0);
	assert_non_null(strstr(why, "31000"));
	assert_int_equal(ports("[31000-31001, 31005]", p, 16, why), 2);
	assert_int_equal(p[1], 31001);
	assert_non_null(strstr(why, "31005"));
	/* Outside 0-65535: skipped with a reason. */
	assert_int_equal(ports("[70000-70002]", p, 16, why), 0);
	assert_true(why[0] != '\0');
	assert_int_equal(ports("[65535-65536, 5-5]", p, 16, why), 1);
	assert_int_equal(p[0], 5);
	assert_true(why[0] != '\0');
	/* Unparsable bounds: skipped (as the original does). */
	assert_int_equal(ports("[99999999999999999999-1, 7-7]", p, 16, why), 1);
	assert_int_equal(p[0], 7);
	assert_int_equal(ports("[a-b, 1-x, 8-8]", p, 16, why), 1);
	assert_int_equal(p[0], 8);
	/* Empty or reversed ranges give nothing. */
	assert_int_equal(ports("[5-3]", p, 16, why), 0);
	/* Spaces around a range are trimmed. */
	assert_int_equal(ports("[  1-2  ,3-3 ]", p, 16, why), 3);
	/* The whole port space fits; the cap is honoured. */
	assert_int_equal(ports("[0-65535]", all, GEN_MAX_TASK_PORTS, why),
	    65536);
	assert_int_equal(all[65535], 65535);
	assert_int_equal(ports("[1-100]", p, 3, why), 3);
	assert_int_equal(p[2], 3);
	/* Not a list at all. */
	assert_int_equal(ports("31000-31001", p, 16, why), 0);
	assert_true(why[0] != '\0');
	free(all);
}

/* A bad range in a task: the task keeps its A records and its good
 * ports. */
static void
test_task_bad_port_range(void **state)
{
	static const char json[] =
	    "{\"leader\":\"master@10.0.0.1:5050\","
	    "\"slaves\":[{\"id\":\"S-0\",\"pid\":\"slave(1)@10.0.0.3:5051\"}],"
	    "\"frameworks\":[{\"name\":\"fw\",\"tasks\":[{\"id\":\"a.1\","
	    "\"name\":\"a\",\"slave_id\":\"S-0\",\"state\":\"TASK_RUNNING\","
	    "\"resources\":{\"ports\":\"[31000, 31002-31002]\"}},{\"id\":\"b.1\","
	    "\"name\":\"b\",\"slave_id\":\"S-0\",\"state\":\"TASK_RUNNING\","
	    "\"resources\":{\"ports\":\"[31000]\"}}]}]}";

	(void)state;
	build("\"masters\":[\"10.0.0.1:5050\"]", json);
	A("a.fw.mesos.", "10.0.0.3");
	SRV("_a._tcp.fw.mesos.", "a-oixx7-0.fw.slave.mesos.:31002");
	A("b.fw.mesos.", "10.0.0.3");
	expect_none("_b._tcp.fw.mesos.");
}

/* ---- #509, skipped entries --------------------------------------------- */

static void
test_unresolvable_agent_pseudo(void **state)
{
	static const char json[] =
	    "{\"leader\":\"master@10.0.0.1:5050\","
	    "\"slaves\":[{\"id\":\"S-0\",\"pid\":"
	    "\"slave(1)@Agent_X.Example:5051\"},{\"id\":\"S-1\",\"pid\":"
	    "\"slave(1)@agent-y.example:5051\"}],"
	    "\"frameworks\":[{\"name\":\"fw\",\"tasks\":[{\"id\":\"a.1\","
	    "\"name\":\"a\",\"slave_id\":\"S-0\",\"state\":\"TASK_RUNNING\","
	    "\"resources\":{\"ports\":\"[31000-31000]\"}},{\"id\":\"b.1\","
	    "\"name\":\"b\",\"slave_id\":\"S-1\",\"state\":\"TASK_RUNNING\"}]}]}";
	static const char *const names[] = { "agent-y.example",
		"10.0.0.8,2001:db8::8", NULL };
	char *axfr;

	(void)state;
	resolve_table = names;
	build("\"masters\":[\"10.0.0.1:5050\"]", json);
	/* The resolvable agent: all its addresses. */
	A("slave.mesos.", "10.0.0.8");
	AAAA("slave.mesos.", "2001:db8::8");
	SRV("_slave._tcp.mesos.", "slave.mesos.:5051");
	A("b.fw.mesos.", "10.0.0.8");
	AAAA("b.fw.mesos.", "2001:db8::8");
	A("b.fw.slave.mesos.", "10.0.0.8");
	/* The other: DomainFrag(host) as a pseudo A on the .slave names
	 * only; the host source yields nothing from it. */
	A("a.fw.slave.mesos.", "");
	PSEUDO("a.fw.slave.mesos.", "agent-x.example");
	PSEUDO("a-oixx7-0.fw.slave.mesos.", "agent-x.example");
	expect_none("a.fw.mesos.");
	SRV("_a._tcp.fw.mesos.", "a-oixx7-0.fw.slave.mesos.:31000");
	/* In /v1/axfr the pseudo value is listed under As. */
	axfr = axfr_compact();
	if (strstr(axfr, "\"a.fw.slave.mesos.\":[\"agent-x.example\"]") == NULL)
		print_error("axfr %s\n", axfr);
	assert_non_null(
	    strstr(axfr, "\"a.fw.slave.mesos.\":[\"agent-x.example\"]"));
	free(axfr);
}

static void
test_skipped_entries(void **state)
{
	static const char json[] =
	    "{\"leader\":\"master@10.0.0.1:5050\","
	    "\"slaves\":[{\"id\":\"S-0\",\"pid\":\"slave(1)@10.0.0.3:5051\"},"
	    "{\"id\":\"S-nopid\"},{\"id\":\"S-badpid\",\"pid\":\"garbage\"}],"
	    "\"frameworks\":["
	    "{\"name\":\"badpid\",\"pid\":\"no-at-sign\",\"tasks\":[{\"id\":"
	    "\"a.1\",\"name\":\"a\",\"slave_id\":\"S-0\",\"state\":"
	    "\"TASK_RUNNING\"}]},"
	    "{\"name\":\"nullpid\",\"pid\":null,\"tasks\":[{\"id\":\"b.1\","
	    "\"name\":\"b\",\"slave_id\":\"S-0\",\"state\":\"TASK_RUNNING\"}]},"
	    "{\"name\":\"fw\",\"pid\":\"s@10.0.0.2:1\",\"tasks\":["
	    "{\"id\":\"c.1\",\"name\":\"c\",\"slave_id\":\"S-unknown\","
	    "\"state\":\"TASK_RUNNING\"},"
	    "{\"id\":\"d.1\",\"name\":\"d\",\"slave_id\":\"S-nopid\","
	    "\"state\":\"TASK_RUNNING\"},"
	    "{\"id\":\"e.1\",\"name\":\"e\",\"slave_id\":\"S-badpid\","
	    "\"state\":\"TASK_RUNNING\"},"
	    "{\"id\":\"f.1\",\"name\":\"f\",\"slave_id\":\"S-0\",\"state\":"
	    "\"TASK_STAGING\"}]}]}";

	(void)state;
	build("\"masters\":[\"10.0.0.1:5050\"]", json);
	/* Malformed framework pids: no framework records, tasks kept. */
	expect_none("badpid.mesos.");
	expect_none("nullpid.mesos.");
	A("a.badpid.mesos.", "10.0.0.3");
	A("b.nullpid.mesos.", "10.0.0.3");
	A("fw.mesos.", "10.0.0.2");
	/* Tasks on unknown agents or agents without a usable pid: none. */
	assert_int_equal(names_with(".c."), 0);
	assert_int_equal(names_with("d.fw"), 0);
	assert_int_equal(names_with("e.fw"), 0);
	/* Not running: none. */
	assert_int_equal(names_with("f.fw"), 0);
	A("slave.mesos.", "10.0.0.3");
	expect_enumerate(
	    "{\"frameworks\":["
	    "{\"tasks\":[{\"name\":\"a\",\"id\":\"a.1\",\"records\":["
	    "{\"name\":\"a.badpid.mesos.\",\"host\":\"10.0.0.3\",\"rtype\":\"A\"},"
	    "{\"name\":\"a-oixx7-0.badpid.mesos.\",\"host\":\"10.0.0.3\","
	    "\"rtype\":\"A\"},"
	    "{\"name\":\"a.badpid.slave.mesos.\",\"host\":\"10.0.0.3\","
	    "\"rtype\":\"A\"},"
	    "{\"name\":\"a-oixx7-0.badpid.slave.mesos.\",\"host\":\"10.0.0.3\","
	    "\"rtype\":\"A\"}]}],\"name\":\"badpid\"},"
	    "{\"tasks\":[{\"name\":\"b\",\"id\":\"b.1\",\"records\":["
	    "{\"name\":\"b.nullpid.mesos.\",\"host\":\"10.0.0.3\",\"rtype\":\"A\"},"
	    "{\"name\":\"b-spfid-0.nullpid.mesos.\",\"host\":\"10.0.0.3\","
	    "\"rtype\":\"A\"},"
	    "{\"name\":\"b.nullpid.slave.mesos.\",\"host\":\"10.0.0.3\","
	    "\"rtype\":\"A\"},"
	    "{\"name\":\"b-spfid-0.nullpid.slave.mesos.\",\"host\":\"10.0.0.3\","
	    "\"rtype\":\"A\"}]}],\"name\":\"nullpid\"},"
	    "{\"tasks\":[],\"name\":\"fw\"}]}");
}

/* ---- DiscoveryInfo ------------------------------------------------------- */

static void
test_discovery_passes(void **state)
{
	static const char json[] =
	    "{\"leader\":\"master@10.0.0.1:5050\","
	    "\"slaves\":[{\"id\":\"S-0\",\"pid\":\"slave(1)@10.0.0.3:5051\"}],"
	    "\"frameworks\":[{\"name\":\"fw\",\"tasks\":[{\"id\":\"w.1\","
	    "\"name\":\"ignored-name\",\"slave_id\":\"S-0\",\"state\":"
	    "\"TASK_RUNNING\",\"resources\":{\"ports\":\"[31000-31000]\"},"
	    "\"discovery\":{\"name\":\"My Web.App\",\"visibility\":\"FRAMEWORK\","
	    "\"ports\":{\"ports\":[{\"number\":8080,\"name\":\"Admin_UI\"},"
	    "{\"number\":53,\"protocol\":\"UDP\"}]}}}]}]}";

	(void)state;
	build("\"masters\":[\"10.0.0.1:5050\"]", json);
	/* Pass 1: the raw name, unnormalised. */
	A("My Web.App.fw.mesos.", "10.0.0.3");
	A("My Web.App-g3u4a-0.fw.slave.mesos.", "10.0.0.3");
	SRV("_My Web.App._tcp.fw.slave.mesos.",
	    "My Web.App-g3u4a-0.fw.slave.mesos.:31000");
	SRV("_My Web.App._tcp.fw.mesos.", "My Web.App-g3u4a-0.fw.mesos.:8080");
	SRV("_My Web.App._udp.fw.mesos.",
	    "My Web.App-g3u4a-0.fw.mesos.:53,"
	    "My Web.App-g3u4a-0.fw.mesos.:8080");
	SRV("_admin-ui._My Web.App._tcp.fw.mesos.",
	    "My Web.App-g3u4a-0.fw.mesos.:8080");
	/* Pass 2: LABEL(name). */
	A("myweb-app.fw.mesos.", "10.0.0.3");
	A("myweb-app-g3u4a-0.fw.slave.mesos.", "10.0.0.3");
	SRV("_myweb-app._tcp.fw.slave.mesos.",
	    "myweb-app-g3u4a-0.fw.slave.mesos.:31000");
	SRV("_myweb-app._udp.fw.slave.mesos.",
	    "myweb-app-g3u4a-0.fw.slave.mesos.:31000");
	SRV("_myweb-app._tcp.fw.mesos.", "myweb-app-g3u4a-0.fw.mesos.:8080");
	SRV("_myweb-app._udp.fw.mesos.",
	    "myweb-app-g3u4a-0.fw.mesos.:53,myweb-app-g3u4a-0.fw.mesos.:8080");
	SRV("_admin-ui._myweb-app._tcp.fw.mesos.",
	    "myweb-app-g3u4a-0.fw.mesos.:8080");
	SRV("_admin-ui._myweb-app._udp.fw.mesos.",
	    "myweb-app-g3u4a-0.fw.mesos.:8080");
	/* The task name itself is not used with DiscoveryInfo. */
	assert_int_equal(names_with("ignored"), 0);
}

/* ---- enumeration ------------------------------------------------------ */

static void
test_enumerate_null_records(void **state)
{
	/* Two tasks producing the same records: the second lists null. */
	static const char json[] =
	    "{\"leader\":\"master@10.0.0.1:5050\","
	    "\"slaves\":[{\"id\":\"S-0\",\"pid\":\"slave(1)@10.0.0.3:5051\"}],"
	    "\"frameworks\":[{\"name\":\"fw\",\"tasks\":["
	    "{\"id\":\"x\",\"name\":\"x\",\"slave_id\":\"S-0\",\"state\":"
	    "\"TASK_RUNNING\"},"
	    "{\"id\":\"x\",\"name\":\"x\",\"slave_id\":\"S-0\",\"state\":"
	    "\"TASK_RUNNING\"}]},{\"name\":\"empty\"}]}";

	(void)state;
	build("\"masters\":[\"10.0.0.1:5050\"]", json);
	expect_enumerate(
	    "{\"frameworks\":["
	    "{\"tasks\":["
	    "{\"name\":\"x\",\"id\":\"x\",\"records\":["
	    "{\"name\":\"x.fw.mesos.\",\"host\":\"10.0.0.3\",\"rtype\":\"A\"},"
	    "{\"name\":\"x-n85k5-0.fw.mesos.\",\"host\":\"10.0.0.3\",\"rtype\":"
	    "\"A\"},"
	    "{\"name\":\"x.fw.slave.mesos.\",\"host\":\"10.0.0.3\",\"rtype\":"
	    "\"A\"},"
	    "{\"name\":\"x-n85k5-0.fw.slave.mesos.\",\"host\":\"10.0.0.3\","
	    "\"rtype\":\"A\"}]},"
	    "{\"name\":\"x\",\"id\":\"x\",\"records\":null}],\"name\":\"fw\"},"
	    "{\"tasks\":[],\"name\":\"empty\"}]}");
	reset();
	/* No frameworks at all. */
	build("\"masters\":[\"10.0.0.1:5050\"]",
	    "{\"leader\":\"master@10.0.0.1:5050\"}");
	expect_enumerate("{\"frameworks\":null}");
	A("leader.mesos.", "10.0.0.1");
}

/* Duplicate task names in two frameworks stay apart; the same framework
 * name twice merges. */
static void
test_duplicate_names(void **state)
{
	static const char json[] =
	    "{\"leader\":\"master@10.0.0.1:5050\","
	    "\"slaves\":[{\"id\":\"S-0\",\"pid\":\"slave(1)@10.0.0.3:5051\"},"
	    "{\"id\":\"S-1\",\"pid\":\"slave(1)@10.0.0.4:5051\"}],"
	    "\"frameworks\":["
	    "{\"name\":\"one\",\"tasks\":[{\"id\":\"web.a\",\"name\":\"web\","
	    "\"slave_id\":\"S-0\",\"state\":\"TASK_RUNNING\"}]},"
	    "{\"name\":\"two\",\"tasks\":[{\"id\":\"web.b\",\"name\":\"web\","
	    "\"slave_id\":\"S-1\",\"state\":\"TASK_RUNNING\"}]},"
	    "{\"name\":\"One\",\"tasks\":[{\"id\":\"web.c\",\"name\":\"Web\","
	    "\"slave_id\":\"S-1\",\"state\":\"TASK_RUNNING\"}]}]}";

	(void)state;
	build("\"masters\":[\"10.0.0.1:5050\"]", json);
	A("web.one.mesos.", "10.0.0.3,10.0.0.4");
	A("web.two.mesos.", "10.0.0.4");
	A("slave.mesos.", "10.0.0.3,10.0.0.4");
}

/* ---- HealthAwareOn ---------------------------------------------------------- */

/* Tasks of app "web" (and "db") on agent S-0, each with one status that
 * has the given "healthy" text ("" for none), address 10.1.0.<i+1>,
 * port 3100<i>. */
static char *
health_state(const char *const *healthy, size_t n, const char *db_healthy)
{
	struct buf b = { 0 };

	buf_puts(&b,
	    "{\"leader\":\"master@10.0.0.1:5050\",\"slaves\":["
	    "{\"id\":\"S-0\",\"pid\":\"slave(1)@10.0.0.3:5051\"}],"
	    "\"frameworks\":[{\"name\":\"marathon\",\"tasks\":[");
	for (size_t i = 0; i <= n; i++) {
		char t[600];
		const char *h = i < n ? healthy[i] : db_healthy;

		snprintf(t, sizeof t,
		    "%s{\"id\":\"%s.%zu\",\"name\":\"%s\","
		    "\"slave_id\":\"S-0\",\"state\":\"TASK_RUNNING\","
		    "\"resources\":{\"ports\":\"[3100%zu-3100%zu]\"},"
		    "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"timestamp\":1,"
		    "\"healthy\":true},{\"state\":\"TASK_RUNNING\","
		    "\"timestamp\":2%s%s,\"container_status\":{\"network_infos\":"
		    "[{\"ip_address\":\"10.1.0.%zu\"}]}}]}",
		    i ? "," : "", i < n ? "web" : "db", i, i < n ? "web" : "db",
		    i, i, h[0] ? ",\"healthy\":" : "", h, i + 1);
		buf_puts(&b, t);
	}
	buf_puts(&b, "]}]}");
	buf_putc(&b, '\0');
	return b.data;
}

static void
build_health(bool on, const char *const *healthy, size_t n,
    const char *db_healthy)
{
	char *json = health_state(healthy, n, db_healthy);

	build(on ? "\"masters\":[\"10.0.0.1:5050\"],\"HealthAwareOn\":true" :
		   "\"masters\":[\"10.0.0.1:5050\"]",
	    json);
	free(json);
}

/* The canonical name of task web.<i>. */
static void
web_canonical(size_t i, const char *tail, char *out, size_t cap)
{
	char id[32], hash[8];

	snprintf(id, sizeof id, "web.%zu", i);
	taskhash(id, strlen(id), hash);
	snprintf(out, cap, "web-%s-0.marathon%s.mesos.", hash, tail);
}

/* "canonical.slave:port" of web.<i> for each index in which[] (sorted
 * by the caller's order, which the test keeps sorted). */
static void
web_srv(const size_t *which, size_t n, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t k = 0; k < n; k++) {
		char canon[128];

		web_canonical(which[k], ".slave", canon, sizeof canon);
		len += (size_t)snprintf(out + len, cap - len, "%s%s:3100%zu",
		    k ? "," : "", canon, which[k]);
	}
}

static void
test_health_unhealthy_leaves_app_names(void **state)
{
	static const char *const h[] = { "true", "false", "" };
	char canon[128], want[512];
	const size_t kept[] = { 0, 2 };

	(void)state;
	build_health(true, h, 3, "false");
	/* web.1's latest status says false: out of the app's A, .slave and
	 * SRV names; web.0 (true) and web.2 (no health check) stay */
	A("web.marathon.mesos.", "10.1.0.1,10.1.0.3");
	A("web.marathon.slave.mesos.", "10.0.0.3");
	web_srv(kept, 2, want, sizeof want);
	/* the sorted order of the two targets decides the expected string */
	{
		char *got = values("_web._tcp.marathon.mesos.", RK_SRV);
		char c0[128], c2[128];

		web_canonical(0, ".slave", c0, sizeof c0);
		web_canonical(2, ".slave", c2, sizeof c2);
		assert_non_null(strstr(got, c0));
		assert_non_null(strstr(got, c2));
		assert_int_equal(strlen(got), strlen(want));
		free(got);
	}
	/* its own canonical names keep answering */
	web_canonical(1, "", canon, sizeof canon);
	A(canon, "10.1.0.2");
	web_canonical(1, ".slave", canon, sizeof canon);
	A(canon, "10.0.0.3");
	/* an app whose every task is unhealthy answers with all of them */
	A("db.marathon.mesos.", "10.1.0.4");
	assert_int_equal(snap->health_on, true);
	assert_int_equal(snap->tasks[1].health, TASK_HEALTH_BAD);
	assert_int_equal(snap->tasks[0].health, TASK_HEALTH_OK);
	assert_int_equal(snap->tasks[2].health, TASK_HEALTH_UNKNOWN);
}

static void
test_health_off_keeps_everything(void **state)
{
	static const char *const h[] = { "false", "true" };

	(void)state;
	build_health(false, h, 2, "false");
	A("web.marathon.mesos.", "10.1.0.1,10.1.0.2");
	assert_int_equal(snap->health_on, false);
}

static void
test_health_all_unhealthy_answers_all(void **state)
{
	static const char *const h[] = { "false", "false" };
	const size_t both[] = { 0, 1 };
	char want[512];

	(void)state;
	build_health(true, h, 2, "");
	A("web.marathon.mesos.", "10.1.0.1,10.1.0.2");
	web_srv(both, 2, want, sizeof want);
	{
		char *got = values("_web._tcp.marathon.mesos.", RK_SRV);

		assert_int_equal(strlen(got), strlen(want));
		free(got);
	}
}

/* ---- ReverseOn: the PTR index -------------------------------------------- */

/* The names of the index entries for an address, in answer order,
 * joined with ",". */
static char *
ptr_names(const char *ip_text)
{
	struct ipaddr ip;
	struct rev_prefix p;
	struct buf b = { 0 };
	uint32_t lo, hi;

	assert_true(ipaddr_parse(ip_text, strlen(ip_text), &ip));
	reverse_of_ip(&ip, &p);
	snap_ptr_range(snap, &p, &lo, &hi);
	for (uint32_t e = lo; e < hi; e++) {
		char name[512];
		uint32_t v = p.v6 ? snap->ptr6[e] : snap->ptr4[e];
		uint32_t node =
		    snap_value_owner(snap, p.v6 ? RK_AAAA : RK_A, v);

		snap_name(snap, node, name, sizeof name);
		if (e > lo)
			buf_putc(&b, ',');
		buf_puts(&b, name);
	}
	buf_putc(&b, '\0');
	return b.data;
}

static void
test_ptr_index_order_and_zones(void **state)
{
	static const char *const h[] = { "", "" };
	char *got, want[512], c0[128], c0s[128], c1s[128];
	char zname[REV_NAME_MAX];

	(void)state;
	build_health(false, h, 2, "");
	assert_null(snap->ptr4);
	snapshot_free(snap);
	snap = NULL;
	config_free(&cfg);
	{
		char *json = health_state(h, 2, "");

		build("\"masters\":[\"10.0.0.1:5050\"],\"ReverseOn\":true",
		    json);
		free(json);
	}
	web_canonical(0, "", c0, sizeof c0);
	snprintf(want, sizeof want, "web.marathon.mesos.,%s", c0);
	got = ptr_names("10.1.0.1");
	assert_string_equal(got, want);
	free(got);
	/* the agent's address: task names first (insertion order), then the
	 * agent's own name */
	web_canonical(0, ".slave", c0s, sizeof c0s);
	web_canonical(1, ".slave", c1s, sizeof c1s);
	snprintf(want, sizeof want,
	    "web.marathon.slave.mesos.,%s,%s,"
	    "db.marathon.slave.mesos.",
	    c0s, c1s);
	got = ptr_names("10.0.0.3");
	assert_non_null(strstr(got, want));
	assert_non_null(strstr(got, ",slave.mesos."));
	assert_string_equal(strstr(got, ",slave.mesos."), ",slave.mesos.");
	free(got);
	got = ptr_names("10.1.0.9");
	assert_string_equal(got, "");
	free(got);
	/* zones: each address's /24, sorted */
	assert_int_equal(snap->n_rzones, 3);
	reverse_name(&snap->rzones[0], zname);
	assert_string_equal(zname, "0.0.10.in-addr.arpa.");
	reverse_name(&snap->rzones[1], zname);
	assert_string_equal(zname, "0.1.10.in-addr.arpa.");
	reverse_name(&snap->rzones[2], zname);
	assert_string_equal(zname, "0.0.127.in-addr.arpa.");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fake_worked_examples),
		T(test_fake_enumerate_golden),
		T(test_fake_toy_store_order),
		T(test_masters_spec_example),
		T(test_masters_zk_forms),
		T(test_masters_numbering_edges),
		T(test_leader_malformed),
		T(test_masters_hostnames),
		T(test_ns_listener),
		T(test_ip_sources_order),
		T(test_ip_sources_fallthrough),
		T(test_rfc952),
		T(test_resource_ports),
		T(test_task_bad_port_range),
		T(test_unresolvable_agent_pseudo),
		T(test_skipped_entries),
		T(test_discovery_passes),
		T(test_enumerate_null_records),
		T(test_duplicate_names),
		T(test_health_unhealthy_leaves_app_names),
		T(test_health_off_keeps_everything),
		T(test_health_all_unhealthy_answers_all),
		T(test_ptr_index_order_and_zones),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
