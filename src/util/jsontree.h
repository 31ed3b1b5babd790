/* jsontree.h -- small look-ups in yajl trees: exact keys, as protobuf
 * JSON writes them (operator API events, which the original never read),
 * or keys as Go's encoding/json matches them (the MasterInfo of
 * ZooKeeper, which the original decoded). */
#ifndef MDNS_JSONTREE_H
#define MDNS_JSONTREE_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

/** Deepest nesting of arrays and objects json_parse accepts: far more
 *  than any master, ZooKeeper or IAM document needs, far less than what
 *  makes yajl's recursive tree free overflow the stack. */
#define JSON_MAX_DEPTH 64

/** Nesting depth of the JSON text s[0..len) (brackets outside strings),
 *  stopping early once it exceeds limit. Does not validate the text. */
size_t json_depth(const char *s, size_t len, size_t limit);

/** yajl_tree_parse of a NUL-terminated text, refused without building a
 *  tree when it nests deeper than JSON_MAX_DEPTH: then NULL with
 *  "nesting deeper than 64" in err (when errlen > 0), as for bad JSON. */
yajl_val json_parse(const char *text, char *err, size_t errlen);

/** The value of key in an object; NULL when obj is not an object or
 *  lacks the key. */
yajl_val json_get(yajl_val obj, const char *key);

/** The value Go's encoding/json would decode into the field named field
 *  (ASCII): the last key equal to it under Go's case folding
 *  (util/jsonkey.h), as a later duplicate overwrites an earlier one;
 *  for documents the original decoded (json.info znodes). */
yajl_val json_get_go(yajl_val obj, const char *field);

/** The string value of key; NULL when absent or not a string. */
const char *json_str(yajl_val obj, const char *key);

/** Elements of an array; 0 for anything else. */
size_t json_len(yajl_val arr);

#endif
