/* SPDX-License-Identifier: Apache-2.0 */
/* Scheduling on this one node: the lock, and placing a pod against the
 * node and the other pods' records. */
#include "pod/schedule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pod/node.h"
#include "pod/paths.h"
#include "pod/ports.h"
#include "pod/sched-filter.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

int pod_sched_lock(const struct pod_paths *paths, int *ret_fd, struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/" POD_SCHED_LOCK_FILE, paths->run);
	int fd = fs_lock_file(path, err);

	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

/* Every pod record but rec's own. */
static int others_list(const struct pod_paths *paths, const struct pod_record *rec,
                       struct pod_record ***ret, size_t *ret_n, struct pp_error *err)
{
	size_t n = 0, k = 0;
	int r = pod_list(paths, NULL, ret, &n, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (strcmp((*ret)[i]->pod->uid, rec->pod->uid) == 0)
			pod_record_free((*ret)[i]);
		else
			(*ret)[k++] = (*ret)[i];
	}
	*ret_n = k;
	return 0;
}

static void set_unscheduled(struct pod_record *rec, const char *reason, const char *msg)
{
	rec->scheduled = false;
	free(rec->sched_reason);
	free(rec->sched_message);
	rec->sched_reason = xstrdup(reason);
	rec->sched_message = xstrdup(msg);
}

/* The decision over the node and the other pods; the record is set. */
static int decide(const struct pod_paths *paths, struct pod_record *rec, bool creating,
                  struct pod_record **others, size_t n, struct pp_error *err)
{
	cleanup_json json_object *node = NULL;
	cleanup_free char *msg = NULL;
	int r = pod_ports_check(rec->pod, others, n, err);

	if (r < 0 && creating)
		return r; /* refused, as apply always did */
	if (r < 0) {
		set_unscheduled(rec, "Unschedulable", err->msg);
		return 0;
	}
	if (rec->pod->sched.scheduling_gates != NULL) {
		set_unscheduled(rec, "SchedulingGated", POD_SCHED_GATED_MSG);
		return 0;
	}
	r = pod_node_get(paths, &node, err);
	if (r < 0)
		return r;
	msg = pod_sched_filter(rec->pod, node, others, n);
	if (msg != NULL) {
		set_unscheduled(rec, "Unschedulable", msg);
		return 0;
	}
	rec->scheduled = true;
	free(take_ptr(&rec->sched_reason));
	free(take_ptr(&rec->sched_message));
	if (rec->pod->sched.node_name == NULL || rec->pod->sched.node_name[0] == '\0') {
		free(rec->pod->sched.node_name);
		rec->pod->sched.node_name =
		    xstrdup(json_get_str(json_get_obj(node, "metadata"), "name"));
	}
	return 0;
}

int pod_sched_place(const struct pod_paths *paths, struct pod_record *rec, bool creating,
                    int *ret_lockfd, struct pp_error *err)
{
	cleanup_close int fd = -1;
	struct pod_record **others = NULL;
	size_t n = 0;
	int r = pod_sched_lock(paths, &fd, err);

	if (r == 0)
		r = others_list(paths, rec, &others, &n, err);
	if (r < 0)
		return r;
	r = decide(paths, rec, creating, others, n, err);
	for (size_t i = 0; i < n; i++)
		pod_record_free(others[i]);
	free(others);
	if (r < 0)
		return r;
	*ret_lockfd = take_fd(&fd);
	return 0;
}
