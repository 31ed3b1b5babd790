/* appkey.c -- app keys, the one rule behind appkey.h. */
#include "records/appkey.h"

#include <stdio.h>
#include <stdlib.h>

char *
appkey_fname(const char *fw_name, size_t len, bool rfc952)
{
	char *fname = malloc(len + 1);

	if (fname != NULL)
		label_domain_frag(fw_name, len, rfc952, fname);
	return fname;
}

size_t
appkey_label(const char *name, size_t name_len, const char *di_name,
    size_t di_len, bool rfc952, char *out)
{
	if (di_name != NULL && di_len > 0)
		return label_normalise(di_name, di_len, rfc952, out);
	return label_normalise(name, name_len, rfc952, out);
}

int
appkey_join(char *out, size_t len, const char *fname, const char *label)
{
	return snprintf(out, len, "%s\x01%s", fname, label);
}

static const struct cluster_naming naming[2] = {
	{ appkey_fname, appkey_label, appkey_join, APPKEY_LABEL_SIZE, false },
	{ appkey_fname, appkey_label, appkey_join, APPKEY_LABEL_SIZE, true },
};

const struct cluster_naming *
appkey_naming(bool rfc952)
{
	return &naming[rfc952];
}
