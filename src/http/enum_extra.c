/* enum_extra.c -- the /v1/enumerate additions of HealthAwareOn and
 * ReverseOn (see enum_extra.h). */
#include "http/enum_extra.h"

#include <string.h>

#include "util/reverse.h"
#include "state/model.h"

void
enum_write_health(struct jsonw *w, const struct snapshot *s,
    const struct snap_task *t)
{
	if (!s->health_on)
		return;
	jsonw_key(w, "healthy");
	if (t->health == TASK_HEALTH_UNKNOWN)
		jsonw_null(w);
	else
		jsonw_bool(w, t->health == TASK_HEALTH_OK);
}

/* The address of index entry e as a full-length prefix. */
static void
entry_prefix(const struct snapshot *s, bool v6, uint32_t e,
    struct rev_prefix *p)
{
	memset(p, 0, sizeof *p);
	p->v6 = v6;
	p->bits = v6 ? 128 : 32;
	if (v6)
		memcpy(p->b, s->aaaa[s->ptr6[e]].b, 16);
	else
		memcpy(p->b, &s->a[s->ptr4[e]], 4);
}

void
enum_write_reverse(struct jsonw *w, const struct snapshot *s)
{
	char zname[REV_NAME_MAX], rname[REV_NAME_MAX], host[65600];

	if (!s->reverse_on)
		return;
	jsonw_key(w, "reverse_zones");
	jsonw_array_begin(w);
	for (uint32_t z = 0; z < s->n_rzones; z++) {
		const struct rev_prefix *zone = &s->rzones[z];
		uint32_t lo, hi;

		jsonw_object_begin(w);
		jsonw_key(w, "name");
		jsonw_string(w, zname, reverse_name(zone, zname));
		jsonw_key(w, "records");
		jsonw_array_begin(w);
		snap_ptr_range(s, zone, &lo, &hi);
		for (uint32_t e = lo; e < hi; e++) {
			struct rev_prefix p;
			uint32_t v = zone->v6 ? s->ptr6[e] : s->ptr4[e];
			uint32_t node =
			    snap_value_owner(s, zone->v6 ? RK_AAAA : RK_A, v);

			entry_prefix(s, zone->v6, e, &p);
			/* A nested configured zone lists its own records. */
			if (snap_rzone(s, &p) != zone)
				continue;
			jsonw_object_begin(w);
			jsonw_key(w, "name");
			jsonw_string(w, rname, reverse_name(&p, rname));
			jsonw_key(w, "host");
			jsonw_string(w, host,
			    snap_name(s, node, host, sizeof host));
			jsonw_key(w, "rtype");
			jsonw_cstr(w, "PTR");
			jsonw_object_end(w);
		}
		jsonw_array_end(w);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}
