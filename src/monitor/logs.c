/* SPDX-License-Identifier: Apache-2.0 */
/* CRI log files: writer used by the monitor, reader used by `peapod logs`. */
#include "monitor/logs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/uio.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *const stream_names[] = {"stdout", "stderr"};

int cri_log_open(struct cri_log *log, const char *path, struct pp_error *err)
{
	cleanup_free char *dir = xstrdup(path);
	int r;

	*strrchr(dir, '/') = '\0';
	r = fs_mkdir_p(dir, 0755, err);
	if (r < 0)
		return r;
	log->len[0] = log->len[1] = 0;
	log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (log->fd < 0)
		return pp_error(err, errno, "open log '%s'", path);
	return 0;
}

static void record_write(struct cri_log *log, enum cri_stream s, char tag, const char *text,
                         size_t n)
{
	struct timespec ts;
	struct tm tm;
	char head[80];
	size_t hl;

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
	/* One writev per record keeps records whole for concurrent readers. */
	(void)!writev(log->fd, iov, 3);
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
	if (log->fd < 0)
		return;
	cri_log_flush(log, CRI_STDOUT);
	cri_log_flush(log, CRI_STDERR);
	(void)close(log->fd);
	log->fd = -1;
}

/* Split a record into its time, tag and text; 0 or -EINVAL. */
static int record_parse(char *line, char **ret_ts, char *ret_tag, char **ret_text)
{
	char *sp1 = strchr(line, ' '), *sp2, *sp3;

	if (sp1 == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL)
		return -EINVAL;
	*sp1 = '\0';
	*ret_ts = line;
	sp3 = strchr(sp2 + 1, ' ');
	if (sp3 == NULL || sp3 != sp2 + 2 || (sp2[1] != 'F' && sp2[1] != 'P'))
		return -EINVAL;
	*ret_tag = sp2[1];
	*ret_text = sp3 + 1;
	return 0;
}

static long count_lines(FILE *f)
{
	cleanup_free char *line = NULL;
	size_t cap = 0;
	long n = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, f)) > 0) {
		char *ts, *text, tag;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (record_parse(line, &ts, &tag, &text) == 0 && tag == 'F')
			n++;
	}
	rewind(f);
	return n;
}

int cri_log_print(const char *path, int out_fd, const struct cri_log_read_opts *o,
                  struct pp_error *err)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	long skip = 0;
	bool at_start = true;
	ssize_t len;

	if (f == NULL)
		return errno == ENOENT ? 0 : pp_error(err, errno, "open '%s'", path);
	if (o->tail >= 0)
		skip = count_lines(f) - o->tail;
	while ((len = getline(&line, &cap, f)) > 0) {
		char *ts, *text, tag;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (record_parse(line, &ts, &tag, &text) < 0)
			continue;
		if (skip > 0) {
			if (tag == 'F')
				skip--;
			continue;
		}
		if (o->timestamps && at_start)
			(void)!dprintf(out_fd, "%s ", ts);
		(void)fs_write_all(out_fd, text, strlen(text));
		at_start = tag == 'F';
		if (at_start)
			(void)fs_write_all(out_fd, "\n", 1);
	}
	return 0;
}
