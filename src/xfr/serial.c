/* serial.c -- RFC 1982 serial arithmetic and the persisted serial. */
#include "xfr/serial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool
serial_lt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(b - a) < 0x80000000U;
}

uint32_t
serial_next(uint32_t prev, uint32_t now)
{
	if (prev == 0 || serial_lt(prev, now))
		return now;
	return prev + 1 == 0 ? 1 : prev + 1;
}

bool
serial_load(const char *path, uint32_t *out)
{
	char text[32], *end;
	unsigned long long v;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text || (*end != '\n' && *end != '\0') ||
	    v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int
serial_store(const char *path, uint32_t serial)
{
	char tmp[4096], text[16];
	int fd, n, saved;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	n = snprintf(text, sizeof text, "%u\n", serial);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, text, (size_t)n) != n || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}
