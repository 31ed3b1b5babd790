/* test_clock.c -- timed waits run on the monotonic clock: a wall clock
 * that is off by an hour (an NTP step, an operator's date) changes neither
 * how long a poll waits nor when a look-up times out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "util/clock.h"

#define WALL_STEP_S 3600

/* The wall clock this process sees is an hour ahead of the kernel's (as
 * right after a step back of the kernel's clock): a deadline computed on
 * it would make pthread_cond_timedwait wait an hour longer than asked. */
int
clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	int rc;

	if (real == NULL)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT,
		    "clock_gettime");
	rc = real(id, ts);
	if (rc == 0 && id == CLOCK_REALTIME)
		ts->tv_sec += WALL_STEP_S;
	return rc;
}

static void
test_wait_ignores_wall_clock(void **state)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c;
	int64_t t0, waited;

	(void)state;
	alarm(30); /* a wait on the wall clock would take an hour */
	assert_int_equal(clock_cond_init(&c), 0);
	pthread_mutex_lock(&m);
	t0 = clock_ms();
	assert_int_equal(clock_cond_wait_ms(&c, &m, 100), ETIMEDOUT);
	waited = clock_ms() - t0;
	pthread_mutex_unlock(&m);
	alarm(0);
	assert_true(waited >= 100);
	assert_true(waited < 5000);
	pthread_cond_destroy(&c);
}

static void
test_deadline_is_monotonic(void **state)
{
	struct timespec d = clock_deadline(1500), now;
	int64_t ahead;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ahead = ((int64_t)d.tv_sec - now.tv_sec) * 1000 +
	    (d.tv_nsec - now.tv_nsec) / 1000000;
	assert_true(ahead > 1000 && ahead <= 1500);
	assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_ignores_wall_clock),
		cmocka_unit_test(test_deadline_is_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
