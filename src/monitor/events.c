/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's events: best effort, a failure to record one is logged and
 * never stops the pod. The file and its format are pod/events.c's. */
#include "monitor/events.h"

#include <stdarg.h>
#include <stdio.h>

#include "pod/events.h"
#include "util/error.h"
#include "util/log.h"

void pod_event_add(const char *pod_dir, const char *type, const char *reason, const char *fmt, ...)
{
	struct pp_error err = {0};
	char msg[POD_EVENT_MAX_MSG];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pod_event_append(pod_dir, type, reason, msg, &err) < 0)
		log_warn("event %s: %s, ignoring", reason, err.msg);
}
