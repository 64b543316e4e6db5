/* SPDX-License-Identifier: Apache-2.0 */
/* The process-wide log level is the only mutable global outside src/cli. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *log_prog = "peapod";
static int log_plain;
static int log_fd = -1;
static enum log_level log_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_open(const char *prog, int plain)
{
	log_prog = prog;
	log_plain = plain;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_set_file(int fd)
{
	log_fd = fd;
}

__attribute__((format(printf, 3, 0))) static void log_emit(enum log_level level, int r,
                                                           const char *fmt, va_list ap)
{
	char line[2048];
	size_t n;

	if (level > log_level)
		return;
	if (log_plain)
		n = (size_t)snprintf(line, sizeof(line), "%s: ", level_names[level]);
	else
		n = (size_t)snprintf(line, sizeof(line), "%s[%d]: %s: ", log_prog, (int)getpid(),
		                     level_names[level]);
	if (n < sizeof(line))
		n += (size_t)vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r < 0 && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, ": %s", strerror(-r));
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	/* messages carry what registries, archives and containers say: no
	 * terminal control sequence of theirs reaches the terminal */
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
			line[i] = '?';
	line[n++] = '\n';
	/* One write(2) per line so lines from several processes do not interleave. */
	(void)!write(STDERR_FILENO, line, n);
	if (log_fd >= 0)
		(void)!write(log_fd, line, n);
}

#define LOG_FN(name, level)                  \
	void name(const char *fmt, ...)      \
	{                                    \
		va_list ap;                  \
		va_start(ap, fmt);           \
		log_emit(level, 0, fmt, ap); \
		va_end(ap);                  \
	}

LOG_FN(log_debug, LOG_LEVEL_DEBUG)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_error, LOG_LEVEL_ERROR)

int log_warn_errno(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_WARN, r, fmt, ap);
	va_end(ap);
	return r;
}

int log_error_errno(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, r, fmt, ap);
	va_end(ap);
	return r;
}
