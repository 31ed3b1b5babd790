/* fuzz_cluster_event.c -- libFuzzer target for the event model: operator
 * API events (any bytes; one JSON document per line, at most 16) applied
 * to a cluster loaded from a small state.  Whatever the events say, the
 * model must not drift: its records equal those of the same model loaded
 * again from its own view, as a poll of that state would give, and the
 * borrowed view (used under the model's lock) gives the same records. */
#include <assert.h>
#include <stdint.h>
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
#include "util/jsontree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char start_state[] =
    "{\"leader\":\"master@127.0.0.1:5050\",\"hostname\":\"localhost\","
    "\"slaves\":[{\"id\":\"S1\",\"hostname\":\"10.0.0.3\","
    "\"pid\":\"slave(1)@10.0.0.3:5051\"}],"
    "\"frameworks\":[{\"id\":\"F1\",\"name\":\"marathon\","
    "\"hostname\":\"10.0.0.2\",\"pid\":\"scheduler-1@10.0.0.2:8080\","
    "\"tasks\":[{\"id\":\"web.1\",\"name\":\"web\",\"framework_id\":\"F1\","
    "\"slave_id\":\"S1\",\"state\":\"TASK_RUNNING\",\"resources\":"
    "{\"ports\":\"[31000-31001]\"},\"statuses\":[{\"state\":"
    "\"TASK_RUNNING\",\"timestamp\":1}]}]}]}";

static struct config cfg;
static struct mesos_state *start;

static int
lazy_tasks(void *ctx, size_t i, const struct mesos_task **out)
{
	return cluster_lazy_tasks(ctx, i, out);
}

/* The /v1/axfr document of the records of a view (frees the view), its
 * tasks from lazy when not NULL (freed too). */
static char *
axfr_lazy(struct mesos_state *view, struct cluster_lazy *lazy)
{
	struct gen_input in = { 0 };
	struct snapshot *snap;
	struct buf b = { 0 };
	char err[512];

	if (view == NULL)
		abort();
	in.cfg = &cfg;
	in.state = view;
	in.masters = (const char *const *)cfg.masters.v;
	in.n_masters = cfg.masters.n;
	if (lazy != NULL) {
		in.tasks_of = lazy_tasks;
		in.tasks_ctx = lazy;
	}
	/* No resolver: host names give no addresses. */
	if ((snap = gen_build(&in, err, sizeof err)) == NULL)
		abort();
	cluster_lazy_free(lazy);
	http_write_axfr(&cfg, snap, &b);
	assert(!b.failed);
	snapshot_free(snap);
	mesos_state_free(view);
	buf_putc(&b, '\0');
	return b.data;
}

static char *
axfr(struct mesos_state *view)
{
	return axfr_lazy(view, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char conf[] =
	    "{\"listener\":\"127.0.0.1\","
	    "\"externalon\":false,\"masters\":[\"127.0.0.1:5050\"]}";
	struct cluster *c, *again;
	char err[512], *text, *line, *next, *a, *b;
	int events = 0;

	if (start == NULL) {
		if (config_parse(&cfg, conf, sizeof conf - 1, "/f.json", err,
			sizeof err) < 0)
			abort();
		start = state_parse((const uint8_t *)start_state,
		    sizeof start_state - 1, err, sizeof err);
		if (start == NULL)
			abort();
	}
	if ((c = cluster_new(appkey_naming(false))) == NULL ||
	    (text = malloc(size + 1)) == NULL) {
		cluster_free(c);
		return 0;
	}
	if (cluster_load(c, start) != 0)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line != NULL && events < 16; line = next, events++) {
		yajl_val ev;
		char **apps = NULL;
		size_t n = 0;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((ev = json_parse(line, NULL, 0)) == NULL)
			continue;
		if (cluster_event_apps(c, ev, &apps, &n) == 0) {
			/* An overlay's input: only those apps' tasks. */
			mesos_state_free(cluster_view_apps(c, apps, n));
		}
		for (size_t i = 0; i < n; i++)
			free(apps[i]);
		free(apps);
		(void)cluster_apply(c, ev);
		yajl_tree_free(ev);
	}
	free(text);

	a = axfr(cluster_view(c));
	/* The borrowed view only shares the model's strings. */
	b = axfr(cluster_view_borrowed(c, NULL, 0));
	assert(strcmp(a, b) == 0);
	free(b);
	{
		/* A full build's view: tasks one framework at a time. */
		struct cluster_lazy *lazy;
		struct mesos_state *v = cluster_view_lazy(c, &lazy);

		b = axfr_lazy(v, lazy);
		assert(strcmp(a, b) == 0);
		free(b);
	}
	again = cluster_new(appkey_naming(false));
	if (again != NULL) {
		struct mesos_state *v = cluster_view(c);

		if (cluster_load(again, v) != 0)
			abort();
		mesos_state_free(v);
		b = axfr(cluster_view(again));
		assert(strcmp(a, b) == 0);
		free(b);
		cluster_free(again);
	}
	free(a);
	cluster_free(c);
	return 0;
}
