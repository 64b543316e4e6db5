/* SPDX-License-Identifier: Apache-2.0 */
/* What the containers of a pod with shareProcessNamespace can see and do to
 * each other's main process, by the kernel's rules: /proc/PID/environ, root
 * and mem (ptrace access), signals, and which variables are worth hiding.
 * Pure: the callers read the bundles, the Secrets and Yama's setting. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_error;
struct pod_container;

/* The credentials of a container's main process once it runs its image's
 * program: real = effective = saved = fs ids (the runtime sets all three
 * before execve). */
struct pod_exposure_creds {
	bool known; /* false: the container was not created yet */
	uint32_t uid, gid;
	uint64_t cap_effective, cap_permitted; /* bit n = capability n */
	bool dumpable;
	/* in a Landlock domain of its container's own (the annotation
	 * run.peapod.ptrace-scope: "container", runtime/landlock.c) */
	bool scoped;
};

/* Why an access is allowed or denied; pod_exposure_allowed() tells which. */
enum pod_exposure_why {
	POD_EXPOSURE_UNKNOWN = 0, /* one side not created yet */
	POD_EXPOSURE_SAME_CREDS,  /* same uid and gid, capabilities a superset */
	POD_EXPOSURE_CAP_SYS_PTRACE,
	POD_EXPOSURE_SAME_UID, /* signals: same uid */
	POD_EXPOSURE_CAP_KILL,
	POD_EXPOSURE_NO_IDS,      /* another uid or gid, no CAP_SYS_PTRACE */
	POD_EXPOSURE_NO_CAPS,     /* the target has capabilities the caller lacks */
	POD_EXPOSURE_NO_DUMPABLE, /* the target is not dumpable */
	POD_EXPOSURE_NO_DAC,      /* the /proc file's mode (0400/0600, the target's uid) */
	POD_EXPOSURE_NO_YAMA,     /* kernel.yama.ptrace_scope */
	POD_EXPOSURE_NO_SCOPE,    /* the reader's ptrace scope (Landlock) */
	POD_EXPOSURE_NO_SIGNAL,   /* another uid, no CAP_KILL */
};

/* What one container's main process can do to another's. */
struct pod_exposure_access {
	enum pod_exposure_why environ; /* open /proc/PID/environ for reading */
	enum pod_exposure_why root;    /* follow /proc/PID/root */
	enum pod_exposure_why mem;     /* open /proc/PID/mem for reading */
	enum pod_exposure_why signal;  /* kill(PID, sig) */
};

/* A variable of a container's environment worth hiding. */
struct pod_exposure_var {
	char *name;   /* NAME, or PREFIX* for an envFrom Secret whose keys are unknown */
	char *secret; /* the Secret it comes from, NULL for none */
	bool credential_like;
};

/* One container of the analysis; by[j] is what container j can do to it
 * (by[self] unused). */
struct pod_exposure_ctr {
	const char *name; /* borrowed from the pod */
	struct pod_exposure_creds creds;
	struct pod_exposure_var *vars; /* secret or credential-like only */
	size_t n_vars;
	struct pod_exposure_access *by;
};

struct pod_exposure {
	struct pod_exposure_ctr *ctrs;
	size_t n;
	int yama_scope; /* -1: no Yama */
};

/* One container's input to pod_exposure_analyze(), all borrowed. */
struct pod_exposure_input {
	const struct pod_container *c; /* an app container or a sidecar */
	json_object *config;           /* its config.json, NULL: not created */
	/* [i]: the keys of c->env_from[i]'s Secret, NULL when unknown or not a
	 * secretRef; NULL: none known */
	char *const *const *secret_keys;
};

/* Is access allowed? */
static inline bool pod_exposure_allowed(enum pod_exposure_why w)
{
	return w == POD_EXPOSURE_SAME_CREDS || w == POD_EXPOSURE_CAP_SYS_PTRACE ||
	       w == POD_EXPOSURE_SAME_UID || w == POD_EXPOSURE_CAP_KILL;
}

/* A few words for w ("same uid and gid", "CAP_SYS_PTRACE", ...). Static. */
const char *pod_exposure_why_text(enum pod_exposure_why w);

/* The credentials of the main process started from process (the OCI
 * "process" object pod_plan_process() writes and the runtime applies:
 * user.uid/gid, capabilities), after the execve of a program without
 * setuid bit or file capabilities: uid 0 gets permitted = bounding |
 * inheritable and effective = permitted, any other uid its ambient set
 * (security/commoncap.c cap_bprm_creds_from_file); dumpable, since its uid
 * is its euid (fs/exec.c begin_new_exec). 0, or -EINVAL naming the field. */
int pod_exposure_creds_from_process(json_object *process, struct pod_exposure_creds *ret,
                                    struct pp_error *err);

/* The same from a whole config.json, with its ptrace scope (scoped). */
int pod_exposure_creds_from_config(json_object *config, struct pod_exposure_creds *ret,
                                   struct pp_error *err);

/* What caller can do to target's main process, in one pid namespace and
 * user namespace, with Yama's ptrace_scope yama_scope (-1: no Yama). Pure;
 * the rules and the kernel functions they follow are in exposure.c. */
void pod_exposure_access(const struct pod_exposure_creds *caller,
                         const struct pod_exposure_creds *target, int yama_scope,
                         struct pod_exposure_access *ret);

/* Does an environment variable's name look like a credential (PASSWORD,
 * PASSWD, SECRET, TOKEN, KEY, CREDENTIAL, AUTH..., any case)? */
bool pod_exposure_credential_like(const char *name);

/* The analysis of n containers (app containers and sidecars: those that
 * run side by side) of a pod: credentials from each process, its secret and
 * credential-like variables (from the config's process env, else the spec's; a
 * variable is from a Secret when its last source in the kubelet's order,
 * envFrom then env, is a secretRef or secretKeyRef), and every access.
 * Caller frees with pod_exposure_free(). 0 or -EINVAL (a malformed process). */
int pod_exposure_analyze(const struct pod_exposure_input *in, size_t n, int yama_scope,
                         struct pod_exposure **ret, struct pp_error *err);

/* Free e; NULL allowed. Returns NULL. */
struct pod_exposure *pod_exposure_free(struct pod_exposure *e);
