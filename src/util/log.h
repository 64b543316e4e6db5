/* SPDX-License-Identifier: Apache-2.0 */
/* Logging for the programs that print (cli, monitor, pause, pea): one line
 * per message on stderr, `<prog>[pid]: <level>: <msg>`, or kubectl's
 * `error: <msg>` in plain mode. Libraries never log above debug. */
#pragma once

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Set the program name shown in each line (borrows prog, must outlive use).
 * plain != 0 prints `<level>: <msg>` only, as kubectl does. */
void log_open(const char *prog, int plain);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Also append each line to fd (e.g. a monitor log file); -1 disables. Borrows fd. */
void log_set_file(int fd);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log with ": strerror(-r)" appended; returns r (negative errno). */
int log_warn_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int log_error_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
