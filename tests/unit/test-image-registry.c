/* SPDX-License-Identifier: Apache-2.0 */
/* The registry client's pure parts: WWW-Authenticate parameters, the
 * credentials of a Docker-style config.json, and the platform an index
 * resolves to. */
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

#include <sys/utsname.h>

#include "image/image.h"
#include "image/internal.h"
#include "image/registry.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static void expect_param(const char *challenge, const char *key, const char *want)
{
	char *got = img_auth_param(challenge, key);

	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void test_challenge(void **state)
{
	const char *hub =
	    "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
	    "scope=\"repository:library/busybox:pull\"";

	(void)state;
	expect_param(hub, "realm", "https://auth.docker.io/token");
	expect_param(hub, "service", "registry.docker.io");
	expect_param(hub, "scope", "repository:library/busybox:pull");
	expect_param(hub, "error", NULL);
	expect_param("Basic realm=\"peapod test\"", "realm", "peapod test");
	expect_param("Bearer realm=plain, Service=\"a\\\"b\"", "service", "a\"b");
	expect_param("Bearer realm=plain, Service=\"a\\\"b\"", "realm", "plain");
	expect_param("Bearer", "realm", NULL);
	expect_param("Bearer realm=\"unterminated", "realm", "unterminated");
}

/* A config.json in a fresh folder; returns its path (caller frees). */
static char *write_auth(const char *dir, const char *name, const char *json)
{
	char *p = xstrfmt("%s/%s", dir, name);
	struct pp_error err = {0};

	if (fs_write_atomic(p, json, strlen(json), 0600, &err) < 0)
		fail_msg("%s", err.msg);
	return p;
}

static void expect_cred(const char *file, const char *domain, const char *want)
{
	struct pp_error err = {0};
	char *got = NULL;

	if (img_auth_lookup(file, domain, &got, &err) < 0)
		fail_msg("%s", err.msg);
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void test_auth_file(void **state)
{
	char dir[] = "/tmp/test-image-registry.XXXXXX";
	struct pp_error err = {0};
	char *f, *xdg, *got = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	f = write_auth(
	    dir, "a.json",
	    "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"aHViOnB3\"},"
	    " \"http://127.0.0.1:5000\": {\"username\": \"peapod\", \"password\": \"s3cret\"},"
	    " \"quay.io\": {}}}");
	expect_cred(f, "docker.io", "aHViOnB3");
	expect_cred(f, "127.0.0.1:5000", "cGVhcG9kOnMzY3JldA=="); /* peapod:s3cret */
	expect_cred(f, "127.0.0.1:5001", NULL);
	expect_cred(f, "quay.io", NULL);
	free(f);
	/* a named file that is missing is an error, the default paths are not */
	f = xstrfmt("%s/missing.json", dir);
	assert_int_equal(img_auth_lookup(f, "quay.io", &got, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "missing.json"));
	free(f);
	assert_int_equal(setenv("HOME", dir, 1), 0);
	xdg = xstrfmt("%s/xdg", dir);
	assert_int_equal(setenv("XDG_RUNTIME_DIR", xdg, 1), 0);
	expect_cred(NULL, "quay.io", NULL);
	assert_int_equal(fs_mkdir_p(xdg, 0700, &err), 0);
	f = xstrfmt("%s/containers", xdg);
	assert_int_equal(fs_mkdir_p(f, 0700, &err), 0);
	free(f);
	free(write_auth(xdg, "containers/auth.json",
	                "{\"auths\": {\"quay.io\": {\"auth\": \"cTpw\"}}}"));
	expect_cred(NULL, "quay.io", "cTpw");
	/* an "auth" that is not base64 of user:password is an error naming it */
	f = write_auth(dir, "bad.json", "{\"auths\": {\"quay.io\": {\"auth\": \"!!!notbase64\"}}}");
	assert_int_equal(img_auth_lookup(f, "quay.io", &got, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "auths.\"quay.io\".auth: not the base64 of user:password"));
	free(f);
	f = write_auth(dir, "nocolon.json", "{\"auths\": {\"quay.io\": {\"auth\": \"cXA=\"}}}");
	assert_int_equal(img_auth_lookup(f, "quay.io", &got, &err), -EINVAL);
	free(f);
	assert_null(got);
	assert_int_equal(fs_rm_rf(dir, NULL), 0);
	free(xdg);
}

static const char *machine_goarch(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return NULL;
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return NULL;
}

static void test_index_pick(void **state)
{
	const char *arch = machine_goarch(), *want = NULL;
	const char *other = arch && strcmp(arch, "amd64") == 0 ? "arm64" : "amd64";
	json_object *idx = NULL, *d;
	char *text;

	(void)state;
	if (arch == NULL)
		skip();
	text = xstrfmt(
	    "{\"manifests\": ["
	    "{\"digest\": \"sha256:1\", \"platform\": {\"os\": \"linux\", \"architecture\": \"%s\"}},"
	    "{\"digest\": \"sha256:2\", \"platform\": {\"os\": \"unknown\", \"architecture\": \"unknown\"}},"
	    "{\"digest\": \"sha256:3\", \"platform\": {\"os\": \"linux\", \"architecture\": \"%s\"}}]}",
	    other, arch);
	assert_int_equal(json_parse_text(text, strlen(text), "index", &idx, NULL), 0);
	d = img_index_pick(idx, &want);
	assert_non_null(d);
	assert_string_equal(json_get_str(d, "digest"), "sha256:3");
	assert_non_null(strstr(want, arch));
	json_object_put(idx);
	free(text);
	text = xstrfmt("{\"manifests\": [{\"digest\": \"sha256:1\", \"platform\": {\"os\": "
	               "\"linux\", \"architecture\": \"%s\"}}]}",
	               other);
	assert_int_equal(json_parse_text(text, strlen(text), "index", &idx, NULL), 0);
	assert_null(img_index_pick(idx, &want));
	json_object_put(idx);
	free(text);
}

/* A progress line goes from the pulling process to the one showing it. */
static void test_progress_line(void **state)
{
	static const char hex[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct img_progress in = {IMG_PROGRESS_BYTES, "blob", hex, 4096, 1048576}, out;
	char line[IMG_PROGRESS_LINE];
	size_t n;
	char bad1[] = "bytes blob nothex 1 2\n", bad2[] = "weird blob - 1 2",
	     bad3[] = "done blob - -1 2";
	char bad4[] = "done blob - 1 2 3", bad5[] = "done blob - 1";

	(void)state;
	n = img_progress_format(&in, line);

	assert_int_equal(n, strlen(line));
	assert_int_equal(img_progress_parse(line, &out), 0);
	assert_int_equal(out.state, IMG_PROGRESS_BYTES);
	assert_string_equal(out.kind, "blob");
	assert_string_equal(out.hex, hex);
	assert_int_equal(out.done, 4096);
	assert_int_equal(out.total, 1048576);
	assert_int_equal(img_progress_parse(bad1, &out), -EINVAL);
	assert_int_equal(img_progress_parse(bad2, &out), -EINVAL);
	assert_int_equal(img_progress_parse(bad3, &out), -EINVAL);
	assert_int_equal(img_progress_parse(bad4, &out), -EINVAL);
	assert_int_equal(img_progress_parse(bad5, &out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_challenge),
	    cmocka_unit_test(test_auth_file),
	    cmocka_unit_test(test_index_pick),
	    cmocka_unit_test(test_progress_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
