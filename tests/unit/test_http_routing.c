/* test_http_routing.c -- which handler the HTTP API gives a request
 * (src/http/api.c, spec/http.md): its routes with and without a trailing
 * slash, the {host}/ports stub, the method, Accept and Content-Type checks
 * of go-restful, and EnumerationOn.  The API runs in this process on a
 * loopback port; libcurl asks it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http/api.h"
#include "metrics/health.h"
#include "records/builder.h"
#include "records/snapshot.h"
#include "util/ipaddr.h"

static struct config cfg;
static long port;

static size_t
discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* The status of method path with an optional header and body. */
static long
status(const char *method, const char *path, const char *header,
    const char *body)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[512];
	long code = -1;

	assert_non_null(c);
	snprintf(url, sizeof url, "http://127.0.0.1:%ld%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (header != NULL) {
		h = curl_slist_append(h, header);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return code;
}

/* Starts the API with EnumerationOn as given on a free loopback port. */
static void
start(bool enumeration)
{
	char json[256], err[256] = "";

	for (int attempt = 0; attempt < 20; attempt++) {
		port = 20000 + (getpid() * 7 + attempt * 131) % 40000;
		snprintf(json, sizeof json,
		    "{\"httplistener\":\"127.0.0.1\","
		    "\"httpport\":%ld,\"masters\":[\"127.0.0.1:5050\"],"
		    "\"EnumerationOn\":%s}",
		    port, enumeration ? "true" : "false");
		assert_int_equal(config_parse(&cfg, json, strlen(json),
				     "/t.json", err, sizeof err),
		    0);
		if (http_api_start(&cfg, err, sizeof err) == 0)
			return;
		config_free(&cfg);
	}
	fail_msg("no free port: %s", err);
}

static void
stop(void)
{
	http_api_stop();
	config_free(&cfg);
}

static int
setup(void **state)
{
	struct builder *b = builder_new();
	struct ipaddr a;

	(void)state;
	assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), 0);
	assert_true(ipaddr_parse("10.0.1.1", 8, &a));
	assert_true(builder_insert_ip(b, "web.marathon.mesos.", 19, &a));
	snapshot_publish(builder_finish(b));
	health_set_serving(); /* as main does once DNS answers */
	return 0;
}

static void
test_routes(void **state)
{
	(void)state;
	start(true);
	assert_int_equal(status("GET", "/v1/version", NULL, NULL), 200);
	assert_int_equal(status("GET", "/v1/version/", NULL, NULL), 200);
	assert_int_equal(status("GET", "/v1/version//", NULL, NULL), 404);
	assert_int_equal(status("GET", "/v1/versions", NULL, NULL), 404);
	assert_int_equal(status("GET", "/v1/config", NULL, NULL), 200);
	assert_int_equal(status("GET", "/v1/enumerate", NULL, NULL), 200);
	assert_int_equal(status("GET", "/v1/axfr", NULL, NULL), 200);
	assert_int_equal(status("GET", "/v1/hosts/web.marathon.mesos", NULL,
			     NULL),
	    200);
	assert_int_equal(status("GET", "/v1/hosts/nope.mesos/", NULL, NULL),
	    200);
	assert_int_equal(status("GET", "/v1/hosts/", NULL, NULL), 404);
	assert_int_equal(status("GET", "/v1/hosts/web/ports", NULL, NULL), 501);
	assert_int_equal(status("GET", "/v1/hosts/web/other", NULL, NULL), 404);
	assert_int_equal(status("GET", "/v1/services/_web._tcp.marathon.mesos",
			     NULL, NULL),
	    200);
	assert_int_equal(status("GET", "/v1/services/web/ports", NULL, NULL),
	    404);
	assert_int_equal(status("GET", "/", NULL, NULL), 404);
	assert_int_equal(status("GET", "/v2/version", NULL, NULL), 404);
	stop();
}

static void
test_method_and_media_types(void **state)
{
	(void)state;
	start(true);
	assert_int_equal(status("POST", "/v1/version", NULL, NULL), 405);
	assert_int_equal(status("DELETE", "/v1/config", NULL, NULL), 405);
	/* 404 comes before 405. */
	assert_int_equal(status("POST", "/v1/nothing", NULL, NULL), 404);
	assert_int_equal(status("GET", "/v1/version", "Accept: text/html",
			     NULL),
	    406);
	assert_int_equal(status("GET", "/v1/version",
			     "Accept: text/html, application/json;q=0.9", NULL),
	    200);
	assert_int_equal(status("GET", "/v1/version", "Accept: */*", NULL),
	    200);
	/* A body is only taken as JSON. */
	assert_int_equal(status("GET", "/v1/version",
			     "Content-Type: text/plain", "x"),
	    415);
	assert_int_equal(status("GET", "/v1/version",
			     "Content-Type: application/json", "{}"),
	    200);
	stop();
}

static void
test_enumeration_off(void **state)
{
	(void)state;
	start(false);
	assert_int_equal(status("GET", "/v1/enumerate", NULL, NULL), 404);
	assert_int_equal(status("GET", "/v1/axfr", NULL, NULL), 404);
	assert_int_equal(status("GET", "/v1/version", NULL, NULL), 200);
	stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_method_and_media_types),
		cmocka_unit_test(test_enumeration_off),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
