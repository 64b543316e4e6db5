/* SPDX-License-Identifier: Apache-2.0 */
/* Plan a pod: a validated, defaulted pod model → one sandbox OCI bundle and
 * one OCI bundle per container, as containerd's CRI plugin builds them for
 * runc (pkg/cri/server/{sandbox_run,container_create}_linux.go). Pure JSON
 * generation plus the user lookup inside a mounted rootfs. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

struct pp_error;
struct pod;
struct pod_container;
struct pod_run_as;
struct img_config;

/* Where a pod's host-side files are, all absolute. Borrowed strings. */
struct pod_plan_paths {
	const char *pod_dir;       /* $RUN/pods/<uid> */
	const char *hosts;         /* file bound at /etc/hosts */
	const char *hostname;      /* file bound at /etc/hostname */
	const char *resolv_conf;   /* file bound at /etc/resolv.conf */
	const char *shm;           /* folder (a tmpfs) bound at /dev/shm in every container */
	const char *cgroup_parent; /* e.g. "/peapod/<uid>"; each bundle gets <parent>/<name> */
	const char *netns;         /* the sandbox joins this pinned netns, NULL: a new one */
	/* hostUsers: false: the pinned user namespace the sandbox joins (the
	 * containers join the sandbox's), 0 inside mapped to userns_base. */
	const char *userns;
	uint32_t userns_base;
};

/* The node's security settings a bundle follows (pod/seccomp.h); NULL
 * where one is taken: the defaults (all zero). */
struct pod_plan_node {
	const char *seccomp_dir; /* the Localhost profiles' folder */
	/* a container that sets no profile runs Unconfined (node config
	 * seccompDefault: false) instead of RuntimeDefault */
	bool unconfined_default;
};

/* The sandbox's config.json: process ["/pause"] as uid 0, root "rootfs"
 * read-only, new ipc and uts namespaces, the pinned network namespace
 * paths->netns (else a new one, loopback up), a new pid
 * namespace (shared with the containers when spec.shareProcessNamespace),
 * hostname = spec.hostname or metadata.name, the default masked and
 * read-only paths, cgroupsPath <parent>/sandbox, linux.sysctl from
 * spec.securityContext.sysctls (names normalized; the kubelet's admission,
 * pod_sysctl_admit(), comes first), the pod-level seccompProfile under
 * node's settings (containerd gives the sandbox the pod's) and the ptrace
 * scope of pod_plan_ptrace_scope(). *ret caller owns. 0 or -errno. */
int pod_plan_sandbox(const struct pod *pod, const struct pod_plan_paths *paths,
                     const struct pod_plan_node *node, json_object **ret, struct pp_error *err);

/* A resolved user (runtime-spec config.md "user"). */
struct pod_user {
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
};

/* Resolve an image's User ("", "name", "uid", "uid:gid", "name:group",
 * "uid:group") against /etc/passwd and /etc/group of the rootfs open at
 * rootfd (looked up with RESOLVE_IN_ROOT; rootfd -1 allows numeric users
 * only). Supplementary groups come from /etc/group, as runc does. members of
 * *ret caller-freed (free(ret->additional_gids)). 0 or -EINVAL/-ENOENT with
 * `user "foo": no matching entries in passwd file`. additional_gids holds
 * the primary gid first (containerd >= 1.6.18), then, when no group was
 * given, the groups that list the user by name. */
int pod_user_resolve(int rootfd, const char *user, struct pod_user *ret, struct pp_error *err);

/* The name of uid in /etc/passwd of the rootfs open at rootfd (looked up
 * with RESOLVE_IN_ROOT, at most 4 MiB read): the first entry with that
 * uid. *ret caller-freed, NULL when the file or the entry is missing.
 * 0 or -errno (a passwd that is not a regular file, unreadable). */
int pod_user_name(int rootfd, uint32_t uid, char **ret, struct pp_error *err);

/* The effective runAsUser, runAsGroup and runAsNonRoot of c: each
 * container-level field overrides the pod's (the kubelet's
 * DetermineEffectiveSecurityContext). */
void pod_run_as_effective(const struct pod *pod, const struct pod_container *c,
                          struct pod_run_as *ret);

/* The user container c runs as. Without an effective runAsUser or
 * runAsGroup: pod_user_resolve() of the image's USER. With them, what the
 * kubelet hands containerd: runAsUser (else the user part of the image's
 * USER, else 0), its gid from the image's /etc/passwd (0 when unknown)
 * unless runAsGroup, plus the /etc/group memberships of that user (none
 * under supplementalGroupsPolicy Strict, as containerd). Then
 * spec.securityContext.supplementalGroups and fsGroup merged in, sorted,
 * as the kubelet and containerd do. *ret members caller-freed. 0 or -errno as pod_user_resolve().
 */
int pod_user_for_container(int rootfd, const struct pod *pod, const struct pod_container *c,
                           const char *image_user, struct pod_user *ret, struct pp_error *err);

/* The kubelet's verifyRunAsNonRoot: with an effective runAsNonRoot true,
 * the container must run as a known non-zero uid (runAsUser, else the
 * numeric user part of the image's USER). 0, or -EPERM with the kubelet's
 * message, e.g. `container has runAsNonRoot and image will run as root
 * (pod: "NAME_NS(UID)", container: C)`. */
int pod_verify_run_as_non_root(const struct pod *pod, const struct pod_container *c,
                               const char *image_user, struct pp_error *err);

/* The argv of a container (Kubernetes "command and args" rules against the
 * image's Entrypoint and Cmd; $(VAR) references expanded from env as the
 * kubelet does). *ret caller strv_free()s. -EINVAL when empty. */
int pod_plan_argv(const struct pod_container *c, const struct img_config *img, char *const *env,
                  char ***ret, struct pp_error *err);

/* The pod's hostname as the kubelet computes it: spec.hostname, else
 * metadata.name cut to 63 characters without a trailing '-' or '.'; the
 * host's name for a hostNetwork pod. Caller frees. */
char *pod_plan_hostname(const struct pod *pod);

/* The hostname the pod's kernel (uts namespace) and /etc/hostname get, as
 * the kubelet's GetNodenameForKernel: pod_plan_hostname(), or with
 * setHostnameAsFQDN and a subdomain its FQDN
 * (HOST.SUBDOMAIN.NAMESPACE.svc.cluster.local). *ret caller frees. 0, or
 * -EINVAL when the FQDN is over 64 characters (the kubelet's words). */
int pod_plan_kernel_hostname(const struct pod *pod, char **ret, struct pp_error *err);

/* The environment, in containerd's order: the default PATH, HOSTNAME, the
 * image's Env, then kenv (the container's own, pod_env_resolve(); NULL for
 * none), each same name replacing the earlier value in place (a bare
 * "NAME" in the image unsets it). Caller strv_free()s. */
char **pod_plan_env(const struct pod *pod, const struct pod_container *c,
                    const struct img_config *img, char *const *kenv);

/* The "process" object of a container: argv, env, cwd (workingDir, then the
 * image's WorkingDir, then "/"), user, terminal = tty, capabilities
 * (containerd's 14 defaults, plus securityContext.capabilities.add, minus
 * drop; "ALL" allowed in either), noNewPrivileges true only when
 * securityContext.allowPrivilegeEscalation is false (the kubelet's
 * AddNoNewPrivileges), of t's container with t's image and env (t's
 * rootfd, sandbox and paths unused). *ret caller owns. 0 or -errno. */
struct pod_plan_target;
int pod_plan_process(const struct pod_plan_target *t, const struct pod_user *user,
                     json_object **ret, struct pp_error *err);

/* A container's config.json: pod_plan_process() with the user of
 * pod_user_for_container(), root "rootfs" (read-only with
 * securityContext.readOnlyRootFilesystem), mounts
 * (proc, dev, pts, shm bound from paths->shm, mqueue, sysfs ro, cgroup ro,
 * /etc/hosts, /etc/hostname, /etc/resolv.conf, /dev/termination-log, then
 * one bind per volumeMount: rbind, rprivate, ro or rw, from
 * pod_volume_source() or, with a subPath, pod_volume_subpath_target() under
 * paths->pod_dir; these CRI mounts sorted by destination depth, stable),
 * namespaces: network, ipc, uts joined at /proc/<sandbox_pid>/ns/<type>, pid
 * joined when shareProcessNamespace, else the target's (target_pid, an
 * ephemeral container's targetContainerName, as the kubelet's
 * NamespaceMode TARGET), else new; mount and cgroup new; masked
 * and read-only paths; cgroupsPath <parent>/<name>; CRI annotations. rootfd
 * is the mounted rootfs (for the user lookup); linux.seccomp by the
 * container's effective seccompProfile (pod_seccomp_plan()) and the ptrace
 * scope of pod_plan_ptrace_scope(). *ret caller owns. 0 or -errno (a
 * Localhost profile that cannot be loaded). */
struct pod_plan_target {
	const struct pod *pod;
	const struct pod_container *c; /* one of pod's (init) containers */
	const struct img_config *img;  /* its image's config */
	int rootfd;                    /* its mounted rootfs, or -1 */
	pid_t sandbox_pid;             /* pause, whose namespaces it joins */
	pid_t target_pid;              /* > 0: its pid namespace is this process's */
	char *const *env;              /* its own environment (pod_env_resolve()), NULL for none */
	const struct pod_plan_paths *paths;
	const struct pod_plan_node *node;
};
int pod_plan_container(const struct pod_plan_target *t, json_object **ret, struct pp_error *err);

/* Does a process with OCI capability set bounding (an array of "CAP_..."
 * names) under seccomp profile type (RuntimeDefault, Localhost,
 * Unconfined) get peapod's ptrace scope: the annotation
 * run.peapod.ptrace-scope "container" (runtime/landlock.c), which keeps
 * it from ptrace access (/proc/PID/environ, mem, root; attach) to any
 * process outside its container? Under RuntimeDefault, without
 * CAP_SYS_PTRACE (which grants that access) and CAP_SYS_ADMIN (whose
 * mounts a Landlock domain forbids), when the kernel has Landlock: the
 * part of Yama's ptrace_scope 1 that containerd's profile leaves to the
 * host. */
bool pod_plan_ptrace_scope(const char *type, json_object *bounding);

/* Fill linux.resources object res for c, one of pod's containers:
 * cpu.shares from the cpu request (the kubelet's MilliCPUToShares: 2 when
 * none), cpu.quota/period (100000) from the cpu limit, memory.limit in
 * bytes from the memory limit; a limit c lacks is the pod-level one
 * (spec.resources.limits) when the pod sets it, as the kubelet does. */
void pod_plan_resources(json_object *res, const struct pod *pod, const struct pod_container *c);

struct rt_cgroup_limits;
/* The limits of the pod's cgroup (the kubelet's ResourceConfigForPod):
 * cpu shares from the pod-level cpu request, else the containers'
 * aggregate request (max of the app containers' sum and the largest init
 * container's); cpu quota and memory limit from the pod-level limits,
 * else the containers' aggregate when every container sets that limit;
 * 0 (unset) otherwise. */
void pod_plan_pod_cgroup(const struct pod *pod, struct rt_cgroup_limits *ret);

/* Is c privileged (securityContext.privileged: true)? The one question
 * the plan asks: a privileged container gets every capability peapod
 * holds, the host's devices with every device allowed, no masked or
 * read-only paths, /sys and /sys/fs/cgroup writable, noNewPrivileges
 * false, and no seccomp or AppArmor profile (containerd's
 * oci.WithPrivileged, WithHostDevices, WithAllDevicesAllowed). */
bool pod_plan_privileged(const struct pod_container *c);

/* linux.devices for a privileged container: every char and block device
 * under the host's /dev (not pts, shm, fd, mqueue, .lxc, .lxd-mounts,
 * .udev nor /dev/console), with its owner and mode, as containerd's
 * HostDevices; what cannot be read is skipped. Caller puts. */
json_object *pod_plan_host_devices(void);

/* containerd's default capability set, "CAP_"-prefixed, NULL-terminated. */
extern const char *const pod_default_caps[];
