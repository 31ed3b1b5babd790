/* journal.c -- IXFR deltas. */
#include "xfr/journal.h"

#include <stdlib.h>
#include <string.h>

void
journal_record(const struct snapshot *prev, const struct snapshot *next)
{
	(void)prev;
	(void)next;
}

void
journal_clear(void)
{
}

bool
journal_walk_begin(struct journal_walk *w, uint32_t from, uint32_t to)
{
	memset(w, 0, sizeof *w);
	(void)from;
	(void)to;
	return false;
}

size_t
journal_walk_write(struct journal_walk *w, struct xmsg *m, struct zone_rr *rr)
{
	(void)w;
	(void)m;
	(void)rr;
	return JOURNAL_END;
}

void
journal_walk_end(struct journal_walk *w)
{
	free(w->deltas);
	w->deltas = NULL;
}

size_t
journal_bytes(void)
{
	return 0;
}
