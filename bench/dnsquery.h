/* dnsquery.h -- what the bench load tools (latprobe.c, soakload.c) share:
 * the wall clock in nanoseconds, and turning a "name TYPE" line of a query
 * file into a query packet.  Header-only: the bench drivers compile each
 * tool from its single .c file at run time. */
#ifndef MDNS_BENCH_DNSQUERY_H
#define MDNS_BENCH_DNSQUERY_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define QLEN 300 /* the longest query packet kept */

static uint64_t
now_rt(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The type number of a type name, -1 for one the tools do not send. */
static int
type_code(const char *t)
{
	static const struct {
		const char *n;
		int v;
	} tab[] = { { "A", 1 }, { "NS", 2 }, { "SOA", 6 }, { "PTR", 12 },
		{ "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 }, { "ANY", 255 } };

	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strcasecmp(t, tab[i].n) == 0)
			return tab[i].v;
	return -1;
}

/* Header (id filled at send time) and question; no OPT, RD clear.  The
 * packet's length, -1 when the name does not fit QLEN. */
static int
encode_query(uint8_t *p, const char *name, int type)
{
	size_t o = 12;

	memset(p, 0, 12);
	p[5] = 1;
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t n = dot != NULL ? (size_t)(dot - name) : strlen(name);

		if (n == 0 || n > 63 || o + n + 1 + 5 > QLEN)
			return -1;
		p[o++] = (uint8_t)n;
		memcpy(p + o, name, n);
		o += n;
		name += n;
		if (*name == '.')
			name++;
	}
	p[o++] = 0;
	p[o++] = (uint8_t)(type >> 8);
	p[o++] = (uint8_t)type;
	p[o++] = 0;
	p[o++] = 1;
	return (int)o;
}

/* Reads up to max "name TYPE" lines of f, after skipping `skip` lines,
 * into q/qlen; lines that do not parse or fit are passed over.  Returns
 * how many were kept. */
static size_t
load_queries(FILE *f, uint8_t (*q)[QLEN], int *qlen, size_t max, long skip)
{
	char line[1024], name[512], type[32];
	size_t nq = 0;

	while (nq < max && fgets(line, sizeof line, f) != NULL) {
		int t, l;

		if (skip > 0) {
			skip--;
			continue;
		}
		if (sscanf(line, "%511s %31s", name, type) != 2 ||
		    (t = type_code(type)) < 0 ||
		    (l = encode_query(q[nq], name, t)) < 0)
			continue;
		qlen[nq++] = l;
	}
	return nq;
}

#endif
