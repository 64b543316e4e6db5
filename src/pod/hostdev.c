/* SPDX-License-Identifier: Apache-2.0 */
/* A privileged container's linux.devices: every device node of the host's
 * /dev, as containerd's oci.WithHostDevices lists them (oci/utils_unix.go
 * HostDevices). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "pod/plan.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define HOSTDEV_DIRS_MAX 64

/* containerd skips these folders of /dev and the console, which the
 * runtime gives the container itself */
static bool skipped_dir(const char *name)
{
	static const char *const dirs[] = {"pts",  "shm",         "fd",   "mqueue",
	                                   ".lxc", ".lxd-mounts", ".udev"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strcmp(name, dirs[i]) == 0)
			return true;
	return false;
}

static void add_device(json_object *arr, const char *path, const struct stat *st)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "path", json_object_new_string(path));
	json_object_object_add(d, "type", json_object_new_string(S_ISBLK(st->st_mode) ? "b" : "c"));
	json_object_object_add(d, "major", json_object_new_int64(major(st->st_rdev)));
	json_object_object_add(d, "minor", json_object_new_int64(minor(st->st_rdev)));
	json_object_object_add(d, "fileMode", json_object_new_int64(st->st_mode & 07777));
	json_object_object_add(d, "uid", json_object_new_int64(st->st_uid));
	json_object_object_add(d, "gid", json_object_new_int64(st->st_gid));
	json_object_array_add(arr, d);
}

/* Folders still to read: each an open fd and its path on the host. */
struct dir_stack {
	int fd[HOSTDEV_DIRS_MAX];
	char *path[HOSTDEV_DIRS_MAX];
	size_t n;
};

static void push_dir(struct dir_stack *st, int parent, const char *name, char *path)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || st->n == HOSTDEV_DIRS_MAX) {
		if (fd >= 0)
			(void)close(fd);
		free(path);
		return;
	}
	st->fd[st->n] = fd;
	st->path[st->n++] = path;
}

/* One folder of the host's /dev; what cannot be read is skipped, as a
 * device that vanished is (containerd ignores ENOENT). */
static void read_dir(struct dir_stack *st, int dirfd, const char *prefix, json_object *arr)
{
	cleanup_dir DIR *dir = fdopendir(dirfd);
	struct dirent *de;

	if (dir == NULL) {
		(void)close(dirfd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		char *path = NULL;
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		path = xstrfmt("%s/%s", prefix, de->d_name);
		if (S_ISDIR(sb.st_mode) && !skipped_dir(de->d_name)) {
			push_dir(st, dirfd, de->d_name, path);
			continue;
		}
		if ((S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode)) &&
		    strcmp(path, "/dev/console") != 0)
			add_device(arr, path, &sb);
		free(path);
	}
}

json_object *pod_plan_host_devices(void)
{
	json_object *arr = json_object_new_array();
	struct dir_stack st = {.n = 0};

	push_dir(&st, AT_FDCWD, "/dev", xstrdup("/dev"));
	while (st.n > 0) {
		cleanup_free char *path = st.path[--st.n];

		read_dir(&st, st.fd[st.n], path, arr);
	}
	return arr;
}
