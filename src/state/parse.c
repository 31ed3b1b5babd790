/* parse.c -- yajl event handlers that turn /master/state into a mesos_state.
 *
 * A stack of frames says where in the document we are (the state, a
 * framework, one of its tasks, a status, ...); the key last seen in an
 * object says what the next value is.  Values we do not read are skipped
 * by depth counting without being stored.  A value of the wrong type marks
 * the innermost framework, task or agent invalid; it is then dropped with
 * a reason instead of failing the whole state as the original does.
 */
#include "state/parse.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "util/hash.h"
#include "util/jsonkey.h"

enum ctx {
	C_TOP,
	C_STATE,
	C_FRAMEWORKS,
	C_FRAMEWORK,
	C_TASKS,
	C_TASK,
	C_RESOURCES,
	C_STATUSES,
	C_STATUS,
	C_LABELS,
	C_LABEL,
	C_CSTATUS,
	C_NETINFOS,
	C_NETINFO,
	C_IPADDRS,
	C_IPADDR,
	C_DISCOVERY,
	C_DIPORTS_OBJ,
	C_DIPORTS,
	C_DIPORT,
	C_SLAVES,
	C_SLAVE,
};

enum key {
	K_NONE,
	K_LEADER,
	K_FRAMEWORKS,
	K_SLAVES,
	K_NAME,
	K_HOSTNAME,
	K_PID,
	K_TASKS,
	K_ID,
	K_SLAVE_ID,
	K_STATE,
	K_RESOURCES,
	K_PORTS,
	K_STATUSES,
	K_TIMESTAMP,
	K_LABELS,
	K_KEY,
	K_VALUE,
	K_CONTAINER_STATUS,
	K_NETWORK_INFOS,
	K_IP_ADDRESSES,
	K_IP_ADDRESS,
	K_DISCOVERY,
	K_NUMBER,
	K_PROTOCOL,
	K_HEALTHY,
};

enum vkind {
	V_NULL,
	V_BOOL,
	V_NUMBER,
	V_STRING,
	V_MAP,
	V_ARRAY
};

/* yajl hands numbers as text inside the input buffer, not terminated:
 * strtod/strtoll get a terminated copy. */
static char *
number_text(const char *v, size_t len, char *buf, size_t cap)
{
	char *t = len < cap ? buf : malloc(len + 1);

	if (t != NULL) {
		memcpy(t, v, len);
		t[len] = '\0';
	}
	return t;
}

static double
number_double(const char *v, size_t len)
{
	char buf[64], *t = number_text(v, len, buf, sizeof buf);
	double d = t != NULL ? strtod(t, NULL) : 0;

	if (t != buf)
		free(t);
	return d;
}

/* A whole integer: false for fractions, exponents and overflow. */
static bool
number_int(const char *v, size_t len, int64_t *out)
{
	char buf[64], *t = number_text(v, len, buf, sizeof buf), *end;
	bool ok;

	if (t == NULL)
		return false;
	errno = 0;
	*out = (int64_t)strtoll(t, &end, 10);
	ok = errno == 0 && end == t + len;
	if (t != buf)
		free(t);
	return ok;
}

static const char *const vkind_names[] = {
	"null",
	"bool",
	"number",
	"string",
	"object",
	"array",
};

/* Which keys each object context reads (matched ignoring case). */
struct keydef {
	enum ctx ctx;
	const char *name;
	enum key key;
};

static const struct keydef keydefs[] = {
	{ C_STATE, "leader", K_LEADER },
	{ C_STATE, "frameworks", K_FRAMEWORKS },
	{ C_STATE, "slaves", K_SLAVES },
	{ C_FRAMEWORK, "name", K_NAME },
	{ C_FRAMEWORK, "hostname", K_HOSTNAME },
	{ C_FRAMEWORK, "pid", K_PID },
	{ C_FRAMEWORK, "tasks", K_TASKS },
	{ C_FRAMEWORK, "id", K_ID },
	{ C_TASK, "id", K_ID },
	{ C_TASK, "name", K_NAME },
	{ C_TASK, "slave_id", K_SLAVE_ID },
	{ C_TASK, "state", K_STATE },
	{ C_TASK, "resources", K_RESOURCES },
	{ C_TASK, "statuses", K_STATUSES },
	{ C_TASK, "discovery", K_DISCOVERY },
	{ C_RESOURCES, "ports", K_PORTS },
	{ C_STATUS, "state", K_STATE },
	{ C_STATUS, "timestamp", K_TIMESTAMP },
	{ C_STATUS, "labels", K_LABELS },
	{ C_STATUS, "container_status", K_CONTAINER_STATUS },
	{ C_STATUS, "healthy", K_HEALTHY },
	{ C_LABEL, "key", K_KEY },
	{ C_LABEL, "value", K_VALUE },
	{ C_CSTATUS, "network_infos", K_NETWORK_INFOS },
	{ C_NETINFO, "ip_addresses", K_IP_ADDRESSES },
	{ C_NETINFO, "ip_address", K_IP_ADDRESS },
	{ C_IPADDR, "ip_address", K_IP_ADDRESS },
	{ C_DISCOVERY, "name", K_NAME },
	{ C_DISCOVERY, "ports", K_PORTS },
	{ C_DIPORTS_OBJ, "ports", K_PORTS },
	{ C_DIPORT, "number", K_NUMBER },
	{ C_DIPORT, "protocol", K_PROTOCOL },
	{ C_DIPORT, "name", K_NAME },
	{ C_SLAVE, "id", K_ID },
	{ C_SLAVE, "pid", K_PID },
};

/* Where each context's keys start in keydefs, and how many there are
 * (keydefs lists a context's keys together). */
static struct {
	uint8_t first, n;
} ctx_keys[C_SLAVE + 1];
static pthread_once_t ctx_keys_once = PTHREAD_ONCE_INIT;

static void
ctx_keys_init(void)
{
	for (size_t i = sizeof keydefs / sizeof keydefs[0]; i-- > 0;) {
		ctx_keys[keydefs[i].ctx].first = (uint8_t)i;
		ctx_keys[keydefs[i].ctx].n++;
	}
}

#define MAX_FRAMES 32

enum label_kind {
	LABEL_OTHER,
	LABEL_MESOS,
	LABEL_DOCKER
};

struct frame {
	enum ctx ctx;
	enum key key;
};

/* Longest JSON string accepted: yajl would buffer a whole token in memory,
 * and no field Mesos-DNS reads comes near this. */
#define MAX_STRING_BYTES (1U << 20)

struct state_parser {
	yajl_handle yajl;
	/* A lexer shadowing yajl's just far enough to bound string lengths. */
	bool in_string, escaped;
	size_t string_len;
	size_t offset;	    /* bytes fed so far */
	size_t chunk_start; /* body offset of the piece being parsed */
	struct mesos_state *state;
	struct frame frames[MAX_FRAMES];
	int depth;	    /* frames in use */
	unsigned long skip; /* nesting inside a value we ignore */
	bool failed;
	char error[512];

	struct mesos_framework *fw; /* the framework being read */
	struct mesos_task *task;
	struct mesos_slave *slave;
	uint32_t fw_index, task_index, slave_index;

	/* The status being read, and the best TASK_RUNNING one so far.  Its
	 * candidate strings live in `scratch`, reset after every task. */
	struct arena scratch;
	bool st_running;
	double st_ts;
	struct strlist st_ips[TASK_IP_SOURCES];
	double best_ts;
	/* The status being read's "healthy", and the latest status's time. */
	int8_t st_health;
	double latest_ts;

	/* Interned agent ids (open addressing, NULL = empty). */
	const char **ids;
	uint32_t ids_mask, ids_n;

	enum label_kind label_kind;
	const char *label_value;
	uint32_t label_value_len;

	struct strlist ni_ips;
	const char *ni_ip;
	uint32_t ni_ip_len;
	const char *ipaddr;
	uint32_t ipaddr_len;
	struct di_port diport;
};

void
mesos_state_free(struct mesos_state *s)
{
	if (s == NULL)
		return;
	arena_free(&s->arena);
	arena_free(&s->names);
	free(s);
}

static int
oom(struct state_parser *p)
{
	snprintf(p->error, sizeof p->error, "out of memory while parsing");
	p->failed = true;
	return 0;
}

static int
fatal(struct state_parser *p, const char *what)
{
	snprintf(p->error, sizeof p->error, "%s", what);
	p->failed = true;
	return 0;
}

/* Where a string field is kept: the model, the names the snapshot will
 * adopt, or the per-task scratch. */
enum place {
	IN_MODEL,
	IN_NAMES,
	IN_SCRATCH
};

static const char *
dup_str(struct state_parser *p, const char *s, size_t len)
{
	return arena_strndup(&p->state->arena, s, len);
}

static const char *
dup_in(struct state_parser *p, enum place where, const char *s, size_t len)
{
	struct arena *a = where == IN_NAMES ? &p->state->names :
	    where == IN_SCRATCH		    ? &p->scratch :
					      &p->state->arena;

	return arena_strndup(a, s, len);
}

/* One copy of every agent id, so tasks share it (4000 agents, 100k
 * tasks: the ids would otherwise be a tenth of the model). */
static const char *
intern_id(struct state_parser *p, const char *s, size_t len)
{
	uint32_t i;

	if ((p->ids_n + 1) * 2 > p->ids_mask + 1) {
		uint32_t cap = p->ids_mask ? (p->ids_mask + 1) * 2 : 1024;
		const char **t = calloc(cap, sizeof *t);

		if (t == NULL)
			return NULL;
		for (uint32_t k = 0; p->ids && k <= p->ids_mask; k++) {
			if (p->ids[k] == NULL)
				continue;
			i = (uint32_t)hash_str(p->ids[k]) & (cap - 1);
			while (t[i] != NULL)
				i = (i + 1) & (cap - 1);
			t[i] = p->ids[k];
		}
		free(p->ids);
		p->ids = t;
		p->ids_mask = cap - 1;
	}
	for (i = (uint32_t)hash_bytes(s, len) & p->ids_mask; p->ids[i] != NULL;
	     i = (i + 1) & p->ids_mask)
		if (strnlen(p->ids[i], len + 1) == len &&
		    memcmp(p->ids[i], s, len) == 0)
			return p->ids[i];
	if ((p->ids[i] = dup_str(p, s, len)) == NULL)
		return NULL;
	p->ids_n++;
	return p->ids[i];
}

static bool
strlist_push(struct state_parser *p, struct strlist *l, const char *s,
    uint32_t len)
{
	struct strnode *n = arena_alloc(&p->scratch, sizeof *n);

	if (n == NULL)
		return false;
	n->next = NULL;
	n->s = s;
	n->len = len;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
	l->n++;
	return true;
}

static void
strlist_clear(struct strlist *l)
{
	l->head = l->tail = NULL;
	l->n = 0;
}

/* Marks the innermost entity invalid, remembering why for the log. */
static int
bad_value(struct state_parser *p, const char *field, enum vkind got,
    const char *want)
{
	struct mesos_state *s = p->state;
	char msg[256] = "";

	if (got == V_MAP || got == V_ARRAY)
		p->skip = 1;
	if (p->task != NULL) {
		if (!p->task->invalid)
			snprintf(msg, sizeof msg,
			    "framework %u task %u: "
			    "\"%s\" is a JSON %s, want %s",
			    p->fw_index, p->task_index, field, vkind_names[got],
			    want);
		p->task->invalid = true;
	} else if (p->slave != NULL) {
		if (!p->slave->invalid)
			snprintf(msg, sizeof msg,
			    "slave %u: \"%s\" is a JSON "
			    "%s, want %s",
			    p->slave_index, field, vkind_names[got], want);
		p->slave->invalid = true;
	} else if (p->fw != NULL) {
		if (!p->fw->invalid)
			snprintf(msg, sizeof msg,
			    "framework %u: \"%s\" is a "
			    "JSON %s, want %s",
			    p->fw_index, field, vkind_names[got], want);
		p->fw->invalid = true;
	} else {
		snprintf(msg, sizeof msg,
		    "state: \"%s\" is a JSON %s, want "
		    "%s",
		    field, vkind_names[got], want);
		return fatal(p, msg);
	}
	if (msg[0] != '\0' && s->n_reasons < MESOS_STATE_MAX_REASONS &&
	    (s->reasons[s->n_reasons] = dup_str(p, msg, strlen(msg))) != NULL)
		s->n_reasons++;
	return 1;
}

static int
push(struct state_parser *p, enum ctx ctx)
{
	if (p->depth >= MAX_FRAMES)
		return fatal(p, "state nests too deeply");
	p->frames[p->depth].ctx = ctx;
	p->frames[p->depth].key = K_NONE;
	p->depth++;
	return 1;
}

static void
begin_status(struct state_parser *p)
{
	p->st_running = false;
	p->st_ts = 0;
	p->st_health = TASK_HEALTH_UNKNOWN;
	for (int k = 0; k < TASK_IP_SOURCES; k++)
		strlist_clear(&p->st_ips[k]);
}

static void
reset_task_ips(struct state_parser *p)
{
	for (int k = 0; k < TASK_IP_SOURCES; k++) {
		p->task->ips[k] = NULL;
		p->task->n_ips[k] = 0;
	}
	p->best_ts = -1;
	p->task->health = TASK_HEALTH_UNKNOWN;
	p->latest_ts = -1;
}

/* The status just read is the best so far: keep its parsable addresses. */
static bool
take_status_ips(struct state_parser *p)
{
	for (int k = 0; k < TASK_IP_SOURCES; k++) {
		const struct strlist *l = &p->st_ips[k];
		struct ipaddr *v = NULL;
		uint16_t n = 0;

		if (l->n > 0 &&
		    (v = arena_alloc(&p->state->arena,
			 (size_t)l->n * sizeof *v)) == NULL)
			return false;
		for (const struct strnode *e = l->head; e && n < UINT16_MAX;
		     e = e->next)
			if (ipaddr_parse(e->s, e->len, &v[n]))
				n++;
		p->task->ips[k] = n ? v : NULL;
		p->task->n_ips[k] = n;
	}
	return true;
}

static int pop(struct state_parser *p);

/* A value that is an element of an array frame. */
static int
element(struct state_parser *p, enum ctx ctx, enum vkind k)
{
	struct mesos_state *s = p->state;

	switch (ctx) {
	case C_FRAMEWORKS:
		if (k != V_MAP && k != V_NULL)
			return bad_value(p, "frameworks[]", k, "an object");
		if ((p->fw = arena_alloc(&s->arena, sizeof *p->fw)) == NULL)
			return oom(p);
		memset(p->fw, 0, sizeof *p->fw);
		p->fw->name = p->fw->hostname = p->fw->id = "";
		p->fw_index++;
		p->task_index = 0;
		if (k == V_MAP)
			return push(p, C_FRAMEWORK);
		/* null is Go's zero Framework: listed, no records. */
		if (s->frameworks_tail)
			s->frameworks_tail->next = p->fw;
		else
			s->frameworks = p->fw;
		s->frameworks_tail = p->fw;
		s->n_frameworks++;
		p->fw = NULL;
		return 1;
	case C_TASKS:
		if (k == V_NULL)
			return 1;
		if (k != V_MAP)
			return bad_value(p, "tasks[]", k, "an object");
		if ((p->task = arena_alloc(&s->arena, sizeof *p->task)) == NULL)
			return oom(p);
		memset(p->task, 0, sizeof *p->task);
		p->task->id = p->task->name = p->task->slave_id = "";
		p->best_ts = -1;
		p->latest_ts = -1;
		p->task_index++;
		return push(p, C_TASK);
	case C_STATUSES:
		if (k == V_NULL)
			return 1;
		if (k != V_MAP)
			return bad_value(p, "statuses[]", k, "an object");
		begin_status(p);
		return push(p, C_STATUS);
	case C_LABELS:
		if (k == V_NULL)
			return 1;
		if (k != V_MAP)
			return bad_value(p, "labels[]", k, "an object");
		p->label_kind = LABEL_OTHER;
		p->label_value = "";
		p->label_value_len = 0;
		return push(p, C_LABEL);
	case C_NETINFOS:
		if (k == V_NULL)
			return 1;
		if (k != V_MAP)
			return bad_value(p, "network_infos[]", k, "an object");
		strlist_clear(&p->ni_ips);
		p->ni_ip = "";
		p->ni_ip_len = 0;
		return push(p, C_NETINFO);
	case C_IPADDRS:
		if (k == V_NULL)
			return strlist_push(p, &p->ni_ips, "", 0) ? 1 : oom(p);
		if (k != V_MAP)
			return bad_value(p, "ip_addresses[]", k, "an object");
		p->ipaddr = "";
		p->ipaddr_len = 0;
		return push(p, C_IPADDR);
	case C_DIPORTS:
		if (k != V_MAP && k != V_NULL)
			return bad_value(p, "discovery.ports.ports[]", k,
			    "an object");
		memset(&p->diport, 0, sizeof p->diport);
		p->diport.protocol = p->diport.name = "";
		if (k == V_MAP)
			return push(p, C_DIPORT);
		/* null is Go's zero port (number 0): appended as is. */
		if (!push(p, C_DIPORT))
			return 0;
		return pop(p);
	case C_SLAVES:
		if (k == V_NULL)
			return 1;
		if (k != V_MAP)
			return bad_value(p, "slaves[]", k, "an object");
		if ((p->slave = arena_alloc(&s->arena, sizeof *p->slave)) ==
		    NULL)
			return oom(p);
		memset(p->slave, 0, sizeof *p->slave);
		p->slave->id = "";
		p->slave_index++;
		return push(p, C_SLAVE);
	default:
		break;
	}
	if (k == V_MAP || k == V_ARRAY)
		p->skip = 1;
	return 1;
}

/* Stores a string field; null leaves it, another type is an error. */
static int
string_field_in(struct state_parser *p, enum place where, const char *name,
    enum vkind k, const char *v, size_t len, const char **slot,
    uint32_t *slot_len)
{
	if (k == V_NULL)
		return 1;
	if (k != V_STRING)
		return bad_value(p, name, k, "a string");
	if ((*slot = dup_in(p, where, v, len)) == NULL)
		return oom(p);
	if (slot_len)
		*slot_len = (uint32_t)len;
	return 1;
}

static int
string_field(struct state_parser *p, const char *name, enum vkind k,
    const char *v, size_t len, const char **slot, uint32_t *slot_len)
{
	return string_field_in(p, IN_MODEL, name, k, v, len, slot, slot_len);
}

/* A list field: an array starts its frame, null empties it (Go nil). */
static int
list_field(struct state_parser *p, const char *name, enum vkind k, enum ctx ctx)
{
	if (k == V_ARRAY)
		return push(p, ctx);
	if (k == V_NULL)
		return 1;
	return bad_value(p, name, k, "an array");
}

static int
object_field(struct state_parser *p, const char *name, enum vkind k,
    enum ctx ctx)
{
	if (k == V_MAP)
		return push(p, ctx);
	if (k == V_NULL)
		return 1;
	return bad_value(p, name, k, "an object");
}

static int
pid_field(struct state_parser *p, enum vkind k, const char *v, size_t len,
    const char **slot, bool *bad)
{
	/* The original takes any JSON token here and fails on all but a
	 * string holding "name@host:port"; anything else makes the pid bad. */
	*slot = NULL;
	*bad = false;
	if (k == V_STRING) {
		if ((*slot = dup_str(p, v, len)) == NULL)
			return oom(p);
		return 1;
	}
	*bad = true;
	if (k == V_MAP || k == V_ARRAY)
		p->skip = 1;
	return 1;
}

static bool
label_is(const char *v, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(v, want, len) == 0;
}

/* A value that belongs to key f of object frame ctx. */
static int
field(struct state_parser *p, enum ctx ctx, enum key f, enum vkind k,
    const char *v, size_t len)
{
	struct mesos_task *t = p->task;
	int64_t num;

	switch (ctx) {
	case C_STATE:
		if (f == K_LEADER)
			return string_field(p, "leader", k, v, len,
			    &p->state->leader, NULL);
		if (f == K_FRAMEWORKS) {
			if (k == V_ARRAY || k == V_NULL) {
				/* A repeated key replaces the list (Go). */
				p->state->frameworks = NULL;
				p->state->frameworks_tail = NULL;
				p->state->n_frameworks = 0;
			}
			if (k != V_ARRAY && k != V_NULL)
				return fatal(p,
				    "state: \"frameworks\" is not "
				    "an array");
			return list_field(p, "frameworks", k, C_FRAMEWORKS);
		}
		if (f == K_SLAVES) {
			if (k == V_ARRAY || k == V_NULL) {
				p->state->slaves = NULL;
				p->state->slaves_tail = NULL;
				p->state->n_slaves = 0;
			}
			if (k != V_ARRAY && k != V_NULL)
				return fatal(p,
				    "state: \"slaves\" is not an "
				    "array");
			return list_field(p, "slaves", k, C_SLAVES);
		}
		break;
	case C_FRAMEWORK:
		if (f == K_NAME)
			return string_field_in(p, IN_NAMES, "name", k, v, len,
			    &p->fw->name, &p->fw->name_len);
		if (f == K_HOSTNAME)
			return string_field(p, "hostname", k, v, len,
			    &p->fw->hostname, NULL);
		if (f == K_ID)
			return string_field(p, "id", k, v, len, &p->fw->id,
			    NULL);
		if (f == K_PID)
			return pid_field(p, k, v, len, &p->fw->pid,
			    &p->fw->pid_bad);
		if (f == K_TASKS) {
			if (k == V_ARRAY || k == V_NULL) {
				p->fw->tasks = p->fw->tasks_tail = NULL;
				p->fw->n_tasks = 0;
			}
			return list_field(p, "tasks", k, C_TASKS);
		}
		break;
	case C_TASK:
		switch (f) {
		case K_ID:
			return string_field_in(p, IN_NAMES, "id", k, v, len,
			    &t->id, &t->id_len);
		case K_NAME:
			return string_field_in(p, IN_NAMES, "name", k, v, len,
			    &t->name, &t->name_len);
		case K_SLAVE_ID:
			if (k == V_NULL)
				return 1;
			if (k != V_STRING)
				return bad_value(p, "slave_id", k, "a string");
			if ((t->slave_id = intern_id(p, v, len)) == NULL)
				return oom(p);
			return 1;
		case K_STATE:
			if (k == V_NULL)
				return 1;
			if (k != V_STRING)
				return bad_value(p, "state", k, "a string");
			t->running = label_is(v, len, "TASK_RUNNING");
			return 1;
		case K_RESOURCES:
			return object_field(p, "resources", k, C_RESOURCES);
		case K_STATUSES:
			if (k == V_ARRAY || k == V_NULL)
				reset_task_ips(p);
			return list_field(p, "statuses", k, C_STATUSES);
		case K_DISCOVERY:
			if (k == V_NULL) {
				t->di_name = NULL;
				t->di_ports = t->di_ports_tail = NULL;
				return 1;
			}
			return object_field(p, "discovery", k, C_DISCOVERY);
		default:
			break;
		}
		break;
	case C_RESOURCES:
		if (f == K_PORTS)
			return string_field(p, "resources.ports", k, v, len,
			    &t->ports, NULL);
		break;
	case C_STATUS:
		switch (f) {
		case K_STATE:
			if (k == V_NULL)
				return 1;
			if (k != V_STRING)
				return bad_value(p, "statuses[].state", k,
				    "a string");
			p->st_running = label_is(v, len, "TASK_RUNNING");
			return 1;
		case K_TIMESTAMP:
			if (k == V_NULL)
				return 1;
			if (k != V_NUMBER)
				return bad_value(p, "statuses[].timestamp", k,
				    "a number");
			p->st_ts = number_double(v, len);
			return 1;
		case K_LABELS:
			if (k == V_ARRAY || k == V_NULL) {
				strlist_clear(&p->st_ips[TIP_MESOS]);
				strlist_clear(&p->st_ips[TIP_DOCKER]);
			}
			return list_field(p, "statuses[].labels", k, C_LABELS);
		case K_CONTAINER_STATUS:
			return object_field(p, "container_status", k,
			    C_CSTATUS);
		case K_HEALTHY:
			/* The original does not read it: another type is
			 * taken as no health check, not as a bad task. */
			if (k == V_BOOL)
				p->st_health =
				    len == 4 ? TASK_HEALTH_OK : TASK_HEALTH_BAD;
			else if (k == V_MAP || k == V_ARRAY)
				p->skip = 1;
			return 1;
		default:
			break;
		}
		break;
	case C_LABEL:
		if (f == K_KEY) {
			if (k == V_NULL)
				return 1;
			if (k != V_STRING)
				return bad_value(p, "labels[].key", k,
				    "a string");
			p->label_kind =
			    label_is(v, len,
				"MesosContainerizer.NetworkSettings.IPAddress") ?
			    LABEL_MESOS :
			    label_is(v, len,
				"Docker.NetworkSettings.IPAddress") ?
			    LABEL_DOCKER :
			    LABEL_OTHER;
			return 1;
		}
		if (f == K_VALUE)
			return string_field_in(p, IN_SCRATCH, "labels[].value",
			    k, v, len, &p->label_value, &p->label_value_len);
		break;
	case C_CSTATUS:
		if (f == K_NETWORK_INFOS) {
			if (k == V_ARRAY || k == V_NULL)
				strlist_clear(&p->st_ips[TIP_NETINFO]);
			return list_field(p, "network_infos", k, C_NETINFOS);
		}
		break;
	case C_NETINFO:
		if (f == K_IP_ADDRESSES) {
			if (k == V_ARRAY || k == V_NULL)
				strlist_clear(&p->ni_ips);
			return list_field(p, "ip_addresses", k, C_IPADDRS);
		}
		if (f == K_IP_ADDRESS)
			return string_field_in(p, IN_SCRATCH,
			    "network_infos[].ip_address", k, v, len, &p->ni_ip,
			    &p->ni_ip_len);
		break;
	case C_IPADDR:
		if (f == K_IP_ADDRESS)
			return string_field_in(p, IN_SCRATCH,
			    "ip_addresses[].ip_address", k, v, len, &p->ipaddr,
			    &p->ipaddr_len);
		break;
	case C_DISCOVERY:
		if (f == K_NAME)
			return string_field(p, "discovery.name", k, v, len,
			    &t->di_name, &t->di_name_len);
		if (f == K_PORTS)
			return object_field(p, "discovery.ports", k,
			    C_DIPORTS_OBJ);
		break;
	case C_DIPORTS_OBJ:
		if (f == K_PORTS) {
			if (k == V_ARRAY || k == V_NULL)
				t->di_ports = t->di_ports_tail = NULL;
			return list_field(p, "discovery.ports.ports", k,
			    C_DIPORTS);
		}
		break;
	case C_DIPORT:
		if (f == K_NUMBER) {
			if (k == V_NULL)
				return 1;
			if (k != V_NUMBER)
				return bad_value(p, "discovery port number", k,
				    "an integer");
			/* Go refuses fractions; ports beyond 32 bits cannot
			 * be served and are refused here too. */
			if (!number_int(v, len, &num) || num < INT32_MIN ||
			    num > INT32_MAX)
				return bad_value(p, "discovery port number",
				    V_NUMBER, "a 32-bit integer");
			p->diport.number = num;
			return 1;
		}
		if (f == K_PROTOCOL)
			return string_field(p, "discovery port protocol", k, v,
			    len, &p->diport.protocol, NULL);
		if (f == K_NAME)
			return string_field(p, "discovery port name", k, v, len,
			    &p->diport.name, NULL);
		break;
	case C_SLAVE:
		if (f == K_ID) {
			if (k == V_NULL)
				return 1;
			if (k != V_STRING)
				return bad_value(p, "id", k, "a string");
			if ((p->slave->id = intern_id(p, v, len)) == NULL)
				return oom(p);
			return 1;
		}
		if (f == K_PID)
			return pid_field(p, k, v, len, &p->slave->pid,
			    &p->slave->pid_bad);
		break;
	default:
		break;
	}
	if (k == V_MAP || k == V_ARRAY)
		p->skip = 1;
	return 1;
}

static int
value(struct state_parser *p, enum vkind k, const char *v, size_t len)
{
	struct frame *top;

	if (p->skip > 0) {
		if (k == V_MAP || k == V_ARRAY)
			p->skip++;
		return 1;
	}
	if (p->depth == 0)
		return fatal(p, "state: no value");
	top = &p->frames[p->depth - 1];
	switch (top->ctx) {
	case C_TOP:
		if (k != V_MAP)
			return fatal(p,
			    "state: the document is not a JSON "
			    "object");
		return push(p, C_STATE);
	case C_FRAMEWORKS:
	case C_TASKS:
	case C_STATUSES:
	case C_LABELS:
	case C_NETINFOS:
	case C_IPADDRS:
	case C_DIPORTS:
	case C_SLAVES:
		return element(p, top->ctx, k);
	default:
		return field(p, top->ctx, top->key, k, v, len);
	}
}

static void
link_task(struct state_parser *p)
{
	struct mesos_task *t = p->task;
	struct mesos_framework *fw = p->fw;

	if (t->invalid) {
		p->state->n_skipped++;
		return;
	}
	/* Tasks that are not running stay in the model (the event stream may
	 * move them to running); they produce no records. */
	if (fw->tasks_tail)
		fw->tasks_tail->next = t;
	else
		fw->tasks = t;
	fw->tasks_tail = t;
	fw->n_tasks++;
	if (t->running)
		p->state->n_tasks++;
}

/* Closes the innermost frame, folding what it collected into its parent. */
static int
pop(struct state_parser *p)
{
	struct mesos_state *s = p->state;
	enum ctx ctx;

	if (p->skip > 0) {
		p->skip--;
		return 1;
	}
	if (p->depth == 0)
		return fatal(p, "state: unbalanced JSON");
	ctx = p->frames[--p->depth].ctx;
	switch (ctx) {
	case C_FRAMEWORK:
		if (s->frameworks_tail)
			s->frameworks_tail->next = p->fw;
		else
			s->frameworks = p->fw;
		s->frameworks_tail = p->fw;
		s->n_frameworks++;
		if (p->fw->invalid)
			s->n_skipped++;
		p->fw = NULL;
		break;
	case C_TASK:
		p->task->best_ts = p->best_ts;
		link_task(p);
		p->task = NULL;
		arena_reset(&p->scratch);
		break;
	case C_STATUS:
		/* Health is the latest status's, whatever its state; the
		 * last one on ties (statuses are listed oldest first). */
		if (p->st_ts >= p->latest_ts) {
			p->latest_ts = p->st_ts;
			p->task->health = p->st_health;
		}
		/* The latest TASK_RUNNING status wins; the first on ties. */
		if (p->st_running && p->st_ts > p->best_ts) {
			p->best_ts = p->st_ts;
			if (!take_status_ips(p))
				return oom(p);
		}
		break;
	case C_LABEL:
		if (p->label_kind == LABEL_MESOS &&
		    !strlist_push(p, &p->st_ips[TIP_MESOS], p->label_value,
			p->label_value_len))
			return oom(p);
		if (p->label_kind == LABEL_DOCKER &&
		    !strlist_push(p, &p->st_ips[TIP_DOCKER], p->label_value,
			p->label_value_len))
			return oom(p);
		break;
	case C_NETINFO:
		if (p->ni_ips.n > 0) {
			for (struct strnode *n = p->ni_ips.head; n; n = n->next)
				if (!strlist_push(p, &p->st_ips[TIP_NETINFO],
					n->s, n->len))
					return oom(p);
		} else if (p->ni_ip_len > 0 &&
		    !strlist_push(p, &p->st_ips[TIP_NETINFO], p->ni_ip,
			p->ni_ip_len)) {
			return oom(p);
		}
		break;
	case C_IPADDR:
		if (!strlist_push(p, &p->ni_ips, p->ipaddr, p->ipaddr_len))
			return oom(p);
		break;
	case C_DIPORT: {
		struct di_port *d = arena_alloc(&s->arena, sizeof *d);

		if (d == NULL)
			return oom(p);
		*d = p->diport;
		if (p->task->di_ports_tail)
			p->task->di_ports_tail->next = d;
		else
			p->task->di_ports = d;
		p->task->di_ports_tail = d;
		break;
	}
	case C_SLAVE:
		if (p->slave->invalid) {
			s->n_skipped++;
		} else {
			if (s->slaves_tail)
				s->slaves_tail->next = p->slave;
			else
				s->slaves = p->slave;
			s->slaves_tail = p->slave;
			s->n_slaves++;
		}
		p->slave = NULL;
		break;
	default:
		break;
	}
	return 1;
}

static int
cb_null(void *ctx)
{
	return value(ctx, V_NULL, NULL, 0);
}

static int
cb_boolean(void *ctx, int b)
{
	return value(ctx, V_BOOL, b ? "true" : "false", b ? 4 : 5);
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	return value(ctx, V_NUMBER, s, len);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return value(ctx, V_STRING, (const char *)s, len);
}

static int
cb_start_map(void *ctx)
{
	return value(ctx, V_MAP, NULL, 0);
}

static int
cb_start_array(void *ctx)
{
	return value(ctx, V_ARRAY, NULL, 0);
}

static int
cb_end(void *ctx)
{
	return pop(ctx);
}

static int
cb_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct state_parser *p = ctx;
	struct frame *top;

	if (p->skip > 0 || p->depth == 0)
		return 1;
	top = &p->frames[p->depth - 1];
	top->key = K_NONE;
	if (len == 0)
		return 1;
	for (unsigned i = ctx_keys[top->ctx].first,
		      end = i + ctx_keys[top->ctx].n;
	     i < end; i++) {
		const char *name = keydefs[i].name;
		unsigned char c = key[0];

		/* Most keys are ones we do not read: the first byte (ASCII
		 * case-folded) rules out all but one or two. */
		if (c < 0x80 && (c | 0x20) != (unsigned char)name[0])
			continue;
		if (json_key_matches(name, (const char *)key, len)) {
			top->key = keydefs[i].key;
			break;
		}
	}
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end,
};

struct state_parser *
state_parser_new(void)
{
	struct state_parser *p = calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	if ((p->state = calloc(1, sizeof *p->state)) == NULL) {
		free(p);
		return NULL;
	}
	arena_init(&p->state->arena, (size_t)8 << 20);
	arena_init(&p->state->names, (size_t)8 << 20);
	arena_init(&p->scratch, (size_t)64 << 10);
	pthread_once(&ctx_keys_once, ctx_keys_init);
	if ((p->yajl = yajl_alloc(&callbacks, NULL, p)) == NULL) {
		free(p->state);
		free(p);
		return NULL;
	}
	/* Go accepts invalid UTF-8 in strings; so do we (names are normalised
	 * to ASCII anyway, and JSON output escapes the rest). */
	yajl_config(p->yajl, yajl_dont_validate_strings, 1);
	p->frames[0].ctx = C_TOP;
	p->depth = 1;
	return p;
}

static void
yajl_failure(struct state_parser *p, const unsigned char *data, size_t len)
{
	unsigned char *msg;

	if (p->failed)
		return;
	msg = yajl_get_error(p->yajl, 0, data, len);
	snprintf(p->error, sizeof p->error, "invalid JSON at byte %zu: %s",
	    p->chunk_start + yajl_get_bytes_consumed(p->yajl),
	    msg ? (char *)msg : "?");
	for (char *c = p->error; *c; c++)
		if (*c == '\n')
			*c = ' ';
	if (msg)
		yajl_free_error(p->yajl, msg);
	p->failed = true;
}

static int
string_too_long(struct state_parser *p, size_t at)
{
	snprintf(p->error, sizeof p->error,
	    "a JSON string "
	    "longer than %u bytes at byte %zu",
	    MAX_STRING_BYTES, p->offset + at);
	p->failed = true;
	return -1;
}

/* The index of the first '"' or '\\' in d[i..len), or len.  Eight bytes a
 * step: a state is mostly string bytes (35 MB at 100k tasks), and a
 * byte-wise loop over them was 8% of the start-up's instructions.  In
 * each word, a byte's "is zero" bit can be wrong only above a byte that
 * really is zero, so the lowest bit found is exact. */
static size_t
next_quote_or_escape(const unsigned char *d, size_t i, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t quote = ones * '"', escape = ones * '\\';

	for (; i + 8 <= len; i += 8) {
		uint64_t w, x, y, m;

		memcpy(&w, d + i, 8);
		x = w ^ quote;
		y = w ^ escape;
		m = (((x - ones) & ~x) | ((y - ones) & ~y)) &
		    0x8080808080808080ULL;
		if (m != 0)
			return i + (size_t)(__builtin_ctzll(m) >> 3);
	}
	while (i < len && d[i] != '"' && d[i] != '\\')
		i++;
	return i;
}

/* Fails the parse when a string grows past MAX_STRING_BYTES.  Every byte
 * between the quotes counts, escapes included; runs without a quote or a
 * backslash are skipped a span at a time. */
static int
check_strings(struct state_parser *p, const unsigned char *d, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j;

		if (!p->in_string) {
			const unsigned char *q = memchr(d + i, '"', len - i);

			if (q == NULL)
				break;
			i = (size_t)(q - d) + 1;
			p->in_string = true;
			p->string_len = 0;
			continue;
		}
		if (p->escaped) {
			p->escaped = false;
			if (++p->string_len > MAX_STRING_BYTES)
				return string_too_long(p, i);
			i++;
			continue;
		}
		j = next_quote_or_escape(d, i, len);
		if (p->string_len + (j - i) > MAX_STRING_BYTES)
			return string_too_long(p,
			    i + (MAX_STRING_BYTES - p->string_len));
		p->string_len += j - i;
		if (j == len)
			break;
		i = j + 1;
		if (d[j] == '"') {
			p->in_string = false; /* the quote is not content */
			continue;
		}
		p->escaped = true;
		if (++p->string_len > MAX_STRING_BYTES)
			return string_too_long(p, j);
	}
	p->offset += len;
	return 0;
}

int
state_parser_feed(struct state_parser *p, const void *data, size_t len)
{
	yajl_status st;

	if (p->failed)
		return -1;
	p->chunk_start = p->offset;
	if (check_strings(p, data, len) < 0)
		return -1;
	st = yajl_parse(p->yajl, data, len);
	if (st != yajl_status_ok) {
		yajl_failure(p, data, len);
		return -1;
	}
	return 0;
}

struct mesos_state *
state_parser_finish(struct state_parser *p)
{
	struct mesos_state *s;

	if (p->failed)
		return NULL;
	if (yajl_complete_parse(p->yajl) != yajl_status_ok) {
		yajl_failure(p, NULL, 0);
		if (strstr(p->error, "premature EOF") || p->error[0] == '\0')
			snprintf(p->error, sizeof p->error,
			    "truncated JSON: "
			    "the body ended after %zu bytes",
			    p->offset);
		return NULL;
	}
	if (p->depth != 1) {
		fatal(p, "state: unbalanced JSON");
		return NULL;
	}
	s = p->state;
	p->state = NULL;
	return s;
}

const char *
state_parser_error(const struct state_parser *p)
{
	return p->error;
}

void
state_parser_free(struct state_parser *p)
{
	if (p == NULL)
		return;
	if (p->yajl)
		yajl_free(p->yajl);
	mesos_state_free(p->state);
	arena_free(&p->scratch);
	free(p->ids);
	free(p);
}

struct mesos_state *
state_parse(const void *data, size_t len, char *err, size_t errlen)
{
	struct state_parser *p = state_parser_new();
	struct mesos_state *s = NULL;

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (state_parser_feed(p, data, len) == 0)
		s = state_parser_finish(p);
	if (s == NULL)
		snprintf(err, errlen, "%s", state_parser_error(p));
	state_parser_free(p);
	return s;
}
