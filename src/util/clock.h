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

/** The wall-clock time ms milliseconds from now, as
 *  pthread_cond_timedwait takes its deadline. */
static inline struct timespec
clock_deadline(int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

#endif
