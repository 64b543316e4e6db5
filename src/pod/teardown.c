/* SPDX-License-Identifier: Apache-2.0 */
/* Removing a pod whole: runtime containers, mounts, cgroups, files. Used by
 * the monitor at delete and by the CLI when the monitor is gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>

#include "pod/network.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "pod/userns.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void keep_first(int *first, struct pp_error *err, int r, const struct pp_error *e)
{
	if (r < 0 && *first == 0) {
		*first = r;
		if (err != NULL)
			*err = *e;
	}
}

/* Delete every runtime container of the pod, the sandbox last. */
static int teardown_runtime(const struct pod_paths *paths, const char *uid, struct pp_error *err)
{
	cleanup_strv char **ids = NULL;
	struct pp_error e = {0};
	size_t ulen = strlen(uid);
	int first = 0, r;

	r = rt_container_list(paths->runtime, &ids, &e);
	if (r == -ENOENT)
		r = 0;
	keep_first(&first, err, r, &e);
	for (size_t i = 0; ids && ids[i]; i++) {
		if (strncmp(ids[i], uid, ulen) != 0 || ids[i][ulen] != '-')
			continue;
		r = rt_container_delete(paths->runtime, ids[i], true, &e);
		keep_first(&first, err, r == -ENOENT ? 0 : r, &e);
	}
	r = rt_container_delete(paths->runtime, uid, true, &e);
	keep_first(&first, err, r == -ENOENT ? 0 : r, &e);
	return first;
}

static void unescape_mountinfo(char *s)
{
	char *w = s;

	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] && p[3]) {
			*w++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
			p += 3;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
}

static int len_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Unmount everything mounted at or below dir, deepest first. */
static int teardown_mounts(const char *dir, struct pp_error *err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_strv char **mnts = NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0, dlen = strlen(dir);
	int first = 0;

	if (f == NULL)
		return pp_error(err, errno, "open /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		char mp[4096];

		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		unescape_mountinfo(mp);
		if (strncmp(mp, dir, dlen) == 0 && (mp[dlen] == '/' || mp[dlen] == '\0'))
			strv_push(&mnts, mp);
	}
	if (mnts == NULL)
		return 0;
	qsort(mnts, strv_len(mnts), sizeof(char *), len_desc);
	for (size_t i = 0; mnts[i]; i++) {
		if (umount2(mnts[i], UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
			continue;
		if (umount2(mnts[i], MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && first == 0)
			first = pp_error(err, errno, "umount '%s'", mnts[i]);
	}
	return first;
}

int pod_teardown(const struct pod_paths *paths, const char *uid, const char *ns, const char *name,
                 struct pp_error *err)
{
	cleanup_free char *dir = pod_dir_path(paths, uid), *cgroup = pod_cgroup_parent(uid);
	struct pp_error e = {0};
	int first = 0, r;

	r = teardown_runtime(paths, uid, &e);
	keep_first(&first, err, r, &e);
	/* DEL while the pinned netns is still there, before the mounts go */
	r = pod_net_teardown(paths, uid, &e);
	keep_first(&first, err, r, &e);
	r = teardown_mounts(dir, &e);
	keep_first(&first, err, r, &e);
	r = rt_cgroup_remove(cgroup, &e);
	keep_first(&first, err, r == -ENOENT ? 0 : r, &e);
	r = fs_rm_rf(dir, &e);
	keep_first(&first, err, r, &e);
	if (r >= 0) /* its user namespace's range, once nothing of it is left */
		pod_userns_release(paths, uid);
	if (ns != NULL && name != NULL) {
		cleanup_free char *link = pod_name_link(paths, ns, name);
		cleanup_free char *logs = pod_log_dir(paths, ns, name, uid);
		cleanup_free char *cur = NULL;

		if (pod_lookup(paths, ns, name, &cur, NULL) == 0 && strcmp(cur, uid) == 0)
			(void)unlink(link); /* a racing unlink by another deleter is fine */
		*strrchr(link, '/') = '\0';
		(void)rmdir(link); /* the namespace's folder, once its last pod is gone */
		r = fs_rm_rf(logs, &e);
		keep_first(&first, err, r, &e);
	}
	return first;
}
