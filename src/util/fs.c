/* SPDX-License-Identifier: Apache-2.0 */
/* Host-side file helpers and RESOLVE_IN_ROOT lookups. */
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/syscall.h"
#include "util/xalloc.h"

int fs_mkdir_p(const char *path, mode_t mode, struct pp_error *err)
{
	cleanup_free char *p = xstrdup(path);

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return pp_error(err, errno, "mkdir '%s'", p);
		*s = c;
		if (c == '\0')
			break;
	}
	return 0;
}

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool sync,
                        struct pp_error *err)
{
	cleanup_free char *tmp = xstrfmt("%s.tmp.%d", path, (int)getpid());
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int r;

	if (fd < 0)
		return pp_error(err, errno, "create '%s'", tmp);
	r = fs_write_all(fd, data, len);
	if (r == 0 && sync && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return pp_error(err, r, "write '%s'", path);
	}
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                    struct pp_error *err)
{
	return write_atomic(path, data, len, mode, true, err);
}

int fs_write_atomic_volatile(const char *path, const void *data, size_t len, mode_t mode,
                             struct pp_error *err)
{
	return write_atomic(path, data, len, mode, false, err);
}

/* fd to its end, or to one byte past max_len: then -EFBIG, or with
 * truncate the first max_len bytes and 1. */
static int read_fd(int fd, size_t max_len, bool truncate, char **ret_buf, size_t *ret_len,
                   struct pp_error *err)
{
	size_t want = max_len < SIZE_MAX ? max_len + 1 : max_len;
	size_t cap = want < 4096 ? want : 4096, len = 0;
	cleanup_free char *buf = xmalloc(cap + 1);
	bool more;

	while (len < want) {
		ssize_t n;

		if (len == cap) {
			cap = cap > want / 2 ? want : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pp_error(err, errno, "read");
		if (n == 0)
			break;
		len += (size_t)n;
	}
	more = len > max_len;
	if (more && !truncate)
		return pp_error_msg(err, EFBIG, "file larger than %zu bytes", max_len);
	if (more)
		len = max_len;
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret_buf = take_ptr(&buf);
	return more ? 1 : 0;
}

int fs_read_fd(int fd, size_t max_len, char **ret_buf, size_t *ret_len, struct pp_error *err)
{
	return read_fd(fd, max_len, false, ret_buf, ret_len, err);
}

int fs_read_fd_head(int fd, size_t max_len, char **ret_buf, size_t *ret_len, struct pp_error *err)
{
	return read_fd(fd, max_len, true, ret_buf, ret_len, err);
}

/* Read path whole; with regular_only, anything but a regular file is
 * refused before a read that could block (a FIFO, a device). */
static int read_path(const char *path, bool regular_only, size_t max_len, char **ret_buf,
                     size_t *ret_len, struct pp_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | (regular_only ? O_NONBLOCK : 0));
	struct stat st;
	int r;

	if (fd < 0)
		return pp_error(err, errno, "open '%s'", path);
	if (regular_only && fstat(fd, &st) < 0)
		return pp_error(err, errno, "stat '%s'", path);
	if (regular_only && !S_ISREG(st.st_mode))
		return pp_error_msg(err, EINVAL, "'%s': not a regular file", path);
	r = fs_read_fd(fd, max_len, ret_buf, ret_len, err);
	if (r < 0)
		return pp_error_prefix(err, r, "'%s'", path);
	return 0;
}

int fs_read_all(const char *path, size_t max_len, char **ret_buf, size_t *ret_len,
                struct pp_error *err)
{
	return read_path(path, false, max_len, ret_buf, ret_len, err);
}

int fs_read_regular(const char *path, size_t max_len, char **ret_buf, size_t *ret_len,
                    struct pp_error *err)
{
	return read_path(path, true, max_len, ret_buf, ret_len, err);
}

static int rm_rf_at(int parent, const char *name, dev_t dev, int depth)
{
	struct stat st;
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	int fd, r = 0;

	if (depth > 256)
		return -ELOOP;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (st.st_dev != dev)
		return -EBUSY;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int q =
		    rm_rf_at(dirfd(d), de->d_name, dev, depth + 1); /* NOLINT(misc-no-recursion) */

		if (q < 0 && r == 0)
			r = q;
	}
	if (r == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int fs_rm_rf(const char *path, struct pp_error *err)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : pp_error(err, errno, "stat '%s'", path);
	r = rm_rf_at(AT_FDCWD, path, st.st_dev, 0);
	if (r < 0)
		return pp_error(err, r, "remove '%s'", path);
	return 0;
}

int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	do
		fd = sys_openat2(rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

int fs_mkdir_in_root(int rootfd, const char *path, mode_t mode)
{
	cleanup_free char *p = xstrdup(path);
	cleanup_close int cur = fs_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0);
	char *save = NULL;

	if (cur < 0)
		return cur;
	for (char *c = strtok_r(p, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
		int next;

		for (char *q = p; q < c; q++) /* undo strtok's cuts: p is the prefix */
			if (*q == '\0')
				*q = '/';
		/* Each prefix is resolved from the container's root, so a symlink
		 * component means what it would mean inside the container. */
		next = fs_open_in_root(rootfd, p, O_PATH | O_DIRECTORY, 0);
		if (next == -ENOENT) {
			const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;

			if (mkdirat(cur, base, mode) < 0 && errno != EEXIST)
				return -errno;
			next = fs_open_in_root(rootfd, p, O_PATH | O_DIRECTORY, 0);
		}
		if (next < 0)
			return next;
		(void)close(cur);
		cur = next;
	}
	return take_fd(&cur);
}

int fs_lock_file(const char *path, struct pp_error *err)
{
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return pp_error(err, errno, "open '%s'", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return pp_error(err, errno, "lock '%s'", path);
	return take_fd(&fd);
}

static int walk_open(int topfd, const char *rel)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
	};

	if (rel[0] == '\0')
		return fcntl(topfd, F_DUPFD_CLOEXEC, 3);
	return sys_openat2(topfd, rel, &how, sizeof(how));
}

/* One folder of the walk: visit its entries, queue the folders to enter. */
static int walk_dir(int fd, const char *rel, fs_walk_fn visit, void *data, char ***queue)
{
	cleanup_dir DIR *dir = fdopendir(fd);
	struct dirent *de;

	if (dir == NULL) {
		(void)close(fd);
		return 0;
	}
	while ((de = readdir(dir)) != NULL) {
		cleanup_free char *path = NULL;
		struct stat st;
		int r;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		path = rel[0] == '\0' ? xstrdup(de->d_name) : xstrfmt("%s/%s", rel, de->d_name);
		r = visit(fd, de->d_name, path, &st, data);
		if (r < 0)
			return r;
		if (r == FS_WALK_DESCEND && S_ISDIR(st.st_mode))
			strv_push(queue, path);
	}
	return 0;
}

int fs_walk(int topfd, fs_walk_fn visit, void *data)
{
	cleanup_strv char **queue = NULL;
	int r = 0;

	strv_push(&queue, "");
	for (size_t i = 0; r >= 0 && queue[i] != NULL; i++) {
		int fd = walk_open(topfd, queue[i]);

		if (fd >= 0)
			r = walk_dir(fd, queue[i], visit, data, &queue);
	}
	return r < 0 ? r : 0;
}
