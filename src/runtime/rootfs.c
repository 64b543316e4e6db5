/* SPDX-License-Identifier: Apache-2.0 */
/* The container's root: propagation (nothing mounted here reaches the
 * host), the rootfs bind, pivot_root (crun's do_pivot: pivot_root(".", ".")
 * then detach the old root stacked on top), and what follows it:
 * rootfsPropagation, sysctls, masked and read-only paths, a read-only root. */
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

/* The recursive change made to our copy of the host's mounts before we
 * mount anything (runc's prepareRoot, crun's libcrun_set_mounts), so that
 * nothing we mount propagates back: rprivate for private/rprivate, rslave
 * otherwise. A shared rootfsPropagation keeps the host's peer groups (0),
 * as runc and crun do: a bind whose source is shared must stay a peer of
 * it for a container's mount under it to reach the host (docker and
 * podman's ":rshared" volumes); the rootfs itself is isolated below. The
 * configured value is set on "/" after pivot_root (rt_rootfs_propagate). */
static unsigned long first_propagation(unsigned long prop)
{
	if (prop & MS_SHARED)
		return 0;
	if (prop & MS_PRIVATE)
		return MS_REC | MS_PRIVATE;
	return MS_REC | MS_SLAVE;
}

/* pivot_root(2) fails with EINVAL when the parent mount of the new root
 * is shared, and a bind made under a shared mount propagates to its peers:
 * make the mount holding the rootfs private (runc's rootfsParentMountPrivate,
 * crun's make_parent_mount_private). Walks up with "..": changing the
 * propagation of a folder that is not a mount point is EINVAL. */
static int make_parent_mount_private(const char *rootfs, struct pp_error *err)
{
	cleanup_close int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st, up;

	if (fd < 0)
		return pp_error(err, errno, "open rootfs '%s'", rootfs);
	for (;;) {
		cleanup_close int parent = -1;
		int r = rt_mount_fd(NULL, fd, NULL, MS_PRIVATE, NULL);

		if (r != -EINVAL)
			return r < 0 ? pp_error(err, r, "make the mount of '%s' private", rootfs)
			             : 0;
		parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || fstat(fd, &st) < 0 || fstat(parent, &up) < 0)
			return pp_error(err, errno, "find the mount of '%s'", rootfs);
		if (st.st_dev == up.st_dev && st.st_ino == up.st_ino)
			return pp_error_msg(err, EINVAL, "no mount holds '%s'", rootfs);
		(void)close(fd);
		fd = take_fd(&parent);
	}
}

int rt_rootfs_prepare(const struct rt_config *c, int *ret_rootfd, struct pp_error *err)
{
	unsigned long first = first_propagation(c->rootfs_propagation);
	/* In a user namespace, through an fd of its parent folder
	 * (rt_userns_open_sources). */
	const char *root = c->root_fd_path != NULL ? c->root_fd_path : c->root_path;
	int fd, r;

	if (first != 0 && mount(NULL, "/", NULL, first, NULL) < 0)
		return pp_error(err, errno, "set the propagation of '/'");
	if (first == 0) {
		r = make_parent_mount_private(root, err);
		if (r < 0)
			return r;
	}
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return pp_error(err, errno, "bind rootfs '%s'", c->root_path);
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "open rootfs '%s'", c->root_path);
	/* Its submounts were copied with their peer groups: nothing we mount
	 * in the rootfs may reach them (crun binds it MS_PRIVATE). */
	if (rt_mount_fd(NULL, fd, NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		(void)close(fd);
		return pp_error(err, errno, "make rootfs '%s' a slave", c->root_path);
	}
	*ret_rootfd = fd;
	return 0;
}

int rt_rootfs_pivot(int rootfd, struct pp_error *err)
{
	cleanup_close int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (oldroot < 0)
		return pp_error(err, errno, "open /");
	if (fchdir(rootfd) < 0)
		return pp_error(err, errno, "chdir to the rootfs");
	if (sys_pivot_root(".", ".") < 0)
		return pp_error(err, errno, "pivot_root");
	/* The old root now sits on top of the new one. Reach it through our
	 * fd of it, as runc does: "." may still name the new root's mount.
	 * Make it a slave so the detach does not propagate to the host. */
	if (fchdir(oldroot) < 0)
		return pp_error(err, errno, "chdir to the old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return pp_error(err, errno, "make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return pp_error(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return pp_error(err, errno, "chdir /");
	return 0;
}

int rt_rootfs_move(int rootfd, struct pp_error *err)
{
	if (fchdir(rootfd) < 0)
		return pp_error(err, errno, "chdir to the rootfs");
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return pp_error(err, errno, "move the rootfs onto /");
	if (chroot(".") < 0)
		return pp_error(err, errno, "chroot into the rootfs");
	if (chdir("/") < 0)
		return pp_error(err, errno, "chdir /");
	return 0;
}

int rt_rootfs_propagate(const struct rt_config *c, struct pp_error *err)
{
	cleanup_close int rootfd = -1;

	/* On "/" after pivot_root, as crun and runc (PR #4724, in 1.2.x/1.3.x)
	 * do: before it, a shared rootfs breaks pivot_root and an unbindable
	 * "/" cannot be bound. */
	if (c->rootfs_propagation == 0)
		return 0;
	if (mount(NULL, "/", NULL, c->rootfs_propagation, NULL) < 0)
		return pp_error(err, errno, "linux.rootfsPropagation: set on '/'");
	if (!(c->rootfs_propagation & MS_REC))
		return 0;
	/* A recursive change overrode each mount's own propagation. */
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return pp_error(err, errno, "open /");
	return rt_mounts_propagate(c, rootfd, err);
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
