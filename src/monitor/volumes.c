/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's volume manager for the volumes that project API data
 * (configMap, secret, downwardAPI, projected): set up before any
 * container starts (until then the pod stays Pending, its containers
 * ContainerCreating, a FailedMount event each failed try, retried with
 * the volume manager's back-off: 500 ms doubling to 2 min 2 s), then
 * projected again every POD_PROJECTED_PERIOD_MS so changed ConfigMaps,
 * Secrets and labels reach the running containers atomically. */
#include "pod/volumes.h"

#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "monitor/events.h"
#include "monitor/internal.h"
#include "pod/projected.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

#define BACKOFF_INITIAL_MS 500
#define BACKOFF_MAX_MS     122000 /* 2m2s */

/* Were the volumes set up (a monitor that takes a pod back: its
 * containers keep them while a later projection fails)? */
static bool all_set_up(const struct mon *m)
{
	const struct pod *pod = m->rec->pod;
	cleanup_free char *pod_dir = pod_dir_path(&m->paths, pod->uid);
	struct stat st;

	for (size_t i = 0; i < pod->n_volumes; i++) {
		cleanup_free char *dir = NULL, *data = NULL;

		if (pod->volumes[i].source_bits == 0)
			continue;
		dir = pod_volume_source(pod_dir, &pod->volumes[i]);
		data = xstrfmt("%s/..data", dir);
		if (lstat(data, &st) < 0)
			return false;
	}
	return true;
}

void mon_volumes_arm(struct mon *m)
{
	m->vol_sync_at_ms = 0;
	m->volumes_ready = all_set_up(m);
	if (!pod_has_projected_volumes(m->rec->pod))
		return;
	if (!m->deleting && !m->evicted)
		m->vol_sync_at_ms = pp_now_ms();
}

static void sync_failed(struct mon *m, const char *msg)
{
	m->vol_backoff_ms = m->vol_backoff_ms == 0 ? BACKOFF_INITIAL_MS : m->vol_backoff_ms * 2;
	if (m->vol_backoff_ms > BACKOFF_MAX_MS)
		m->vol_backoff_ms = BACKOFF_MAX_MS;
	m->vol_sync_at_ms = pp_now_ms() + m->vol_backoff_ms;
	log_warn("%s", msg);
	pod_event_add(m->dir, "Warning", "FailedMount", "%s", msg);
}

void mon_volumes_sync(struct mon *m)
{
	cleanup_free char *pod_dir = NULL;
	struct pp_error err = {0};
	int r;

	if (m->vol_sync_at_ms == 0 || m->vol_sync_at_ms > pp_now_ms())
		return;
	if (m->deleting || m->evicted || m->rec->phase == POD_PHASE_SUCCEEDED ||
	    m->rec->phase == POD_PHASE_FAILED) {
		m->vol_sync_at_ms = 0;
		return;
	}
	pod_dir = pod_dir_path(&m->paths, m->rec->pod->uid);
	r = pod_projected_volumes_sync(&m->paths, m->rec->pod, pod_dir, &err);
	if (r < 0) {
		sync_failed(m, err.msg);
		return;
	}
	if (r > 0 && m->volumes_ready)
		log_info("%d projected volume(s) updated", r);
	m->volumes_ready = true;
	m->vol_backoff_ms = 0;
	m->vol_sync_at_ms = pp_now_ms() + POD_PROJECTED_PERIOD_MS;
}
