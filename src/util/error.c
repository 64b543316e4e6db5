/* SPDX-License-Identifier: Apache-2.0 */
/* pp_error formatting. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 4, 0))) static int
error_vset(struct pp_error *err, int errnum, int with_strerror, const char *fmt, va_list ap)
{
	int code = errnum < 0 ? -errnum : errnum;

	if (code == 0)
		code = EINVAL;
	if (err == NULL)
		return -code;
	err->code = code;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (with_strerror && errnum != 0) {
		size_t n = strlen(err->msg);

		(void)snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(code));
	}
	return -code;
}

int pp_error(struct pp_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, errnum, 1, fmt, ap);
	va_end(ap);
	return r;
}

int pp_error_msg(struct pp_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, errnum, 0, fmt, ap);
	va_end(ap);
	return r;
}

int pp_error_prefix(struct pp_error *err, int r, const char *fmt, ...)
{
	char prefix[256];
	char old[sizeof(err->msg)];
	va_list ap;

	if (err == NULL)
		return r;
	va_start(ap, fmt);
	(void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	(void)snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	if (err->code == 0)
		err->code = r < 0 ? -r : EINVAL;
	return r;
}

void pp_error_clear(struct pp_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
