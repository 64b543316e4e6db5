/* SPDX-License-Identifier: Apache-2.0 */
/* Pause and resume (runc pause/resume): a container's cgroup frozen and
 * thawed with the v1 freezer twin's freezer.state on a hybrid host, as runc
 * does there, else with the v2 cgroup.freeze. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define FREEZE_TIMEOUT_MS 5000

const char *rt_cgroup_rel(const char *path)
{
	const char *root = rt_cgroup_v2_root();
	size_t n = strlen(root);

	if (path == NULL || strncmp(path, root, n) != 0 || path[n] != '/')
		return NULL;
	return path + n;
}

/* The v1 freezer twin of the v2 folder path, or NULL when there is none. */
static char *freezer_v1(const char *path)
{
	const char *rel = rt_cgroup_rel(path);
	char *dir;

	if (rel == NULL || rt_cgroup_layout() != RT_CGROUP_HYBRID)
		return NULL;
	dir = xstrfmt("/sys/fs/cgroup/freezer%s", rel);
	if (access(dir, F_OK) == 0)
		return dir;
	free(dir);
	return NULL;
}

/* Is what dir/file holds, less its newline, want? */
static bool file_is(const char *dir, const char *file, const char *want)
{
	cleanup_free char *path = xstrfmt("%s/%s", dir, file);
	cleanup_free char *buf = NULL;

	if (fs_read_all(path, 64, &buf, NULL, NULL) < 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, want) == 0;
}

bool rt_cgroup_frozen(const char *path)
{
	cleanup_free char *v1 = freezer_v1(path);

	if (v1 != NULL)
		return !file_is(v1, "freezer.state", "THAWED");
	return file_is(path, "cgroup.freeze", "1");
}

/* Has the kernel finished? v1 goes through FREEZING; v2 says "frozen 1"
 * in cgroup.events once every task stopped. */
static bool settled(const char *v1, const char *path, bool freeze)
{
	cleanup_free char *events = NULL;

	if (v1 != NULL)
		return file_is(v1, "freezer.state", freeze ? "FROZEN" : "THAWED");
	events = xstrfmt("%s/cgroup.events", path);
	return rt_cgroup_keyed(events, "frozen", NULL) == (freeze ? 1 : 0);
}

/* Ask for the new state and wait until it settles: 0, -ETIMEDOUT, -errno. */
static int freeze_wait(const char *v1, const char *path, bool freeze, struct pp_error *err)
{
	struct timespec ts = {.tv_nsec = 1000L * 1000};
	int r;

	for (int waited = 0;; waited++) {
		/* v1: written again each round, as runc does: a task forked
		 * while FREEZING can leave the cgroup stuck there */
		if (v1 != NULL)
			r = rt_cgroup_write(v1, "freezer.state", freeze ? "FROZEN" : "THAWED", err);
		else if (waited == 0)
			r = rt_cgroup_write(path, "cgroup.freeze", freeze ? "1" : "0", err);
		else
			r = 0;
		if (r < 0)
			return r;
		if (settled(v1, path, freeze))
			return 0;
		if (waited >= FREEZE_TIMEOUT_MS)
			return pp_error_msg(err, ETIMEDOUT,
			                    "cgroup '%s': the kernel did not %s it in %d ms", path,
			                    freeze ? "freeze" : "thaw", FREEZE_TIMEOUT_MS);
		(void)nanosleep(&ts, NULL);
	}
}

int rt_cgroup_freeze(const char *path, bool freeze, struct pp_error *err)
{
	cleanup_free char *v1 = freezer_v1(path);
	int r = freeze_wait(v1, path, freeze, err);

	if (r == -ETIMEDOUT && freeze) /* never leave a half-frozen container behind */
		(void)freeze_wait(v1, path, false, NULL);
	return r;
}

/* The cgroup of a container in one of the states in want (a bit mask of
 * 1 << RT_STATUS_*), or msg as the error. *ret_path owned by the caller. */
static int cgroup_in_state(const char *state_root, const char *id, unsigned want, const char *msg,
                           char **ret_path, struct pp_error *err)
{
	struct rt_state st = {0};
	int r = rt_container_state(state_root, id, &st, err);

	if (r < 0)
		return r;
	if ((want & (1u << st.status)) == 0 || st.cgroup_path == NULL) {
		rt_state_clear(&st);
		return pp_error_msg(err, EINVAL, "container '%s' is not %s", id, msg);
	}
	*ret_path = take_ptr(&st.cgroup_path);
	rt_state_clear(&st);
	return 0;
}

int rt_container_pause(const char *state_root, const char *id, struct pp_error *err)
{
	cleanup_free char *path = NULL;
	int r =
	    cgroup_in_state(state_root, id, (1u << RT_STATUS_CREATED) | (1u << RT_STATUS_RUNNING),
	                    "running", &path, err);

	return r < 0 ? r : rt_cgroup_freeze(path, true, err);
}

int rt_container_resume(const char *state_root, const char *id, struct pp_error *err)
{
	cleanup_free char *path = NULL;
	int r = cgroup_in_state(state_root, id, 1u << RT_STATUS_PAUSED, "paused", &path, err);

	return r < 0 ? r : rt_cgroup_freeze(path, false, err);
}
