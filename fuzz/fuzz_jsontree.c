/* fuzz_jsontree.c -- json_parse, the guard in front of every yajl tree
 * parse: whatever the input, no crash, and a tree it hands out is never
 * deeper than JSON_MAX_DEPTH (the string-aware bracket scan agrees with
 * yajl about what is nesting). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsontree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
tree_depth(yajl_val v, size_t d)
{
	size_t max = d;

	if (d > JSON_MAX_DEPTH + 1)
		return d; /* already wrong; do not recurse further */
	if (YAJL_IS_ARRAY(v)) {
		max = d + 1;
		for (size_t i = 0; i < v->u.array.len; i++) {
			size_t k = tree_depth(v->u.array.values[i], d + 1);

			max = k > max ? k : max;
		}
	} else if (YAJL_IS_OBJECT(v)) {
		max = d + 1;
		for (size_t i = 0; i < v->u.object.len; i++) {
			size_t k = tree_depth(v->u.object.values[i], d + 1);

			max = k > max ? k : max;
		}
	}
	return max;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[128];
	yajl_val v;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	v = json_parse(text, err, sizeof err);
	if (v != NULL) {
		if (tree_depth(v, 0) > JSON_MAX_DEPTH)
			abort();
		yajl_tree_free(v);
	}
	free(text);
	return 0;
}
