/* SPDX-License-Identifier: Apache-2.0 */
/* A pod that is not yet placed on this node (kube-scheduler's filters
 * failed, or schedulingGates): Pending with PodScheduled False, tried
 * again every MON_PLACE_RETRY_MS under RUN/sched.lock, and the requests
 * that change its metadata or remove its gates. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/events.h"
#include "monitor/internal.h"
#include "pod/monitor-proto.h"
#include "pod/pod.h"
#include "pod/schedule.h"
#include "pod/state.h"
#include "pod/update.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

/* kube-scheduler retries an unschedulable pod when the cluster changes;
 * here the node and the pods are looked at again this often. */
#define MON_PLACE_RETRY_MS 1000

static void failed_event(struct mon *m)
{
	if (m->rec->sched_reason != NULL && strcmp(m->rec->sched_reason, "Unschedulable") == 0)
		pod_event_add(m->dir, "Warning", "FailedScheduling", "%s",
		              m->rec->sched_message ? m->rec->sched_message : "");
}

bool mon_place_pending(struct mon *m)
{
	if (m->rec->scheduled)
		return false;
	failed_event(m);
	m->place_retry_ms = pp_now_ms() + MON_PLACE_RETRY_MS;
	return true;
}

bool mon_place_check(struct mon *m)
{
	struct pp_error err = {0};
	cleanup_free char *before = NULL;
	cleanup_close int lockfd = -1;

	if (m->rec->scheduled || m->deleting || m->finished || m->place_retry_ms == 0 ||
	    m->place_retry_ms > pp_now_ms())
		return false;
	m->place_retry_ms = pp_now_ms() + MON_PLACE_RETRY_MS;
	before = m->rec->sched_message ? xstrdup(m->rec->sched_message) : NULL;
	if (pod_sched_place(&m->paths, m->rec, false, &lockfd, &err) < 0) {
		log_warn("schedule pod: %s, ignoring", err.msg);
		return false;
	}
	if (!m->rec->scheduled) {
		if (before == NULL || m->rec->sched_message == NULL ||
		    strcmp(before, m->rec->sched_message) != 0)
			failed_event(m);
		return false;
	}
	/* written before the lock goes: the next decision counts this pod */
	if (pod_save_changed(&m->paths, m->rec, &m->saved, &err) < 0)
		log_warn("save pod.json: %s, ignoring", err.msg);
	m->place_retry_ms = 0;
	pod_event_add(m->dir, "Normal", "Scheduled", "Successfully assigned %s/%s to %s",
	              m->rec->pod->namespace_, m->rec->pod->name, m->rec->pod->sched.node_name);
	return true;
}

/* Apply RUN/pods/<uid>/update.json; the error line for the client. */
static int update_apply(struct mon *m, struct pp_error *err)
{
	cleanup_free char *file = xstrfmt("%s/" POD_UPDATE_FILE, m->dir);
	cleanup_json json_object *update = NULL;
	int r = json_parse_file(file, 1u << 20, &update, err);

	if (r == 0)
		r = pod_update_apply(m->rec, update, err);
	if (r < 0)
		return r;
	/* gates removed: try now */
	if (!m->rec->scheduled && m->rec->pod->sched.scheduling_gates == NULL)
		m->place_retry_ms = 1;
	return 0;
}

void mon_update_request(struct mon *m, int *fd)
{
	struct pp_error err = {0};

	if (update_apply(m, &err) < 0 || pod_save_changed(&m->paths, m->rec, &m->saved, &err) < 0)
		(void)!dprintf(*fd, MON_REPLY_ERROR "%s\n", err.msg);
	else
		(void)!dprintf(*fd, MON_REPLY_OK "\n");
	mon_unwatch_close(m, fd);
}
