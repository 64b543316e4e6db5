/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime binary as processes inside a container may see it: a view no
 * one can write, never the writable file on the host (CVE-2019-5736). A
 * process that will enter a container's namespaces re-executes itself from
 * such a view first, and is non-dumpable until it execs the container's
 * process, so /proc/PID/exe, fd and mem of it cannot be opened from inside.
 * The view is, as in runc 1.2, the binary in a detached read-only overlayfs
 * mount of its folder: no data is copied, every write fails with EROFS, and
 * the mount is in no mount namespace, so no one can remount it. Where the
 * kernel refuses that (no overlayfs, no "lowerdir+" before Linux 6.8, no
 * CAP_SYS_ADMIN), it is a sealed memfd copy (runc 1.1's cloned binary). A
 * binary that already lives on a read-only mount is run as it is. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

/* The original binary's host path, set by us before re-executing. */
#define EXE_ENV "_PEAPOD_EXE"

#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* True when no one can write the file fd through any path: a memfd with
 * EXE_SEALS, or a file on a read-only mount. */
static bool unwritable(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	struct statvfs sv;

	if (seals >= 0 && (seals & EXE_SEALS) == EXE_SEALS)
		return true;
	return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY) != 0;
}

/* /proc/self/exe opened read-only, its fstat in *ret: the fd, or -1 with
 * errno. */
static int exe_open(struct stat *ret)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, ret) < 0) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

bool rt_exe_sealed(void)
{
	cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	return fd >= 0 && unwritable(fd);
}

/* The host path of our binary (exe: its fstat): /proc/self/exe's target
 * when that is the binary itself, else (running from a memfd copy or a
 * detached overlay, whose paths lead nowhere on the host) the one recorded
 * before re-executing. */
static const char *exe_path(bool sealed, const struct stat *exe)
{
	static char self[PATH_MAX];
	const char *env = getenv(EXE_ENV);
	struct stat at;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return NULL;
	self[n] = '\0';
	if (sealed && env != NULL && env[0] == '/' &&
	    (stat(self, &at) < 0 || exe->st_dev != at.st_dev || exe->st_ino != at.st_ino))
		return env;
	return self;
}

const char *rt_exe_path(void)
{
	struct stat exe;
	cleanup_close int fd = exe_open(&exe);

	return fd < 0 ? NULL : exe_path(unwritable(fd), &exe);
}

/* A sealed memfd holding a copy of the binary at src. fd or -errno. */
static int sealed_copy(int src, const char *name, struct pp_error *err)
{
	cleanup_close int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct stat st;
	off_t off = 0;

	if (fd < 0)
		return pp_error(err, errno, "memfd_create");
	if (fstat(src, &st) < 0)
		return pp_error(err, errno, "stat /proc/self/exe");
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, src, &off, (size_t)(st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return pp_error(err, n < 0 ? errno : EIO, "copy /proc/self/exe");
	}
	if (fchmod(fd, 0555) < 0 || fcntl(fd, F_ADD_SEALS, EXE_SEALS) < 0)
		return pp_error(err, errno, "seal the copy of /proc/self/exe");
	return take_fd(&fd);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A detached mount of a new superblock of type fs with the string options
 * opts[i] = {key, value} (n of them) and mount attributes attr: the mount
 * fd, or -errno. */
static int detached_mount(const char *fs, const char *const (*opts)[2], size_t n, unsigned int attr)
{
	cleanup_close int fsfd = fsopen(fs, FSOPEN_CLOEXEC);
	int mfd;

	if (fsfd < 0)
		return -errno;
	for (size_t i = 0; i < n; i++)
		if (fsconfig(fsfd, FSCONFIG_SET_STRING, opts[i][0], opts[i][1], 0) < 0)
			return -errno;
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attr);
	return mfd < 0 ? -errno : mfd;
}

/* The binary at path opened (O_RDONLY) through a detached read-only
 * overlayfs mount of its folder; the second lower layer is an empty
 * detached tmpfs, as overlayfs needs two without an upper one. The open
 * file keeps the mount alive. path must still be the binary we run (self,
 * its fstat): a deleted or replaced one gives -ESTALE, and the caller
 * copies /proc/self/exe instead. fd or -errno. */
static int overlay_view(const char *path, const struct stat *self)
{
	const unsigned int ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	char empty[32];
	cleanup_close int tmp = -1, ovl = -1;
	struct stat st;
	int fd;

	if (slash == NULL || slash[1] == '\0')
		return -EINVAL;
	if (stat(path, &st) < 0 || st.st_dev != self->st_dev || st.st_ino != self->st_ino)
		return -ESTALE;
	slash[slash == dir ? 1 : 0] = '\0';
	tmp = detached_mount("tmpfs", NULL, 0, ro);
	if (tmp < 0)
		return tmp;
	(void)snprintf(empty, sizeof(empty), "/proc/self/fd/%d", tmp);
	{
		const char *const opts[][2] = {{"lowerdir+", dir}, {"lowerdir+", empty}};

		ovl = detached_mount("overlay", opts, 2, ro);
	}
	if (ovl < 0)
		return ovl;
	fd = openat(ovl, base_name(path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* overlayfs keeps the lower file's size and times: still ours? */
	if (fstat(fd, &st) < 0 || st.st_size != self->st_size ||
	    st.st_mtim.tv_sec != self->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != self->st_mtim.tv_nsec) {
		(void)close(fd);
		return -ESTALE;
	}
	return fd;
}

int rt_exe_protect(char **argv, struct pp_error *err)
{
	extern char **environ;
	struct stat self;
	cleanup_close int src = exe_open(&self), copy = -1;
	bool sealed;
	const char *path;

	if (src < 0)
		return pp_error(err, errno, "open /proc/self/exe");
	sealed = unwritable(src);
	path = exe_path(sealed, &self);
	if (path == NULL)
		return pp_error(err, errno, "readlink /proc/self/exe");
	if (sealed) {
		/* The kernel names us after the memfd; ps should show ours. */
		(void)prctl(PR_SET_NAME, base_name(path), 0, 0, 0);
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			return pp_error(err, errno, "prctl(PR_SET_DUMPABLE)");
		return 0;
	}
	copy = overlay_view(path, &self);
	if (copy < 0) {
		copy = sealed_copy(src, base_name(path), err);
		if (copy < 0)
			return copy;
	}
	if (setenv(EXE_ENV, path, 1) < 0)
		return pp_error(err, errno, "setenv");
	fexecve(copy, argv, environ);
	return pp_error(err, errno, "execute the sealed copy of '%s'", path);
}

int rt_exe_check(struct pp_error *err)
{
	const char *path;

	if (!rt_exe_sealed()) {
		path = rt_exe_path();
		return pp_error_msg(
		    err, EPERM,
		    "refusing to enter a container from '%s', which is not a sealed "
		    "copy of the runtime binary",
		    path ? path : "/proc/self/exe");
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return pp_error(err, errno, "prctl(PR_SET_DUMPABLE)");
	return 0;
}
