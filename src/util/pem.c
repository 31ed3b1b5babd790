/* pem.c -- PEM checks with OpenSSL (see pem.h). */
#include "util/pem.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

int
pem_check_ca(const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	X509 *x;
	int n = 0;

	if (f == NULL) {
		snprintf(err, errlen, "CACertFile open failed: %s: %s", file,
		    strerror(errno));
		return -1;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	ERR_clear_error();
	fclose(f);
	if (n == 0) {
		snprintf(err, errlen,
		    "CACertFile parsing failed: %s holds no "
		    "PEM certificate",
		    file);
		return -1;
	}
	return 0;
}

int
pem_check_pair(const char *cert, const char *key, char *err, size_t errlen)
{
	FILE *f;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int rc = -1;

	if ((f = fopen(cert, "r")) == NULL) {
		snprintf(err, errlen, "CertFile open failed: %s: %s", cert,
		    strerror(errno));
		return -1;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if ((f = fopen(key, "r")) == NULL) {
		snprintf(err, errlen, "KeyFile open failed: %s: %s", key,
		    strerror(errno));
		goto out;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL || k == NULL)
		snprintf(err, errlen,
		    "failed to load the client certificate "
		    "pair: %s",
		    x == NULL ? "no PEM certificate in CertFile" :
				"no PEM private key in KeyFile");
	else if (X509_check_private_key(x, k) != 1)
		snprintf(err, errlen,
		    "failed to load the client certificate "
		    "pair: the key in %s does not match %s",
		    key, cert);
	else
		rc = 0;
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}
