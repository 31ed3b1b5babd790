/* log.h -- the original's log lines: "ERROR: ", "VERBOSE: ", "VERY VERBOSE: ".
 *
 * Operators filter Mesos-DNS logs by these prefixes, so the text form is
 * kept: prefix, "YYYY/MM/DD HH:MM:SS file:line: message".  Errors go to
 * stderr, verbose lines to stdout (-v=1), very verbose ones too (-v=2).
 * log_error_every() limits a call site to one line per interval, for
 * failures that can repeat once per query.
 */
#ifndef MDNS_LOG_H
#define MDNS_LOG_H

#include <stdbool.h>
#include <stdint.h>

/** Verbosity from -v=N: 0 errors only, 1 verbose, 2 and up very verbose. */
extern int log_verbosity;

/** Writes one line with the given prefix to stderr or stdout; use the macros. */
void log_line(int to_stderr, const char *prefix, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** True when this call site may log again: at most once per interval_ms;
 *  *suppressed counts the lines dropped meanwhile and is reset. */
bool log_ratelimit(int64_t *last_ms, uint64_t *suppressed, int64_t interval_ms);

#define LOG_FILE \
	(__builtin_strrchr(__FILE__, '/') ? \
		__builtin_strrchr(__FILE__, '/') + 1 : \
		__FILE__)

#define log_error(...) log_line(1, "ERROR: ", LOG_FILE, __LINE__, __VA_ARGS__)
#define log_info(...) log_line(1, "", LOG_FILE, __LINE__, __VA_ARGS__)
#define log_verbose(...) \
	do { \
		if (log_verbosity >= 1) \
			log_line(0, \
			    log_verbosity >= 2 ? "VERY VERBOSE: " : \
						 "VERBOSE: ", \
			    LOG_FILE, __LINE__, __VA_ARGS__); \
	} while (0)
#define log_very_verbose(...) \
	do { \
		if (log_verbosity >= 2) \
			log_line(0, "VERY VERBOSE: ", LOG_FILE, __LINE__, \
			    __VA_ARGS__); \
	} while (0)

/* One error line per interval_ms from this call site; the next line that
 * gets through says how many were suppressed. */
#define log_error_every(interval_ms, fmt, ...) \
	do { \
		static int64_t log_last_; \
		static uint64_t log_supp_; \
		uint64_t log_n_ = log_supp_; \
		if (log_ratelimit(&log_last_, &log_supp_, (interval_ms))) { \
			if (log_n_) \
				log_error(fmt \
				    " (%llu similar lines suppressed)", \
				    ##__VA_ARGS__, \
				    (unsigned long long)log_n_); \
			else \
				log_error(fmt, ##__VA_ARGS__); \
		} \
	} while (0)

#endif
