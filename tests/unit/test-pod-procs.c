/* SPDX-License-Identifier: Apache-2.0 */
/* pod/procs and pod/user for peapod ps: a container's command line made
 * printable, and a uid's name found in a rootfs's /etc/passwd without
 * leaving the rootfs. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "pod/plan.h"
#include "pod/procs.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void check_escape(const char *in, size_t n, const char *want)
{
	char *got = pod_procs_escape(in, n);

	assert_string_equal(got, want);
	free(got);
}

static void test_escape(void **state)
{
	(void)state;
	/* arguments joined by spaces, the trailing NUL dropped */
	check_escape("sleep\0"
	             "3600\0",
	             11, "sleep 3600");
	check_escape("nginx: master process nginx -g daemon off;", 42,
	             "nginx: master process nginx -g daemon off;");
	check_escape("a\0\0b\0\0\0", 7, "a  b");
	check_escape("", 0, "");
	/* control bytes, invalid UTF-8, C1 controls escaped; UTF-8 kept */
	check_escape("x\ny\x1b[2J", 8, "x\\x0ay\\x1b[2J");
	check_escape("caf\xc3\xa9 \xff\xfe", 8, "caf\xc3\xa9 \\xff\\xfe");
	check_escape("\xc2\x9b"
	             "1m",
	             4, "\\xc2\\x9b1m");
	check_escape("\xe2\x82", 2, "\\xe2\\x82");
	check_escape("del\x7f", 4, "del\\x7f");
}

static void write_file(const char *path, const char *text)
{
	struct pp_error err = {0};

	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0644, &err), 0);
}

static void test_user_name(void **state)
{
	char dir[] = "/tmp/test-pod-procs.XXXXXX", *name = NULL;
	struct pp_error err = {0};
	char *root, *passwd, *outside;
	int rootfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	root = xstrfmt("%s/root", dir);
	passwd = xstrfmt("%s/etc/passwd", root);
	outside = xstrfmt("%s/outside", dir);
	assert_int_equal(fs_mkdir_p(passwd, 0755, &err), 0);
	assert_int_equal(rmdir(passwd), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	/* no /etc/passwd: no name */
	assert_int_equal(pod_user_name(rootfd, 0, &name, &err), 0);
	assert_null(name);
	write_file(passwd, "root:x:0:0:root:/root:/bin/sh\n# c\nnginx:x:101:101::/:/bin/false\n");
	assert_int_equal(pod_user_name(rootfd, 101, &name, &err), 0);
	assert_string_equal(name, "nginx");
	free(name);
	assert_int_equal(pod_user_name(rootfd, 7, &name, &err), 0);
	assert_null(name);
	/* a passwd that points out of the rootfs is resolved inside it */
	write_file(outside, "evil:x:0:0::/:/bin/sh\n");
	assert_int_equal(unlink(passwd), 0);
	assert_int_equal(symlink("../../outside", passwd), 0);
	assert_int_equal(pod_user_name(rootfd, 0, &name, &err), 0);
	assert_null(name);
	(void)close(rootfd);
	assert_int_equal(fs_rm_rf(dir, &err), 0);
	free(root);
	free(passwd);
	free(outside);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_user_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
