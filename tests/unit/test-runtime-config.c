/* SPDX-License-Identifier: Apache-2.0 */
/* OCI config parsing and validation of the runtime (no root needed). */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
/* clang-format on */

#include <sys/mount.h>
#include <sys/resource.h>

#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/error.h"
#include "util/json.h"

static const char good_config[] =
    "{\"ociVersion\": \"1.0.2\","
    " \"process\": {\"terminal\": false, \"user\": {\"uid\": 1000, \"gid\": 100,"
    "   \"additionalGids\": [5, 6]},"
    "  \"args\": [\"sh\", \"-c\", \"true\"], \"env\": [\"PATH=/bin\"], \"cwd\": \"/\","
    "  \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "   \"effective\": [\"CAP_KILL\"], \"permitted\": [\"KILL\"], \"ambient\": []},"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 512}],"
    "  \"noNewPrivileges\": true, \"oomScoreAdj\": 100},"
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"hostname\": \"box\","
    " \"annotations\": {\"a\": \"b\"},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
    "  {\"destination\": \"/etc/hosts\", \"source\": \"/tmp/hosts\","
    "   \"options\": [\"rbind\", \"ro\", \"rprivate\"]}],"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"},"
    "   {\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}],"
    "  \"cgroupsPath\": \"/peapod/uid/nginx\","
    "  \"resources\": {\"pids\": {\"limit\": 100}, \"devices\": [{\"allow\": false}]},"
    "  \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
    "  \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}}";

static int parse(const char *text, struct rt_config **ret, struct pp_error *err)
{
	json_object *j = NULL;
	int r = json_parse_text(text, strlen(text), "config", &j, err);

	assert_int_equal(r, 0);
	r = rt_config_parse(j, "/bundle", ret, err);
	json_object_put(j);
	return r;
}

static void test_good_config(void **state)
{
	struct pp_error err = {0};
	struct rt_config *c = NULL;

	(void)state;
	assert_int_equal(parse(good_config, &c, &err), 0);
	assert_string_equal(c->root_path, "/bundle/rootfs");
	assert_true(c->root_readonly);
	assert_string_equal(c->process.args[2], "true");
	assert_int_equal(c->process.uid, 1000);
	assert_int_equal(c->process.gid, 100);
	assert_int_equal(c->process.n_additional_gids, 2);
	assert_int_equal(c->process.additional_gids[1], 6);
	assert_true(c->process.has_caps);
	assert_int_equal(c->process.caps.bounding, (1u << 5) | (1u << 10));
	assert_int_equal(c->process.caps.permitted, 1u << 5);
	assert_int_equal(c->process.caps.inheritable, 0);
	assert_int_equal(c->process.n_rlimits, 1);
	assert_int_equal(c->process.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(c->process.rlimits[0].soft, 512);
	assert_true(c->process.no_new_privileges);
	assert_int_equal(c->process.oom_score_adj, 100);
	assert_string_equal(c->hostname, "box");
	assert_int_equal(c->n_mounts, 3);
	assert_int_equal(c->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(c->mounts[1].data, "mode=755,size=65536k");
	assert_true(c->mounts[2].bind);
	assert_int_equal(c->mounts[2].flags, MS_BIND | MS_REC | MS_RDONLY);
	assert_int_equal(c->mounts[2].propagation, MS_PRIVATE | MS_REC);
	assert_true(c->ns[RT_NS_PID].enabled);
	assert_null(c->ns[RT_NS_PID].path);
	assert_string_equal(c->ns[RT_NS_NET].path, "/proc/1/ns/net");
	assert_false(c->ns[RT_NS_UTS].enabled);
	assert_string_equal(c->cgroups_path, "/peapod/uid/nginx");
	assert_int_equal(json_object_get_int64(json_object_object_get(
	                     json_object_object_get(c->resources, "pids"), "limit")),
	                 100);
	assert_string_equal(c->masked_paths[0], "/proc/kcore");
	assert_string_equal(c->readonly_paths[0], "/proc/sys");
	assert_int_equal(c->n_sysctls, 1);
	assert_string_equal(c->sysctls[0].key, "net.ipv4.ip_forward");
	assert_string_equal(json_object_get_string(json_object_object_get(c->annotations, "a")),
	                    "b");
	rt_config_free(c);
}

/* Replace the first occurrence of from with to in good_config, parse, and
 * expect -EINVAL with msg. */
static void expect_bad(const char *from, const char *to, const char *msg)
{
	char text[sizeof(good_config) + 256];
	const char *at = strstr(good_config, from);
	struct pp_error err = {0};
	struct rt_config *c = NULL;

	assert_non_null(at);
	(void)snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good_config), good_config, to,
	               at + strlen(from));
	assert_int_equal(parse(text, &c, &err), -EINVAL);
	assert_null(c);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(err.msg, msg);
}

static void test_bad_types(void **state)
{
	(void)state;
	expect_bad("\"args\": [\"sh\", \"-c\", \"true\"]", "\"args\": \"sh\"",
	           "process.args: expected an array, got a string");
	expect_bad("\"args\": [\"sh\",", "\"args\": [1,", "process.args[0]: expected a string");
	expect_bad("\"uid\": 1000", "\"uid\": \"root\"",
	           "process.user.uid: expected an integer, got a string");
	expect_bad("[\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]", "\"nosuid\"",
	           "mounts[1].options: expected an array, got a string");
	expect_bad("\"readonly\": true", "\"readonly\": 1",
	           "root.readonly: expected a boolean, got an integer");
	expect_bad("{\"type\": \"pid\"}", "{\"type\": \"pidx\"}",
	           "linux.namespaces[0].type: unsupported namespace 'pidx'");
	expect_bad("{\"type\": \"pid\"}", "{\"type\": \"user\"}",
	           "linux.uidMappings: user namespaces enabled, but no uid mappings found");
	expect_bad("\"cgroupsPath\"", "\"uidMappings\": [{\"containerID\": 0}], \"cgroupsPath\"",
	           "linux.uidMappings[0].hostID: Required value");
	expect_bad("\"cgroupsPath\"",
	           "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}], "
	           "\"cgroupsPath\"",
	           "linux.uidMappings: user namespaces aren't enabled in the config");
	expect_bad("{\"type\": \"mount\"}", "{\"type\": \"ipc\"}",
	           "linux.namespaces: a new 'mount' namespace is required");
	expect_bad("\"destination\": \"/proc\"", "\"destination\": \"proc\"",
	           "mounts[0].destination: 'proc' is not absolute");
	expect_bad("\"cwd\": \"/\"", "\"cwd\": \"tmp\"", "process.cwd: 'tmp' is not absolute");
	expect_bad("\"hostname\": \"box\"", "\"hooks\": {\"prestart\": [{\"path\": \"x\"}]}",
	           "hooks.prestart[0].path: 'x' is not absolute");
	expect_bad("\"hostname\": \"box\"",
	           "\"hooks\": {\"poststop\": [{\"path\": \"/x\", \"timeout\": 0}]}",
	           "hooks.poststop[0].timeout: must be greater than zero");
	expect_bad("\"cgroupsPath\"", "\"seccomp\": {\"flags\": []}, \"cgroupsPath\"",
	           "linux.seccomp.defaultAction: Required value");
	expect_bad("\"limit\": 100", "\"limit\": \"100\"",
	           "linux.resources.pids.limit: expected an integer, got a string");
	expect_bad("\"ociVersion\": \"1.0.2\"", "\"ociVersion\": \"0.9\"",
	           "ociVersion: unsupported version '0.9'");
}

/* Parse a linux.seccomp object alone. */
static int parse_seccomp(const char *text, struct rt_seccomp **ret, struct pp_error *err)
{
	json_object *j = NULL;
	int r = json_parse_text(text, strlen(text), "seccomp", &j, err);

	assert_int_equal(r, 0);
	r = rt_seccomp_parse(j, ret, err);
	json_object_put(j);
	return r;
}

static void expect_bad_seccomp(const char *text, const char *msg)
{
	struct pp_error err = {0};
	struct rt_seccomp *s = (struct rt_seccomp *)1;

	assert_int_equal(parse_seccomp(text, &s, &err), -EINVAL);
	assert_null(s);
	assert_string_equal(err.msg, msg);
}

static void test_seccomp_parse(void **state)
{
	static const char profile[] =
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
	    " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AARCH64\"],"
	    " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],"
	    " \"syscalls\": [{\"names\": [\"read\", \"write\", \"nope_not_a_syscall\"],"
	    "   \"action\": \"SCMP_ACT_ALLOW\"},"
	    "  {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"},"
	    "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\","
	    "   \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},"
	    "            {\"index\": 0, \"value\": 131072, \"op\": \"SCMP_CMP_EQ\"}]},"
	    "  {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_KILL\","
	    "   \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0,"
	    "             \"op\": \"SCMP_CMP_MASKED_EQ\"},"
	    "            {\"index\": 1, \"value\": 18446744073709551615,"
	    "             \"op\": \"SCMP_CMP_NE\"}]},"
	    "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5},"
	    "  {\"names\": [\"uname\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}";
	struct pp_error err = {0};
	struct rt_seccomp *s = NULL;
	struct rt_seccomp_filter *f = NULL;

	(void)state;
	assert_int_equal(parse_seccomp(profile, &s, &err), 0);
	assert_int_equal(s->default_action, RT_SCMP_ERRNO);
	assert_int_equal(s->default_errno, 38);
	assert_string_equal(s->arches[1], "SCMP_ARCH_AARCH64");
	assert_int_equal(s->flags, RT_SCMP_FLAG_LOG);
	assert_int_equal(s->n_syscalls, 6);
	assert_string_equal(s->syscalls[0].names[2], "nope_not_a_syscall");
	assert_int_equal(s->syscalls[1].action, RT_SCMP_ERRNO);
	assert_int_equal(s->syscalls[1].errno_ret, EPERM);
	assert_int_equal(s->syscalls[2].n_args, 2);
	assert_int_equal(s->syscalls[2].args[1].value, 131072);
	assert_int_equal(s->syscalls[3].action, RT_SCMP_KILL_THREAD);
	assert_int_equal(s->syscalls[3].args[0].op, RT_SCMP_OP_MASKED_EQ);
	assert_int_equal(s->syscalls[3].args[0].value, 2114060288);
	assert_true(s->syscalls[3].args[1].value == UINT64_MAX);
	assert_int_equal(s->syscalls[3].args[1].index, 1);
	assert_int_equal(s->syscalls[4].action, RT_SCMP_TRACE);
	assert_int_equal(s->syscalls[4].errno_ret, 5);
	/* Building needs no privilege: unknown names are skipped, a rule
	 * equal to the default (uname) too. */
	assert_int_equal(rt_seccomp_build(s, &f, &err), 0);
	assert_non_null(f);
	rt_seccomp_filter_free(f);
	rt_seccomp_free(s);
}

static void test_seccomp_errors(void **state)
{
	(void)state;
	expect_bad_seccomp("{}", "linux.seccomp.defaultAction: Required value");
	expect_bad_seccomp("{\"defaultAction\": \"SCMP_ACT_NOPE\"}",
	                   "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_NOPE'");
	expect_bad_seccomp("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
	                   "linux.seccomp.defaultErrnoRet: -1 out of range");
	expect_bad_seccomp("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"x86\"]}",
	                   "linux.seccomp.architectures[0]: unknown 'x86'");
	expect_bad_seccomp("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
	                   " \"flags\": [\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
	                   "linux.seccomp.flags[0]: unsupported flag "
	                   "'SECCOMP_FILTER_FLAG_NEW_LISTENER'");
	expect_bad_seccomp(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": []}]}",
	    "linux.seccomp.syscalls[0].names: Required value");
	expect_bad_seccomp("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
	                   " \"syscalls\": [{\"names\": [\"read\"]}]}",
	                   "linux.seccomp.syscalls[0].action: Required value");
	expect_bad_seccomp(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\","
	    " \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
	    "linux.seccomp.listenerPath: Required value with SCMP_ACT_NOTIFY");
	expect_bad_seccomp(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"],"
	    " \"action\": \"SCMP_ACT_ERRNO\","
	    " \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"},"
	    "  {\"index\": 6, \"op\": \"SCMP_CMP_EQ\"}]}]}",
	    "linux.seccomp.syscalls[0].args[1].index: 6 out of range (0-5)");
	expect_bad_seccomp(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"],"
	    " \"action\": \"SCMP_ACT_ERRNO\","
	    " \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_MAYBE\"}]}]}",
	    "linux.seccomp.syscalls[0].args[0].op: unknown operator 'SCMP_CMP_MAYBE'");
	expect_bad_seccomp("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
	                   "linux.seccomp.syscalls: expected an array, got an object");
}

static void test_capability_names(void **state)
{
	(void)state;
	assert_int_equal(rt_cap_from_name("CAP_SYS_PTRACE"), 19);
	assert_int_equal(rt_cap_from_name("SYS_PTRACE"), 19);
	assert_int_equal(rt_cap_from_name("cap_chown"), 0);
	assert_int_equal(rt_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal(rt_cap_from_name("CAP_FOO"), -EINVAL);
	assert_int_equal(rt_cap_from_name(""), -EINVAL);
	assert_true(rt_cap_last() >= 36);
	expect_bad("[\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]", "[\"CAP_KILL\", \"CAP_NOPE\"]",
	           "process.capabilities.bounding[1]: unknown capability 'CAP_NOPE'");
	expect_bad("\"effective\": [\"CAP_KILL\"]", "\"effective\": [7]",
	           "process.capabilities.effective[0]: expected a string");
}

static void test_rlimit_names(void **state)
{
	(void)state;
	assert_int_equal(rt_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
	assert_int_equal(rt_rlimit_from_name("RLIMIT_NPROC"), RLIMIT_NPROC);
	assert_int_equal(rt_rlimit_from_name("NOFILE"), -EINVAL);
	assert_string_equal(rt_rlimit_name(RLIMIT_CORE), "RLIMIT_CORE");
	expect_bad("\"RLIMIT_NOFILE\"", "\"RLIMIT_FOO\"",
	           "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'");
	expect_bad("\"hard\": 1024, \"soft\": 512", "\"hard\": 10, \"soft\": 512",
	           "process.rlimits[0]: RLIMIT_NOFILE soft 512 above hard 10");
	expect_bad("\"hard\": 1024, \"soft\": 512", "\"soft\": 512",
	           "process.rlimits[0].hard: Required value");
}

static void test_ids(void **state)
{
	(void)state;
	assert_int_equal(rt_id_validate("nginx-1_a.b+c", NULL), 0);
	assert_int_equal(rt_id_validate("", NULL), -EINVAL);
	assert_int_equal(rt_id_validate("..", NULL), -EINVAL);
	assert_int_equal(rt_id_validate("a/b", NULL), -EINVAL);
}

static void test_process_alone(void **state)
{
	const char *text = "{\"args\": [\"ls\"], \"cwd\": \"/\"}";
	json_object *j = json_tokener_parse(text);
	struct rt_process p;
	struct pp_error err = {0};

	(void)state;
	assert_int_equal(rt_process_parse(j, &p, &err), 0);
	assert_false(p.has_caps);
	assert_int_equal(p.uid, 0);
	assert_null(p.env);
	rt_process_clear(&p);
	json_object_put(j);
	j = json_tokener_parse("{\"args\": [], \"cwd\": \"/\"}");
	assert_int_equal(rt_process_parse(j, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "process.args: Required value");
	json_object_put(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_config),
	    cmocka_unit_test(test_bad_types),
	    cmocka_unit_test(test_seccomp_parse),
	    cmocka_unit_test(test_seccomp_errors),
	    cmocka_unit_test(test_capability_names),
	    cmocka_unit_test(test_rlimit_names),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_process_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
