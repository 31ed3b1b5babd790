/* test_log.c -- log lines cannot be forged: control characters in the
 * message (task names and ids come from the state) are escaped, so one
 * call writes exactly one line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* What one log_error call writes to stderr. */
static char *
capture(const char *id)
{
	static char out[4096];
	int fds[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	dup2(fds[1], STDERR_FILENO);
	log_error("task %s failed", id);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], out, sizeof out - 1);
	close(fds[0]);
	assert_true(n > 0);
	out[n] = '\0';
	return out;
}

static void
test_newline_escaped(void **state)
{
	char *line = capture("x\nERROR: 2026/01/01 00:00:00 forged.c:1: hi");

	(void)state;
	assert_non_null(strstr(line, "ERROR: "));
	/* one line, ending in its own newline */
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	assert_non_null(strstr(line,
	    "task x\\nERROR: 2026/01/01 00:00:00 "
	    "forged.c:1: hi failed\n"));
}

static void
test_controls_escaped(void **state)
{
	char *line = capture("a\rb\tc\x1b[31md\x7f");

	(void)state;
	assert_non_null(strstr(line, "task a\\rb\\tc\\x1b[31md\\x7f failed\n"));
}

static void
test_utf8_kept(void **state)
{
	char *line = capture("caf\xc3\xa9");

	(void)state;
	assert_non_null(strstr(line, "task caf\xc3\xa9 failed\n"));
}

static void
test_long_line_cut(void **state)
{
	char *id = malloc(5000);
	char *line;

	(void)state;
	memset(id, '\n', 4999);
	id[4999] = '\0';
	line = capture(id);
	free(id);
	assert_true(strlen(line) <= 2048);
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newline_escaped),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_utf8_kept),
		cmocka_unit_test(test_long_line_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
