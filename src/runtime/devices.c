/* SPDX-License-Identifier: Apache-2.0 */
/* The default devices of config-linux.md "Default Devices", bound from the
 * host's /dev (runc does so when it cannot mknod; a bind is also safe
 * under a read-only or nodev /dev), and the standard /dev symlinks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

static const char *const default_devices[] = {"null", "zero", "full", "random", "urandom", "tty"};

static const struct {
	const char *target;
	const char *name;
} dev_links[] = {
    {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},         {"/proc/kcore", "core"},
};

static int bind_device(int devfd, const char *name, struct pp_error *err)
{
	char host[64];
	cleanup_close int fd = -1;
	struct stat st;

	(void)snprintf(host, sizeof(host), "/dev/%s", name);
	if (stat(host, &st) < 0 || !S_ISCHR(st.st_mode))
		return 0; /* the host has no such device either */
	fd = openat(devfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0 && errno != ENXIO && errno != EEXIST && errno != ENODEV)
		return pp_error(err, errno, "create /dev/%s", name);
	if (fd >= 0)
		(void)close(fd);
	fd = openat(devfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "open /dev/%s", name);
	if (rt_mount_fd(host, fd, NULL, MS_BIND, NULL) < 0)
		return pp_error(err, errno, "bind /dev/%s", name);
	return 0;
}

int rt_devices_setup(int rootfd, struct pp_error *err)
{
	cleanup_close int devfd = fs_mkdir_in_root(rootfd, "/dev", 0755);
	cleanup_close int dirfd = -1;

	if (devfd < 0)
		return pp_error(err, devfd, "create /dev");
	/* An O_PATH fd cannot be used for openat(O_CREAT): reopen /dev. */
	dirfd = fs_open_in_root(rootfd, "/dev", O_RDONLY | O_DIRECTORY, 0);
	if (dirfd < 0)
		return pp_error(err, dirfd, "open /dev");
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		int r = bind_device(dirfd, default_devices[i], err);

		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++)
		if (symlinkat(dev_links[i].target, dirfd, dev_links[i].name) < 0 && errno != EEXIST)
			return pp_error(err, errno, "symlink /dev/%s", dev_links[i].name);
	return 0;
}
