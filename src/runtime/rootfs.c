/* SPDX-License-Identifier: Apache-2.0 */
/* The container's root: propagation, the rootfs bind, pivot_root (crun's
 * do_pivot: pivot_root(".", ".") then detach the old root stacked on top),
 * and what follows it: sysctls, masked and read-only paths, a read-only
 * root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/syscall.h"
#include "util/xalloc.h"

int rt_rootfs_prepare(const struct rt_config *c, int *ret_rootfd, struct pp_error *err)
{
	unsigned long prop = c->rootfs_propagation ? c->rootfs_propagation : MS_SLAVE | MS_REC;
	unsigned long root_prop = (prop & MS_SHARED) ? MS_SLAVE | MS_REC : prop;
	int fd;

	/* Nothing we mount may propagate back to the host. A shared
	 * rootfsPropagation still needs a non-shared parent for pivot_root. */
	if (mount(NULL, "/", NULL, root_prop, NULL) < 0)
		return pp_error(err, errno, "set the propagation of '/'");
	if (mount(c->root_path, c->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return pp_error(err, errno, "bind rootfs '%s'", c->root_path);
	if ((prop & MS_SHARED) && mount(NULL, c->root_path, NULL, prop, NULL) < 0)
		return pp_error(err, errno, "make rootfs shared");
	fd = open(c->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "open rootfs '%s'", c->root_path);
	*ret_rootfd = fd;
	return 0;
}

int rt_rootfs_pivot(int rootfd, struct pp_error *err)
{
	if (fchdir(rootfd) < 0)
		return pp_error(err, errno, "chdir to the rootfs");
	if (sys_pivot_root(".", ".") < 0)
		return pp_error(err, errno, "pivot_root");
	/* The old root now sits on top of "."; make it a slave so the
	 * detach does not propagate to the host, then detach it. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return pp_error(err, errno, "make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return pp_error(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return pp_error(err, errno, "chdir /");
	return 0;
}

static int write_sysctl(const struct rt_sysctl *s, struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("/proc/sys/%s", s->key);
	cleanup_close int fd = -1;

	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || write(fd, s->value, strlen(s->value)) < 0)
		return pp_error(err, errno, "linux.sysctl: set '%s' to '%s'", s->key, s->value);
	return 0;
}

static int mask_path(int rootfd, const char *path, struct pp_error *err)
{
	cleanup_close int fd = fs_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0);
	struct stat st;
	int r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return pp_error(err, fd < 0 ? fd : -errno, "linux.maskedPaths: '%s'", path);
	if (S_ISDIR(st.st_mode))
		r = rt_mount_fd("tmpfs", fd, "tmpfs", MS_RDONLY, "size=0k,nr_inodes=1");
	else
		r = rt_mount_fd("/dev/null", fd, NULL, MS_BIND, NULL);
	if (r < 0)
		return pp_error(err, r, "linux.maskedPaths: mask '%s'", path);
	return 0;
}

static int readonly_path(int rootfd, const char *path, struct pp_error *err)
{
	cleanup_close int fd = fs_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0);
	cleanup_close int top = -1;
	char self[64];
	int r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return pp_error(err, fd, "linux.readonlyPaths: '%s'", path);
	(void)snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	r = rt_mount_fd(self, fd, NULL, MS_BIND | MS_REC, NULL);
	if (r < 0)
		return pp_error(err, r, "linux.readonlyPaths: bind '%s'", path);
	top = fs_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0);
	if (top < 0)
		return pp_error(err, top, "linux.readonlyPaths: reopen '%s'", path);
	r = rt_mount_remount_bind(top, MS_RDONLY | MS_REC);
	if (r < 0)
		return pp_error(err, r, "linux.readonlyPaths: remount '%s' read-only", path);
	return 0;
}

int rt_rootfs_finish(const struct rt_config *c, struct pp_error *err)
{
	cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (rootfd < 0)
		return pp_error(err, errno, "open /");
	for (size_t i = 0; r >= 0 && i < c->n_sysctls; i++)
		r = write_sysctl(&c->sysctls[i], err);
	for (size_t i = 0; r >= 0 && c->masked_paths && c->masked_paths[i]; i++)
		r = mask_path(rootfd, c->masked_paths[i], err);
	for (size_t i = 0; r >= 0 && c->readonly_paths && c->readonly_paths[i]; i++)
		r = readonly_path(rootfd, c->readonly_paths[i], err);
	if (r >= 0 && c->root_readonly &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		r = pp_error(err, errno, "root.readonly: remount '/' read-only");
	return r;
}
