/* SPDX-License-Identifier: Apache-2.0 */
/* pea --systemd-cgroup: a cgroupsPath "slice:prefix:name" laid out as
 * systemd lays out the unit (runc's ExpandSlice and getUnitName), and the
 * shapes and slice names refused. */
/* cmocka.h needs these first. */
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

#include "runtime/internal.h"
#include "util/error.h"

static void expect_path(const char *spec, const char *want)
{
	struct pp_error err = {0};
	char *got = NULL;

	assert_int_equal(rt_cgroup_systemd_path(spec, &got, &err), 0);
	assert_string_equal(got, want);
	free(got);
}

static void expect_refused(const char *spec, const char *msg)
{
	struct pp_error err = {0};
	char *got = NULL;

	assert_int_equal(rt_cgroup_systemd_path(spec, &got, &err), -EINVAL);
	assert_null(got);
	assert_non_null(strstr(err.msg, msg));
}

static void test_layout(void **state)
{
	(void)state;
	expect_path("system.slice:docker:abc", "/system.slice/docker-abc.scope");
	expect_path("kubepods-besteffort-pod12.slice:cri-containerd:f00",
	            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/"
	            "cri-containerd-f00.scope");
	expect_path(":pea:c", "/system.slice/pea-c.scope");
	expect_path("-.slice:pea:c", "/pea-c.scope");
	expect_path("machine.slice:x:inner.slice", "/machine.slice/inner.slice");
}

static void test_refused(void **state)
{
	(void)state;
	expect_refused("/a/b", "expected \"slice:prefix:name\"");
	expect_refused("a:b", "expected \"slice:prefix:name\"");
	expect_refused("a:b:c:d", "expected \"slice:prefix:name\"");
	expect_refused("a--b.slice:p:n", "invalid slice name");
	expect_refused("-a.slice:p:n", "invalid slice name");
	expect_refused("system:p:n", "invalid slice or name");
	expect_refused("system.slice:p:", "invalid slice or name");
	expect_refused("system.slice:p:../x", "invalid slice or name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
