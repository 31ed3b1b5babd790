/* zk.h -- leader detection through ZooKeeper (spec/masters.md §2).
 *
 * A thread of its own watches the Mesos znode's children with the C client
 * (libzookeeper-mt), picks the leader as the original does (the lowest
 * json.info_N, else info_N), decodes MasterInfo (JSON or protobuf) and
 * reports leader and all-masters changes to masters.c, which updates the
 * masters list and asks for a reload at once.
 */
#ifndef MDNS_ZK_H
#define MDNS_ZK_H

#include <stddef.h>
#include <stdint.h>

struct config;

/** A parsed zk URL: the ensemble ("h1:p1,h2:p2") and the znode path. */
struct zk_url {
	char hosts[1024];
	char path[512];
};

/** Parses "zk://[user:pass@]h1:p1,h2:p2/path" (or file:// holding one);
 *  -1 with err for anything else. */
int zk_parse_url(const char *url, struct zk_url *out, char *err, size_t errlen);

/** Address "ip:port" of a MasterInfo in JSON; -1 when it has none. */
int zk_master_info_json(const char *data, size_t len, char *addr,
    size_t addrlen, char *id, size_t idlen);

/** Address "ip:port" of a MasterInfo protobuf (legacy info_ nodes). */
int zk_master_info_protobuf(const uint8_t *data, size_t len, char *addr,
    size_t addrlen, char *id, size_t idlen);

/** Starts detection; -1 with err (the daemon exits 1). */
int zk_start(const struct config *cfg, char *err, size_t errlen);

/** Stops the detector thread. */
void zk_stop(void);

#endif
