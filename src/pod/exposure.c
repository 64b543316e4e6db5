/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel's rules for what one container's process may see of and do
 * to another's in a shared pid namespace (kernel/ptrace.c,
 * security/commoncap.c, security/yama, kernel/signal.c, fs/proc/base.c),
 * applied to the credentials the runtime gives each main process. */
#include "pod/exposure.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/capability.h>

#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

static bool has_cap(uint64_t set, int cap)
{
	return (set & (UINT64_C(1) << cap)) != 0;
}

const char *pod_exposure_why_text(enum pod_exposure_why w)
{
	switch (w) {
	case POD_EXPOSURE_SAME_CREDS:
		return "same uid and gid, capabilities a superset";
	case POD_EXPOSURE_CAP_SYS_PTRACE:
		return "CAP_SYS_PTRACE";
	case POD_EXPOSURE_SAME_UID:
		return "same uid";
	case POD_EXPOSURE_CAP_KILL:
		return "CAP_KILL";
	case POD_EXPOSURE_NO_IDS:
		return "another uid or gid, no CAP_SYS_PTRACE";
	case POD_EXPOSURE_NO_CAPS:
		return "it has capabilities the reader lacks, no CAP_SYS_PTRACE";
	case POD_EXPOSURE_NO_DUMPABLE:
		return "not dumpable";
	case POD_EXPOSURE_NO_DAC:
		return "the file's mode, no CAP_DAC_OVERRIDE";
	case POD_EXPOSURE_NO_YAMA:
		return "kernel.yama.ptrace_scope";
	case POD_EXPOSURE_NO_SCOPE:
		return "the reader's ptrace scope (Landlock), no CAP_SYS_PTRACE";
	case POD_EXPOSURE_NO_SIGNAL:
		return "another uid, no CAP_KILL";
	case POD_EXPOSURE_UNKNOWN:
		break;
	}
	return "not created yet";
}

/* A JSON array of capability names → a set; absent is empty. */
static int cap_set(json_object *caps, const char *key, uint64_t *ret, struct pp_error *err)
{
	json_object *arr = json_get_arr(caps, key);
	uint64_t set = 0;

	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(arr, i));
		int cap = name != NULL ? rt_cap_from_name(name) : -EINVAL;

		if (cap < 0 || cap >= 64)
			return pp_error_msg(err, EINVAL, "process.capabilities.%s[%zu]: unknown",
			                    key, i);
		set |= UINT64_C(1) << cap;
	}
	*ret = set;
	return 0;
}

int pod_exposure_creds_from_process(json_object *process, struct pod_exposure_creds *ret,
                                    struct pp_error *err)
{
	json_object *user = json_get_obj(process, "user");
	json_object *caps = json_get_obj(process, "capabilities");
	uint64_t bounding = 0, inheritable = 0, ambient = 0;
	struct pod_exposure_creds c = {.known = true, .dumpable = true};
	int r;

	if (user == NULL)
		return pp_error_msg(err, EINVAL, "process.user: Required value");
	c.uid = (uint32_t)json_get_int(user, "uid", 0);
	c.gid = (uint32_t)json_get_int(user, "gid", 0);
	r = cap_set(caps, "bounding", &bounding, err);
	if (r == 0)
		r = cap_set(caps, "inheritable", &inheritable, err);
	if (r == 0)
		r = cap_set(caps, "ambient", &ambient, err);
	if (r < 0)
		return r;
	/* commoncap.c cap_bprm_creds_from_file, a file without capabilities:
	 * root (handle_privileged_root) gets fP = fI = all, so permitted =
	 * bounding | inheritable, and effective = permitted as euid is 0; any
	 * other uid keeps only its ambient set, in permitted and effective. */
	if (c.uid == 0) {
		c.cap_permitted = bounding | inheritable;
		c.cap_effective = c.cap_permitted;
	} else {
		c.cap_permitted = ambient;
		c.cap_effective = ambient;
	}
	*ret = c;
	return 0;
}

int pod_exposure_creds_from_config(json_object *config, struct pod_exposure_creds *ret,
                                   struct pp_error *err)
{
	const char *scope =
	    json_get_str(json_get_obj(config, "annotations"), "run.peapod.ptrace-scope");
	int r = pod_exposure_creds_from_process(json_get_obj(config, "process"), ret, err);

	if (r == 0)
		ret->scoped = scope != NULL && strcmp(scope, "container") == 0;
	return r;
}

/* kernel/ptrace.c __ptrace_may_access with PTRACE_MODE_FSCREDS (the /proc
 * files use the caller's fsuid and fsgid, here its uid and gid), then
 * security/commoncap.c cap_ptrace_access_check (the target's permitted set
 * a subset of the caller's effective one, else CAP_SYS_PTRACE), then
 * security/landlock/task.c hook_ptrace_access_check (a caller in a domain
 * reaches only its domain and those nested in it: never another
 * container's, whatever its capabilities), then, for
 * an attach, security/yama/yama_lsm.c yama_ptrace_access_check: scope 1
 * lets only an ancestor (a sibling container never is) or CAP_SYS_PTRACE
 * attach, 2 only CAP_SYS_PTRACE, 3 nobody. */
static enum pod_exposure_why ptrace_may(const struct pod_exposure_creds *caller,
                                        const struct pod_exposure_creds *target, bool attach,
                                        int yama_scope)
{
	bool ptrace_cap = has_cap(caller->cap_effective, CAP_SYS_PTRACE);
	bool same_ids = caller->uid == target->uid && caller->gid == target->gid;
	bool subset = (target->cap_permitted & ~caller->cap_effective) == 0;

	if (!same_ids && !ptrace_cap)
		return POD_EXPOSURE_NO_IDS;
	/* __ptrace_may_access: a task that is not SUID_DUMP_USER needs
	 * CAP_SYS_PTRACE even with the same ids */
	if (!target->dumpable && !ptrace_cap)
		return POD_EXPOSURE_NO_DUMPABLE;
	if (!subset && !ptrace_cap)
		return POD_EXPOSURE_NO_CAPS;
	if (caller->scoped)
		return POD_EXPOSURE_NO_SCOPE;
	if (attach && (yama_scope >= 3 || (yama_scope >= 1 && !ptrace_cap)))
		return POD_EXPOSURE_NO_YAMA;
	return same_ids && subset ? POD_EXPOSURE_SAME_CREDS : POD_EXPOSURE_CAP_SYS_PTRACE;
}

/* fs/proc/base.c: environ (0400) and mem (0600) belong to the task's euid
 * while it is dumpable, else to root (task_dump_owner); opening one for
 * reading is generic_permission's owner check, or CAP_DAC_OVERRIDE or
 * CAP_DAC_READ_SEARCH (fs/namei.c). It comes before the open's ptrace
 * check (proc_environ_open, mem_open → proc_mem_open → mm_access). */
static enum pod_exposure_why proc_file_open(const struct pod_exposure_creds *caller,
                                            const struct pod_exposure_creds *target,
                                            enum pod_exposure_why ptrace)
{
	uint32_t owner = target->dumpable ? target->uid : 0;

	/* both denied: the ptrace rule is the one that matters */
	if (!pod_exposure_allowed(ptrace))
		return ptrace;
	if (caller->uid != owner && !has_cap(caller->cap_effective, CAP_DAC_OVERRIDE) &&
	    !has_cap(caller->cap_effective, CAP_DAC_READ_SEARCH))
		return POD_EXPOSURE_NO_DAC;
	return ptrace;
}

/* kernel/signal.c kill_ok_by_cred: the caller's uid or euid equals the
 * target's uid or suid, or the caller has CAP_KILL. */
static enum pod_exposure_why kill_ok(const struct pod_exposure_creds *caller,
                                     const struct pod_exposure_creds *target)
{
	if (caller->uid == target->uid)
		return POD_EXPOSURE_SAME_UID;
	if (has_cap(caller->cap_effective, CAP_KILL))
		return POD_EXPOSURE_CAP_KILL;
	return POD_EXPOSURE_NO_SIGNAL;
}

void pod_exposure_access(const struct pod_exposure_creds *caller,
                         const struct pod_exposure_creds *target, int yama_scope,
                         struct pod_exposure_access *ret)
{
	struct pod_exposure_access a = {0};

	if (caller->known && target->known) {
		/* PTRACE_MODE_READ_FSCREDS: environ (proc_environ_open) and the
		 * root link (proc_root_link → proc_fd_access_allowed) */
		a.environ = proc_file_open(caller, target, ptrace_may(caller, target, false, -1));
		a.root = ptrace_may(caller, target, false, -1);
		/* PTRACE_MODE_ATTACH_FSCREDS: mem (mem_open) */
		a.mem =
		    proc_file_open(caller, target, ptrace_may(caller, target, true, yama_scope));
		a.signal = kill_ok(caller, target);
	}
	*ret = a;
}

/* NAME split at '_' holds word w? */
static bool has_word(const char *name, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = name; p != NULL; p = strchr(p, '_')) {
		if (*p == '_')
			p++;
		if (strncasecmp(p, w, n) == 0 && (p[n] == '\0' || p[n] == '_'))
			return true;
	}
	return false;
}

bool pod_exposure_credential_like(const char *name)
{
	static const char *const parts[] = {"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET",
	                                    "TOKEN",    "KEY",    "CREDENTIAL", "AUTH",
	                                    "PRIVATE",  "APIKEY", NULL};

	for (size_t i = 0; parts[i] != NULL; i++)
		if (strcasestr(name, parts[i]) != NULL)
			return true;
	/* short words only as a whole word; PWD and OLDPWD are the shell's cwd */
	if (strcasecmp(name, "PWD") == 0 || strcasecmp(name, "OLDPWD") == 0)
		return false;
	return has_word(name, "PASS") || has_word(name, "PWD");
}

static void vars_free(struct pod_exposure_var *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].secret);
	}
	free(v);
}

/* Set name's source to secret (NULL: not a Secret), replacing an earlier
 * one as a later source of the same name does. */
static void var_set(struct pod_exposure_var **v, size_t *n, const char *name, const char *secret)
{
	size_t i = 0;

	while (i < *n && strcmp((*v)[i].name, name) != 0)
		i++;
	if (i == *n) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[i] = (struct pod_exposure_var){.name = xstrdup(name)};
		(*n)++;
	}
	free((*v)[i].secret);
	(*v)[i].secret = secret != NULL ? xstrdup(secret) : NULL;
}

static const struct pod_exposure_var *var_find(const struct pod_exposure_var *v, size_t n,
                                               const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* The kubelet's order (makeEnvironmentVariables): envFrom sources, then
 * env, a later same name winning. */
static void spec_sources(const struct pod_exposure_input *in, struct pod_exposure_var **v,
                         size_t *n)
{
	const struct pod_container *c = in->c;

	for (size_t i = 0; i < c->n_env_from; i++) {
		const struct pod_env_from *f = &c->env_from[i];
		const char *prefix = f->prefix != NULL ? f->prefix : "";
		char *const *keys = in->secret_keys != NULL ? in->secret_keys[i] : NULL;

		if (!f->secret_ref.set)
			continue;
		if (keys == NULL) {
			cleanup_free char *any = xstrfmt("%s*", prefix);

			var_set(v, n, any, f->secret_ref.name);
		}
		for (size_t k = 0; keys != NULL && keys[k] != NULL; k++) {
			cleanup_free char *name = xstrfmt("%s%s", prefix, keys[k]);

			var_set(v, n, name, f->secret_ref.name);
		}
	}
	for (size_t i = 0; i < c->n_env; i++) {
		const struct pod_env_source *s = &c->env[i].value_from;

		var_set(v, n, c->env[i].name,
		        s->set && s->secret_key_ref.set ? s->secret_key_ref.name : NULL);
	}
}

static void var_keep(struct pod_exposure_ctr *out, const char *name, const char *secret)
{
	bool cred = pod_exposure_credential_like(name);

	if (secret == NULL && !cred)
		return;
	out->vars = xrealloc(out->vars, (out->n_vars + 1) * sizeof(*out->vars));
	out->vars[out->n_vars++] = (struct pod_exposure_var){
	    .name = xstrdup(name),
	    .secret = secret != NULL ? xstrdup(secret) : NULL,
	    .credential_like = cred,
	};
}

/* The variables of out worth hiding: those of the process's env (the
 * image's and the container's), else the spec's, with their sources. */
static void ctr_vars(const struct pod_exposure_input *in, struct pod_exposure_ctr *out)
{
	json_object *env = json_get_arr(json_get_obj(in->config, "process"), "env");
	struct pod_exposure_var *src = NULL;
	size_t n_src = 0;

	spec_sources(in, &src, &n_src);
	for (size_t i = 0; env != NULL && i < json_object_array_length(env); i++) {
		const char *kv = json_object_get_string(json_object_array_get_idx(env, i));
		cleanup_free char *name =
		    xstrndup(kv != NULL ? kv : "", strcspn(kv ? kv : "", "="));
		const struct pod_exposure_var *s = var_find(src, n_src, name);

		var_keep(out, name, s != NULL ? s->secret : NULL);
	}
	for (size_t i = 0; i < n_src; i++) {
		size_t len = strlen(src[i].name);

		if (env == NULL || (len > 0 && src[i].name[len - 1] == '*'))
			var_keep(out, src[i].name, src[i].secret);
	}
	vars_free(src, n_src);
}

int pod_exposure_analyze(const struct pod_exposure_input *in, size_t n, int yama_scope,
                         struct pod_exposure **ret, struct pp_error *err)
{
	struct pod_exposure *e = xcalloc(1, sizeof(*e));
	int r;

	e->yama_scope = yama_scope;
	e->ctrs = xcalloc(n > 0 ? n : 1, sizeof(*e->ctrs));
	e->n = n;
	for (size_t i = 0; i < n; i++) {
		struct pod_exposure_ctr *c = &e->ctrs[i];

		c->name = in[i].c->name;
		c->by = xcalloc(n, sizeof(*c->by));
		ctr_vars(&in[i], c);
		if (in[i].config == NULL)
			continue;
		r = pod_exposure_creds_from_config(in[i].config, &c->creds, err);
		if (r < 0) {
			pod_exposure_free(e);
			return pp_error_prefix(err, r, "container '%s'", in[i].c->name);
		}
	}
	for (size_t t = 0; t < n; t++)
		for (size_t j = 0; j < n; j++)
			if (j != t)
				pod_exposure_access(&e->ctrs[j].creds, &e->ctrs[t].creds,
				                    yama_scope, &e->ctrs[t].by[j]);
	*ret = e;
	return 0;
}

struct pod_exposure *pod_exposure_free(struct pod_exposure *e)
{
	if (e == NULL)
		return NULL;
	for (size_t i = 0; i < e->n; i++) {
		vars_free(e->ctrs[i].vars, e->ctrs[i].n_vars);
		free(e->ctrs[i].by);
	}
	free(e->ctrs);
	free(e);
	return NULL;
}
