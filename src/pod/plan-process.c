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
#include "pod/plan.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

/* execve's limit for one argument or env string (MAX_ARG_STRLEN): a
 * longer expansion could never run, so references past it stay as written. */
#define EXPAND_MAX ((size_t)32 * 4096)

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

/* Value of name in a "K=V" vector, the last definition winning (the
 * kubelet builds a map); NULL when undefined. */
static const char *env_lookup(char *const *env, const char *name, size_t len)
{
	const char *found = NULL;

	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			found = env[i] + len + 1;
	return found;
}

static void buf_add(char **buf, size_t *len, const char *s, size_t n)
{
	char *b = xrealloc(*buf, *len + n + 1);

	for (size_t i = 0; i < n; i++)
		b[*len + i] = s[i];
	*len += n;
	b[*len] = '\0';
	*buf = b;
}

/* Kubernetes third_party/forked/golang/expansion.Expand: "$(VAR)" becomes
 * VAR's value when defined and stays as written otherwise; "$$" is "$"; any
 * other "$x" and an unclosed "$(" stay as written. Caller frees. */
static char *expand(const char *in, char *const *env)
{
	char *out = xstrdup("");
	size_t len = 0;
	const char *p = in, *close, *val;

	while (*p != '\0') {
		const char *dollar = strchr(p, '$');

		if (dollar == NULL || dollar[1] == '\0') {
			buf_add(&out, &len, p, strlen(p));
			break;
		}
		buf_add(&out, &len, p, (size_t)(dollar - p));
		p = dollar + 2;
		if (dollar[1] == '$') {
			buf_add(&out, &len, "$", 1);
		} else if (dollar[1] == '(' && (close = strchr(dollar + 2, ')')) != NULL) {
			val = env_lookup(env, dollar + 2, (size_t)(close - dollar - 2));
			/* bounded: each reference may double the size */
			if (val != NULL && len + strlen(val) <= EXPAND_MAX)
				buf_add(&out, &len, val, strlen(val));
			else
				buf_add(&out, &len, dollar, (size_t)(close - dollar + 1));
			p = close + 1;
		} else {
			buf_add(&out, &len, dollar, 2);
		}
	}
	return out;
}

static char **expand_all(char *const *v, char *const *env)
{
	char **out = NULL;

	for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
		cleanup_free char *s = expand(v[i], env);

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

static size_t env_key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq != NULL ? (size_t)(eq - kv) : strlen(kv);
}

/* containerd's replaceOrAppendEnvValues for one entry: same name replaces
 * in place, a new name appends, a bare "NAME" unsets. */
static void env_set(char ***env, const char *kv)
{
	size_t klen = env_key_len(kv), n = strv_len(*env);

	for (size_t i = 0; *env != NULL && i < n; i++) {
		if (env_key_len((*env)[i]) != klen || strncmp((*env)[i], kv, klen) != 0)
			continue;
		free((*env)[i]);
		if (kv[klen] == '=') {
			(*env)[i] = xstrdup(kv);
		} else {
			for (size_t j = i; j < n; j++)
				(*env)[j] = (*env)[j + 1];
		}
		return;
	}
	if (kv[klen] == '=')
		strv_push(env, kv);
}

char **pod_plan_container_env(const struct pod_container *c)
{
	char **env = NULL;

	for (size_t i = 0; i < c->n_env; i++) {
		const char *v = c->env[i].value != NULL ? c->env[i].value : "";
		cleanup_free char *val = expand(v, env);
		cleanup_free char *kv = xstrfmt("%s=%s", c->env[i].name, val);

		env_set(&env, kv);
	}
	if (env == NULL)
		env = xcalloc(1, sizeof(char *));
	return env;
}

char **pod_plan_env(const struct pod *pod, const struct pod_container *c,
                    const struct img_config *img)
{
	cleanup_free char *hostname = pod_plan_hostname(pod);
	cleanup_free char *host_kv = xstrfmt("HOSTNAME=%s", hostname);
	cleanup_strv char **kenv = pod_plan_container_env(c);
	char **env = NULL;

	/* containerd: default spec PATH, then HOSTNAME, TERM=xterm for a tty
	 * (oci.WithTTY), then the image's Env, then the container's, each
	 * replacing an earlier same name in place */
	strv_push(&env, DEFAULT_PATH);
	strv_push(&env, host_kv);
	if (c->tty)
		strv_push(&env, "TERM=xterm");
	for (size_t i = 0; img != NULL && img->env != NULL && img->env[i] != NULL; i++)
		env_set(&env, img->env[i]);
	for (size_t i = 0; kenv[i] != NULL; i++)
		env_set(&env, kenv[i]);
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
	if (list_has_all(c->cap_add)) {
		n = 0;
		for (int i = 0; i <= rt_cap_last() && i < N_CAPS; i++)
			if (rt_cap_name(i) != NULL && cap_available(i))
				list[n++] = i;
	}
	if (list_has_all(c->cap_drop))
		n = 0;
	r = cap_list_apply(list, &n, c->cap_add, true, c->name, err);
	if (r == 0)
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

int pod_plan_process(const struct pod *pod, const struct pod_container *c,
                     const struct img_config *img, const struct pod_user *user, json_object **ret,
                     struct pp_error *err)
{
	cleanup_strv char **kenv = pod_plan_container_env(c);
	cleanup_strv char **env = pod_plan_env(pod, c, img);
	cleanup_strv char **argv = NULL;
	json_object *caps = NULL, *proc;
	int r;

	r = pod_plan_argv(c, img, kenv, &argv, err);
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
	json_object_object_add(proc, "noNewPrivileges",
	                       json_object_new_boolean(c->has_allow_privilege_escalation &&
	                                               !c->allow_privilege_escalation));
	*ret = proc;
	return 0;
}
