/* SPDX-License-Identifier: Apache-2.0 */
/* hostUsers: false (pod/userns.h): range allocation on disk, under a lock,
 * and the pinned user namespace of a pod. */
#include "pod/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "pod/paths.h"
#include "pod/state.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define NSFS_MAGIC_ 0x6e736673

static char *slot_path(const struct pod_paths *paths, unsigned n)
{
	return xstrfmt("%s/userns/%u", paths->run, n);
}

/* The uid slot n names, or NULL when free. Caller frees. */
static char *slot_owner(const struct pod_paths *paths, unsigned n)
{
	cleanup_free char *path = slot_path(paths, n);
	char *buf = NULL;
	size_t len = 0;

	if (fs_read_all(path, 128, &buf, &len, NULL) < 0)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

int pod_userns_find(const struct pod_paths *paths, const char *uid, uint32_t *ret_base)
{
	for (unsigned n = 1; n <= POD_USERNS_SLOTS; n++) {
		cleanup_free char *owner = slot_owner(paths, n);

		if (owner != NULL && strcmp(owner, uid) == 0) {
			*ret_base = n * POD_USERNS_SIZE;
			return 0;
		}
	}
	return -ENOENT;
}

/* A slot whose pod folder is gone (deleted while we were not there). */
static bool slot_stale(const struct pod_paths *paths, const char *owner)
{
	cleanup_free char *dir = pod_dir_path(paths, owner);

	return access(dir, F_OK) < 0 && errno == ENOENT;
}

static int slot_take(const struct pod_paths *paths, unsigned n, const char *uid,
                     struct pp_error *err)
{
	cleanup_free char *path = slot_path(paths, n);

	return fs_write_atomic(path, uid, strlen(uid), 0644, err);
}

int pod_userns_alloc(const struct pod_paths *paths, const char *uid, uint32_t *ret_base,
                     struct pp_error *err)
{
	cleanup_free char *dir = xstrfmt("%s/userns", paths->run);
	cleanup_free char *lock = xstrfmt("%s/lock", dir);
	cleanup_close int fd = -1;
	int r = fs_mkdir_p(dir, 0700, err);

	if (r < 0)
		return r;
	fd = fs_lock_file(lock, err);
	if (fd < 0)
		return fd;
	if (pod_userns_find(paths, uid, ret_base) == 0)
		return 0;
	for (unsigned n = 1; n <= POD_USERNS_SLOTS; n++) {
		cleanup_free char *owner = slot_owner(paths, n);

		if (owner != NULL && !slot_stale(paths, owner))
			continue;
		r = slot_take(paths, n, uid, err);
		if (r < 0)
			return r;
		*ret_base = n * POD_USERNS_SIZE;
		return 0;
	}
	return pp_error_msg(err, ENOSPC, "no free user namespace range (all %u taken)",
	                    POD_USERNS_SLOTS);
}

void pod_userns_release(const struct pod_paths *paths, const char *uid)
{
	cleanup_free char *lock = xstrfmt("%s/userns/lock", paths->run);
	cleanup_close int fd = -1;
	uint32_t base;

	if (access(lock, F_OK) < 0)
		return; /* no pod ever had a range */
	fd = fs_lock_file(lock, NULL);
	if (fd >= 0 && pod_userns_find(paths, uid, &base) == 0) {
		cleanup_free char *path = slot_path(paths, base / POD_USERNS_SIZE);

		(void)unlink(path); /* gone already: released */
	}
}

char *pod_userns_path(const struct pod_paths *paths, const char *uid)
{
	return xstrfmt("%s/%s/userns", paths->pods, uid);
}

static bool is_pinned(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == NSFS_MAGIC_;
}

/* A new user namespace mapping 0..65535 to base.. bound on path. */
static int pin(const char *path, uint32_t base, struct pp_error *err)
{
	const struct rt_idmap map = {.container_id = 0, .host_id = base, .size = POD_USERNS_SIZE};
	cleanup_close int ns = -1;
	char src[64];
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
	int r;

	if (fd < 0)
		return pp_error(err, errno, "create '%s'", path);
	(void)close(fd);
	r = rt_userns_create(&map, 1, &map, 1, &ns, err);
	if (r < 0)
		return r;
	(void)snprintf(src, sizeof(src), "/proc/self/fd/%d", ns);
	if (mount(src, path, NULL, MS_BIND, NULL) < 0)
		return pp_error(err, errno, "pin the user namespace at '%s'", path);
	return 0;
}

int pod_userns_setup(const struct pod_paths *paths, const struct pod_record *rec,
                     struct pp_error *err)
{
	cleanup_free char *path = NULL;
	uint32_t base = 0;
	int r;

	if (!rec->pod->no_host_users)
		return 0;
	r = pod_userns_alloc(paths, rec->pod->uid, &base, err);
	if (r < 0)
		return r;
	path = pod_userns_path(paths, rec->pod->uid);
	if (is_pinned(path))
		return 0;
	return pin(path, base, err);
}
