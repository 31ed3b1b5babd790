/* fuzz_msg.c -- libFuzzer target for the whole DNS path: any bytes as a
 * query (UDP and TCP, with and without EDNS0 enabled) against a fixed zone
 * with awkward names, PTR records and an unhealthy task (ReverseOn,
 * HealthAwareOn); the reply must parse back and respect its limit, and
 * the UDP worker's warm-up hashes the name the answer looks up. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dns/answer.h"
#include "dns/dname.h"
#include "records/gen.h"
#include "state/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char state_json[] =
    "{\"leader\":\"master@10.0.0.1:5050\",\"slaves\":["
    "{\"id\":\"S0\",\"pid\":\"slave(1)@10.0.0.2:5051\"},"
    "{\"id\":\"S1\",\"pid\":\"slave(1)@[2001:db8::1]:5051\"}],"
    "\"frameworks\":[{\"name\":\"marathon\",\"pid\":\"s@10.0.0.3:8080\","
    "\"tasks\":["
    "{\"id\":\"web.1\",\"name\":\"web\",\"slave_id\":\"S0\",\"state\":"
    "\"TASK_RUNNING\",\"resources\":{\"ports\":\"[31000-31040]\"}},"
    "{\"id\":\"web.2\",\"name\":\"web\",\"slave_id\":\"S0\",\"state\":"
    "\"TASK_RUNNING\",\"statuses\":[{\"state\":\"TASK_RUNNING\","
    "\"timestamp\":1,\"healthy\":false,\"container_status\":{"
    "\"network_infos\":[{\"ip_address\":\"10.1.1.2\"}]}}]},"
    "{\"id\":\"x.2\",\"name\":\"A b.C\",\"slave_id\":\"S1\",\"state\":"
    "\"TASK_RUNNING\",\"discovery\":{\"name\":\"Raw Name.x\",\"ports\":"
    "{\"ports\":[{\"number\":80,\"name\":\"http\"},{\"number\":70000}]}},"
    "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"timestamp\":1,"
    "\"container_status\":{\"network_infos\":[{\"ip_addresses\":["
    "{\"ip_address\":\"fd00::5\"},{\"ip_address\":\"10.1.1.1\"}]}]}}]}"
    "]}]}";

static struct config cfg;
static struct snapshot *snap;
static struct answer_ctx *actx;
static uint8_t out[65536];

static void
setup(void)
{
	static const char conf[] =
	    "{\"masters\":[\"10.0.0.1:5050\"],"
	    "\"externalon\":false,\"listener\":\"10.0.0.9\","
	    "\"ReverseOn\":true,\"HealthAwareOn\":true}";
	struct gen_input in = { 0 };
	struct mesos_state *st;
	char err[256];

	if (config_parse(&cfg, conf, sizeof conf - 1, "/fuzz.json", err,
		sizeof err) < 0)
		abort();
	st = state_parse(state_json, sizeof state_json - 1, err, sizeof err);
	if (st == NULL)
		abort();
	in.cfg = &cfg;
	in.state = st;
	if ((snap = gen_build(&in, err, sizeof err)) == NULL)
		abort();
	mesos_state_free(st);
	if ((actx = answer_new(&cfg, 42, err, sizeof err)) == NULL)
		abort();
}

static void
check_reply(const uint8_t *r, size_t len, size_t limit)
{
	struct dns_query q;

	assert(len >= WIRE_HEADER_SIZE && len <= limit);
	/* Our replies are well-formed DNS: they parse as messages (as a
	 * response, so they are "dropped" rather than failing). */
	assert(msg_parse_query(r, len, &q) != PARSE_FORMERR);
}

/* The UDP worker's warm-up (dns_query_hash, snap_prefetch) reads the raw
 * packet before the real parse: it must stay inside it, and the name it
 * hashes must be the one the look-up then uses. */
static void
check_warm_up(const uint8_t *data, size_t size, enum handle_result r)
{
	char text[DNAME_MAX_TEXT];
	uint32_t h;
	size_t n;

	if (!dns_query_hash(data, size, &h))
		return;
	for (unsigned stage = 0; stage <= 2; stage++)
		snap_prefetch(snap, h, stage);
	if (r == HANDLE_DROP || actx->query.qname_len == 0)
		return;
	n = dname_to_text(actx->query.qname, text, true);
	assert(snap_hash(text, n) == h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t outlen = 0;
	enum handle_result r;

	if (snap == NULL)
		setup();
	for (int mode = 0; mode < 3; mode++) {
		bool tcp = mode == 1;

		cfg.edns0_max_udp_size = mode == 2 ? 0 : 1232;
		r = dns_handle(actx, snap, data, size, tcp, out, sizeof out,
		    &outlen);
		if (r == HANDLE_REPLY)
			check_reply(out, outlen,
			    tcp		  ? 65535 :
				mode == 2 ? 512 :
					    1232);
	}
	check_warm_up(data, size, r);
	return 0;
}
