/* SPDX-License-Identifier: Apache-2.0 */
/* seccompProfile, appArmorProfile and seLinuxOptions: the API server's
 * checks, the profile the kubelet picks for a container, round trips; and
 * the linux.seccomp a container gets (pod/seccomp.c): containerd's
 * RuntimeDefault by capabilities, arch and kernel, Localhost, Unconfined. */
/* cmocka.h needs these headers first */
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

#include <errno.h>

#include "pod/seccomp.h"
#include "spec/pod.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

#define HEAD  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
#define C0    HEAD "spec:\n  containers:\n  - name: c\n    image: busybox\n"
#define CSC   C0 "    securityContext:\n"
#define PATH0 "spec.containers[0].securityContext."

static int parse(const char *text, struct pod **ret, struct pp_error *err)
{
	size_t n = 0;

	return pod_spec_parse_yaml(text, strlen(text), "p.yaml", ret, &n, err);
}

static struct pod *parse_ok(const char *text)
{
	struct pp_error err = {0};
	struct pod *p = NULL;
	int r = parse(text, &p, &err);

	if (r != 0)
		print_error("unexpected error: %s\n", err.msg);
	assert_int_equal(r, 0);
	return p;
}

static void test_validation(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {CSC "      seccompProfile: {type: Localhost}\n", PATH0
	     "seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost"},
	    {CSC "      seccompProfile: {type: Localhost, localhostProfile: a/../../x.json}\n",
	     PATH0
	     "seccompProfile.localhostProfile: Invalid value: \"a/../../x.json\": must not contain '..'"},
	    {CSC "      seccompProfile: {type: Localhost, localhostProfile: /etc/x.json}\n", PATH0
	     "seccompProfile.localhostProfile: Invalid value: \"/etc/x.json\": must be a relative path"},
	    {CSC "      seccompProfile: {type: RuntimeDefault, localhostProfile: x.json}\n", PATH0
	     "seccompProfile.localhostProfile: Invalid value: \"<object>\": can only be set when seccomp type is Localhost"},
	    {CSC "      seccompProfile: {type: Strict}\n", PATH0
	     "seccompProfile.type: Unsupported value: \"Strict\": supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\""},
	    {CSC "      seccompProfile: {}\n", PATH0
	     "seccompProfile.type: Required value: type is required when seccompProfile is set"},
	    {C0 "  securityContext: {seccompProfile: {type: Localhost}}\n",
	     "spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost"},
	    {C0 "  securityContext: {appArmorProfile: {type: Unconfined, localhostProfile: x}}\n",
	     "spec.securityContext.appArmorProfile.localhostProfile: Invalid value: \"x\": can only be set when AppArmor type is Localhost"},
	    {CSC "      appArmorProfile: {type: Localhost}\n", PATH0
	     "appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost"},
	    {CSC "      appArmorProfile: {type: Localhost, localhostProfile: ' x'}\n", PATH0
	     "appArmorProfile.localhostProfile: Invalid value: \" x\": must not be padded with whitespace"},
	    {CSC "      appArmorProfile: {type: Other}\n", PATH0
	     "appArmorProfile.type: Unsupported value: \"Other\": supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\""},
	    {CSC "      seLinuxOptions: {level: 3}\n",
	     PATH0 "seLinuxOptions.level: Invalid value: 3: expected string"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pp_error err = {0};
		struct pod *p = NULL;

		assert_int_equal(parse(cases[i].text, &p, &err), -EINVAL);
		if (strstr(err.msg, cases[i].msg) == NULL)
			print_error("case %zu: got '%s'\n", i, err.msg);
		assert_non_null(strstr(err.msg, cases[i].msg));
	}
}

static void test_effective(void **state)
{
	struct pod *p = parse_ok(
	    HEAD
	    "  annotations: {container.apparmor.security.beta.kubernetes.io/b: localhost/k8s-x}\n"
	    "spec:\n  securityContext:\n"
	    "    seccompProfile: {type: Unconfined}\n"
	    "    appArmorProfile: {type: RuntimeDefault}\n"
	    "  containers:\n  - name: a\n    image: busybox\n"
	    "    securityContext: {seccompProfile: {type: Localhost, localhostProfile: p/x.json}}\n"
	    "  - name: b\n    image: busybox\n"
	    "    securityContext: {seLinuxOptions: {level: 's0:c1'}}\n");
	struct pod_profile sp, ap;

	(void)state;
	pod_seccomp_effective(p, &p->containers[0], &sp);
	assert_string_equal(sp.type, "Localhost");
	assert_string_equal(sp.localhost_profile, "p/x.json");
	pod_seccomp_effective(p, &p->containers[1], &sp);
	assert_string_equal(sp.type, "Unconfined");
	pod_apparmor_effective(p, &p->containers[0], &ap);
	assert_string_equal(ap.type, "RuntimeDefault");
	/* the annotation stands for b's field, before the pod's */
	pod_apparmor_effective(p, &p->containers[1], &ap);
	assert_string_equal(ap.type, "Localhost");
	assert_string_equal(ap.localhost_profile, "k8s-x");
	assert_false(pod_selinux_is_set(p, &p->containers[0]));
	assert_true(pod_selinux_is_set(p, &p->containers[1]));
	pod_free(p);
}

static void test_round_trip(void **state)
{
	struct pod *p =
	    parse_ok(C0 "    securityContext:\n"
	                "      seccompProfile: {type: Localhost, localhostProfile: x.json}\n"
	                "      appArmorProfile: {type: Unconfined}\n"
	                "      seLinuxOptions: {user: u, role: r, type: t, level: 's0'}\n"
	                "  securityContext: {seccompProfile: {type: RuntimeDefault}}\n");
	struct pp_error err = {0};
	struct pod *q = NULL;
	json_object *o = pod_spec_to_json(p);
	json_object *sc = json_get_obj(json_get_obj(o, "spec"), "securityContext");

	(void)state;
	assert_string_equal(json_get_str(json_get_obj(sc, "seccompProfile"), "type"),
	                    "RuntimeDefault");
	assert_int_equal(pod_spec_from_json(o, &q, &err), 0);
	assert_true(pod_spec_equal(p, q));
	assert_string_equal(q->containers[0].selinux.level, "s0");
	json_object_put(o);
	pod_free(q);
	pod_free(p);
}

/* Does linux.seccomp s hold a rule naming syscall name? Its action then. */
static const char *rule_for(json_object *s, const char *name, int *ret_n_args)
{
	json_object *rules = json_get_arr(s, "syscalls");

	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		json_object *r = json_object_array_get_idx(rules, i);
		json_object *names = json_get_arr(r, "names");

		for (size_t k = 0; k < json_object_array_length(names); k++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(names, k)),
			           name) == 0) {
				json_object *args = json_get_arr(r, "args");

				*ret_n_args =
				    args != NULL ? (int)json_object_array_length(args) : 0;
				return json_get_str(r, "action");
			}
	}
	return NULL;
}

static json_object *caps_of(const char *a, const char *b)
{
	json_object *caps = json_object_new_array();

	json_object_array_add(caps, json_object_new_string(a));
	if (b != NULL)
		json_object_array_add(caps, json_object_new_string(b));
	return caps;
}

static void test_runtime_default(void **state)
{
	json_object *caps = caps_of("CAP_CHOWN", "CAP_KILL");
	json_object *s = pod_seccomp_runtime_default(caps, "x86_64", "6.1.0-18-amd64");
	json_object *arches = json_get_arr(s, "architectures");
	int n = -1;

	(void)state;
	assert_string_equal(json_get_str(s, "defaultAction"), "SCMP_ACT_ERRNO");
	assert_int_equal(json_object_array_length(arches), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(arches, 0)),
	                    "SCMP_ARCH_X86_64");
	assert_null(rule_for(s, "unshare", &n));
	assert_null(rule_for(s, "mount", &n));
	assert_null(rule_for(s, "keyctl", &n));
	assert_null(rule_for(s, "process_vm_readv", &n));
	assert_string_equal(rule_for(s, "arch_prctl", &n), "SCMP_ACT_ALLOW");
	assert_string_equal(rule_for(s, "ptrace", &n), "SCMP_ACT_ALLOW");
	/* clone without namespace flags only; clone3 gives ENOSYS */
	assert_string_equal(rule_for(s, "clone", &n), "SCMP_ACT_ALLOW");
	assert_int_equal(n, 1);
	assert_string_equal(rule_for(s, "clone3", &n), "SCMP_ACT_ERRNO");
	json_object_put(s);
	json_object_put(caps);

	/* CAP_SYS_ADMIN opens the namespace and mount calls, clone unrestricted */
	caps = caps_of("CAP_SYS_ADMIN", NULL);
	s = pod_seccomp_runtime_default(caps, "x86_64", "4.4.0");
	assert_string_equal(rule_for(s, "unshare", &n), "SCMP_ACT_ALLOW");
	assert_string_equal(rule_for(s, "mount", &n), "SCMP_ACT_ALLOW");
	assert_string_equal(rule_for(s, "clone", &n), "SCMP_ACT_ALLOW");
	assert_int_equal(n, 0);
	assert_string_equal(rule_for(s, "clone3", &n), "SCMP_ACT_ALLOW");
	assert_null(rule_for(s, "ptrace", &n)); /* before 4.8 */
	json_object_put(s);
	json_object_put(caps);

	/* s390x: clone's flags are its second argument; no x86 calls */
	caps = caps_of("CAP_SYS_PTRACE", NULL);
	s = pod_seccomp_runtime_default(caps, "s390x", "5.10");
	assert_null(rule_for(s, "arch_prctl", &n));
	assert_string_equal(rule_for(s, "s390_runtime_instr", &n), "SCMP_ACT_ALLOW");
	assert_string_equal(rule_for(s, "process_vm_readv", &n), "SCMP_ACT_ALLOW");
	assert_string_equal(rule_for(s, "clone", &n), "SCMP_ACT_ALLOW");
	json_object_put(s);
	json_object_put(caps);
}

static void test_plan(void **state)
{
	struct pod_profile unconfined = {"Unconfined", NULL};
	struct pod_profile missing = {"Localhost", "profiles/none.json"};
	struct pod_profile unset = {NULL, NULL};
	struct pp_error err = {0};
	json_object *caps = caps_of("CAP_CHOWN", NULL), *s = NULL;

	(void)state;
	assert_int_equal(pod_seccomp_plan(&unconfined, false, "/x", caps, &s, &err), 0);
	assert_null(s);
	assert_int_equal(pod_seccomp_plan(&unset, true, "/x", caps, &s, &err), 0);
	assert_null(s);
	assert_string_equal(pod_seccomp_type(&unset, false), "RuntimeDefault");
	assert_int_equal(pod_seccomp_plan(&unset, false, "/x", caps, &s, &err), 0);
	assert_non_null(s);
	json_object_put(s);
	s = NULL;
	assert_int_equal(pod_seccomp_plan(&missing, false, "/nonexistent", caps, &s, &err),
	                 -ENOENT);
	assert_string_equal(
	    err.msg,
	    "cannot load seccomp profile \"/nonexistent/profiles/none.json\": open /nonexistent/profiles/none.json: no such file or directory");
	assert_null(s);
	json_object_put(caps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_validation), cmocka_unit_test(test_effective),
	    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_runtime_default),
	    cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
