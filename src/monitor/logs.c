/* SPDX-License-Identifier: Apache-2.0 */
/* The CRI log writer the monitor feeds, with the kubelet's rotation; the
 * format, its file names and the reader are pod/crilog.c's. */
#include "monitor/logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/uio.h>

#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

static const char *const stream_names[] = {"stdout", "stderr"};

static uint64_t env_u64(const char *name, uint64_t def, uint64_t min)
{
	const char *s = getenv(name);
	char *end = NULL;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min)
		return def;
	return v;
}

/* PEAPOD_LOG_MAX_SIZE: a quantity as the kubelet's containerLogMaxSize
 * ("10Mi", "1Ki", "512", "1M"); a bad one is reported once and the
 * default 10Mi used. */
static uint64_t env_log_max_size(void)
{
	static bool warned;
	const char *s = getenv("PEAPOD_LOG_MAX_SIZE");
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return CRI_LOG_MAX_SIZE;
	if (pod_quantity_parse(s, &v) == 0 && v >= 1)
		return v;
	if (!warned)
		log_warn("invalid PEAPOD_LOG_MAX_SIZE \"%s\": must be a positive quantity "
		         "(e.g. \"10Mi\"); using the default 10Mi",
		         s);
	warned = true;
	return CRI_LOG_MAX_SIZE;
}

int cri_log_open(struct cri_log *log, const char *path, struct pp_error *err)
{
	cleanup_free char *dir = xstrdup(path);
	struct stat st;
	int r;

	if (log->fd >= 0)
		cri_log_close(log); /* a run whose start failed */
	*strrchr(dir, '/') = '\0';
	r = fs_mkdir_p(dir, 0755, err);
	if (r < 0)
		return r;
	log->len[0] = log->len[1] = 0;
	log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (log->fd < 0)
		return pp_error(err, errno, "open log '%s'", path);
	free(log->path);
	log->path = xstrdup(path);
	log->size = fstat(log->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	log->max_size = env_log_max_size();
	log->max_files = (int)env_u64("PEAPOD_LOG_MAX_FILES", CRI_LOG_MAX_FILES, 2);
	return 0;
}

/* The current file becomes a rotated one and a new one starts; the oldest
 * rotated files beyond max_files - 1 go. On failure the old file keeps
 * growing: no record is lost. */
static void log_rotate(struct cri_log *log)
{
	cleanup_strv char **v = NULL;
	cleanup_free char *dst = NULL;
	size_t n = 0;
	int fd;

	if (cri_log_rotated(log->path, &v, &n, NULL) < 0)
		return;
	dst = cri_log_rotated_name(log->path, v, n);
	if (rename(log->path, dst) < 0)
		return;
	fd = open(log->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		(void)rename(dst, log->path); /* best effort: keep one file */
		return;
	}
	(void)close(log->fd);
	log->fd = fd;
	log->size = 0;
	/* v lacks dst, the newest: keep max_files - 2 of v */
	for (size_t i = 0; i + (size_t)log->max_files - 2 < n; i++)
		(void)unlink(v[i]); /* gone already: nothing to keep */
}

static void record_write(struct cri_log *log, enum cri_stream s, char tag, const char *text,
                         size_t n)
{
	struct timespec ts;
	struct tm tm;
	char head[80];
	size_t hl;
	ssize_t w;

	if (log->fd < 0)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	hl = strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
	hl += (size_t)snprintf(head + hl, sizeof(head) - hl, ".%09ldZ %s %c ", ts.tv_nsec,
	                       stream_names[s], tag);
	struct iovec iov[3] = {
	    {.iov_base = head, .iov_len = hl},
	    {.iov_base = (void *)text, .iov_len = n},
	    {.iov_base = (void *)"\n", .iov_len = 1},
	};
	/* Rotate only between records, so that every file holds whole ones. */
	if (log->size > 0 && log->size + hl + n + 1 > log->max_size)
		log_rotate(log);
	/* One writev per record keeps records whole for concurrent readers. */
	w = writev(log->fd, iov, 3);
	if (w > 0)
		log->size += (uint64_t)w;
}

void cri_log_feed(struct cri_log *log, enum cri_stream s, const char *data, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		size_t room = CRI_LOG_MAX_LINE - log->len[s];

		if (take > room)
			take = room;
		memcpy(log->buf[s] + log->len[s], data, take);
		log->len[s] += take;
		data += take;
		n -= take;
		if (n > 0 && *data == '\n') {
			record_write(log, s, 'F', log->buf[s], log->len[s]);
			log->len[s] = 0;
			data++;
			n--;
		} else if (log->len[s] == CRI_LOG_MAX_LINE) {
			record_write(log, s, 'P', log->buf[s], log->len[s]);
			log->len[s] = 0;
		}
	}
}

void cri_log_flush(struct cri_log *log, enum cri_stream s)
{
	if (log->len[s] > 0)
		record_write(log, s, 'F', log->buf[s], log->len[s]);
	log->len[s] = 0;
}

void cri_log_close(struct cri_log *log)
{
	if (log->fd >= 0) {
		cri_log_flush(log, CRI_STDOUT);
		cri_log_flush(log, CRI_STDERR);
		(void)close(log->fd);
	}
	log->fd = -1;
	free(log->path);
	log->path = NULL;
}
