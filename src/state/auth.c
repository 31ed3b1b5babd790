/* auth.c -- Authorization headers for the master (spec/masters.md §5).
 *
 * basic: "Basic base64(principal:secret)", built once.
 * iam: a DC/OS service-account login.  A JWT (RS256, claims uid and exp)
 * signed with the account's private key is posted to login_endpoint and
 * the returned token is sent as "token=<token>".  The original logs in
 * before every state request; here the token is kept until five minutes
 * before it expires (its own exp claim, else one hour) or until a master
 * answers 401.  Secrets are never logged.
 */
#include "state/auth.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#include "config.h"
#include "log.h"
#include "util/buf.h"
#include "util/jsontree.h"
#include "util/jsonkey.h"

#define IAM_MARGIN_S 300 /* refresh this long before expiry */
#define IAM_DEFAULT_LIFE_S 3600

struct basic_auth {
	char header[4096];
};

struct iam_auth {
	const struct config *cfg;
	char *uid;
	char *login_endpoint;
	EVP_PKEY *key;
	pthread_mutex_t lock;
	char *token; /* NULL until the first login */
	time_t expires;
};

static struct basic_auth basic;
static struct iam_auth iam = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int
basic_header(void *ctx, char *out, size_t outlen, char *err, size_t errlen)
{
	const struct basic_auth *b = ctx;

	(void)err;
	(void)errlen;
	snprintf(out, outlen, "%s", b->header);
	return 0;
}

/* base64url without padding (RFC 7515 §2). */
static void
b64url(struct buf *out, const unsigned char *p, size_t n)
{
	unsigned char *enc = malloc(4 * ((n + 2) / 3) + 1);
	int len;

	if (enc == NULL) {
		out->failed = true;
		return;
	}
	len = EVP_EncodeBlock(enc, p, (int)n);
	while (len > 0 && enc[len - 1] == '=')
		len--;
	for (int i = 0; i < len; i++)
		enc[i] = enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : enc[i];
	buf_put(out, enc, (size_t)len);
	free(enc);
}

/* Decodes base64url into out (at most cap-1 bytes, NUL-terminated). */
static int
b64url_decode(const char *s, size_t n, char *out, size_t cap)
{
	char *tmp = malloc(n + 4);
	size_t m = 0;
	int len;

	if (tmp == NULL || n * 3 / 4 + 3 >= cap) {
		free(tmp);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		tmp[m++] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (m % 4)
		tmp[m++] = '=';
	len =
	    EVP_DecodeBlock((unsigned char *)out, (unsigned char *)tmp, (int)m);
	free(tmp);
	if (len < 0)
		return -1;
	out[len] = '\0';
	return len;
}

/* The login JWT: header and claims as jwt-go v2 writes them (keys sorted). */
static int
make_jwt(const struct iam_auth *a, struct buf *jwt, char *err, size_t errlen)
{
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	struct buf claims = { 0 };
	unsigned char sig[1024];
	size_t siglen = sizeof sig;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -1;

	buf_printf(&claims, "{\"exp\":%lld,\"uid\":\"%s\"}",
	    (long long)time(NULL) + 3600, a->uid);
	b64url(jwt, (const unsigned char *)header, sizeof header - 1);
	buf_putc(jwt, '.');
	b64url(jwt, (const unsigned char *)claims.data, claims.len);
	if (md == NULL || jwt->failed || claims.failed ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, a->key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)jwt->data,
		jwt->len) != 1) {
		snprintf(err, errlen, "IAM: cannot sign the login token");
		goto out;
	}
	buf_putc(jwt, '.');
	b64url(jwt, sig, siglen);
	rc = jwt->failed ? -1 : 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	buf_free(&claims);
	return rc;
}

static size_t
collect(char *data, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;

	if (b->len + size * n > 1 << 20)
		return 0;
	buf_put(b, data, size * n);
	return size * n;
}

/* The exp claim of a JWT, or 0 when it is not one. */
static time_t
jwt_expiry(const char *token)
{
	const char *p1 = strchr(token, '.'), *p2;
	char payload[4096];
	yajl_val root, exp;
	time_t t = 0;

	if (p1 == NULL || (p2 = strchr(p1 + 1, '.')) == NULL ||
	    b64url_decode(p1 + 1, (size_t)(p2 - p1 - 1), payload,
		sizeof payload) < 0)
		return 0;
	if ((root = json_parse(payload, NULL, 0)) == NULL)
		return 0;
	if (YAJL_IS_OBJECT(root))
		for (size_t i = 0; i < root->u.object.len; i++)
			if (strcmp(root->u.object.keys[i], "exp") == 0) {
				exp = root->u.object.values[i];
				if (YAJL_IS_NUMBER(exp))
					t = (time_t)exp->u.number.d;
			}
	yajl_tree_free(root);
	return t;
}

static int
iam_login(struct iam_auth *a, char *err, size_t errlen)
{
	const struct config *c = a->cfg;
	struct buf jwt = { 0 }, body = { 0 }, resp = { 0 };
	struct curl_slist *h = NULL;
	CURL *curl = NULL;
	long status = 0;
	yajl_val root = NULL;
	int rc = -1;
	char yerr[128];

	if (make_jwt(a, &jwt, err, errlen) < 0)
		goto out;
	buf_printf(&body, "{\"uid\":\"%s\",\"token\":\"%s\"}", a->uid,
	    jwt.data);
	if ((curl = curl_easy_init()) == NULL || body.failed) {
		snprintf(err, errlen, "IAM: out of memory");
		goto out;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, a->login_endpoint);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body.len);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "Mesos-DNS");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)c->state_timeout_seconds);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	fetch_setup_tls(curl, c);
	if (curl_easy_perform(curl) != CURLE_OK) {
		snprintf(err, errlen,
		    "IAM authentication failed: cannot reach "
		    "%s",
		    a->login_endpoint);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 || resp.failed || resp.data == NULL) {
		snprintf(err, errlen,
		    "IAM authentication failed: %s answered "
		    "HTTP %ld",
		    a->login_endpoint, status);
		goto out;
	}
	root = json_parse(resp.data, yerr, sizeof yerr);
	if (root == NULL) {
		for (char *q = yerr; *q; q++)
			if (*q == '\n')
				*q = ' ';
		snprintf(err, errlen,
		    "IAM authentication failed: the answer "
		    "of %s is not JSON: %s",
		    a->login_endpoint, yerr);
		goto out;
	}
	for (size_t i = 0; YAJL_IS_OBJECT(root) && i < root->u.object.len; i++)
		if (json_key_is(root->u.object.keys[i], "token") &&
		    YAJL_IS_STRING(root->u.object.values[i])) {
			free(a->token);
			a->token = strdup(root->u.object.values[i]->u.string);
		}
	if (a->token == NULL) {
		snprintf(err, errlen,
		    "IAM authentication failed: no token in "
		    "the answer of %s",
		    a->login_endpoint);
		goto out;
	}
	a->expires = jwt_expiry(a->token);
	if (a->expires == 0)
		a->expires = time(NULL) + IAM_DEFAULT_LIFE_S;
	log_verbose("IAM: logged in as %s", a->uid);
	rc = 0;
out:
	yajl_tree_free(root);
	curl_slist_free_all(h);
	if (curl)
		curl_easy_cleanup(curl);
	buf_free(&jwt);
	buf_free(&body);
	buf_free(&resp);
	return rc;
}

static int
iam_header(void *ctx, char *out, size_t outlen, char *err, size_t errlen)
{
	struct iam_auth *a = ctx;
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	if (a->token == NULL || time(NULL) + IAM_MARGIN_S >= a->expires) {
		free(a->token);
		a->token = NULL;
		rc = iam_login(a, err, errlen);
	}
	if (rc == 0)
		snprintf(out, outlen, "token=%s", a->token);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static void
iam_reject(void *ctx)
{
	struct iam_auth *a = ctx;

	/* A master refused the token: log in again next time. */
	pthread_mutex_lock(&a->lock);
	free(a->token);
	a->token = NULL;
	pthread_mutex_unlock(&a->lock);
}

/* The IAM file: {"uid", "private_key", "login_endpoint"}. */
static int
iam_load(const struct config *cfg, char *err, size_t errlen)
{
	FILE *f = fopen(cfg->iam_config_file, "r");
	struct buf text = { 0 };
	char chunk[4096], yerr[256] = "";
	yajl_val root;
	char *pem = NULL;
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen,
		    "failed to load IAM config from file %s: "
		    "%s",
		    cfg->iam_config_file, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&text, chunk, n);
	fclose(f);
	root = json_parse(text.data ? text.data : "", yerr, sizeof yerr);
	buf_free(&text);
	if (!YAJL_IS_OBJECT(root)) {
		for (char *q = yerr; *q; q++)
			if (*q == '\n')
				*q = ' ';
		snprintf(err, errlen, "invalid IAM JSON: %s",
		    yerr[0] ? yerr : "not an object");
		yajl_tree_free(root);
		return -1;
	}
	for (size_t i = 0; i < root->u.object.len; i++) {
		const char *k = root->u.object.keys[i];
		yajl_val v = root->u.object.values[i];
		char **slot = json_key_is(k, "uid")  ? &iam.uid :
		    json_key_is(k, "login_endpoint") ? &iam.login_endpoint :
		    json_key_is(k, "private_key")    ? &pem :
						       NULL;

		if (slot == NULL || !YAJL_IS_STRING(v))
			continue;
		free(*slot);
		*slot = strdup(v->u.string);
	}
	yajl_tree_free(root);
	if (pem != NULL && pem[0] != '\0') {
		BIO *bio = BIO_new_mem_buf(pem, -1);

		iam.key =
		    bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		ERR_clear_error();
	}
	if (pem != NULL)
		memset(pem, 0, strlen(pem));
	free(pem);
	return 0;
}

int
auth_init(const struct config *cfg, struct fetch_opts *o, char *err,
    size_t errlen)
{
	o->auth_header = NULL;
	o->auth_reject = NULL;
	o->auth_ctx = NULL;
	if (cfg->iam_config_file[0] != '\0' && iam_load(cfg, err, errlen) < 0)
		return -1;
	if (strcmp(cfg->mesos_authentication, "basic") == 0) {
		char plain[2048];
		unsigned char enc[2800];
		int n = snprintf(plain, sizeof plain, "%s:%s", cfg->principal,
		    cfg->secret);

		if (n < 0 || (size_t)n >= sizeof plain) {
			snprintf(err, errlen,
			    "invalid HTTP Basic "
			    "configuration: credentials too long");
			return -1;
		}
		EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
		snprintf(basic.header, sizeof basic.header, "Basic %s", enc);
		memset(plain, 0, sizeof plain);
		o->auth_header = basic_header;
		o->auth_ctx = &basic;
	} else if (strcmp(cfg->mesos_authentication, "iam") == 0) {
		if (cfg->iam_config_file[0] == '\0') {
			snprintf(err, errlen,
			    "missing configuration for "
			    "specified authentication mechanism");
			return -1;
		}
		if (iam.uid == NULL || iam.uid[0] == '\0' ||
		    iam.login_endpoint == NULL ||
		    iam.login_endpoint[0] == '\0' || iam.key == NULL) {
			snprintf(err, errlen, "invalid HTTP IAM configuration");
			return -1;
		}
		iam.cfg = cfg;
		o->auth_header = iam_header;
		o->auth_reject = iam_reject;
		o->auth_ctx = &iam;
	}
	return 0;
}
