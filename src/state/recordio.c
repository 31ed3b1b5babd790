/* recordio.c -- RecordIO framing (see recordio.h). */
#include "state/recordio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
recordio_init(struct recordio *r, recordio_fn fn, void *ctx, size_t buffer_max,
    uint64_t record_max)
{
	memset(r, 0, sizeof *r);
	r->fn = fn;
	r->ctx = ctx;
	r->buffer_max = buffer_max;
	r->record_max = record_max;
}

static int
broken(struct recordio *r, const char *why)
{
	snprintf(r->error, sizeof r->error, "%s", why);
	r->broken = true;
	return -1;
}

int
recordio_feed(struct recordio *r, const uint8_t *data, size_t len)
{
	size_t i = 0;

	if (r->broken)
		return -1;
	while (i < len) {
		if (!r->in_record) {
			uint8_t c = data[i++];

			if (c == '\n') {
				if (r->n_digits == 0)
					return broken(r, "empty record length");
				r->digits[r->n_digits] = '\0';
				r->want = strtoull(r->digits, NULL, 10);
				r->n_digits = 0;
				if (r->want > r->record_max)
					return broken(r,
					    "record longer than "
					    "the limit");
				r->in_record = true;
				r->got = 0;
				if (r->want == 0) {
					r->in_record = false;
					if (r->fn(r->ctx, NULL, 0, true, true,
						0) < 0)
						return broken(r,
						    "record refused");
				}
				continue;
			}
			if (c < '0' || c > '9')
				return broken(r,
				    "a record length holds a "
				    "non-digit");
			if (r->n_digits == 20)
				return broken(r,
				    "a record length over 20 "
				    "digits");
			r->digits[r->n_digits++] = (char)c;
			continue;
		}
		{
			uint64_t left = r->want - r->got;
			size_t take = len - i < left ? len - i : (size_t)left;
			bool first = r->got == 0, last = take == left;

			if (r->want <= r->buffer_max) {
				if (r->buf_cap < r->want) {
					uint8_t *b = realloc(r->buf, r->want);

					if (b == NULL)
						return broken(r,
						    "out of memory");
					r->buf = b;
					r->buf_cap = r->want;
				}
				memcpy(r->buf + r->got, data + i, take);
				if (last &&
				    r->fn(r->ctx, r->buf, r->want, true, true,
					r->want) < 0)
					return broken(r, "record refused");
			} else if (r->fn(r->ctx, data + i, take, first, last,
				       r->want) < 0) {
				return broken(r, "record refused");
			}
			r->got += take;
			i += take;
			if (last)
				r->in_record = false;
		}
	}
	return 0;
}

bool
recordio_at_boundary(const struct recordio *r)
{
	return !r->broken && !r->in_record && r->n_digits == 0;
}

void
recordio_free(struct recordio *r)
{
	free(r->buf);
	r->buf = NULL;
	r->buf_cap = 0;
}
