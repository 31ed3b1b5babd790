/* engine.h -- names outside the domain: forwarded to the upstream
 * resolvers without blocking any thread (dns.md §6).
 *
 * An engine keeps a bounded table of queries in flight, each on its own
 * connected socket (a fresh random source port, and the kernel drops
 * datagrams from any other address), with a random query ID; a reply is
 * accepted only when ID and question match.  Upstreams are tried in the
 * configured order, each for `timeout` seconds; a truncated UDP reply is
 * fetched again over TCP.  The engine lives in its owner's epoll loop: the
 * UDP forwarder thread (fwd/udp.h) and the TCP thread each own one.
 *
 * Descriptors: every engine of the process shares one budget of sockets,
 * taken from RLIMIT_NOFILE when the first engine starts, with a reserve
 * left for TCP clients, HTTP, libcurl and ZooKeeper.  A query that gets
 * no socket (budget spent, EMFILE, ENFILE) is answered SERVFAIL at once.
 */
#ifndef MDNS_FWD_ENGINE_H
#define MDNS_FWD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/msg.h"

struct config;
struct fwd_engine;
struct fwd_cache;

/** epoll data.u32 values at or above this belong to an engine. */
#define FWD_EVENT_BASE 0x80000000U

/** Most queries in flight per engine: a 500 ms upstream then still passes
 *  ~16k answers a second; beyond it SERVFAIL at once. */
#define FWD_MAX_PENDING 8192

/** Called once per submitted query with the reply for the client (never
 *  NULL: SERVFAIL when every upstream failed). */
typedef void (*fwd_done_fn)(void *ctx, const uint8_t *reply, size_t len);

/** An engine registering its sockets in epoll_fd; cache may be NULL. */
struct fwd_engine *
fwd_engine_new(const struct config *cfg, int epoll_fd, struct fwd_cache *cache);

/** Brings the engine to the configuration in force after a reload (new
 *  resolvers, zones and timeout); the owning thread calls it before each
 *  submission: one atomic load when nothing changed. */
void fwd_engine_follow(struct fwd_engine *e);

/** The configuration the engine forwards with (held by the engine). */
const struct config *fwd_engine_config(const struct fwd_engine *e);

/** Frees the engine; pending queries are dropped without a reply. */
void fwd_engine_free(struct fwd_engine *e);

/** Forwards query pkt (parsed as q) for route (a zone index, or -1 for the
 *  default resolvers).  Returns 0 when done() will be called later, or
 *  the length of an immediate reply written to out (REFUSED without
 *  upstreams, SERVFAIL when the table is full or no socket can be had, a
 *  cached answer). */
size_t fwd_submit(struct fwd_engine *e, const struct dns_query *q, int route,
    const uint8_t *pkt, size_t len, bool client_tcp, fwd_done_fn done,
    void *ctx, uint8_t *out, size_t cap);

/** Handles an epoll event whose data.u32 is >= FWD_EVENT_BASE. */
void fwd_event(struct fwd_engine *e, uint32_t data, uint32_t events);

/** Times out attempts whose deadline passed (call at least every 100 ms
 *  while fwd_pending() is non-zero). */
void fwd_expire(struct fwd_engine *e);

/** Queries in flight. */
size_t fwd_pending(const struct fwd_engine *e);

/** Queries the engine may hold in flight (its table's size). */
size_t fwd_capacity(const struct fwd_engine *e);

/** Sockets all engines together may hold open (computed once from
 *  RLIMIT_NOFILE and the descriptors open then). */
size_t fwd_socket_budget(void);

/** The original's limit for a forwarded UDP reply: the reply's OPT size
 *  when it has one, else 512 (exposed for tests). */
size_t fwd_udp_limit(const uint8_t *reply, size_t len);

#endif
