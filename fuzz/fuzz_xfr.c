/* fuzz_xfr.c -- libFuzzer target for incoming zone transfer traffic: any
 * bytes as an AXFR/IXFR request (or a NOTIFY, or anything else) over TCP
 * from an allowed peer, with a TSIG key configured, against a zone with a
 * journal.  Every message written must be a well-formed DNS message of at
 * most 64 KiB, and a transfer must end. */
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dns/dname.h"
#include "dns/wire.h"
#include "records/builder.h"
#include "records/snapshot.h"
#include "util/ipaddr.h"
#include "xfr/journal.h"
#include "xfr/xfr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static uint8_t out[65535];
static struct sockaddr_storage peer;

static struct snapshot *
zone(int variant, uint32_t serial)
{
	struct builder *b = builder_new();
	struct snapshot *s;
	struct ipaddr ip;
	char name[300];

	for (int i = 0; i < 400; i++) {
		snprintf(name, sizeof name, "task-%d-%d.marathon.mesos.", i,
		    variant * (i % 7 == 0));
		ipaddr_parse(i % 3 ? "10.0.0.1" : "fd00::1", i % 3 ? 8 : 7,
		    &ip);
		builder_insert_ip(b, name, strlen(name), &ip);
		builder_insert_srv(b, "_t._tcp.marathon.mesos.", 23, name,
		    strlen(name), 31000 + i);
	}
	/* Names no DNS message can carry, and one outside the zone. */
	memset(name, 'x', 80);
	strcpy(name + 80, ".mesos.");
	ipaddr_parse("10.9.9.9", 8, &ip);
	builder_insert_ip(b, name, strlen(name), &ip);
	builder_insert_ip(b, "a\\.b.mesos.", 11, &ip);
	builder_insert_ip(b, "other.example.", 14, &ip);
	s = builder_finish(b);
	atomic_store(&s->serial, serial);
	return s;
}

static void
setup(void)
{
	static const char json[] =
	    "{\"masters\":[\"10.0.0.1:5050\"],"
	    "\"ZoneTransferAllow\":[\"127.0.0.0/8\"],"
	    "\"ZoneTransferTSIG\":{\"name\":\"xfr-key.\",\"secret\":"
	    "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"}}";
	char err[256];
	struct snapshot *a, *b;
	struct sockaddr_in *p = (struct sockaddr_in *)&peer;

	if (config_parse(&cfg, json, sizeof json - 1, "fuzz.json", err,
		sizeof err) < 0 ||
	    xfr_init(&cfg, err, sizeof err) < 0)
		abort();
	a = zone(0, 1);
	b = zone(1, 2);
	journal_record(NULL, a);
	journal_record(a, b);
	snapshot_publish(a);
	snapshot_publish(b);
	p->sin_family = AF_INET;
	p->sin_addr.s_addr = htonl(0x7f000001);
}

/* A written message: header, question within bounds, every RR's name and
 * rdata length inside the message. */
static void
check_message(const uint8_t *m, size_t n)
{
	size_t pos = WIRE_HEADER_SIZE, len;
	uint8_t name[255];
	unsigned counts = 0;

	assert(n >= WIRE_HEADER_SIZE && n <= 65535);
	for (int i = 0; i < 4; i++)
		counts += wire_read_u16(m + 4 + 2 * i);
	for (unsigned i = 0; i < wire_read_u16(m + 4); i++) {
		assert(dname_parse(m, n, &pos, name, &len) == 0);
		pos += 4;
		assert(pos <= n);
		counts--;
	}
	while (counts-- > 0) {
		assert(dname_parse(m, n, &pos, name, &len) == 0);
		assert(pos + 10 <= n);
		pos += 10 + wire_read_u16(m + pos + 8);
		assert(pos <= n);
	}
	assert(pos == n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct xfr_request r;
	struct xfr_session *s = NULL;
	size_t n;
	int messages = 0;

	if (!ready) {
		setup();
		ready = 1;
	}
	(void)xfr_parse_request(data, size, &r);
	if (!xfr_is_transfer(data, size))
		return 0;
	n = xfr_start(data, size, &peer, out, sizeof out, &s);
	check_message(out, n);
	while (s != NULL && (n = xfr_next(s, out, sizeof out)) > 0) {
		check_message(out, n);
		assert(++messages < 1000);
	}
	xfr_session_free(s);
	return 0;
}
