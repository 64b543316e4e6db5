/* SPDX-License-Identifier: Apache-2.0 */
/* CRI log files: records, partial lines, and reading them back as
 * `kubectl logs` prints them. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
