/* test_answer.c -- one query in, one reply out (src/dns/answer.h,
 * spec/dns.md §2 and §4): answers from a snapshot, NXDOMAIN and NODATA
 * with the SOA, SRV with its targets' addresses, names outside the domain
 * routed to forwarding, no snapshot yet (SERVFAIL), and the error shapes
 * of hostile packets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dns/answer.h"
#include "dns/wire.h"
#include "records/builder.h"
#include "util/ipaddr.h"

static struct config cfg;
static struct answer_ctx *actx;
static struct snapshot *snap;
static uint8_t reply[4096];
static size_t reply_len;

static void
add_a(struct builder *b, const char *name, const char *ip)
{
	struct ipaddr a;

	assert_true(ipaddr_parse(ip, strlen(ip), &a));
	assert_true(builder_insert_ip(b, name, strlen(name), &a));
}

static int
setup(void **state)
{
	const char *json =
	    "{\"listener\":\"127.0.0.1\",\"masters\":"
	    "[\"127.0.0.1:5050\"],\"domain\":\"mesos\",\"ttl\":60,"
	    "\"externalon\":true,\"resolvers\":[\"127.0.0.1\"]}";
	char err[256] = "";
	struct builder *b = builder_new();

	(void)state;
	assert_int_equal(config_parse(&cfg, json, strlen(json), "/t.json", err,
			     sizeof err),
	    0);
	actx = answer_new(&cfg, 1, err, sizeof err);
	assert_non_null(actx);
	assert_non_null(b);
	add_a(b, "web.marathon.mesos.", "10.0.1.1");
	add_a(b, "web.marathon.mesos.", "10.0.1.2");
	add_a(b, "agent-1.mesos.", "10.0.0.3");
	assert_true(builder_insert_srv(b, "_web._tcp.marathon.mesos.", 25,
	    "agent-1.mesos.", 14, 31000));
	snap = builder_finish(b);
	assert_non_null(snap);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	snapshot_free(snap);
	answer_delete(actx);
	config_free(&cfg);
	return 0;
}

/* A query for name (dotted text) and type, id 0x1234, RD set. */
static size_t
query(uint8_t *pkt, const char *name, uint16_t type)
{
	size_t n = WIRE_HEADER_SIZE;
	const char *p = name;

	memset(pkt, 0, WIRE_HEADER_SIZE);
	pkt[0] = 0x12;
	pkt[1] = 0x34;
	pkt[2] = 0x01; /* RD */
	pkt[5] = 1;    /* QDCOUNT */
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		pkt[n++] = (uint8_t)l;
		memcpy(pkt + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	pkt[n++] = 0;
	pkt[n++] = (uint8_t)(type >> 8);
	pkt[n++] = (uint8_t)type;
	pkt[n++] = 0;
	pkt[n++] = 1; /* IN */
	return n;
}

static enum handle_result
ask(const struct snapshot *s, const char *name, uint16_t type)
{
	uint8_t pkt[512];
	size_t len = query(pkt, name, type);

	reply_len = 0;
	return dns_handle(actx, s, pkt, len, false, reply, sizeof reply,
	    &reply_len);
}

static unsigned
rcode(void)
{
	return reply[3] & 0x0f;
}

static unsigned
count(int section) /* 0 question, 1 answer, 2 authority, 3 additional */
{
	return (unsigned)reply[4 + 2 * section] << 8 | reply[5 + 2 * section];
}

static void
test_a_answer(void **state)
{
	(void)state;
	assert_int_equal(ask(snap, "web.marathon.mesos", 1), HANDLE_REPLY);
	assert_true(reply_len > WIRE_HEADER_SIZE);
	assert_int_equal(reply[0], 0x12);
	assert_int_equal(reply[1], 0x34);
	assert_true(reply[2] & 0x80); /* QR */
	assert_true(reply[2] & 0x04); /* AA */
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 2);
	/* Case does not matter. */
	assert_int_equal(ask(snap, "WEB.Marathon.mesos", 1), HANDLE_REPLY);
	assert_int_equal(count(1), 2);
}

static void
test_nxdomain_and_nodata(void **state)
{
	(void)state;
	assert_int_equal(ask(snap, "nope.marathon.mesos", 1), HANDLE_REPLY);
	assert_int_equal(rcode(), 3); /* NXDOMAIN */
	assert_int_equal(count(1), 0);
	assert_int_equal(count(2), 1); /* the SOA */
	assert_int_equal(ask(snap, "web.marathon.mesos", 28), HANDLE_REPLY);
	assert_int_equal(rcode(), 0); /* NODATA */
	assert_int_equal(count(1), 0);
	assert_int_equal(count(2), 1);
}

static void
test_srv_with_additional(void **state)
{
	(void)state;
	assert_int_equal(ask(snap, "_web._tcp.marathon.mesos", 33),
	    HANDLE_REPLY);
	assert_int_equal(rcode(), 0);
	assert_int_equal(count(1), 1);
	assert_int_equal(count(3), 1); /* agent-1's A */
}

static void
test_routing(void **state)
{
	(void)state;
	/* Outside the domain: forwarded (ExternalOn). */
	assert_int_equal(ask(snap, "example.org", 1), HANDLE_FORWARD);
	/* Before the first snapshot: SERVFAIL, not NXDOMAIN. */
	assert_int_equal(ask(NULL, "web.marathon.mesos", 1), HANDLE_REPLY);
	assert_int_equal(rcode(), 2);
}

static void
test_hostile_packets(void **state)
{
	uint8_t pkt[512];
	size_t len = query(pkt, "web.marathon.mesos", 1);

	(void)state;
	/* A reply (QR set) is dropped. */
	pkt[2] |= 0x80;
	assert_int_equal(dns_handle(actx, snap, pkt, len, false, reply,
			     sizeof reply, &reply_len),
	    HANDLE_DROP);
	/* A question cut short: FORMERR with the ID. */
	len = query(pkt, "web.marathon.mesos", 1);
	reply_len = 0;
	assert_int_equal(dns_handle(actx, snap, pkt, len - 3, false, reply,
			     sizeof reply, &reply_len),
	    HANDLE_REPLY);
	assert_int_equal(rcode(), 1);
	assert_int_equal(reply[0], 0x12);
	/* A compression pointer to itself. */
	len = query(pkt, "web.marathon.mesos", 1);
	pkt[WIRE_HEADER_SIZE] = 0xc0;
	pkt[WIRE_HEADER_SIZE + 1] = WIRE_HEADER_SIZE;
	reply_len = 0;
	assert_int_equal(dns_handle(actx, snap, pkt, len, false, reply,
			     sizeof reply, &reply_len),
	    HANDLE_REPLY);
	assert_int_equal(rcode(), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_answer),
		cmocka_unit_test(test_nxdomain_and_nodata),
		cmocka_unit_test(test_srv_with_additional),
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_hostile_packets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
