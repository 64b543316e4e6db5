/* SPDX-License-Identifier: Apache-2.0 */
/* The CRI log format as readers find it on disk (pod/crilog.c): records
 * written by hand, read back as `kubectl logs` prints them. The monitor's
 * writer is tested with the reader in test-monitor-logs.c. */
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
#include <unistd.h>

#include "pod/crilog.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void write_text(const char *path, const char *text)
{
	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0644, NULL), 0);
}

/* --since skips records older than the given time; --timestamps prints
 * RFC3339Nano (no trailing zeros); a rotated file is read first. */
static void test_since(void **state)
{
	char dir[] = "/tmp/pp-test-logs.XXXXXX";
	cleanup_free char *path = NULL, *old = NULL, *out = NULL;
	char tmpl[] = "/tmp/pp-test-logs-out.XXXXXX";
	struct cri_log_read_opts o = {.tail = -1, .timestamps = true, .prefix = "[p] "};
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xstrfmt("%s/0.log", dir);
	old = xstrfmt("%s/0.log.20260101-000000", dir);
	write_text(old, "2026-01-01T00:00:00.100000000Z stdout F a\n"
	                "2026-01-01T00:00:01.000000000Z stderr F b\n");
	write_text(path, "2026-01-01T00:00:02.000000000Z stdout P c1\n"
	                 "2026-01-01T00:00:02.000000001Z stdout F c2\n"
	                 "garbage\n"
	                 "2026-01-01T00:00:03.000000000Z stdout F d\n"
	                 "2026-01-01T00:00:04.000000000Z stdout F partial-no-newline");
	assert_int_equal(cri_time_parse("2026-01-01T01:00:01+01:00", &o.since_ns), 0);
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(cri_log_print(path, fd, &o, NULL), 0);
	close(fd);
	assert_int_equal(fs_read_all(tmpl, 1 << 16, &out, NULL, NULL), 0);
	unlink(tmpl);
	assert_string_equal(out, "[p] 2026-01-01T00:00:01Z b\n"
	                         "[p] 2026-01-01T00:00:02Z c1c2\n"
	                         "[p] 2026-01-01T00:00:03Z d\n");
	assert_int_equal(cri_time_parse("2026-01-01T00:00:00.5Z", &o.since_ns), 0);
	assert_int_equal(o.since_ns % 1000000000, 500000000);
	assert_int_equal(cri_time_parse("2026-01-01 00:00:00Z", &o.since_ns), -EINVAL);
	assert_int_equal(cri_time_parse("2026-13-01T00:00:00Z", &o.since_ns), -EINVAL);
	assert_int_equal(cri_time_parse("2026-01-01T00:00:00", &o.since_ns), -EINVAL);
	assert_int_equal(fs_rm_rf(dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
