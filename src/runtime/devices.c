/* SPDX-License-Identifier: Apache-2.0 */
/* The default devices of config-linux.md "Default Devices", bound from the
 * host's /dev (runc does so when it cannot mknod; a bind is also safe
 * under a read-only or nodev /dev), the standard /dev symlinks, and the
 * nodes of linux.devices (config-linux.md "Devices"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *const default_devices[] = {"null", "zero", "full", "random", "urandom", "tty"};

static const struct {
	const char *target;
	const char *name;
} dev_links[] = {
    {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},         {"/proc/kcore", "core"},
};

/* Bind the host's node host onto dirfd/base (the container's path shown in
 * errors), over an empty file made to mount on (or a node already there). */
static int bind_node(int dirfd, const char *base, const char *host, const char *shown,
                     struct pp_error *err)
{
	cleanup_close int fd =
	    openat(dirfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 && errno != ENXIO && errno != EEXIST && errno != ENODEV)
		return pp_error(err, errno, "create '%s'", shown);
	if (fd >= 0)
		(void)close(take_fd(&fd));
	fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "open '%s'", shown);
	if (rt_mount_fd(host, fd, NULL, MS_BIND, NULL) < 0)
		return pp_error(err, errno, "bind '%s'", shown);
	return 0;
}

static int bind_device(int devfd, const char *name, struct pp_error *err)
{
	char host[64];
	struct stat st;

	(void)snprintf(host, sizeof(host), "/dev/%s", name);
	if (stat(host, &st) < 0 || !S_ISCHR(st.st_mode))
		return 0; /* the host has no such device either */
	return bind_node(devfd, name, host, host, err);
}

static bool listed(const struct rt_config *c, const char *name)
{
	char path[64];

	(void)snprintf(path, sizeof(path), "/dev/%s", name);
	for (size_t i = 0; i < c->n_devices; i++)
		if (strcmp(c->devices[i].path, path) == 0)
			return true;
	return false;
}

static mode_t type_bits(char type)
{
	return type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
}

static bool same_node(const struct stat *st, const struct rt_device *d)
{
	if ((st->st_mode & S_IFMT) != type_bits(d->type))
		return false;
	return d->type == 'p' || st->st_rdev == makedev((unsigned)d->major, (unsigned)d->minor);
}

/* Without the right to mknod (in a user namespace), runc binds the host's
 * node at the same path: only when it is that very device. */
static int bind_host_node(int dirfd, const char *base, const struct rt_device *d,
                          struct pp_error *err)
{
	struct stat st;

	if (stat(d->path, &st) < 0 || !same_node(&st, d))
		return pp_error_msg(
		    err, EPERM, "mknod '%s' not permitted, and the host has no such node to bind",
		    d->path);
	return bind_node(dirfd, base, d->path, d->path, err);
}

/* mode and owner of the new node, as runc: chmod (the umask is not ours to
 * trust), then chown. Through an O_PATH fd, so a symlink is never followed. */
static int set_owner_mode(int dirfd, const char *base, const struct rt_device *d,
                          struct pp_error *err)
{
	cleanup_close int fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	char proc[64];

	if (fd < 0)
		return pp_error(err, errno, "open '%s'", d->path);
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (chmod(proc, d->mode) < 0)
		return pp_error(err, errno, "chmod '%s'", d->path);
	if (fchownat(fd, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
		return pp_error(err, errno, "chown '%s'", d->path);
	return 0;
}

static int create_node(int rootfd, const struct rt_device *d, struct pp_error *err)
{
	const char *base = strrchr(d->path, '/') + 1;
	cleanup_free char *parent = xstrndup(d->path, (size_t)(base - d->path));
	cleanup_close int pfd = fs_mkdir_in_root(rootfd, parent, 0755);
	cleanup_close int dirfd = -1;
	struct stat st;

	if (pfd < 0)
		return pp_error(err, pfd, "create '%s'", parent);
	dirfd = fs_open_in_root(rootfd, parent, O_RDONLY | O_DIRECTORY, 0);
	if (dirfd < 0)
		return pp_error(err, dirfd, "open '%s'", parent);
	if (mknodat(dirfd, base, type_bits(d->type) | (d->mode & 0777),
	            d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor)) < 0) {
		if (errno == EPERM)
			return bind_host_node(dirfd, base, d, err);
		if (errno != EEXIST)
			return pp_error(err, errno, "mknod '%s'", d->path);
		/* runtime-spec: an existing file must be that device */
		if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return pp_error(err, errno, "stat '%s'", d->path);
		if (!same_node(&st, d))
			return pp_error_msg(err, EEXIST, "'%s' exists and is not that device",
			                    d->path);
		return 0;
	}
	return set_owner_mode(dirfd, base, d, err);
}

static int create_listed(const struct rt_config *c, int rootfd, struct pp_error *err)
{
	for (size_t i = 0; i < c->n_devices; i++) {
		int r = create_node(rootfd, &c->devices[i], err);

		if (r < 0)
			return pp_error_prefix(err, r, "linux.devices[%zu]", i);
	}
	return 0;
}

/* The /dev symlinks, after the nodes: an existing file is kept, except
 * /dev/ptmx, which must be the one of the container's devpts (runc's
 * setupPtmx; podman --privileged lists the host's /dev/ptmx). */
static int make_links(int dirfd, struct pp_error *err)
{
	struct stat st;

	if (fstatat(dirfd, "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode) &&
	    unlinkat(dirfd, "ptmx", 0) < 0)
		return pp_error(err, errno, "remove /dev/ptmx");
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++)
		if (symlinkat(dev_links[i].target, dirfd, dev_links[i].name) < 0 && errno != EEXIST)
			return pp_error(err, errno, "symlink /dev/%s", dev_links[i].name);
	return 0;
}

int rt_devices_setup(const struct rt_config *c, int rootfd, struct pp_error *err)
{
	cleanup_close int devfd = fs_mkdir_in_root(rootfd, "/dev", 0755);
	cleanup_close int dirfd = -1;
	int r = 0;

	if (devfd < 0)
		return pp_error(err, devfd, "create /dev");
	/* An O_PATH fd cannot be used for openat(O_CREAT): reopen /dev. */
	dirfd = fs_open_in_root(rootfd, "/dev", O_RDONLY | O_DIRECTORY, 0);
	if (dirfd < 0)
		return pp_error(err, dirfd, "open /dev");
	for (size_t i = 0; r >= 0 && i < sizeof(default_devices) / sizeof(default_devices[0]); i++)
		if (!listed(c, default_devices[i]))
			r = bind_device(dirfd, default_devices[i], err);
	if (r >= 0)
		r = create_listed(c, rootfd, err);
	if (r >= 0)
		r = make_links(dirfd, err);
	return r;
}
