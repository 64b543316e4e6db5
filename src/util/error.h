/* SPDX-License-Identifier: Apache-2.0 */
/* The error record every fallible function fills: a code and one message line.
 * It lives on the caller's stack, needs no allocation and can be written raw
 * down a pipe from a cloned child. */
#pragma once

#include <errno.h>
#include <stddef.h>

struct pp_error {
	int code;      /* positive errno value, 0 when unset */
	char msg[512]; /* NUL-terminated, one line */
};

/* Fill err with code abs(errnum) and the formatted message; when errnum is
 * non-zero ": strerror(errnum)" is appended, when it is 0 the code becomes
 * EINVAL and nothing is appended (for validation errors). err may be NULL.
 * Returns -code, so `return pp_error(err, errno, "open '%s'", p);` works. */
int pp_error(struct pp_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like pp_error() but never appends strerror: for messages that already say
 * what went wrong (`spec.containers[1].image: Required value`). */
int pp_error_msg(struct pp_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "<formatted>: " to err->msg (context on the way up). Returns r
 * unchanged (expected negative). err may be NULL. */
int pp_error_prefix(struct pp_error *err, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reset err to "no error". */
void pp_error_clear(struct pp_error *err);
