/* SPDX-License-Identifier: Apache-2.0 */
/* The "tmpcopyup" mount option (runc's and crun's extension, which podman
 * sends for --read-only and --tmpfs): the content of the folder a tmpfs
 * is mounted on is copied into the new tmpfs, owners, modes and times
 * kept, so that the image's files stay visible (and writable). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct copy_ctx {
	int dst; /* the new tmpfs */
};

static int copy_data(int from, int to, off_t size)
{
	off_t off = 0;

	while (off < size) {
		ssize_t n = sendfile(to, from, &off, (size_t)(size - off));

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
	}
	return 0;
}

static int copy_regular(int dirfd, const char *name, int dst, const char *path,
                        const struct stat *st)
{
	cleanup_close int from = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int to = -1;

	if (from < 0)
		return -errno;
	to = openat(dst, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (to < 0)
		return -errno;
	return copy_data(from, to, st->st_size);
}

static int copy_symlink(int dirfd, const char *name, int dst, const char *path)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	target[n] = '\0';
	return symlinkat(target, dst, path) < 0 ? -errno : 0;
}

/* Owner, mode and times of the copy at path (never following it). */
static int copy_meta(int dst, const char *path, const struct stat *st)
{
	struct timespec times[2] = {st->st_atim, st->st_mtim};

	if (fchownat(dst, path, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st->st_mode) && fchmodat(dst, path, st->st_mode & 07777, 0) < 0)
		return -errno;
	return utimensat(dst, path, times, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int visit(int dirfd, const char *name, const char *path, const struct stat *st, void *data)
{
	const struct copy_ctx *c = data;
	int r;

	if (S_ISDIR(st->st_mode))
		r = mkdirat(c->dst, path, 0700) < 0 ? -errno : 0;
	else if (S_ISREG(st->st_mode))
		r = copy_regular(dirfd, name, c->dst, path, st);
	else if (S_ISLNK(st->st_mode))
		r = copy_symlink(dirfd, name, c->dst, path);
	else
		r = mknodat(c->dst, path, st->st_mode, st->st_rdev) < 0 ? -errno : 0;
	if (r >= 0)
		r = copy_meta(c->dst, path, st);
	if (r < 0)
		return r;
	return S_ISDIR(st->st_mode) ? FS_WALK_DESCEND : 0;
}

int rt_copyup(int from, int to)
{
	struct copy_ctx c = {.dst = to};

	return fs_walk(from, visit, &c);
}
