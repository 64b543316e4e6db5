/* SPDX-License-Identifier: Apache-2.0 */
/* The exposure analysis of shareProcessNamespace pods: each container's
 * main process built by the planner (pod_plan_process), then the kernel's
 * ptrace, /proc and signal rules between siblings, and the variables worth
 * hiding. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/capability.h>

/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
/* clang-format on */

#include "image/image.h"
#include "pod/exposure.h"
#include "pod/plan.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

static char *s_sleep[] = {"sleep", "3600", NULL};
static char *s_img_env[] = {"PATH=/usr/bin", "NGINX_VERSION=1.25.3", "API_TOKEN=x", NULL};
static const struct img_config img = {.cmd = s_sleep, .env = s_img_env};

#define NONE  POD_EXPOSURE_UNKNOWN
#define SAME  POD_EXPOSURE_SAME_CREDS
#define PTRC  POD_EXPOSURE_CAP_SYS_PTRACE
#define UID   POD_EXPOSURE_SAME_UID
#define KILL  POD_EXPOSURE_CAP_KILL
#define NOIDS POD_EXPOSURE_NO_IDS
#define NOCAP POD_EXPOSURE_NO_CAPS
#define NODAC POD_EXPOSURE_NO_DAC
#define NOYAM POD_EXPOSURE_NO_YAMA
#define NOSIG POD_EXPOSURE_NO_SIGNAL
#define NOSCO POD_EXPOSURE_NO_SCOPE

/* Bit i set: analyse() gives container i the ptrace scope annotation. */
static unsigned scoped_mask;

struct analysis {
	struct pod *pod;
	json_object *procs[4];
	struct pod_exposure *e;
};

static struct pod *parse(const char *yaml)
{
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 0;
	int r = pod_spec_parse_yaml(yaml, strlen(yaml), "exposure", &pods, &n, &err);

	assert_string_equal(err.msg, "");
	assert_int_equal(r, 0);
	assert_int_equal(n, 1);
	return pods;
}

/* The container's own environment as names only (values do not matter). */
static char **kenv_of(const struct pod_container *c, char *const *keys)
{
	const char *prefix =
	    c->n_env_from > 0 && c->env_from[0].prefix ? c->env_from[0].prefix : "";
	char **env = NULL;

	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
		cleanup_free char *kv = xstrfmt("%s%s=v", prefix, keys[i]);

		strv_push(&env, kv);
	}
	for (size_t i = 0; i < c->n_env; i++) {
		cleanup_free char *kv = xstrfmt("%s=v", c->env[i].name);

		strv_push(&env, kv);
	}
	return env;
}

/* The process the planner builds for c, as the runtime gets it, in a
 * config.json object. */
static json_object *plan(const struct pod *pod, const struct pod_container *c, char *const *keys)
{
	struct pp_error err = {0};
	struct pod_user user = {0};
	cleanup_strv char **kenv = kenv_of(c, keys);
	json_object *proc = NULL, *cfg;

	if (pod_user_for_container(-1, pod, c, NULL, &user, &err) < 0)
		fail_msg("%s", err.msg);
	if (pod_plan_process(
	        &(struct pod_plan_target){
	            .pod = pod, .c = c, .img = &img, .rootfd = -1, .env = kenv},
	        &user, &proc, &err) < 0)
		fail_msg("%s", err.msg);
	free(user.additional_gids);
	cfg = json_object_new_object();
	json_object_object_add(cfg, "process", proc);
	return cfg;
}

/* Analyse the app containers of yaml; keys: envFrom Secret keys of the
 * first container's first envFrom, or NULL. */
static void analyse(struct analysis *a, const char *yaml, int yama, char *const *keys)
{
	struct pod_exposure_input in[4] = {0};
	char *const *const secret_keys[] = {keys};
	struct pp_error err = {0};

	memset(a, 0, sizeof(*a));
	a->pod = parse(yaml);
	assert_true(a->pod->n_containers <= 4);
	for (size_t i = 0; i < a->pod->n_containers; i++) {
		const struct pod_container *c = &a->pod->containers[i];

		a->procs[i] = plan(a->pod, c, i == 0 ? keys : NULL);
		if (scoped_mask & (1u << i)) {
			json_object *ann = json_object_new_object();

			json_object_object_add(ann, "run.peapod.ptrace-scope",
			                       json_object_new_string("container"));
			json_object_object_add(a->procs[i], "annotations", ann);
		}
		in[i] = (struct pod_exposure_input){
		    .c = c, .config = a->procs[i], .secret_keys = i == 0 ? secret_keys : NULL};
	}
	if (pod_exposure_analyze(in, a->pod->n_containers, yama, &a->e, &err) < 0)
		fail_msg("%s", err.msg);
}

static void analysis_free(struct analysis *a)
{
	pod_exposure_free(a->e);
	for (size_t i = 0; i < 4; i++)
		json_object_put(a->procs[i]);
	pod_free_all(a->pod, 1);
}

/* What container `by` can do to container `to`. */
#define ACC(e, r, m, s) ((struct pod_exposure_access){e, r, m, s})

static void assert_access(const struct analysis *a, size_t to, size_t by,
                          struct pod_exposure_access want)
{
	const struct pod_exposure_access *x = &a->e->ctrs[to].by[by];

	assert_int_equal(x->environ, want.environ);
	assert_int_equal(x->root, want.root);
	assert_int_equal(x->mem, want.mem);
	assert_int_equal(x->signal, want.signal);
}

static const char page_yaml[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: nginx}\n"
                                "spec:\n  shareProcessNamespace: true\n  containers:\n"
                                "  - {name: nginx, image: nginx}\n"
                                "  - name: shell\n    image: busybox:1.28\n"
                                "    command: [sleep, '3600']\n";

static const char page_ptrace_yaml[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: nginx}\n"
                                       "spec:\n  shareProcessNamespace: true\n  containers:\n"
                                       "  - {name: nginx, image: nginx}\n"
                                       "  - name: shell\n    image: busybox:1.28\n"
                                       "    securityContext: {capabilities: {add: [SYS_PTRACE]}}\n";

/* The page without SYS_PTRACE: two root processes with containerd's
 * default capabilities see everything of each other. */
static void test_page_default_caps(void **state)
{
	struct analysis a;

	(void)state;
	analyse(&a, page_yaml, -1, NULL);
	assert_int_equal(a.e->ctrs[0].creds.uid, 0);
	assert_true(a.e->ctrs[0].creds.cap_effective & (UINT64_C(1) << CAP_KILL));
	assert_access(&a, 0, 1, ACC(SAME, SAME, SAME, UID));
	assert_access(&a, 1, 0, ACC(SAME, SAME, SAME, UID));
	analysis_free(&a);
}

/* The page's manifest: the shell with SYS_PTRACE reads nginx; nginx lacks
 * the shell's extra capability, so it cannot read the shell's /proc. */
static void test_page_sys_ptrace(void **state)
{
	struct analysis a;

	(void)state;
	analyse(&a, page_ptrace_yaml, -1, NULL);
	assert_access(&a, 0, 1, ACC(SAME, SAME, SAME, UID));
	assert_access(&a, 1, 0, ACC(NOCAP, NOCAP, NOCAP, UID));
	analysis_free(&a);
}

/* The page as peapod runs it under RuntimeDefault: nginx, without
 * CAP_SYS_PTRACE, has a ptrace scope and reads nothing of the shell's;
 * the shell, with it, has none and reads nginx's; signals are not scoped. */
static void test_page_scoped(void **state)
{
	struct analysis a;

	(void)state;
	scoped_mask = 1u << 0;
	analyse(&a, page_ptrace_yaml, -1, NULL);
	scoped_mask = 0;
	assert_true(a.e->ctrs[0].creds.scoped);
	assert_false(a.e->ctrs[1].creds.scoped);
	assert_access(&a, 0, 1, ACC(SAME, SAME, SAME, UID));
	assert_access(&a, 1, 0, ACC(NOCAP, NOCAP, NOCAP, UID));
	analysis_free(&a);
	/* without SYS_PTRACE both are scoped: only signals cross */
	scoped_mask = 3u;
	analyse(&a, page_yaml, -1, NULL);
	scoped_mask = 0;
	assert_access(&a, 0, 1, ACC(NOSCO, NOSCO, NOSCO, UID));
	assert_access(&a, 1, 0, ACC(NOSCO, NOSCO, NOSCO, UID));
	analysis_free(&a);
}

static const char sidecar_yaml[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                                   "spec:\n  shareProcessNamespace: true\n  containers:\n"
                                   "  - {name: app, image: nginx}\n"
                                   "  - name: side\n    image: busybox\n"
                                   "    securityContext: {runAsUser: 1000}\n";

/* A non-root sidecar: neither reads the other (another uid, and uid 1000
 * keeps no capability across execve); root may signal it (CAP_KILL). */
static void test_non_root_sidecar(void **state)
{
	struct analysis a;

	(void)state;
	analyse(&a, sidecar_yaml, -1, NULL);
	assert_int_equal(a.e->ctrs[1].creds.uid, 1000);
	assert_int_equal(a.e->ctrs[1].creds.cap_effective, 0);
	assert_int_equal(a.e->ctrs[1].creds.cap_permitted, 0);
	assert_access(&a, 1, 0, ACC(NOIDS, NOIDS, NOIDS, KILL));
	assert_access(&a, 0, 1, ACC(NOIDS, NOIDS, NOIDS, NOSIG));
	analysis_free(&a);
}

/* Two containers with one non-root uid: same ids, no capabilities on
 * either side; with another runAsGroup only signals remain. */
static void test_same_non_root_uid(void **state)
{
	struct analysis a;

	(void)state;
	analyse(&a,
	        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	        "spec:\n  shareProcessNamespace: true\n"
	        "  securityContext: {runAsUser: 1000, runAsGroup: 1000}\n  containers:\n"
	        "  - {name: a, image: busybox}\n  - {name: b, image: busybox}\n"
	        "  - name: c\n    image: busybox\n    securityContext: {runAsGroup: 2000}\n",
	        -1, NULL);
	assert_access(&a, 0, 1, ACC(SAME, SAME, SAME, UID));
	assert_access(&a, 1, 0, ACC(SAME, SAME, SAME, UID));
	assert_access(&a, 0, 2, ACC(NOIDS, NOIDS, NOIDS, UID));
	assert_access(&a, 2, 0, ACC(NOIDS, NOIDS, NOIDS, UID));
	analysis_free(&a);
}

/* CAP_KILL: a root container that keeps only KILL signals a non-root
 * sibling and reads nobody; CAP_KILL added to a non-root container is
 * lost at execve, so it still cannot signal root. */
static void test_cap_kill(void **state)
{
	struct analysis a;

	(void)state;
	analyse(&a,
	        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	        "spec:\n  shareProcessNamespace: true\n  containers:\n"
	        "  - name: killer\n    image: busybox\n"
	        "    securityContext: {capabilities: {drop: [ALL], add: [KILL]}}\n"
	        "  - name: user\n    image: busybox\n"
	        "    securityContext: {runAsUser: 1000, capabilities: {add: [KILL]}}\n"
	        "  - {name: root, image: busybox}\n",
	        -1, NULL);
	assert_int_equal(a.e->ctrs[0].creds.cap_effective, UINT64_C(1) << CAP_KILL);
	assert_access(&a, 1, 0, ACC(NOIDS, NOIDS, NOIDS, KILL));
	assert_access(&a, 2, 0, ACC(NOCAP, NOCAP, NOCAP, UID));
	assert_access(&a, 0, 2, ACC(SAME, SAME, SAME, UID));
	assert_access(&a, 2, 1, ACC(NOIDS, NOIDS, NOIDS, NOSIG));
	analysis_free(&a);
}

/* CAP_SYS_PTRACE reads another uid; without CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH the 0400 environ and 0600 mem of uid 1000 stay
 * closed while the root link opens. */
static void test_ptrace_cap_and_dac(void **state)
{
	struct analysis a;

	(void)state;
	analyse(&a,
	        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	        "spec:\n  shareProcessNamespace: true\n  containers:\n"
	        "  - name: dbg\n    image: busybox\n"
	        "    securityContext: {capabilities: {add: [SYS_PTRACE]}}\n"
	        "  - name: nodac\n    image: busybox\n"
	        "    securityContext: {capabilities: {add: [SYS_PTRACE], drop: [DAC_OVERRIDE]}}\n"
	        "  - name: user\n    image: busybox\n    securityContext: {runAsUser: 1000}\n",
	        -1, NULL);
	assert_access(&a, 2, 0, ACC(PTRC, PTRC, PTRC, KILL));
	assert_access(&a, 2, 1, ACC(NODAC, PTRC, NODAC, KILL));
	assert_access(&a, 1, 0, ACC(SAME, SAME, SAME, UID));
	assert_access(&a, 0, 1, ACC(PTRC, PTRC, PTRC, UID));
	analysis_free(&a);
}

/* Yama: scope 1 keeps siblings (never ancestors) out of mem without
 * CAP_SYS_PTRACE, scope 3 keeps everyone out; environ and root are reads,
 * which Yama does not check. */
static void test_yama(void **state)
{
	struct analysis a;

	(void)state;
	analyse(&a, page_ptrace_yaml, 1, NULL);
	assert_access(&a, 0, 1, ACC(SAME, SAME, SAME, UID));
	analysis_free(&a);
	analyse(&a, page_yaml, 1, NULL);
	assert_access(&a, 0, 1, ACC(SAME, SAME, NOYAM, UID));
	analysis_free(&a);
	analyse(&a, page_ptrace_yaml, 3, NULL);
	assert_access(&a, 0, 1, ACC(SAME, SAME, NOYAM, UID));
	analysis_free(&a);
}

/* A process that is not dumpable needs CAP_SYS_PTRACE even with the same
 * ids, and its /proc files belong to root. */
static void test_not_dumpable(void **state)
{
	struct pod_exposure_creds root = {.known = true, .cap_effective = 1, .cap_permitted = 1};
	struct pod_exposure_creds user = {.known = true, .uid = 7, .gid = 7};
	struct pod_exposure_access x;

	(void)state;
	user.dumpable = false;
	root.dumpable = true;
	pod_exposure_access(&user, &(struct pod_exposure_creds){.known = true, .uid = 7, .gid = 7},
	                    -1, &x);
	assert_int_equal(x.environ, POD_EXPOSURE_NO_DUMPABLE);
	assert_int_equal(x.root, POD_EXPOSURE_NO_DUMPABLE);
	pod_exposure_access(&root, &user, -1, &x);
	assert_int_equal(x.environ, NOIDS);
	pod_exposure_access(&root, &(struct pod_exposure_creds){0}, -1, &x);
	assert_int_equal(x.environ, NONE);
	assert_false(pod_exposure_allowed(x.environ));
}

static void test_credential_like(void **state)
{
	static const char *const yes[] = {"DB_PASSWORD",   "mysql_root_passwd",
	                                  "API_TOKEN",     "AWS_SECRET_ACCESS_KEY",
	                                  "SSH_KEY",       "GIT_CREDENTIALS",
	                                  "AUTHORIZATION", "DB_PASS",
	                                  "ftp_pwd",       NULL};
	static const char *const no[] = {"PATH",     "HOME",    "PWD",           "OLDPWD",
	                                 "HOSTNAME", "PASSAGE", "NGINX_VERSION", NULL};

	(void)state;
	for (size_t i = 0; yes[i] != NULL; i++)
		assert_true(pod_exposure_credential_like(yes[i]));
	for (size_t i = 0; no[i] != NULL; i++)
		assert_false(pod_exposure_credential_like(no[i]));
}

static const struct pod_exposure_var *var(const struct pod_exposure_ctr *c, const char *name)
{
	for (size_t i = 0; i < c->n_vars; i++)
		if (strcmp(c->vars[i].name, name) == 0)
			return &c->vars[i];
	return NULL;
}

/* Secret sources in the kubelet's order (envFrom, then env, later wins),
 * credential-like names from the image's env too; keys of an envFrom
 * Secret, or PREFIX* when they are not known. */
static void test_secret_sources(void **state)
{
	static char *keys[] = {"user", "DB_PASSWORD", NULL};
	static const char yaml[] =
	    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	    "spec:\n  shareProcessNamespace: true\n  containers:\n"
	    "  - name: app\n    image: busybox\n"
	    "    envFrom:\n    - {secretRef: {name: db}, prefix: S_}\n"
	    "    env:\n    - {name: S_user, value: plain}\n    - {name: MODE, value: x}\n"
	    "    - name: CERT\n      valueFrom: {secretKeyRef: {name: tls, key: crt}}\n"
	    "  - name: other\n    image: busybox\n"
	    "    envFrom:\n    - {secretRef: {name: all}}\n";
	struct analysis a;
	const struct pod_exposure_var *v;

	(void)state;
	analyse(&a, yaml, -1, keys);
	v = var(&a.e->ctrs[0], "S_DB_PASSWORD");
	assert_non_null(v);
	assert_string_equal(v->secret, "db");
	assert_true(v->credential_like);
	assert_null(var(&a.e->ctrs[0], "S_user"));
	assert_null(var(&a.e->ctrs[0], "MODE"));
	v = var(&a.e->ctrs[0], "CERT");
	assert_non_null(v);
	assert_string_equal(v->secret, "tls");
	assert_false(v->credential_like);
	v = var(&a.e->ctrs[0], "API_TOKEN");
	assert_non_null(v);
	assert_null(v->secret);
	v = var(&a.e->ctrs[1], "*");
	assert_non_null(v);
	assert_string_equal(v->secret, "all");
	analysis_free(&a);
}

/* A container not created yet: its variables from the spec, no verdict. */
static void test_not_created(void **state)
{
	struct pod *pod = parse(page_yaml);
	struct pod_exposure_input in[2] = {{.c = &pod->containers[0]}, {.c = &pod->containers[1]}};
	struct pod_exposure *e = NULL;
	struct pp_error err = {0};
	json_object *bad = json_tokener_parse("{\"process\":{\"user\":{\"uid\":0},"
	                                      "\"capabilities\":{\"bounding\":[\"CAP_NOPE\"]}}}");

	(void)state;
	assert_int_equal(pod_exposure_analyze(in, 2, -1, &e, &err), 0);
	assert_false(e->ctrs[0].creds.known);
	assert_int_equal(e->ctrs[0].by[1].environ, NONE);
	pod_exposure_free(e);
	in[0].config = bad;
	assert_int_equal(pod_exposure_analyze(in, 2, -1, &e, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "container 'nginx': process.capabilities.bounding[0]"));
	json_object_put(bad);
	pod_free_all(pod, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_page_default_caps),  cmocka_unit_test(test_page_sys_ptrace),
	    cmocka_unit_test(test_page_scoped),        cmocka_unit_test(test_non_root_sidecar),
	    cmocka_unit_test(test_same_non_root_uid),  cmocka_unit_test(test_cap_kill),
	    cmocka_unit_test(test_ptrace_cap_and_dac), cmocka_unit_test(test_yama),
	    cmocka_unit_test(test_not_dumpable),       cmocka_unit_test(test_credential_like),
	    cmocka_unit_test(test_secret_sources),     cmocka_unit_test(test_not_created),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
