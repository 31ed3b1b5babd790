/* gen.c -- spec/records.md, rule by rule.
 *
 * Names are assembled in a reusable buffer and handed to the builder, whose
 * set semantics (an insert of an existing pair returns false) drive the
 * masters numbering and the /v1/enumerate lists exactly as in the original.
 * Generation order matters for those two and is kept: frameworks, agents,
 * the name server, leader and masters, then tasks.
 */
#include "records/gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "records/appkey.h"
#include "records/builder.h"
#include "records/label.h"
#include "records/taskhash.h"
#include "util/buf.h"
#include "util/hostport.h"
#include "util/utf8lower.h"

#define MAX_HOST_IPS 64
#define MAX_LOGGED_PROBLEMS 10

/* An agent's addresses as the tasks on it see them (slaveIPs). */
struct agent {
	const char *id;
	struct ipaddr *ips; /* in gen.agent_ips, set once all are known */
	size_t first_ip, n_ips;
	char *pseudo; /* #509: DomainFrag(host) when nothing resolved */
	bool used;
};

struct gen {
	const struct gen_input *in;
	struct builder *b;
	const char *domain;
	size_t domain_len;
	bool rfc952;
	struct buf name; /* the name being assembled */
	/* A task context's names, assembled together so that their index
	 * slots are fetched from memory at once (see builder_prefetch). */
	struct buf ctx_names[8];
	uint32_t ctx_hashes[8]; /* each name's hash, from the prefetch */
	struct buf target;
	struct agent *agents;
	size_t n_agents;
	/* Every agent's addresses, one array: a build of a few tasks does
	 * not touch a 64-address slot for each of thousands of agents. */
	struct buf agent_ips;  /* struct ipaddr, in agent order */
	uint32_t *agent_index; /* open addressing by id: agent + 1 */
	uint32_t agent_mask;
	int32_t *ports; /* scratch for resource ports */
	struct taskhasher *hasher;
	unsigned problems;
	bool tasks_failed; /* in->tasks_of ran out of memory */
};

static void problem(struct gen *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reports a skipped entry; the first few per refresh are logged in full. */
static void
problem(struct gen *g, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (++g->problems > MAX_LOGGED_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_error("%s", msg);
}

/* hostToIPs: an IP literal is itself, anything else is looked up. */
static size_t
host_ips(struct gen *g, const char *host, struct ipaddr *out, size_t max)
{
	if (*host == '\0')
		return 0;
	if (ipaddr_parse(host, strlen(host), &out[0]))
		return 1;
	if (g->in->resolve == NULL)
		return 0;
	return g->in->resolve(g->in->resolve_ctx, host, out, max);
}

/* A pid "name@host:port" -> host and port (spec/state.md, PID fields). */
static int
pid_split(const char *pid, struct hostport *hp)
{
	const char *start = pid, *end = pid + strlen(pid), *at;

	while (start < end && (*start == '"' || *start == ' '))
		start++;
	while (end > start && (end[-1] == '"' || end[-1] == ' '))
		end--;
	if ((at = memchr(start, '@', (size_t)(end - start))) == NULL ||
	    memchr(at + 1, '@', (size_t)(end - at - 1)) != NULL)
		return -1;
	{
		char tmp[300];
		size_t n = (size_t)(end - at - 1);

		if (n >= sizeof tmp)
			return -1;
		memcpy(tmp, at + 1, n);
		tmp[n] = '\0';
		if (hostport_split(tmp, hp, false) < 0 || hp->port < 0)
			return -1;
	}
	return 0;
}

static void
name_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Appends "." + domain + "." (the tail of every generated name). */
static void
put_tail(struct gen *g, struct buf *b)
{
	buf_putc(b, '.');
	buf_put(b, g->domain, g->domain_len);
	buf_putc(b, '.');
}

static bool
insert_ip(struct gen *g, const struct buf *name, const struct ipaddr *ip)
{
	return !name->failed &&
	    builder_insert_ip(g->b, name->data, name->len, ip);
}

static uint32_t
agent_hash(const char *id)
{
	return snap_hash(id, strlen(id));
}

static struct agent *
agent_find(struct gen *g, const char *id)
{
	uint32_t i;

	if (g->agent_index == NULL)
		return NULL;
	for (i = agent_hash(id) & g->agent_mask; g->agent_index[i] != 0;
	     i = (i + 1) & g->agent_mask) {
		struct agent *a = &g->agents[g->agent_index[i] - 1];

		if (strcmp(a->id, id) == 0)
			return a;
	}
	return NULL;
}

/* §2: agents.  slaveIPs[id] is overwritten by a later agent with the same
 * id, as a Go map assignment would. */
static int
gen_slaves(struct gen *g)
{
	const struct mesos_state *st = g->in->state;
	uint32_t cap = 16;
	size_t i = 0;

	while (cap < st->n_slaves * 2 + 2)
		cap *= 2;
	g->agents = calloc(st->n_slaves + 1, sizeof *g->agents);
	g->agent_index = calloc(cap, sizeof *g->agent_index);
	if (g->agents == NULL || g->agent_index == NULL)
		return -1;
	g->agent_mask = cap - 1;
	for (const struct mesos_slave *s = st->slaves; s; s = s->next, i++) {
		struct agent *a = agent_find(g, s->id), *slot;
		struct ipaddr ips[MAX_HOST_IPS];
		struct hostport hp;

		if (s->pid == NULL || s->pid_bad ||
		    pid_split(s->pid, &hp) < 0) {
			problem(g, "skipping slave %s: %s pid", s->id,
			    s->pid == NULL ? "no" : "malformed");
			continue;
		}
		slot = &g->agents[g->n_agents];
		slot->id = s->id;
		slot->n_ips = host_ips(g, hp.host, ips, MAX_HOST_IPS);
		slot->first_ip = g->agent_ips.len / sizeof *ips;
		buf_put(&g->agent_ips, ips, slot->n_ips * sizeof *ips);
		if (g->agent_ips.failed)
			return -1;
		for (size_t k = 0; k < slot->n_ips && !g->in->tasks_only; k++) {
			name_reset(&g->name);
			buf_puts(&g->name, "slave");
			put_tail(g, &g->name);
			insert_ip(g, &g->name, &ips[k]);
		}
		if (slot->n_ips > 0 && !g->in->tasks_only) {
			name_reset(&g->name);
			buf_puts(&g->name, "_slave._tcp");
			put_tail(g, &g->name);
			name_reset(&g->target);
			buf_puts(&g->target, "slave");
			put_tail(g, &g->target);
			builder_insert_srv(g->b, g->name.data, g->name.len,
			    g->target.data, g->target.len, hp.port);
		} else if (slot->n_ips == 0) {
			size_t n = strlen(hp.host);

			if ((slot->pseudo = malloc(n + 1)) == NULL)
				return -1;
			label_domain_frag(hp.host, n, g->rfc952, slot->pseudo);
		}
		if (a != NULL) {
			/* Replace the earlier entry of the same id in place. */
			free(a->pseudo);
			*a = *slot;
			memset(slot, 0, sizeof *slot);
			continue;
		}
		{
			uint32_t h = agent_hash(s->id) & g->agent_mask;

			while (g->agent_index[h] != 0)
				h = (h + 1) & g->agent_mask;
			g->agent_index[h] = (uint32_t)g->n_agents + 1;
		}
		g->n_agents++;
	}
	for (size_t k = 0; k < g->n_agents; k++)
		g->agents[k].ips = g->agent_ips.data == NULL ?
		    NULL :
		    (struct ipaddr *)(void *)g->agent_ips.data +
			g->agents[k].first_ip;
	return 0;
}

/* §3: framework records. */
static void
gen_frameworks(struct gen *g)
{
	const struct mesos_state *st = g->in->state;

	for (const struct mesos_framework *f = st->frameworks; f; f = f->next) {
		struct ipaddr ips[MAX_HOST_IPS];
		struct hostport hp;
		const char *host;
		bool has_port = false;
		size_t n_ips;
		char *fname;

		if (f->invalid)
			continue;
		if (f->pid != NULL || f->pid_bad) {
			if (f->pid_bad || pid_split(f->pid, &hp) < 0) {
				problem(g,
				    "framework %s: malformed pid; no "
				    "framework records",
				    f->name);
				continue;
			}
			host = hp.host;
			has_port = true;
		} else {
			host = f->hostname;
		}
		n_ips = host_ips(g, host, ips, MAX_HOST_IPS);
		if (n_ips == 0)
			continue;
		if ((fname = malloc(f->name_len + 1)) == NULL)
			continue;
		label_domain_frag(f->name, f->name_len, g->rfc952, fname);
		name_reset(&g->target);
		buf_puts(&g->target, fname);
		put_tail(g, &g->target);
		for (size_t k = 0; k < n_ips; k++)
			insert_ip(g, &g->target, &ips[k]);
		if (has_port) {
			name_reset(&g->name);
			buf_puts(&g->name, "_framework._tcp.");
			buf_puts(&g->name, fname);
			put_tail(g, &g->name);
			builder_insert_srv(g->b, g->name.data, g->name.len,
			    g->target.data, g->target.len, hp.port);
		}
		free(fname);
	}
}

/* §5: the name server's own address records. */
static void
gen_ns(struct gen *g)
{
	const struct config *c = g->in->cfg;
	struct ipaddr ip;
	size_t n = strlen(c->soa_mname);

	if (strcmp(c->listener, "0.0.0.0") == 0) {
		for (size_t i = 0; i < g->in->n_if_addrs; i++)
			builder_insert_ip(g->b, c->soa_mname, n,
			    &g->in->if_addrs[i]);
	} else if (ipaddr_parse(c->listener, strlen(c->listener), &ip)) {
		builder_insert_ip(g->b, c->soa_mname, n, &ip);
	}
}

/* An address "ip:port" of the masters list or the leader, with the
 * original's split rules; a host name is resolved (the original panics). */
static bool
master_ip(struct gen *g, const char *addr, size_t len, struct ipaddr *ip,
    struct hostport *hp)
{
	if (hostport_split_loose(addr, len, hp) < 0)
		return false;
	if (host_ips(g, hp->host, ip, 1) == 0) {
		problem(g, "master %.*s: %s does not resolve; skipped",
		    (int)len, addr, hp->host);
		return false;
	}
	return true;
}

/* §4: leader and masters. */
static void
gen_masters(struct gen *g)
{
	const char *leader = g->in->state->leader;
	const char *at, *addr, *end;
	struct ipaddr lip, mip;
	struct hostport lhp, mhp;
	bool leader_done = false;
	unsigned idx = 0;
	char num[32];

	if (leader == NULL || (at = strchr(leader, '@')) == NULL) {
		problem(g,
		    "leader \"%s\" has no '@': no leader or master "
		    "records",
		    leader ? leader : "");
		return;
	}
	addr = at + 1;
	end = strchr(addr, '@');
	if (end == NULL)
		end = addr + strlen(addr);
	if (!master_ip(g, addr, (size_t)(end - addr), &lip, &lhp))
		return;
	name_reset(&g->name);
	buf_puts(&g->name, "leader");
	put_tail(g, &g->name);
	insert_ip(g, &g->name, &lip);
	name_reset(&g->name);
	buf_puts(&g->name, "master");
	put_tail(g, &g->name);
	insert_ip(g, &g->name, &lip);
	if (lhp.port >= 0) {
		name_reset(&g->target);
		buf_puts(&g->target, "leader");
		put_tail(g, &g->target);
		for (int proto = 0; proto < 2; proto++) {
			name_reset(&g->name);
			buf_puts(&g->name,
			    proto ? "_leader._udp" : "_leader._tcp");
			put_tail(g, &g->name);
			builder_insert_srv(g->b, g->name.data, g->name.len,
			    g->target.data, g->target.len, lhp.port);
		}
	}
	for (size_t i = 0; i < g->in->n_masters; i++) {
		const char *m = g->in->masters[i];
		bool is_leader = strlen(m) == (size_t)(end - addr) &&
		    memcmp(m, addr, (size_t)(end - addr)) == 0;

		if (*m == '\0' || !master_ip(g, m, strlen(m), &mip, &mhp))
			continue;
		if (!is_leader) {
			name_reset(&g->name);
			buf_puts(&g->name, "master");
			put_tail(g, &g->name);
			if (!insert_ip(g, &g->name, &mip))
				continue;
		} else if (leader_done) {
			continue;
		}
		snprintf(num, sizeof num, "master%u", idx++);
		name_reset(&g->name);
		buf_puts(&g->name, num);
		put_tail(g, &g->name);
		insert_ip(g, &g->name, &mip);
		if (is_leader)
			leader_done = true;
	}
	if (!leader_done) {
		if (g->in->n_masters > 0)
			log_verbose("warning: leader %.*s is not in the "
				    "masters list",
			    (int)(end - addr), addr);
		snprintf(num, sizeof num, "master%u", idx);
		name_reset(&g->name);
		buf_puts(&g->name, num);
		put_tail(g, &g->name);
		insert_ip(g, &g->name, &lip);
	}
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/* Go strconv.Atoi on s[0..len): optional sign, decimal digits. */
static bool
atoi_go(const char *s, size_t len, long long *out)
{
	size_t i = 0;
	bool neg = false;
	unsigned long long v = 0;

	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > (1ULL << 62))
			return false;
	}
	*out = neg ? -(long long)v : (long long)v;
	return true;
}

size_t
gen_resource_ports(const char *text, int32_t *out, size_t max, char *why,
    size_t whylen)
{
	const char *open, *close, *p;
	size_t n = 0;

	why[0] = '\0';
	if (*text == '\0' || strcmp(text, "[]") == 0)
		return 0;
	if ((open = strchr(text, '[')) == NULL) {
		snprintf(why, whylen, "ports \"%s\" have no '['", text);
		return 0;
	}
	close = strchr(open + 1, ']');
	if (close == NULL)
		close = open + 1 + strlen(open + 1);
	for (p = open + 1; p <= close;) {
		const char *comma = memchr(p, ',', (size_t)(close - p));
		const char *e = comma ? comma : close, *s = p, *dash;
		long long lo, hi;

		p = e + 1;
		while (s < e && is_space(*s))
			s++;
		while (e > s && is_space(e[-1]))
			e--;
		if ((dash = memchr(s, '-', (size_t)(e - s))) == NULL) {
			/* The original indexes past the split and crashes. */
			snprintf(why, whylen, "port range \"%.*s\" has no '-'",
			    (int)(e - s), s);
			continue;
		}
		{
			const char *dash2 =
			    memchr(dash + 1, '-', (size_t)(e - dash - 1));
			const char *hi_end = dash2 ? dash2 : e;

			if (!atoi_go(s, (size_t)(dash - s), &lo) ||
			    !atoi_go(dash + 1, (size_t)(hi_end - dash - 1),
				&hi))
				continue;
		}
		if (lo <= hi && (hi > 65535 || lo < 0)) {
			snprintf(why, whylen,
			    "port range %lld-%lld is outside "
			    "0-65535",
			    lo, hi);
			continue;
		}
		for (long long v = lo; v <= hi && n < max; v++)
			out[n++] = (int32_t)v;
	}
	return n;
}

/* The task's addresses: the first IP source that yields any (state.md §3). */
static size_t
task_ips(struct gen *g, const struct mesos_task *t, const struct agent *a,
    struct ipaddr *out, size_t max)
{
	const struct config *c = g->in->cfg;

	for (size_t s = 0; s < c->n_ip_sources; s++) {
		int src = -1;
		size_t n = 0;

		switch (c->ip_sources[s]) {
		case IPSRC_NETINFO:
			src = TIP_NETINFO;
			break;
		case IPSRC_MESOS:
			src = TIP_MESOS;
			break;
		case IPSRC_DOCKER:
			src = TIP_DOCKER;
			break;
		case IPSRC_HOST:
			for (size_t k = 0; k < a->n_ips && n < max; k++)
				out[n++] = a->ips[k];
			break;
		}
		for (size_t k = 0; src >= 0 && k < t->n_ips[src] && n < max;
		     k++)
			out[n++] = t->ips[src][k];
		if (n > 0)
			return n;
	}
	return 0;
}

/* Interns "<prefix>T<mid>fname<suffix>.D." (names of one task context). */
static uint32_t
task_name(struct gen *g, const char *prefix, const char *T, size_t tlen,
    const char *mid, const char *fname, const char *suffix)
{
	struct buf *nm = &g->name;

	name_reset(nm);
	buf_puts(nm, prefix);
	buf_put(nm, T, tlen);
	buf_puts(nm, mid);
	buf_puts(nm, fname);
	buf_puts(nm, suffix);
	put_tail(g, nm);
	if (nm->failed)
		return SNAP_NONE;
	return builder_name(g->b, nm->data, nm->len);
}

/* Asks for the index slots of context name nm (assembled, unless out of
 * memory) and keeps its hash for ctx_node. */
static void
ctx_prefetch(struct gen *g, const struct buf *nm)
{
	if (!nm->failed)
		g->ctx_hashes[nm - g->ctx_names] =
		    builder_prefetch(g->b, nm->data, nm->len);
}

/* Assembles "<prefix>T<mid>fname<suffix>.D." into nm and asks for its
 * index slots (nm->failed when out of memory). */
static void
ctx_name(struct gen *g, struct buf *nm, const char *prefix, const char *T,
    size_t tlen, const char *mid, const char *fname, size_t flen,
    const char *suffix)
{
	name_reset(nm);
	buf_puts(nm, prefix);
	buf_put(nm, T, tlen);
	buf_puts(nm, mid);
	buf_put(nm, fname, flen);
	buf_puts(nm, suffix);
	put_tail(g, nm);
	ctx_prefetch(g, nm);
}

static uint32_t
ctx_node(struct gen *g, const struct buf *nm)
{
	return nm->failed ? SNAP_NONE :
			    builder_name_hashed(g->b, nm->data, nm->len,
				g->ctx_hashes[nm - g->ctx_names]);
}

/* The context records of §6 for one task name T.  Every name is interned
 * once and its values added by node. */
static void
gen_context(struct gen *g, const struct mesos_task *t, const char *T,
    size_t tlen, const char *hash, const char *sid, const char *fname,
    const struct ipaddr *ips, size_t n_ips, const struct agent *a, bool has_di,
    const int32_t *ports, size_t n_ports, bool canon_only)
{
	struct buf *nb = g->ctx_names;
	uint32_t arec[2], canon[2]; /* [0] plain, [1] ".slave" */
	bool want_srv = !canon_only && n_ports > 0;
	size_t flen = strlen(fname);

	/* arec = T.fname, canonical = T-hash-sid.fname, each plain and
	 * ".slave"; then the SRV names of the resource ports. */
	for (int slave = 0; slave < 2; slave++) {
		const char *sfx = slave ? ".slave" : "";
		struct buf *nm = &nb[1 + 2 * slave];

		ctx_name(g, &nb[2 * slave], "", T, tlen, ".", fname, flen, sfx);
		name_reset(nm);
		buf_put(nm, T, tlen);
		buf_putc(nm, '-');
		buf_puts(nm, hash);
		buf_putc(nm, '-');
		buf_puts(nm, sid);
		buf_putc(nm, '.');
		buf_put(nm, fname, flen);
		buf_puts(nm, sfx);
		put_tail(g, nm);
		ctx_prefetch(g, nm);
	}
	if (want_srv) {
		ctx_name(g, &nb[4], "_", T, tlen, "._tcp.", fname, flen,
		    ".slave");
		ctx_name(g, &nb[5], "_", T, tlen, "._udp.", fname, flen,
		    ".slave");
		if (!has_di) {
			ctx_name(g, &nb[6], "_", T, tlen, "._tcp.", fname, flen,
			    "");
			ctx_name(g, &nb[7], "_", T, tlen, "._udp.", fname, flen,
			    "");
		}
	}
	for (int slave = 0; slave < 2; slave++) {
		arec[slave] = ctx_node(g, &nb[2 * slave]);
		canon[slave] = ctx_node(g, &nb[1 + 2 * slave]);
	}
	/* 1: task IPs, arec then canonical for each (canon_only: an
	 * unhealthy task keeps its own names, not its app's). */
	for (size_t i = 0; i < n_ips; i++) {
		if (!canon_only)
			builder_add_ip(g->b, arec[0], &ips[i]);
		builder_add_ip(g->b, canon[0], &ips[i]);
	}
	/* 2: agent IPs under .slave (or the #509 host-name value). */
	if (a->n_ips > 0) {
		for (size_t i = 0; i < a->n_ips; i++) {
			if (!canon_only)
				builder_add_ip(g->b, arec[1], &a->ips[i]);
			builder_add_ip(g->b, canon[1], &a->ips[i]);
		}
	} else if (a->pseudo != NULL) {
		size_t plen = strlen(a->pseudo);

		if (!canon_only)
			builder_add_pseudo(g->b, arec[1], a->pseudo, plen);
		builder_add_pseudo(g->b, canon[1], a->pseudo, plen);
	}
	/* Every SRV name is an app name. */
	if (canon_only)
		return;
	/* 3: resource ports, target canonical.slave. */
	if (want_srv) {
		uint32_t srv[4];
		int n_srv = has_di ? 2 : 4;

		for (int k = 0; k < n_srv; k++)
			srv[k] = ctx_node(g, &nb[4 + k]);
		for (size_t i = 0; i < n_ports; i++)
			for (int k = 0; k < n_srv; k++)
				builder_add_srv(g->b, srv[k], canon[1],
				    ports[i]);
	}
	if (!has_di)
		return;
	/* 4: DiscoveryInfo ports, target canonical (no .slave). */
	for (const struct di_port *p = t->di_ports; p; p = p->next) {
		char proto[64], pname[64], mid2[80];
		const char *protos[2];
		size_t n_protos;

		label_normalise(p->protocol, strlen(p->protocol), g->rfc952,
		    proto);
		label_normalise(p->name, strlen(p->name), g->rfc952, pname);
		if (proto[0] != '\0') {
			protos[0] = proto;
			n_protos = 1;
		} else {
			protos[0] = "tcp";
			protos[1] = "udp";
			n_protos = 2;
		}
		for (int named = 0; named < (pname[0] ? 2 : 1); named++) {
			for (size_t k = 0; k < n_protos; k++) {
				char prefix[72];
				uint32_t node;

				snprintf(prefix, sizeof prefix, "%s%s%s_",
				    named ? "_" : "", named ? pname : "",
				    named ? "." : "");
				snprintf(mid2, sizeof mid2, "._%s.", protos[k]);
				node = task_name(g, prefix, T, tlen, mid2,
				    fname, "");
				builder_add_srv(g->b, node, canon[0],
				    (int32_t)p->number);
			}
		}
	}
}

/* The app a task's names belong to: "fname\x01label" (see snapshot.h). */
static void
gen_set_app(struct gen *g, const char *fname, const char *label)
{
	char key[1024];

	appkey_join(key, sizeof key, fname, label);
	builder_set_app(g->b, key);
}

/* The app label of a task: its DiscoveryInfo name or its name. */
static void
task_label(const struct gen *g, const struct mesos_task *t,
    char label[APPKEY_LABEL_SIZE])
{
	appkey_label(t->name, t->name_len, t->di_name, t->di_name_len,
	    g->rfc952, label);
}

/* HealthAwareOn, one framework: the labels of its unhealthy running
 * tasks, each with whether its app has another task that is kept (one
 * that is healthy or has no health check).  An unhealthy task is left
 * out of its app's names only then: an app whose every task is
 * unhealthy answers with all of them rather than with nothing. */
struct health_apps {
	char (*labels)[APPKEY_LABEL_SIZE];
	bool *kept;
	uint32_t mask;
};

static uint32_t
health_slot(const struct health_apps *h, const char *label)
{
	uint32_t i = snap_hash(label, strlen(label)) & h->mask;

	while (h->labels[i][0] != '\0' && strcmp(h->labels[i], label) != 0)
		i = (i + 1) & h->mask;
	return i;
}

static bool
task_counts(struct gen *g, const struct mesos_task *t)
{
	return t->running && agent_find(g, t->slave_id) != NULL;
}

/* Fills h for framework f; false when no task of f is unhealthy (or out
 * of memory: then every task is kept). */
static bool
health_apps_of(struct gen *g, const struct mesos_task *tasks,
    struct health_apps *h)
{
	uint32_t n_bad = 0, cap = 4;
	char label[APPKEY_LABEL_SIZE];

	memset(h, 0, sizeof *h);
	for (const struct mesos_task *t = tasks; t; t = t->next)
		if (t->health == TASK_HEALTH_BAD && task_counts(g, t))
			n_bad++;
	if (n_bad == 0)
		return false;
	while (cap < n_bad * 2)
		cap *= 2;
	h->labels = calloc(cap, sizeof *h->labels);
	h->kept = calloc(cap, sizeof *h->kept);
	if (h->labels == NULL || h->kept == NULL) {
		free(h->labels);
		free(h->kept);
		memset(h, 0, sizeof *h);
		return false;
	}
	h->mask = cap - 1;
	for (const struct mesos_task *t = tasks; t; t = t->next) {
		if (t->health != TASK_HEALTH_BAD || !task_counts(g, t))
			continue;
		task_label(g, t, label);
		if (label[0] == '\0')
			continue;
		memcpy(h->labels[health_slot(h, label)], label, sizeof label);
	}
	for (const struct mesos_task *t = tasks; t; t = t->next) {
		uint32_t i;

		if (t->health == TASK_HEALTH_BAD || !task_counts(g, t))
			continue;
		task_label(g, t, label);
		i = health_slot(h, label);
		if (h->labels[i][0] != '\0')
			h->kept[i] = true;
	}
	return true;
}

/* True when task t leaves its app's names (HealthAwareOn). */
static bool
health_leaves_app(const struct health_apps *h, const struct mesos_task *t,
    const char *label)
{
	uint32_t i;

	if (h->labels == NULL || t->health != TASK_HEALTH_BAD ||
	    label[0] == '\0')
		return false;
	i = health_slot(h, label);
	return h->labels[i][0] != '\0' && h->kept[i];
}

/* §6: tasks, framework by framework, with their enumeration entries. */
static void
gen_tasks(struct gen *g)
{
	const struct mesos_state *st = g->in->state;
	struct ipaddr ips[MAX_HOST_IPS];
	bool health_on = g->in->cfg->health_aware_on;
	size_t i = 0;

	for (const struct mesos_framework *f = st->frameworks; f;
	     f = f->next, i++) {
		struct health_apps health = { 0 };
		const struct mesos_task *tasks = f->tasks;
		char *fname;

		if (f->invalid)
			continue;
		builder_enum_framework(g->b, f->name, f->name_len);
		if ((fname = appkey_fname(f->name, f->name_len, g->rfc952)) ==
		    NULL)
			continue;
		if (g->in->tasks_of != NULL &&
		    g->in->tasks_of(g->in->tasks_ctx, i, &tasks) < 0) {
			g->tasks_failed = true;
			free(fname);
			break;
		}
		if (health_on)
			health_apps_of(g, tasks, &health);
		for (const struct mesos_task *t = tasks; t; t = t->next) {
			const struct agent *a = agent_find(g, t->slave_id);
			char label[APPKEY_LABEL_SIZE], hash[8], why[160];
			const char *dash, *sid_src;
			char *sid;
			size_t n_ips, n_ports = 0, sid_len;
			bool has_di = t->di_name != NULL && t->di_name_len > 0;
			bool out;

			if (a == NULL || !t->running)
				continue;
			builder_enum_task(g->b, t->name, t->name_len, t->id,
			    t->id_len);
			if (health_on)
				builder_enum_health(g->b, t->health);
			taskhasher_hash(g->hasher, t->id, t->id_len, hash);
			dash = strrchr(t->slave_id, '-');
			sid_src = dash ? dash + 1 : t->slave_id;
			sid_len = strlen(sid_src);
			if ((sid = malloc(UTF8LOWER_MAX(sid_len) + 1)) == NULL)
				continue;
			utf8lower(sid_src, sid_len, sid);
			n_ips = task_ips(g, t, a, ips, MAX_HOST_IPS);
			if (t->ports != NULL) {
				n_ports = gen_resource_ports(t->ports, g->ports,
				    GEN_MAX_TASK_PORTS, why, sizeof why);
				if (why[0] != '\0')
					problem(g, "task %s: %s; range skipped",
					    t->id, why);
			}
			task_label(g, t, label);
			out = health_leaves_app(&health, t, label);
			gen_set_app(g, fname, label);
			if (has_di) {
				/* The legacy pass stores the raw name. */
				gen_context(g, t, t->di_name, t->di_name_len,
				    hash, sid, fname, ips, n_ips, a, true,
				    g->ports, n_ports, out);
			}
			gen_context(g, t, label, strlen(label), hash, sid,
			    fname, ips, n_ips, a, has_di, g->ports, n_ports,
			    out);
			free(sid);
		}
		free(health.labels);
		free(health.kept);
		free(fname);
	}
	builder_set_app(g->b, NULL);
}

struct builder *
gen_records(const struct gen_input *in, char *err, size_t errlen)
{
	struct gen g = { 0 };
	struct builder *done = NULL;

	g.in = in;
	g.domain = in->cfg->domain;
	g.domain_len = strlen(g.domain);
	g.rfc952 = in->cfg->enforce_rfc952;
	if ((g.b = builder_new()) == NULL ||
	    (g.ports = malloc(GEN_MAX_TASK_PORTS * sizeof *g.ports)) == NULL ||
	    (g.hasher = taskhasher_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* A task makes about 5 names and 12 records (4 A names, ports x 4
	 * SRV names); the rest is small. */
	builder_reserve(g.b, (size_t)in->state->n_tasks * 5 + 1024,
	    (size_t)in->state->n_tasks * 13 + 4096, in->state->n_tasks);
	if (in->adopt_names != NULL)
		builder_adopt_strings(g.b, in->adopt_names);
	if (in->cfg->reverse_on)
		builder_reverse(g.b, in->cfg->reverse_zones,
		    in->cfg->n_reverse_zones);
	/* An overlay (tasks_only) holds the names of tasks alone. */
	if (!in->tasks_only)
		gen_frameworks(&g);
	if (gen_slaves(&g) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!in->tasks_only) {
		gen_ns(&g);
		gen_masters(&g);
	}
	gen_tasks(&g);
	if (g.problems > MAX_LOGGED_PROBLEMS)
		log_error("%u more problems in this state not logged",
		    g.problems - MAX_LOGGED_PROBLEMS);
	for (size_t i = 0; i < 8; i++)
		if (g.ctx_names[i].failed)
			g.name.failed = true;
	if (g.name.failed || g.target.failed || g.tasks_failed ||
	    builder_failed(g.b)) {
		snprintf(err, errlen, "out of memory while building records");
		goto out;
	}
	done = g.b;
	g.b = NULL;
out:
	builder_free(g.b);
	for (size_t i = 0; i < g.n_agents; i++)
		free(g.agents[i].pseudo);
	free(g.agents);
	buf_free(&g.agent_ips);
	free(g.agent_index);
	free(g.ports);
	taskhasher_free(g.hasher);
	buf_free(&g.name);
	buf_free(&g.target);
	for (size_t i = 0; i < 8; i++)
		buf_free(&g.ctx_names[i]);
	return done;
}

struct snapshot *
gen_build(const struct gen_input *in, char *err, size_t errlen)
{
	struct builder *b = gen_records(in, err, errlen);
	struct snapshot *s;

	if (b == NULL)
		return NULL;
	if ((s = builder_finish(b)) == NULL)
		snprintf(err, errlen, "out of memory while indexing records");
	return s;
}
