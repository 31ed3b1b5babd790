/* test_xfr.c -- zone transfer pieces: RFC 1982 serial arithmetic and the
 * persisted serial, ZoneTransferAllow prefixes, TSIG against vectors made
 * with dnspython's implementation, the IXFR journal over real snapshots,
 * and the request parser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "records/builder.h"
#include "records/snapshot.h"
#include "util/ipaddr.h"
#include "xfr/acl.h"
#include "xfr/journal.h"
#include "xfr/serial.h"
#include "xfr/state.h"
#include "xfr/tsig.h"
#include "xfr/xfr.h"
#include "xfr/zone.h"

static size_t
unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void
test_serial_arithmetic(void **state)
{
	(void)state;
	assert_true(serial_lt(1, 2));
	assert_false(serial_lt(2, 1));
	assert_false(serial_lt(5, 5));
	/* Wrap-around: 0xffffffff is before 0 and 10. */
	assert_true(serial_lt(0xffffffffU, 0));
	assert_true(serial_lt(0xfffffff0U, 10));
	assert_false(serial_lt(10, 0xfffffff0U));
	/* 2^31 apart is undefined: neither is less. */
	assert_false(serial_lt(0, 0x80000000U));
	assert_false(serial_lt(0x80000000U, 0));
	/* The clock when it is newer, else previous + 1 (never 0). */
	assert_int_equal(serial_next(0, 1700000000), 1700000000);
	assert_int_equal(serial_next(1699999999, 1700000000), 1700000000);
	assert_int_equal(serial_next(1700000000, 1700000000), 1700000001);
	assert_int_equal(serial_next(1700000005, 1700000000), 1700000006);
	assert_int_equal(serial_next(0xffffffffU, 5), 5);
	assert_int_equal(serial_next(0xffffffffU, 0xfffffff0U), 1);
}

static void
test_serial_persisted(void **state)
{
	char path[] = "/tmp/test_xfr_serialXXXXXX";
	int fd = mkstemp(path);
	uint32_t v = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_false(serial_load(path, &v)); /* empty file */
	assert_int_equal(serial_store(path, 4000000000U), 0);
	assert_true(serial_load(path, &v));
	assert_int_equal(v, 4000000000U);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(write(fd, "12x\n", 4) == 4);
	close(fd);
	assert_false(serial_load(path, &v));
	unlink(path);
	assert_false(serial_load(path, &v));
}

static struct sockaddr_storage
peer4(const char *ip)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;

	s->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &s->sin_addr);
	return ss;
}

static struct sockaddr_storage
peer6(const char *ip)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

	s->sin6_family = AF_INET6;
	inet_pton(AF_INET6, ip, &s->sin6_addr);
	return ss;
}

static void
test_acl(void **state)
{
	struct acl_entry acl[3];
	struct sockaddr_storage p;

	(void)state;
	assert_true(acl_parse("127.0.0.1/32", &acl[0]));
	assert_true(acl_parse("10.1.0.0/16", &acl[1]));
	assert_true(acl_parse("fd00::/8", &acl[2]));
	p = peer4("127.0.0.1");
	assert_true(acl_match(acl, 3, &p));
	p = peer4("127.0.0.2");
	assert_false(acl_match(acl, 3, &p));
	p = peer4("10.1.255.3");
	assert_true(acl_match(acl, 3, &p));
	p = peer4("10.2.0.1");
	assert_false(acl_match(acl, 3, &p));
	p = peer6("fd12::1");
	assert_true(acl_match(acl, 3, &p));
	p = peer6("fe80::1");
	assert_false(acl_match(acl, 3, &p));
	/* An IPv4 client on an IPv6 socket arrives mapped. */
	p = peer6("::ffff:10.1.2.3");
	assert_true(acl_match(acl, 3, &p));
	assert_false(acl_match(acl, 0, &p));	     /* [] = nobody */
	assert_true(acl_parse("10.0.0.1", &acl[0])); /* a host */
	p = peer4("10.0.0.1");
	assert_true(acl_match(acl, 1, &p));
	p = peer4("10.0.0.2");
	assert_false(acl_match(acl, 1, &p));
	assert_false(acl_parse("10.0.0.0/33", &acl[0]));
	assert_false(acl_parse("10.0.0.0/", &acl[0]));
	assert_false(acl_parse("example.com/8", &acl[0]));
	assert_false(acl_parse("", &acl[0]));
}

/* Made with dnspython 2.3 (dns.tsig): an AXFR query for "mesos." with ID
 * 0x1234 signed by key "xfr-key." (secret below) at 1700000000, fudge 300;
 * and its response (one SOA) signed over the query's MAC. */
#define SECRET "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
#define T0 1700000000ULL
static const char *query_hex =
    "123400000001000000000001056d65736f730000fc0001077866722d6b65790000fa"
    "00ff00000000003d0b686d61632d7368613235360000006553f100012c00205a8d9d"
    "28e36e0b66bcf92f7b8c02a01b0b8a36039731c65766bccafd59e941ca1234000000"
    "00";
static const char *reply_hex =
    "123484000001000100000001056d65736f730000fc0001c00c000600010000003c00"
    "21036e7331c00c04726f6f74c023000000050000003c000002580001518000000"
    "03c077866722d6b65790000fa00ff00000000003d0b686d61632d73686132353600"
    "00006553f100012c0020c2e371e784e4581eeb78efc4a71a519ab90a6265fb343c1e"
    "66eb449a09676b9b123400000000";

static void
test_tsig_dnspython_vectors(void **state)
{
	struct tsig_key k, other;
	struct tsig_rr t;
	uint8_t q[512], r[512], mine[512], mac[TSIG_MAC_LEN];
	size_t qn = unhex(query_hex, q), rn = unhex(reply_hex, r), toff, n;
	struct xfr_request req;

	(void)state;
	assert_true(tsig_key_init(&k, "xfr-key.", SECRET));
	assert_int_equal(k.secret_len, 32);
	assert_true(tsig_key_init(&other, "other-key", SECRET));
	/* The parser finds the TSIG RR last in the additional section. */
	assert_true(xfr_parse_request(q, qn, &req));
	assert_true(req.has_tsig);
	assert_int_equal(req.qtype, TYPE_AXFR);
	t = req.tsig;
	assert_int_equal(t.time, T0);
	assert_int_equal(t.fudge, 300);
	assert_int_equal(tsig_verify(&k, q, &t, T0), TSIG_NOERROR);
	assert_int_equal(tsig_verify(&k, q, &t, T0 + 300), TSIG_NOERROR);
	assert_int_equal(tsig_verify(&k, q, &t, T0 + 301), TSIG_BADTIME);
	assert_int_equal(tsig_verify(&other, q, &t, T0), TSIG_BADKEY);
	/* Any changed byte of the signed part breaks the MAC. */
	q[13] ^= 0x20; /* "Mesos" */
	assert_int_equal(tsig_verify(&k, q, &t, T0), TSIG_BADSIG);
	q[13] ^= 0x20;
	k.secret[0] ^= 1; /* a wrong secret */
	assert_int_equal(tsig_verify(&k, q, &t, T0), TSIG_BADSIG);
	k.secret[0] ^= 1;

	/* Signing the unsigned reply gives dnspython's bytes exactly. */
	for (toff = 12; toff < rn; toff++)
		if (memcmp(r + toff, "\x07xfr-key", 8) == 0)
			break;
	memcpy(mine, r, toff);
	mine[11] = 0; /* ARCOUNT without the TSIG */
	n = tsig_sign(&k, mine, toff, sizeof mine, 0x1234, t.mac, t.mac_len,
	    false, T0, TSIG_NOERROR, mac);
	assert_int_equal(n, rn);
	assert_memory_equal(mine, r, rn);
	/* And it verifies as a message signed over the request MAC would. */
	assert_true(tsig_parse(mine, n, toff, &t));
	assert_memory_equal(t.mac, mac, TSIG_MAC_LEN);
	/* Errors: BADKEY and BADSIG replies are unsigned (MAC size 0). */
	n = tsig_sign(&k, mine, toff, sizeof mine, 0x1234, NULL, 0, false, T0,
	    TSIG_BADKEY, NULL);
	assert_true(tsig_parse(mine, n, toff, &t));
	assert_int_equal(t.mac_len, 0);
	assert_int_equal(t.error, TSIG_BADKEY);
	/* A bad secret in the configuration is refused. */
	assert_false(tsig_key_init(&other, "k", "not base64!"));
	assert_false(tsig_key_init(&other, "k", ""));
	assert_false(tsig_key_init(&other, "k", "QQ=A"));
}

static void
test_request_parser(void **state)
{
	uint8_t q[512];
	size_t n = unhex(query_hex, q);
	struct xfr_request r;
	/* IXFR for mesos. with serial 7 in the authority section. */
	static const uint8_t ixfr[] = {
		0,
		1,
		0,
		0,
		0,
		1,
		0,
		0,
		0,
		1,
		0,
		0,
		5,
		'm',
		'e',
		's',
		'o',
		's',
		0,
		0,
		251,
		0,
		1,
		0xc0,
		12,
		0,
		6,
		0,
		1,
		0,
		0,
		0,
		60,
		0,
		26,
		1,
		'a',
		0,
		1,
		'b',
		0,
		0,
		0,
		0,
		7,
		0,
		0,
		0,
		1,
		0,
		0,
		0,
		2,
		0,
		0,
		0,
		3,
		0,
		0,
		0,
		4,
	};

	(void)state;
	assert_true(xfr_is_transfer(q, n));
	assert_true(xfr_parse_request(ixfr, sizeof ixfr, &r));
	assert_int_equal(r.qtype, TYPE_IXFR);
	assert_true(r.has_serial);
	assert_int_equal(r.serial, 7);
	assert_false(r.has_tsig);
	/* Truncated anywhere: not a request. */
	for (size_t k = 0; k < sizeof ixfr; k++)
		assert_false(xfr_parse_request(ixfr, k, &r));
	/* The TSIG must be the last RR. */
	q[11] = 2;
	assert_false(xfr_parse_request(q, n, &r));
	q[11] = 1;
	/* A response (QR) or another opcode is not a request. */
	q[2] = 0x80;
	assert_false(xfr_is_transfer(q, n));
	q[2] = 0x20; /* opcode 4 (NOTIFY) */
	assert_false(xfr_is_transfer(q, n));
}

static struct config cfg;

static struct snapshot *
build(const char *const *names, const char *const *ips, size_t n,
    uint32_t serial)
{
	struct builder *b = builder_new();
	struct snapshot *s;

	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		struct ipaddr ip;

		assert_true(ipaddr_parse(ips[i], strlen(ips[i]), &ip));
		assert_true(
		    builder_insert_ip(b, names[i], strlen(names[i]), &ip));
	}
	/* Names that never change, so that the zone outweighs its deltas. */
	for (int i = 0; i < 30; i++) {
		char name[64], addr[32];
		struct ipaddr ip;

		snprintf(name, sizeof name, "z%02d.marathon.mesos.", i);
		snprintf(addr, sizeof addr, "10.1.0.%d", i + 1);
		assert_true(ipaddr_parse(addr, strlen(addr), &ip));
		assert_true(builder_insert_ip(b, name, strlen(name), &ip));
	}
	assert_true(builder_insert_srv(b, "_web._tcp.marathon.mesos.", 25,
	    "web.marathon.mesos.", 19, 31000));
	s = builder_finish(b);
	assert_non_null(s);
	atomic_store(&s->serial, serial);
	return s;
}

/* The RRs of a journal walk, as "TYPE owner-first-label" words. */
static void
walk_text(uint32_t from, uint32_t to, char *out, size_t cap)
{
	struct journal_walk w;
	uint8_t buf[4096];
	struct xmsg m;
	struct zone_rr rr;
	size_t pos = WIRE_HEADER_SIZE, used = 0;

	out[0] = '\0';
	if (!journal_walk_begin(&w, from, to)) {
		snprintf(out, cap, "none");
		return;
	}
	xmsg_begin(&m, buf, sizeof buf, 1, 0x8400);
	assert_int_equal(journal_walk_write(&w, &m, &rr), JOURNAL_END);
	xmsg_end(&m);
	journal_walk_end(&w);
	for (unsigned i = 0; i < m.count[1]; i++) {
		uint16_t type;
		char label[64] = "";

		/* Owners are written first in full, then as pointers. */
		if ((buf[pos] & 0xc0) == 0xc0) {
			size_t p =
			    (size_t)(buf[pos] & 0x3f) << 8 | buf[pos + 1];

			memcpy(label, buf + p + 1, buf[p]);
			pos += 2;
		} else {
			memcpy(label, buf + pos + 1, buf[pos]);
			while (buf[pos] != 0 && (buf[pos] & 0xc0) != 0xc0)
				pos += buf[pos] + 1;
			pos += buf[pos] == 0 ? 1 : 2;
		}
		type = wire_read_u16(buf + pos);
		if (type == TYPE_SOA) {
			/* rdata: "ns1.mesos." then "root.ns1.mesos." as written
			 * by xmsg (compressed), then the serial. */
			size_t p = pos + 10;

			while (buf[p] != 0 && (buf[p] & 0xc0) != 0xc0)
				p += buf[p] + 1;
			p += buf[p] == 0 ? 1 : 2;
			while (buf[p] != 0 && (buf[p] & 0xc0) != 0xc0)
				p += buf[p] + 1;
			p += buf[p] == 0 ? 1 : 2;
			used += (size_t)snprintf(out + used, cap - used,
			    "SOA%u ", wire_read_u32(buf + p));
		} else {
			used += (size_t)snprintf(out + used, cap - used,
			    "%s/%u ", label, type);
		}
		pos += 10 + wire_read_u16(buf + pos + 8);
	}
}

static void
test_journal_deltas(void **state)
{
	char err[256], text[1024];
	static const char *n1[] = { "web.marathon.mesos.",
		"db.marathon.mesos." };
	static const char *i1[] = { "10.0.0.1", "10.0.0.2" };
	static const char *n2[] = { "web.marathon.mesos.",
		"api.marathon.mesos." };
	static const char *i2[] = { "10.0.0.1", "10.0.0.3" };
	static const char *n3[] = { "web.marathon.mesos.",
		"api.marathon.mesos.", "db.marathon.mesos." };
	static const char *i3[] = { "10.0.0.9", "10.0.0.3", "fd00::2" };
	struct snapshot *a = build(n1, i1, 2, 100), *b = build(n2, i2, 2, 101),
			*c = build(n3, i3, 3, 102);
	const char *json = "{\"masters\":[\"10.0.0.1:5050\"],"
			   "\"ZoneTransferAllow\":[\"127.0.0.1\"]}";

	(void)state;
	assert_int_equal(config_parse(&cfg, json, strlen(json), "t.json", err,
			     sizeof err),
	    0);
	assert_int_equal(xfr_init(&cfg, err, sizeof err), 0);
	journal_record(NULL, a);
	walk_text(100, 100, text, sizeof text);
	assert_string_equal(text, "none");
	journal_record(a, b);
	walk_text(100, 101, text, sizeof text);
	/* SOA(from), the removed record, SOA(to), the added one. */
	assert_string_equal(text, "SOA100 db/1 SOA101 api/1 ");
	journal_record(b, c);
	walk_text(101, 102, text, sizeof text);
	assert_string_equal(text, "SOA101 web/1 SOA102 db/28 web/1 ");
	/* Two serials back: one condensed delta (db's A removed, web's old
	 * A removed; api's A, db's AAAA and web's new A added). */
	walk_text(100, 102, text, sizeof text);
	assert_string_equal(text,
	    "SOA100 db/1 web/1 SOA102 db/28 api/1 web/1 ");
	/* Back to the first zone: everything cancels out over the chain. */
	{
		struct snapshot *again = build(n1, i1, 2, 103);

		journal_record(c, again);
		walk_text(100, 103, text, sizeof text);
		assert_string_equal(text, "SOA100 SOA103 ");
		walk_text(101, 103, text, sizeof text);
		assert_string_equal(text, "SOA101 api/1 SOA103 db/1 ");
		snapshot_free(c);
		c = again;
	}
	/* Deltas outweighing the zone: the caller sends the zone. */
	{
		struct snapshot *tiny = build(NULL, NULL, 0, 104);

		tiny->n[RK_A] = 0; /* counted as an empty zone */
		journal_record(c, tiny);
		walk_text(103, 104, text, sizeof text);
		assert_string_equal(text, "none");
		tiny->n[RK_A] = 30;
		snapshot_free(tiny);
	}
	/* Outside the history: the caller sends the zone. */
	walk_text(99, 103, text, sizeof text);
	assert_string_equal(text, "none");
	assert_true(journal_bytes() > 0);
	/* A gap (a delta that does not start at the last serial) restarts. */
	atomic_store(&a->serial, 500);
	atomic_store(&b->serial, 501);
	journal_record(a, b);
	walk_text(100, 102, text, sizeof text);
	assert_string_equal(text, "none");
	walk_text(500, 501, text, sizeof text);
	assert_string_equal(text, "SOA500 db/1 SOA501 api/1 ");
	xfr_stop();
	assert_int_equal(journal_bytes(), 0);
	snapshot_free(a);
	snapshot_free(b);
	snapshot_free(c);
	config_free(&cfg);
}

static void
test_zone_digest(void **state)
{
	static const char *n1[] = { "web.marathon.mesos.",
		"db.marathon.mesos." };
	static const char *i1[] = { "10.0.0.1", "10.0.0.2" };
	static const char *n2[] = { "db.marathon.mesos.",
		"web.marathon.mesos." };
	static const char *i2[] = { "10.0.0.2", "10.0.0.1" };
	static const char *i3[] = { "10.0.0.2", "10.0.0.3" };
	struct snapshot *a = build(n1, i1, 2, 1), *b = build(n2, i2, 2, 2),
			*c = build(n2, i3, 2, 3);

	(void)state;
	/* The same records in another order: the same zone. */
	assert_true(zone_digest(a) == zone_digest(b));
	assert_true(zone_digest(a) != zone_digest(c));
	snapshot_free(a);
	snapshot_free(b);
	snapshot_free(c);
}

static void
expect_config_error(const char *keys, const char *want)
{
	char json[512], err[256] = "";
	struct config c;

	snprintf(json, sizeof json, "{\"masters\":[\"10.0.0.1:5050\"],%s}",
	    keys);
	/* As main.c loads it: the config's own checks, then the xfr keys'. */
	assert_int_equal(config_parse(&c, json, strlen(json), "t.json", err,
			     sizeof err) < 0 ||
		xfr_config_check(&c, err, sizeof err) < 0,
	    1);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	/* The secret never appears in a message. */
	assert_null(strstr(err, "c2VjcmV0"));
	config_free(&c);
}

static void
test_config_keys(void **state)
{
	(void)state;
	expect_config_error("\"ZoneTransferAllow\":[\"10.0.0.0/8\",\"x/8\"]",
	    "invalid ZoneTransferAllow entry 1: \"x/8\"");
	expect_config_error("\"ZoneTransferNotify\":[\"10.0.0.1\"]",
	    "invalid ZoneTransferNotify entry 0");
	expect_config_error("\"ZoneTransferNotify\":[\"ns.example:53\"]",
	    "is not ip:port");
	expect_config_error("\"ZoneTransferTSIG\":{\"secret\":\"c2VjcmV0\"}",
	    "a secret without a name");
	expect_config_error("\"ZoneTransferTSIG\":{\"name\":\"k\","
			    "\"secret\":\"c2VjcmV0*\"}",
	    "invalid ZoneTransferTSIG");
	expect_config_error("\"ZoneTransferTSIG\":[1]", "ZoneTransferTSIG");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serial_arithmetic),
		cmocka_unit_test(test_serial_persisted),
		cmocka_unit_test(test_acl),
		cmocka_unit_test(test_tsig_dnspython_vectors),
		cmocka_unit_test(test_request_parser),
		cmocka_unit_test(test_journal_deltas),
		cmocka_unit_test(test_zone_digest),
		cmocka_unit_test(test_config_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
