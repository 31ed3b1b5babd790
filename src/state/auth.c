/* auth.c -- Authorization headers for the master: basic now; the secret
 * is never logged. */
#include "state/auth.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct basic_auth {
	char header[4096];
};

static struct basic_auth basic;

static int
basic_header(void *ctx, char *out, size_t outlen, char *err, size_t errlen)
{
	const struct basic_auth *b = ctx;

	(void)err;
	(void)errlen;
	snprintf(out, outlen, "%s", b->header);
	return 0;
}

int
auth_init(const struct config *cfg, struct fetch_opts *o, char *err,
    size_t errlen)
{
	o->auth_header = NULL;
	o->auth_ctx = NULL;
	if (strcmp(cfg->mesos_authentication, "basic") == 0) {
		char plain[2048];
		unsigned char enc[2800];
		int n = snprintf(plain, sizeof plain, "%s:%s", cfg->principal,
		    cfg->secret);

		if (n < 0 || (size_t)n >= sizeof plain) {
			snprintf(err, errlen, "invalid HTTP Basic "
			    "configuration: credentials too long");
			return -1;
		}
		EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
		snprintf(basic.header, sizeof basic.header, "Basic %s", enc);
		memset(plain, 0, sizeof plain);
		o->auth_header = basic_header;
		o->auth_ctx = &basic;
	}
	return 0;
}
