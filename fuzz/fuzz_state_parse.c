/* fuzz_state_parse.c -- libFuzzer target for the streaming state parser:
 * any bytes, fed whole and in two pieces, give the same outcome, and a
 * parsed state always turns into records. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "records/gen.h"
#include "records/snapshot.h"
#include "state/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static bool configured;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char conf[] =
	    "{\"masters\":[\"10.0.0.1:5050\"],"
	    "\"externalon\":false,\"listener\":\"127.0.0.1\"}";
	struct state_parser *p;
	struct mesos_state *a, *b = NULL;
	char err[512];

	if (!configured) {
		if (config_parse(&cfg, conf, sizeof conf - 1, "/f.json", err,
			sizeof err) < 0)
			return 0;
		configured = true;
	}
	a = state_parse(data, size, err, sizeof err);
	p = state_parser_new();
	if (p != NULL) {
		size_t half = size / 2;

		if (state_parser_feed(p, data, half) == 0 &&
		    state_parser_feed(p, data + half, size - half) == 0)
			b = state_parser_finish(p);
		assert((a == NULL) == (b == NULL));
		if (a != NULL)
			assert(a->n_tasks == b->n_tasks &&
			    a->n_frameworks == b->n_frameworks &&
			    a->n_slaves == b->n_slaves);
		state_parser_free(p);
	}
	if (a != NULL) {
		struct gen_input in = { 0 };
		struct snapshot *s;

		in.cfg = &cfg;
		in.state = a;
		s = gen_build(&in, err, sizeof err);
		assert(s != NULL);
		snapshot_free(s);
	}
	mesos_state_free(a);
	mesos_state_free(b);
	return 0;
}
