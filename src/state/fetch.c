/* fetch.c -- the libcurl exchange behind fetch.h. */
#include "state/fetch.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "state/parse.h"
#include "util/hostport.h"

struct sink {
	struct state_parser *parser;
	uint64_t hash;	/* over the body, 8 bytes at a time */
	uint64_t carry; /* bytes of an unfinished word */
	unsigned carried;
	size_t received;
	size_t limit;
	long status;
	CURL *curl;
	int failed; /* 1 parse error, 2 too big, 3 bad status */
};

static void
hash_word(struct sink *s, uint64_t w)
{
	s->hash = (s->hash ^ w) * 0x9E3779B97F4A7C15ULL;
	s->hash ^= s->hash >> 32;
}

/* A 64-bit hash of the body that does not depend on how it was split into
 * pieces (little-endian words of the whole body); collisions only matter
 * between two successive states. */
static void
hash_bytes(struct sink *s, const unsigned char *p, size_t n)
{
	size_t i = 0;

	/* Finish a word a previous piece began. */
	for (; i < n && s->carried != 0; i++) {
		s->carry |= (uint64_t)p[i] << (8 * s->carried);
		if (++s->carried == 8) {
			hash_word(s, s->carry);
			s->carry = 0;
			s->carried = 0;
		}
	}
	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		hash_word(s, w);
	}
	for (; i < n; i++)
		s->carry |= (uint64_t)p[i] << (8 * s->carried++);
}

static uint64_t
hash_final(struct sink *s)
{
	uint64_t h = (s->hash ^ s->carry ^ s->carried) * 0xbf58476d1ce4e5b9ULL;

	return h ^ (h >> 31) ^ s->received;
}

static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;

	if (s->status == 0)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status < 200 || s->status > 299) {
		s->failed = 3;
		return 0;
	}
	s->received += len;
	if (s->received > s->limit) {
		s->failed = 2;
		return 0;
	}
	if (state_parser_feed(s->parser, data, len) < 0) {
		s->failed = 1;
		return 0;
	}
	hash_bytes(s, (const unsigned char *)data, len);
	return len;
}

static atomic_bool aborting;

void
fetch_abort_all(void)
{
	atomic_store(&aborting, true);
}

bool
fetch_aborted(void)
{
	return atomic_load(&aborting);
}

/* libcurl's progress callback: non-zero aborts the transfer. */
static int
on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	(void)ctx;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return fetch_aborted() ? 1 : 0;
}

void
fetch_setup_tls(void *handle, const struct config *c)
{
	CURL *curl = handle;

	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (c->ca_cert_file[0] != '\0')
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_cert_file);
	if (c->cert_file[0] != '\0') {
		curl_easy_setopt(curl, CURLOPT_SSLCERT, c->cert_file);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, c->key_file);
	}
	if (c->mesos_https_insecure) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

void
fetch_global_init(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
}

struct mesos_state *
fetch_state(const struct fetch_opts *o, const char *host, int port, char *err,
    size_t errlen)
{
	const struct config *c = o->cfg;
	struct sink sink = { 0 };
	struct curl_slist *headers = NULL;
	struct mesos_state *state = NULL;
	char url[512], auth[4096], hdr[4200], where[300];
	char curl_err[CURL_ERROR_SIZE] = "";
	CURL *curl;
	CURLcode rc;

	hostport_join(where, sizeof where, host, port);
	snprintf(url, sizeof url, "%s://%s/master/state",
	    c->mesos_https_on ? "https" : "http", where);
	auth[0] = '\0';
	if (o->auth_header != NULL &&
	    o->auth_header(o->auth_ctx, auth, sizeof auth, err, errlen) < 0)
		return NULL;
	if ((curl = curl_easy_init()) == NULL ||
	    (sink.parser = state_parser_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	sink.curl = curl;
	sink.limit = (size_t)c->state_max_bytes;
	headers = curl_slist_append(headers, "Content-Type: application/json");
	if (auth[0] != '\0') {
		snprintf(hdr, sizeof hdr, "Authorization: %s", auth);
		headers = curl_slist_append(headers, hdr);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "Mesos-DNS");
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)c->state_timeout_seconds);
	curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	fetch_setup_tls(curl, c);
	rc = curl_easy_perform(curl);
	if (sink.status == 0)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &sink.status);
	if (sink.failed == 3 ||
	    (rc == CURLE_OK && (sink.status < 200 || sink.status > 299))) {
		snprintf(err, errlen, "master %s answered HTTP %ld%s", where,
		    sink.status,
		    sink.status == 401 ? " (authentication "
					 "refused)" :
					 "");
		if (sink.status == 401 && o->auth_reject != NULL)
			o->auth_reject(o->auth_ctx);
	} else if (sink.failed == 2) {
		snprintf(err, errlen,
		    "master %s sent a state larger than "
		    "StateMaxBytes (%" PRId64 " bytes)",
		    where, c->state_max_bytes);
	} else if (sink.failed == 1) {
		snprintf(err, errlen, "master %s sent a bad state: %s", where,
		    state_parser_error(sink.parser));
	} else if (rc == CURLE_SSL_CACERT ||
	    rc == CURLE_PEER_FAILED_VERIFICATION) {
		snprintf(err, errlen,
		    "master %s: certificate verification "
		    "failed (%s); set CACertFile to the master's CA, or "
		    "MesosHTTPSInsecure to skip the check as the original did",
		    where, curl_err[0] ? curl_err : curl_easy_strerror(rc));
	} else if (rc != CURLE_OK) {
		snprintf(err, errlen, "fetching state from master %s: %s",
		    where, curl_err[0] ? curl_err : curl_easy_strerror(rc));
	} else if ((state = state_parser_finish(sink.parser)) == NULL) {
		snprintf(err, errlen, "master %s sent a bad state: %s", where,
		    state_parser_error(sink.parser));
	} else {
		state->body_hash = hash_final(&sink);
	}
out:
	state_parser_free(sink.parser);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	return state;
}
