/* SPDX-License-Identifier: Apache-2.0 */
/* A container's "process": the kubelet's command/args and $(VAR) rules,
 * containerd's environment merge and capability arithmetic
 * (pkg/cri/opts WithProcessArgs, WithCapabilities; oci.WithEnv). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sys/prctl.h>

#include "image/image.h"
#include "pod/env.h"
#include "pod/plan.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const char *const pod_default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

#define N_CAPS 64 /* capability numbers fit a 64-bit set */

static char **expand_all(char *const *v, char *const *env)
{
	char **out = NULL;

	for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
		cleanup_free char *s = pod_env_expand(v[i], env);

		strv_push(&out, s);
	}
	return out;
}

static void strv_extend(char ***v, char *const *add)
{
	for (size_t i = 0; add != NULL && add[i] != NULL; i++)
		strv_push(v, add[i]);
}

int pod_plan_argv(const struct pod_container *c, const struct img_config *img, char *const *env,
                  char ***ret, struct pp_error *err)
{
	cleanup_strv char **command = expand_all(c->command, env);
	cleanup_strv char **args = expand_all(c->args, env);
	cleanup_strv char **argv = NULL;
	char **entrypoint = img != NULL ? img->entrypoint : NULL;

	/* containerd WithProcessArgs: the image's Cmd only stands in for absent
	 * args when there is no command; an Entrypoint of [""] means none */
	if (strv_len(command) == 0) {
		if (strv_len(args) == 0) {
			strv_free(args);
			args = strv_dup(img != NULL ? img->cmd : NULL);
		}
		if (!(entrypoint != NULL && entrypoint[0] != NULL && entrypoint[0][0] == '\0' &&
		      entrypoint[1] == NULL))
			strv_extend(&argv, entrypoint);
	} else {
		strv_extend(&argv, command);
	}
	strv_extend(&argv, args);
	if (strv_len(argv) == 0)
		return pp_error_msg(err, EINVAL, "container '%s': no command specified", c->name);
	*ret = take_ptr(&argv);
	return 0;
}

char **pod_plan_env(const struct pod *pod, const struct pod_container *c,
                    const struct img_config *img, char *const *kenv)
{
	cleanup_free char *hostname = pod_plan_hostname(pod);
	cleanup_free char *host_kv = xstrfmt("HOSTNAME=%s", hostname);
	char **env = NULL;

	/* containerd: default spec PATH, then HOSTNAME, TERM=xterm for a tty
	 * (oci.WithTTY), then the image's Env, then the container's, each
	 * replacing an earlier same name in place */
	strv_push(&env, DEFAULT_PATH);
	strv_push(&env, host_kv);
	if (c->tty)
		strv_push(&env, "TERM=xterm");
	for (size_t i = 0; img != NULL && img->env != NULL && img->env[i] != NULL; i++)
		pod_env_set(&env, img->env[i]);
	for (size_t i = 0; kenv != NULL && kenv[i] != NULL; i++)
		pod_env_set(&env, kenv[i]);
	return env;
}

/* Capabilities we may hand out for "ALL": the kernel's that are in our own
 * bounding set (containerd uses the caps of its own process). */
static bool cap_available(int cap)
{
	return prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 1;
}

static bool list_has_all(char *const *v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (strcasecmp(v[i], "ALL") == 0)
			return true;
	return false;
}

static void cap_list_add(int *list, size_t *n, int cap)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i] == cap)
			return;
	list[(*n)++] = cap;
}

static void cap_list_del(int *list, size_t *n, int cap)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i] == cap) {
			for (size_t j = i; j + 1 < *n; j++)
				list[j] = list[j + 1];
			(*n)--;
			return;
		}
}

/* Apply add or drop names (not "ALL") to the list; unknown names fail. */
static int cap_list_apply(int *list, size_t *n, char *const *names, bool add, const char *ctr,
                          struct pp_error *err)
{
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		int cap;

		if (strcasecmp(names[i], "ALL") == 0)
			continue;
		cap = rt_cap_from_name(names[i]);
		if (cap < 0)
			return pp_error_msg(err, EINVAL, "container '%s': unknown capability '%s'",
			                    ctr, names[i]);
		if (add)
			cap_list_add(list, n, cap);
		else
			cap_list_del(list, n, cap);
	}
	return 0;
}

/* containerd CRI WithCapabilities: "ALL" in add sets every capability, then
 * "ALL" in drop clears them, then named adds are appended and named drops
 * removed. The result goes to bounding, effective and permitted. */
static int plan_caps(const struct pod_container *c, json_object **ret, struct pp_error *err)
{
	int list[N_CAPS];
	size_t n = 0;
	json_object *arr, *caps;
	int r;

	for (size_t i = 0; pod_default_caps[i] != NULL; i++)
		list[n++] = rt_cap_from_name(pod_default_caps[i]);
	/* containerd applies add and drop only to a non-privileged container;
	 * oci.WithPrivileged gives all it holds (WithAllCurrentCapabilities) */
	if (list_has_all(c->cap_add) || pod_plan_privileged(c)) {
		n = 0;
		for (int i = 0; i <= rt_cap_last() && i < N_CAPS; i++)
			if (rt_cap_name(i) != NULL && cap_available(i))
				list[n++] = i;
	}
	if (list_has_all(c->cap_drop) && !pod_plan_privileged(c))
		n = 0;
	r = pod_plan_privileged(c) ? 0 : cap_list_apply(list, &n, c->cap_add, true, c->name, err);
	if (r == 0 && !pod_plan_privileged(c))
		r = cap_list_apply(list, &n, c->cap_drop, false, c->name, err);
	if (r < 0)
		return r;
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *name = xstrfmt("CAP_%s", rt_cap_name(list[i]));

		json_object_array_add(arr, json_object_new_string(name));
	}
	caps = json_object_new_object();
	json_object_object_add(caps, "bounding", arr);
	json_object_object_add(caps, "effective", json_object_get(arr));
	json_object_object_add(caps, "permitted", json_object_get(arr));
	*ret = caps;
	return 0;
}

static json_object *user_json(const struct pod_user *user)
{
	json_object *u = json_object_new_object();

	json_object_object_add(u, "uid", json_object_new_int64(user != NULL ? user->uid : 0));
	json_object_object_add(u, "gid", json_object_new_int64(user != NULL ? user->gid : 0));
	if (user != NULL && user->n_additional_gids > 0) {
		json_object *gids = json_object_new_array();

		for (size_t i = 0; i < user->n_additional_gids; i++)
			json_object_array_add(gids,
			                      json_object_new_int64(user->additional_gids[i]));
		json_object_object_add(u, "additionalGids", gids);
	}
	return u;
}

static const char *plan_cwd(const struct pod_container *c, const struct img_config *img)
{
	if (c->working_dir != NULL && c->working_dir[0] != '\0')
		return c->working_dir;
	if (img != NULL && img->working_dir != NULL && img->working_dir[0] != '\0')
		return img->working_dir;
	return "/";
}

int pod_plan_process(const struct pod_plan_target *t, const struct pod_user *user,
                     json_object **ret, struct pp_error *err)
{
	const struct pod_container *c = t->c;
	const struct img_config *img = t->img;
	cleanup_strv char **env = pod_plan_env(t->pod, c, img, t->env);
	cleanup_strv char **argv = NULL;
	json_object *caps = NULL, *proc;
	int r;

	r = pod_plan_argv(c, img, t->env, &argv, err);
	if (r < 0)
		return r;
	r = plan_caps(c, &caps, err);
	if (r < 0)
		return r;
	proc = json_object_new_object();
	json_object_object_add(proc, "terminal", json_object_new_boolean(c->tty));
	json_object_object_add(proc, "user", user_json(user));
	json_object_object_add(proc, "args", json_from_strv(argv));
	json_object_object_add(proc, "env", json_from_strv(env));
	json_object_object_add(proc, "cwd", json_object_new_string(plan_cwd(c, img)));
	json_object_object_add(proc, "capabilities", caps);
	/* the kubelet's AddNoNewPrivileges: never for a privileged container */
	json_object_object_add(proc, "noNewPrivileges",
	                       json_object_new_boolean(!pod_plan_privileged(c) &&
	                                               c->has_allow_privilege_escalation &&
	                                               !c->allow_privilege_escalation));
	*ret = proc;
	return 0;
}
