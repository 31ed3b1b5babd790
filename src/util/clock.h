/* clock.h -- the monotonic clock in milliseconds, and timed waits on it.
 *
 * Every timed condition wait goes through clock_cond_init and
 * clock_cond_wait_ms: a step of the wall clock (NTP, an operator) neither
 * delays nor hurries a poll, a retry or a look-up timeout.
 */
#ifndef MDNS_CLOCK_H
#define MDNS_CLOCK_H

#include <pthread.h>
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

/** The monotonic time ms milliseconds from now, the deadline of a wait on
 *  a condition variable set up by clock_cond_init. */
static inline struct timespec
clock_deadline(int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/** Initialises cond with its timed waits on the monotonic clock; 0 or an
 *  errno value as pthread_cond_init returns. */
static inline int
clock_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int rc;

	if ((rc = pthread_condattr_init(&attr)) != 0)
		return rc;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return rc;
}

/** Waits on cond (set up by clock_cond_init, mutex held) for at most ms
 *  milliseconds; pthread_cond_timedwait's result (ETIMEDOUT, 0). */
static inline int
clock_cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *mutex, int64_t ms)
{
	struct timespec ts = clock_deadline(ms > 0 ? ms : 0);

	return pthread_cond_timedwait(cond, mutex, &ts);
}

#endif
