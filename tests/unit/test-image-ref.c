/* SPDX-License-Identifier: Apache-2.0 */
/* Reference normalisation as Docker does it, and the "latest" rule. */
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

#include "image/image.h"
#include "util/error.h"

static void expect_norm(const char *in, const char *want)
{
	struct pp_error err = {0};
	char *out = NULL;
	int r = img_ref_normalize(in, &out, &err);

	if (r != 0)
		fail_msg("'%s': %s", in, err.msg);
	assert_string_equal(out, want);
	free(out);
}

static void expect_bad(const char *in)
{
	struct pp_error err = {0};
	char *out = NULL;
	int r = img_ref_normalize(in, &out, &err);

	if (r != -EINVAL)
		fail_msg("'%s' accepted as '%s'", in, out ? out : "(null)");
	assert_null(out);
	assert_int_equal(err.code, EINVAL);
	/* the message names the reference */
	assert_non_null(strstr(err.msg, "invalid reference"));
	if (strlen(in) < 64)
		assert_non_null(strstr(err.msg, in));
}

static void test_docker_hub(void **state)
{
	(void)state;
	expect_norm("nginx", "docker.io/library/nginx:latest");
	expect_norm("busybox:1.28", "docker.io/library/busybox:1.28");
	expect_norm("library/nginx", "docker.io/library/nginx:latest");
	expect_norm("docker.io/nginx", "docker.io/library/nginx:latest");
	expect_norm("docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25");
	expect_norm("index.docker.io/nginx", "docker.io/library/nginx:latest");
	expect_norm("bitnami/redis:7.2", "docker.io/bitnami/redis:7.2");
	expect_norm("a/b/c", "docker.io/a/b/c:latest");
	expect_norm("nginx:Latest_1.2-x", "docker.io/library/nginx:Latest_1.2-x");
}

static void test_registries(void **state)
{
	(void)state;
	expect_norm("myreg:5000/a/b", "myreg:5000/a/b:latest");
	expect_norm("myreg:5000/a/b:v1", "myreg:5000/a/b:v1");
	expect_norm("localhost/app", "localhost/app:latest");
	expect_norm("localhost:5000/app:1", "localhost:5000/app:1");
	expect_norm("quay.io/coreos/etcd:v3.5", "quay.io/coreos/etcd:v3.5");
	expect_norm("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9");
	expect_norm("127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest");
	expect_norm("gcr.io/x", "gcr.io/x:latest");
	/* a registry is never given the library/ prefix */
	expect_norm("quay.io/nginx", "quay.io/nginx:latest");
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_digests(void **state)
{
	(void)state;
	expect_norm("nginx@sha256:" HEX64, "docker.io/library/nginx@sha256:" HEX64);
	expect_norm("quay.io/a/b@sha256:" HEX64, "quay.io/a/b@sha256:" HEX64);
	expect_norm("nginx:1.25@sha256:" HEX64, "docker.io/library/nginx@sha256:" HEX64);
	expect_norm("myreg:5000/a@sha256:" HEX64, "myreg:5000/a@sha256:" HEX64);
}

static void test_separators(void **state)
{
	(void)state;
	expect_norm("a.b_c__d-e--f", "docker.io/library/a.b_c__d-e--f:latest");
	expect_norm("x/y.z", "docker.io/x/y.z:latest");
}

static void test_invalid(void **state)
{
	(void)state;
	expect_bad("");
	expect_bad("Nginx");
	expect_bad("docker.io/Library/nginx");
	expect_bad("nginx:");
	expect_bad("nginx:-bad");
	expect_bad("nginx:a b");
	expect_bad("ng inx");
	expect_bad("nginx@sha256:abc");
	expect_bad("nginx@sha256:"
	           "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef");
	expect_bad("nginx@md5:" HEX64);
	expect_bad("a//b");
	expect_bad("/nginx");
	expect_bad("nginx/");
	expect_bad("-nginx");
	expect_bad("nginx-");
	expect_bad("a..b");
	expect_bad("a___b");
	expect_bad("myreg:port/a");
	expect_bad(":5000/a");
	expect_bad("-reg.io/a");
	{
		char tag[6 + 129 + 1] = "nginx:";

		memset(tag + 6, 'a', 129); /* tags are at most 128 characters */
		tag[6 + 129] = '\0';
		expect_bad(tag);
		tag[6 + 128] = '\0';
		{
			char want[256];

			(void)snprintf(want, sizeof(want), "docker.io/library/%s", tag);
			expect_norm(tag, want);
		}
	}
	expect_bad(HEX64);
	expect_bad("ngin$x");
	expect_bad("ngin\nx");
}

static void test_error_names_ref(void **state)
{
	struct pp_error err = {0};
	char *out = NULL;

	(void)state;
	assert_int_equal(img_ref_normalize("Busybox:1.28", &out, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'Busybox:1.28'"));
}

static void test_is_latest(void **state)
{
	(void)state;
	assert_true(img_ref_is_latest("docker.io/library/nginx:latest"));
	assert_true(img_ref_is_latest("nginx"));
	assert_true(img_ref_is_latest("myreg:5000/a"));
	assert_false(img_ref_is_latest("myreg:5000/a:1"));
	assert_false(img_ref_is_latest("docker.io/library/busybox:1.28"));
	assert_false(img_ref_is_latest("nginx@sha256:" HEX64));
	assert_false(img_ref_is_latest("nginx:latest@sha256:" HEX64));
	assert_false(img_ref_is_latest("nginx:latest2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_docker_hub), cmocka_unit_test(test_registries),
	    cmocka_unit_test(test_digests),    cmocka_unit_test(test_separators),
	    cmocka_unit_test(test_invalid),    cmocka_unit_test(test_error_names_ref),
	    cmocka_unit_test(test_is_latest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
