/* config.h -- the daemon's configuration: the original's config.json, key
 * for key, plus the few keys this implementation adds.
 *
 * Keys are matched case-insensitively and decoded with Go encoding/json
 * rules (spec/config.md), so an operator's existing file works unchanged.
 * The struct is filled once at start-up and read-only afterwards.
 */
#ifndef MDNS_CONFIG_H
#define MDNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/reverse.h"

struct buf;

/** A list of strings; `v` and every string are malloc'ed. `present` is false
 *  when the key was absent or JSON null (Go's nil slice). */
struct strv {
	char **v;
	size_t n;
	bool present;
};

/** One zoneResolvers entry: a zone (as written, no dots around) and its
 *  upstreams. */
struct zone_resolver {
	char *zone;
	struct strv resolvers;
};

/** IP sources, in the order the operator listed them. */
enum ip_source {
	IPSRC_HOST,
	IPSRC_DOCKER,
	IPSRC_MESOS,
	IPSRC_NETINFO
};

/** The whole configuration; strings are malloc'ed and never NULL. */
struct config {
	int64_t refresh_seconds; /**< state reload period; Go default 60 */
	int64_t port;		 /**< DNS port; 53 */
	int64_t timeout;	 /**< upstream timeout (s); 5, 0 means 5 */
	int64_t state_timeout_seconds; /**< whole state fetch; 300 */
	int64_t zk_detection_timeout; /**< exit after this long leaderless; 30 */
	int64_t http_port;	      /**< 8123 */
	int32_t ttl;		     /**< TTL of every RR and SOA minimum; 60 */
	uint16_t srv_default_weight; /**< SRV weight; 1 */
	uint32_t soa_serial;	     /**< overwritten with the load time */
	uint32_t soa_refresh, soa_retry, soa_expire, soa_minttl;
	char *soa_mname; /**< normalised: one trailing dot */
	char *soa_rname; /**< normalised: '@' -> '.', one dot */
	struct strv masters;
	struct zone_resolver *zone_resolvers;
	size_t n_zone_resolvers;
	bool zone_resolvers_present; /**< false after "zoneResolvers": null */
	struct strv resolvers;
	struct strv ip_sources_text;  /**< as configured, for /v1/config */
	enum ip_source ip_sources[4]; /**< parsed ip_sources_text */
	size_t n_ip_sources;
	char *zk;
	char *domain; /**< lowercased */
	char *file;   /**< absolute path of the config file */
	char *listener;
	char *http_listener;
	bool recurse_on, dns_on, http_on, external_on;
	bool enforce_rfc952, set_truncate_bit, enumeration_on;
	bool mesos_https_on;
	char *ca_cert_file, *cert_file, *key_file;
	char *principal, *secret; /**< MesosCredentials; never logged */
	char *iam_config_file;
	char *mesos_authentication; /**< "", "basic" or "iam" */

	/* Keys this implementation adds (docs/compat.md). */
	int64_t
	    edns0_max_udp_size; /**< EDNS0 answer cap; 1232, 0 = as the original */
	bool mesos_https_insecure; /**< skip certificate checks like the original */
	int64_t
	    forward_cache_size;	 /**< forwarded-answer cache entries; 0 = off */
	bool events_on;		 /**< follow the operator API event stream */
	int64_t state_max_bytes; /**< largest state body accepted */
	bool reverse_on;	 /**< PTR records for the addresses */
	struct strv reverse_zones_text;	  /**< ReverseZones, as configured */
	struct rev_prefix *reverse_zones; /**< parsed; none: /24 and /64 */
	size_t n_reverse_zones;
	bool health_aware_on; /**< unhealthy tasks out of app names */
	int64_t
	    http_max_conns_per_ip; /**< open HTTP connections per client address */
	int64_t
	    enum_max_concurrent; /**< /v1/enumerate and /v1/axfr bodies at once */
	int64_t
	    enum_lifetime_seconds; /**< longest an enumeration body may take */
	int64_t rrl_responses_per_second; /**< UDP RRL per prefix; 0 = off */
	int64_t rrl_slip;	/**< every Nth dropped response sent with TC */
	int64_t rrl_table_size; /**< RRL buckets per UDP worker */
	/* Zone transfers to secondaries (src/xfr, docs/scale-out.md). */
	struct strv xfr_allow;	/**< CIDRs that may AXFR/IXFR; [] = none */
	struct strv xfr_notify; /**< ip:port NOTIFY targets */
	char *xfr_tsig_name;	/**< TSIG key name; "" = no TSIG */
	char *xfr_tsig_secret;	/**< base64 HMAC-SHA256 key; never logged */
	char *xfr_serial_file;	/**< where the SOA serial persists; "" = not */
};

/** Most ReverseZones entries (each reverse query scans them). */
#define CONFIG_MAX_REVERSE_ZONES 64

/** Loads and validates `path` like the original (spec/config.md §4).
 *  Returns 0, or -1 with one message (naming file, field and problem) in
 *  err, the caller then exits 1. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/** Loads from a JSON text instead of a file (tests and fuzzing); `path` is
 *  what File and messages say. */
int config_parse(struct config *c, const char *json, size_t len,
    const char *path, char *err, size_t errlen);

/** Writes the /v1/config document (original field order, secret masked). */
void
config_write_json(const struct config *c, uint32_t serial, struct buf *out);

/** Releases every string and list. */
void config_free(struct config *c);

/** Expands "~/" and makes the path absolute, as the original reports it. */
char *config_resolve_path(const char *path);

#endif
