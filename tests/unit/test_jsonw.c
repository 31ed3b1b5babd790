/* test_jsonw.c -- jsonw against the exact bytes of Go's
 * json.MarshalIndent(v, " ", " ") for the documents of http.md, and Go's
 * string escaping for every class of byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"

static void
check_buf(struct buf *b, const char *want)
{
	assert_false(b->failed);
	assert_non_null(b->data);
	assert_string_equal(b->data, want);
	assert_int_equal(b->len, strlen(want));
}

/* One string value at the top level, as Go marshals a bare string. */
static void
check_string(const char *s, size_t len, const char *want)
{
	struct buf b = { 0 };
	struct jsonw w;

	jsonw_init(&w, &b);
	jsonw_string(&w, s, len);
	check_buf(&b, want);
	buf_free(&b);
}

/* http.md §2, byte for byte. */
static void
test_version(void **state)
{
	struct buf b = { 0 };
	struct jsonw w;

	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	jsonw_key(&w, "Service");
	jsonw_cstr(&w, "Mesos-DNS");
	jsonw_key(&w, "URL");
	jsonw_cstr(&w, "https://github.com/mesosphere/mesos-dns");
	jsonw_key(&w, "Version");
	jsonw_cstr(&w, "dev");
	jsonw_object_end(&w);
	check_buf(&b,
	    "{\n  \"Service\": \"Mesos-DNS\",\n"
	    "  \"URL\": \"https://github.com/mesosphere/mesos-dns\",\n"
	    "  \"Version\": \"dev\"\n }");
	buf_free(&b);
}

static void
put_str_array(struct jsonw *w, const char *key, const char *const *v, size_t n)
{
	size_t i;

	jsonw_key(w, key);
	jsonw_array_begin(w);
	for (i = 0; i < n; i++)
		jsonw_cstr(w, v[i]);
	jsonw_array_end(w);
}

/* The /v1/config example of http.md §3 (nested object, arrays, empty
 * map, integers and booleans). */
static void
test_config(void **state)
{
	static const char *const masters[] = { "10.0.0.1:5050" };
	static const char *const resolvers[] = { "8.8.8.8" };
	static const char *const sources[] = { "netinfo", "mesos", "host" };
	static const struct {
		const char *key;
		int64_t v;
	} ints[] = {
		{ "RefreshSeconds", 60 },
		{ "Port", 53 },
		{ "Timeout", 5 },
		{ "StateTimeoutSeconds", 300 },
		{ "ZkDetectionTimeout", 30 },
		{ "HttpPort", 8123 },
		{ "TTL", 60 },
		{ "SRVRecordDefaultWeight", 1 },
	};
	static const char *const strs[][2] = {
		{ "Zk", "" },
		{ "Domain", "mesos" },
		{ "File", "/etc/mesos-dns/config.json" },
		{ "Listener", "0.0.0.0" },
		{ "HTTPListener", "0.0.0.0" },
	};
	static const struct {
		const char *key;
		bool v;
	} bools[] = {
		{ "RecurseOn", true },
		{ "DnsOn", true },
		{ "HttpOn", true },
		{ "ExternalOn", true },
		{ "EnforceRFC952", false },
		{ "SetTruncateBit", true },
		{ "EnumerationOn", true },
		{ "MesosHTTPSOn", false },
	};
	struct buf b = { 0 };
	struct jsonw w;
	size_t i;

	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		jsonw_key(&w, ints[i].key);
		jsonw_int(&w, ints[i].v);
	}
	jsonw_key(&w, "SOASerial");
	jsonw_uint(&w, 1700000000);
	jsonw_key(&w, "SOARefresh");
	jsonw_uint(&w, 60);
	jsonw_key(&w, "SOARetry");
	jsonw_uint(&w, 600);
	jsonw_key(&w, "SOAExpire");
	jsonw_uint(&w, 86400);
	jsonw_key(&w, "SOAMinttl");
	jsonw_uint(&w, 60);
	jsonw_key(&w, "SOAMname");
	jsonw_cstr(&w, "ns1.mesos.");
	jsonw_key(&w, "SOARname");
	jsonw_cstr(&w, "root.ns1.mesos.");
	put_str_array(&w, "Masters", masters, 1);
	jsonw_key(&w, "ZoneResolvers");
	jsonw_object_begin(&w);
	jsonw_object_end(&w);
	put_str_array(&w, "Resolvers", resolvers, 1);
	put_str_array(&w, "IPSources", sources, 3);
	for (i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		jsonw_key(&w, strs[i][0]);
		jsonw_cstr(&w, strs[i][1]);
	}
	for (i = 0; i < sizeof bools / sizeof bools[0]; i++) {
		jsonw_key(&w, bools[i].key);
		jsonw_bool(&w, bools[i].v);
	}
	jsonw_key(&w, "CACertFile");
	jsonw_cstr(&w, "");
	jsonw_key(&w, "CertFile");
	jsonw_cstr(&w, "");
	jsonw_key(&w, "KeyFile");
	jsonw_cstr(&w, "");
	jsonw_key(&w, "MesosCredentials");
	jsonw_object_begin(&w);
	jsonw_key(&w, "Principal");
	jsonw_cstr(&w, "");
	jsonw_key(&w, "Secret");
	jsonw_cstr(&w, "");
	jsonw_object_end(&w);
	jsonw_key(&w, "IAMConfigFile");
	jsonw_cstr(&w, "");
	jsonw_key(&w, "MesosAuthentication");
	jsonw_cstr(&w, "");
	jsonw_object_end(&w);
	assert_int_equal(w.depth, 0);
	check_buf(&b,
	    "{\n"
	    "  \"RefreshSeconds\": 60,\n"
	    "  \"Port\": 53,\n"
	    "  \"Timeout\": 5,\n"
	    "  \"StateTimeoutSeconds\": 300,\n"
	    "  \"ZkDetectionTimeout\": 30,\n"
	    "  \"HttpPort\": 8123,\n"
	    "  \"TTL\": 60,\n"
	    "  \"SRVRecordDefaultWeight\": 1,\n"
	    "  \"SOASerial\": 1700000000,\n"
	    "  \"SOARefresh\": 60,\n"
	    "  \"SOARetry\": 600,\n"
	    "  \"SOAExpire\": 86400,\n"
	    "  \"SOAMinttl\": 60,\n"
	    "  \"SOAMname\": \"ns1.mesos.\",\n"
	    "  \"SOARname\": \"root.ns1.mesos.\",\n"
	    "  \"Masters\": [\n"
	    "   \"10.0.0.1:5050\"\n"
	    "  ],\n"
	    "  \"ZoneResolvers\": {},\n"
	    "  \"Resolvers\": [\n"
	    "   \"8.8.8.8\"\n"
	    "  ],\n"
	    "  \"IPSources\": [\n"
	    "   \"netinfo\",\n"
	    "   \"mesos\",\n"
	    "   \"host\"\n"
	    "  ],\n"
	    "  \"Zk\": \"\",\n"
	    "  \"Domain\": \"mesos\",\n"
	    "  \"File\": \"/etc/mesos-dns/config.json\",\n"
	    "  \"Listener\": \"0.0.0.0\",\n"
	    "  \"HTTPListener\": \"0.0.0.0\",\n"
	    "  \"RecurseOn\": true,\n"
	    "  \"DnsOn\": true,\n"
	    "  \"HttpOn\": true,\n"
	    "  \"ExternalOn\": true,\n"
	    "  \"EnforceRFC952\": false,\n"
	    "  \"SetTruncateBit\": true,\n"
	    "  \"EnumerationOn\": true,\n"
	    "  \"MesosHTTPSOn\": false,\n"
	    "  \"CACertFile\": \"\",\n"
	    "  \"CertFile\": \"\",\n"
	    "  \"KeyFile\": \"\",\n"
	    "  \"MesosCredentials\": {\n"
	    "   \"Principal\": \"\",\n"
	    "   \"Secret\": \"\"\n"
	    "  },\n"
	    "  \"IAMConfigFile\": \"\",\n"
	    "  \"MesosAuthentication\": \"\"\n"
	    " }");
	buf_free(&b);
}

/* http.md §4: a top-level array of objects. */
static void
test_hosts(void **state)
{
	struct buf b = { 0 };
	struct jsonw w;

	jsonw_init(&w, &b);
	jsonw_array_begin(&w);
	jsonw_object_begin(&w);
	jsonw_key(&w, "host");
	jsonw_cstr(&w, "nginx.marathon.mesos.");
	jsonw_key(&w, "ip");
	jsonw_cstr(&w, "10.3.0.3");
	jsonw_object_end(&w);
	jsonw_array_end(&w);
	check_buf(&b,
	    "[\n  {\n   \"host\": \"nginx.marathon.mesos.\",\n"
	    "   \"ip\": \"10.3.0.3\"\n  }\n ]");
	buf_free(&b);
}

/* Empty containers stay on one line wherever they are; null for Go's nil
 * slices (records.md §8: "records": null, {"frameworks": null}). */
static void
test_empty_and_null(void **state)
{
	struct buf b = { 0 };
	struct jsonw w;

	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	jsonw_key(&w, "Domain");
	jsonw_cstr(&w, "mesos");
	jsonw_key(&w, "Records");
	jsonw_object_begin(&w);
	jsonw_key(&w, "AAAAs");
	jsonw_object_begin(&w);
	jsonw_object_end(&w);
	jsonw_key(&w, "As");
	jsonw_object_begin(&w);
	jsonw_key(&w, "a.mesos.");
	jsonw_array_begin(&w);
	jsonw_array_end(&w);
	jsonw_key(&w, "b.mesos.");
	jsonw_null(&w);
	jsonw_object_end(&w);
	jsonw_object_end(&w);
	jsonw_key(&w, "list");
	jsonw_array_begin(&w);
	jsonw_array_begin(&w);
	jsonw_array_end(&w);
	jsonw_object_begin(&w);
	jsonw_object_end(&w);
	jsonw_null(&w);
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	check_buf(&b,
	    "{\n"
	    "  \"Domain\": \"mesos\",\n"
	    "  \"Records\": {\n"
	    "   \"AAAAs\": {},\n"
	    "   \"As\": {\n"
	    "    \"a.mesos.\": [],\n"
	    "    \"b.mesos.\": null\n"
	    "   }\n"
	    "  },\n"
	    "  \"list\": [\n"
	    "   [],\n"
	    "   {},\n"
	    "   null\n"
	    "  ]\n"
	    " }");
	buf_free(&b);

	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	jsonw_key(&w, "frameworks");
	jsonw_null(&w);
	jsonw_object_end(&w);
	check_buf(&b, "{\n  \"frameworks\": null\n }");
	buf_free(&b);

	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	jsonw_object_end(&w);
	check_buf(&b, "{}");
	buf_free(&b);

	jsonw_init(&w, &b);
	jsonw_array_begin(&w);
	jsonw_array_end(&w);
	check_buf(&b, "[]");
	buf_free(&b);
}

/* Numbers and literals, including the extremes. */
static void
test_scalars(void **state)
{
	struct buf b = { 0 };
	struct jsonw w;

	jsonw_init(&w, &b);
	jsonw_array_begin(&w);
	jsonw_int(&w, 0);
	jsonw_int(&w, -1);
	jsonw_int(&w, INT64_MIN);
	jsonw_int(&w, INT64_MAX);
	jsonw_uint(&w, UINT64_MAX);
	jsonw_bool(&w, true);
	jsonw_bool(&w, false);
	jsonw_null(&w);
	jsonw_array_end(&w);
	check_buf(&b,
	    "[\n  0,\n  -1,\n  -9223372036854775808,\n"
	    "  9223372036854775807,\n  18446744073709551615,\n  true,\n"
	    "  false,\n  null\n ]");
	buf_free(&b);

	jsonw_init(&w, &b);
	jsonw_uint(&w, 42);
	check_buf(&b, "42");
	buf_free(&b);
}

/* The caller may take the text out between calls and carry on; the
 * pieces concatenate to the one-shot document. */
static void
test_streaming(void **state)
{
	struct buf b = { 0 }, all = { 0 };
	struct jsonw w;
	int i;

	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	jsonw_key(&w, "frameworks");
	jsonw_array_begin(&w);
	for (i = 0; i < 3; i++) {
		buf_put(&all, b.data, b.len);
		b.len = 0;
		jsonw_object_begin(&w);
		jsonw_key(&w, "tasks");
		jsonw_array_begin(&w);
		jsonw_array_end(&w);
		buf_put(&all, b.data, b.len);
		buf_free(&b); /* a fresh buffer works as well */
		jsonw_key(&w, "name");
		jsonw_int(&w, i);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	buf_put(&all, b.data, b.len);
	check_buf(&all,
	    "{\n  \"frameworks\": [\n"
	    "   {\n    \"tasks\": [],\n    \"name\": 0\n   },\n"
	    "   {\n    \"tasks\": [],\n    \"name\": 1\n   },\n"
	    "   {\n    \"tasks\": [],\n    \"name\": 2\n   }\n  ]\n }");
	buf_free(&b);
	buf_free(&all);
}

/* Go's short escapes, \u00XX for the other controls, HTML-safe < > &,
 * and bytes that need no escape (0x7f, '/', '\'', printable ASCII). */
static void
test_escape_ascii(void **state)
{
	check_string("", 0, "\"\"");
	check_string(NULL, 0, "\"\"");
	check_string("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check_string("\n\r\t", 3, "\"\\n\\r\\t\"");
	check_string("\b\f", 2, "\"\\u0008\\u000c\"");
	check_string("\0", 1, "\"\\u0000\"");
	check_string("a\0b", 3, "\"a\\u0000b\"");
	check_string("\x01\x1a\x1f", 3, "\"\\u0001\\u001a\\u001f\"");
	check_string("<a href=\"x\">&amp;</a>", 21,
	    "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\"");
	check_string("\x7f/' ~", 5, "\"\x7f/' ~\"");
	check_string(" !#$%()*+,-.:;=?@[]^_`{|}", 25,
	    "\" !#$%()*+,-.:;=?@[]^_`{|}\"");
}

/* Valid UTF-8 is copied raw except U+2028 and U+2029. */
static void
test_escape_unicode(void **state)
{
	check_string("\xc3\xa9", 2, "\"\xc3\xa9\"");	     /* U+00E9 */
	check_string("\xe2\x82\xac", 3, "\"\xe2\x82\xac\""); /* U+20AC */
	check_string("\xf0\x9f\x98\x80", 4,		     /* U+1F600 */
	    "\"\xf0\x9f\x98\x80\"");
	check_string("\xc2\x80", 2, "\"\xc2\x80\"");	     /* U+0080 */
	check_string("\xdf\xbf", 2, "\"\xdf\xbf\"");	     /* U+07FF */
	check_string("\xe0\xa0\x80", 3, "\"\xe0\xa0\x80\""); /* U+0800 */
	check_string("\xed\x9f\xbf", 3, "\"\xed\x9f\xbf\""); /* U+D7FF */
	check_string("\xee\x80\x80", 3, "\"\xee\x80\x80\""); /* U+E000 */
	check_string("\xef\xbf\xbd", 3, "\"\xef\xbf\xbd\""); /* U+FFFD */
	check_string("\xef\xbf\xbf", 3, "\"\xef\xbf\xbf\""); /* U+FFFF */
	check_string("\xf0\x90\x80\x80", 4, "\"\xf0\x90\x80\x80\"");
	check_string("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"");
	check_string("a\xe2\x80\xa8"
		     "b\xe2\x80\xa9"
		     "c",
	    9, "\"a\\u2028b\\u2029c\"");
	check_string("\xe2\x80\xa7\xe2\x80\xaa", 6,
	    "\"\xe2\x80\xa7\xe2\x80\xaa\"");
}

/* Each byte that does not start a valid sequence is one \ufffd, and
 * decoding resumes at the next byte (Go's utf8.DecodeRune). */
static void
test_escape_invalid_utf8(void **state)
{
#define R "\\ufffd"
	check_string("\xff", 1, "\"" R "\"");
	check_string("\x80", 1, "\"" R "\"");
	check_string("\xbf"
		     "a",
	    2, "\"" R "a\"");
	check_string("\xfe\xfe\xff", 3, "\"" R R R "\"");
	/* overlong forms */
	check_string("\xc0\xaf", 2, "\"" R R "\"");
	check_string("\xc1\xbf", 2, "\"" R R "\"");
	check_string("\xe0\x80\xaf", 3, "\"" R R R "\"");
	check_string("\xe0\x9f\xbf", 3, "\"" R R R "\"");
	check_string("\xf0\x80\x80\xaf", 4, "\"" R R R R "\"");
	check_string("\xf0\x8f\xbf\xbf", 4, "\"" R R R R "\"");
	/* surrogates */
	check_string("\xed\xa0\x80", 3, "\"" R R R "\"");
	check_string("\xed\xbf\xbf", 3, "\"" R R R "\"");
	/* beyond U+10FFFF, and lead bytes that never occur */
	check_string("\xf4\x90\x80\x80", 4, "\"" R R R R "\"");
	check_string("\xf5\x80\x80\x80", 4, "\"" R R R R "\"");
	check_string("\xf8\x88\x80\x80\x80", 5, "\"" R R R R R "\"");
	/* truncated: at the end, and interrupted by ASCII or a new lead */
	check_string("\xe2\x82", 2, "\"" R R "\"");
	check_string("\xe2\x82"
		     "a",
	    3, "\"" R R "a\"");
	check_string("\xf0\x9f\x98", 3, "\"" R R R "\"");
	check_string("\xc3\xc3\xa9", 3, "\"" R "\xc3\xa9\"");
	check_string("\xe2\x80\xe2\x80\xa8", 5, "\"" R R "\\u2028\"");
	/* a valid sequence cut by len is invalid: the rest is not read */
	check_string("\xc3\xa9", 1, "\"" R "\"");
	check_string("<\xff>", 3, "\"\\u003c" R "\\u003e\"");
#undef R
}

/* Keys are escaped like strings. */
static void
test_key_escape(void **state)
{
	struct buf b = { 0 };
	struct jsonw w;

	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	jsonw_key(&w, "a<b>\"\xff\n");
	jsonw_cstr(&w, "v");
	jsonw_key(&w, "");
	jsonw_cstr(&w, "");
	jsonw_object_end(&w);
	check_buf(&b,
	    "{\n  \"a\\u003cb\\u003e\\\"\\ufffd\\n\": \"v\",\n"
	    "  \"\": \"\"\n }");
	buf_free(&b);
}

/* A megabyte string of mixed content: the escaped length is exact and no
 * byte is read past len (ASan, unterminated heap buffer). */
static void
test_long_string(void **state)
{
	size_t len = 1 << 20, i, want;
	char *s = malloc(len);
	struct buf b = { 0 };
	struct jsonw w;

	assert_non_null(s);
	for (i = 0; i < len; i += 4)
		memcpy(s + i, "a<\xff\xc3", 4);
	jsonw_init(&w, &b);
	jsonw_string(&w, s, len);
	assert_false(b.failed);
	/* per 4 bytes: "a" + "\u003c" + "\ufffd" + "\ufffd" (\xc3 then 'a'
	 * is no sequence) = 1 + 6 + 6 + 6 */
	want = 2 + len / 4 * 19;
	assert_int_equal(b.len, want);
	assert_memory_equal(b.data, "\"a\\u003c\\ufffd\\ufffda", 21);
	assert_memory_equal(b.data + b.len - 7, "\\ufffd\"", 7);
	buf_free(&b);
	free(s);
}

/* Nesting deeper than JSONW_MAX_DEPTH, or a close with nothing open, is a
 * programming error reported through out->failed, never a crash. */
static void
test_misuse(void **state)
{
	struct buf b = { 0 };
	struct jsonw w;
	int i;

	jsonw_init(&w, &b);
	for (i = 0; i < JSONW_MAX_DEPTH; i++)
		jsonw_array_begin(&w);
	assert_false(b.failed);
	jsonw_array_begin(&w);
	assert_true(b.failed);
	buf_free(&b);

	jsonw_init(&w, &b);
	jsonw_object_end(&w);
	assert_true(b.failed);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_escape_ascii),
		cmocka_unit_test(test_escape_unicode),
		cmocka_unit_test(test_escape_invalid_utf8),
		cmocka_unit_test(test_key_escape),
		cmocka_unit_test(test_long_string),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
