/* SPDX-License-Identifier: Apache-2.0 */
/* The registries config file: its keys, the one-line errors naming file,
 * line and field, the default and named paths, and the per-host lookups. */
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

#include "image/regconf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static struct img_regconf *parse_ok(const char *text)
{
	struct img_regconf *c = NULL;
	struct pp_error err = {0};

	if (img_regconf_parse(text, strlen(text), "r.yaml", "/etc/peapod", &c, &err) < 0)
		fail_msg("%s", err.msg);
	return c;
}

static void expect_error(const char *text, const char *want)
{
	struct img_regconf *c = NULL;
	struct pp_error err = {0};

	assert_int_equal(img_regconf_parse(text, strlen(text), "r.yaml", "/d", &c, &err), -EINVAL);
	assert_null(c);
	assert_string_equal(err.msg, want);
}

static void test_parse(void **state)
{
	struct img_regconf *c = parse_ok("registries:\n"
	                                 "  - host: registry.example:5000\n"
	                                 "    insecure: true\n"
	                                 "    mirrors: [mirror.local:5000, other.local]\n"
	                                 "  - host: docker.io\n"
	                                 "    mirrors:\n"
	                                 "      - mirror.gcr.io\n"
	                                 "    ca: certs/hub\n"
	                                 "    location: 127.0.0.1:5000\n"
	                                 "  - host: \"[::1]:5000\"\n"
	                                 "    insecure: False\n"
	                                 "    ca: /srv/ca\n");
	const struct img_regconf_host *h;
	char *ca;

	(void)state;
	assert_int_equal(c->n, 3);
	h = img_regconf_find(c, "registry.example:5000");
	assert_non_null(h);
	assert_true(h->insecure);
	assert_string_equal(h->mirrors[0], "mirror.local:5000");
	assert_string_equal(h->mirrors[1], "other.local");
	assert_null(h->mirrors[2]);
	h = img_regconf_find(c, "docker.io");
	assert_false(h->insecure);
	assert_string_equal(h->mirrors[0], "mirror.gcr.io");
	assert_string_equal(h->ca, "/etc/peapod/certs/hub");
	assert_string_equal(h->location, "127.0.0.1:5000");
	assert_null(img_regconf_find(c, "registry.example:5000")->location);
	assert_false(img_regconf_find(c, "[::1]:5000")->insecure);
	assert_null(img_regconf_find(c, "registry.example"));
	assert_null(img_regconf_find(NULL, "docker.io"));

	ca = img_regconf_ca_dir(c, "registry.example:5000");
	assert_string_equal(ca, "/etc/peapod/certs.d/registry.example:5000");
	free(ca);
	ca = img_regconf_ca_dir(c, "[::1]:5000");
	assert_string_equal(ca, "/srv/ca");
	free(ca);
	ca = img_regconf_ca_dir(c, "unlisted:1");
	assert_string_equal(ca, "/etc/peapod/certs.d/unlisted:1");
	free(ca);
	img_regconf_free(c);

	c = parse_ok("");
	assert_int_equal(c->n, 0);
	img_regconf_free(c);
	c = parse_ok("registries:\n");
	assert_int_equal(c->n, 0);
	img_regconf_free(c);
	c = parse_ok("registries: []\n");
	assert_int_equal(c->n, 0);
	img_regconf_free(c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("registries:\n  - host: a\n    insecur: true\n",
	             "r.yaml:3: registries[0].insecur: unknown or repeated key (want host, "
	             "location, insecure, mirrors, ca)");
	expect_error("registries:\n  - host: a\n    location: http://b/c\n",
	             "r.yaml:3: registries[0].location: must be a host[:port] without scheme or "
	             "path");
	expect_error("registries:\n  - host: a\n  - host: b\n    insecure: yes\n",
	             "r.yaml:4: registries[1].insecure: must be true or false");
	expect_error("registries:\n  - host: a\n    insecure: \"true\"\n",
	             "r.yaml:3: registries[0].insecure: must be true or false");
	expect_error("registries:\n  - host: a\n    mirrors: m.local\n",
	             "r.yaml:3: registries[0].mirrors: must be a list of host[:port]");
	expect_error("registries:\n  - host: a\n    mirrors: [m.local, https://x/y]\n",
	             "r.yaml:3: registries[0].mirrors[1]: must be a host[:port] without scheme or "
	             "path");
	expect_error("registries:\n  - host: a\n    insecure: true\n    insecure: false\n",
	             "r.yaml:4: registries[0].insecure: unknown or repeated key (want host, "
	             "location, insecure, mirrors, ca)");
	expect_error("registries:\n  - host: a\n    mirrors: []\n    mirrors: [b]\n",
	             "r.yaml:4: registries[0].mirrors: unknown or repeated key (want host, "
	             "location, insecure, mirrors, ca)");
	expect_error("registries:\n  - insecure: true\n",
	             "r.yaml:2: registries[0]: host: required");
	expect_error("registries:\n  - host: a\n  - host: a\n",
	             "r.yaml:3: registries: a host listed twice");
	expect_error("registries:\n  - host: [a]\n",
	             "r.yaml:2: registries[0].host: must be a host[:port] string");
	expect_error("registries:\n  host: a\n", "r.yaml:2: registries: must be a list");
	expect_error("mirrors: []\n",
	             "r.yaml:1: mirrors: unknown or repeated key (want registries)");
	expect_error("- a\n", "r.yaml:1: (top): must be a mapping with the key registries");
	expect_error("registries: [\n", "r.yaml:2: did not find expected node content");
}

static void test_load(void **state)
{
	char dir[] = "/tmp/test-regconf-XXXXXX";
	struct img_regconf *c = NULL;
	struct pp_error err = {0};
	char *path, *missing;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xstrfmt("%s/registries.yaml", dir);
	missing = xstrfmt("%s/missing.yaml", dir);
	assert_int_equal(fs_write_atomic(path, "registries:\n  - host: h:1\n", 26, 0600, &err), 0);

	assert_int_equal(unsetenv(IMG_REGCONF_ENV), 0);
	assert_int_equal(img_regconf_load(path, &c, &err), 0);
	assert_string_equal(c->dir, dir);
	assert_non_null(img_regconf_find(c, "h:1"));
	c = img_regconf_free(c);

	/* a file named by the caller or the environment must exist */
	assert_int_equal(img_regconf_load(missing, &c, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "missing.yaml"));
	assert_int_equal(setenv(IMG_REGCONF_ENV, missing, 1), 0);
	assert_int_equal(img_regconf_load(NULL, &c, &err), -ENOENT);
	assert_int_equal(setenv(IMG_REGCONF_ENV, path, 1), 0);
	assert_int_equal(img_regconf_load(NULL, &c, &err), 0);
	assert_int_equal(c->n, 1);
	c = img_regconf_free(c);
	assert_int_equal(unsetenv(IMG_REGCONF_ENV), 0);

	(void)unlink(path);
	(void)rmdir(dir);
	free(path);
	free(missing);
}

static void put(const char *dir, const char *name, const char *text)
{
	struct pp_error err = {0};
	char *p = xstrfmt("%s/%s", dir, name);

	assert_int_equal(fs_write_atomic(p, text, strlen(text), 0600, &err), 0);
	free(p);
}

static void test_tls(void **state)
{
	char dir[] = "/tmp/test-regconf-XXXXXX";
	struct img_regconf *c = NULL;
	struct img_regconf_tls t = {0};
	struct pp_error err = {0};
	char *host, *bundle;

	(void)state;
	assert_non_null(mkdtemp(dir));
	host = xstrfmt("%s/certs.d/reg:5000", dir);
	assert_int_equal(fs_mkdir_p(host, 0700, &err), 0);
	put(host, "a.crt", "A");
	put(host, "b.crt", "B");
	put(host, "notes.txt", "N");
	put(dir, "bundle.pem", "SYSTEM");
	bundle = xstrfmt("%s/bundle.pem", dir);
	assert_int_equal(img_regconf_parse("", 0, "r.yaml", dir, &c, &err), 0);

	/* the system bundle first, then every *.crt; no client pair yet */
	assert_int_equal(img_regconf_tls(c, "reg:5000", bundle, &t, &err), 0);
	assert_string_equal(t.dir, host);
	assert_int_equal(t.len, strlen(t.pem));
	assert_memory_equal(t.pem, "SYSTEM\n", 7);
	assert_non_null(strstr(t.pem, "A\n"));
	assert_non_null(strstr(t.pem, "B\n"));
	assert_null(strstr(t.pem, "N"));
	assert_null(t.cert);
	img_regconf_tls_clear(&t);

	/* a client certificate counts only with its key */
	put(host, "client.cert", "C");
	assert_int_equal(img_regconf_tls(c, "reg:5000", NULL, &t, &err), 0);
	assert_null(t.cert);
	assert_int_equal(t.len, 4);
	img_regconf_tls_clear(&t);
	put(host, "client.key", "K");
	assert_int_equal(img_regconf_tls(c, "reg:5000", NULL, &t, &err), 0);
	assert_non_null(strstr(t.cert, "/certs.d/reg:5000/client.cert"));
	assert_non_null(strstr(t.key, "/certs.d/reg:5000/client.key"));
	img_regconf_tls_clear(&t);
	img_regconf_tls_clear(&t);

	/* no folder: nothing to add */
	assert_int_equal(img_regconf_tls(c, "other", bundle, &t, &err), 0);
	assert_null(t.pem);
	assert_null(t.cert);
	img_regconf_tls_clear(&t);
	img_regconf_free(c);

	assert_int_equal(fs_rm_rf(dir, &err), 0);
	free(host);
	free(bundle);
}

static void test_local(void **state)
{
	(void)state;
	assert_true(img_regconf_is_local("localhost"));
	assert_true(img_regconf_is_local("localhost:5000"));
	assert_true(img_regconf_is_local("127.0.0.1:5000"));
	assert_true(img_regconf_is_local("[::1]:5000"));
	assert_true(img_regconf_is_local("::1"));
	assert_false(img_regconf_is_local("127.0.0.2:5000"));
	assert_false(img_regconf_is_local("localhost.example"));
	assert_false(img_regconf_is_local("docker.io"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_load),  cmocka_unit_test(test_tls),
	    cmocka_unit_test(test_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
