/* SPDX-License-Identifier: Apache-2.0 */
/* config.mounts inside the container's rootfs: each destination resolved
 * and created with RESOLVE_IN_ROOT, then mounted through /proc/self/fd/N of
 * an O_PATH fd (crun's approach), so a symlink in the rootfs can never send
 * a mount outside it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define REMOUNT_FLAGS                                                                              \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME | MS_NOSYMFOLLOW)

int rt_mount_fd(const char *source, int fd, const char *type, unsigned long flags, const char *data)
{
	char target[64];

	(void)snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	return mount(source, target, type, flags, data) < 0 ? -errno : 0;
}

/* Flags a bind remount must keep (statvfs of the mount at fd), so that a
 * locked nosuid/nodev/noexec does not make the remount fail. */
static unsigned long kept_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	return f;
}

int rt_mount_remount_bind(int fd, unsigned long flags)
{
	return rt_mount_fd(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags | kept_flags(fd), NULL);
}

/* The path to bind from: the parent's fd of it in a user namespace. */
static const char *bind_source(const struct rt_mount *m)
{
	return m->source_fd_path != NULL ? m->source_fd_path : m->source;
}

/* Create the destination: an empty file when binding a non-directory,
 * else a folder. Returns an O_PATH fd of it. */
static int make_destination(int rootfd, const struct rt_mount *m)
{
	struct stat st;

	if (m->bind && stat(bind_source(m), &st) == 0 && !S_ISDIR(st.st_mode)) {
		cleanup_free char *parent = xstrdup(m->destination);
		char *slash = strrchr(parent, '/');
		int pfd, fd;

		*slash = '\0';
		pfd = fs_mkdir_in_root(rootfd, parent[0] ? parent : "/", 0755);
		if (pfd < 0)
			return pfd;
		(void)close(pfd);
		fd = fs_open_in_root(rootfd, m->destination, O_WRONLY | O_CREAT | O_NOFOLLOW, 0644);
		if (fd < 0 && fd != -EISDIR && fd != -ETXTBSY)
			return fd;
		if (fd >= 0)
			(void)close(fd);
		return fs_open_in_root(rootfd, m->destination, O_PATH, 0);
	}
	return fs_mkdir_in_root(rootfd, m->destination, 0755);
}

static bool is_type(const struct rt_mount *m, const char *t)
{
	return m->type != NULL && strcmp(m->type, t) == 0;
}

/* A tmpfs with "tmpcopyup": the folder it covers is kept open, the tmpfs
 * mounted writable, the folder's tree copied in, then the tmpfs made
 * read-only when asked (runc copies through a temporary mount). */
static int mount_copyup(int rootfd, const struct rt_mount *m, int dfd, unsigned long flags)
{
	cleanup_close int under = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int top = -1;
	int r;

	if (under < 0)
		return -errno;
	r = rt_mount_fd(m->source ? m->source : m->type, dfd, m->type,
	                flags & ~(MS_REC | MS_RDONLY), m->data);
	if (r < 0)
		return r;
	top = fs_open_in_root(rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0);
	if (top < 0)
		return top;
	r = rt_copyup(under, top);
	if (r >= 0 && (flags & MS_RDONLY))
		r = rt_mount_fd(NULL, top, NULL, MS_REMOUNT | (flags & ~MS_REC), m->data);
	return r;
}

static int mount_one(int rootfd, const struct rt_mount *m, int dfd)
{
	unsigned long flags = m->flags & ~(MS_REMOUNT);
	int r;

	if (m->bind) {
		if (m->idmap_fd >= 0) /* made by the parent: attach it */
			r = sys_move_mount(m->idmap_fd, "", dfd, "",
			                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
			        ? -errno
			        : 0;
		else
			r = rt_mount_fd(bind_source(m), dfd, NULL, MS_BIND | (flags & MS_REC),
			                NULL);
		if (r < 0)
			return r;
		if (!(flags & REMOUNT_FLAGS))
			return 0;
		/* The O_PATH fd points below the new mount: reopen to reach it. */
		cleanup_close int top = fs_open_in_root(rootfd, m->destination, O_PATH, 0);

		if (top < 0)
			return top;
		return rt_mount_remount_bind(top, flags & REMOUNT_FLAGS);
	}
	if (is_type(m, "cgroup") || is_type(m, "cgroup2"))
		return rt_mount_cgroup(rootfd, m->destination, dfd, flags);
	if (m->tmpcopyup && is_type(m, "tmpfs"))
		return mount_copyup(rootfd, m, dfd, flags);
	return rt_mount_fd(m->source ? m->source : m->type, dfd, m->type, flags & ~MS_REC, m->data);
}

/* mounts[i]'s own propagation ("rshared", …) on the mount now at its
 * destination, as runc's mountPropagate sets it right after the mount. */
static int set_propagation(int rootfd, const struct rt_mount *m, size_t i, struct pp_error *err)
{
	cleanup_close int top = -1;
	int r;

	if (m->propagation == 0)
		return 0;
	top = fs_open_in_root(rootfd, m->destination, O_PATH, 0);
	r = top < 0 ? top : rt_mount_fd(NULL, top, NULL, m->propagation, NULL);
	if (r < 0)
		return pp_error(err, r, "mounts[%zu]: set the propagation of '%s'", i,
		                m->destination);
	return 0;
}

/* The recursive options ("rro"...) on the tree now at its destination. */
static int set_rec_attrs(int rootfd, const struct rt_mount *m, size_t i, struct pp_error *err)
{
	struct mount_attr attr = {.attr_set = m->rec_set, .attr_clr = m->rec_clr};
	cleanup_close int top = -1;

	if (m->rec_set == 0 && m->rec_clr == 0)
		return 0;
	top = fs_open_in_root(rootfd, m->destination, O_PATH, 0);
	if (top < 0)
		return pp_error(err, top, "mounts[%zu]: open '%s'", i, m->destination);
	if (sys_mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return pp_error(err, errno, "mounts[%zu]: set the recursive options of '%s'", i,
		                m->destination);
	return 0;
}

/* Mount config mount i inside rootfd. err names the mount. */
static int apply_one(int rootfd, const struct rt_mount *m, size_t i, struct pp_error *err)
{
	cleanup_close int dfd = -1;
	int r;

	if (!m->bind && m->type == NULL)
		return pp_error_msg(err, EINVAL, "mounts[%zu].type: Required value", i);
	dfd = make_destination(rootfd, m);
	if (dfd < 0)
		return pp_error(err, dfd, "mounts[%zu]: create destination '%s'", i,
		                m->destination);
	r = mount_one(rootfd, m, dfd);
	if (r < 0)
		return pp_error(err, r, "mounts[%zu]: mount %s '%s' on '%s'", i,
		                m->type ? m->type : "bind", m->source ? m->source : "",
		                m->destination);
	r = set_rec_attrs(rootfd, m, i, err);
	return r < 0 ? r : set_propagation(rootfd, m, i, err);
}

int rt_mounts_apply(const struct rt_config *c, int rootfd, struct pp_error *err)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		int r = apply_one(rootfd, &c->mounts[i], i, err);

		if (r < 0)
			return r;
	}
	return 0;
}

int rt_mounts_propagate(const struct rt_config *c, int rootfd, struct pp_error *err)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		int r = set_propagation(rootfd, &c->mounts[i], i, err);

		if (r < 0)
			return r;
	}
	return 0;
}
