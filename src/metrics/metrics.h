/* metrics.h -- the daemon's counters and gauges, rendered for Prometheus
 * (text format 0.0.4) by GET /metrics.
 *
 * Counters of the query path live in per-thread blocks, each on cache
 * lines of its own and written only by its thread (relaxed loads and
 * stores, no lock, no read-modify-write on a shared line); a scrape sums
 * them.  A thread takes its block at start (metrics_thread_start) and
 * reaches it through metrics_self; a thread that took none writes into a
 * discard block.  Everything else (refreshes, events, masters, ZooKeeper,
 * records) is set through the functions below by the layer that knows it.
 *
 * This module sits at the bottom with util/: every layer may include it,
 * it includes only util/.  Built with -DMDNS_METRICS=OFF the query-path
 * hooks compile to nothing (bench/dns compares both builds).
 */
#ifndef MDNS_METRICS_H
#define MDNS_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/clock.h"

/** Transport of a DNS query. */
enum metrics_proto {
	METRICS_UDP,
	METRICS_TCP,
	METRICS_PROTO_COUNT
};

/** Query types with a series of their own; the rest are OTHER. */
enum metrics_qtype {
	MQ_A,
	MQ_AAAA,
	MQ_SRV,
	MQ_SOA,
	MQ_NS,
	MQ_PTR,
	MQ_ANY,
	MQ_TXT,
	MQ_MX,
	MQ_CNAME,
	MQ_AXFR,
	MQ_IXFR,
	MQ_OTHER,
	MQ_COUNT
};

/** How a query was answered: from the records, or by an upstream. */
enum metrics_path {
	METRICS_AUTHORITATIVE,
	METRICS_FORWARDED,
	METRICS_PATH_COUNT
};

/** Why an attempt at an upstream failed. */
enum metrics_fwd_failure {
	FWD_FAIL_TIMEOUT,
	FWD_FAIL_REFUSED,   /**< ICMP port unreachable, RST */
	FWD_FAIL_NETWORK,   /**< another socket error */
	FWD_FAIL_CLOSED,    /**< TCP closed before the whole reply */
	FWD_FAIL_MISMATCH,  /**< a TCP reply to another question */
	FWD_FAIL_NO_SOCKET, /**< descriptor budget or limit */
	FWD_FAIL_COUNT
};

/** What response rate limiting did with a response over its rate. */
enum metrics_rrl {
	METRICS_RRL_DROPPED, /**< not sent */
	METRICS_RRL_SLIPPED, /**< sent as an empty reply with TC */
	METRICS_RRL_COUNT
};

/** Results of a poll of the master. */
enum metrics_refresh {
	REFRESH_OK,
	REFRESH_UNCHANGED, /**< same state: records kept, serial moved */
	REFRESH_FAILED,
	REFRESH_RESULT_COUNT
};

/** Why a poll failed. */
enum metrics_refresh_failure {
	REFRESH_FAIL_NO_LEADER, /**< no master known yet */
	REFRESH_FAIL_FETCH,	/**< no master gave a usable state */
	REFRESH_FAIL_GENERATE,	/**< records could not be built */
	REFRESH_FAIL_MEMORY,	/**< out of memory loading the model */
	REFRESH_FAIL_COUNT
};

/** ZooKeeper session as last reported by the client library. */
enum metrics_zk_state {
	ZK_STATE_DISABLED, /**< no zk configured */
	ZK_STATE_CONNECTING,
	ZK_STATE_CONNECTED,
	ZK_STATE_EXPIRED,
	ZK_STATE_AUTH_FAILED,
	ZK_STATE_COUNT
};

#define METRICS_MAX_UPSTREAMS 32 /* one more series collects the rest */
#define METRICS_DNS_BUCKETS 15	 /* finite bounds of the DNS histograms */
#define METRICS_RCODES 17	 /* 0..15, then "other" */

/** A histogram's counts: one per bucket (not cumulative) plus the
 *  overflow, and the sum in microseconds. */
struct metrics_histogram {
	_Atomic uint64_t bucket[METRICS_DNS_BUCKETS + 1];
	_Atomic uint64_t sum_us;
};

/** One forwarding upstream's counters within a block. */
struct metrics_upstream {
	_Atomic uint64_t requests;
	_Atomic uint64_t failures[FWD_FAIL_COUNT];
	struct metrics_histogram latency;
};

/** The counters one thread writes. */
struct metrics_block {
	_Alignas(64) _Atomic uint64_t requests[METRICS_PROTO_COUNT][MQ_COUNT];
	_Atomic uint64_t responses[METRICS_RCODES];
	_Atomic uint64_t rrl[METRICS_RRL_COUNT];
	struct metrics_histogram duration[METRICS_PATH_COUNT];
	struct metrics_upstream up[METRICS_MAX_UPSTREAMS + 1];
	char pad[64]; /* the next block's first line is never shared */
};

/** The calling thread's block (a discard block until it takes one). */
extern _Thread_local struct metrics_block *metrics_self;

/** Gives the calling thread a block of its own (kept for the next thread
 *  after metrics_thread_stop, so that counters never go back); when none
 *  can be had the thread keeps writing into the discard block. */
void metrics_thread_start(void);

/** Hands the calling thread's block back for reuse. */
void metrics_thread_stop(void);

/** The bounds of the DNS duration histograms, in microseconds. */
extern const int64_t metrics_dns_bounds_us[METRICS_DNS_BUCKETS];

#ifndef MDNS_NO_METRICS
#define METRICS_ON 1

static inline void
metrics_add(_Atomic uint64_t *c, uint64_t n)
{
	/* Single writer: a load and a store, never a locked instruction. */
	atomic_store_explicit(c,
	    atomic_load_explicit(c, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

static inline enum metrics_qtype
metrics_qtype_of(uint16_t qtype)
{
	switch (qtype) {
	case 1:
		return MQ_A;
	case 28:
		return MQ_AAAA;
	case 33:
		return MQ_SRV;
	case 6:
		return MQ_SOA;
	case 2:
		return MQ_NS;
	case 12:
		return MQ_PTR;
	case 255:
		return MQ_ANY;
	case 16:
		return MQ_TXT;
	case 15:
		return MQ_MX;
	case 5:
		return MQ_CNAME;
	case 252:
		return MQ_AXFR;
	case 251:
		return MQ_IXFR;
	default:
		return MQ_OTHER;
	}
}

/** Counts one query of qtype received over proto. */
static inline void
metrics_request(struct metrics_block *b, enum metrics_proto p, uint16_t qtype)
{
	metrics_add(&b->requests[p][metrics_qtype_of(qtype)], 1);
}

/** Counts one reply sent (its RCODE read from the header). */
static inline void
metrics_response(struct metrics_block *b, const uint8_t *reply, size_t len)
{
	unsigned rcode = len >= 4 ? reply[3] & 0xfU : METRICS_RCODES - 1;

	metrics_add(&b->responses[rcode], 1);
}

/** One response over the RRL rate, dropped or slipped. */
static inline void
metrics_rrl(struct metrics_block *b, enum metrics_rrl what)
{
	metrics_add(&b->rrl[what], 1);
}

/** Adds n observations of us microseconds to a histogram. */
static inline void
metrics_observe(struct metrics_histogram *h, int64_t us, uint64_t n)
{
	int i = 0;

	if (us < 0)
		us = 0;
	while (i < METRICS_DNS_BUCKETS && us > metrics_dns_bounds_us[i])
		i++;
	metrics_add(&h->bucket[i], n);
	metrics_add(&h->sum_us, (uint64_t)us * n);
}

/** n queries answered by path in us microseconds each. */
static inline void
metrics_duration(struct metrics_block *b, enum metrics_path path, int64_t us,
    uint64_t n)
{
	if (n > 0)
		metrics_observe(&b->duration[path], us, n);
}

/** The clock of the duration hooks (0 without metrics). */
static inline int64_t
metrics_clock_us(void)
{
	return clock_us();
}

/** One attempt sent to upstream u (metrics_upstream_index). */
static inline void
metrics_upstream_request(struct metrics_block *b, int u)
{
	metrics_add(&b->up[u].requests, 1);
}

/** One attempt at upstream u failed. */
static inline void
metrics_upstream_failure(struct metrics_block *b, int u,
    enum metrics_fwd_failure why)
{
	metrics_add(&b->up[u].failures[why], 1);
}

/** Upstream u answered after us microseconds. */
static inline void
metrics_upstream_latency(struct metrics_block *b, int u, int64_t us)
{
	metrics_observe(&b->up[u].latency, us, 1);
}
#else
#define METRICS_ON 0
static inline void
metrics_request(struct metrics_block *b, enum metrics_proto p, uint16_t qtype)
{
	(void)b, (void)p, (void)qtype;
}
static inline void
metrics_response(struct metrics_block *b, const uint8_t *reply, size_t len)
{
	(void)b, (void)reply, (void)len;
}
static inline void
metrics_rrl(struct metrics_block *b, enum metrics_rrl what)
{
	(void)b, (void)what;
}
static inline void
metrics_duration(struct metrics_block *b, enum metrics_path path, int64_t us,
    uint64_t n)
{
	(void)b, (void)path, (void)us, (void)n;
}
static inline int64_t
metrics_clock_us(void)
{
	return 0;
}
static inline void
metrics_upstream_request(struct metrics_block *b, int u)
{
	(void)b, (void)u;
}
static inline void
metrics_upstream_failure(struct metrics_block *b, int u,
    enum metrics_fwd_failure why)
{
	(void)b, (void)u, (void)why;
}
static inline void
metrics_upstream_latency(struct metrics_block *b, int u, int64_t us)
{
	(void)b, (void)u, (void)us;
}
#endif

/** The series index of an upstream named text ("host:port"), registered
 *  on first use; METRICS_MAX_UPSTREAMS (the "other" series) when the
 *  table is full.  Takes a lock: call when an engine is set up. */
int metrics_upstream_index(const char *text);

/** A poll ended with result (cause only for REFRESH_FAILED) after us
 *  microseconds. */
void metrics_refresh_done(enum metrics_refresh result,
    enum metrics_refresh_failure cause, int64_t us);

/** Records went out: counts of the served values, the SOA serial;
 *  new_records false when only the serial moved. */
void metrics_records_published(uint64_t a, uint64_t aaaa, uint64_t srv,
    uint64_t names, uint32_t serial, bool new_records);

/** The event stream is subscribed (true) or not. */
void metrics_stream_up(bool up);

/** One operator API event was handed to the event model. */
void metrics_event_applied(void);

/** Records reflecting events went out us microseconds after the oldest
 *  of them arrived. */
void metrics_event_lag(int64_t us);

/** The leading master changed. */
void metrics_leader_changed(void);

/** The ZooKeeper session is now in state s. */
void metrics_zk_state(enum metrics_zk_state s);

/** Appends every series in the Prometheus text format 0.0.4. */
void metrics_render(struct buf *out);

#endif
