/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's CRI log writer: records, partial lines, rotation, read
 * back through pod/crilog.c as `kubectl logs` prints them. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
/* clang-format on */
#include <fcntl.h>
#include <regex.h>
#include <unistd.h>

#include "monitor/logs.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char *read_file(const char *path)
{
	char *buf = NULL;

	assert_int_equal(fs_read_all(path, 1 << 22, &buf, NULL, NULL), 0);
	return buf;
}

/* Print the log through cri_log_print into a string. */
static char *print_log(const char *path, long tail, bool ts)
{
	char tmpl[] = "/tmp/pp-test-logs-out.XXXXXX";
	int fd = mkstemp(tmpl);
	struct cri_log_read_opts o = {.timestamps = ts, .tail = tail};
	char *out;

	assert_true(fd >= 0);
	assert_int_equal(cri_log_print(path, fd, &o, NULL), 0);
	close(fd);
	out = read_file(tmpl);
	unlink(tmpl);
	return out;
}

static void test_records(void **state)
{
	char dir[] = "/tmp/pp-test-logs.XXXXXX";
	cleanup_free char *path = NULL, *text = NULL, *out = NULL;
	struct cri_log log = {.fd = -1};
	regex_t re;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xstrfmt("%s/c/0.log", dir);
	assert_int_equal(cri_log_open(&log, path, NULL), 0);
	cri_log_feed(&log, CRI_STDOUT, "one\ntw", 6);
	cri_log_feed(&log, CRI_STDERR, "err\n", 4);
	cri_log_feed(&log, CRI_STDOUT, "o\nlast", 6);
	cri_log_close(&log);
	text = read_file(path);
	assert_int_equal(
	    regcomp(&re,
	            "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z "
	            "stdout F one\n[^ ]+ stderr F err\n[^ ]+ stdout F two\n[^ ]+ stdout F "
	            "last\n$",
	            REG_EXTENDED),
	    0);
	assert_int_equal(regexec(&re, text, 0, NULL, 0), 0);
	regfree(&re);
	out = print_log(path, -1, false);
	assert_string_equal(out, "one\nerr\ntwo\nlast\n");
	free(out);
	out = print_log(path, 2, false);
	assert_string_equal(out, "two\nlast\n");
	assert_int_equal(fs_rm_rf(dir, NULL), 0);
}

/* A line over 16 KiB becomes P records closed by an F record, and reads
 * back as the one line it was. */
static void test_long_line(void **state)
{
	char dir[] = "/tmp/pp-test-logs.XXXXXX";
	cleanup_free char *path = NULL, *text = NULL, *out = NULL, *line = NULL;
	struct cri_log log = {.fd = -1};
	size_t n = CRI_LOG_MAX_LINE * 2 + 10, p_records = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xstrfmt("%s/0.log", dir);
	line = xmalloc(n + 1);
	memset(line, 'x', n);
	line[n] = '\n';
	assert_int_equal(cri_log_open(&log, path, NULL), 0);
	cri_log_feed(&log, CRI_STDOUT, line, n + 1);
	cri_log_close(&log);
	text = read_file(path);
	for (char *s = text; (s = strstr(s, " stdout P ")) != NULL; s++)
		p_records++;
	assert_int_equal(p_records, 2);
	assert_non_null(strstr(text, " stdout F xxxxxxxxxx\n"));
	out = print_log(path, -1, false);
	assert_int_equal(strlen(out), n + 1);
	assert_int_equal(fs_rm_rf(dir, NULL), 0);
}

/* Feed lines "1".."n" through a log limited to max_size bytes and
 * max_files files. */
static void write_numbers(const char *path, int n, const char *max_size, const char *max_files)
{
	struct cri_log log = {.fd = -1};

	assert_int_equal(setenv("PEAPOD_LOG_MAX_SIZE", max_size, 1), 0);
	assert_int_equal(setenv("PEAPOD_LOG_MAX_FILES", max_files, 1), 0);
	assert_int_equal(cri_log_open(&log, path, NULL), 0);
	for (int i = 1; i <= n; i++) {
		char line[32];
		int len = snprintf(line, sizeof(line), "%d\n", i);

		cri_log_feed(&log, CRI_STDOUT, line, (size_t)len);
	}
	cri_log_close(&log);
	unsetenv("PEAPOD_LOG_MAX_SIZE");
	unsetenv("PEAPOD_LOG_MAX_FILES");
}

/* One record is "<30-byte time> stdout F <text>\n": 42 bytes for "1".."9". */
#define REC1 42

/* Rotation happens only between records: a file never passes max_size, and
 * files hold whole records; only max_files files stay. */
static void test_rotation_boundaries(void **state)
{
	char dir[] = "/tmp/pp-test-logs.XXXXXX";
	cleanup_free char *path = NULL, *max = xstrfmt("%d", REC1 * 3);
	cleanup_strv char **v = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xstrfmt("%s/0.log", dir);
	/* exactly three records fill a file; the fourth starts a new one */
	write_numbers(path, 9, max, "5");
	assert_int_equal(cri_log_rotated(path, &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *text = read_file(v[i]);

		assert_int_equal(strlen(text), REC1 * 3);
		assert_int_equal(text[strlen(text) - 1], '\n');
	}
	{
		cleanup_free char *first = read_file(v[0]), *cur = read_file(path);

		assert_non_null(strstr(first, " stdout F 1\n"));
		assert_non_null(strstr(first, " stdout F 3\n"));
		assert_null(strstr(first, " stdout F 4\n"));
		assert_int_equal(strlen(cur), REC1 * 3);
		assert_non_null(strstr(cur, " stdout F 9\n"));
	}
	strv_free(v);
	v = NULL;
	/* many rotations within a second: 2 files kept, the newest lines */
	write_numbers(path, 9 * 4, max, "2");
	assert_int_equal(cri_log_rotated(path, &v, &n, NULL), 0);
	assert_int_equal(n, 1);
	{
		cleanup_free char *out = NULL;
		char tmpl[] = "/tmp/pp-test-logs-out.XXXXXX";
		int fd = mkstemp(tmpl);
		struct cri_log_read_opts o = {.tail = -1};

		assert_true(fd >= 0);
		assert_int_equal(cri_log_print(path, fd, &o, NULL), 0);
		close(fd);
		out = read_file(tmpl);
		unlink(tmpl);
		/* "10".."36" take 43 bytes: two records a file, and the
		 * last one alone in the current file */
		assert_string_equal(out, "34\n35\n36\n");
	}
	assert_int_equal(fs_rm_rf(dir, NULL), 0);
}

/* Reading goes through the rotated files in order, then the current one;
 * --tail counts across them. */
static void test_read_across_files(void **state)
{
	char dir[] = "/tmp/pp-test-logs.XXXXXX";
	cleanup_free char *path = NULL, *out = NULL, *want = NULL;
	cleanup_strv char **v = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xstrfmt("%s/0.log", dir);
	write_numbers(path, 1000, "2000", "1000");
	assert_int_equal(cri_log_rotated(path, &v, &n, NULL), 0);
	assert_true(n > 20);
	out = print_log(path, -1, false);
	want = xstrdup("");
	for (int i = 1; i <= 1000; i++) {
		char *w = xstrfmt("%s%d\n", want, i);

		free(want);
		want = w;
	}
	assert_string_equal(out, want);
	free(out);
	out = print_log(path, 3, false);
	assert_string_equal(out, "998\n999\n1000\n");
	free(out);
	/* more lines than there are: all of them */
	out = print_log(path, 5000, false);
	assert_string_equal(out, want);
	free(out);
	out = print_log(path, 0, false);
	assert_string_equal(out, "");
	assert_int_equal(fs_rm_rf(dir, NULL), 0);
}

/* A reader that follows: new records, then a rotation, then more. */
static void test_follow_rotation(void **state)
{
	char dir[] = "/tmp/pp-test-logs.XXXXXX";
	cleanup_free char *path = NULL, *out = NULL;
	char tmpl[] = "/tmp/pp-test-logs-out.XXXXXX";
	struct cri_log_read_opts o = {.tail = -1};
	struct cri_log_reader *r = NULL;
	struct cri_log log = {.fd = -1};
	int fd = mkstemp(tmpl);

	(void)state;
	assert_true(fd >= 0);
	assert_non_null(mkdtemp(dir));
	path = xstrfmt("%s/0.log", dir);
	assert_int_equal(cri_log_reader_open(path, &o, &r, NULL), 0);
	assert_int_equal(cri_log_reader_step(r, fd, NULL), 0);
	assert_int_equal(setenv("PEAPOD_LOG_MAX_SIZE", "100", 1), 0);
	assert_int_equal(cri_log_open(&log, path, NULL), 0);
	unsetenv("PEAPOD_LOG_MAX_SIZE");
	cri_log_feed(&log, CRI_STDOUT, "1\n", 2);
	assert_int_equal(cri_log_reader_step(r, fd, NULL), 1);
	assert_int_equal(cri_log_reader_step(r, fd, NULL), 0);
	/* four more records: three rotations while the reader is away */
	cri_log_feed(&log, CRI_STDOUT, "2\n3\n4\n5\n", 8);
	assert_int_equal(cri_log_reader_step(r, fd, NULL), 4);
	cri_log_feed(&log, CRI_STDOUT, "6\n", 2);
	cri_log_close(&log);
	assert_int_equal(cri_log_reader_step(r, fd, NULL), 1);
	cri_log_reader_free(r);
	close(fd);
	out = read_file(tmpl);
	unlink(tmpl);
	assert_string_equal(out, "1\n2\n3\n4\n5\n6\n");
	assert_int_equal(fs_rm_rf(dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_long_line),
	    cmocka_unit_test(test_rotation_boundaries),
	    cmocka_unit_test(test_read_across_files),
	    cmocka_unit_test(test_follow_rotation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
