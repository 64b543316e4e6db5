/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime binary as processes inside a container may see it: a sealed,
 * read-only memfd copy, never the file on the host (CVE-2019-5736). A
 * process that will enter a container's namespaces re-executes itself from
 * such a copy first, and is non-dumpable until it execs the container's
 * process, so /proc/PID/exe, fd and mem of it cannot be opened from inside. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"

/* The original binary's host path, set by us before re-executing. */
#define EXE_ENV "_PEAPOD_EXE"

#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

bool rt_exe_sealed(void)
{
	cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int seals;

	if (fd < 0)
		return false;
	seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & EXE_SEALS) == EXE_SEALS;
}

/* The host path of our binary: the one recorded before re-executing when
 * sealed (running from the copy), else /proc/self/exe's target. */
static const char *exe_path(bool sealed)
{
	static char self[PATH_MAX];
	const char *env = getenv(EXE_ENV);
	ssize_t n;

	if (sealed && env != NULL && env[0] == '/')
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return NULL;
	self[n] = '\0';
	return self;
}

const char *rt_exe_path(void)
{
	return exe_path(rt_exe_sealed());
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

int rt_exe_protect(char **argv, struct pp_error *err)
{
	extern char **environ;
	cleanup_close int src = -1, copy = -1;
	bool sealed = rt_exe_sealed();
	const char *path = exe_path(sealed);

	if (path == NULL)
		return pp_error(err, errno, "readlink /proc/self/exe");
	if (sealed) {
		/* The kernel names us after the memfd; ps should show ours. */
		(void)prctl(PR_SET_NAME, base_name(path), 0, 0, 0);
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			return pp_error(err, errno, "prctl(PR_SET_DUMPABLE)");
		return 0;
	}
	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return pp_error(err, errno, "open /proc/self/exe");
	copy = sealed_copy(src, base_name(path), err);
	if (copy < 0)
		return copy;
	if (setenv(EXE_ENV, path, 1) < 0)
		return pp_error(err, errno, "setenv");
	fexecve(copy, argv, environ);
	return pp_error(err, errno, "execute the sealed copy of '%s'", path);
}

int rt_exe_check(struct pp_error *err)
{
	const char *path;

	if (!rt_exe_sealed()) {
		path = exe_path(false);
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
