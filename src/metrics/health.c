/* health.c -- readiness state (see health.h). */
#include "metrics/health.h"

#include <stdatomic.h>
#include <stdio.h>

#include "util/clock.h"

#define HEALTH_MIN_BOUND_MS 60000

static _Atomic int64_t bound_ms = HEALTH_MIN_BOUND_MS;
static _Atomic int64_t last_ok_ms; /* monotonic; 0: never */
static atomic_bool serving;

void
health_init(int64_t refresh_seconds)
{
	int64_t b = refresh_seconds > 0 ? 3 * refresh_seconds * 1000 : 0;

	atomic_store(&bound_ms,
	    b > HEALTH_MIN_BOUND_MS ? b : HEALTH_MIN_BOUND_MS);
}

int64_t
health_bound_ms(void)
{
	return atomic_load(&bound_ms);
}

void
health_succeeded(void)
{
	int64_t now = clock_ms();

	/* 0 stays "never" even on a clock that starts at 0. */
	atomic_store(&last_ok_ms, now != 0 ? now : 1);
}

void
health_set_serving(void)
{
	atomic_store(&serving, true);
}

bool
health_loaded(void)
{
	return atomic_load(&serving);
}

bool
health_ready(int64_t now_ms, char *why, size_t len)
{
	int64_t last = atomic_load(&last_ok_ms), bound = atomic_load(&bound_ms);

	if (last == 0 || !atomic_load(&serving)) {
		snprintf(why, len, "no records loaded yet");
		return false;
	}
	if (now_ms - last > bound) {
		snprintf(why, len,
		    "last successful refresh %lld s ago, more than %lld s",
		    (long long)((now_ms - last) / 1000),
		    (long long)(bound / 1000));
		return false;
	}
	return true;
}
