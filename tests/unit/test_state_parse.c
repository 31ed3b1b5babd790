/* test_state_parse.c -- the streaming /master/state parser (spec/state.md):
 * what it keeps of a state, Go decoding rules (key case, duplicates),
 * the latest-running-status choice, IP candidates of every source,
 * DiscoveryInfo, skipping of malformed tasks, agents and frameworks,
 * JSON errors with their byte offset, and hostile input.
 *
 * Most checks compare a textual dump of the parsed model, so that one
 * string shows everything the parser kept and a mismatch reads plainly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/parse.h"
#include "util/buf.h"
#include "util/ipaddr.h"
#include "xfail.h"

/* ---- helpers ------------------------------------------------------------ */

static void
put_bytes(struct buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, (char)c);
	}
}

static void
put_str(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "NULL");
	else
		put_bytes(b, s, strlen(s));
}

static void
put_ips(struct buf *b, const char *tag, const struct ipaddr *ips, size_t n)
{
	buf_printf(b, " %s=[", tag);
	for (size_t i = 0; i < n; i++) {
		char text[IPADDR_STRLEN];

		ipaddr_format(&ips[i], text);
		buf_printf(b, "%s%s", i ? "," : "", text);
	}
	buf_putc(b, ']');
}

/* Everything the model holds, one line per entity, NUL-terminated. */
static char *
dump(const struct mesos_state *s)
{
	struct buf b = { 0 };

	buf_puts(&b, "leader=");
	put_str(&b, s->leader);
	buf_printf(&b, " frameworks=%u slaves=%u tasks=%u skipped=%u\n",
	    s->n_frameworks, s->n_slaves, s->n_tasks, s->n_skipped);
	for (const struct mesos_framework *f = s->frameworks; f; f = f->next) {
		buf_puts(&b, "F name=");
		put_bytes(&b, f->name, f->name_len);
		buf_puts(&b, " hostname=");
		put_str(&b, f->hostname);
		buf_puts(&b, " pid=");
		put_str(&b, f->pid);
		buf_printf(&b, "%s%s tasks=%u\n", f->pid_bad ? " PIDBAD" : "",
		    f->invalid ? " INVALID" : "", f->n_tasks);
		for (const struct mesos_task *t = f->tasks; t; t = t->next) {
			buf_puts(&b, " T id=");
			put_bytes(&b, t->id, t->id_len);
			buf_puts(&b, " name=");
			put_bytes(&b, t->name, t->name_len);
			buf_puts(&b, " slave=");
			put_str(&b, t->slave_id);
			buf_puts(&b, " ports=");
			put_str(&b, t->ports);
			buf_printf(&b, "%s%s", t->running ? "" : " NOTRUNNING",
			    t->invalid ? " INVALID" : "");
			put_ips(&b, "netinfo", t->ips[TIP_NETINFO],
			    t->n_ips[TIP_NETINFO]);
			put_ips(&b, "mesos", t->ips[TIP_MESOS],
			    t->n_ips[TIP_MESOS]);
			put_ips(&b, "docker", t->ips[TIP_DOCKER],
			    t->n_ips[TIP_DOCKER]);
			if (t->di_name != NULL) {
				buf_puts(&b, " di=");
				put_bytes(&b, t->di_name, t->di_name_len);
				buf_puts(&b, " diports=[");
				for (const struct di_port *p = t->di_ports; p;
				     p = p->next) {
					buf_printf(&b, "%lld/",
					    (long long)p->number);
					put_str(&b, p->protocol);
					buf_putc(&b, '/');
					put_str(&b, p->name);
					if (p->next)
						buf_putc(&b, ',');
				}
				buf_putc(&b, ']');
			}
			buf_putc(&b, '\n');
		}
	}
	for (const struct mesos_slave *sl = s->slaves; sl; sl = sl->next) {
		buf_puts(&b, "S id=");
		put_str(&b, sl->id);
		buf_puts(&b, " pid=");
		put_str(&b, sl->pid);
		buf_printf(&b, "%s%s\n", sl->pid_bad ? " PIDBAD" : "",
		    sl->invalid ? " INVALID" : "");
	}
	for (uint32_t i = 0; i < s->n_reasons; i++) {
		buf_puts(&b, "R ");
		put_str(&b, s->reasons[i]);
		buf_putc(&b, '\n');
	}
	buf_putc(&b, '\0');
	assert_false(b.failed);
	return b.data;
}

/* Parses in one call; the state must be accepted. */
static struct mesos_state *
parse_ok(const char *json, size_t len)
{
	char err[512] = "";
	struct mesos_state *s = state_parse(json, len, err, sizeof err);

	if (s == NULL)
		print_error("state refused: %s\n", err);
	assert_non_null(s);
	return s;
}

/* Feeds json in pieces of `step` bytes (0: pseudo-random sizes). */
static struct mesos_state *
parse_pieces(const char *json, size_t len, size_t step, char *err,
    size_t errlen)
{
	struct state_parser *p = state_parser_new();
	struct mesos_state *s = NULL;
	unsigned seed = 12345;
	size_t off = 0;
	int rc = 0;

	assert_non_null(p);
	while (off < len && rc == 0) {
		size_t n = step;

		if (n == 0) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 97;
		}
		if (n > len - off)
			n = len - off;
		rc = state_parser_feed(p, json + off, n);
		off += n;
	}
	if (rc == 0)
		s = state_parser_finish(p);
	if (s == NULL)
		snprintf(err, errlen, "%s", state_parser_error(p));
	state_parser_free(p);
	return s;
}

/* The dump of json parsed in one call equals want. */
static void
expect_dump(const char *json, const char *want)
{
	struct mesos_state *s = parse_ok(json, strlen(json));
	char *d = dump(s);

	if (strcmp(d, want) != 0)
		print_error("for %s\n", json);
	assert_string_equal(d, want);
	free(d);
	mesos_state_free(s);
}

/* json must fail; returns the message (static buffer). */
static const char *
expect_fail(const char *json, size_t len)
{
	static char err[512];
	struct mesos_state *s;

	err[0] = '\0';
	s = state_parse(json, len, err, sizeof err);
	if (s != NULL)
		print_error("accepted: %.*s\n", (int)(len > 200 ? 200 : len),
		    json);
	assert_null(s);
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	return err;
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		print_error("\"%s\" does not contain \"%s\"\n", hay, needle);
	assert_non_null(strstr(hay, needle));
}

/* A state exercising every field the parser reads. */
static const char rich_state[] =
    "{\"leader\":\"master@10.0.0.1:5050\",\"hostname\":\"m1\","
    "\"flags\":{\"a\":[1,2,{\"b\":null}]},\"completed_frameworks\":[{\"name\":"
    "\"old\",\"tasks\":[{\"id\":\"x\"}]}],"
    "\"frameworks\":[{\"name\":\"marathon\",\"hostname\":\"h1\","
    "\"pid\":\"scheduler-1@10.0.0.2:8080\",\"active\":true,\"tasks\":["
    "{\"id\":\"web.1\",\"name\":\"web\",\"framework_id\":\"F1\","
    "\"slave_id\":\"S1-0\",\"state\":\"TASK_RUNNING\",\"resources\":{\"cpus\""
    ":0.5,\"ports\":\"[31000-31001]\"},\"statuses\":[{\"state\":"
    "\"TASK_STAGING\",\"timestamp\":1.0},{\"state\":\"TASK_RUNNING\","
    "\"timestamp\":2.5,\"labels\":[{\"key\":\"Docker.NetworkSettings."
    "IPAddress\",\"value\":\"172.17.0.2\"},{\"key\":\"MesosContainerizer."
    "NetworkSettings.IPAddress\",\"value\":\"10.9.0.1\"},{\"key\":\"other\","
    "\"value\":\"1.1.1.1\"}],\"container_status\":{\"network_infos\":[{"
    "\"ip_addresses\":[{\"ip_address\":\"12.0.0.1\"},{\"protocol\":\"IPv6\","
    "\"ip_address\":\"fd01::1\"}],\"ip_address\":\"9.9.9.9\"},{"
    "\"ip_address\":\"12.0.0.2\"}]}}],\"discovery\":{\"visibility\":"
    "\"FRAMEWORK\",\"name\":\"Web.App\",\"ports\":{\"ports\":[{\"number\":80,"
    "\"protocol\":\"tcp\",\"name\":\"http\"},{\"number\":9000}]}}},"
    "{\"id\":\"dead.1\",\"name\":\"dead\",\"slave_id\":\"S1-0\",\"state\":"
    "\"TASK_KILLED\"}],\"completed_tasks\":[]},"
    "{\"name\":\"nopid\",\"hostname\":\"localhost\",\"tasks\":[]}],"
    "\"slaves\":[{\"id\":\"S1-0\",\"hostname\":\"a1\",\"pid\":"
    "\"slave(1)@10.0.0.3:5051\",\"resources\":{\"ports\":\"[1-2]\"}},"
    "{\"id\":\"S2-1\",\"pid\":\"slave(1)@[2001:db8::3]:5051\"}]}";

static const char rich_dump[] =
    "leader=master@10.0.0.1:5050 frameworks=2 slaves=2 tasks=1 skipped=0\n"
    "F name=marathon hostname=h1 pid=scheduler-1@10.0.0.2:8080 tasks=2\n"
    " T id=web.1 name=web slave=S1-0 ports=[31000-31001] "
    "netinfo=[12.0.0.1,fd01::1,12.0.0.2] mesos=[10.9.0.1] "
    "docker=[172.17.0.2] di=Web.App diports=[80/tcp/http,9000//]\n"
    " T id=dead.1 name=dead slave=S1-0 ports=NULL NOTRUNNING netinfo=[] "
    "mesos=[] docker=[]\n"
    "F name=nopid hostname=localhost pid=NULL tasks=0\n"
    "S id=S1-0 pid=slave(1)@10.0.0.3:5051\n"
    "S id=S2-1 pid=slave(1)@[2001:db8::3]:5051\n";

/* ---- the model ---------------------------------------------------------- */

static void
test_rich_state(void **state)
{
	(void)state;
	expect_dump(rich_state, rich_dump);
}

/* One byte at a time, in odd pieces, and in one call: the same model. */
static void
test_streaming_equals_one_call(void **state)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64, 0 };
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct mesos_state *s = parse_pieces(rich_state,
		    strlen(rich_state), steps[i], err, sizeof err);
		char *d;

		if (s == NULL)
			print_error("step %zu: %s\n", steps[i], err);
		assert_non_null(s);
		d = dump(s);
		assert_string_equal(d, rich_dump);
		free(d);
		mesos_state_free(s);
	}
}

/* The same for errors: the message, and the byte offset it names, do not
 * depend on how the body arrived (curl hands it over in ~16 KiB pieces). */
static void
test_streaming_errors_equal(void **state)
{
	static const char bad[] = "{\"leader\":\"m@1.2.3.4:5\",\"slaves\":[{]}";
	char err1[512], err2[512], err3[512];
	struct mesos_state *s;

	(void)state;
	s = parse_pieces(bad, strlen(bad), 1000, err1, sizeof err1);
	assert_null(s);
	s = parse_pieces(bad, strlen(bad), 1, err2, sizeof err2);
	assert_null(s);
	s = parse_pieces(bad, strlen(bad), 16, err3, sizeof err3);
	assert_null(s);
	assert_contains(err1, "byte");
	assert_contains(err2, "byte");
	assert_contains(err1, "byte 36"); /* 1-based: the ']' */
	assert_true(strcmp(err1, err2) == 0 && strcmp(err1, err3) == 0);
}

static void
test_keys_case_insensitive(void **state)
{
	(void)state;
	expect_dump(
	    "{\"LEADER\":\"master@10.0.0.1:5050\",\"Frameworks\":[{"
	    "\"NAME\":\"fw\",\"Pid\":\"s@10.0.0.2:1\",\"TASKS\":[{\"ID\":\"t1\","
	    "\"Name\":\"web\",\"SLAVE_ID\":\"S1\",\"State\":\"TASK_RUNNING\","
	    "\"Resources\":{\"PORTS\":\"[1-1]\"},\"Statuses\":[{\"STATE\":"
	    "\"TASK_RUNNING\",\"Labels\":[{\"KEY\":\"Docker.NetworkSettings."
	    "IPAddress\",\"VALUE\":\"1.1.1.1\"}],\"Container_Status\":{"
	    "\"Network_Infos\":[{\"IP_Addresses\":[{\"IP_ADDRESS\":\"2.2.2.2\"}]"
	    "}]}}],\"Discovery\":{\"NAME\":\"d\",\"Ports\":{\"PORTS\":[{"
	    "\"Number\":1,\"Protocol\":\"udp\",\"NAME\":\"n\"}]}}}]}],"
	    "\"SLAVES\":[{\"Id\":\"S1\",\"PID\":\"slave(1)@10.0.0.3:5051\"}]}",
	    "leader=master@10.0.0.1:5050 frameworks=1 slaves=1 tasks=1 "
	    "skipped=0\n"
	    "F name=fw hostname= pid=s@10.0.0.2:1 tasks=1\n"
	    " T id=t1 name=web slave=S1 ports=[1-1] netinfo=[2.2.2.2] mesos=[] "
	    "docker=[1.1.1.1] di=d diports=[1/udp/n]\n"
	    "S id=S1 pid=slave(1)@10.0.0.3:5051\n");
	/* Values are not case-folded: the label key and the task state
	 * must match exactly.  Tasks that are not running stay in the model
	 * (the event stream may need them) but do not count as running. */
	expect_dump("{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":[{\"name\":\"f\","
		    "\"tasks\":[{\"id\":\"a\",\"slave_id\":\"S\",\"state\":"
		    "\"task_running\"},{\"id\":\"b\",\"slave_id\":\"S\",\"state\":"
		    "\"TASK_RUNNING\",\"statuses\":[{\"state\":\"TASK_RUNNING\","
		    "\"labels\":[{\"key\":\"docker.networksettings.ipaddress\","
		    "\"value\":\"1.1.1.1\"}]}]}]}]}",
	    "leader=m@1.1.1.1:1 frameworks=1 slaves=0 tasks=1 skipped=0\n"
	    "F name=f hostname= pid=NULL tasks=2\n"
	    " T id=a name= slave=S ports=NULL NOTRUNNING netinfo=[] mesos=[] "
	    "docker=[]\n"
	    " T id=b name= slave=S ports=NULL netinfo=[] mesos=[] docker=[]\n");
}

static void
test_last_duplicate_wins(void **state)
{
	(void)state;
	expect_dump("{\"leader\":\"m@1.1.1.1:1\",\"Leader\":\"m@2.2.2.2:2\","
		    "\"slaves\":[{\"id\":\"A\",\"pid\":\"s@1.1.1.1:1\"}],"
		    "\"frameworks\":[{\"name\":\"one\"}],"
		    "\"frameworks\":[{\"name\":\"two\",\"name\":\"three\",\"tasks\":"
		    "[{\"id\":\"x\",\"slave_id\":\"A\",\"state\":\"TASK_RUNNING\","
		    "\"ID\":\"y\",\"resources\":{\"ports\":\"[1-1]\",\"ports\":"
		    "\"[2-2]\"}}]}],"
		    "\"SLAVES\":[{\"id\":\"B\",\"pid\":\"s@2.2.2.2:2\"}]}",
	    "leader=m@2.2.2.2:2 frameworks=1 slaves=1 tasks=1 skipped=0\n"
	    "F name=three hostname= pid=NULL tasks=1\n"
	    " T id=y name= slave=A ports=[2-2] netinfo=[] mesos=[] docker=[]\n"
	    "S id=B pid=s@2.2.2.2:2\n");
	/* A task whose state turns to running by a later duplicate, and
	 * one that stops running. */
	expect_dump("{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":[{\"name\":\"f\","
		    "\"tasks\":[{\"id\":\"a\",\"state\":\"TASK_KILLED\",\"state\":"
		    "\"TASK_RUNNING\"},{\"id\":\"b\",\"state\":\"TASK_RUNNING\","
		    "\"state\":\"TASK_FINISHED\"}]}]}",
	    "leader=m@1.1.1.1:1 frameworks=1 slaves=0 tasks=1 skipped=0\n"
	    "F name=f hostname= pid=NULL tasks=2\n"
	    " T id=a name= slave= ports=NULL netinfo=[] mesos=[] docker=[]\n"
	    " T id=b name= slave= ports=NULL NOTRUNNING netinfo=[] mesos=[] "
	    "docker=[]\n");
}

/* ---- the latest running status ------------------------------------------- */

/* A state with one running task whose statuses are `statuses`; returns
 * the dump line of its task (the IP lists). */
static char *
task_line(const char *statuses)
{
	char json[4096];
	struct mesos_state *s;
	char *d, *line, *out;

	snprintf(json, sizeof json,
	    "{\"leader\":\"m@1.1.1.1:1\",\"frameworks\""
	    ":[{\"name\":\"f\",\"tasks\":[{\"id\":\"t\",\"slave_id\":\"S\","
	    "\"state\":\"TASK_RUNNING\",\"statuses\":%s}]}]}",
	    statuses);
	s = parse_ok(json, strlen(json));
	d = dump(s);
	line = strstr(d, " netinfo=");
	assert_non_null(line);
	out = strdup(line);
	*strchr(out, '\n') = '\0';
	free(d);
	mesos_state_free(s);
	return out;
}

static void
expect_task_ips(const char *statuses, const char *want)
{
	char *got = task_line(statuses);

	if (strcmp(got, want) != 0)
		print_error("statuses %s\n", statuses);
	assert_string_equal(got, want);
	free(got);
}

#define ST(state, ts, ip) \
	"{\"state\":\"" state "\"" ts ",\"labels\":[{" \
	"\"key\":\"Docker.NetworkSettings.IPAddress\",\"value\":\"" ip "\"}]}"

static void
test_latest_running_status(void **state)
{
	(void)state;
	/* The largest timestamp among TASK_RUNNING statuses. */
	expect_task_ips("[" ST("TASK_RUNNING", ",\"timestamp\":1",
			    "1.0.0.1") "," ST("TASK_RUNNING",
			    ",\"timestamp\":3.25",
			    "1.0.0.3") "," ST("TASK_RUNNING",
			    ",\"timestamp\":2", "1.0.0.2") "," ST("TASK_KILLED",
			    ",\"timestamp\":9", "1.0.0.9") "]",
	    " netinfo=[] mesos=[] docker=[1.0.0.3]");
	/* First one on ties. */
	expect_task_ips("[" ST("TASK_RUNNING", ",\"timestamp\":5",
			    "1.0.0.1") "," ST("TASK_RUNNING",
			    ",\"timestamp\":5.0", "1.0.0.2") "]",
	    " netinfo=[] mesos=[] docker=[1.0.0.1]");
	/* A missing timestamp counts as 0 and still qualifies... */
	expect_task_ips("[" ST("TASK_RUNNING", "", "1.0.0.1") "]",
	    " netinfo=[] mesos=[] docker=[1.0.0.1]");
	/* ...and ties with an explicit 0 (first wins), loses to 0.5. */
	expect_task_ips("[" ST("TASK_RUNNING", "",
			    "1.0.0.1") "," ST("TASK_RUNNING",
			    ",\"timestamp\":0", "1.0.0.2") "]",
	    " netinfo=[] mesos=[] docker=[1.0.0.1]");
	expect_task_ips("[" ST("TASK_RUNNING", "",
			    "1.0.0.1") "," ST("TASK_RUNNING",
			    ",\"timestamp\":0.5", "1.0.0.2") "]",
	    " netinfo=[] mesos=[] docker=[1.0.0.2]");
	/* No running status: no status-based candidates. */
	expect_task_ips("[" ST("TASK_STAGING", ",\"timestamp\":5",
			    "1.0.0.1") "]",
	    " netinfo=[] mesos=[] docker=[]");
	expect_task_ips("[]", " netinfo=[] mesos=[] docker=[]");
	expect_task_ips("null", " netinfo=[] mesos=[] docker=[]");
	/* The timestamp may come after the labels in the object. */
	expect_task_ips("[{\"labels\":[{\"key\":\"Docker.NetworkSettings."
			"IPAddress\",\"value\":\"1.0.0.7\"}],\"state\":\"TASK_RUNNING\","
			"\"timestamp\":7}," ST("TASK_RUNNING",
			    ",\"timestamp\":6", "1.0.0.6") "]",
	    " netinfo=[] mesos=[] docker=[1.0.0.7]");
	/* Labels of several Docker/Mesos keys keep their order; other keys,
	 * null entries and values that are not addresses are ignored. */
	expect_task_ips(
	    "[{\"state\":\"TASK_RUNNING\",\"labels\":[null,"
	    "{\"key\":\"Docker.NetworkSettings.IPAddress\",\"value\":"
	    "\"10.0.0.9\"},{\"key\":\"MesosContainerizer.NetworkSettings."
	    "IPAddress\",\"value\":\"10.0.0.8\"},{\"key\":\"x\",\"value\":"
	    "\"10.0.0.7\"},{\"key\":\"Docker.NetworkSettings.IPAddress\","
	    "\"value\":\"junk\"},{\"value\":\"2001:DB8:0::6\",\"key\":"
	    "\"Docker.NetworkSettings.IPAddress\"},{\"key\":"
	    "\"Docker.NetworkSettings.IPAddress\",\"value\":\"::ffff:10.0.0.5\"}]}]",
	    " netinfo=[] mesos=[10.0.0.8] docker=[10.0.0.9,2001:db8::6,10.0.0.5]");
}

static void
test_netinfo_forms(void **state)
{
	(void)state;
	/* ip_addresses wins over ip_address; empty strings and other
	 * non-addresses are dropped; infos in order. */
	expect_task_ips(
	    "[{\"state\":\"TASK_RUNNING\",\"container_status\":{"
	    "\"network_infos\":[{\"ip_address\":\"9.9.9.9\",\"ip_addresses\":"
	    "[{\"ip_address\":\"1.1.1.1\"},{\"ip_address\":\"\"},{},"
	    "{\"ip_address\":\"fd00::1\"}]},{\"ip_address\":\"2.2.2.2\"},"
	    "{\"ip_addresses\":[],\"ip_address\":\"3.3.3.3\"},"
	    "{\"ip_address\":\"\"}]}}]",
	    " netinfo=[1.1.1.1,fd00::1,2.2.2.2,3.3.3.3] mesos=[] docker=[]");
	/* The Mesos 0.25 form alone. */
	expect_task_ips("[{\"state\":\"TASK_RUNNING\",\"container_status\":{"
			"\"network_infos\":[{\"ip_address\":\"10.1.2.3\"}]}}]",
	    " netinfo=[10.1.2.3] mesos=[] docker=[]");
	/* Network infos of a status that is not the latest running one are
	 * not used. */
	expect_task_ips(
	    "[{\"state\":\"TASK_RUNNING\",\"timestamp\":1,"
	    "\"container_status\":{\"network_infos\":[{\"ip_address\":"
	    "\"1.1.1.1\"}]}},{\"state\":\"TASK_RUNNING\",\"timestamp\":2}]",
	    " netinfo=[] mesos=[] docker=[]");
}

static void
test_discovery(void **state)
{
	(void)state;
	expect_dump(
	    "{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":[{\"name\":\"f\","
	    "\"tasks\":[{\"id\":\"t\",\"state\":\"TASK_RUNNING\",\"discovery\":"
	    "{\"name\":\"liquor.store\",\"visibility\":\"EXTERNAL\",\"labels\":"
	    "{\"labels\":[{\"key\":\"k\",\"value\":\"v\"}]},\"ports\":{\"ports\":"
	    "[{\"number\":80,\"protocol\":\"tcp\",\"name\":\"http\"},{\"number\":"
	    "-1},{\"name\":\"x\",\"number\":0},null]}}}]}]}",
	    "leader=m@1.1.1.1:1 frameworks=1 slaves=0 tasks=1 skipped=0\n"
	    "F name=f hostname= pid=NULL tasks=1\n"
	    " T id=t name= slave= ports=NULL netinfo=[] mesos=[] docker=[] "
	    "di=liquor.store diports=[80/tcp/http,-1//,0//x,0//]\n");
	/* An empty name is kept as "" (no DiscoveryInfo for gen). */
	expect_dump("{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":[{\"name\":\"f\","
		    "\"tasks\":[{\"id\":\"t\",\"state\":\"TASK_RUNNING\",\"discovery\":"
		    "{\"name\":\"\"}}]}]}",
	    "leader=m@1.1.1.1:1 frameworks=1 slaves=0 tasks=1 skipped=0\n"
	    "F name=f hostname= pid=NULL tasks=1\n"
	    " T id=t name= slave= ports=NULL netinfo=[] mesos=[] docker=[] "
	    "di= diports=[]\n");
}

/* ---- malformed entities are skipped -------------------------------------- */

static void
test_bad_task_skipped(void **state)
{
	(void)state;
	expect_dump(
	    "{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":[{\"name\":\"f\","
	    "\"tasks\":[{\"id\":\"good1\",\"state\":\"TASK_RUNNING\"},"
	    "{\"id\":\"bad\",\"name\":5,\"state\":\"TASK_RUNNING\"},"
	    "{\"id\":\"bad2\",\"state\":\"TASK_RUNNING\",\"resources\":{"
	    "\"ports\":[31000]}},"
	    "{\"id\":\"bad3\",\"state\":\"TASK_RUNNING\",\"statuses\":[{"
	    "\"state\":\"TASK_RUNNING\",\"timestamp\":\"yesterday\"}]},"
	    "{\"id\":\"bad4\",\"state\":\"TASK_RUNNING\",\"discovery\":{\"name\":"
	    "\"d\",\"ports\":{\"ports\":[{\"number\":80.5}]}}},"
	    "{\"id\":\"bad5\",\"state\":\"TASK_RUNNING\",\"discovery\":{\"name\":"
	    "\"d\",\"ports\":{\"ports\":[{\"number\":\"80\"}]}}},"
	    "{\"id\":\"good2\",\"state\":\"TASK_RUNNING\"}]}]}",
	    "leader=m@1.1.1.1:1 frameworks=1 slaves=0 tasks=2 skipped=5\n"
	    "F name=f hostname= pid=NULL tasks=2\n"
	    " T id=good1 name= slave= ports=NULL netinfo=[] mesos=[] docker=[]\n"
	    " T id=good2 name= slave= ports=NULL netinfo=[] mesos=[] docker=[]\n"
	    "R framework 1 task 2: \"name\" is a JSON number, want a string\n"
	    "R framework 1 task 3: \"resources.ports\" is a JSON array, want a "
	    "string\n"
	    "R framework 1 task 4: \"statuses[].timestamp\" is a JSON string, "
	    "want a number\n"
	    "R framework 1 task 5: \"discovery port number\" is a JSON number, "
	    "want a 32-bit integer\n"
	    "R framework 1 task 6: \"discovery port number\" is a JSON string, "
	    "want an integer\n");
}

static void
test_bad_agent_skipped(void **state)
{
	(void)state;
	expect_dump("{\"leader\":\"m@1.1.1.1:1\",\"slaves\":["
		    "{\"id\":\"A\",\"pid\":\"s@1.1.1.1:1\"},"
		    "{\"id\":7,\"pid\":\"s@2.2.2.2:1\"},"
		    "{\"id\":\"C\",\"pid\":\"s@3.3.3.3:1\",\"hostname\":{\"x\":1}},"
		    "{\"id\":\"D\",\"pid\":null},{\"id\":\"E\",\"pid\":{\"a\":[1]}},"
		    "{\"id\":\"F\"}]}",
	    "leader=m@1.1.1.1:1 frameworks=0 slaves=5 tasks=0 skipped=1\n"
	    "S id=A pid=s@1.1.1.1:1\n"
	    "S id=C pid=s@3.3.3.3:1\n"
	    "S id=D pid=NULL PIDBAD\n"
	    "S id=E pid=NULL PIDBAD\n"
	    "S id=F pid=NULL\n"
	    "R slave 2: \"id\" is a JSON number, want a string\n");
}

static void
test_bad_framework_marked(void **state)
{
	(void)state;
	expect_dump("{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":["
		    "{\"name\":[\"x\"],\"tasks\":[{\"id\":\"t\",\"state\":"
		    "\"TASK_RUNNING\"}]},"
		    "{\"name\":\"ok\",\"pid\":5},"
		    "{\"name\":\"h\",\"hostname\":false},"
		    "{\"name\":\"t\",\"tasks\":{}},null]}",
	    "leader=m@1.1.1.1:1 frameworks=5 slaves=0 tasks=1 skipped=3\n"
	    "F name= hostname= pid=NULL INVALID tasks=1\n"
	    " T id=t name= slave= ports=NULL netinfo=[] mesos=[] docker=[]\n"
	    "F name=ok hostname= pid=NULL PIDBAD tasks=0\n"
	    "F name=h hostname= pid=NULL INVALID tasks=0\n"
	    "F name=t hostname= pid=NULL INVALID tasks=0\n"
	    "F name= hostname= pid=NULL tasks=0\n"
	    "R framework 1: \"name\" is a JSON array, want a string\n"
	    "R framework 3: \"hostname\" is a JSON bool, want a string\n"
	    "R framework 4: \"tasks\" is a JSON object, want an array\n");
}

/* Only the first few reasons are kept; the count goes on. */
static void
test_reason_cap(void **state)
{
	struct buf b = { 0 };
	struct mesos_state *s;

	(void)state;
	buf_puts(&b, "{\"leader\":\"m@1.1.1.1:1\",\"slaves\":[");
	for (int i = 0; i < 50; i++)
		buf_printf(&b, "%s{\"id\":%d}", i ? "," : "", i);
	buf_puts(&b, "]}");
	s = parse_ok(b.data, b.len);
	assert_int_equal(s->n_skipped, 50);
	assert_int_equal(s->n_slaves, 0);
	assert_int_equal(s->n_reasons, MESOS_STATE_MAX_REASONS);
	mesos_state_free(s);
	buf_free(&b);
}

/* ---- whole-state failures --------------------------------------------- */

static void
test_leader_wrong_type(void **state)
{
	const char *e;

	(void)state;
	e = expect_fail("{\"leader\":5,\"frameworks\":[]}", 28);
	assert_contains(e, "leader");
	e = expect_fail("{\"frameworks\":[],\"leader\":[\"m@1.1.1.1:1\"]}", 41);
	assert_contains(e, "leader");
	e = expect_fail("{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":{}}", 40);
	assert_contains(e, "frameworks");
	e = expect_fail("{\"leader\":\"m@1.1.1.1:1\",\"slaves\":\"none\"}", 40);
	assert_contains(e, "slaves");
}

/* A state without a leader parses (the fetch refuses it later); null
 * leaves it absent. */
static void
test_leader_absent(void **state)
{
	(void)state;
	expect_dump("{\"frameworks\":[]}",
	    "leader=NULL frameworks=0 slaves=0 tasks=0 skipped=0\n");
	expect_dump("{\"leader\":null}",
	    "leader=NULL frameworks=0 slaves=0 tasks=0 skipped=0\n");
	expect_dump("{}",
	    "leader=NULL frameworks=0 slaves=0 tasks=0 skipped=0\n");
}

static void
test_json_errors(void **state)
{
	static const char trunc[] =
	    "{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":[{";
	static const char garbage[] = "{\"leader\":\"m@1.1.1.1:1\"} trailing";
	static const char invalid[] = "{\"leader\":\"m@1.1.1.1:1\",,}";
	const char *e;

	(void)state;
	e = expect_fail(trunc, strlen(trunc));
	assert_contains(e, "truncated");
	assert_true(strstr(e, "after 39 bytes") != NULL);
	e = expect_fail(invalid, strlen(invalid));
	assert_contains(e, "byte");
	e = expect_fail(garbage, strlen(garbage));
	assert_contains(e, "byte");
	e = expect_fail("", 0);
	assert_true(e[0] != '\0');
	e = expect_fail("   ", 3);
	assert_true(e[0] != '\0');
	e = expect_fail("[]", 2);
	assert_contains(e, "object");
	e = expect_fail("\"state\"", 7);
	assert_contains(e, "object");
	e = expect_fail("null", 4);
	assert_contains(e, "object");
	e = expect_fail("{\"leader\":\"m@1.1.1.1:1\"}{}", 26);
	assert_contains(e, "byte");
	/* The body of an error page starts with a number. */
	e = expect_fail("401 Unauthorized\n", 17);
	assert_contains(e, "object");
	e = expect_fail("<html>", 6);
	assert_contains(e, "byte");
}

/* ---- hostile input -------------------------------------------------------- */

static void
test_deep_nesting(void **state)
{
	size_t depth = 200000, n = 0;
	char *json = malloc(depth * 2 + 200);
	struct mesos_state *s;
	char err[512];

	(void)state;
	assert_non_null(json);
	/* Deep nesting in a key we skip: accepted or refused, never a crash. */
	n += (size_t)sprintf(json, "{\"leader\":\"m@1.1.1.1:1\",\"flags\":");
	memset(json + n, '[', depth);
	n += depth;
	memset(json + n, ']', depth);
	n += depth;
	json[n++] = '}';
	s = state_parse(json, n, err, sizeof err);
	if (s != NULL) {
		assert_string_equal(s->leader, "m@1.1.1.1:1");
		mesos_state_free(s);
	} else {
		assert_true(err[0] != '\0');
	}
	/* Deep nesting where the parser keeps frames (inside a task). */
	n = (size_t)sprintf(json,
	    "{\"frameworks\":[{\"tasks\":[{\"discovery\":"
	    "{\"ports\":{\"ports\":");
	memset(json + n, '[', depth);
	n += depth;
	s = state_parse(json, n, err, sizeof err);
	assert_null(s);
	assert_true(err[0] != '\0');
	/* Unclosed deep nesting. */
	memset(json, '[', depth);
	s = state_parse(json, depth, err, sizeof err);
	assert_null(s);
	free(json);
}

/* A state whose framework name is `len` bytes of 'a'; *n gets its size. */
static char *
big_name_state(size_t len, size_t *n)
{
	char *json = malloc(len + 300);

	assert_non_null(json);
	*n = (size_t)sprintf(json,
	    "{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":"
	    "[{\"name\":\"");
	memset(json + *n, 'a', len);
	*n += len;
	*n += (size_t)sprintf(json + *n,
	    "\",\"tasks\":[{\"id\":\"t\",\"state\":"
	    "\"TASK_RUNNING\"}]}]}");
	return json;
}

/* Strings up to 1 MiB are kept whole; a longer one fails the state at
 * once, naming the offset of its first byte over the limit (the limit
 * keeps the parser linear: yajl re-lexes a string that spans pieces). */
static void
test_huge_strings(void **state)
{
	size_t n, big = 1000000, prefix = 47;
	char *json = big_name_state(big, &n), err[512];
	struct mesos_state *s;
	const char *e;

	(void)state;
	s = parse_ok(json, n);
	assert_int_equal(s->frameworks->name_len, big);
	assert_int_equal(s->n_tasks, 1);
	mesos_state_free(s);
	s = parse_pieces(json, n, 4096, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(s->frameworks->name_len, big);
	mesos_state_free(s);
	free(json);
	/* 8 MiB: refused, in one call and in pieces, with the same offset. */
	json = big_name_state(8u << 20, &n);
	e = expect_fail(json, n);
	assert_contains(e, "longer than 1048576 bytes");
	snprintf(err, sizeof err, "at byte %zu", prefix + 1048576);
	assert_contains(e, err);
	s = parse_pieces(json, n, 4096, err, sizeof err);
	assert_null(s);
	assert_contains(err, "longer than 1048576 bytes at byte 1048623");
	free(json);
	/* Exactly at the limit: accepted ("longer than" the limit fails). */
	json = big_name_state(1048576, &n);
	s = state_parse(json, n, err, sizeof err);
	assert_true(s != NULL);
	mesos_state_free(s);
	free(json);
	json = big_name_state(1048575, &n);
	s = parse_ok(json, n);
	mesos_state_free(s);
	free(json);
}

/* The limit counts escapes too, wherever they fall in the word-at-a-time
 * scan and in the pieces (odd sizes move the words' alignment; yajl
 * re-lexes a string at each piece, so pieces stay large): a name of
 * exactly 1 MiB with an escaped quote every 13 bytes is kept, one byte
 * more fails at its first byte over. */
static void
test_huge_strings_with_escapes(void **state)
{
	static const size_t steps[] = { 4093, 65521, SIZE_MAX };
	size_t prefix = 47;

	(void)state;
	for (size_t extra = 0; extra <= 1; extra++) {
		size_t n, len = 1048576 + extra;
		char *json = big_name_state(len, &n), err[512], want[64];
		size_t escapes = 0;

		for (size_t k = 5; k + 1 < len; k += 13, escapes++) {
			json[prefix + k] = '\\';
			json[prefix + k + 1] = '"';
		}
		snprintf(want, sizeof want,
		    "longer than 1048576 bytes at byte %zu", prefix + 1048576);
		for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
			struct mesos_state *s = steps[i] == SIZE_MAX ?
			    state_parse(json, n, err, sizeof err) :
			    parse_pieces(json, n, steps[i], err, sizeof err);

			if (extra == 0) {
				assert_non_null(s);
				/* Each escape is one byte once decoded. */
				assert_int_equal(s->frameworks->name_len,
				    len - escapes);
				mesos_state_free(s);
			} else {
				assert_null(s);
				assert_contains(err, want);
			}
		}
		free(json);
	}
}

static void
test_nul_and_utf8(void **state)
{
	/* \u0000 inside strings, invalid UTF-8 bytes, and a raw NUL. */
	static const char esc[] =
	    "{\"leader\":\"m@1.1.1.1:1\",\"frameworks\":[{\"name\":\"a\\u0000b\","
	    "\"tasks\":[{\"id\":\"x\\u0000y\",\"name\":\"\xff\xfe\xc3\","
	    "\"state\":\"TASK_RUNNING\"}]}]}";
	static const char raw_nul[] =
	    "{\"leader\":\"m@1.1.1.1:1\",\"x\":\"a\0b\"}";
	struct mesos_state *s;
	char err[512];

	(void)state;
	s = parse_ok(esc, strlen(esc));
	assert_int_equal(s->frameworks->name_len, 3);
	assert_memory_equal(s->frameworks->name, "a\0b", 3);
	assert_int_equal(s->frameworks->tasks->id_len, 3);
	assert_memory_equal(s->frameworks->tasks->id, "x\0y", 3);
	assert_int_equal(s->frameworks->tasks->name_len, 3);
	mesos_state_free(s);
	/* A raw control byte in a string is not JSON. */
	s = state_parse(raw_nul, sizeof raw_nul - 1, err, sizeof err);
	assert_null(s);
	assert_true(err[0] != '\0');
	/* Binary noise. */
	{
		unsigned char noise[4096];
		unsigned seed = 7;

		for (size_t i = 0; i < sizeof noise; i++) {
			seed = seed * 1103515245u + 12345u;
			noise[i] = (unsigned char)(seed >> 16);
		}
		noise[0] = '{';
		s = state_parse(noise, sizeof noise, err, sizeof err);
		assert_null(s);
	}
}

/* Every prefix of a valid state fails cleanly (truncated bodies). */
static void
test_every_prefix(void **state)
{
	size_t len = strlen(rich_state);
	char err[512];

	(void)state;
	for (size_t n = 0; n < len; n++) {
		struct mesos_state *s =
		    state_parse(rich_state, n, err, sizeof err);

		if (s != NULL)
			print_error("prefix of %zu bytes accepted\n", n);
		assert_null(s);
		assert_true(err[0] != '\0');
	}
}

/* HealthAwareOn reads "healthy" of the latest status (by timestamp, the
 * last on ties), whatever its state; another type counts as absent. */
static void
test_task_health(void **state)
{
	static const char json[] =
	    "{\"frameworks\":[{\"name\":\"m\",\"tasks\":["
	    "{\"id\":\"a\",\"statuses\":[{\"timestamp\":5,\"healthy\":false},"
	    "{\"timestamp\":3,\"healthy\":true}]},"
	    "{\"id\":\"b\",\"statuses\":[{\"timestamp\":1,\"healthy\":false},"
	    "{\"timestamp\":2,\"state\":\"TASK_RUNNING\"}]},"
	    "{\"id\":\"c\",\"statuses\":[{\"timestamp\":1,\"healthy\":false},"
	    "{\"timestamp\":1,\"healthy\":true}]},"
	    "{\"id\":\"d\",\"statuses\":[{\"healthy\":\"no\"}]},"
	    "{\"id\":\"e\",\"statuses\":[{\"healthy\":{\"x\":[1]}}]},"
	    "{\"id\":\"f\"}]}]}";
	struct mesos_state *s = parse_ok(json, sizeof json - 1);
	const struct mesos_task *t = s->frameworks->tasks;
	const int want[] = { TASK_HEALTH_BAD, TASK_HEALTH_UNKNOWN,
		TASK_HEALTH_OK, TASK_HEALTH_UNKNOWN, TASK_HEALTH_UNKNOWN,
		TASK_HEALTH_UNKNOWN };

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++, t = t->next) {
		assert_non_null(t);
		assert_false(t->invalid);
		assert_int_equal(t->health, want[i]);
	}
	assert_null(t);
	mesos_state_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rich_state),
		cmocka_unit_test(test_streaming_equals_one_call),
		cmocka_unit_test(test_streaming_errors_equal),
		cmocka_unit_test(test_keys_case_insensitive),
		cmocka_unit_test(test_last_duplicate_wins),
		cmocka_unit_test(test_latest_running_status),
		cmocka_unit_test(test_netinfo_forms),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_bad_task_skipped),
		cmocka_unit_test(test_bad_agent_skipped),
		cmocka_unit_test(test_bad_framework_marked),
		cmocka_unit_test(test_reason_cap),
		cmocka_unit_test(test_leader_wrong_type),
		cmocka_unit_test(test_leader_absent),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_huge_strings),
		cmocka_unit_test(test_huge_strings_with_escapes),
		cmocka_unit_test(test_nul_and_utf8),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_task_health),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
