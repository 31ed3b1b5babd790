/* appkey.h -- the app a task's names belong to, "fname\x01label" (the
 * framework name as a domain fragment, the label of the task's
 * DiscoveryInfo name or of its name).
 *
 * One rule for the record generator (which tags every task name with its
 * app, see snapshot.h) and the event model (which names the apps an event
 * changes, so that an overlay hides exactly their old names): the two must
 * give the same bytes.  The model gets the rule through appkey_naming.
 */
#ifndef MDNS_APPKEY_H
#define MDNS_APPKEY_H

#include <stdbool.h>
#include <stddef.h>

#include "records/label.h"
#include "state/cluster.h"

/** Room for a label part, with its NUL. */
#define APPKEY_LABEL_SIZE (LABEL_MAX_RFC1123 + 1)

/** The framework part: fw_name as a domain fragment, malloc'ed (NULL
 *  when out of memory). */
char *appkey_fname(const char *fw_name, size_t len, bool rfc952);

/** The label part: of di_name when it is not empty, else of name, into
 *  out (APPKEY_LABEL_SIZE bytes); returns its length. */
size_t appkey_label(const char *name, size_t name_len, const char *di_name,
    size_t di_len, bool rfc952, char *out);

/** "fname\x01label" into out (cut to len, always terminated); the number
 *  of bytes snprintf would write. */
int appkey_join(char *out, size_t len, const char *fname, const char *label);

/** The rule above for the event model (cluster_new). */
const struct cluster_naming *appkey_naming(bool rfc952);

#endif
