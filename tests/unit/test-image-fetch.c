/* SPDX-License-Identifier: Apache-2.0 */
/* A pull's downloads without a registry: a layer unpacked from a source
 * that hands out its bytes a few at a time (as a download does), and the
 * removal of old partial downloads nobody holds. */
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

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/stat.h>

#include "image/fetch.h"
#include "image/image.h"
#include "image/internal.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* A source of at most 3 bytes a read, over a buffer. */
struct trickle {
	const char *p;
	size_t len, off;
};

static ssize_t trickle_read(void *data, void *buf, size_t n)
{
	struct trickle *t = data;
	size_t k = t->len - t->off;

	if (k > 3)
		k = 3;
	if (k > n)
		k = n;
	memcpy(buf, t->p + t->off, k);
	t->off += k;
	return (ssize_t)k;
}

/* A tar of one file "hello" holding "hi\n" into buf; gzip-compressed when
 * gz. Returns its length. */
static size_t make_tar(char *buf, size_t max, bool gz)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;

	assert_non_null(a);
	if (gz)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, max, &used), ARCHIVE_OK);
	archive_entry_set_pathname(e, "hello");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 3);
	archive_entry_set_mtime(e, 1700000000, 0);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, "hi\n", 3), 3);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_entry_free(e);
	(void)archive_write_free(a); /* closed above */
	return used;
}

static void test_unpack_trickle(void **state)
{
	char dir[] = "/tmp/test-image-fetch.XXXXXX";
	static char tar[16384], gz[16384];
	size_t tar_len = make_tar(tar, sizeof(tar), false);
	struct trickle t = {.p = gz, .len = make_tar(gz, sizeof(gz), true)};
	struct img_layer_src src = {.read = trickle_read, .data = &t};
	char diffid[IMG_HEX_LEN + 1], *p, *body = NULL;
	struct img_sha256 h;
	struct pp_error err = {0};
	size_t len = 0;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the layer's files are chowned to root */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(img_sha256_init(&h, &err), 0);
	img_sha256_update(&h, tar, tar_len);
	img_sha256_final(&h, diffid);
	/* a wrong diff-id: refused, no folder */
	assert_int_equal(img_layer_unpack_src(&src, dir, "0123", "trickle", &err), -EINVAL);
	assert_non_null(strstr(err.msg, diffid));
	p = xstrfmt("%s/0123", dir);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	t.off = 0;
	assert_int_equal(img_layer_unpack_src(&src, dir, diffid, "trickle", &err), 0);
	assert_int_equal(t.off, t.len); /* read to its end */
	p = xstrfmt("%s/%s/hello", dir, diffid);
	assert_int_equal(fs_read_all(p, 100, &body, &len, &err), 0);
	assert_string_equal(body, "hi\n");
	free(body);
	free(p);
	p = xstrfmt("%s/%s.done", dir, diffid);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	assert_int_equal(fs_rm_rf(dir, NULL), 0);
}

/* A partial file written age seconds ago. */
static char *partial(const char *dir, const char *name, time_t age)
{
	char *p = xstrfmt("%s/tmp/partial/%s", dir, name);
	struct timespec ts[2] = {{.tv_sec = time(NULL) - age}, {.tv_sec = time(NULL) - age}};
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(futimens(fd, ts), 0);
	assert_int_equal(close(fd), 0);
	return p;
}

static void test_prune_partials(void **state)
{
	char dir[] = "/tmp/test-image-fetch.XXXXXX";
	struct img_store *s = NULL;
	struct pp_error err = {0};
	char *pdir, *old, *young, *held;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(img_store_open(dir, &s, &err), 0);
	pdir = xstrfmt("%s/tmp/partial", dir);
	assert_int_equal(fs_mkdir_p(pdir, 0700, &err), 0);
	old = partial(dir, "old", (time_t)2 * 86400);
	young = partial(dir, "young", 60);
	held = partial(dir, "held", (time_t)2 * 86400);
	fd = open(held, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0); /* a pull downloads into it */
	assert_int_equal(img_fetch_prune_partials(s, 86400), 1);
	assert_int_equal(access(old, F_OK), -1);
	assert_int_equal(access(young, F_OK), 0);
	assert_int_equal(access(held, F_OK), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(img_fetch_prune_partials(s, 86400), 1);
	assert_int_equal(access(held, F_OK), -1);
	free(old);
	free(young);
	free(held);
	free(pdir);
	img_store_free(s);
	assert_int_equal(fs_rm_rf(dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unpack_trickle),
	    cmocka_unit_test(test_prune_partials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
