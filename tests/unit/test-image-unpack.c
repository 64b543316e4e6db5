/* SPDX-License-Identifier: Apache-2.0 */
/* The pure pieces of layer unpacking: entry path cleaning (no path may
 * leave the layer) and the tar-bomb bounds read from the environment. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
/* clang-format on */

#include "image/internal.h"
#include "util/error.h"

static void expect_clean(const char *in, const char *want)
{
	char *out = img_path_clean(in);

	if (strcmp(out, want) != 0)
		fail_msg("'%s' cleaned to '%s', want '%s'", in, out, want);
	free(out);
}

static void test_clean_plain(void **state)
{
	(void)state;
	expect_clean("a/b/c", "a/b/c");
	expect_clean("./a/b", "a/b");
	expect_clean("a//b/./c/", "a/b/c");
	expect_clean("", "");
	expect_clean(".", "");
	expect_clean("./", "");
	expect_clean("..a/b..", "..a/b..");
	expect_clean(".wh..wh..opq", ".wh..wh..opq");
}

static void test_clean_never_escapes(void **state)
{
	(void)state;
	expect_clean("..", "");
	expect_clean("../../etc/passwd", "etc/passwd");
	expect_clean("a/../../../etc", "etc");
	expect_clean("a/b/../c", "a/c");
	expect_clean("a/b/../../..", "");
	expect_clean("/etc/shadow", "etc/shadow");
	expect_clean("//..//etc", "etc");
	expect_clean("/../tmp/x/../../.wh.y", ".wh.y");
}

static void expect_limits(const char *bytes, const char *entries, uint64_t want_bytes,
                          uint64_t want_entries)
{
	struct img_layer_limits l = {0};
	struct pp_error err = {0};

	if (bytes)
		setenv("PEAPOD_LAYER_MAX_BYTES", bytes, 1);
	else
		unsetenv("PEAPOD_LAYER_MAX_BYTES");
	if (entries)
		setenv("PEAPOD_LAYER_MAX_ENTRIES", entries, 1);
	else
		unsetenv("PEAPOD_LAYER_MAX_ENTRIES");
	if (img_layer_limits_get(&l, &err) != 0)
		fail_msg("'%s' '%s': %s", bytes, entries, err.msg);
	assert_int_equal(l.max_bytes, want_bytes);
	assert_int_equal(l.max_entries, want_entries);
}

static void expect_bad_limit(const char *name, const char *value)
{
	struct img_layer_limits l = {.max_bytes = 7, .max_entries = 7};
	struct pp_error err = {0};

	unsetenv("PEAPOD_LAYER_MAX_BYTES");
	unsetenv("PEAPOD_LAYER_MAX_ENTRIES");
	setenv(name, value, 1);
	assert_int_equal(img_layer_limits_get(&l, &err), -EINVAL);
	assert_non_null(strstr(err.msg, name));
	assert_non_null(strstr(err.msg, value));
	/* never written on failure */
	assert_int_equal(l.max_bytes, 7);
	assert_int_equal(l.max_entries, 7);
	unsetenv(name);
}

static void test_limits(void **state)
{
	(void)state;
	expect_limits(NULL, NULL, IMG_LAYER_MAX_BYTES, IMG_LAYER_MAX_ENTRIES);
	expect_limits("", "", IMG_LAYER_MAX_BYTES, IMG_LAYER_MAX_ENTRIES);
	assert_int_equal(IMG_LAYER_MAX_BYTES, (uint64_t)32 << 30);
	assert_int_equal(IMG_LAYER_MAX_ENTRIES, 1000000);
	expect_limits("4Mi", "100", 4u << 20, 100);
	expect_limits("1G", "1M", 1000000000, 1000000);
	expect_limits("1048576", "1k", 1048576, 1000);
	expect_bad_limit("PEAPOD_LAYER_MAX_BYTES", "lots");
	expect_bad_limit("PEAPOD_LAYER_MAX_BYTES", "0");
	expect_bad_limit("PEAPOD_LAYER_MAX_BYTES", "-1");
	expect_bad_limit("PEAPOD_LAYER_MAX_ENTRIES", "0");
	expect_bad_limit("PEAPOD_LAYER_MAX_ENTRIES", "many");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_plain),
	    cmocka_unit_test(test_clean_never_escapes),
	    cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
