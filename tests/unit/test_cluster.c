/* test_cluster.c -- the event-driven cluster model (src/state/cluster.h,
 * spec/events.md §5 and §6).
 *
 * A model is loaded from a small /master/state parsed with state_parse(),
 * then v1 operator API events (JSON text, parsed with yajl_tree_parse) are
 * applied, and cluster_view() is looked at two ways: as a plain dump of
 * the mesos_state it gives (tasks, IP sources, ports, DiscoveryInfo,
 * agents, order) and through the records built from it.
 *
 * The key property (events.md §7): the records built from the view after
 * the events that turn state A into state B are those built from B itself
 * (state_parse(B)).  Both sides go through gen_build() and are compared
 * as their /v1/axfr documents (http_write_axfr).
 *
 * JSON below is written with single quotes and turned into double quotes
 * before use, to keep it readable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "config.h"
#include "http/api.h"
#include "records/gen.h"
#include "records/snapshot.h"
#include "records/appkey.h"
#include "state/cluster.h"
#include "state/parse.h"
#include "util/buf.h"
#include "util/ipaddr.h"
#include "xfail.h"

/* ---- out of memory ------------------------------------------------------- */

/* strdup fails once, at the `strdup_fail_at`-th call after arming (-1:
 * never); `strdup_failed` says whether it did.  The model copies every
 * string with it. */
static long strdup_fail_at = -1;
static bool strdup_failed;

char *
strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (strdup_fail_at == 0) {
		strdup_fail_at = -1;
		strdup_failed = true;
		return NULL;
	}
	if (strdup_fail_at > 0)
		strdup_fail_at--;
	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

static void
strdup_arm(long n)
{
	strdup_fail_at = n;
	strdup_failed = false;
}

static void
strdup_disarm(void)
{
	strdup_fail_at = -1;
}

/* ---- helpers ------------------------------------------------------------- */

/* 'x' -> "x" (a fresh string). */
static char *
dq(const char *s)
{
	char *out = strdup(s);

	assert_non_null(out);
	for (char *p = out; *p; p++)
		if (*p == '\'')
			*p = '"';
	return out;
}

static struct config cfg;

static int
setup(void **state)
{
	const char *json =
	    "{\"listener\":\"127.0.0.1\",\"externalon\":false,"
	    "\"masters\":[\"127.0.0.1:5050\"],\"domain\":\"mesos\"}";
	char err[512] = "";

	(void)state;
	if (config_parse(&cfg, json, strlen(json), "/test/config.json", err,
		sizeof err) != 0)
		fail_msg("config: %s", err);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	return 0;
}

static struct mesos_state *
parse_q(const char *single_quoted)
{
	char *json = dq(single_quoted), err[512] = "";
	struct mesos_state *s =
	    state_parse(json, strlen(json), err, sizeof err);

	if (s == NULL)
		fail_msg("state_parse: %s\n%s", err, json);
	free(json);
	return s;
}

static struct cluster *
load_q(const char *single_quoted)
{
	struct cluster *c = cluster_new(appkey_naming(false));
	struct mesos_state *s = parse_q(single_quoted);

	assert_non_null(c);
	assert_false(cluster_loaded(c));
	assert_int_equal(cluster_load(c, s), 0);
	assert_true(cluster_loaded(c));
	mesos_state_free(s);
	return c;
}

/* Applies one event given as single-quoted JSON (printf format). */
static enum cluster_change apply(struct cluster *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum cluster_change
apply(struct cluster *c, const char *fmt, ...)
{
	char text[8192], err[256] = "", *json;
	yajl_val ev;
	enum cluster_change ch;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	json = dq(text);
	ev = yajl_tree_parse(json, err, sizeof err);
	if (ev == NULL)
		fail_msg("event JSON: %s\n%s", err, json);
	ch = cluster_apply(c, ev);
	yajl_tree_free(ev);
	free(json);
	return ch;
}

static const char *
change_name(enum cluster_change ch)
{
	switch (ch) {
	case CLUSTER_NONE:
		return "NONE";
	case CLUSTER_CHANGED:
		return "CHANGED";
	case CLUSTER_UNKNOWN:
		return "UNKNOWN";
	case CLUSTER_NEEDS_POLL:
		return "NEEDS_POLL";
	}
	return "?";
}

#define expect_change(got, want) \
	do { \
		enum cluster_change got_ = (got); \
		if (got_ != (want)) \
			fail_msg("line %d: change %s, want %s", __LINE__, \
			    change_name(got_), change_name(want)); \
	} while (0)

static void
put_ips(struct buf *b, const char *tag, const struct mesos_task *t, int src)
{
	char text[IPADDR_STRLEN];

	if (t->n_ips[src] == 0)
		return;
	buf_printf(b, " %s=", tag);
	for (uint16_t i = 0; i < t->n_ips[src]; i++) {
		ipaddr_format(&t->ips[src][i], text);
		buf_printf(b, "%s%s", i ? "," : "", text);
	}
}

/* One line per framework, task and agent of a state (view or parse):
 *   F <id> <name> host=<hostname> pid=<pid|->
 *    T <id> <name> @<slave> R|- ports=<text|-> ni=.. me=.. do=..
 *      di=<name>(<num>/<proto>/<name>,...)
 *   S <id> <pid|-> */
static char *
dump(const struct mesos_state *s)
{
	struct buf b = { 0 };

	for (const struct mesos_framework *f = s->frameworks; f; f = f->next) {
		if (f->invalid)
			continue;
		buf_printf(&b, "F %s %.*s host=%s pid=%s\n", f->id,
		    (int)f->name_len, f->name, f->hostname ? f->hostname : "-",
		    f->pid ? f->pid : "-");
		for (const struct mesos_task *t = f->tasks; t; t = t->next) {
			if (t->invalid)
				continue;
			buf_printf(&b, " T %.*s %.*s @%s %s ports=%s",
			    (int)t->id_len, t->id, (int)t->name_len, t->name,
			    t->slave_id ? t->slave_id : "",
			    t->running ? "R" : "-",
			    t->ports && strcmp(t->ports, "[]") ? t->ports :
								 "-");
			put_ips(&b, "ni", t, TIP_NETINFO);
			put_ips(&b, "me", t, TIP_MESOS);
			put_ips(&b, "do", t, TIP_DOCKER);
			if (t->di_name != NULL && t->di_name_len > 0) {
				buf_printf(&b, " di=%.*s(", (int)t->di_name_len,
				    t->di_name);
				for (const struct di_port *d = t->di_ports; d;
				     d = d->next)
					buf_printf(&b, "%s%lld/%s/%s",
					    d == t->di_ports ? "" : ",",
					    (long long)d->number, d->protocol,
					    d->name);
				buf_putc(&b, ')');
			}
			buf_putc(&b, '\n');
		}
	}
	for (const struct mesos_slave *a = s->slaves; a; a = a->next)
		if (!a->invalid)
			buf_printf(&b, "S %s %s\n", a->id,
			    a->pid ? a->pid : "-");
	buf_putc(&b, '\0');
	assert_false(b.failed);
	return b.data;
}

static char *
dump_view(const struct cluster *c)
{
	struct mesos_state *v = cluster_view(c);
	char *d;

	assert_non_null(v);
	d = dump(v);
	mesos_state_free(v);
	return d;
}

#define expect_view(c, want) \
	do { \
		char *got_ = dump_view(c); \
		if (strcmp(got_, (want)) != 0) \
			fail_msg("line %d: view\n--- got\n%s--- want\n%s", \
			    __LINE__, got_, (want)); \
		free(got_); \
	} while (0)

static size_t
resolve_none(void *ctx, const char *host, struct ipaddr *out, size_t max)
{
	(void)ctx;
	(void)host;
	(void)out;
	(void)max;
	return 0;
}

/* JSON text without the whitespace outside strings. */
static char *
compact(const char *in, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	bool str = false;

	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		char ch = in[i];

		if (str) {
			*o++ = ch;
			if (ch == '\\' && i + 1 < len)
				*o++ = in[++i];
			else if (ch == '"')
				str = false;
		} else if (ch == '"') {
			str = true;
			*o++ = ch;
		} else if (ch != ' ' && ch != '\n' && ch != '\t' &&
		    ch != '\r') {
			*o++ = ch;
		}
	}
	*o = '\0';
	return out;
}

static int
lazy_tasks(void *ctx, size_t i, const struct mesos_task **out)
{
	return cluster_lazy_tasks(ctx, i, out);
}

/* The /v1/axfr document (compact) of the records built from a state,
 * with its tasks from `lazy` when not NULL; the /v1/enumerate document
 * into *enumerate when not NULL. */
static char *
axfr_of_lazy(const struct mesos_state *st, struct cluster_lazy *lazy,
    char **enumerate)
{
	struct gen_input in = { 0 };
	struct snapshot *snap;
	struct buf b = { 0 };
	char err[1024] = "", *out;

	in.cfg = &cfg;
	in.state = st;
	in.masters = (const char *const *)cfg.masters.v;
	in.n_masters = cfg.masters.n;
	in.resolve = resolve_none;
	if (lazy != NULL) {
		in.tasks_of = lazy_tasks;
		in.tasks_ctx = lazy;
	}
	snap = gen_build(&in, err, sizeof err);
	if (snap == NULL)
		fail_msg("gen_build: %s", err);

	http_write_axfr(&cfg, snap, &b);
	assert_false(b.failed);
	out = compact(b.data, b.len);
	buf_free(&b);
	if (enumerate != NULL) {
		http_write_enumerate(snap, &b);
		assert_false(b.failed);
		*enumerate = compact(b.data, b.len);
		buf_free(&b);
	}
	snapshot_free(snap);
	return out;
}

static char *
axfr_of(const struct mesos_state *st)
{
	return axfr_of_lazy(st, NULL, NULL);
}

/* The records of the model's view; the lazy view of a full build
 * (one framework's tasks at a time) must give the same records and
 * the same /v1/enumerate. */
static char *
axfr_view(const struct cluster *c)
{
	struct mesos_state *v = cluster_view(c), *lv;
	struct cluster_lazy *lazy;
	char *a, *la, *e, *le;

	assert_non_null(v);
	a = axfr_of_lazy(v, NULL, &e);
	assert_non_null(lv = cluster_view_lazy(c, &lazy));
	assert_int_equal(lv->n_tasks, v->n_tasks);
	assert_int_equal(lv->n_frameworks, v->n_frameworks);
	la = axfr_of_lazy(lv, lazy, &le);
	if (strcmp(a, la) != 0 || strcmp(e, le) != 0)
		fail_msg("the lazy view differs\n--- view\n%s\n%s\n--- lazy\n"
			 "%s\n%s",
		    a, e, la, le);
	cluster_lazy_free(lazy);
	mesos_state_free(lv);
	mesos_state_free(v);
	free(la);
	free(e);
	free(le);
	return a;
}

static char *
axfr_state(const char *single_quoted)
{
	struct mesos_state *s = parse_q(single_quoted);
	char *a = axfr_of(s);

	mesos_state_free(s);
	return a;
}

/* The records of the view equal those of the parsed state. */
#define expect_same_records(c, state_q) \
	do { \
		char *from_events_ = axfr_view(c); \
		char *from_poll_ = axfr_state(state_q); \
		if (strcmp(from_events_, from_poll_) != 0) \
			fail_msg("line %d: records differ\n--- from events\n%s\n" \
				 "--- from a poll\n%s", \
			    __LINE__, from_events_, from_poll_); \
		free(from_events_); \
		free(from_poll_); \
	} while (0)

/* True when the axfr document holds "name":[...value...] (compact). */
static bool
has_record(const char *axfr, const char *name, const char *value)
{
	char pat[512];

	snprintf(pat, sizeof pat, "\"%s\":[", name);
	for (const char *p = strstr(axfr, pat); p; p = strstr(p + 1, pat)) {
		const char *end = strchr(p, ']');
		char v[256];

		snprintf(v, sizeof v, "\"%s\"", value);
		const char *q = strstr(p, v);

		if (q != NULL && end != NULL && q < end)
			return true;
	}
	return false;
}

static bool
has_name(const char *axfr, const char *name)
{
	char pat[512];

	snprintf(pat, sizeof pat, "\"%s\":[", name);
	return strstr(axfr, pat) != NULL;
}

/* ---- states -------------------------------------------------------------- */

#define LEADER "'leader':'master@127.0.0.1:5050','hostname':'localhost',"
#define AGENT(id, ip) \
	"{'id':'" id "','hostname':'" ip "','pid':'slave(1)@" ip ":5051'}"
#define RUNNING_TASK(id, name, fw, agent, ports, ts) \
	"{'id':'" id "','name':'" name "','framework_id':'" fw "'," \
	"'slave_id':'" agent "','state':'TASK_RUNNING','resources':" \
	"{'ports':'" ports "'},'statuses':[{'state':'TASK_RUNNING'," \
	"'timestamp':" ts "}]}"

/* One agent, marathon with one running task. */
static const char *const state_a = "{" LEADER "'slaves':[" AGENT("S1",
    "10.0.0.3") "],"
		"'frameworks':[{'id':'F1','name':'marathon','hostname':'10.0.0.2',"
		"'pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK("web.1",
		    "web", "F1", "S1", "[31000-31000]", "100.0") "]}]}";

/* v1 event text. */
#define EV_TASK_ADDED_STAGING(id, name, fw, agent, extra) \
	"{'type':'TASK_ADDED','task_added':{'task':{'name':'" name "'," \
	"'task_id':{'value':'" id "'},'framework_id':{'value':'" fw "'}," \
	"'agent_id':{'value':'" agent "'},'state':'TASK_STAGING'" extra "}}}"

#define EV_UPDATE(id, fw, state, status_extra) \
	"{'type':'TASK_UPDATED','task_updated':{'framework_id':{'value':'" fw \
	"'},'status':{'task_id':{'value':'" id "'},'state':'" state "'," \
	"'source':'SOURCE_EXECUTOR'" status_extra "},'state':'" state "'}}"

#define PORTS_RES(ranges) \
	",'resources':[{'name':'cpus','type':'SCALAR','scalar':{'value':0.5}}," \
	"{'name':'ports','type':'RANGES','ranges':{'range':[" ranges "]}}]"

#define NETINFO(ip) \
	",'container_status':{'network_infos':[{'ip_addresses':[" \
	"{'protocol':'IPv4','ip_address':'" ip "'}],'name':'dcos'}]}"

/* ---- model behaviour ----------------------------------------------------- */

/* A loaded state shows through the view unchanged, records included. */
static void
test_load_and_view(void **state)
{
	static const char *const st = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.3") "," AGENT("S2",
	    "10.0.0.4") "],'frameworks':[{'id':'F1','name':'marathon','hostname':"
			"'10.0.0.2','pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
			    "web.1", "web", "F1", "S1", "[31000-31001]",
			    "1") ",{'id':'d.1','name':'Dock_er','framework_id':'F1','slave_id':'S2',"
				 "'state':'TASK_RUNNING','statuses':[{'state':'TASK_RUNNING',"
				 "'timestamp':5,'labels':[{'key':'Docker.NetworkSettings.IPAddress',"
				 "'value':'172.17.0.2'},{'key':"
				 "'MesosContainerizer.NetworkSettings.IPAddress','value':'10.1.1.1'}"
				 "],'container_status':{'network_infos':[{'ip_addresses':"
				 "[{'ip_address':'fd00::7'},{'ip_address':'10.9.9.9'}]}]}}],"
				 "'discovery':{'visibility':'FRAMEWORK','name':'dock','ports':"
				 "{'ports':[{'number':80,'protocol':'tcp','name':'http'},"
				 "{'number':53,'protocol':'udp'}]}}}"
				 ",{'id':'s.1','name':'stage','framework_id':'F1','slave_id':'S1',"
				 "'state':'TASK_STAGING'}"
				 "]},{'id':'F2','name':'chronos','hostname':'10.0.0.8','tasks':[]}]}";
	struct cluster *c = load_q(st);
	struct mesos_state *parsed = parse_q(st);
	char *want = dump(parsed);

	(void)state;
	mesos_state_free(parsed);
	expect_view(c, want);
	free(want);
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31001]\n"
	    " T d.1 Dock_er @S2 R ports=- ni=fd00::7,10.9.9.9 me=10.1.1.1"
	    " do=172.17.0.2 di=dock(80/tcp/http,53/udp/)\n"
	    " T s.1 stage @S1 - ports=-\n"
	    "F F2 chronos host=10.0.0.8 pid=-\n"
	    "S S1 slave(1)@10.0.0.3:5051\n"
	    "S S2 slave(1)@10.0.0.4:5051\n");
	assert_int_equal(cluster_running_tasks(c), 2);
	expect_same_records(c, st);
	/* Loading again replaces everything. */
	assert_int_equal(cluster_load(c, parsed = parse_q(state_a)), 0);
	mesos_state_free(parsed);
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	assert_int_equal(cluster_running_tasks(c), 1);
	cluster_free(c);
}

/* TASK_ADDED (staging, as on a launch) then TASK_UPDATED running: the task
 * runs with the status's addresses, the RANGES ports and its discovery. */
static void
test_task_added_then_running(void **state)
{
	struct cluster *c = load_q(state_a);
	char *axfr;

	(void)state;
	expect_change(
	    apply(c,
		EV_TASK_ADDED_STAGING("api.2", "api", "F1", "S1",
		    PORTS_RES(
			"{'begin':31001,'end':31002},{'begin':31010,'end':31010}") ",'discovery':{'visibility':'FRAMEWORK','name':'api-d','ports':"
										   "{'ports':[{'number':8080,'name':'http','protocol':'tcp'}]}}"
										   ",'labels':{'labels':[{'key':'k','value':'v'}]}")),
	    CLUSTER_CHANGED);
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    " T api.2 api @S1 - ports=[31001-31002, 31010-31010]"
	    " di=api-d(8080/tcp/http)\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	assert_int_equal(cluster_running_tasks(c), 1);
	axfr = axfr_view(c);
	assert_false(has_name(axfr, "api-d.marathon.mesos."));
	free(axfr);

	expect_change(
	    apply(c,
		EV_UPDATE("api.2", "F1", "TASK_RUNNING",
		    ",'agent_id':{'value':'S1'},'timestamp':1700000001.5,'labels':"
		    "{'labels':[{'key':'Docker.NetworkSettings.IPAddress','value':"
		    "'172.17.0.5'}]}" NETINFO("10.9.9.9"))),
	    CLUSTER_CHANGED);
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    " T api.2 api @S1 R ports=[31001-31002, 31010-31010] ni=10.9.9.9"
	    " do=172.17.0.5 di=api-d(8080/tcp/http)\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	assert_int_equal(cluster_running_tasks(c), 2);
	axfr = axfr_view(c);
	/* netinfo first in the default IPSources; the DiscoveryInfo name. */
	assert_true(has_record(axfr, "api-d.marathon.mesos.", "10.9.9.9"));
	assert_true(has_name(axfr, "_http._api-d._tcp.marathon.mesos."));
	assert_true(has_name(axfr, "_api-d._tcp.marathon.mesos."));
	free(axfr);

	/* A health update (same state) changes nothing that records use but
	 * is accepted; a later RUNNING status with a new address moves it. */
	expect_change(apply(c,
			  EV_UPDATE("api.2", "F1", "TASK_RUNNING",
			      ",'timestamp':1700000009.0,'healthy':true" NETINFO(
				  "10.9.9.10"))),
	    CLUSTER_CHANGED);
	axfr = axfr_view(c);
	assert_true(has_record(axfr, "api-d.marathon.mesos.", "10.9.9.10"));
	assert_false(has_record(axfr, "api-d.marathon.mesos.", "10.9.9.9"));
	free(axfr);
	cluster_free(c);
}

/* Out of memory at any string copy (issue 11): a load fails as a whole
 * (before, the task or agent was dropped, or kept with a NULL name that
 * the record build then read); an event that cannot be applied in full
 * asks for a poll, and the model stays whole enough to build records. */
static void
test_out_of_memory(void **state)
{
	static const char *const st = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.3") "],"
			"'frameworks':[{'id':'F1','name':'marathon','hostname':'10.0.0.2',"
			"'pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
			    "web.1", "web", "F1", "S1", "[31000-31000]",
			    "100.0") ",{'id':'d.1','name':'dock','framework_id':'F1',"
				     "'slave_id':'S1','state':'TASK_RUNNING','statuses':["
				     "{'state':'TASK_RUNNING','timestamp':5}],'discovery':"
				     "{'visibility':'FRAMEWORK','name':'dock','ports':{'ports':"
				     "[{'number':80,'protocol':'tcp','name':'http'}]}}}]}]}";
	static const char *const events[] = {
		EV_TASK_ADDED_STAGING("api.2", "api", "F1", "S1",
		    PORTS_RES(
			"{'begin':31001,'end':31002}") ",'discovery':{"
						       "'visibility':'FRAMEWORK','name':'api-d','ports':{'ports':"
						       "[{'number':8080,'name':'http','protocol':'tcp'}]}}"),
		EV_UPDATE("web.1", "F1", "TASK_RUNNING",
		    ",'agent_id':{'value':'S1'},'timestamp':200.0" NETINFO(
			"10.9.9.9")),
		"{'type':'AGENT_ADDED','agent_added':{'agent':{'agent_info':{"
		"'id':{'value':'S2'},'hostname':'10.0.0.4','port':5051},"
		"'pid':'slave(1)@10.0.0.4:5051'}}}",
		"{'type':'FRAMEWORK_ADDED','framework_added':{'framework':{"
		"'framework_info':{'id':{'value':'F9'},'name':'chronos',"
		"'hostname':'10.0.0.9'}}}}",
	};
	struct mesos_state *s = parse_q(st);
	struct cluster *c = cluster_new(appkey_naming(false));
	char *want, *axfr;
	long tries = 0;

	(void)state;
	assert_non_null(c);
	assert_int_equal(cluster_load(c, s), 0);
	want = dump(s);
	for (long n = 0;; n++) {
		int rc;

		strdup_arm(n);
		rc = cluster_load(c, s);
		strdup_disarm();
		if (!strdup_failed) {
			if (rc != 0)
				fail_msg("load %ld failed without strdup "
					 "failing",
				    n);
			break;
		}
		if (rc != -1)
			fail_msg("strdup %ld failed, the load succeeded", n);
		tries++;
	}
	/* Each framework and agent string; a task is one block. */
	assert_true(tries > 8);
	expect_view(c, want);
	free(want);
	for (size_t e = 0; e < sizeof events / sizeof events[0]; e++) {
		char *json = dq(events[e]), err[256] = "";
		yajl_val ev = yajl_tree_parse(json, err, sizeof err);
		enum cluster_change ch;

		assert_non_null(ev);
		for (long n = 0;; n++) {
			struct mesos_state *v;

			assert_int_equal(cluster_load(c, s), 0);
			strdup_arm(n);
			ch = cluster_apply(c, ev);
			strdup_disarm();
			if (!strdup_failed)
				break;
			if (ch != CLUSTER_NEEDS_POLL)
				fail_msg("event %zu, strdup %ld failed: change %s",
				    e, n, change_name(ch));
			/* Every string of what stayed is there. */
			v = cluster_view(c);
			assert_non_null(v);
			for (const struct mesos_framework *f = v->frameworks; f;
			     f = f->next) {
				assert_non_null(f->name);
				for (const struct mesos_task *t = f->tasks; t;
				     t = t->next)
					assert_true(
					    t->id && t->name && t->slave_id);
			}
			mesos_state_free(v);
			axfr = axfr_view(c);
			free(axfr);
		}
		assert_true(ch != CLUSTER_NEEDS_POLL || e == 3);
		yajl_tree_free(ev);
		free(json);
	}
	mesos_state_free(s);
	cluster_free(c);
}

/* Terminal states remove the task, whatever arrives afterwards; other
 * non-running states keep it without records. */
static void
test_terminal_removes(void **state)
{
	static const char *const terminal[] = {
		"TASK_FINISHED",
		"TASK_FAILED",
		"TASK_KILLED",
		"TASK_LOST",
		"TASK_ERROR",
		"TASK_DROPPED",
		"TASK_GONE",
		"TASK_GONE_BY_OPERATOR",
	};

	(void)state;
	for (size_t i = 0; i < sizeof terminal / sizeof terminal[0]; i++) {
		struct cluster *c = load_q(state_a);
		char *axfr;

		expect_change(apply(c,
				  EV_UPDATE("web.1", "F1", "%s",
				      ",'timestamp':200"),
				  terminal[i], terminal[i]),
		    CLUSTER_CHANGED);
		expect_view(c,
		    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
		    "S S1 slave(1)@10.0.0.3:5051\n");
		assert_int_equal(cluster_running_tasks(c), 0);
		axfr = axfr_view(c);
		assert_false(has_name(axfr, "web.marathon.mesos."));
		free(axfr);
		/* A stale RUNNING for it now: unknown, and it stays gone. */
		expect_change(apply(c,
				  EV_UPDATE("web.1", "F1", "TASK_RUNNING",
				      ",'timestamp':150")),
		    CLUSTER_UNKNOWN);
		assert_int_equal(cluster_running_tasks(c), 0);
		/* The same terminal news again changes nothing. */
		expect_change(apply(c,
				  EV_UPDATE("web.1", "F1", "%s",
				      ",'timestamp':201"),
				  terminal[i], terminal[i]),
		    CLUSTER_NONE);
		cluster_free(c);
	}
	/* Non-terminal, non-running: kept, not running, no records. */
	{
		static const char *const others[] = {
			"TASK_KILLING",
			"TASK_UNREACHABLE",
			"TASK_STARTING",
			"TASK_UNKNOWN",
		};

		for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
			struct cluster *c = load_q(state_a);
			char *axfr;

			expect_change(apply(c,
					  EV_UPDATE("web.1", "F1", "%s",
					      ",'timestamp':200"),
					  others[i], others[i]),
			    CLUSTER_CHANGED);
			expect_view(c,
			    "F F1 marathon host=10.0.0.2 "
			    "pid=scheduler-1@10.0.0.2:8080\n"
			    " T web.1 web @S1 - ports=[31000-31000]\n"
			    "S S1 slave(1)@10.0.0.3:5051\n");
			axfr = axfr_view(c);
			assert_false(has_name(axfr, "web.marathon.mesos."));
			free(axfr);
			cluster_free(c);
		}
	}
}

/* TASK_UPDATED for a task the model does not have: UNKNOWN (a poll comes
 * soon), and the model is unchanged. */
static void
test_update_unknown_task(void **state)
{
	struct cluster *c = load_q(state_a);
	char *before = dump_view(c);

	(void)state;
	expect_change(apply(c,
			  EV_UPDATE("ghost.1", "F1", "TASK_RUNNING",
			      ",'timestamp':5" NETINFO("10.7.7.7"))),
	    CLUSTER_UNKNOWN);
	expect_change(apply(c,
			  EV_UPDATE("web.1", "F-unknown", "TASK_RUNNING",
			      ",'timestamp':5")),
	    CLUSTER_UNKNOWN);
	expect_view(c, before);
	free(before);
	cluster_free(c);
}

/* AGENT_ADDED inserts or replaces (pid, or hostname:port when there is
 * none); AGENT_REMOVED deletes it and its tasks lose their records. */
static void
test_agents(void **state)
{
	struct cluster *c = load_q(state_a);
	char *axfr;

	(void)state;
	expect_change(
	    apply(c,
		"{'type':'AGENT_ADDED','agent_added':{'agent':"
		"{'agent_info':{'hostname':'10.0.0.5','port':5051,'id':{'value':"
		"'S2'}},'pid':'slave(1)@10.0.0.5:5051','active':true,'version':"
		"'1.11.0'}}}"),
	    CLUSTER_CHANGED);
	expect_change(apply(c,
			  "{'type':'AGENT_ADDED','agent_added':{'agent':"
			  "{'agent_info':{'hostname':'10.0.0.6','port':5052,'id':{'value':"
			  "'S3'}},'active':true}}}"),
	    CLUSTER_CHANGED);
	/* Re-registered with a new address: replaced in place. */
	expect_change(apply(c,
			  "{'type':'AGENT_ADDED','agent_added':{'agent':"
			  "{'agent_info':{'hostname':'10.0.0.33','id':{'value':'S1'}},"
			  "'pid':'slave(1)@10.0.0.33:5051'}}}"),
	    CLUSTER_CHANGED);
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    "S S1 slave(1)@10.0.0.33:5051\n"
	    "S S2 slave(1)@10.0.0.5:5051\n"
	    "S S3 slave(1)@10.0.0.6:5052\n");
	axfr = axfr_view(c);
	assert_true(has_record(axfr, "web.marathon.mesos.", "10.0.0.33"));
	assert_true(has_record(axfr, "slave.mesos.", "10.0.0.6"));
	free(axfr);

	expect_change(apply(c,
			  "{'type':'AGENT_REMOVED','agent_removed':"
			  "{'agent_id':{'value':'S1'}}}"),
	    CLUSTER_CHANGED);
	/* The task stays in the model but has no agent: no records. */
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    "S S2 slave(1)@10.0.0.5:5051\n"
	    "S S3 slave(1)@10.0.0.6:5052\n");
	axfr = axfr_view(c);
	assert_false(has_name(axfr, "web.marathon.mesos."));
	assert_false(has_record(axfr, "slave.mesos.", "10.0.0.33"));
	free(axfr);
	/* It comes back when the agent does. */
	expect_change(apply(c,
			  "{'type':'AGENT_ADDED','agent_added':{'agent':"
			  "{'agent_info':{'hostname':'10.0.0.3','id':{'value':'S1'}},"
			  "'pid':'slave(1)@10.0.0.3:5051'}}}"),
	    CLUSTER_CHANGED);
	axfr = axfr_view(c);
	assert_true(has_record(axfr, "web.marathon.mesos.", "10.0.0.3"));
	free(axfr);
	/* Removing an agent the model does not know is harmless. */
	apply(c,
	    "{'type':'AGENT_REMOVED','agent_removed':{'agent_id':"
	    "{'value':'S-none'}}}");
	cluster_free(c);
}

/* FRAMEWORK_ADDED/UPDATED ask for a poll (only a poll has the pid);
 * FRAMEWORK_REMOVED takes its tasks with it; tasks of a framework the
 * model has not seen wait for it. */
static void
test_frameworks(void **state)
{
	struct cluster *c = load_q(state_a);
	char *axfr;

	(void)state;
	/* A task of a framework not seen yet: kept but not shown. */
	expect_change(apply(c,
			  EV_TASK_ADDED_STAGING("b.1", "broker", "F3", "S1",
			      "")),
	    CLUSTER_UNKNOWN);
	expect_change(apply(c,
			  EV_UPDATE("b.1", "F3", "TASK_RUNNING",
			      ",'timestamp':3")),
	    CLUSTER_CHANGED);
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	expect_change(
	    apply(c,
		"{'type':'FRAMEWORK_ADDED','framework_added':"
		"{'framework':{'framework_info':{'user':'root','name':'kafka',"
		"'id':{'value':'F3'},'hostname':'10.0.0.7','roles':['*']},"
		"'active':true,'connected':true,'recovered':false}}}"),
	    CLUSTER_NEEDS_POLL);
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    "F F3 kafka host=10.0.0.7 pid=-\n"
	    " T b.1 broker @S1 R ports=-\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	axfr = axfr_view(c);
	assert_true(has_record(axfr, "broker.kafka.mesos.", "10.0.0.3"));
	/* No pid: the hostname's A record only (the original's rule). */
	assert_true(has_record(axfr, "kafka.mesos.", "10.0.0.7"));
	free(axfr);

	/* FRAMEWORK_UPDATED renames; the pid of the last poll stays. */
	expect_change(
	    apply(c,
		"{'type':'FRAMEWORK_UPDATED',"
		"'framework_updated':{'framework':{'framework_info':{'name':"
		"'marathon-2','id':{'value':'F1'},'hostname':'10.0.0.2'}}}}"),
	    CLUSTER_NEEDS_POLL);
	expect_view(c,
	    "F F1 marathon-2 host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    "F F3 kafka host=10.0.0.7 pid=-\n"
	    " T b.1 broker @S1 R ports=-\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	axfr = axfr_view(c);
	assert_true(has_name(axfr, "web.marathon-2.mesos."));
	assert_false(has_name(axfr, "web.marathon.mesos."));
	free(axfr);

	expect_change(apply(c,
			  "{'type':'FRAMEWORK_REMOVED',"
			  "'framework_removed':{'framework_info':{'name':'marathon-2','id':"
			  "{'value':'F1'}}}}"),
	    CLUSTER_CHANGED);
	expect_view(c,
	    "F F3 kafka host=10.0.0.7 pid=-\n"
	    " T b.1 broker @S1 R ports=-\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	assert_int_equal(cluster_running_tasks(c), 1);
	/* A task update for the removed framework is unknown. */
	expect_change(apply(c,
			  EV_UPDATE("web.1", "F1", "TASK_RUNNING",
			      ",'timestamp':300")),
	    CLUSTER_UNKNOWN);
	cluster_free(c);
}

/* The latest TASK_RUNNING status (by timestamp, first on ties) gives the
 * addresses, whatever order the statuses arrive in. */
static void
test_latest_running_status_wins(void **state)
{
	struct cluster *c = load_q(state_a);

	(void)state;
	apply(c, EV_TASK_ADDED_STAGING("t.1", "t", "F1", "S1", ""));
	apply(c,
	    EV_UPDATE("t.1", "F1", "TASK_RUNNING",
		",'timestamp':300" NETINFO("10.3.0.0")));
	apply(c,
	    EV_UPDATE("t.1", "F1", "TASK_RUNNING",
		",'timestamp':250" NETINFO("10.2.5.0")));
	apply(c,
	    EV_UPDATE("t.1", "F1", "TASK_RUNNING",
		",'timestamp':300" NETINFO("10.3.0.1")));
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    " T t.1 t @S1 R ports=- ni=10.3.0.0\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	/* A newer one wins. */
	apply(c,
	    EV_UPDATE("t.1", "F1", "TASK_RUNNING",
		",'timestamp':301" NETINFO("10.3.0.2")));
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    " T t.1 t @S1 R ports=- ni=10.3.0.2\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	/* TASK_ADDED with full statuses (after a failover), out of order. */
	apply(c,
	    "{'type':'TASK_ADDED','task_added':{'task':{'name':'u',"
	    "'task_id':{'value':'u.1'},'framework_id':{'value':'F1'},"
	    "'agent_id':{'value':'S1'},'state':'TASK_RUNNING','statuses':["
	    "{'state':'TASK_RUNNING','timestamp':20" NETINFO(
		"10.4.0.20") "},"
			     "{'state':'TASK_RUNNING','timestamp':10" NETINFO(
				 "10.4.0.10") "},"
					      "{'state':'TASK_STAGING','timestamp':30" NETINFO(
						  "10.4.0.30") "}]}}}");
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    " T t.1 t @S1 R ports=- ni=10.3.0.2\n"
	    " T u.1 u @S1 R ports=- ni=10.4.0.20\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	/* `state` is trusted over `status.state`: running with a status that
	 * is not yet RUNNING keeps the old addresses. */
	apply(c,
	    "{'type':'TASK_UPDATED','task_updated':{'framework_id':"
	    "{'value':'F1'},'status':{'task_id':{'value':'u.1'},'state':"
	    "'TASK_STARTING','timestamp':40" NETINFO(
		"10.4.0.40") "},'state':"
			     "'TASK_RUNNING'}}");
	expect_view(c,
	    "F F1 marathon host=10.0.0.2 pid=scheduler-1@10.0.0.2:8080\n"
	    " T web.1 web @S1 R ports=[31000-31000]\n"
	    " T t.1 t @S1 R ports=- ni=10.3.0.2\n"
	    " T u.1 u @S1 R ports=- ni=10.4.0.20\n"
	    "S S1 slave(1)@10.0.0.3:5051\n");
	cluster_free(c);
}

/* The same rule across a poll: the model loaded from a state whose latest
 * RUNNING status is newer than an event replayed on top of it (refresh.c
 * replays the events received while the poll was in flight). */
static void
test_latest_status_survives_replay(void **state)
{
	static const char *const st = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.3") "],"
			"'frameworks':[{'id':'F1','name':'marathon','hostname':'10.0.0.2',"
			"'pid':'scheduler-1@10.0.0.2:8080','tasks':[{'id':'t.1','name':"
			"'t','framework_id':'F1','slave_id':'S1','state':'TASK_RUNNING',"
			"'statuses':[{'state':'TASK_RUNNING','timestamp':300,"
			"'container_status':{'network_infos':[{'ip_addresses':"
			"[{'ip_address':'10.3.0.0'}]}]}}]}]}]}";
	struct cluster *c = load_q(st);
	char *view;

	(void)state;
	/* An older RUNNING status, replayed after the load. */
	apply(c,
	    EV_UPDATE("t.1", "F1", "TASK_RUNNING",
		",'timestamp':250" NETINFO("10.2.5.0")));
	view = dump_view(c);
	if (strstr(view, "ni=10.3.0.0") == NULL)
		fail_msg("an older status replaced the polled one:\n%s", view);
	free(view);
	/* A newer one still wins. */
	apply(c,
	    EV_UPDATE("t.1", "F1", "TASK_RUNNING",
		",'timestamp':301" NETINFO("10.3.0.1")));
	view = dump_view(c);
	if (strstr(view, "ni=10.3.0.1") == NULL)
		fail_msg("a newer status did not win:\n%s", view);
	free(view);
	cluster_free(c);
}

/* A task with a field of the wrong type is dropped alone; hostile event
 * shapes never crash and change nothing. */
static void
test_malformed(void **state)
{
	static const char *const hostile[] = {
		"{}",
		"[]",
		"1",
		"null",
		"{'type':1}",
		"{'type':'TASK_ADDED'}",
		"{'type':'TASK_ADDED','task_added':[]}",
		"{'type':'TASK_ADDED','task_added':{'task':null}}",
		"{'type':'TASK_ADDED','task_added':{'task':{'name':'x'}}}",
		"{'type':'TASK_ADDED','task_added':{'task':{'name':'x','task_id':"
		"'x.1','framework_id':{'value':'F1'},'state':'TASK_RUNNING'}}}",
		"{'type':'TASK_ADDED','task_added':{'task':{'name':'x','task_id':"
		"{'value':'x.1'},'framework_id':{'value':'F1'},'state':7}}}",
		"{'type':'TASK_ADDED','task_added':{'task':{'name':'x','task_id':"
		"{'value':'x.1'},'framework_id':{'value':'F1'},'state':"
		"'TASK_RUNNING','statuses':{},'resources':7,'discovery':"
		"{'name':5,'ports':{'ports':[1,{'number':'x'}]}}}}}",
		"{'type':'TASK_ADDED','task_added':{'task':{'name':'y','task_id':"
		"{'value':'y.1'},'framework_id':{'value':'F1'},'state':"
		"'TASK_RUNNING','statuses':[1,{'state':'TASK_RUNNING',"
		"'timestamp':'soon','labels':5,'container_status':{"
		"'network_infos':[{'ip_addresses':[{'ip_address':7},5]}]}}],"
		"'resources':[{'name':'ports','type':'RANGES','ranges':{"
		"'range':[{'begin':'a','end':2},{'begin':1.5,'end':3},7]}}]}}}",
		"{'type':'TASK_UPDATED'}",
		"{'type':'TASK_UPDATED','task_updated':{'framework_id':"
		"{'value':'F1'},'status':{'task_id':{'value':'web.1'}}}}",
		"{'type':'TASK_UPDATED','task_updated':{'framework_id':"
		"{'value':'F1'},'status':{'task_id':{'value':'web.1'},"
		"'state':'TASK_RUNNING','timestamp':'x','container_status':7},"
		"'state':'TASK_RUNNING'}}",
		"{'type':'AGENT_ADDED','agent_added':{'agent':{'agent_info':"
		"{'hostname':5,'port':'x','id':{'value':'S9'}},'pid':7}}}",
		"{'type':'AGENT_ADDED','agent_added':{}}",
		"{'type':'AGENT_REMOVED','agent_removed':{'agent_id':5}}",
		"{'type':'FRAMEWORK_ADDED','framework_added':{'framework':5}}",
		"{'type':'FRAMEWORK_UPDATED','framework_updated':{}}",
		"{'type':'FRAMEWORK_REMOVED','framework_removed':{"
		"'framework_info':{'id':7}}}",
		"{'type':'HEARTBEAT'}",
		"{'type':'SOMETHING_NEW','something_new':{'x':1}}",
	};
	struct cluster *c = load_q(state_a);
	char *before = dump_view(c), *axfr;

	(void)state;
	/* The task named with a number: ignored, the model unchanged. */
	expect_change(
	    apply(c,
		"{'type':'TASK_ADDED','task_added':{'task':"
		"{'name':42,'task_id':{'value':'n.1'},'framework_id':{'value':"
		"'F1'},'agent_id':{'value':'S1'},'state':'TASK_RUNNING'}}}"),
	    CLUSTER_UNKNOWN);
	expect_view(c, before);
	free(before);
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
		apply(c, "%s", hostile[i]);
	/* web.1 is still there and still answers. */
	assert_true(cluster_running_tasks(c) >= 1);
	axfr = axfr_view(c);
	assert_true(has_record(axfr, "web.marathon.mesos.", "10.0.0.3"));
	free(axfr);
	/* Unknown event types and heartbeats change nothing. */
	expect_change(apply(c, "{'type':'HEARTBEAT'}"), CLUSTER_NONE);
	expect_change(apply(c, "{'type':'SOMETHING_NEW'}"), CLUSTER_NONE);
	cluster_free(c);
}

/* The view lists frameworks, tasks and agents in insertion order: the
 * poll's order first, then events in arrival order; a replaced task or
 * agent keeps its place, a removed and re-added one goes last. */
static void
test_view_order(void **state)
{
	static const char *const st = "{" LEADER "'slaves':[" AGENT("S2",
	    "10.0.0.4") "," AGENT("S1",
	    "10.0.0.3") "],'frameworks':["
			"{'id':'F2','name':'b','hostname':'10.0.0.2','tasks':[" RUNNING_TASK(
			    "z.1", "z", "F2", "S1", "[1-1]",
			    "1") "," RUNNING_TASK("a.1", "a", "F2", "S1",
			    "[2-2]", "1") "," RUNNING_TASK("m.1", "m", "F2",
			    "S2", "[3-3]",
			    "1") "]},"
				 "{'id':'F1','name':'a','hostname':'10.0.0.2','tasks':[" RUNNING_TASK(
				     "k.1", "k", "F1", "S1", "[4-4]",
				     "1") "]}]}";
	struct cluster *c = load_q(st);

	(void)state;
	apply(c, EV_TASK_ADDED_STAGING("c.1", "c", "F2", "S2", ""));
	apply(c, EV_TASK_ADDED_STAGING("b.1", "b", "F2", "S2", ""));
	/* a.1 again (idempotent TASK_ADDED): keeps its place. */
	apply(c,
	    "{'type':'TASK_ADDED','task_added':{'task':{'name':'a2',"
	    "'task_id':{'value':'a.1'},'framework_id':{'value':'F2'},"
	    "'agent_id':{'value':'S1'},'state':'TASK_RUNNING'}}}");
	/* m.1 dies and comes back: last. */
	apply(c, EV_UPDATE("m.1", "F2", "TASK_KILLED", ""));
	apply(c, EV_TASK_ADDED_STAGING("m.1", "m", "F2", "S2", ""));
	apply(c,
	    "{'type':'FRAMEWORK_ADDED','framework_added':{'framework':"
	    "{'framework_info':{'name':'0','id':{'value':'F0'},'hostname':"
	    "'10.0.0.9'}}}}");
	apply(c, EV_TASK_ADDED_STAGING("y.1", "y", "F0", "S1", ""));
	apply(c,
	    "{'type':'AGENT_ADDED','agent_added':{'agent':{'agent_info':"
	    "{'hostname':'10.0.0.1','id':{'value':'S0'}},'pid':"
	    "'slave(1)@10.0.0.1:5051'}}}");
	apply(c,
	    "{'type':'AGENT_ADDED','agent_added':{'agent':{'agent_info':"
	    "{'hostname':'10.0.0.44','id':{'value':'S2'}},'pid':"
	    "'slave(1)@10.0.0.44:5051'}}}");
	expect_view(c,
	    "F F2 b host=10.0.0.2 pid=-\n"
	    " T z.1 z @S1 R ports=[1-1]\n"
	    " T a.1 a2 @S1 R ports=-\n"
	    " T c.1 c @S2 - ports=-\n"
	    " T b.1 b @S2 - ports=-\n"
	    " T m.1 m @S2 - ports=-\n"
	    "F F1 a host=10.0.0.2 pid=-\n"
	    " T k.1 k @S1 R ports=[4-4]\n"
	    "F F0 0 host=10.0.0.9 pid=-\n"
	    " T y.1 y @S1 - ports=-\n"
	    "S S2 slave(1)@10.0.0.44:5051\n"
	    "S S1 slave(1)@10.0.0.3:5051\n"
	    "S S0 slave(1)@10.0.0.1:5051\n");
	cluster_free(c);
}

/* The view is a copy: changing the model afterwards leaves it intact. */
static void
test_view_is_a_copy(void **state)
{
	struct cluster *c = load_q(state_a);
	struct mesos_state *v = cluster_view(c);
	char *before = dump(v), *after;

	(void)state;
	apply(c, EV_UPDATE("web.1", "F1", "TASK_KILLED", ""));
	apply(c,
	    "{'type':'AGENT_REMOVED','agent_removed':{'agent_id':"
	    "{'value':'S1'}}}");
	apply(c,
	    "{'type':'FRAMEWORK_REMOVED','framework_removed':"
	    "{'framework_info':{'id':{'value':'F1'}}}}");
	after = dump(v);
	assert_string_equal(before, after);
	free(before);
	free(after);
	mesos_state_free(v);
	cluster_free(c);
}

/* The apps ("fname\x01label") an event touches, for partial rebuilds:
 * a task event names its app (old and new when a TASK_ADDED renames a
 * task); agent and framework events, and tasks of unknown frameworks,
 * may touch any name (-1).  A view of some apps holds only their tasks;
 * a borrowed view shows the same as a copied one. */
static void
test_event_apps_and_partial_views(void **state)
{
	static const char *const st = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.3") "],"
			"'frameworks':[{'id':'F1','name':'Mara_thon','hostname':'10.0.0.2',"
			"'tasks':[" RUNNING_TASK("web.1", "web", "F1", "S1",
			    "[1-1]", "1") "," RUNNING_TASK("db.1", "DB_main",
			    "F1", "S1", "[2-2]",
			    "1") ","
				 "{'id':'d.1','name':'x','framework_id':'F1','slave_id':'S1','state':"
				 "'TASK_RUNNING','discovery':{'visibility':'FRAMEWORK','name':'Disc'}}"
				 "]}]}";
	struct cluster *c = load_q(st);
	struct mesos_state *v, *b;
	char **apps = NULL, *d1, *d2, err[256];
	size_t n = 0;
	yajl_val ev;
	char *json;

	(void)state;
#define EVENT_APPS(text, want_rc) \
	do { \
		json = dq(text); \
		ev = yajl_tree_parse(json, err, sizeof err); \
		assert_non_null(ev); \
		assert_int_equal(cluster_event_apps(c, ev, &apps, &n), \
		    (want_rc)); \
		yajl_tree_free(ev); \
		free(json); \
	} while (0)
#define FREE_APPS() \
	do { \
		for (size_t i_ = 0; i_ < n; i_++) \
			free(apps[i_]); \
		free(apps); \
		apps = NULL; \
		n = 0; \
	} while (0)
	EVENT_APPS(EV_TASK_ADDED_STAGING("new.1", "New_App", "F1", "S1", ""),
	    0);
	assert_int_equal(n, 1);
	assert_string_equal(apps[0],
	    "mara-thon\x01"
	    "new-app");
	FREE_APPS();
	/* A TASK_ADDED that renames db.1: the old app and the new one. */
	EVENT_APPS(EV_TASK_ADDED_STAGING("db.1", "other", "F1", "S1", ""), 0);
	assert_int_equal(n, 2);
	assert_true((strcmp(apps[0],
			 "mara-thon\x01"
			 "other") == 0 &&
			strcmp(apps[1],
			    "mara-thon\x01"
			    "db-main") == 0) ||
	    (strcmp(apps[1],
		 "mara-thon\x01"
		 "other") == 0 &&
		strcmp(apps[0],
		    "mara-thon\x01"
		    "db-main") == 0));
	FREE_APPS();
	/* The DiscoveryInfo name is the app. */
	EVENT_APPS(EV_UPDATE("d.1", "F1", "TASK_KILLED", ""), 0);
	assert_int_equal(n, 1);
	assert_string_equal(apps[0],
	    "mara-thon\x01"
	    "disc");
	FREE_APPS();
	EVENT_APPS(EV_UPDATE("ghost.1", "F1", "TASK_RUNNING", ""), 0);
	assert_int_equal(n, 0);
	FREE_APPS();
	EVENT_APPS(EV_TASK_ADDED_STAGING("z.1", "z", "F-unknown", "S1", ""),
	    -1);
	FREE_APPS();
	EVENT_APPS("{'type':'AGENT_REMOVED','agent_removed':{'agent_id':"
		   "{'value':'S1'}}}",
	    -1);
	FREE_APPS();
	EVENT_APPS(
	    "{'type':'FRAMEWORK_UPDATED','framework_updated':{"
	    "'framework':{'framework_info':{'id':{'value':'F1'},'name':'n'}}}}",
	    -1);
	FREE_APPS();
	EVENT_APPS("{'type':'HEARTBEAT'}", 0);
	assert_int_equal(n, 0);
	FREE_APPS();
#undef EVENT_APPS
#undef FREE_APPS

	/* A view of one app: its tasks only, every agent. */
	{
		char *one[] = { (char *)"mara-thon\x01"
					"db-main" };

		v = cluster_view_apps(c, one, 1);
		assert_non_null(v);
		d1 = dump(v);
		assert_string_equal(d1,
		    "F F1 Mara_thon host=10.0.0.2 pid=-\n"
		    " T db.1 DB_main @S1 R ports=[2-2]\n"
		    "S S1 slave(1)@10.0.0.3:5051\n");
		free(d1);
		mesos_state_free(v);
	}
	/* Several apps, one by its DiscoveryInfo name, one of a framework
	 * that does not exist: the wanted tasks in state order. */
	{
		char *some[] = { (char *)"mara-thon\x01"
					 "disc",
			(char *)"other\x01"
				"db-main",
			(char *)"mara-thon\x01"
				"web",
			(char *)"mara-thon" };

		v = cluster_view_apps(c, some, 4);
		assert_non_null(v);
		d1 = dump(v);
		assert_string_equal(d1,
		    "F F1 Mara_thon host=10.0.0.2 pid=-\n"
		    " T web.1 web @S1 R ports=[1-1]\n"
		    " T d.1 x @S1 R ports=- di=Disc()\n"
		    "S S1 slave(1)@10.0.0.3:5051\n");
		free(d1);
		mesos_state_free(v);
	}
	/* Borrowed and copied views agree. */
	v = cluster_view(c);
	b = cluster_view_borrowed(c, NULL, 0);
	assert_non_null(v);
	assert_non_null(b);
	d1 = dump(v);
	d2 = dump(b);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	mesos_state_free(v);
	mesos_state_free(b);
	cluster_free(c);
}

/* The borrowed view of one app, in dump's form (malloc'ed). */
static char *
app_view_dump(struct cluster *c, char *app)
{
	char *apps[] = { app }, *d;
	struct mesos_state *v = cluster_view_borrowed(c, apps, 1);

	assert_non_null(v);
	d = dump(v);
	mesos_state_free(v);
	return d;
}

/* The borrowed view of one app is `want` (dump's form). */
static void
assert_app_view(struct cluster *c, char *app, const char *want)
{
	char *d = app_view_dump(c, app);

	assert_string_equal(d, want);
	free(d);
}

/* Two running tasks of marathon on S1: n.1 named `n1_name`, and web.1. */
#define TWO_TASKS(n1_name) \
	"{" LEADER "'slaves':[" AGENT("S1", \
	    "10.0.0.3") "]," \
			"'frameworks':[{'id':'F1','name':'marathon','hostname':'10.0.0.2'," \
			"'tasks':[" RUNNING_TASK("n.1", n1_name, "F1", "S1", \
			    "[1-1]", "1") "," RUNNING_TASK("web.1", "web", \
			    "F1", "S1", "[2-2]", "1") "]}]}"

/* An app's view after new label rules (a reload's EnforceRFC952) finds
 * its tasks by their labels under the new rules, not by the labels an
 * earlier view noted under the old ones. */
static void
test_partial_view_after_new_label_rules(void **state)
{
	static const char *const n1 = "F F1 marathon host=10.0.0.2 pid=-\n"
				      " T n.1 9lives @S1 R ports=[1-1]\n"
				      "S S1 slave(1)@10.0.0.3:5051\n";
	struct cluster *c = load_q(TWO_TASKS("9lives"));

	(void)state;
	/* The second view rules tasks out by what the first noted. */
	assert_app_view(c,
	    "marathon\x01"
	    "9lives",
	    n1);
	assert_app_view(c,
	    "marathon\x01"
	    "9lives",
	    n1);
	cluster_set_naming(c, appkey_naming(true));
	assert_app_view(c,
	    "marathon\x01"
	    "lives",
	    n1);
	assert_app_view(c,
	    "marathon\x01"
	    "9lives",
	    "F F1 marathon host=10.0.0.2 pid=-\n");
	cluster_free(c);
}

/* An app's view after its tasks were noted by an earlier view finds a
 * task renamed since (a TASK_ADDED for its id) under its new app only,
 * and tasks added since, past a growth of the framework's task map. */
static void
test_partial_view_after_renames_and_growth(void **state)
{
	static const char *const web = "F F1 marathon host=10.0.0.2 pid=-\n"
				       " T web.1 web @S1 R ports=[2-2]\n"
				       "S S1 slave(1)@10.0.0.3:5051\n";
	static const char *const none = "F F1 marathon host=10.0.0.2 pid=-\n";
	struct cluster *c = load_q(TWO_TASKS("nine"));
	char *d;

	(void)state;
	assert_app_view(c,
	    "marathon\x01"
	    "web",
	    web);
	assert_app_view(c,
	    "marathon\x01"
	    "renamed",
	    none);
	apply(c, EV_TASK_ADDED_STAGING("n.1", "renamed", "F1", "S1", ""));
	assert_app_view(c,
	    "marathon\x01"
	    "nine",
	    none);
	d = app_view_dump(c,
	    "marathon\x01"
	    "renamed");
	assert_non_null(strstr(d, " T n.1 renamed "));
	free(d);
	for (int i = 0; i < 300; i++)
		apply(c,
		    "{'type':'TASK_ADDED','task_added':{'task':{'name':'grow%d',"
		    "'task_id':{'value':'g.%d'},'framework_id':{'value':'F1'},"
		    "'agent_id':{'value':'S1'},'state':'TASK_STAGING'}}}",
		    i, i);
	assert_app_view(c,
	    "marathon\x01"
	    "web",
	    web);
	d = app_view_dump(c,
	    "marathon\x01"
	    "grow277");
	assert_non_null(strstr(d, " T g.277 grow277 "));
	assert_null(strstr(d, " T g.27 "));
	free(d);
	cluster_free(c);
}

/* A view of some apps lists only the agents their tasks run on (each
 * entry of a repeated agent id, in state order), borrowed or copied: an
 * overlay's records need no other agent. */
static void
test_partial_view_lists_only_used_agents(void **state)
{
	static const char *const st = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.1") "," AGENT("S2", "10.0.0.2") "," AGENT("S3",
	    "10.0.0.3") "," AGENT("S2",
	    "10.0.0.22") "],"
			 "'frameworks':[{'id':'F1','name':'m','hostname':'h',"
			 "'tasks':[" RUNNING_TASK("a.1", "a", "F1", "S3",
			     "[1-1]", "1") "," RUNNING_TASK("b.1", "b", "F1",
			     "S2", "[2-2]", "1") "," RUNNING_TASK("a.2", "a",
			     "F1", "S1", "[3-3]", "1") "," RUNNING_TASK("a.3",
			     "a", "F1", "S3", "[4-4]", "1") "]}]}";
	struct cluster *c = load_q(st);
	char *a[] = { (char *)"m\x01"
			      "a" },
	     *b[] = { (char *)"m\x01"
			      "b" },
	     *none[] = { (char *)"m\x01"
				 "gone" };
	struct mesos_state *v;
	char *d1, *d2;

	(void)state;
	v = cluster_view_apps(c, a, 1);
	assert_non_null(v);
	d1 = dump(v);
	assert_string_equal(d1,
	    "F F1 m host=h pid=-\n"
	    " T a.1 a @S3 R ports=[1-1]\n"
	    " T a.2 a @S1 R ports=[3-3]\n"
	    " T a.3 a @S3 R ports=[4-4]\n"
	    "S S1 slave(1)@10.0.0.1:5051\n"
	    "S S3 slave(1)@10.0.0.3:5051\n");
	mesos_state_free(v);
	v = cluster_view_borrowed(c, a, 1);
	assert_non_null(v);
	d2 = dump(v);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	mesos_state_free(v);
	/* Both entries of the repeated id, in their order. */
	v = cluster_view_borrowed(c, b, 1);
	assert_non_null(v);
	d1 = dump(v);
	assert_string_equal(d1,
	    "F F1 m host=h pid=-\n"
	    " T b.1 b @S2 R ports=[2-2]\n"
	    "S S2 slave(1)@10.0.0.2:5051\n"
	    "S S2 slave(1)@10.0.0.22:5051\n");
	free(d1);
	mesos_state_free(v);
	v = cluster_view_borrowed(c, none, 1);
	assert_non_null(v);
	d1 = dump(v);
	assert_string_equal(d1, "F F1 m host=h pid=-\n");
	free(d1);
	mesos_state_free(v);
	cluster_free(c);

	/* A repeated id too long for a short key buffer: both entries. */
	{
		char id[601], *json, *want;
		size_t len;

		memset(id, 'x', 600);
		id[600] = '\0';
		len = strlen(id) * 4 + 1024;
		json = malloc(len);
		want = malloc(len);
		assert_non_null(json);
		assert_non_null(want);
		snprintf(json, len,
		    "{" LEADER
		    "'slaves':[" AGENT("%s", "10.0.0.1") "," AGENT("%s",
			"10.0.0.2") "],'frameworks':[{'id':'F1','name':"
				    "'m','hostname':'h','tasks':[" RUNNING_TASK(
					"b.1", "b", "F1", "%s", "[2-2]",
					"1") "]}]}",
		    id, id, id);
		c = load_q(json);
		v = cluster_view_borrowed(c, b, 1);
		assert_non_null(v);
		d1 = dump(v);
		snprintf(want, len,
		    "F F1 m host=h pid=-\n"
		    " T b.1 b @%s R ports=[2-2]\n"
		    "S %s slave(1)@10.0.0.1:5051\n"
		    "S %s slave(1)@10.0.0.2:5051\n",
		    id, id, id);
		assert_string_equal(d1, want);
		free(d1);
		mesos_state_free(v);
		cluster_free(c);
		free(json);
		free(want);
	}
}

/* ---- events from A to B give B's records --------------------------------- */

/* A launch: TASK_ADDED staging + TASK_UPDATED running, with ports,
 * discovery and Docker/netinfo addresses. */
static void
test_equal_launch(void **state)
{
	static const char *const b = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.3") "],"
			"'frameworks':[{'id':'F1','name':'marathon','hostname':'10.0.0.2',"
			"'pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
			    "web.1", "web", "F1", "S1", "[31000-31000]",
			    "100.0") ",{'id':'api.2','name':'api','framework_id':'F1','slave_id':'S1',"
				     "'state':'TASK_RUNNING','resources':{'cpus':0.5,'ports':"
				     "'[31001-31002, 31010-31010]'},'statuses':[{'state':'TASK_STAGING',"
				     "'timestamp':199},{'state':'TASK_RUNNING','timestamp':200,'labels':"
				     "[{'key':'Docker.NetworkSettings.IPAddress','value':'172.17.0.5'}],"
				     "'container_status':{'network_infos':[{'ip_addresses':"
				     "[{'ip_address':'10.9.9.9'}]}]}}],'discovery':{'visibility':"
				     "'FRAMEWORK','name':'api-d','ports':{'ports':[{'number':8080,"
				     "'name':'http','protocol':'tcp'},{'number':8443,'protocol':'tcp'}"
				     "]}}}]}]}";
	struct cluster *c = load_q(state_a);

	(void)state;
	expect_same_records(c, state_a);
	apply(c,
	    EV_TASK_ADDED_STAGING("api.2", "api", "F1", "S1",
		PORTS_RES(
		    "{'begin':31001,'end':31002},{'begin':31010,'end':31010}") ",'discovery':{'visibility':'FRAMEWORK','name':'api-d','ports':"
									       "{'ports':[{'number':8080,'name':'http','protocol':'tcp'},"
									       "{'number':8443,'protocol':'tcp'}]}}"));
	apply(c, EV_UPDATE("api.2", "F1", "TASK_STARTING", ",'timestamp':199"));
	apply(c,
	    EV_UPDATE("api.2", "F1", "TASK_RUNNING",
		",'timestamp':200,"
		"'labels':{'labels':[{'key':'Docker.NetworkSettings.IPAddress',"
		"'value':'172.17.0.5'}]}" NETINFO("10.9.9.9")));
	expect_same_records(c, b);
	cluster_free(c);
}

/* Kills, a lost agent, a new agent with a new task. */
static void
test_equal_kill_and_agents(void **state)
{
	static const char *const a = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.3") "," AGENT("S2",
	    "10.0.0.4") "],'frameworks':[{'id':'F1','name':'marathon','hostname':"
			"'10.0.0.2','pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
			    "web.1", "web", "F1", "S1", "[31000-31000]",
			    "1") "," RUNNING_TASK("db.1", "db", "F1", "S2",
			    "[31001-31001]", "1") "," RUNNING_TASK("cache.1",
			    "cache", "F1", "S1", "[31002-31002]", "1") "]}]}";
	static const char *const b = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.3") "," AGENT("S3",
	    "10.0.0.5") "],'frameworks':[{'id':'F1','name':'marathon','hostname':"
			"'10.0.0.2','pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
			    "cache.1", "cache", "F1", "S1", "[31002-31002]",
			    "1") "," RUNNING_TASK("q.1", "queue", "F1", "S3",
			    "[31003-31004]", "9") "]}]}";
	struct cluster *c = load_q(a);

	(void)state;
	expect_same_records(c, a);
	apply(c,
	    "{'type':'AGENT_ADDED','agent_added':{'agent':{'agent_info':"
	    "{'hostname':'10.0.0.5','port':5051,'id':{'value':'S3'}},'pid':"
	    "'slave(1)@10.0.0.5:5051'}}}");
	apply(c,
	    EV_TASK_ADDED_STAGING("q.1", "queue", "F1", "S3",
		PORTS_RES("{'begin':31003,'end':31004}")));
	apply(c, EV_UPDATE("q.1", "F1", "TASK_RUNNING", ",'timestamp':9"));
	apply(c, EV_UPDATE("web.1", "F1", "TASK_KILLED", ",'timestamp':10"));
	apply(c,
	    EV_UPDATE("db.1", "F1", "TASK_LOST",
		",'timestamp':10,"
		"'reason':'REASON_AGENT_REMOVED'"));
	apply(c,
	    "{'type':'AGENT_REMOVED','agent_removed':{'agent_id':"
	    "{'value':'S2'}}}");
	expect_same_records(c, b);
	cluster_free(c);
}

/* A framework appears (no pid in v1, so B has none either), one is
 * renamed (its polled pid stays), one is torn down with its tasks. */
static void
test_equal_frameworks(void **state)
{
	static const char *const a = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.3") "],"
			"'frameworks':[{'id':'F1','name':'marathon','hostname':'10.0.0.2',"
			"'pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
			    "web.1", "web", "F1", "S1", "[31000-31000]",
			    "1") "]},{'id':'F2','name':'chronos','hostname':'10.0.0.8','pid':"
				 "'scheduler@10.0.0.8:4400','tasks':[" RUNNING_TASK(
				     "job.1", "job", "F2", "S1",
				     "[31005-31005]", "1") "]}]}";
	static const char *const b = "{" LEADER "'slaves':[" AGENT("S1",
	    "10.0.0.3") "],"
			"'frameworks':[{'id':'F1','name':'marathon-user','hostname':"
			"'10.0.0.2','pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
			    "web.1", "web", "F1", "S1", "[31000-31000]",
			    "1") "]},{'id':'F3','name':'kafka','hostname':'10.0.0.7','tasks':["
				 "{'id':'broker.1','name':'broker','framework_id':'F3','slave_id':"
				 "'S1','state':'TASK_RUNNING','statuses':[{'state':'TASK_RUNNING',"
				 "'timestamp':7,'container_status':{'network_infos':[{"
				 "'ip_addresses':[{'protocol':'IPv6','ip_address':'fd00::1'}]}]}}]"
				 "}]}]}";
	struct cluster *c = load_q(a);

	(void)state;
	expect_change(
	    apply(c,
		"{'type':'FRAMEWORK_ADDED','framework_added':"
		"{'framework':{'framework_info':{'user':'root','name':'kafka',"
		"'id':{'value':'F3'},'hostname':'10.0.0.7'},'active':true}}}"),
	    CLUSTER_NEEDS_POLL);
	expect_change(
	    apply(c,
		"{'type':'FRAMEWORK_UPDATED',"
		"'framework_updated':{'framework':{'framework_info':{'name':"
		"'marathon-user','id':{'value':'F1'},'hostname':'10.0.0.2'}}}}"),
	    CLUSTER_NEEDS_POLL);
	expect_change(
	    apply(c,
		"{'type':'TASK_ADDED','task_added':{'task':"
		"{'name':'broker','task_id':{'value':'broker.1'},'framework_id':"
		"{'value':'F3'},'agent_id':{'value':'S1'},'state':'TASK_RUNNING',"
		"'statuses':[{'task_id':{'value':'broker.1'},'state':"
		"'TASK_RUNNING','timestamp':7,'container_status':{'network_infos':"
		"[{'ip_addresses':[{'protocol':'IPv6','ip_address':'fd00::1'}]}]}}"
		"]}}}"),
	    CLUSTER_CHANGED);
	expect_change(apply(c,
			  EV_UPDATE("job.1", "F2", "TASK_KILLED",
			      ",'reason':'REASON_FRAMEWORK_REMOVED'")),
	    CLUSTER_CHANGED);
	expect_change(
	    apply(c,
		"{'type':'FRAMEWORK_REMOVED','framework_removed'"
		":{'framework_info':{'name':'chronos','id':{'value':'F2'}}}}"),
	    CLUSTER_CHANGED);
	expect_same_records(c, b);
	cluster_free(c);
}

/* Tasks that arrive before their agent (a failover's re-registration),
 * and an agent removed while its task is still listed. */
static void
test_equal_tasks_before_agents(void **state)
{
	static const char *const b = "{" LEADER "'slaves':[" AGENT("S4",
	    "10.0.0.14") "],"
			 "'frameworks':[{'id':'F1','name':'marathon','hostname':'10.0.0.2',"
			 "'pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
			     "web.1", "web", "F1", "S1", "[31000-31000]",
			     "100.0") "," RUNNING_TASK("w2.1", "w2", "F1", "S4",
			     "[31007-31007]", "5") "]}]}";
	struct cluster *c = load_q(state_a);
	char *axfr;

	(void)state;
	apply(c,
	    "{'type':'TASK_ADDED','task_added':{'task':{'name':'w2',"
	    "'task_id':{'value':'w2.1'},'framework_id':{'value':'F1'},"
	    "'agent_id':{'value':'S4'},'state':'TASK_RUNNING'" PORTS_RES(
		"{'begin':31007,'end':31007}") ",'statuses':[{'state':"
					       "'TASK_RUNNING','timestamp':5}]}}}");
	/* No agent yet: no records for it. */
	axfr = axfr_view(c);
	assert_false(has_name(axfr, "w2.marathon.mesos."));
	free(axfr);
	apply(c,
	    "{'type':'AGENT_ADDED','agent_added':{'agent':{'agent_info':"
	    "{'hostname':'10.0.0.14','port':5051,'id':{'value':'S4'}}}}}");
	apply(c,
	    "{'type':'AGENT_REMOVED','agent_removed':{'agent_id':"
	    "{'value':'S1'}}}");
	expect_same_records(c, b);
	cluster_free(c);
}

/* A long run of launches and kills over two frameworks and agents, the
 * result checked against the final state written out by hand. */
static void
test_equal_many_steps(void **state)
{
	struct cluster *c = load_q(state_a);
	struct buf b = { 0 };
	char *final;

	(void)state;
	/* 40 tasks launched on S1, every third one killed, every fifth
	 * restarted with a new address. */
	for (int i = 0; i < 40; i++) {
		char id[32], name[32], ev[2048];

		snprintf(id, sizeof id, "app%d.%d", i % 7, i);
		snprintf(name, sizeof name, "app%d", i % 7);
		snprintf(ev, sizeof ev,
		    EV_TASK_ADDED_STAGING("%s", "%s", "F1", "S1",
			PORTS_RES("{'begin':%d,'end':%d}")),
		    name, id, 32000 + i, 32000 + i);
		apply(c, "%s", ev);
		apply(c,
		    EV_UPDATE("%s", "F1", "TASK_RUNNING",
			",'timestamp':%d" NETINFO("10.20.0.%d")),
		    id, 1000 + i, i);
	}
	for (int i = 0; i < 40; i += 3) {
		char id[32];

		snprintf(id, sizeof id, "app%d.%d", i % 7, i);
		apply(c, EV_UPDATE("%s", "F1", "TASK_FINISHED", ""), id);
	}
	for (int i = 1; i < 40; i += 5) {
		char id[32];

		if (i % 3 == 0)
			continue;
		snprintf(id, sizeof id, "app%d.%d", i % 7, i);
		apply(c,
		    EV_UPDATE("%s", "F1", "TASK_RUNNING",
			",'timestamp':%d" NETINFO("10.30.0.%d")),
		    id, 5000 + i, i);
	}
	buf_puts(&b,
	    "{" LEADER "'slaves':[" AGENT("S1",
		"10.0.0.3") "],"
			    "'frameworks':[{'id':'F1','name':'marathon','hostname':"
			    "'10.0.0.2','pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
				"web.1", "web", "F1", "S1", "[31000-31000]",
				"100.0"));
	for (int i = 0; i < 40; i++) {
		bool restarted = i % 5 == 1 && i % 3 != 0;

		if (i % 3 == 0)
			continue;
		buf_printf(&b,
		    ",{'id':'app%d.%d','name':'app%d','framework_id':"
		    "'F1','slave_id':'S1','state':'TASK_RUNNING','resources':"
		    "{'ports':'[%d-%d]'},'statuses':[{'state':'TASK_RUNNING',"
		    "'timestamp':%d,'container_status':{'network_infos':[{"
		    "'ip_addresses':[{'ip_address':'10.%d.0.%d'}]}]}}]}",
		    i % 7, i, i % 7, 32000 + i, 32000 + i,
		    restarted ? 5000 + i : 1000 + i, restarted ? 30 : 20, i);
	}
	buf_puts(&b, "]}]}");
	buf_putc(&b, '\0');
	final = b.data;
	expect_same_records(c, final);
	buf_free(&b);
	cluster_free(c);
}

/* A poll of a state with odd but valid content gives, through the model,
 * the records the state gives directly (with EventsOn every poll goes
 * through the model, so any difference is a difference from polling). */
static void
test_load_equals_poll_odd_states(void **state)
{
	static const struct {
		const char *what, *state;
	} cases[] = {
		{ "duplicate task ids in one framework (a RUNNING and a KILLED)",
		    "{" LEADER "'slaves':[" AGENT("S1",
			"10.0.0.3") "],"
				    "'frameworks':[{'id':'F1','name':'marathon','hostname':"
				    "'10.0.0.2','pid':'scheduler-1@10.0.0.2:8080','tasks':[" RUNNING_TASK(
					"web.1", "web", "F1", "S1",
					"[31000-31000]",
					"1") ",{'id':'web.1','name':'web','framework_id':'F1','slave_id':"
					     "'S1','state':'TASK_KILLED'}]}]}" },
		{ "two frameworks with the same id",
		    "{" LEADER "'slaves':[" AGENT("S1",
			"10.0.0.3") "],"
				    "'frameworks':[{'id':'F1','name':'marathon','hostname':"
				    "'10.0.0.2','tasks':[" RUNNING_TASK("web.1",
					"web", "F1", "S1", "[31000-31000]",
					"1") "]},{'id':'F1','name':'other','hostname':'10.0.0.9','tasks':[" RUNNING_TASK("db.1",
					"db", "F1", "S1", "[31001-31001]",
					"1") "]}]}" },
		{ "two agents with the same id",
		    "{" LEADER
		    "'slaves':[" AGENT("S1", "10.0.0.3") "," AGENT("S1",
			"10.0.0.4") "],'frameworks':[{'id':'F1','name':"
				    "'marathon','hostname':'10.0.0.2','tasks':[" RUNNING_TASK(
					"web.1", "web", "F1", "S1",
					"[31000-31000]", "1") "]}]}" },
		{ "frameworks without ids",
		    "{" LEADER "'slaves':[" AGENT("S1",
			"10.0.0.3") "],"
				    "'frameworks':[{'name':'x','hostname':'10.0.0.2','tasks':[" RUNNING_TASK(
					"t.1", "t", "", "S1", "[31000-31000]",
					"1") "]},{'name':'y','hostname':'10.0.0.5','tasks':[" RUNNING_TASK("u.1",
					"u", "", "S1", "[31001-31001]",
					"1") "]}]}" },
		{ "a task without ports, a port list without ranges",
		    "{" LEADER "'slaves':[" AGENT("S1",
			"10.0.0.3") "],"
				    "'frameworks':[{'id':'F1','name':'marathon','hostname':"
				    "'10.0.0.2','tasks':[{'id':'n.1','name':'n','framework_id':"
				    "'F1','slave_id':'S1','state':'TASK_RUNNING'}," RUNNING_TASK(
					"e.1", "e", "F1", "S1", "[]",
					"1") "]}]}" },
		{ "a framework whose pid is not a string, one without name",
		    "{" LEADER "'slaves':[" AGENT("S1",
			"10.0.0.3") "],"
				    "'frameworks':[{'id':'F1','name':'marathon','hostname':"
				    "'10.0.0.2','pid':5,'tasks':[" RUNNING_TASK(
					"web.1", "web", "F1", "S1",
					"[31000-31000]",
					"1") "]},{'id':'F2','hostname':'10.0.0.6','tasks':[" RUNNING_TASK("x.1",
					"x", "F2", "S1", "[31001-31001]",
					"1") "]}]}" },
		/* A task is one block (key, id, name, ports, DiscoveryInfo
		 * name and ports, addresses): a repeated id keeps its own
		 * copy of each, in the block of each task. */
		{ "a repeated id, each copy with DiscoveryInfo and addresses",
		    "{" LEADER
		    "'slaves':[" AGENT("S1", "10.0.0.3") "," AGENT("S2",
			"10.0.0.4") "],'frameworks':[{'id':'F1','name':"
				    "'marathon','hostname':'10.0.0.2','tasks':["
				    "{'id':'a.1','name':'alpha','framework_id':'F1',"
				    "'slave_id':'S1','state':'TASK_RUNNING','resources':"
				    "{'ports':'[31000-31001]'},'statuses':[{'state':"
				    "'TASK_RUNNING','timestamp':3" NETINFO(
					"10.8.0.1") "}],'discovery':{'visibility':"
						    "'FRAMEWORK','name':'alpha-d','ports':{'ports':["
						    "{'number':80,'protocol':'tcp','name':'http'},"
						    "{'number':53,'protocol':'udp','name':'dns'}]}}},"
						    "{'id':'a.1','name':'beta','framework_id':'F1',"
						    "'slave_id':'S2','state':'TASK_RUNNING','resources':"
						    "{'ports':'[32000-32000]'},'statuses':[{'state':"
						    "'TASK_RUNNING','timestamp':4" NETINFO(
							"10.8.0.2") "}],'discovery':{'visibility':"
								    "'FRAMEWORK','name':'beta-d','ports':{'ports':["
								    "{'number':81,'protocol':'tcp','name':'web'}]}}}"
								    "]}]}" },
		{ "an agent without pid",
		    "{" LEADER "'slaves':[{'id':'S1','hostname':'10.0.0.3'}],"
		    "'frameworks':[{'id':'F1','name':'marathon','hostname':"
		    "'10.0.0.2','tasks':[" RUNNING_TASK("web.1", "web", "F1",
			"S1", "[31000-31000]", "1") "]}]}" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cluster *c = load_q(cases[i].state);
		char *from_model = axfr_view(c);
		char *from_poll = axfr_state(cases[i].state);
		bool same = strcmp(from_model, from_poll) == 0;

		if (!same) {
			fail_msg("%s: records differ\n--- model\n%s\n--- poll\n%s",
			    cases[i].what, from_model, from_poll);
		}
		free(from_model);
		free(from_poll);
		cluster_free(c);
	}
}

/* A task's health follows the latest status of TASK_UPDATED events, and
 * a health flip of a running task asks for a rebuild. */
static void
test_health_follows_events(void **state)
{
	struct cluster *c = load_q(state_a);
	struct mesos_state *v;

	(void)state;
	v = cluster_view(c);
	assert_int_equal(v->frameworks->tasks->health, TASK_HEALTH_UNKNOWN);
	mesos_state_free(v);
	expect_change(apply(c,
			  EV_UPDATE("web.1", "F1", "TASK_RUNNING",
			      ",'timestamp':200,'healthy':false")),
	    CLUSTER_CHANGED);
	v = cluster_view(c);
	assert_int_equal(v->frameworks->tasks->health, TASK_HEALTH_BAD);
	mesos_state_free(v);
	/* an older status does not undo it */
	apply(c,
	    EV_UPDATE("web.1", "F1", "TASK_RUNNING",
		",'timestamp':150,'healthy':true"));
	v = cluster_view(c);
	assert_int_equal(v->frameworks->tasks->health, TASK_HEALTH_BAD);
	mesos_state_free(v);
	expect_change(apply(c,
			  EV_UPDATE("web.1", "F1", "TASK_RUNNING",
			      ",'timestamp':300,'healthy':true")),
	    CLUSTER_CHANGED);
	v = cluster_view(c);
	assert_int_equal(v->frameworks->tasks->health, TASK_HEALTH_OK);
	mesos_state_free(v);
	cluster_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_and_view, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_task_added_then_running,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_terminal_removes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_update_unknown_task, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_agents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frameworks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_latest_running_status_wins,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_status_survives_replay,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_view_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_view_is_a_copy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_event_apps_and_partial_views,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_partial_view_after_new_label_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_partial_view_after_renames_and_growth, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_partial_view_lists_only_used_agents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equal_launch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_equal_kill_and_agents,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_equal_frameworks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_equal_tasks_before_agents,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_equal_many_steps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_equals_poll_odd_states,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_follows_events,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
