/* SPDX-License-Identifier: Apache-2.0 */
/* util: error records, confined lookups inside a root, atomic writes,
 * JSON helpers, fd passing. Needs no root; openat2 tests skip where the
 * kernel lacks it. */
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
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static void test_error_format(void **state)
{
	struct pp_error err = {0};

	(void)state;
	assert_int_equal(pp_error(&err, ENOENT, "open '%s'", "x"), -ENOENT);
	assert_string_equal(err.msg, "open 'x': No such file or directory");
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(pp_error(&err, -EPERM, "mount"), -EPERM);
	assert_string_equal(err.msg, "mount: Operation not permitted");
	assert_int_equal(pp_error_msg(&err, 0, "spec.containers[1].image: Required value"),
	                 -EINVAL);
	assert_string_equal(err.msg, "spec.containers[1].image: Required value");
	assert_int_equal(pp_error_prefix(&err, -EINVAL, "pod '%s'", "p"), -EINVAL);
	assert_string_equal(err.msg, "pod 'p': spec.containers[1].image: Required value");
	assert_int_equal(pp_error(NULL, EIO, "no record"), -EIO);
}

static char *tmpdir_make(void)
{
	char *d = xstrdup("/tmp/pp-test-util.XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void tmpdir_remove(char *d)
{
	assert_int_equal(fs_rm_rf(d, NULL), 0);
	free(d);
}

/* A symlink in a rootfs that points at "/" or "../.." stays inside it. */
static void test_open_in_root_confined(void **state)
{
	char *root = tmpdir_make();
	cleanup_free char *p = NULL;
	cleanup_close int rootfd = -1, fd = -1;
	char buf[64] = {0};

	(void)state;
	p = xstrfmt("%s/etc", root);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xstrfmt("%s/etc/passwd", root);
	assert_int_equal(fs_write_atomic(p, "inner\n", 6, 0644, NULL), 0);
	free(p);
	p = xstrfmt("%s/up", root);
	assert_int_equal(symlink("../../../../..", p), 0);
	free(p);
	p = xstrfmt("%s/abs", root);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	fd = fs_open_in_root(rootfd, "/up/etc/passwd", O_RDONLY, 0);
	if (fd == -ENOSYS) {
		tmpdir_remove(root);
		skip();
		return;
	}
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "inner\n");
	close(fd);
	fd = fs_open_in_root(rootfd, "abs", O_RDONLY, 0);
	assert_true(fd >= 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "inner\n");
	tmpdir_remove(root);
}

/* mkdir -p through a symlink to "/" creates inside the root, not on the host. */
static void test_mkdir_in_root_confined(void **state)
{
	char *root = tmpdir_make();
	cleanup_free char *p = NULL, *host = NULL;
	cleanup_close int rootfd = -1;
	int fd;
	struct stat st;

	(void)state;
	p = xstrfmt("%s/escape", root);
	assert_int_equal(symlink("/", p), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	host = xstrfmt("/tmp/pp-test-util-escaped-%d", (int)getpid());
	fd = fs_mkdir_in_root(rootfd, host + 1 /* "tmp/..." */, 0755);
	assert_true(fd >= 0);
	close(fd);
	free(p);
	p = xstrfmt("escape%s/sub", host);
	fd = fs_mkdir_in_root(rootfd, p, 0755);
	assert_true(fd >= 0);
	close(fd);
	free(p);
	p = xstrfmt("%s%s/sub", root, host);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat(host, &st), -1);
	tmpdir_remove(root);
}

static void test_write_atomic_and_read(void **state)
{
	char *root = tmpdir_make();
	cleanup_free char *p = xstrfmt("%s/a/b/f", root), *dir = xstrfmt("%s/a/b", root);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	struct pp_error err = {0};

	(void)state;
	assert_int_equal(fs_mkdir_p(dir, 0755, &err), 0);
	assert_int_equal(fs_write_atomic(p, "hello", 5, 0600, &err), 0);
	assert_int_equal(fs_read_all(p, 100, &buf, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");
	free(buf);
	buf = NULL;
	assert_int_equal(fs_read_all(p, 3, &buf, &len, &err), -EFBIG);
	assert_int_equal(fs_read_all(p, 5, &buf, &len, &err), 0);
	assert_int_equal(len, 5);
	free(buf);
	buf = NULL;
	tmpdir_remove(root);
}

/* fs_read_fd_head: the first bytes, and whether the file goes on. */
static void test_read_fd_head(void **state)
{
	static const struct {
		size_t max;
		int r;
		const char *want;
	} cases[] = {{3, 1, "hel"}, {5, 0, "hello"}, {6, 0, "hello"}, {0, 1, ""}};
	char *root = tmpdir_make();
	cleanup_free char *p = xstrfmt("%s/f", root);
	cleanup_close int fd = -1;
	struct pp_error err = {0};

	(void)state;
	assert_int_equal(fs_write_atomic(p, "hello", 5, 0600, &err), 0);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *buf = NULL;
		size_t len = 0;

		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(fs_read_fd_head(fd, cases[i].max, &buf, &len, &err), cases[i].r);
		assert_int_equal(len, strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
	}
	tmpdir_remove(root);
}

static void test_json_helpers(void **state)
{
	json_object *o = NULL;
	struct pp_error err = {0};
	cleanup_strv char **v = NULL;
	const char *text = "{\"a\": \"x\", \"n\": 5, \"b\": true, \"l\": [\"p\", \"q\"]}";

	(void)state;
	assert_int_equal(json_parse_text(text, strlen(text), "t", &o, &err), 0);
	assert_string_equal(json_get_str(o, "a"), "x");
	assert_null(json_get_str(o, "n"));
	assert_int_equal(json_get_int(o, "n", 0), 5);
	assert_true(json_get_bool(o, "b", false));
	assert_int_equal(json_to_strv(json_get_arr(o, "l"), &v), 0);
	assert_int_equal(strv_len(v), 2);
	assert_string_equal(v[1], "q");
	json_object_put(o);
	assert_int_equal(json_parse_text("{\"a\":1} x", 9, "t", &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "t: invalid JSON"));
	assert_int_equal(json_parse_text("{\"a\":", 5, "t", &o, &err), -EINVAL);
}

/* Open fds of this process. */
static int fd_count(void)
{
	cleanup_dir DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	return n;
}

/* A pipe's read end passed over a socketpair arrives O_CLOEXEC and reads
 * what is written into the pipe. */
static void test_fdpass_one(void **state)
{
	int sv[2], p[2], fd = -1;
	char buf[16] = "";

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fdpass_send(sv[0], "add", 3, p[0]), 0);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), 1000, &fd), 3);
	assert_memory_equal(buf, "add", 3);
	assert_true(fd >= 0 && fd != p[0]);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(p[1], "z", 1), 1);
	assert_int_equal(read(fd, buf, 1), 1);
	assert_int_equal(buf[0], 'z');
	(void)close(fd);
	(void)close(p[0]);
	(void)close(p[1]);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* No fd: the message alone, *ret_fd -1; nothing sent: -ETIMEDOUT; the
 * peer gone: 0. */
static void test_fdpass_none(void **state)
{
	int sv[2], fd = -2;
	char buf[16];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fdpass_send(sv[0], "ready", 5, -1), 0);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), -1, &fd), 5);
	assert_int_equal(fd, -1);
	fd = -2;
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), 10, &fd), -ETIMEDOUT);
	assert_int_equal(fd, -2);
	(void)close(sv[0]);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), 1000, &fd), 0);
	assert_int_equal(fd, -1);
	(void)close(sv[1]);
	assert_int_equal(fdpass_send(sv[1], "x", 1, -1), -EBADF);
}

/* Two fds where one was expected: the control data is truncated
 * (MSG_CTRUNC); the fd that did arrive is closed, none leaks. */
static void test_fdpass_truncated(void **state)
{
	int sv[2], fds[2] = {STDIN_FILENO, STDOUT_FILENO}, fd = -2, before;
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} u = {0};
	struct iovec iov = {.iov_base = "x", .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = u.buf,
	                     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	char buf[16];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	assert_int_equal(sendmsg(sv[0], &msg, 0), 1);
	before = fd_count();
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), 1000, &fd), -EBADMSG);
	assert_int_equal(fd, -2);
	assert_int_equal(fd_count(), before);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_error_format),
	    cmocka_unit_test(test_open_in_root_confined),
	    cmocka_unit_test(test_mkdir_in_root_confined),
	    cmocka_unit_test(test_write_atomic_and_read),
	    cmocka_unit_test(test_read_fd_head),
	    cmocka_unit_test(test_json_helpers),
	    cmocka_unit_test(test_fdpass_one),
	    cmocka_unit_test(test_fdpass_none),
	    cmocka_unit_test(test_fdpass_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
