/* ptrindex.c -- the reverse index of a snapshot (ReverseOn): every A and
 * AAAA value sorted by address, built once when a snapshot is frozen, so
 * that a PTR answer is two binary searches and no allocation. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "records/snapshot.h"

/* An AAAA value while sorting: address, then class << 31 | index. */
struct key6 {
	uint8_t b[16];
	uint32_t ci;
};

static int
cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static int
cmp_key6(const void *x, const void *y)
{
	const struct key6 *a = x, *b = y;
	int c = memcmp(a->b, b->b, 16);

	if (c != 0)
		return c;
	return a->ci < b->ci ? -1 : a->ci > b->ci;
}

static int
cmp_zone(const void *x, const void *y)
{
	return reverse_cmp(x, y);
}

/* 0 for names of tasks (listed first), 1 for agents, frameworks, masters. */
static uint32_t
name_class(const struct snapshot *s, uint32_t node)
{
	return s->app_of != NULL && s->app_of[node] != SNAP_NONE ? 0 : 1;
}

static bool
covered(const struct rev_prefix *zones, size_t n, const struct rev_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (reverse_covers(&zones[i], p))
			return true;
	return false;
}

/* Adds z to the zones unless it equals the last one (input is sorted). */
static void
zone_push(struct snapshot *s, const struct rev_prefix *z)
{
	if (s->n_rzones > 0 && reverse_cmp(&s->rzones[s->n_rzones - 1], z) == 0)
		return;
	s->rzones[s->n_rzones++] = *z;
}

static void
ip_of4(uint32_t net, struct ipaddr *ip)
{
	memset(ip, 0, sizeof *ip);
	ip->b[10] = ip->b[11] = 0xff;
	memcpy(ip->b + 12, &net, 4);
}

bool
snap_index_reverse(struct snapshot *s, const struct rev_prefix *zones,
    size_t n_zones)
{
	uint32_t n4 = s->n[RK_A], n6 = s->n[RK_AAAA], k4 = 0, k6 = 0;
	uint64_t *keys4 = malloc(((size_t)n4 + 1) * sizeof *keys4);
	struct key6 *keys6 = malloc(((size_t)n6 + 1) * sizeof *keys6);
	bool ok = false;

	s->reverse_on = true;
	if (keys4 == NULL || keys6 == NULL)
		goto out;
	for (uint32_t node = 0; node < s->n_nodes; node++) {
		uint32_t c = name_class(s, node);

		for (uint32_t i = snap_first(s, node, RK_A);
		     i < snap_first(s, node + 1, RK_A); i++) {
			struct rev_prefix p;
			struct ipaddr ip;

			ip_of4(s->a[i], &ip);
			reverse_of_ip(&ip, &p);
			if (n_zones > 0 && !covered(zones, n_zones, &p))
				continue;
			keys4[k4++] = (uint64_t)ntohl(s->a[i]) << 32 |
			    (uint64_t)c << 31 | i;
		}
		for (uint32_t i = snap_first(s, node, RK_AAAA);
		     i < snap_first(s, node + 1, RK_AAAA); i++) {
			struct rev_prefix p;

			memcpy(p.b, s->aaaa[i].b, 16);
			p.v6 = 1;
			p.bits = 128;
			if (n_zones > 0 && !covered(zones, n_zones, &p))
				continue;
			memcpy(keys6[k6].b, s->aaaa[i].b, 16);
			keys6[k6++].ci = c << 31 | i;
		}
	}
	qsort(keys4, k4, sizeof *keys4, cmp_u64);
	qsort(keys6, k6, sizeof *keys6, cmp_key6);
	s->ptr4 = malloc(((size_t)k4 + 1) * sizeof *s->ptr4);
	s->ptr6 = malloc(((size_t)k6 + 1) * sizeof *s->ptr6);
	s->rzones = malloc(
	    (n_zones > 0 ? n_zones : (size_t)k4 + k6 + 1) * sizeof *s->rzones);
	if (s->ptr4 == NULL || s->ptr6 == NULL || s->rzones == NULL)
		goto out;
	for (uint32_t i = 0; i < k4; i++)
		s->ptr4[i] = (uint32_t)(keys4[i] & 0x7fffffffU);
	for (uint32_t i = 0; i < k6; i++)
		s->ptr6[i] = keys6[i].ci & 0x7fffffffU;
	s->n_ptr4 = k4;
	s->n_ptr6 = k6;
	if (n_zones > 0) {
		memcpy(s->rzones, zones, n_zones * sizeof *zones);
		qsort(s->rzones, n_zones, sizeof *zones, cmp_zone);
		s->n_rzones = (uint32_t)n_zones;
	} else {
		/* Sorted addresses give their /24s and /64s sorted. */
		for (uint32_t i = 0; i < k4; i++) {
			struct ipaddr ip;
			struct rev_prefix z;

			ip_of4(s->a[s->ptr4[i]], &ip);
			reverse_default_zone(&ip, &z);
			zone_push(s, &z);
		}
		for (uint32_t i = 0; i < k6; i++) {
			struct ipaddr ip;
			struct rev_prefix z;

			memcpy(ip.b, s->aaaa[s->ptr6[i]].b, 16);
			reverse_default_zone(&ip, &z);
			zone_push(s, &z);
		}
	}
	ok = true;
out:
	free(keys4);
	free(keys6);
	return ok;
}

/* The prefix's lowest and highest address, as 16 bytes (IPv4 in 0..4). */
static void
prefix_bounds(const struct rev_prefix *p, uint8_t lo[16], uint8_t hi[16])
{
	unsigned len = p->v6 ? 16 : 4;

	memset(lo, 0, 16);
	memset(hi, 0, 16);
	for (unsigned i = 0; i < len; i++) {
		unsigned bit0 = i * 8;
		uint8_t mask;

		if (p->bits >= bit0 + 8)
			mask = 0xff;
		else if (p->bits <= bit0)
			mask = 0;
		else
			mask = (uint8_t)(0xff << (8 - (p->bits - bit0)));
		lo[i] = p->b[i] & mask;
		hi[i] = (uint8_t)(lo[i] | (uint8_t)~mask);
	}
}

/* The address of entry e of the index, as 16 bytes (IPv4 in 0..4). */
static void
entry_addr(const struct snapshot *s, bool v6, uint32_t e, uint8_t out[16])
{
	memset(out, 0, 16);
	if (v6)
		memcpy(out, s->aaaa[s->ptr6[e]].b, 16);
	else
		memcpy(out, &s->a[s->ptr4[e]], 4);
}

/* First entry whose address is >= (after: >) key. */
static uint32_t
bound(const struct snapshot *s, bool v6, const uint8_t key[16], bool after)
{
	uint32_t lo = 0, hi = v6 ? s->n_ptr6 : s->n_ptr4;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint8_t a[16];
		int c;

		entry_addr(s, v6, mid, a);
		c = memcmp(a, key, 16);
		if (c < 0 || (after && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
snap_ptr_range(const struct snapshot *s, const struct rev_prefix *p,
    uint32_t *lo, uint32_t *hi)
{
	uint8_t kl[16], kh[16];

	if (!s->reverse_on) {
		*lo = *hi = 0;
		return;
	}
	prefix_bounds(p, kl, kh);
	*lo = bound(s, p->v6, kl, false);
	*hi = bound(s, p->v6, kh, true);
}

uint32_t
snap_value_owner(const struct snapshot *s, enum rr_kind k, uint32_t i)
{
	uint32_t lo = 0, hi = s->n_nodes + 1;

	/* The last node whose first value is <= i owns it. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (snap_first(s, mid, k) <= i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

const struct rev_prefix *
snap_rzone(const struct snapshot *s, const struct rev_prefix *p)
{
	const struct rev_prefix *best = NULL;
	struct rev_prefix z;
	uint32_t lo = 0, hi = s->n_rzones;

	if (s->n_rzones <= CONFIG_MAX_REVERSE_ZONES) {
		for (uint32_t i = 0; i < s->n_rzones; i++)
			if (reverse_covers(&s->rzones[i], p) &&
			    (best == NULL || s->rzones[i].bits > best->bits))
				best = &s->rzones[i];
		return best;
	}
	/* Only derived zones are this many: all /24 or /64. */
	z = *p;
	z.bits = p->v6 ? 64 : 24;
	if (p->bits < z.bits)
		return NULL;
	memset(z.b + z.bits / 8, 0, sizeof z.b - z.bits / 8);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = reverse_cmp(&s->rzones[mid], &z);

		if (c == 0)
			return &s->rzones[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
