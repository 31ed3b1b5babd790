/* jsontree.c -- yajl tree look-ups (see jsontree.h). */
#include "util/jsontree.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonkey.h"

size_t
json_depth(const char *s, size_t len, size_t limit)
{
	size_t depth = 0, max = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max && (max = depth) > limit)
				return max;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return max;
}

yajl_val
json_parse(const char *text, char *err, size_t errlen)
{
	if (json_depth(text, strlen(text), JSON_MAX_DEPTH) > JSON_MAX_DEPTH) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "nesting deeper than %d",
			    JSON_MAX_DEPTH);
		return NULL;
	}
	return yajl_tree_parse(text, err, errlen);
}

yajl_val
json_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

yajl_val
json_get_go(yajl_val obj, const char *field)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = obj->u.object.len; i-- > 0;)
		if (json_key_is(obj->u.object.keys[i], field))
			return obj->u.object.values[i];
	return NULL;
}

const char *
json_str(yajl_val obj, const char *key)
{
	yajl_val v = json_get(obj, key);

	return YAJL_IS_STRING(v) ? v->u.string : NULL;
}

size_t
json_len(yajl_val arr)
{
	return YAJL_IS_ARRAY(arr) ? arr->u.array.len : 0;
}
