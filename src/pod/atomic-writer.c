/* SPDX-License-Identifier: Apache-2.0 */
/* Projected volume files, written as the kubelet's AtomicWriter does: a
 * new timestamped folder, the ..data symlink swapped by rename(2), the
 * top-level symlinks kept in step, the old folder removed. All below the
 * volume folder by *at() calls on its fd. */
#include "pod/atomic-writer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define DATA_DIR      "..data"
#define DATA_TMP      "..data_tmp"
#define TS_NAME_MAX   64
#define MAX_FILE_SIZE (64u << 20)

void pod_payload_add(struct pod_payload *pl, const char *path, const void *data, size_t len,
                     mode_t mode)
{
	struct pod_payload_file *f;

	pl->files = xrealloc(pl->files, (pl->n + 1) * sizeof(*pl->files));
	f = &pl->files[pl->n++];
	f->path = xstrdup(path);
	f->data = xmalloc(len + 1);
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
	f->mode = mode & 07777;
}

void pod_payload_clear(struct pod_payload *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->files[i].path);
		free(pl->files[i].data);
	}
	free(pl->files);
	pl->files = NULL;
	pl->n = 0;
}

/* The length of p's first element. */
static size_t top_len(const char *p)
{
	return strcspn(p, "/");
}

static int payload_check(const struct pod_payload *pl, struct pp_error *err)
{
	for (size_t i = 0; i < pl->n; i++) {
		const char *p = pl->files[i].path;
		size_t n = strlen(p);

		if (pod_projection_path_check(p) < 0 || p[n - 1] == '/' || strstr(p, "//") != NULL)
			return pp_error_msg(
			    err, EINVAL, "invalid path: must be a relative path without '..': %s",
			    p);
		for (size_t j = 0; j < i; j++) {
			const char *q = pl->files[j].path;
			size_t m = strlen(q);

			if (strcmp(p, q) == 0 || (m < n && strncmp(p, q, m) == 0 && p[m] == '/') ||
			    (n < m && strncmp(q, p, n) == 0 && q[n] == '/'))
				return pp_error_msg(err, EINVAL, "duplicate path %s", p);
		}
	}
	return 0;
}

/* Does the file at rel under dfd hold exactly f? */
static bool file_same(int dfd, const struct pod_payload_file *f)
{
	cleanup_free char *rel = xstrfmt(DATA_DIR "/%s", f->path);
	cleanup_close int fd = openat(dfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != f->mode || (size_t)st.st_size != f->len)
		return false;
	if (fs_read_fd(fd, MAX_FILE_SIZE, &buf, &len, NULL) < 0)
		return false;
	return len == f->len && memcmp(buf, f->data, len) == 0;
}

/* The regular files below folder path (without following symlinks). */
static size_t count_files(const char *path)
{
	char *const roots[] = {(char *)path, NULL};
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
	FTSENT *e;
	size_t n = 0;

	if (fts == NULL)
		return SIZE_MAX;
	while ((e = fts_read(fts)) != NULL)
		if (e->fts_info == FTS_F)
			n++;
	(void)fts_close(fts);
	return n;
}

static bool payload_unchanged(const char *dir, int dfd, const struct pod_payload *pl)
{
	cleanup_free char *data = xstrfmt("%s/" DATA_DIR "/", dir);
	char target[TS_NAME_MAX];
	ssize_t n = readlinkat(dfd, DATA_DIR, target, sizeof(target));

	if (n <= 0 || (size_t)n >= sizeof(target))
		return false;
	for (size_t i = 0; i < pl->n; i++)
		if (!file_same(dfd, &pl->files[i]))
			return false;
	return count_files(data) == pl->n;
}

/* A new folder `..2006_01_02_15_04_05.<ns>` in dfd; its name in name. */
static int ts_dir_make(int dfd, char name[TS_NAME_MAX], struct pp_error *err)
{
	struct timespec ts;
	struct tm tm;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	for (int tries = 0; tries < 100; tries++) {
		size_t n = strftime(name, TS_NAME_MAX, "..%Y_%m_%d_%H_%M_%S.", &tm);

		(void)snprintf(name + n, TS_NAME_MAX - n, "%09ld", ts.tv_nsec + tries);
		if (mkdirat(dfd, name, 0755) == 0)
			return fchmodat(dfd, name, 0755, 0) < 0
			           ? pp_error(err, errno, "chmod %s", name)
			           : 0;
		if (errno != EEXIST)
			return pp_error(err, errno, "mkdir %s", name);
	}
	return pp_error_msg(err, EEXIST, "mkdir %s: exists", name);
}

/* The folders of f's path below tsfd, then the file. */
static int file_write(int tsfd, const struct pod_payload_file *f, struct pp_error *err)
{
	cleanup_free char *path = xstrdup(f->path);
	cleanup_close int parent = fcntl(tsfd, F_DUPFD_CLOEXEC, 3);
	cleanup_close int fd = -1;
	char *name = path, *slash;

	if (parent < 0)
		return pp_error(err, errno, "dup");
	while ((slash = strchr(name, '/')) != NULL) {
		int sub;

		*slash = '\0';
		if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
			return pp_error(err, errno, "mkdir %s", f->path);
		sub = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return pp_error(err, errno, "open %s", f->path);
		close(parent);
		parent = sub;
		name = slash + 1;
	}
	fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return pp_error(err, errno, "create %s", f->path);
	if (fs_write_all(fd, f->data, f->len) < 0 || fchmod(fd, f->mode) < 0)
		return pp_error(err, errno, "write %s", f->path);
	return 0;
}

static int ts_dir_fill(int dfd, const char *name, const struct pod_payload *pl,
                       struct pp_error *err)
{
	cleanup_close int tsfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (tsfd < 0)
		return pp_error(err, errno, "open %s", name);
	for (size_t i = 0; i < pl->n; i++) {
		int r = file_write(tsfd, &pl->files[i], err);

		if (r < 0)
			return r;
	}
	return 0;
}

/* ..data -> name, by renaming a fresh ..data_tmp over it. */
static int data_swap(int dfd, const char *name, struct pp_error *err)
{
	(void)unlinkat(dfd, DATA_TMP, 0); /* a stale one from a crash */
	if (symlinkat(name, dfd, DATA_TMP) < 0)
		return pp_error(err, errno, "symlink " DATA_TMP);
	if (renameat(dfd, DATA_TMP, dfd, DATA_DIR) < 0)
		return pp_error(err, errno, "rename " DATA_TMP);
	return 0;
}

static bool is_top(const struct pod_payload *pl, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < pl->n; i++)
		if (top_len(pl->files[i].path) == n && strncmp(pl->files[i].path, name, n) == 0)
			return true;
	return false;
}

/* Each top-level name -> ..data/<name>. */
static int links_add(int dfd, const struct pod_payload *pl, struct pp_error *err)
{
	for (size_t i = 0; i < pl->n; i++) {
		cleanup_free char *top = xstrndup(pl->files[i].path, top_len(pl->files[i].path));
		cleanup_free char *target = xstrfmt(DATA_DIR "/%s", top);

		if (symlinkat(target, dfd, top) < 0 && errno != EEXIST)
			return pp_error(err, errno, "symlink %s", top);
	}
	return 0;
}

/* Remove the top-level links no longer in pl, and every timestamped
 * folder but keep. */
static void old_remove(const char *dir, int dfd, const struct pod_payload *pl, const char *keep)
{
	cleanup_dir DIR *d = NULL;
	struct dirent *e;
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		cleanup_free char *path = NULL;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, DATA_DIR) == 0 || strcmp(e->d_name, keep) == 0)
			continue;
		if (strncmp(e->d_name, "..", 2) != 0) {
			if (!is_top(pl, e->d_name))
				(void)unlinkat(dfd, e->d_name, 0); /* gone from the payload */
			continue;
		}
		path = xstrfmt("%s/%s", dir, e->d_name);
		(void)fs_rm_rf(path, NULL); /* best effort: tried again next write */
	}
}

int pod_atomic_write(const char *dir, const struct pod_payload *pl, bool *ret_changed,
                     struct pp_error *err)
{
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char name[TS_NAME_MAX];
	int r;

	if (dfd < 0)
		return pp_error(err, errno, "open '%s'", dir);
	if ((r = payload_check(pl, err)) < 0)
		return r;
	if (payload_unchanged(dir, dfd, pl)) {
		*ret_changed = false;
		return 0;
	}
	if ((r = ts_dir_make(dfd, name, err)) < 0)
		return r;
	r = ts_dir_fill(dfd, name, pl, err);
	if (r == 0)
		r = data_swap(dfd, name, err);
	if (r < 0) {
		cleanup_free char *path = xstrfmt("%s/%s", dir, name);

		(void)fs_rm_rf(path, NULL);
		return r;
	}
	r = links_add(dfd, pl, err);
	old_remove(dir, dfd, pl, name);
	if (r == 0)
		*ret_changed = true;
	return r;
}
