/* jsontree.h -- small look-ups in yajl trees (operator API events, the
 * MasterInfo of ZooKeeper, the IAM file): exact keys, as protobuf JSON
 * writes them. */
#ifndef MDNS_JSONTREE_H
#define MDNS_JSONTREE_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

/** The value of key in an object; NULL when obj is not an object or
 *  lacks the key. */
yajl_val json_get(yajl_val obj, const char *key);

/** The string value of key; NULL when absent or not a string. */
const char *json_str(yajl_val obj, const char *key);

/** Elements of an array; 0 for anything else. */
size_t json_len(yajl_val arr);

#endif
