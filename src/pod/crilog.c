/* SPDX-License-Identifier: Apache-2.0 */
/* The CRI log format on disk: the names of rotated files, record times,
 * and the reader behind `peapod logs` (rotated files in order, --tail,
 * --since, following the file across rotation). Needs no monitor. */
#include "pod/crilog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/inotify.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* The order key of a rotated file's name after "<base>.": the stamp
 * (20060102-150405) and a sequence number for a second rotation within the
 * same second. -EINVAL for names that are no rotated file of ours. */
static int rotated_key(const char *suffix, char stamp[16], long *ret_seq)
{
	char *end = NULL;
	long seq = 0;

	if (strlen(suffix) < 15 || suffix[8] != '-')
		return -EINVAL;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (suffix[i] < '0' || suffix[i] > '9'))
			return -EINVAL;
	if (suffix[15] == '.') {
		errno = 0;
		seq = strtol(suffix + 16, &end, 10);
		if (errno != 0 || end == suffix + 16 || *end != '\0' || seq < 1)
			return -EINVAL;
	} else if (suffix[15] != '\0') {
		return -EINVAL;
	}
	memcpy(stamp, suffix, 15);
	stamp[15] = '\0';
	*ret_seq = seq;
	return 0;
}

struct rotated {
	char *path;
	char stamp[16];
	long seq;
};

static int rotated_cmp(const void *a, const void *b)
{
	const struct rotated *x = a, *y = b;
	int c = strcmp(x->stamp, y->stamp);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int cri_log_rotated(const char *path, char ***ret, size_t *ret_n, struct pp_error *err)
{
	cleanup_free char *dir = xstrdup(path);
	cleanup_free struct rotated *rv = NULL;
	cleanup_dir DIR *d = NULL;
	char **v;
	const char *base;
	size_t n = 0, blen;
	struct dirent *de;

	*strrchr(dir, '/') = '\0';
	base = strrchr(path, '/') + 1;
	blen = strlen(base);
	d = opendir(dir);
	if (d == NULL && errno != ENOENT)
		return pp_error(err, errno, "open '%s'", dir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		struct rotated e;

		if (strncmp(de->d_name, base, blen) != 0 || de->d_name[blen] != '.' ||
		    rotated_key(de->d_name + blen + 1, e.stamp, &e.seq) < 0)
			continue;
		e.path = xstrfmt("%s/%s", dir, de->d_name);
		rv = xrealloc(rv, (n + 1) * sizeof(*rv));
		rv[n++] = e;
	}
	if (n > 0)
		qsort(rv, n, sizeof(*rv), rotated_cmp);
	v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		v[i] = rv[i].path;
	*ret = v;
	*ret_n = n;
	return 0;
}

char *cri_log_rotated_name(const char *path, char *const *v, size_t n)
{
	time_t now = time(NULL);
	char stamp[32], last[16];
	long seq = 0;
	struct tm tm;

	(void)gmtime_r(&now, &tm);
	(void)strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (n > 0 && rotated_key(v[n - 1] + strlen(path) + 1, last, &seq) == 0 &&
	    strcmp(last, stamp) == 0)
		return xstrfmt("%s.%s.%ld", path, stamp, seq + 1);
	return xstrfmt("%s.%s", path, stamp);
}

static int digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -EINVAL;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

/* "±hh:mm" or "Z" at *p into seconds east of UTC. */
static int zone_parse(const char *p, int64_t *ret_off)
{
	int hh, mm, sign;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*ret_off = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -EINVAL;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &hh) < 0 || *p++ != ':' || digits(&p, 2, &mm) < 0 || *p != '\0' ||
	    hh > 23 || mm > 59)
		return -EINVAL;
	*ret_off = (int64_t)sign * (hh * 3600 + mm * 60);
	return 0;
}

int cri_time_parse(const char *s, int64_t *ret_ns)
{
	struct tm tm = {0};
	int v[6], frac_digits = 0;
	int64_t frac = 0, off;
	const char *p = s;

	if (digits(&p, 4, &v[0]) < 0 || *p++ != '-' || digits(&p, 2, &v[1]) < 0 || *p++ != '-' ||
	    digits(&p, 2, &v[2]) < 0 || (*p != 'T' && *p != 't') || (p++, 0) ||
	    digits(&p, 2, &v[3]) < 0 || *p++ != ':' || digits(&p, 2, &v[4]) < 0 || *p++ != ':' ||
	    digits(&p, 2, &v[5]) < 0)
		return -EINVAL;
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, frac_digits++)
			if (frac_digits < 9)
				frac = frac * 10 + (*p - '0');
		if (frac_digits == 0)
			return -EINVAL;
		for (int i = frac_digits; i < 9; i++)
			frac *= 10;
	}
	if (zone_parse(p, &off) < 0)
		return -EINVAL;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*ret_ns = ((int64_t)timegm(&tm) - off) * 1000000000 + frac;
	return 0;
}

struct cri_log_reader {
	char *path;                 /* the current file */
	struct cri_log_read_opts o; /* prefix borrowed */
	int fd;                     /* file being read, -1 before the first */
	dev_t dev;                  /* ... and its identity */
	ino_t ino;
	char *buf; /* bytes read, not yet a whole record */
	size_t len, cap;
	long skip;     /* whole lines still to skip (--tail) */
	bool mid_line; /* the last record printed was P */
	char *out;     /* output not yet written */
	size_t out_len, out_cap;
	size_t keep; /* with no out_fd: keep the last bytes of output only */
	int watch;   /* inotify fd on the log folder (follow), or -1 */
};

#define READ_CHUNK ((size_t)65536)
#define MAX_RECORD (1 << 20) /* beyond: no record of ours, dropped */

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

/* Whole lines (F records) in one file. */
static long count_lines(const char *path)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	long n = 0;
	ssize_t len;

	while (f != NULL && (len = getline(&line, &cap, f)) > 0) {
		char *ts, *text, tag;

		if (line[len - 1] != '\n')
			break; /* a record still being written */
		line[len - 1] = '\0';
		if (record_parse(line, &ts, &tag, &text) == 0 && tag == 'F')
			n++;
	}
	return n;
}

static void out_add(struct cri_log_reader *r, const char *s, size_t n)
{
	if (r->out_len + n > r->out_cap) {
		r->out_cap = (r->out_len + n) * 2;
		r->out = xrealloc(r->out, r->out_cap);
	}
	memcpy(r->out + r->out_len, s, n);
	r->out_len += n;
}

static int out_flush(struct cri_log_reader *r, int out_fd, struct pp_error *err)
{
	int k;

	if (out_fd < 0) {
		/* collected for cri_log_tail_text(): its last r->keep bytes */
		if (r->out_len > r->keep) {
			memmove(r->out, r->out + r->out_len - r->keep, r->keep);
			r->out_len = r->keep;
		}
		return 0;
	}
	k = fs_write_all(out_fd, r->out, r->out_len);

	r->out_len = 0;
	return k < 0 ? pp_error(err, -k, "write logs") : 0;
}

/* A record's time as RFC3339Nano prints it: no trailing zeros. */
static void out_time(struct cri_log_reader *r, const char *ts)
{
	const char *dot = strchr(ts, '.'), *end;
	size_t keep;

	if (dot == NULL) {
		out_add(r, ts, strlen(ts));
		out_add(r, " ", 1);
		return;
	}
	end = dot + 1;
	while (*end >= '0' && *end <= '9')
		end++;
	keep = (size_t)(end - ts);
	while (keep > (size_t)(dot - ts) + 1 && ts[keep - 1] == '0')
		keep--;
	if (keep == (size_t)(dot - ts) + 1)
		keep--;
	out_add(r, ts, keep);
	out_add(r, end, strlen(end));
	out_add(r, " ", 1);
}

static void record_print(struct cri_log_reader *r, char *line)
{
	char *ts, *text, tag;
	int64_t t;

	if (record_parse(line, &ts, &tag, &text) < 0)
		return;
	if (r->skip > 0) {
		if (tag == 'F')
			r->skip--;
		return;
	}
	if (r->o.since_ns > 0 && (cri_time_parse(ts, &t) < 0 || t < r->o.since_ns))
		return;
	if (!r->mid_line && r->o.prefix != NULL)
		out_add(r, r->o.prefix, strlen(r->o.prefix));
	if (!r->mid_line && r->o.timestamps)
		out_time(r, ts);
	out_add(r, text, strlen(text));
	if (tag == 'F')
		out_add(r, "\n", 1);
	r->mid_line = tag == 'P';
}

/* Print the whole records in r->buf, keeping a trailing partial one. */
static int records_take(struct cri_log_reader *r)
{
	char *start = r->buf, *nl;
	int n = 0;

	while ((nl = memchr(start, '\n', r->len - (size_t)(start - r->buf))) != NULL) {
		*nl = '\0';
		record_print(r, start);
		start = nl + 1;
		n++;
	}
	r->len -= (size_t)(start - r->buf);
	memmove(r->buf, start, r->len);
	if (r->len > MAX_RECORD)
		r->len = 0;
	return n;
}

/* Read the file to its end; the number of records seen or -errno. */
static int file_drain(struct cri_log_reader *r, int out_fd, struct pp_error *err)
{
	int n = 0, k;
	ssize_t got;

	for (;;) {
		if (r->cap - r->len < READ_CHUNK) {
			r->cap = r->len + READ_CHUNK * 2;
			r->buf = xrealloc(r->buf, r->cap);
		}
		got = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return pp_error(err, errno, "read logs of '%s'", r->path);
		if (got == 0)
			break;
		r->len += (size_t)got;
		n += records_take(r);
		if (r->out_len >= READ_CHUNK && (k = out_flush(r, out_fd, err)) < 0)
			return k;
	}
	return n;
}

/* Does r->fd still hold the current file (no rotation since)? */
static bool file_is_current(const struct cri_log_reader *r)
{
	struct stat st;

	return stat(r->path, &st) == 0 && st.st_dev == r->dev && st.st_ino == r->ino;
}

static int file_switch(struct cri_log_reader *r, const char *path, struct pp_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? 0 : pp_error(err, errno, "open '%s'", path);
	if (fstat(fd, &st) < 0) {
		(void)close(fd);
		return pp_error(err, errno, "stat '%s'", path);
	}
	if (r->fd >= 0)
		(void)close(r->fd);
	r->fd = fd;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	r->len = 0; /* a file ends with whole records, or with nothing of use */
	return 1;
}

/* Index in the n rotated files v of the one after the file (dev, ino):
 * n when that is the newest (the current file comes next), 0 when it is
 * not among them (deleted: every file left is newer). */
static size_t index_after(char *const *v, size_t n, dev_t dev, ino_t ino)
{
	struct stat st;

	for (size_t i = 0; i < n; i++)
		if (stat(v[i], &st) == 0 && st.st_dev == dev && st.st_ino == ino)
			return i + 1;
	return 0;
}

/* Has a rotation happened since the rotated files were v (n of them)? */
static bool rotated_since(const struct cri_log_reader *r, char *const *v, size_t n)
{
	cleanup_strv char **now = NULL;
	size_t m = 0;

	if (cri_log_rotated(r->path, &now, &m, NULL) < 0)
		return false;
	return m != n || (n > 0 && strcmp(now[n - 1], v[n - 1]) != 0);
}

/* Open the file after the one being read (or the oldest, when none is):
 * the rotated file after it, or the current one. A rotation between the
 * listing and the open of the current file would skip the file it made
 * (still kept, never read): then look again. 1 when switched, 0 when
 * there is none yet, or -errno. */
static int file_next(struct cri_log_reader *r, struct pp_error *err)
{
	const bool reading = r->fd >= 0;
	const dev_t dev = r->dev;
	const ino_t ino = r->ino;

	for (int tries = 0;; tries++) {
		cleanup_strv char **v = NULL;
		size_t n = 0, i;
		int k = cri_log_rotated(r->path, &v, &n, err);

		if (k < 0)
			return k;
		i = reading ? index_after(v, n, dev, ino) : 0;
		k = file_switch(r, i < n ? v[i] : r->path, err);
		if (k <= 0 || i < n || tries == 8 || !rotated_since(r, v, n))
			return k;
	}
}

int cri_log_reader_step(struct cri_log_reader *r, int out_fd, struct pp_error *err)
{
	int n = 0, k;

	for (;;) {
		if (r->fd < 0 && (k = file_next(r, err)) <= 0)
			break;
		if ((k = file_drain(r, out_fd, err)) < 0)
			return k;
		n += k;
		if (file_is_current(r))
			break;
		/* rotated away: what it holds now is all it will hold */
		if ((k = file_drain(r, out_fd, err)) < 0)
			return k;
		n += k;
		if ((k = file_next(r, err)) <= 0)
			break;
	}
	if (k < 0)
		return k;
	k = out_flush(r, out_fd, err);
	return k < 0 ? k : n;
}

int cri_log_reader_open(const char *path, const struct cri_log_read_opts *o,
                        struct cri_log_reader **ret, struct pp_error *err)
{
	struct cri_log_reader *r = xzalloc(sizeof(*r));
	cleanup_strv char **v = NULL;
	size_t n = 0;
	int k;

	r->path = xstrdup(path);
	r->o = *o;
	r->fd = -1;
	r->watch = -1;
	if (o->tail >= 0) {
		k = cri_log_rotated(path, &v, &n, err);
		if (k < 0) {
			cri_log_reader_free(r);
			return k;
		}
		for (size_t i = 0; i < n; i++)
			r->skip += count_lines(v[i]);
		r->skip += count_lines(path);
		r->skip -= o->tail;
	}
	*ret = r;
	return 0;
}

struct cri_log_reader *cri_log_reader_free(struct cri_log_reader *r)
{
	if (r == NULL)
		return NULL;
	if (r->fd >= 0)
		(void)close(r->fd);
	if (r->watch >= 0)
		(void)close(r->watch);
	free(r->path);
	free(r->buf);
	free(r->out);
	free(r);
	return NULL;
}

int cri_log_print(const char *path, int out_fd, const struct cri_log_read_opts *o,
                  struct pp_error *err)
{
	struct cri_log_reader *r = NULL;
	int k;

	k = cri_log_reader_open(path, o, &r, err);
	if (k < 0)
		return k;
	k = cri_log_reader_step(r, out_fd, err);
	cri_log_reader_free(r);
	return k < 0 ? k : 0;
}

int cri_log_tail_text(const char *path, long max_lines, size_t max_bytes, char **ret,
                      struct pp_error *err)
{
	const struct cri_log_read_opts o = {.tail = -1};
	struct cri_log_reader *r = NULL;
	int k;

	*ret = NULL;
	k = cri_log_reader_open(path, &o, &r, err);
	if (k < 0)
		return k;
	/* the current file only: the kubelet reads the one its runtime names */
	r->skip = count_lines(path) - max_lines;
	r->keep = max_bytes;
	k = file_switch(r, path, err);
	if (k > 0)
		k = file_drain(r, -1, err);
	if (k >= 0)
		k = out_flush(r, -1, err);
	if (k >= 0 && r->out_len > 0) {
		*ret = xmalloc(r->out_len + 1);
		memcpy(*ret, r->out, r->out_len);
		(*ret)[r->out_len] = '\0';
	}
	cri_log_reader_free(r);
	return k < 0 ? k : 0;
}

int cri_log_reader_watch(struct cri_log_reader *r)
{
	cleanup_free char *dir = NULL;
	int k;

	if (r->watch >= 0)
		return r->watch;
	dir = xstrdup(r->path);
	*strrchr(dir, '/') = '\0';
	r->watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->watch < 0)
		return -errno;
	/* appends, and the renames, creations and removals of a rotation */
	if (inotify_add_watch(r->watch, dir,
	                      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) <
	    0) {
		k = -errno;
		(void)close(r->watch);
		r->watch = -1;
		return k;
	}
	return r->watch;
}

void cri_log_reader_watch_clear(struct cri_log_reader *r)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (r->watch >= 0 && read(r->watch, buf, sizeof(buf)) > 0)
		;
}
