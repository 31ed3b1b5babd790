/* forward.h -- names outside the domain: forwarded to the upstream
 * resolvers without blocking any thread (dns.md §6).
 *
 * An engine keeps a bounded table of queries in flight, each on its own
 * connected socket (a fresh random source port, and the kernel drops
 * datagrams from any other address), with a random query ID; a reply is
 * accepted only when ID and question match.  Upstreams are tried in the
 * configured order, each for `timeout` seconds; a truncated UDP reply is
 * fetched again over TCP.  The engine lives in its owner's epoll loop: the
 * UDP forwarder thread (queries handed over by the UDP workers) and the TCP
 * thread each own one.
 */
#ifndef MDNS_FORWARD_H
#define MDNS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/msg.h"

struct config;
struct fwd_engine;
struct fwd_cache;

/** epoll data.u32 values at or above this belong to an engine. */
#define FWD_EVENT_BASE 0x80000000U

/** Called once per submitted query with the reply for the client (never
 *  NULL: SERVFAIL when every upstream failed). */
typedef void (*fwd_done_fn)(void *ctx, const uint8_t *reply, size_t len);

/** An engine registering its sockets in epoll_fd; cache may be NULL. */
struct fwd_engine *fwd_engine_new(const struct config *cfg, int epoll_fd,
    struct fwd_cache *cache);

/** Frees the engine; pending queries are dropped without a reply. */
void fwd_engine_free(struct fwd_engine *e);

/** Forwards query pkt (parsed as q) for route (a zone index, or -1 for the
 *  default resolvers).  Returns 0 when done() will be called later, or
 *  the length of an immediate reply written to out (REFUSED without
 *  upstreams, SERVFAIL when the table is full, a cached answer). */
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

/** A cache of forwarded answers shared by engines; NULL when size is 0. */
struct fwd_cache *fwd_cache_new(size_t entries);

/** Frees a cache. */
void fwd_cache_free(struct fwd_cache *c);

/** The cache every engine uses (set before the servers start; NULL when
 *  ForwardCacheSize is 0). */
extern struct fwd_cache *fwd_shared_cache;

/** Starts the UDP forwarder thread (one engine for every UDP worker). */
int fwd_udp_start(const struct config *cfg, struct fwd_cache *cache,
    char *err, size_t errlen);

/** Stops it. */
void fwd_udp_stop(void);

/** Hands a UDP query over to the forwarder thread, which answers the peer
 *  through fd; false (then answer SERVFAIL) when its queue is full. */
bool fwd_udp_enqueue(const struct dns_query *q, int route, const uint8_t *pkt,
    size_t len, int fd, const struct sockaddr_storage *peer,
    socklen_t peerlen);

/** The original's limit for a forwarded UDP reply: the reply's OPT size
 *  when it has one, else 512 (exposed for tests). */
size_t fwd_udp_limit(const uint8_t *reply, size_t len);

#endif
