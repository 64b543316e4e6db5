/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's events file (events.jsonl): appending one event, and reading
 * them back aggregated. The format is pod/events.h's. */
#include "pod/events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "pod/state.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static char *event_line(const char *type, const char *reason, const char *msg)
{
	json_object *o = json_object_new_object();
	char ts[64];
	char *line;

	pod_time_format(pod_now(), ts, sizeof(ts));
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "count", json_object_new_int(1));
	json_object_object_add(o, "firstTimestamp", json_object_new_string(ts));
	json_object_object_add(o, "lastTimestamp", json_object_new_string(ts));
	line = xstrfmt("%s\n", json_object_to_json_string_ext(
	                           o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return line;
}

int pod_event_append(const char *pod_dir, const char *type, const char *reason, const char *msg,
                     struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/" POD_EVENTS_FILE, pod_dir);
	cleanup_free char *line = NULL;
	cleanup_close int fd = -1;
	struct stat sb;
	int r;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || fstat(fd, &sb) < 0)
		return pp_error(err, errno, "%s", path);
	if (sb.st_size >= POD_EVENTS_MAX_BYTES)
		return 0;
	line = event_line(type, reason, msg);
	/* one write per line: appends never interleave */
	r = fs_write_all(fd, line, strlen(line));
	if (r < 0)
		return pp_error(err, r, "%s: write failed", path);
	return 0;
}

static bool same_event(const struct pod_event *e, const char *type, const char *reason,
                       const char *msg)
{
	return strcmp(e->type, type) == 0 && strcmp(e->reason, reason) == 0 &&
	       strcmp(e->message, msg) == 0;
}

/* Fold the event of JSON line o into ev[0..*n). */
static void event_fold(json_object *o, struct pod_event **ev, size_t *n)
{
	const char *type = json_get_str(o, "type"), *reason = json_get_str(o, "reason");
	const char *msg = json_get_str(o, "message");
	int64_t first = pod_time_parse(json_get_str(o, "firstTimestamp"));
	int64_t last = pod_time_parse(json_get_str(o, "lastTimestamp"));
	int64_t count = json_get_int(o, "count", 1);
	struct pod_event *e = NULL;

	if (type == NULL || reason == NULL || msg == NULL)
		return;
	if (count < 1 || count > 1000000)
		count = 1;
	for (size_t i = 0; i < *n && e == NULL; i++)
		if (same_event(&(*ev)[i], type, reason, msg))
			e = &(*ev)[i];
	if (e == NULL) {
		*ev = xrealloc(*ev, (*n + 1) * sizeof(**ev));
		e = &(*ev)[(*n)++];
		*e = (struct pod_event){.type = xstrdup(type),
		                        .reason = xstrdup(reason),
		                        .message = xstrdup(msg),
		                        .first = first,
		                        .last = last};
	}
	e->count += (int)count;
	if (first > 0 && (e->first == 0 || first < e->first))
		e->first = first;
	if (last > e->last)
		e->last = last;
}

static int by_last(const void *a, const void *b)
{
	const struct pod_event *x = a, *y = b;

	return x->last < y->last ? -1 : x->last > y->last;
}

int pod_events_read(const char *pod_dir, struct pod_event **ret, size_t *ret_n,
                    struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/" POD_EVENTS_FILE, pod_dir);
	cleanup_free char *buf = NULL;
	struct pod_event *ev = NULL;
	size_t len = 0, n = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	r = fs_read_all(path, POD_EVENTS_MAX_BYTES + 2 * POD_EVENT_MAX_MSG, &buf, &len, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char *line = buf, *end; line < buf + len; line = end + 1) {
		struct pp_error perr = {0};
		json_object *o = NULL;

		end = memchr(line, '\n', len - (size_t)(line - buf));
		if (end == NULL)
			break; /* a partial last line */
		if (json_parse_text(line, (size_t)(end - line), path, &o, &perr) == 0 &&
		    json_object_is_type(o, json_type_object))
			event_fold(o, &ev, &n);
		json_object_put(o);
	}
	/* stable enough: equal times keep their order of first appearance */
	if (n > 0)
		qsort(ev, n, sizeof(*ev), by_last);
	*ret = ev;
	*ret_n = n;
	return 0;
}

void pod_events_free(struct pod_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ev[i].type);
		free(ev[i].reason);
		free(ev[i].message);
	}
	free(ev);
}

const char *pod_event_source(const char *reason)
{
	if (reason != NULL &&
	    (strcmp(reason, "FailedScheduling") == 0 || strcmp(reason, "Scheduled") == 0))
		return "default-scheduler";
	return "kubelet";
}
