/* SPDX-License-Identifier: Apache-2.0 */
/* A privileged container's linux.devices: every device node of the host's
 * /dev, as containerd's oci.WithHostDevices lists them (oci/utils_unix.go
 * HostDevices). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "pod/plan.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

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

static int visit(int dirfd, const char *name, const char *path, const struct stat *st, void *data)
{
	cleanup_free char *full = xstrfmt("/dev/%s", path);

	(void)dirfd;
	if (S_ISDIR(st->st_mode))
		return skipped_dir(name) ? 0 : FS_WALK_DESCEND;
	if ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) && strcmp(path, "console") != 0)
		add_device(data, full, st);
	return 0;
}

json_object *pod_plan_host_devices(void)
{
	json_object *arr = json_object_new_array();
	cleanup_close int fd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* what cannot be read is skipped: visit never fails */
	if (fd >= 0)
		(void)fs_walk(fd, visit, arr);
	return arr;
}
