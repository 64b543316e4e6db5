/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's internal model and helpers, shared by container.c (create),
 * exec.c (exec into a running container) and the setup files: the parsed
 * OCI config, the state record, namespaces, cgroups, terminal and the last
 * steps of a process before execve. Not part of the public API. */
#pragma once

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "runtime/runtime.h"

struct pp_error;

/* Bounds on untrusted config input. */
#define RT_CONFIG_MAX_BYTES (4u << 20)
#define RT_MAX_ARRAY        4096
#define RT_MAX_NUMA_NODES   1024

/* Typed member lookup for validation: 1 and *ret (borrowed) when key is
 * present with type, 0 when absent or null, -EINVAL "<path>.<key>: expected
 * <type>" otherwise. path names o ("process.user"). */
int rt_json_member(json_object *o, const char *path, const char *key, enum json_type type,
                   json_object **ret, struct pp_error *err);
/* Same for an array of strings → *ret strv (caller frees; NULL when absent). */
int rt_json_strv(json_object *o, const char *path, const char *key, char ***ret,
                 struct pp_error *err);

/* ---- process (config.md "process") ---- */

struct rt_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

/* Capability sets as bitmasks (bit n = capability n). */
struct rt_caps {
	uint64_t bounding;
	uint64_t effective;
	uint64_t inheritable;
	uint64_t permitted;
	uint64_t ambient;
};

struct rt_process {
	char **args; /* non-empty */
	char **env;  /* may be NULL (empty) */
	char *cwd;   /* absolute */
	bool terminal;
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask;
	bool has_caps; /* false: capabilities absent → all caps dropped */
	struct rt_caps caps;
	bool no_new_privileges;
	struct rt_rlimit *rlimits;
	size_t n_rlimits;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool has_sched; /* process.scheduler, as sched_setattr(2) takes it */
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	bool has_ioprio; /* process.ioPriority, as ioprio_set(2) takes it */
	int ioprio;
};

/* Parse an OCI "process" object into *ret (zeroed first; clear with
 * rt_process_clear() on success, nothing to clear on failure). Unknown
 * capability or rlimit names and wrong types give -EINVAL naming the field
 * ("process.capabilities.bounding[2]: unknown capability 'CAP_FOO'").
 * A non-empty apparmorProfile or selinuxLabel is -EINVAL: pea applies
 * neither (runc 1.1 refuses both on a host without them). Borrows process. */
int rt_process_parse(json_object *process, struct rt_process *ret, struct pp_error *err);
void rt_process_clear(struct rt_process *p);

/* RLIMIT_* from "RLIMIT_NOFILE" (exact), or -EINVAL. */
int rt_rlimit_from_name(const char *name);
const char *rt_rlimit_name(int resource);

/* ---- namespaces ---- */

enum rt_ns_type {
	RT_NS_USER,
	RT_NS_PID,
	RT_NS_NET,
	RT_NS_IPC,
	RT_NS_UTS,
	RT_NS_MNT,
	RT_NS_CGROUP,
	RT_NS_TIME, /* made by rt_timens_setup, never by clone */
	RT_NS_COUNT,
};

struct rt_namespace {
	bool enabled; /* listed in linux.namespaces */
	char *path;   /* join this one (setns) instead of creating; NULL = new */
};

/* "pid", "net", ... as in /proc/PID/ns/ (mount is "mnt"). */
const char *rt_ns_proc_name(enum rt_ns_type t);
/* CLONE_NEWPID etc. */
int rt_ns_clone_flag(enum rt_ns_type t);
/* Open /proc/<pid>/ns/<type> O_RDONLY|O_CLOEXEC. fd or -errno (err filled). */
int rt_ns_open(pid_t pid, enum rt_ns_type t, struct pp_error *err);
/* setns(fd, flag of t). 0 or -errno with "join pid namespace". */
int rt_ns_enter(int fd, enum rt_ns_type t, struct pp_error *err);

struct rt_config;
/* Open linux.namespaces[].path of each joined namespace (host paths, before
 * clone); fds[t] = -1 otherwise. Caller closes. 0 or -errno. */
int rt_ns_open_paths(const struct rt_config *c, int fds[RT_NS_COUNT], struct pp_error *err);
/* CLONE_NEW* flags of the namespaces to create. */
int rt_ns_new_flags(const struct rt_config *c);
/* Child: setns every fd in fds except the pid one (which the parent joins
 * before clone: a pid namespace only applies to children). Closes them. */
int rt_ns_join_paths(int fds[RT_NS_COUNT], struct pp_error *err);

/* ---- user namespace (userns.c; config-linux.md "User namespace mappings") ---- */

struct rt_config;
/* linux.uidMappings and linux.gidMappings into c (each at most 340
 * entries, the kernel's limit). Required (both) when a new user namespace
 * is listed; refused without a user namespace, as runc does. -EINVAL
 * naming the field. */
int rt_idmaps_parse(json_object *lx, struct rt_config *c, struct pp_error *err);
/* The user namespace the container joins, as an fd (caller closes): the
 * one at linux.namespaces[].path, or a new one with c's mappings made by a
 * helper child (rt_userns_create). -1 and 0 when c has none. */
int rt_userns_open(const struct rt_config *c, int *ret_fd, struct pp_error *err);
/* <prefix>.<key> (uidMappings or gidMappings) of o, a config's "linux"
 * or a mount, into *ret (caller frees). 0 when absent or empty; -EINVAL
 * naming the field. */
int rt_idmaps_parse_one(json_object *o, const char *prefix, const char *key, struct rt_idmap **ret,
                        size_t *ret_n, struct pp_error *err);
/* Parent side: each idmap mount's source as a detached idmapped bind
 * (open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_IDMAP), which
 * need the host's CAP_SYS_ADMIN), mapped by its own mappings or else by
 * the container's user namespace userns (-1: none). Sets idmap_fd. */
int rt_idmap_mounts_prepare(struct rt_config *c, int userns, struct pp_error *err);
/* In the child, in its mount namespace, before becoming the user
 * namespace's root: open root.path and every bind source O_PATH and point
 * the config at them (root_fd_path, source_fd_path), so that root, which
 * is not the host's, needs no access to their folders. The fds (O_CLOEXEC,
 * kept open until execve) are listed in *ret_fds (caller frees the array). */
int rt_userns_open_sources(struct rt_config *c, int **ret_fds, size_t *ret_n, struct pp_error *err);
/* The host id of id inside through maps (n lines), or -1 when unmapped. */
int64_t rt_idmap_to_host(const struct rt_idmap *maps, size_t n, uint32_t id);
/* /proc/<pid>/<file> ("uid_map", "gid_map") parsed into *ret (caller
 * frees). 0 or -errno. */
int rt_idmap_read(pid_t pid, const char *file, struct rt_idmap **ret, size_t *ret_n,
                  struct pp_error *err);
/* Caller side, for a process in a user namespace: the pipes and sockets
 * among stdio become owned by the host ids of its user (host_uid,
 * host_gid), as containerd's shim makes them for a remapped root, so that
 * it can reopen them (/dev/stderr → /proc/self/fd/2). Others are left
 * alone; failures are ignored (the process then gets EACCES there). */
void rt_stdio_chown(const int stdio[3], int64_t host_uid, int64_t host_gid);
/* After setns into a user namespace: become its root (uid and gid 0, no
 * supplementary groups), so that what setup creates belongs to the
 * container's root. -EINVAL when 0 is not mapped. */
int rt_userns_become_root(struct pp_error *err);

/* ---- mounts and config ---- */

struct rt_mount {
	char *destination;         /* absolute, inside the container */
	char *type;                /* may be NULL for bind mounts */
	char *source;              /* may be NULL */
	char *data;                /* fs-specific options joined with ',', may be NULL */
	unsigned long flags;       /* MS_* without propagation */
	unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid"...) */
	unsigned long propagation; /* MS_PRIVATE|MS_REC etc., 0 = none */
	bool bind;                 /* bind or rbind */
	bool tmpcopyup;            /* "tmpcopyup": copy the folder's content into the tmpfs */
	uint64_t rec_set, rec_clr; /* "rro", "rnosuid"...: MOUNT_ATTR_* for the whole tree */
	/* With a user namespace, "/proc/self/fd/N" of an O_PATH fd of source
	 * opened by the parent (the container's root may not reach it, as
	 * runc's mount sources); NULL otherwise. */
	char *source_fd_path;
	/* "idmap"/"ridmap" (config.md "Mounts"): an idmapped bind, with the
	 * mount's own uidMappings/gidMappings or else the container's user
	 * namespace; idmap_fd is the detached mount the parent made (-1). */
	bool idmap, idmap_recursive;
	struct rt_idmap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	int idmap_fd;
};

/* Parse mounts[i] (path "mounts[i]"): options → flags, propagation and
 * data, as runc's parseMountOptions. *ret zeroed first; clear with
 * rt_mount_clear(). */
int rt_mount_parse(json_object *m, size_t i, struct rt_mount *ret, struct pp_error *err);
void rt_mount_clear(struct rt_mount *m);

struct rt_sysctl {
	char *key; /* "net.ipv4.ip_forward" */
	char *value;
};

/* ---- seccomp (seccomp.c; config-linux.md "Seccomp") ---- */

enum rt_seccomp_action {
	RT_SCMP_KILL_THREAD, /* also "SCMP_ACT_KILL" */
	RT_SCMP_KILL_PROCESS,
	RT_SCMP_TRAP,
	RT_SCMP_ERRNO,
	RT_SCMP_TRACE,
	RT_SCMP_ALLOW,
	RT_SCMP_LOG,
	RT_SCMP_NOTIFY, /* the listener fd goes to listener_path */
};

enum rt_seccomp_op {
	RT_SCMP_OP_NE,
	RT_SCMP_OP_LT,
	RT_SCMP_OP_LE,
	RT_SCMP_OP_EQ,
	RT_SCMP_OP_GE,
	RT_SCMP_OP_GT,
	RT_SCMP_OP_MASKED_EQ, /* (arg & value) == valueTwo */
};

#define RT_SCMP_FLAG_TSYNC      (1u << 0)
#define RT_SCMP_FLAG_LOG        (1u << 1)
#define RT_SCMP_FLAG_SPEC_ALLOW (1u << 2)

struct rt_seccomp_arg {
	unsigned index; /* 0..5 */
	int op;         /* enum rt_seccomp_op */
	uint64_t value;
	uint64_t value_two;
};

struct rt_seccomp_syscall {
	char **names;       /* non-empty */
	int action;         /* enum rt_seccomp_action */
	uint32_t errno_ret; /* for ERRNO and TRACE; EPERM when absent */
	struct rt_seccomp_arg *args;
	size_t n_args;
};

struct rt_seccomp {
	int default_action;
	uint32_t default_errno;
	char **arches;  /* "SCMP_ARCH_X86_64"..., validated; may be NULL */
	unsigned flags; /* RT_SCMP_FLAG_* */
	struct rt_seccomp_syscall *syscalls;
	size_t n_syscalls;
	bool has_notify;         /* some syscall's action is SCMP_ACT_NOTIFY */
	char *listener_path;     /* linux.seccomp.listenerPath, required with notify */
	char *listener_metadata; /* linux.seccomp.listenerMetadata, may be NULL */
};

/* Parse and validate a linux.seccomp object into *ret (caller frees with
 * rt_seccomp_free()). Unknown actions, operators, architectures and flags
 * are -EINVAL naming the field ("linux.seccomp.syscalls[3].action: unknown
 * action 'SCMP_ACT_FOO'"); SCMP_ACT_NOTIFY is refused. Syscall names are
 * not checked here. */
int rt_seccomp_parse(json_object *seccomp, struct rt_seccomp **ret, struct pp_error *err);
void rt_seccomp_free(struct rt_seccomp *s);

/* A filter built with libseccomp, ready to load. */
struct rt_seccomp_filter;
/* Build the filter of s (NULL s: *ret = NULL, 0). Syscall names unknown
 * to libseccomp or this arch are skipped, as runc does. The filter does
 * not set no_new_privs itself. Done before fork/clone, so that loading it
 * in the child is one syscall. */
int rt_seccomp_build(const struct rt_seccomp *s, struct rt_seccomp_filter **ret,
                     struct pp_error *err);
/* Install f on the calling thread (NULL: nothing). Needs no_new_privs or
 * CAP_SYS_ADMIN, so: before dropping capabilities when the process has no
 * noNewPrivileges, else as the last step before execve (runc's order). */
int rt_seccomp_load(struct rt_seccomp_filter *f, struct pp_error *err);

/* The annotation run.peapod.ptrace-scope of annotations (NULL allowed):
 * *ret true for "container", false when absent; -EINVAL naming it for any
 * other value. landlock.c says what it means. */
int rt_ptrace_scope_parse(json_object *annotations, bool *ret, struct pp_error *err);

/* Put the calling process (a container's init, after pivot_root, before
 * its capabilities go) in a Landlock domain of its own. 0, or -errno with
 * the annotation named when the kernel has no Landlock. */
int rt_ptrace_scope_apply(struct pp_error *err);
void rt_seccomp_filter_free(struct rt_seccomp_filter *f);
/* After rt_seccomp_load() of a filter with SCMP_ACT_NOTIFY: its listener
 * fd (caller closes), or -errno. */
int rt_seccomp_notify_fd(struct rt_seccomp_filter *f);
/* Parent side: send the listener fd to s->listener_path (an AF_UNIX
 * stream socket) with runtime.md's containerProcessState: fds
 * ["seccompFd"], pid, metadata and state (state_json, the container's
 * state as text). Borrows fd. 0 or -errno naming listenerPath. */
int rt_seccomp_send_listener(const struct rt_seccomp *s, int fd, pid_t pid, const char *state_json,
                             struct pp_error *err);
/* The container's linux.seccomp JSON kept in its state folder for exec:
 * write (nothing when s is NULL) and read back (*ret NULL when none). */
int rt_seccomp_save(const char *state_dir, json_object *seccomp, struct pp_error *err);
int rt_seccomp_load_saved(const char *state_dir, struct rt_seccomp **ret, struct pp_error *err);

/* ---- device rules (device-rules.c; config-linux.md "Device allowlist",
 * "Devices") ---- */

#define RT_DEV_WILDCARD  (-1)
#define RT_DEV_ACC_MKNOD 1u /* the kernel's DEVCG_ACC_* and BPF_DEVCG_ACC_* */
#define RT_DEV_ACC_READ  2u
#define RT_DEV_ACC_WRITE 4u
#define RT_DEV_ACC_ALL   7u

/* One linux.resources.devices rule. type 'a' is "every device": the kernel
 * reads such a rule as a switch of the default whatever its numbers. */
struct rt_dev_rule {
	char type;       /* 'a', 'b' or 'c' */
	int64_t major;   /* RT_DEV_WILDCARD = any */
	int64_t minor;   /* RT_DEV_WILDCARD = any */
	unsigned access; /* RT_DEV_ACC_* */
	bool allow;
};

/* What a list of rules leaves in a v1 devices cgroup: a default and the
 * exceptions to it (all of the opposite verdict), as the kernel keeps it. */
struct rt_dev_policy {
	bool default_allow;
	struct rt_dev_rule *ex; /* owned */
	size_t n;
};

/* One linux.devices node. */
struct rt_device {
	char *path; /* absolute, inside the container */
	char type;  /* 'c' ('u' is read as 'c'), 'b' or 'p' */
	int64_t major;
	int64_t minor;
	uint32_t mode; /* permission bits; 0666 when absent */
	uint32_t uid;
	uint32_t gid;
};

/* linux.resources.devices (arr may be NULL) → *ret, with runc's default
 * allow rules (runc 1.1 specconv AllowedDevices: mknod of any char or block
 * device, null, zero, full, random, urandom, tty, ptmx, /dev/net/tun and
 * pts) appended, less those whose node linux.devices redefines. Caller
 * frees *ret. -EINVAL naming the field
 * ("linux.resources.devices[2].access: invalid 'rwx'"). */
int rt_dev_rules_parse(json_object *arr, const struct rt_device *devs, size_t n_devs,
                       struct rt_dev_rule **ret, size_t *ret_n, struct pp_error *err);
/* Replay rules as the v1 devices controller does from "deny all" (runc's
 * emulator): allow/deny add or take away exact exceptions. A rule that would
 * punch a hole in a wildcard exception, which v1 silently ignores, is
 * -EINVAL, as in runc. *ret cleared with rt_dev_policy_clear(). */
int rt_dev_policy_compute(const struct rt_dev_rule *rules, size_t n, size_t n_config,
                          struct rt_dev_policy *ret, struct pp_error *err);
void rt_dev_policy_clear(struct rt_dev_policy *p);
/* The verdict of p for one access (type 'b'/'c', access RT_DEV_ACC_*), as
 * the kernel's v1 check gives it. */
bool rt_dev_policy_allows(const struct rt_dev_policy *p, char type, uint32_t major, uint32_t minor,
                          unsigned access);
/* A BPF_PROG_TYPE_CGROUP_DEVICE program giving p's verdicts. *ret is an
 * array of struct bpf_insn (caller frees), *ret_n its length. */
void rt_dev_bpf_build(const struct rt_dev_policy *p, void **ret, size_t *ret_n);
/* "c 10:* rw", the v1 devices.allow/deny syntax ("a" for type 'a'). */
void rt_dev_rule_format(const struct rt_dev_rule *r, char buf[64]);
/* linux.devices (arr may be NULL) → *ret (free with rt_devices_free()). */
int rt_devices_parse(json_object *arr, struct rt_device **ret, size_t *ret_n, struct pp_error *err);
void rt_devices_free(struct rt_device *d, size_t n);
/* Apply c's device rules to the container's cgroups: the v1 devices
 * hierarchy at rel when it is mounted (a hybrid host), else an eBPF device
 * program attached to the v2 folder v2_dir (pure v2), as runc does. 0 or
 * -errno; a failure is never skipped. */
bool rt_cgroup_devices_v1_mounted(void);
int rt_cgroup_devices_v1(const char *rel, const struct rt_config *c, struct pp_error *err);
int rt_cgroup_devices_bpf(const char *v2_dir, const struct rt_config *c, struct pp_error *err);

/* ---- hooks (hooks.c; config.md "POSIX-platform Hooks") ---- */

enum rt_hook_kind {
	RT_HOOK_PRESTART,
	RT_HOOK_CREATE_RUNTIME,
	RT_HOOK_CREATE_CONTAINER,
	RT_HOOK_START_CONTAINER,
	RT_HOOK_POSTSTART,
	RT_HOOK_POSTSTOP,
	RT_HOOK_COUNT,
};

struct rt_hook {
	char *path;  /* absolute */
	char **args; /* may be NULL: argv is { path } */
	char **env;  /* may be NULL: empty */
	int timeout; /* seconds, 0 = none */
};

struct rt_hooks {
	struct rt_hook *list[RT_HOOK_COUNT];
	size_t n[RT_HOOK_COUNT];
};

/* The "hooks" object (NULL: none) into *ret (cleared with
 * rt_hooks_clear(); nothing to clear on failure). Unknown kinds are
 * ignored, as runc does; a missing or relative path and a timeout not
 * above zero are -EINVAL naming the field ("hooks.prestart[0].path"). */
int rt_hooks_parse(json_object *hooks, struct rt_hooks *ret, struct pp_error *err);
void rt_hooks_clear(struct rt_hooks *h);
/* The state (runtime.md "State") a hook reads on stdin, as JSON text
 * (caller frees); pid left out when 0, annotations when NULL. */
char *rt_hook_state(const char *id, const char *status, pid_t pid, const char *bundle,
                    json_object *annotations);
/* Run the hooks of kind k in order, each in a child of the caller (so in
 * the caller's namespaces) with state on stdin, and stop at the first
 * that fails: -EIO "error running prestart hook #0: exit status 1,
 * stdout: …, stderr: …" or -ETIME "… hook ran past specified timeout of
 * 2.0s" (killed), as runc words them. */
int rt_hooks_run(const struct rt_hooks *h, enum rt_hook_kind k, const char *state,
                 struct pp_error *err);
/* The same for poststart and poststop, whose failures only warn
 * (rt_warn) and never stop the others (config.md). */
void rt_hooks_run_warn(const struct rt_hooks *h, enum rt_hook_kind k, const char *state);
/* The config's hooks object kept in the state folder for start and
 * delete (nothing when hooks is NULL), and read back (*ret empty when
 * none was saved). 0 or -errno. */
int rt_hooks_save(const char *state_dir, json_object *hooks, struct pp_error *err);
int rt_hooks_load_saved(const char *state_dir, struct rt_hooks *ret, struct pp_error *err);
/* A warning through rt_set_warn_fn's function (log_debug without one). */
void rt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct rt_config {
	json_object *json; /* the whole config.json, owned */
	char *bundle;      /* absolute */
	char *root_path;   /* absolute */
	bool root_readonly;
	bool has_process;
	struct rt_process process;
	char *hostname; /* may be NULL */
	struct rt_mount *mounts;
	size_t n_mounts;
	struct rt_namespace ns[RT_NS_COUNT];
	char *cgroups_path; /* linux.cgroupsPath, may be NULL */
	char **masked_paths;
	char **readonly_paths;
	unsigned long rootfs_propagation; /* 0 = default (MS_REC|MS_SLAVE) */
	struct rt_sysctl *sysctls;
	size_t n_sysctls;
	json_object *resources;        /* linux.resources, borrowed from json, may be NULL */
	bool limits_only;              /* a parent cgroup (rt_cgroup_setup): no device rules */
	json_object *annotations;      /* borrowed from json, may be NULL */
	struct rt_seccomp *seccomp;    /* linux.seccomp, NULL when absent */
	struct rt_dev_rule *dev_rules; /* linux.resources.devices + runc's defaults */
	size_t n_dev_rules;
	size_t n_dev_config;             /* how many of dev_rules come from the config */
	struct rt_dev_policy dev_policy; /* what dev_rules leave, for the eBPF program */
	struct rt_device *devices;       /* linux.devices */
	size_t n_devices;
	char *root_fd_path;        /* the same for root_path, NULL when unused */
	struct rt_idmap *uid_maps; /* linux.uidMappings */
	size_t n_uid_maps;
	struct rt_idmap *gid_maps; /* linux.gidMappings */
	size_t n_gid_maps;
	bool ptrace_scope; /* annotation run.peapod.ptrace-scope: "container" */
	struct rt_hooks hooks;
	json_object *hooks_json; /* borrowed from json, may be NULL */
	bool has_personality;    /* linux.personality */
	unsigned long personality;
	bool has_time_offsets;      /* linux.timeOffsets */
	int64_t time_offsets[2][2]; /* [monotonic, boottime][secs, nanosecs] */
	bool has_mempolicy;         /* linux.memoryPolicy: mode | flags, nodes */
	int mempolicy_mode;
	unsigned long mempolicy_nodes[RT_MAX_NUMA_NODES / (8 * sizeof(unsigned long))];
};

/* ---- one-syscall knobs (kernel-opts.c) ---- */

/* linux.personality, linux.memoryPolicy and linux.timeOffsets (only with
 * a new time namespace) into c; unknown names are
 * -EINVAL naming the field ("linux.memoryPolicy.mode: unknown value"). */
int rt_kopts_parse_linux(json_object *lx, struct rt_config *c, struct pp_error *err);
/* In the init, before execve: personality(2), set_mempolicy(2). 0 or
 * -errno naming the field. */
int rt_kopts_apply_linux(const struct rt_config *c, struct pp_error *err);
/* In the init, with a new time namespace: unshare it, write
 * linux.timeOffsets to /proc/self/timens_offsets (only possible before
 * a process is in it), then enter it (setns of time_for_children). */
int rt_timens_setup(const struct rt_config *c, struct pp_error *err);
/* process.scheduler and process.ioPriority into p (zeroed by the caller). */
int rt_kopts_parse_process(json_object *proc, struct rt_process *p, struct pp_error *err);
/* sched_setattr(2) and ioprio_set(2) of p on the calling process. */
int rt_kopts_apply_process(const struct rt_process *p, struct pp_error *err);

/* Read and validate <bundle>/config.json into *ret (caller frees with
 * rt_config_free()). -EINVAL with a field path on bad input, -ENOENT when
 * missing. */
int rt_config_load(const char *bundle, struct rt_config **ret, struct pp_error *err);
/* Same, from already parsed JSON (takes a reference on json). */
int rt_config_parse(json_object *json, const char *bundle, struct rt_config **ret,
                    struct pp_error *err);
struct rt_config *rt_config_free(struct rt_config *c);
/* The "linux" object into c (config-linux.c). */
int rt_config_parse_linux(json_object *json, struct rt_config *c, struct pp_error *err);

/* ---- rootfs (mounts.c, devices.c, rootfs.c), in the child ---- */

/* Copy the tree below the folder from (borrowed; never following a
 * symlink nor crossing a mount) into the empty folder to, with owners,
 * modes and times (the "tmpcopyup" mount option of runc and crun).
 * 0 or -errno. */
int rt_copyup(int from, int to);

/* mount(2) onto /proc/self/fd/<fd> (an O_PATH fd). 0 or -errno. */
int rt_mount_fd(const char *source, int fd, const char *type, unsigned long flags,
                const char *data);
/* Remount the bind mount at fd with flags (MS_RDONLY...), keeping its
 * locked nosuid/nodev/noexec. 0 or -errno. */
int rt_mount_remount_bind(int fd, unsigned long flags);
/* Mount the container's cgroupfs at destination (dfd: its O_PATH fd,
 * rootfd: the rootfs) with flags: cgroup2 on a pure v2 host, else a tmpfs
 * of the host's v1 hierarchies and unified mount, each seen through the
 * container's cgroup namespace. Hierarchies that cannot be mounted are
 * skipped; 0, or -errno of the final read-only remount. */
int rt_mount_cgroup(int rootfd, const char *destination, int dfd, unsigned long flags);
/* Every config mount inside rootfd (an O_PATH fd of the rootfs), each
 * followed by its own propagation option. */
int rt_mounts_apply(const struct rt_config *c, int rootfd, struct pp_error *err);
/* Set again each config mount's propagation option (after a recursive
 * rootfsPropagation). 0 or -errno; borrows rootfd. */
int rt_mounts_propagate(const struct rt_config *c, int rootfd, struct pp_error *err);
/* The default devices (null, zero, full, random, urandom, tty bound from the
 * host) but those linux.devices redefines, the linux.devices nodes (mknod,
 * or a bind of the host's node when mknod is not permitted), then the /dev
 * symlinks (/dev/ptmx always the devpts one). */
int rt_devices_setup(const struct rt_config *c, int rootfd, struct pp_error *err);
/* Before anything is mounted: make our copy of the host's mounts rslave
 * (rprivate for a private rootfsPropagation; for a shared one, the mount
 * holding the rootfs private), bind the rootfs onto itself and make that
 * rslave; *ret_rootfd an O_PATH fd of it (caller closes). */
int rt_rootfs_prepare(const struct rt_config *c, int *ret_rootfd, struct pp_error *err);
/* pivot_root into rootfd and detach the old root. */
int rt_rootfs_pivot(int rootfd, struct pp_error *err);
/* After pivot: linux.rootfsPropagation on "/", then, when it was
 * recursive, each mount's own propagation again. 0 or -errno. */
int rt_rootfs_propagate(const struct rt_config *c, struct pp_error *err);
/* After pivot: sysctls, maskedPaths, readonlyPaths, root.readonly. */
int rt_rootfs_finish(const struct rt_config *c, struct pp_error *err);

/* ---- the binary (sealed-exe.c) ---- */

/* Before entering a container's namespaces: -EPERM unless we run from the
 * sealed copy made by rt_exe_protect(); makes the process non-dumpable. */
int rt_exe_check(struct pp_error *err);

/* ---- state (<state_root>/<id>/state.json) ---- */

struct rt_state_file {
	char *id;
	pid_t pid;
	uint64_t pid_start; /* field 22 of /proc/<pid>/stat */
	char *bundle;
	char *created;            /* RFC 3339 */
	char *cgroup_path;        /* absolute v2 folder, may be NULL */
	bool started;             /* rt_container_start() done */
	json_object *annotations; /* owned, may be NULL */
};

/* Validate an id ([A-Za-z0-9_.+-]{1,1024}, not "." or ".."). 0 or -EINVAL. */
int rt_id_validate(const char *id, struct pp_error *err);
/* <state_root>/<id>, caller frees. */
char *rt_state_dir(const char *state_root, const char *id);
int rt_state_write(const char *state_root, const struct rt_state_file *st, struct pp_error *err);
/* 0, -ENOENT (no such container), -EINVAL (corrupt). *ret cleared by caller
 * with rt_state_file_clear(). */
int rt_state_read(const char *state_root, const char *id, struct rt_state_file *ret,
                  struct pp_error *err);
void rt_state_file_clear(struct rt_state_file *st);
/* Start time of pid from /proc/<pid>/stat, 0 when gone. */
uint64_t rt_proc_start_time(pid_t pid);
/* True when st->pid is still the process that was started. */
bool rt_state_pid_alive(const struct rt_state_file *st);

/* ---- cgroups (cgroup.c; v2 = pure or unified hierarchy) ---- */

/* Create the cgroup for cgroups_path (relative to the v2 root; NULL → a
 * default from id), apply cfg resources. *ret_path = absolute v2 folder,
 * caller frees. */
int rt_cgroup_create(const char *cgroups_path, const struct rt_config *cfg, char **ret_path,
                     struct pp_error *err);
/* Move pid into the cgroup at path (absolute v2 folder, as in the state),
 * and into the v1 pids/freezer hierarchies at the same relative path when
 * they exist (best effort). 0 or -errno. */
int rt_cgroup_enter(const char *path, pid_t pid, struct pp_error *err);
/* Signal every process in the cgroup (cgroup.kill for SIGKILL when there). */
int rt_cgroup_kill(const char *path, int sig, struct pp_error *err);
/* 1 when the cgroup has processes, 0 when empty, -errno. */
int rt_cgroup_populated(const char *path, struct pp_error *err);
/* Wait up to timeout_ms until empty, then rmdir (and the v1 twins).
 * Missing is success. -EBUSY if still populated. */
int rt_cgroup_destroy(const char *path, int timeout_ms, struct pp_error *err);

/* ---- terminal (terminal.c), in the child after pivot_root ---- */

/* Open a new pty from /dev/ptmx of the current mount ns. Both fds
 * O_CLOEXEC, caller closes. 0 or -errno. */
int rt_terminal_create(int *ret_master, int *ret_slave, struct pp_error *err);
/* setsid() if not leader, TIOCSCTTY on slave, dup it onto 0, 1, 2. */
int rt_terminal_make_controlling(int slave, struct pp_error *err);
/* Both above, with the master sent over console_socket (SCM_RIGHTS, as
 * runc --console-socket) and closed between them. */
int rt_terminal_setup(int console_socket, struct pp_error *err);

/* dup stdio[i] onto fd i (-1 → /dev/null, opened before pivot by the
 * caller or now), clearing O_CLOEXEC. 0 or -errno. */
int rt_stdio_setup(const int stdio[3], struct pp_error *err);

/* ---- sync with the cloned child ---- */

/* Child side: write err raw (sizeof(struct pp_error)) down fd. */
void rt_sync_send_error(int fd, const struct pp_error *err);
/* Child side: write the 0 "ok" marker. */
int rt_sync_send_ok(int fd);
/* Child side: ask the parent to run the hooks of the runtime's namespace
 * (prestart, createRuntime), then wait for its "g". 0 or -errno. */
#define RT_SYNC_HOOKS   (-1)
#define RT_SYNC_SECCOMP (-2) /* sent with the seccomp listener fd */
int rt_sync_send_hooks(int fd);
/* rt_sync_wait that also takes an fd sent with the message (*ret_fd, -1
 * when none; caller closes): 2 for RT_SYNC_SECCOMP. */
int rt_sync_wait_fd(int fd, int *ret_fd, struct pp_error *err);
/* Parent side: wait for the child's report: 0 (ok), 1 (the child asks for
 * the hooks, rt_sync_send_hooks), or -code with *err as the child wrote
 * it; -EPIPE "child died" on EOF. */
int rt_sync_wait(int fd, struct pp_error *err);
/* Parent side of an intermediate child's one message: the pid of the
 * process it cloned with CLONE_PARENT (*ret_pid), or its error. Reaps the
 * intermediate (child). 0 or -errno; -EPIPE when it died silently. */
int rt_sync_wait_pid(int sock, pid_t child, pid_t *ret_pid, struct pp_error *err);

/* ---- the last steps in the child (process.c, caps.c) ---- */

/* rlimits, oom_score_adj, setgroups/setgid/setuid keeping caps, bounding
 * drop, capset (effective/permitted/inheritable), ambient, no_new_privs,
 * umask, chdir(cwd). Only returns on error. */
int rt_process_apply(const struct rt_process *p, struct pp_error *err);
/* Without HOME in p->env, add HOME= the home of p->uid in /etc/passwd of
 * the current root (the container's), or "/", as runc and crun do. Call
 * inside the container's rootfs, before seccomp and the user switch. */
void rt_process_default_home(struct rt_process *p);
/* execve(args[0]) with a PATH lookup (the process env's PATH, or a default
 * one) when args[0] has no '/'. Only returns on error (-ENOENT `exec: "foo":
 * No such file or directory`). */
int rt_process_exec(const struct rt_process *p, struct pp_error *err);
/* The PATH lookup alone (runc does it before reporting ready, so create
 * fails on a missing binary): ret gets the path to execve. 0, -ENOENT
 * `exec: "foo": executable file not found in $PATH`, -EACCES... */
int rt_process_find(const struct rt_process *p, char ret[PATH_MAX], struct pp_error *err);
/* In a freshly cloned child: every handler back to SIG_DFL and an empty
 * signal mask, so a caller's signalfd setup (blocked SIGCHLD, SIGTERM...)
 * never leaks into the container. */
void rt_signals_reset(void);
/* rt_process_apply() then rt_process_exec(). */
int rt_process_apply_and_exec(const struct rt_process *p, struct pp_error *err);

/* Capabilities (caps.c). Drop every cap not in caps->bounding from the
 * bounding set: needs CAP_SETPCAP, so before switching user. */
int rt_caps_drop_bounding(const struct rt_caps *caps, struct pp_error *err);
/* capset effective/permitted/inheritable, then the ambient set. After the
 * user switch (with PR_SET_KEEPCAPS). */
int rt_caps_apply(const struct rt_caps *caps, struct pp_error *err);
/* Parse an array of names into a mask; field names the array for errors. */
int rt_caps_parse(json_object *arr, const char *field, uint64_t *ret, struct pp_error *err);
