/* clock.h -- monotonic and wall clocks in milliseconds. */
#ifndef MDNS_CLOCK_H
#define MDNS_CLOCK_H

#include <stdint.h>
#include <time.h>

/** Monotonic milliseconds, for timeouts and intervals. */
static inline int64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/** Monotonic microseconds, for stage timings. */
static inline int64_t
clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
