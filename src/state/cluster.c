/* cluster.c -- the event-driven cluster model (see cluster.h).
 *
 * Frameworks, tasks and agents sit in string-keyed hash maps; insertion
 * order is kept with a sequence number so that a view lists them in the
 * master's order, as a poll would.  Events are the v1 operator API's JSON
 * (protobuf field names, ids as {"value": ...}).
 *
 * A task is one allocation holding its strings and arrays (a 100,000-task
 * model is mostly tasks, and malloc's per-block cost dominated when each
 * string was its own block); its map key lives in it; agent ids are
 * interned, shared by the tasks of an agent.  Addresses that an event
 * replaces move out of the block into their own.
 *
 * Out of memory never leaves a half-made entry: a load fails as a whole
 * (the reload loop keeps the old records), an event that cannot be applied
 * in full asks for a poll (CLUSTER_NEEDS_POLL) with one log line.
 */
#include "state/cluster.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util/hash.h"
#include "util/intern.h"
#include "util/jsontree.h"

#define APP_LABEL_MAX 64 /* room for a label part of an app key */

/* ---- a small string map ---- */

#define TOMBSTONE ((void *)1)

/* Values keyed by a string each value holds (key_of): the map keeps no
 * copy of its keys. */
struct smap {
	void **vals;	     /* NULL free, TOMBSTONE deleted */
	size_t cap, n, used; /* used counts tombstones too */
	const char *(*key_of)(const void *val);
	/* NULL, or a tag per slot that its user keeps about the value there
	 * (0 for a value just put): a task map's tags are its app labels'
	 * hashes, which an overlay's view reads in one sweep. */
	uint32_t *tags;
};

static bool
smap_live(const struct smap *m, size_t i)
{
	return m->vals[i] != NULL && m->vals[i] != TOMBSTONE;
}

/* The slot of key, or of the free slot that ends its probe sequence. */
static size_t
smap_slot(const struct smap *m, const char *key)
{
	size_t i;

	for (i = (size_t)hash_str(key) & (m->cap - 1); m->vals[i] != NULL;
	     i = (i + 1) & (m->cap - 1))
		if (m->vals[i] != TOMBSTONE &&
		    strcmp(m->key_of(m->vals[i]), key) == 0)
			break;
	return i;
}

static void *
smap_get(const struct smap *m, const char *key)
{
	if (m->cap == 0)
		return NULL;
	return m->vals[smap_slot(m, key)];
}

/* Room for one more at a load (tombstones too) of at most 3/4: linear
 * probing stays short there, and a map holds only a pointer per slot. */
static int
smap_grow(struct smap *m)
{
	struct smap bigger = { .key_of = m->key_of };

	if ((m->used + 1) * 4 <= m->cap * 3)
		return 0;
	bigger.cap = 64;
	while (bigger.cap < (m->n + 1) * 2)
		bigger.cap *= 2;
	if (bigger.cap <= m->cap && m->used > m->n * 2)
		bigger.cap = m->cap; /* mostly tombstones: same size */
	else if (bigger.cap <= m->cap)
		bigger.cap = m->cap * 2;
	if ((bigger.vals = calloc(bigger.cap, sizeof *bigger.vals)) == NULL)
		return -1;
	/* Tags are a cache: without room for them the map goes on without. */
	if (m->tags != NULL)
		bigger.tags = calloc(bigger.cap, sizeof *bigger.tags);
	for (size_t i = 0; i < m->cap; i++)
		if (smap_live(m, i)) {
			size_t k = smap_slot(&bigger, m->key_of(m->vals[i]));

			bigger.vals[k] = m->vals[i];
			if (bigger.tags != NULL)
				bigger.tags[k] = m->tags[i];
			bigger.n++;
		}
	bigger.used = bigger.n;
	free(m->vals);
	free(m->tags);
	*m = bigger;
	return 0;
}

/* Puts val under its key, in place of a value with the same key; that
 * one, or NULL, in *old.  -1 when out of memory (nothing changed). */
static int
smap_put(struct smap *m, void *val, void **old)
{
	size_t i;

	*old = NULL;
	if (smap_grow(m) < 0)
		return -1;
	i = smap_slot(m, m->key_of(val));
	if (m->vals[i] != NULL) {
		*old = m->vals[i];
	} else {
		m->n++;
		m->used++;
	}
	m->vals[i] = val;
	if (m->tags != NULL)
		m->tags[i] = 0;
	return 0;
}

static void *
smap_del(struct smap *m, const char *key)
{
	size_t i;
	void *v;

	if (m->cap == 0 || (v = m->vals[i = smap_slot(m, key)]) == NULL)
		return NULL;
	m->vals[i] = TOMBSTONE;
	m->n--;
	return v;
}

static void
smap_free(struct smap *m, void (*free_val)(void *, void *), void *ctx)
{
	for (size_t i = 0; i < m->cap; i++)
		if (smap_live(m, i) && free_val)
			free_val(m->vals[i], ctx);
	free(m->vals);
	free(m->tags);
	m->vals = NULL;
	m->tags = NULL;
	m->cap = m->n = m->used = 0;
}

/* ---- the model ---- */

struct cl_port {
	int64_t number;
	const char *protocol, *name; /* in the task's block */
};

/* One block: this, then n_di_ports struct cl_port, then the strings
 * one after the other (the key, the id when it differs from the key, the
 * name, the ports when present, the DiscoveryInfo name when present,
 * each NUL-terminated; read them with task_key/task_id/...), then the
 * addresses.  ~130 bytes for a usual task. */
struct cl_task {
	uint64_t order;
	double best_ts;	      /* of the latest TASK_RUNNING status; -1 none */
	double health_ts;     /* that status's time; -1 none */
	const char *agent_id; /* interned (cluster.ids) */
	/* Per source, in source order; in the block unless ips_own. */
	struct ipaddr *ips;
	uint32_t n_di_ports;
	uint16_t n_ips[TASK_IP_SOURCES];
	bool running;
	bool has_di;	 /* a DiscoveryInfo name (the string is there) */
	bool has_ports;	 /* resources.ports (the string is there) */
	bool id_differs; /* key is id + "\x01n": the id follows it */
	bool ips_own;	 /* ips is a block of its own */
	int8_t health;	 /* TASK_HEALTH_* of the latest status */
};

/* What a task is made of (borrowed strings and arrays). */
struct task_parts {
	const char *key, *id, *name, *agent_id, *ports, *di_name;
	bool has_di;
	const struct ipaddr *ips[TASK_IP_SOURCES];
	uint16_t n_ips[TASK_IP_SOURCES];
	const struct cl_port *di_ports;
	size_t n_di_ports;
};

struct cl_framework {
	char *id, *name, *hostname, *pid;
	bool pid_bad; /* the poll had a malformed pid */
	bool known;   /* seen in a poll or FRAMEWORK_* event */
	struct smap tasks;
	uint64_t order;
};

struct cl_agent {
	char *key; /* id, or id + "\x01n" for a repeated id */
	char *id, *pid;
	uint64_t order;
};

struct cluster {
	struct smap frameworks, agents;
	struct intern ids; /* the tasks' agent ids */
	char *leader;
	uint64_t next_order;
	bool loaded;
	const struct cluster_naming *naming; /* app keys */
};

static struct cl_port *
task_di_ports(const struct cl_task *t)
{
	/* The block is the task's own: only const for the caller. */
	return (struct cl_port *)(uintptr_t)(t + 1);
}

/* The map key: id, or id + "\x01n" for a repeated id. */
static const char *
task_key(const void *p)
{
	const struct cl_task *t = p;

	return (const char *)(task_di_ports(t) + t->n_di_ports);
}

static const char *
next_str(const char *s)
{
	return s + strlen(s) + 1;
}

static const char *
task_id(const struct cl_task *t)
{
	const char *key = task_key(t);

	return t->id_differs ? next_str(key) : key;
}

static const char *
task_name(const struct cl_task *t)
{
	return next_str(task_id(t));
}

/* NULL when absent. */
static const char *
task_ports(const struct cl_task *t)
{
	return t->has_ports ? next_str(task_name(t)) : NULL;
}

/* NULL without a DiscoveryInfo name. */
static const char *
task_di_name(const struct cl_task *t)
{
	const char *name = task_name(t);

	if (!t->has_di)
		return NULL;
	return next_str(t->has_ports ? next_str(name) : name);
}

static const char *
framework_key(const void *f)
{
	return ((const struct cl_framework *)f)->id;
}

static const char *
agent_key(const void *a)
{
	return ((const struct cl_agent *)a)->key;
}

static void
task_free(void *p, void *ctx)
{
	struct cl_task *t = p;
	struct cluster *c = ctx;

	if (t == NULL)
		return;
	intern_put(&c->ids, t->agent_id);
	if (t->ips_own)
		free(t->ips);
	free(t);
}

/* Copies s (when not NULL) to *at and returns the copy. */
static const char *
put_str(char **at, const char *s)
{
	size_t n;
	char *copy = *at;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(copy, s, n);
	*at += n;
	return copy;
}

/* A task block from its parts; NULL when out of memory. */
static struct cl_task *
task_make(struct cluster *c, const struct task_parts *p)
{
	size_t size = sizeof(struct cl_task), n_ips = 0;
	struct cl_task *t;
	char *at;

	size += p->n_di_ports * sizeof(struct cl_port);
	for (int k = 0; k < TASK_IP_SOURCES; k++)
		n_ips += p->n_ips[k];
	size += n_ips * sizeof(struct ipaddr);
	size += strlen(p->key) + strlen(p->name) + 2;
	if (strcmp(p->key, p->id) != 0)
		size += strlen(p->id) + 1;
	size += p->ports ? strlen(p->ports) + 1 : 0;
	size += p->di_name ? strlen(p->di_name) + 1 : 0;
	for (size_t i = 0; i < p->n_di_ports; i++)
		size += strlen(p->di_ports[i].protocol) +
		    strlen(p->di_ports[i].name) + 2;
	if ((t = calloc(1, size)) == NULL)
		return NULL;
	if ((t->agent_id = intern_get(&c->ids, p->agent_id)) == NULL) {
		free(t);
		return NULL;
	}
	t->n_di_ports = (uint32_t)p->n_di_ports;
	at = (char *)(uintptr_t)task_key(t);
	put_str(&at, p->key);
	t->id_differs = strcmp(p->key, p->id) != 0;
	if (t->id_differs)
		put_str(&at, p->id);
	put_str(&at, p->name);
	t->has_ports = p->ports != NULL;
	put_str(&at, p->ports);
	/* Only a DiscoveryInfo name is kept (has_di means one). */
	t->has_di = p->has_di && p->di_name != NULL;
	put_str(&at, t->has_di ? p->di_name : NULL);
	for (size_t i = 0; i < p->n_di_ports; i++) {
		struct cl_port *d = &task_di_ports(t)[i];

		d->number = p->di_ports[i].number;
		d->protocol = put_str(&at, p->di_ports[i].protocol);
		d->name = put_str(&at, p->di_ports[i].name);
	}
	t->ips = (struct ipaddr *)(void *)at;
	n_ips = 0;
	for (int k = 0; k < TASK_IP_SOURCES; k++) {
		if (p->n_ips[k] != 0)
			memcpy(t->ips + n_ips, p->ips[k],
			    p->n_ips[k] * sizeof(struct ipaddr));
		n_ips += p->n_ips[k];
		t->n_ips[k] = p->n_ips[k];
	}
	t->best_ts = -1;
	t->health_ts = -1;
	return t;
}

/* The addresses of source k. */
static struct ipaddr *
task_ips(const struct cl_task *t, int k)
{
	struct ipaddr *v = t->ips;

	for (int i = 0; i < k; i++)
		v += t->n_ips[i];
	return v;
}

/* Replaces the task's addresses (one block of their own); false when out
 * of memory (t unchanged). */
static bool
task_set_ips(struct cl_task *t, struct ipaddr *const ips[TASK_IP_SOURCES],
    const uint16_t n[TASK_IP_SOURCES])
{
	size_t total = 0;
	struct ipaddr *v;

	for (int k = 0; k < TASK_IP_SOURCES; k++)
		total += n[k];
	if ((v = malloc((total + 1) * sizeof *v)) == NULL)
		return false;
	total = 0;
	for (int k = 0; k < TASK_IP_SOURCES; k++) {
		if (n[k] != 0)
			memcpy(v + total, ips[k], n[k] * sizeof *v);
		total += n[k];
		t->n_ips[k] = n[k];
	}
	if (t->ips_own)
		free(t->ips);
	t->ips = v;
	t->ips_own = true;
	return true;
}

static void
framework_free(void *p, void *ctx)
{
	struct cl_framework *f = p;

	if (f == NULL)
		return;
	smap_free(&f->tasks, task_free, ctx);
	free(f->id);
	free(f->name);
	free(f->hostname);
	free(f->pid);
	free(f);
}

static void
agent_free(void *p, void *ctx)
{
	struct cl_agent *a = p;

	(void)ctx;
	if (a == NULL)
		return;
	if (a->key != a->id)
		free(a->key);
	free(a->id);
	free(a->pid);
	free(a);
}

void
cluster_set_naming(struct cluster *c, const struct cluster_naming *naming)
{
	assert(naming != NULL && naming->label_size <= APP_LABEL_MAX);
	if (naming == c->naming)
		return;
	c->naming = naming;
	/* The tasks' app label hashes were under the old rules. */
	for (size_t i = 0; i < c->frameworks.cap; i++) {
		struct cl_framework *f;

		if (!smap_live(&c->frameworks, i))
			continue;
		f = c->frameworks.vals[i];
		free(f->tasks.tags);
		f->tasks.tags = NULL;
	}
}

struct cluster *
cluster_new(const struct cluster_naming *naming)
{
	struct cluster *c = calloc(1, sizeof(struct cluster));

	assert(naming != NULL && naming->label_size <= APP_LABEL_MAX);
	if (c != NULL) {
		c->naming = naming;
		c->frameworks.key_of = framework_key;
		c->agents.key_of = agent_key;
	}
	return c;
}

/* The first part of an app key (malloc'ed; NULL when out of memory). */
static char *
app_fname(const struct cluster *c, const char *fw_name)
{
	return c->naming->fname(fw_name, strlen(fw_name), c->naming->rfc952);
}

/* The second part, of the task's DiscoveryInfo name or of its name. */
static void
app_label(const struct cluster *c, const char *name, const char *di_name,
    char out[APP_LABEL_MAX])
{
	c->naming->label(name, strlen(name), di_name,
	    di_name ? strlen(di_name) : 0, c->naming->rfc952, out);
}

/* The app a task's names belong to; false (out "") when out of memory. */
static bool
app_key(const struct cluster *c, const char *fw_name, const char *name,
    const char *di_name, char *out, size_t len)
{
	char *fname = app_fname(c, fw_name), label[APP_LABEL_MAX];

	out[0] = '\0';
	if (fname == NULL)
		return false;
	app_label(c, name, di_name, label);
	c->naming->join(out, len, fname, label);
	free(fname);
	return true;
}

static void
cluster_clear(struct cluster *c)
{
	smap_free(&c->frameworks, framework_free, c);
	smap_free(&c->agents, agent_free, c);
	/* Every task went: no agent id is left. */
	assert(intern_count(&c->ids) == 0);
	intern_free(&c->ids);
	free(c->leader);
	c->leader = NULL;
}

void
cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	cluster_clear(c);
	free(c);
}

bool
cluster_loaded(const struct cluster *c)
{
	return c->loaded;
}

static char *
dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* Replaces *slot with a copy of s; false (and *slot kept) when out of
 * memory. */
static bool
set_str(char **slot, const char *s)
{
	char *copy = dup_or_empty(s);

	if (copy == NULL)
		return false;
	free(*slot);
	*slot = copy;
	return true;
}

/* What an event that could not be applied for want of memory did: the
 * model misses it, so only a poll brings it up to date. */
static enum cluster_change
event_lost(const char *type)
{
	log_error_every(10000,
	    "events: out of memory applying %s; the next poll reloads the "
	    "state",
	    type);
	return CLUSTER_NEEDS_POLL;
}

static struct cl_framework *
framework_get(struct cluster *c, const char *id, bool create)
{
	struct cl_framework *f = smap_get(&c->frameworks, id);
	void *old;

	if (f != NULL || !create)
		return f;
	if ((f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	f->tasks.key_of = task_key;
	f->id = dup_or_empty(id);
	f->name = dup_or_empty("");
	f->hostname = dup_or_empty("");
	f->order = c->next_order++;
	if (f->id == NULL || f->name == NULL || f->hostname == NULL ||
	    smap_put(&c->frameworks, f, &old) < 0) {
		framework_free(f, c);
		return NULL;
	}
	return f;
}

/* Puts t (taken over) into f; false when out of memory (t is freed). */
static bool
task_put(struct cluster *c, struct cl_framework *f, struct cl_task *t)
{
	struct cl_task *old = smap_get(&f->tasks, task_key(t));
	void *replaced;

	if (old != NULL)
		t->order = old->order; /* a replacement keeps its place */
	if (smap_put(&f->tasks, t, &replaced) < 0) {
		task_free(t, c);
		return false;
	}
	task_free(replaced, c);
	return true;
}

/* A state may list the same id twice (two tasks with one id, say); each
 * copy stays its own entry, as in the poll, under "<id>\x01<n>" (a new
 * string, whatever the id's length).  Events name the first copy. */
static char *
unique_key(const struct smap *m, const char *id)
{
	char *key;

	if (smap_get(m, id) == NULL)
		return strdup(id);
	for (unsigned n = 2;; n++) {
		if (asprintf(&key, "%s\x01%u", id, n) < 0)
			return NULL;
		if (smap_get(m, key) == NULL)
			return key;
		free(key);
	}
}

/* A polled task into f; -1 when out of memory.  ports is scratch room
 * for its DiscoveryInfo ports (*cap entries, grown here). */
static int
load_task(struct cluster *c, struct cl_framework *f,
    const struct mesos_task *pt, struct cl_port **ports, size_t *cap)
{
	struct task_parts p = { .id = pt->id ? pt->id : "",
		.name = pt->name ? pt->name : "",
		.agent_id = pt->slave_id ? pt->slave_id : "",
		.ports = pt->ports,
		.di_name = pt->di_name,
		.has_di = pt->di_name != NULL };
	char *ukey = NULL;
	struct cl_task *t;
	size_t n = 0;

	for (const struct di_port *d = pt->di_ports; d; d = d->next)
		n++;
	if (n > *cap) {
		struct cl_port *v = realloc(*ports, n * 2 * sizeof *v);

		if (v == NULL)
			return -1;
		*ports = v;
		*cap = n * 2;
	}
	n = 0;
	for (const struct di_port *d = pt->di_ports; d; d = d->next)
		(*ports)[n++] = (struct cl_port){ .number = d->number,
			.protocol = d->protocol ? d->protocol : "",
			.name = d->name ? d->name : "" };
	p.di_ports = *ports;
	p.n_di_ports = n;
	for (int k = 0; k < TASK_IP_SOURCES; k++) {
		p.ips[k] = pt->ips[k];
		p.n_ips[k] = pt->n_ips[k];
	}
	if (smap_get(&f->tasks, p.id) == NULL) {
		p.key = p.id;
	} else if ((ukey = unique_key(&f->tasks, p.id)) == NULL) {
		return -1;
	} else {
		p.key = ukey;
	}
	t = task_make(c, &p);
	free(ukey);
	if (t == NULL)
		return -1;
	t->running = pt->running;
	t->best_ts = pt->best_ts;
	t->health = pt->health;
	/* events are newer than the poll */
	t->health_ts = -1;
	t->order = c->next_order++;
	return task_put(c, f, t) ? 0 : -1;
}

int
cluster_load(struct cluster *c, const struct mesos_state *s)
{
	uint64_t anon = 0;
	struct cl_port *ports = NULL;
	size_t ports_cap = 0;

	cluster_clear(c);
	c->leader = s->leader ? strdup(s->leader) : NULL;
	if (s->leader != NULL && c->leader == NULL)
		return -1;
	for (const struct mesos_framework *pf = s->frameworks; pf;
	     pf = pf->next) {
		char key[64];
		const char *id = pf->id;
		struct cl_framework *f;

		if (pf->invalid)
			continue;
		/* A framework without id still needs a key of its own. */
		if (id == NULL || *id == '\0') {
			snprintf(key, sizeof key, "#anonymous-%llu",
			    (unsigned long long)anon++);
			id = key;
		}
		{
			char *ukey = unique_key(&c->frameworks, id);

			f = ukey ? framework_get(c, ukey, true) : NULL;
			free(ukey);
			if (f == NULL)
				goto fail;
		}
		f->known = true;
		if (!set_str(&f->name, pf->name) ||
		    !set_str(&f->hostname, pf->hostname))
			goto fail;
		free(f->pid);
		f->pid = pf->pid && !pf->pid_bad ? strdup(pf->pid) : NULL;
		if (pf->pid && !pf->pid_bad && f->pid == NULL)
			goto fail;
		f->pid_bad = pf->pid_bad;
		for (const struct mesos_task *pt = pf->tasks; pt; pt = pt->next)
			if (load_task(c, f, pt, &ports, &ports_cap) < 0)
				goto fail;
	}
	free(ports);
	ports = NULL;
	for (const struct mesos_slave *ps = s->slaves; ps; ps = ps->next) {
		struct cl_agent *a = calloc(1, sizeof *a);
		void *old;

		if (a == NULL)
			return -1;
		a->id = dup_or_empty(ps->id);
		a->pid = ps->pid && !ps->pid_bad ? strdup(ps->pid) : NULL;
		a->order = c->next_order++;
		if (a->id == NULL ||
		    (ps->pid && !ps->pid_bad && a->pid == NULL)) {
			agent_free(a, c);
			return -1;
		}
		if (smap_get(&c->agents, a->id) == NULL)
			a->key = a->id;
		else
			a->key = unique_key(&c->agents, a->id);
		if (a->key == NULL || smap_put(&c->agents, a, &old) < 0) {
			agent_free(a, c);
			return -1;
		}
	}
	c->loaded = true;
	return 0;
fail:
	free(ports);
	return -1;
}

/* ---- v1 JSON helpers ---- */

/* An id: {"value": "..."}. */
static const char *
jid(yajl_val obj, const char *key)
{
	return json_str(json_get(obj, key), "value");
}

static yajl_val
jat(yajl_val arr, size_t i)
{
	return arr->u.array.values[i];
}

static bool
is_terminal(const char *state)
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

	for (size_t i = 0; i < sizeof terminal / sizeof terminal[0]; i++)
		if (strcmp(state, terminal[i]) == 0)
			return true;
	return false;
}

/* Appends a parsed address to a growing array; false when out of
 * memory (text that is no address is skipped, as in the poll). */
static bool
push_ip(struct ipaddr **v, uint16_t *n, const char *text)
{
	struct ipaddr ip, *nv;

	if (text == NULL || !ipaddr_parse(text, strlen(text), &ip) ||
	    *n == UINT16_MAX)
		return true;
	if ((nv = realloc(*v, (*n + 1) * sizeof *nv)) == NULL)
		return false;
	*v = nv;
	(*v)[(*n)++] = ip;
	return true;
}

/* A status: if it is the latest TASK_RUNNING one, its addresses become the
 * task's (state.md §3).  False when out of memory (t unchanged). */
static bool
apply_status(struct cl_task *t, yajl_val st)
{
	const char *state = json_str(st, "state");
	yajl_val ts = json_get(st, "timestamp"), labels, nis;
	double when = YAJL_IS_NUMBER(ts) ? ts->u.number.d : 0;
	struct ipaddr *ips[TASK_IP_SOURCES] = { NULL };
	uint16_t n[TASK_IP_SOURCES] = { 0 };
	yajl_val healthy = json_get(st, "healthy");
	bool ok = true;

	/* Health is the latest status's, whatever its state (parse.c). */
	if (when >= t->health_ts) {
		t->health_ts = when;
		t->health = YAJL_IS_TRUE(healthy) ? TASK_HEALTH_OK :
		    YAJL_IS_FALSE(healthy)	  ? TASK_HEALTH_BAD :
						    TASK_HEALTH_UNKNOWN;
	}
	if (state == NULL || strcmp(state, "TASK_RUNNING") != 0 ||
	    when <= t->best_ts)
		return true;
	nis = json_get(json_get(st, "container_status"), "network_infos");
	for (size_t i = 0; i < json_len(nis); i++) {
		yajl_val ni = jat(nis, i), addrs = json_get(ni, "ip_addresses");

		if (json_len(addrs) > 0) {
			for (size_t k = 0; k < json_len(addrs); k++)
				ok &=
				    push_ip(&ips[TIP_NETINFO], &n[TIP_NETINFO],
					json_str(jat(addrs, k), "ip_address"));
		} else {
			ok &= push_ip(&ips[TIP_NETINFO], &n[TIP_NETINFO],
			    json_str(ni, "ip_address"));
		}
	}
	labels = json_get(json_get(st, "labels"), "labels");
	for (size_t i = 0; i < json_len(labels); i++) {
		const char *k = json_str(jat(labels, i), "key");
		const char *v = json_str(jat(labels, i), "value");

		if (k == NULL)
			continue;
		if (strcmp(k, "MesosContainerizer.NetworkSettings.IPAddress") ==
		    0)
			ok &= push_ip(&ips[TIP_MESOS], &n[TIP_MESOS], v);
		else if (strcmp(k, "Docker.NetworkSettings.IPAddress") == 0)
			ok &= push_ip(&ips[TIP_DOCKER], &n[TIP_DOCKER], v);
	}
	ok = ok && task_set_ips(t, ips, n);
	for (int k = 0; k < TASK_IP_SOURCES; k++)
		free(ips[k]);
	if (!ok)
		return false;
	t->best_ts = when;
	return true;
}

/* The "[b-e, b-e]" text of a v1 resources list's RANGES named ports. */
static char *
ports_text(yajl_val resources)
{
	char *out = NULL;
	size_t len = 0, cap = 0;

	for (size_t i = 0; i < json_len(resources); i++) {
		yajl_val r = jat(resources, i), ranges;
		const char *name = json_str(r, "name"),
			   *type = json_str(r, "type");

		if (name == NULL || type == NULL ||
		    strcmp(name, "ports") != 0 || strcmp(type, "RANGES") != 0)
			continue;
		ranges = json_get(json_get(r, "ranges"), "range");
		for (size_t k = 0; k < json_len(ranges); k++) {
			yajl_val b = json_get(jat(ranges, k), "begin");
			yajl_val e = json_get(jat(ranges, k), "end");
			char piece[64];
			int pn;

			if (!YAJL_IS_INTEGER(b) || !YAJL_IS_INTEGER(e))
				continue;
			pn = snprintf(piece, sizeof piece, "%s%lld-%lld",
			    len ? ", " : "[", b->u.number.i, e->u.number.i);
			if (len + (size_t)pn + 2 > cap) {
				char *no = realloc(out, cap = (cap + 64) * 2);

				if (no == NULL) {
					free(out);
					return NULL;
				}
				out = no;
			}
			memcpy(out + len, piece, (size_t)pn);
			len += (size_t)pn;
		}
	}
	if (out == NULL)
		return strdup("[]");
	out[len++] = ']';
	out[len] = '\0';
	return out;
}

/* A v1 Task object into a model task; NULL when a field we read has the
 * wrong type (only that task is dropped) or, *oom set, out of memory. */
static struct cl_task *
task_from_json(struct cluster *c, yajl_val j, const char **fw_id, bool *oom)
{
	struct cl_task *t = NULL;
	const char *id = jid(j, "task_id"), *state = json_str(j, "state");
	yajl_val name = json_get(j, "name"), statuses = json_get(j, "statuses");
	yajl_val disc = json_get(j, "discovery");
	yajl_val dports = json_get(json_get(disc, "ports"), "ports");
	struct task_parts p = { 0 };
	struct cl_port *ports = NULL;
	char *ports_txt = NULL;

	*fw_id = jid(j, "framework_id");
	if (id == NULL || *fw_id == NULL || (name && !YAJL_IS_STRING(name)) ||
	    (state == NULL))
		return NULL;
	*oom = true;
	p.key = p.id = id;
	p.name = YAJL_IS_STRING(name) ? name->u.string : "";
	p.agent_id = jid(j, "agent_id") ? jid(j, "agent_id") : "";
	if ((ports_txt = ports_text(json_get(j, "resources"))) == NULL)
		return NULL;
	p.ports = ports_txt;
	if (YAJL_IS_OBJECT(disc)) {
		p.di_name = json_str(disc, "name");
		p.has_di = p.di_name != NULL;
		ports = calloc(json_len(dports) + 1, sizeof *ports);
		if (ports == NULL)
			goto out;
		for (size_t i = 0; i < json_len(dports); i++) {
			yajl_val dp = jat(dports, i),
				 num = json_get(dp, "number");
			const char *proto = json_str(dp, "protocol"),
				   *pname = json_str(dp, "name");

			ports[i].number =
			    YAJL_IS_INTEGER(num) ? num->u.number.i : 0;
			ports[i].protocol = proto ? proto : "";
			ports[i].name = pname ? pname : "";
		}
		p.di_ports = ports;
		p.n_di_ports = json_len(dports);
	}
	if ((t = task_make(c, &p)) == NULL)
		goto out;
	t->running = strcmp(state, "TASK_RUNNING") == 0;
	for (size_t i = 0; i < json_len(statuses); i++)
		if (!apply_status(t, jat(statuses, i))) {
			task_free(t, c);
			t = NULL;
			goto out;
		}
	*oom = false;
out:
	free(ports);
	free(ports_txt);
	return t;
}

static enum cluster_change
apply_task_added(struct cluster *c, yajl_val ev)
{
	const char *fw_id;
	bool oom = false;
	struct cl_task *t =
	    task_from_json(c, json_get(ev, "task"), &fw_id, &oom);
	struct cl_framework *f;
	bool known;

	if (t == NULL && oom)
		return event_lost("TASK_ADDED");
	if (t == NULL) {
		log_error_every(10000,
		    "event stream: TASK_ADDED with a "
		    "malformed task; ignored");
		return CLUSTER_UNKNOWN;
	}
	if ((f = framework_get(c, fw_id, true)) == NULL) {
		task_free(t, c);
		return event_lost("TASK_ADDED");
	}
	known = f->known;
	t->order = c->next_order++;
	if (!task_put(c, f, t))
		return event_lost("TASK_ADDED");
	return known ? CLUSTER_CHANGED : CLUSTER_UNKNOWN;
}

static enum cluster_change
apply_task_updated(struct cluster *c, yajl_val ev)
{
	const char *fw_id = jid(ev, "framework_id"),
		   *state = json_str(ev, "state");
	yajl_val status = json_get(ev, "status");
	const char *task_id = jid(status, "task_id");
	struct cl_framework *f;
	struct cl_task *t;
	bool was_running;

	if (fw_id == NULL || task_id == NULL)
		return CLUSTER_UNKNOWN;
	if (state == NULL)
		state = json_str(status, "state");
	if (state == NULL)
		return CLUSTER_UNKNOWN;
	f = framework_get(c, fw_id, false);
	t = f ? smap_get(&f->tasks, task_id) : NULL;
	if (t == NULL)
		/* Terminal news of a task we do not have changes nothing. */
		return is_terminal(state) ? CLUSTER_NONE : CLUSTER_UNKNOWN;
	if (is_terminal(state)) {
		task_free(smap_del(&f->tasks, task_id), c);
		return CLUSTER_CHANGED;
	}
	was_running = t->running;
	t->running = strcmp(state, "TASK_RUNNING") == 0;
	if (t->agent_id[0] == '\0' && jid(status, "agent_id") != NULL) {
		const char *agent =
		    intern_get(&c->ids, jid(status, "agent_id"));

		if (agent == NULL)
			return event_lost("TASK_UPDATED");
		intern_put(&c->ids, t->agent_id);
		t->agent_id = agent;
	}
	if (!apply_status(t, status))
		return event_lost("TASK_UPDATED");
	return t->running || was_running ? CLUSTER_CHANGED : CLUSTER_NONE;
}

static enum cluster_change
apply_agent_added(struct cluster *c, yajl_val ev)
{
	yajl_val agent = json_get(ev, "agent"),
		 info = json_get(agent, "agent_info");
	const char *id = jid(info, "id"), *pid = json_str(agent, "pid");
	const char *host = json_str(info, "hostname");
	yajl_val port = json_get(info, "port");
	struct cl_agent *a, *old;
	void *replaced;
	char made[512];

	if (id == NULL)
		return CLUSTER_UNKNOWN;
	if (pid == NULL && host != NULL) {
		/* No pid: the agent's own host and port, in pid form. */
		snprintf(made, sizeof made, "slave(1)@%s:%lld", host,
		    YAJL_IS_INTEGER(port) ? port->u.number.i : 5051LL);
		pid = made;
	}
	if ((a = calloc(1, sizeof *a)) == NULL)
		return event_lost("AGENT_ADDED");
	a->id = strdup(id);
	a->pid = pid ? strdup(pid) : NULL;
	a->key = a->id;
	if (a->id == NULL || (pid != NULL && a->pid == NULL)) {
		agent_free(a, c);
		return event_lost("AGENT_ADDED");
	}
	old = smap_get(&c->agents, id);
	a->order = old ? old->order : c->next_order++;
	if (smap_put(&c->agents, a, &replaced) < 0) {
		agent_free(a, c);
		return event_lost("AGENT_ADDED");
	}
	agent_free(replaced, c);
	return CLUSTER_CHANGED;
}

static enum cluster_change
apply_framework(struct cluster *c, yajl_val fw_info, bool removed)
{
	const char *id = jid(fw_info, "id");
	struct cl_framework *f;

	if (id == NULL)
		return CLUSTER_UNKNOWN;
	if (removed) {
		framework_free(smap_del(&c->frameworks, id), c);
		return CLUSTER_CHANGED;
	}
	if ((f = framework_get(c, id, true)) == NULL)
		return event_lost("a framework event");
	f->known = true;
	if (!set_str(&f->name, json_str(fw_info, "name")) ||
	    !set_str(&f->hostname, json_str(fw_info, "hostname")))
		return event_lost("a framework event");
	/* v1 has no pid: the next poll brings it (events.md §5). */
	return CLUSTER_NEEDS_POLL;
}

enum cluster_change
cluster_apply(struct cluster *c, yajl_val ev)
{
	const char *type = json_str(ev, "type");

	if (type == NULL)
		return CLUSTER_NONE;
	if (strcmp(type, "TASK_ADDED") == 0)
		return apply_task_added(c, json_get(ev, "task_added"));
	if (strcmp(type, "TASK_UPDATED") == 0)
		return apply_task_updated(c, json_get(ev, "task_updated"));
	if (strcmp(type, "AGENT_ADDED") == 0)
		return apply_agent_added(c, json_get(ev, "agent_added"));
	if (strcmp(type, "AGENT_REMOVED") == 0) {
		const char *id = jid(json_get(ev, "agent_removed"), "agent_id");

		if (id == NULL)
			return CLUSTER_UNKNOWN;
		agent_free(smap_del(&c->agents, id), c);
		return CLUSTER_CHANGED;
	}
	if (strcmp(type, "FRAMEWORK_ADDED") == 0)
		return apply_framework(c,
		    json_get(json_get(json_get(ev, "framework_added"),
				 "framework"),
			"framework_info"),
		    false);
	if (strcmp(type, "FRAMEWORK_UPDATED") == 0)
		return apply_framework(c,
		    json_get(json_get(json_get(ev, "framework_updated"),
				 "framework"),
			"framework_info"),
		    false);
	if (strcmp(type, "FRAMEWORK_REMOVED") == 0)
		return apply_framework(c,
		    json_get(json_get(ev, "framework_removed"),
			"framework_info"),
		    true);
	return CLUSTER_NONE; /* HEARTBEAT, unknown types */
}

/* Adds key to the set; false when out of memory (the caller then says
 * that any name may change: an app left out would keep stale names). */
static bool
add_app(char ***apps, size_t *n, const char *key)
{
	char **v;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*apps)[i], key) == 0)
			return true;
	if ((v = realloc(*apps, (*n + 1) * sizeof *v)) == NULL)
		return false;
	*apps = v;
	if ((v[*n] = strdup(key)) == NULL)
		return false;
	(*n)++;
	return true;
}

static bool
add_task_app(const struct cluster *c, const struct cl_framework *f,
    const struct cl_task *t, char ***apps, size_t *n)
{
	char key[1024];

	return app_key(c, f->name, task_name(t), task_di_name(t), key,
		   sizeof key) &&
	    add_app(apps, n, key);
}

int
cluster_event_apps(const struct cluster *c, yajl_val ev, char ***apps,
    size_t *n)
{
	const char *type = json_str(ev, "type");

	*apps = NULL;
	*n = 0;
	if (type == NULL || strcmp(type, "HEARTBEAT") == 0)
		return 0;
	if (strcmp(type, "TASK_ADDED") == 0) {
		yajl_val task = json_get(json_get(ev, "task_added"), "task");
		yajl_val disc = json_get(task, "discovery");
		const char *fw_id = jid(task, "framework_id");
		const char *id = jid(task, "task_id");
		const char *name = json_str(task, "name");
		const struct cl_framework *f;
		const struct cl_task *old;
		char key[1024];

		if (fw_id == NULL || id == NULL ||
		    (f = smap_get(&c->frameworks, fw_id)) == NULL || !f->known)
			return -1;
		if (!app_key(c, f->name, name ? name : "",
			json_str(disc, "name"), key, sizeof key) ||
		    !add_app(apps, n, key))
			return -1;
		if ((old = smap_get(&f->tasks, id)) != NULL &&
		    !add_task_app(c, f, old, apps, n))
			return -1;
		return 0;
	}
	if (strcmp(type, "TASK_UPDATED") == 0) {
		yajl_val tu = json_get(ev, "task_updated");
		const char *fw_id = jid(tu, "framework_id");
		const char *id = jid(json_get(tu, "status"), "task_id");
		const struct cl_framework *f;
		const struct cl_task *t;

		if (fw_id == NULL || id == NULL ||
		    (f = smap_get(&c->frameworks, fw_id)) == NULL)
			return 0; /* unknown: nothing to rebuild */
		if ((t = smap_get(&f->tasks, id)) != NULL &&
		    !add_task_app(c, f, t, apps, n))
			return -1;
		return 0;
	}
	return -1; /* agents and frameworks: everything may change */
}

/* ---- the view ---- */

static int
by_order(const void *a, const void *b)
{
	uint64_t x = **(const uint64_t *const *)a;
	uint64_t y = **(const uint64_t *const *)b;

	return x < y ? -1 : x > y;
}

/* The map's values sorted by their `order` (the first field after the
 * strings differs per type, so the caller passes the offset); with `keep`,
 * only the values it accepts. */
static void **
sorted_values(const struct smap *m, size_t order_off, size_t *n,
    bool (*keep)(const struct smap *m, size_t slot, const void *ctx),
    const void *ctx)
{
	uint64_t **keys = calloc(m->n + 1, sizeof *keys);
	void **out = calloc(m->n + 1, sizeof *out);
	size_t k = 0;

	*n = 0;
	if (keys == NULL || out == NULL) {
		free(keys);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (smap_live(m, i) && (keep == NULL || keep(m, i, ctx)))
			keys[k++] = (uint64_t *)(void *)((char *)m->vals[i] +
			    order_off);
	qsort(keys, k, sizeof *keys, by_order);
	for (size_t i = 0; i < k; i++)
		out[i] = (char *)keys[i] - order_off;
	free(keys);
	*n = k;
	return out;
}

size_t
cluster_running_tasks(const struct cluster *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->frameworks.cap; i++) {
		const struct cl_framework *f;

		if (!smap_live(&c->frameworks, i))
			continue;
		f = c->frameworks.vals[i];
		for (size_t k = 0; k < f->tasks.cap; k++)
			if (smap_live(&f->tasks, k) &&
			    ((const struct cl_task *)f->tasks.vals[k])->running)
				n++;
	}
	return n;
}

/* A string of the view: the model's own (borrowed) or a copy. */
static const char *
in_arena(struct arena *a, const char *s, uint32_t *len, bool borrow)
{
	size_t n = s ? strlen(s) : 0;

	if (len)
		*len = (uint32_t)n;
	if (borrow)
		return s ? s : "";
	return arena_strndup(a, s ? s : "", n);
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The labels of the wanted apps of one framework, sorted: an overlay's
 * view tests every task of that framework against them (a cluster has
 * ~100k tasks, a burst of events ~1000 changed apps). */
struct wanted {
	const struct cluster *c;
	const char **labels;
	size_t n;
	/* label_hash() of each label, open addressing (0 free): most tasks
	 * are ruled out by their slot's tag alone. */
	uint32_t *hashes;
	size_t mask;
};

/* The 32-bit hash of an app label a task map's tag keeps; never 0 (the
 * tag of a task not looked at yet). */
static uint32_t
label_hash(const char *label)
{
	uint32_t h = (uint32_t)hash_str(label);

	return h != 0 ? h : 1;
}

static bool
wanted_hash(const struct wanted *w, uint32_t h)
{
	for (size_t i = h & w->mask; w->hashes[i] != 0; i = (i + 1) & w->mask)
		if (w->hashes[i] == h)
			return true;
	return false;
}

/* Fills w with the labels of the apps of framework name fw_name (keys
 * "fname\x01label"); false when out of memory. */
static bool
wanted_of(struct wanted *w, const char *fw_name, char *const *apps, size_t n)
{
	char *fname = app_fname(w->c, fw_name), *prefix = NULL;
	int plen = -1;

	w->n = 0;
	w->labels = NULL;
	w->hashes = NULL;
	/* The key of this framework's app with an empty label. */
	if (fname != NULL &&
	    (plen = w->c->naming->join(NULL, 0, fname, "")) >= 0 &&
	    (prefix = malloc((size_t)plen + 1)) != NULL)
		w->c->naming->join(prefix, (size_t)plen + 1, fname, "");
	if (prefix != NULL)
		w->labels = malloc((n + 1) * sizeof *w->labels);
	free(fname);
	if (w->labels == NULL) {
		free(prefix);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(apps[i], prefix, (size_t)plen) == 0)
			w->labels[w->n++] = apps[i] + plen;
	free(prefix);
	qsort(w->labels, w->n, sizeof *w->labels, by_string);
	/* At most half full. */
	for (w->mask = 1; w->mask < 2 * w->n; w->mask <<= 1)
		;
	if ((w->hashes = calloc(w->mask, sizeof *w->hashes)) == NULL) {
		free(w->labels);
		w->labels = NULL;
		return false;
	}
	w->mask--;
	for (size_t i = 0; i < w->n; i++) {
		uint32_t h = label_hash(w->labels[i]);
		size_t k = h & w->mask;

		while (w->hashes[k] != 0 && w->hashes[k] != h)
			k = (k + 1) & w->mask;
		w->hashes[k] = h;
	}
	return true;
}

/* Whether the task in slot i of a task map is of a wanted app.  The
 * slot's tag (when the map has tags) keeps its label's hash: a hash that
 * no wanted label has rules the task out without reading it, so a view
 * sweeps 100k tags rather than 100k tasks spread over the heap. */
static bool
task_wanted(const struct smap *m, size_t i, const void *ctx)
{
	const struct cl_task *t = m->vals[i];
	const struct wanted *w = ctx;
	char label[APP_LABEL_MAX];
	const char *key = label;
	uint32_t h = m->tags != NULL ? m->tags[i] : 0;

	if (h != 0 && !wanted_hash(w, h))
		return false;
	app_label(w->c, task_name(t), task_di_name(t), label);
	if (h == 0) {
		h = label_hash(label);
		if (m->tags != NULL)
			m->tags[i] = h;
		if (!wanted_hash(w, h))
			return false;
	}
	return bsearch(&key, w->labels, w->n, sizeof *w->labels, by_string) !=
	    NULL;
}

/* Appends the views of tasks to mf, its counts and s's running count
 * (lists in arena A, names in `names`, or the model's own strings when
 * borrow); false when out of memory (the tasks so far stay listed). */
static bool
view_tasks(struct mesos_state *s, struct arena *A, struct arena *names,
    const void *const *tasks, size_t n_tasks, bool borrow,
    struct mesos_framework *mf)
{
	for (size_t k = 0; tasks && k < n_tasks; k++) {
		const struct cl_task *t = tasks[k];
		struct mesos_task *mt;

		if ((mt = arena_alloc(A, sizeof *mt)) == NULL)
			return false;
		memset(mt, 0, sizeof *mt);
		mt->id = in_arena(names, task_id(t), &mt->id_len, borrow);
		mt->name = in_arena(names, task_name(t), &mt->name_len, borrow);
		/* Interned, as the poll parser's. */
		mt->slave_id = in_arena(A, t->agent_id, NULL, borrow);
		mt->ports = t->has_ports ?
		    in_arena(A, task_ports(t), NULL, borrow) :
		    NULL;
		mt->running = t->running;
		mt->health = t->health;
		for (int src = 0; src < TASK_IP_SOURCES; src++) {
			struct ipaddr *ips = task_ips(t, src);

			mt->n_ips[src] = t->n_ips[src];
			if (borrow)
				mt->ips[src] = t->n_ips[src] ? ips : NULL;
			else if (t->n_ips[src] &&
			    (mt->ips[src] = arena_alloc(A,
				 t->n_ips[src] * sizeof(struct ipaddr))))
				memcpy(mt->ips[src], ips,
				    t->n_ips[src] * sizeof(struct ipaddr));
			else
				mt->n_ips[src] = 0;
		}
		if (t->has_di)
			mt->di_name = in_arena(A, task_di_name(t),
			    &mt->di_name_len, borrow);
		for (size_t p = 0; p < t->n_di_ports; p++) {
			struct di_port *d = arena_alloc(A, sizeof *d);
			const struct cl_port *tp = &task_di_ports(t)[p];

			if (d == NULL)
				return false;
			memset(d, 0, sizeof *d);
			d->number = tp->number;
			d->protocol = in_arena(A, tp->protocol, NULL, borrow);
			d->name = in_arena(A, tp->name, NULL, borrow);
			if (mt->di_ports_tail)
				mt->di_ports_tail->next = d;
			else
				mt->di_ports = d;
			mt->di_ports_tail = d;
		}
		if (mf->tasks_tail)
			mf->tasks_tail->next = mt;
		else
			mf->tasks = mt;
		mf->tasks_tail = mt;
		mf->n_tasks++;
		if (mt->running)
			s->n_tasks++;
	}
	return true;
}

/* A lazy view's side: its frameworks in view order, and the task list of
 * the one asked for last. */
struct cluster_lazy {
	const struct cl_framework **fws;
	size_t n;
	struct arena arena;
	struct mesos_state scratch; /* counts of the listed tasks */
	struct mesos_framework mf;  /* the list itself */
};

static int
by_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const void *const *)a;
	uintptr_t y = (uintptr_t) * (const void *const *)b;

	return x < y ? -1 : x > y;
}

/* The agents the view's tasks run on (every entry of a repeated id), in
 * model order: an overlay's tasks need no other agent, and listing the
 * 4,000 of a 100k-task cluster cost every overlay build their sort, host
 * look-ups and agent table.  NULL when out of memory. */
static void **
used_agents(const struct cluster *c, const struct mesos_state *s, size_t *n)
{
	const char **ids;
	uint64_t **keys = NULL;
	void **out = NULL;
	size_t n_ids = 0, k = 0, cap = 16, listed = 0;
	char key[512];

	*n = 0;
	for (const struct mesos_framework *f = s->frameworks; f; f = f->next)
		listed += f->n_tasks;
	if ((ids = calloc(listed + 1, sizeof *ids)) == NULL)
		return NULL;
	for (const struct mesos_framework *f = s->frameworks; f; f = f->next)
		for (const struct mesos_task *t = f->tasks; t; t = t->next)
			ids[n_ids++] = t->slave_id;
	/* A borrowed view's ids are interned: equal ids, one look-up. */
	qsort(ids, n_ids, sizeof *ids, by_ptr);
	if ((keys = calloc(cap, sizeof *keys)) == NULL)
		goto out;
	for (size_t i = 0; i < n_ids; i++) {
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		for (unsigned dup = 1;; dup++) {
			struct cl_agent *a;

			if (dup == 1) {
				a = smap_get(&c->agents, ids[i]);
			} else {
				/* unique_key's form, whatever the id's length. */
				char *name = key;

				if (snprintf(key, sizeof key, "%s\x01%u",
					ids[i], dup) >= (int)sizeof key &&
				    asprintf(&name, "%s\x01%u", ids[i], dup) <
					0)
					goto out;
				a = smap_get(&c->agents, name);
				if (name != key)
					free(name);
			}
			if (a == NULL)
				break;
			if (k == cap) {
				uint64_t **v =
				    realloc(keys, cap * 2 * sizeof *v);

				if (v == NULL)
					goto out;
				keys = v;
				cap *= 2;
			}
			keys[k++] = &a->order;
		}
	}
	/* sorted_values' order; a copied view's equal ids listed twice. */
	qsort(keys, k, sizeof *keys, by_order);
	if ((out = calloc(k + 1, sizeof *out)) == NULL)
		goto out;
	for (size_t i = 0; i < k; i++)
		if (i == 0 || keys[i] != keys[i - 1])
			out[(*n)++] =
			    (char *)keys[i] - offsetof(struct cl_agent, order);
out:
	free(ids);
	free(keys);
	return out;
}

/* The view of every framework and task, or with apps != NULL only the
 * frameworks whose fname some app has, only the tasks of those apps and
 * only the agents these run on (an overlay's input: its task records come
 * out as in a full build, agents make no records in it). */
static struct mesos_state *
view(const struct cluster *c, char *const *apps, size_t n_apps, bool borrow,
    struct cluster_lazy *lazy)
{
	struct mesos_state *s = calloc(1, sizeof *s);
	struct arena *A;
	void **fws = NULL, **agents = NULL;
	size_t n_fws, n_agents;

	if (s == NULL)
		return NULL;
	arena_init(&s->arena, (size_t)1 << 20);
	arena_init(&s->names, (size_t)1 << 20);
	A = &s->arena;
	s->leader = c->leader ? in_arena(A, c->leader, NULL, borrow) : NULL;
	fws = sorted_values(&c->frameworks,
	    offsetof(struct cl_framework, order), &n_fws, NULL, NULL);
	if (fws == NULL)
		goto fail;
	if (lazy != NULL &&
	    (lazy->fws = calloc(n_fws + 1, sizeof *lazy->fws)) == NULL)
		goto fail;
	for (size_t i = 0; i < n_fws; i++) {
		struct cl_framework *f = fws[i];
		struct mesos_framework *mf;
		void **tasks;
		size_t n_tasks = 0;

		if (!f->known)
			continue; /* tasks wait for their framework */
		/* Every framework stays (with apps, only the tasks are
		 * filtered): a framework's own name may be a task's too. */
		if ((mf = arena_alloc(A, sizeof *mf)) == NULL)
			goto fail;
		memset(mf, 0, sizeof *mf);
		mf->name = in_arena(&s->names, f->name, &mf->name_len, borrow);
		mf->id = in_arena(A, f->id, NULL, borrow);
		mf->hostname = in_arena(A, f->hostname, NULL, borrow);
		mf->pid = f->pid ? in_arena(A, f->pid, NULL, borrow) : NULL;
		mf->pid_bad = f->pid_bad;
		if (lazy != NULL) {
			tasks = NULL;
		} else if (apps == NULL) {
			tasks = sorted_values(&f->tasks,
			    offsetof(struct cl_task, order), &n_tasks, NULL,
			    NULL);
		} else {
			struct wanted w = { .c = c };

			if (!wanted_of(&w, f->name, apps, n_apps))
				goto fail;
			/* Tags of the task map, kept for the next overlay
			 * (none when out of memory: labels each time). */
			if (w.n != 0 && f->tasks.tags == NULL)
				f->tasks.tags = calloc(f->tasks.cap + 1,
				    sizeof *f->tasks.tags);
			tasks = w.n == 0 ? NULL :
					   sorted_values(&f->tasks,
					       offsetof(struct cl_task, order),
					       &n_tasks, task_wanted, &w);
			free(w.labels);
			free(w.hashes);
		}
		if (lazy != NULL) {
			/* Listed later, one framework at a time: counted. */
			lazy->fws[lazy->n++] = f;
			for (size_t k = 0; k < f->tasks.cap; k++)
				if (smap_live(&f->tasks, k)) {
					mf->n_tasks++;
					s->n_tasks += ((const struct cl_task *)
							   f->tasks.vals[k])
							  ->running;
				}
		}
		view_tasks(s, A, &s->names, (const void *const *)tasks, n_tasks,
		    borrow, mf);
		free(tasks);
		if (s->frameworks_tail)
			s->frameworks_tail->next = mf;
		else
			s->frameworks = mf;
		s->frameworks_tail = mf;
		s->n_frameworks++;
	}
	agents = apps == NULL ?
	    sorted_values(&c->agents, offsetof(struct cl_agent, order),
		&n_agents, NULL, NULL) :
	    used_agents(c, s, &n_agents);
	if (agents == NULL)
		goto fail;
	for (size_t i = 0; i < n_agents; i++) {
		const struct cl_agent *a = agents[i];
		struct mesos_slave *ms = arena_alloc(A, sizeof *ms);

		if (ms == NULL)
			goto fail;
		memset(ms, 0, sizeof *ms);
		ms->id = in_arena(A, a->id, NULL, borrow);
		ms->pid = a->pid ? in_arena(A, a->pid, NULL, borrow) : NULL;
		if (s->slaves_tail)
			s->slaves_tail->next = ms;
		else
			s->slaves = ms;
		s->slaves_tail = ms;
		s->n_slaves++;
	}
	free(fws);
	free(agents);
	return s;
fail:
	free(fws);
	free(agents);
	mesos_state_free(s);
	return NULL;
}

struct mesos_state *
cluster_view(const struct cluster *c)
{
	return view(c, NULL, 0, false, NULL);
}

struct mesos_state *
cluster_view_apps(struct cluster *c, char *const *apps, size_t n)
{
	return view(c, apps, n, false, NULL);
}

struct mesos_state *
cluster_view_borrowed(struct cluster *c, char *const *apps, size_t n)
{
	return view(c, apps, n, true, NULL);
}

struct mesos_state *
cluster_view_lazy(const struct cluster *c, struct cluster_lazy **lazy)
{
	struct cluster_lazy *l = calloc(1, sizeof *l);
	struct mesos_state *s;

	*lazy = NULL;
	if (l == NULL)
		return NULL;
	arena_init(&l->arena, (size_t)1 << 18);
	if ((s = view(c, NULL, 0, true, l)) == NULL) {
		cluster_lazy_free(l);
		return NULL;
	}
	*lazy = l;
	return s;
}

int
cluster_lazy_tasks(struct cluster_lazy *l, size_t i,
    const struct mesos_task **out)
{
	const struct cl_framework *f;
	void **tasks;
	size_t n;
	bool ok;

	*out = NULL;
	arena_reset(&l->arena);
	memset(&l->mf, 0, sizeof l->mf);
	if (i >= l->n)
		return 0;
	f = l->fws[i];
	tasks = sorted_values(&f->tasks, offsetof(struct cl_task, order), &n,
	    NULL, NULL);
	if (tasks == NULL)
		return -1;
	ok = view_tasks(&l->scratch, &l->arena, &l->arena,
	    (const void *const *)tasks, n, true, &l->mf);
	free(tasks);
	*out = l->mf.tasks;
	return ok ? 0 : -1;
}

void
cluster_lazy_free(struct cluster_lazy *l)
{
	if (l == NULL)
		return;
	arena_free(&l->arena);
	free(l->fws);
	free(l);
}
