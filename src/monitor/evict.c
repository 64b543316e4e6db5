/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's local-storage eviction for one pod: every 10 seconds the
 * disk usage of each disk-backed emptyDir with a sizeLimit is measured (as
 * `du -x`: allocated blocks, not following symlinks or crossing mounts);
 * a volume over its limit evicts the pod: its containers are killed, it
 * ends Failed with reason Evicted, and nothing restarts. And the kubelet's
 * activeDeadlineHandler: a pod active longer than activeDeadlineSeconds
 * (from status.startTime) ends the same way, reason DeadlineExceeded. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "monitor/events.h"
#include "monitor/internal.h"
#include "pod/pod.h"
#include "pod/volumes.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

#define EVICT_PERIOD_MS 10000 /* the eviction manager's monitoring interval */
#define DU_MAX_DEPTH    128
#define DU_MAX_ENTRIES  1000000

struct du {
	dev_t dev;
	uint64_t bytes;
	size_t entries;
};

/* Add what folder fd (taken) holds to *du. */
static void du_dir(int fd, int depth, struct du *du)
{
	cleanup_dir DIR *d = fdopendir(fd);
	struct dirent *e;

	if (d == NULL) {
		(void)close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL && du->entries < DU_MAX_ENTRIES) {
		struct stat st;
		int sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_dev != du->dev)
			continue;
		du->entries++;
		du->bytes += (uint64_t)st.st_blocks * 512;
		if (!S_ISDIR(st.st_mode) || depth >= DU_MAX_DEPTH)
			continue;
		sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			du_dir(sub, depth + 1, du);
	}
}

/* Disk usage of folder path in bytes; 0 when it cannot be read. */
static uint64_t disk_usage(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct du du = {0};
	struct stat st;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0) {
		(void)close(fd);
		return 0;
	}
	du.dev = st.st_dev;
	du_dir(fd, 0, &du);
	return du.bytes;
}

static bool limited(const struct pod_volume *vol)
{
	return vol->has_empty_dir && vol->empty_dir_size_bytes > 0 &&
	       (vol->empty_dir_medium == NULL || strcmp(vol->empty_dir_medium, "Memory") != 0);
}

/* When the pod's activeDeadlineSeconds ends (CLOCK_MONOTONIC ms), from
 * its recorded status.startTime; 0 when it has none or is over. */
static int64_t deadline_at(const struct mon *m)
{
	int64_t ads = m->rec->pod->active_deadline_seconds, left_ms;
	struct timespec ts;

	if (ads <= 0 || m->rec->started_at <= 0 || m->deleting || m->evicted ||
	    m->rec->phase == POD_PHASE_SUCCEEDED || m->rec->phase == POD_PHASE_FAILED)
		return 0;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	left_ms = (m->rec->started_at + ads) * 1000 -
	          ((int64_t)ts.tv_sec * 1000 + (int64_t)ts.tv_nsec / 1000000);
	return pp_now_ms() + (left_ms > 0 ? left_ms : 0);
}

void mon_evict_arm(struct mon *m)
{
	const struct pod *p = m->rec->pod;

	m->evict_at_ms = 0;
	m->deadline_at_ms = deadline_at(m);
	if (m->deleting || m->evicted)
		return;
	for (size_t i = 0; i < p->n_volumes; i++)
		if (limited(&p->volumes[i]))
			m->evict_at_ms = pp_now_ms() + EVICT_PERIOD_MS;
}

/* Evict the pod for reason (message msg, taken): kill every container
 * with grace_s, keep it Failed with that reason; an event of type. */
static void evict(struct mon *m, const char *type, const char *reason, char *msg, int64_t grace_s)
{
	struct pod_record *rec = m->rec;

	m->evicted = true;
	m->deadline_at_ms = 0;
	free(rec->reason);
	free(rec->message);
	rec->reason = xstrdup(reason);
	rec->message = msg;
	log_warn("evicting the pod: %s", rec->message);
	pod_event_add(m->dir, type, reason, "%s", rec->message);
	for (size_t i = 0; i < MON_N(m); i++)
		mon_ctr_stop(m, i, grace_s, NULL);
}

/* Past activeDeadlineSeconds: the kubelet's activeDeadlineHandler fails
 * the pod (a Normal event), its containers stopped with the pod's grace. */
static void deadline_check(struct mon *m)
{
	if (m->deadline_at_ms == 0 || m->deadline_at_ms > pp_now_ms())
		return;
	m->deadline_at_ms = 0;
	if (deadline_at(m) == 0) /* deleted or over meanwhile */
		return;
	evict(m, "Normal", POD_REASON_DEADLINE_EXCEEDED,
	      xstrdup("Pod was active on the node longer than the specified deadline"),
	      m->rec->pod->termination_grace_period_seconds);
}

void mon_evict_check(struct mon *m)
{
	const struct pod *p = m->rec->pod;
	cleanup_free char *pod_dir = NULL;

	deadline_check(m);
	if (m->evict_at_ms == 0 || m->evict_at_ms > pp_now_ms())
		return;
	/* the eviction manager looks at active pods only: a pod that
	 * succeeded or failed keeps its phase */
	if (m->rec->phase == POD_PHASE_SUCCEEDED || m->rec->phase == POD_PHASE_FAILED) {
		m->evict_at_ms = 0;
		return;
	}
	pod_dir = pod_dir_path(&m->paths, p->uid);
	for (size_t i = 0; i < p->n_volumes && !m->evicted; i++) {
		const struct pod_volume *vol = &p->volumes[i];
		cleanup_free char *dir = NULL;

		if (!limited(vol))
			continue;
		dir = pod_volume_source(pod_dir, vol);
		if (disk_usage(dir) > vol->empty_dir_size_bytes)
			evict(m, "Warning", POD_REASON_EVICTED,
			      xstrfmt("Usage of EmptyDir volume \"%s\" exceeds the limit \"%s\". ",
			              vol->name, vol->empty_dir_size_limit),
			      0);
	}
	mon_evict_arm(m);
}
