/* log.c -- line formatting for log.h; one write(2) per line so that lines
 * from several threads never interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"

int log_verbosity;

/* Appends msg to buf[*n..cap) with control bytes written as \n, \r, \t
 * or \xHH, so that text from the state (a task id with a newline) can
 * neither forge a log line nor send escape sequences to a terminal. */
static void
log_escape(char *buf, size_t *n, size_t cap, const char *msg)
{
	static const char hex[] = "0123456789abcdef";

	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		char e[4] = { '\\', 0, 0, 0 };
		size_t el = 2;

		if (*p >= 0x20 && *p != 0x7f) {
			if (*n >= cap)
				return;
			buf[(*n)++] = (char)*p;
			continue;
		}
		switch (*p) {
		case '\n':
			e[1] = 'n';
			break;
		case '\r':
			e[1] = 'r';
			break;
		case '\t':
			e[1] = 't';
			break;
		default:
			e[1] = 'x';
			e[2] = hex[*p >> 4];
			e[3] = hex[*p & 15];
			el = 4;
		}
		if (*n + el > cap)
			return;
		memcpy(buf + *n, e, el);
		*n += el;
	}
}

void
log_line(int to_stderr, const char *prefix, const char *file, int line,
    const char *fmt, ...)
{
	char buf[2048], msg[2048];
	struct tm tm;
	time_t now = time(NULL);
	size_t n;
	int k;
	va_list ap;

	localtime_r(&now, &tm);
	k = snprintf(buf, sizeof buf,
	    "%s%04d/%02d/%02d %02d:%02d:%02d %s:%d: ", prefix,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, file, line);
	n = k < 0 ? 0 : (size_t)k;
	if (n > sizeof buf - 1)
		n = sizeof buf - 1;
	va_start(ap, fmt);
	k = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (k < 0)
		msg[0] = '\0';
	log_escape(buf, &n, sizeof buf - 1, msg);
	buf[n++] = '\n';
	/* A short write of a log line is not worth failing over. */
	if (write(to_stderr ? STDERR_FILENO : STDOUT_FILENO, buf, n) < 0)
		return;
}

bool
log_ratelimit(int64_t *last_ms, uint64_t *suppressed, int64_t interval_ms)
{
	/* Racy between threads by design: at worst two lines get through. */
	int64_t now = clock_ms();
	int64_t last = __atomic_load_n(last_ms, __ATOMIC_RELAXED);

	if (last != 0 && now - last < interval_ms) {
		__atomic_add_fetch(suppressed, 1, __ATOMIC_RELAXED);
		return false;
	}
	__atomic_store_n(last_ms, now, __ATOMIC_RELAXED);
	__atomic_store_n(suppressed, 0, __ATOMIC_RELAXED);
	return true;
}
