/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime: an OCI runtime-spec bundle (config.json + rootfs) → a running
 * container, with runc's create/start/state/kill/delete/exec lifecycle
 * (OCI runtime-spec runtime.md). `pea` is a CLI over exactly this API, and
 * the pod monitor uses it in-process.
 *
 * State of container ID lives in <state_root>/<ID>/ (state.json, the exec
 * fifo). Every process of a container lives in its own cgroup (from
 * linux.cgroupsPath, created if missing), so the container can be signalled
 * and stopped whole, daemonized children included. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

struct pp_error;

enum rt_status {
	RT_STATUS_CREATING,
	RT_STATUS_CREATED,
	RT_STATUS_RUNNING,
	RT_STATUS_STOPPED,
	RT_STATUS_PAUSED, /* alive, its cgroup frozen (runc pause) */
};

/* OCI state (runtime.md "State"). Strings owned by the struct. */
struct rt_state {
	char *id;
	enum rt_status status;
	pid_t pid; /* 0 when stopped */
	char *bundle;
	char *created;            /* RFC 3339 */
	char *cgroup_path;        /* absolute path of the container's cgroup v2 folder, or NULL */
	char *rootfs;             /* absolute root.path, or NULL */
	json_object *annotations; /* config.json's annotations (a reference), or NULL */
};

/* One line of a user namespace's uid_map or gid_map (config-linux.md
 * "User namespace mappings"): container ids [container_id, +size) are host
 * ids [host_id, +size). */
struct rt_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

/* A new user namespace with these mappings (written from the parent, as
 * runc does; setgroups left "allow" since the writer is privileged), held
 * by no process: *ret_fd is an fd of /proc/<helper>/ns/user (caller
 * closes), usable with setns(2) and as mount_setattr's userns_fd. Either
 * list may be empty (no mapping for that kind). 0 or -errno. */
int rt_userns_create(const struct rt_idmap *uids, size_t n_uids, const struct rt_idmap *gids,
                     size_t n_gids, int *ret_fd, struct pp_error *err);

/* Where the runtime's warnings go (a failed poststart or poststop hook):
 * fn gets one line without a newline; NULL (the default) keeps them at
 * debug level. Not thread-safe: set once at startup. */
void rt_set_warn_fn(void (*fn)(const char *msg));

struct rt_create_opts {
	const char *state_root; /* like runc --root; created if missing */
	const char *id;         /* [A-Za-z0-9_.+-]{1,1024}, unique in state_root */
	const char *bundle;     /* folder holding config.json; root.path is relative to it */
	/* fds that become the process's 0, 1, 2 (borrowed, dup'ed into the
	 * child); -1 means /dev/null. Ignored for process.terminal. */
	int stdio[3];
	/* For process.terminal: a connected AF_UNIX socket (borrowed); the pty
	 * master is sent over it with SCM_RIGHTS, as runc --console-socket. */
	int console_socket;
	const char *pid_file; /* written with the init pid, may be NULL */
	/* runc --preserve-fds: the caller's fds 3..3+N-1 stay open in the
	 * process (they must be open, without O_CLOEXEC or not). */
	unsigned preserve_fds;
	/* runc --no-new-keyring: keep the caller's session keyring instead of
	 * a new "_ses.<id>" one (exec then joins none either). */
	bool no_new_keyring;
	/* runc --systemd-cgroup: linux.cgroupsPath is "slice:prefix:name"
	 * (absent: "system.slice:runc:<id>"), laid out as systemd would
	 * (rt_cgroup_systemd_path) on cgroupfs, without systemd. */
	bool systemd_cgroup;
	/* runc --no-pivot: MS_MOVE and chroot instead of pivot_root
	 * (rt_rootfs_move; weaker, for a rootfs on ramfs). */
	bool no_pivot;
};

/* Create container opts->id from its bundle: clone the init process into its
 * namespaces (new, or joined by linux.namespaces[].path), set up mounts,
 * rootfs (pivot_root), devices, hostname, cgroup, rlimits, user, caps,
 * no_new_privs, seccomp, then block before execve until
 * rt_container_start(). The init is a child of the calling process (the
 * caller reaps it). *ret_pid may be NULL. Nothing is left behind on error.
 * Errors: -EEXIST (id in use), -EINVAL (bad config, message names the
 * field: "process.rlimits[0]: RLIMIT_NOFILE hard 1048576 above the host's
 * 20000"), or the failing syscall's -errno with what it did. */
int rt_container_create(const struct rt_create_opts *opts, pid_t *ret_pid, struct pp_error *err);

/* Let a created container execve its process. 0, -ENOENT, or -EINVAL when
 * not in state created. */
int rt_container_start(const char *state_root, const char *id, struct pp_error *err);

/* Read the state (status recomputed from the live process). *ret is
 * filled; free its members with rt_state_clear(). 0 or -ENOENT. */
int rt_container_state(const char *state_root, const char *id, struct rt_state *ret,
                       struct pp_error *err);
void rt_state_clear(struct rt_state *st);

/* "created", "running", "paused", ... (static). */
const char *rt_status_name(enum rt_status s);

/* The state as OCI state JSON (what `runc state` prints); caller owns. */
json_object *rt_state_to_json(const struct rt_state *st);

/* Send sig to the init process (0: only check that it exists); with all, to every process in the
 * container's cgroup (SIGKILL uses cgroup.kill where the kernel has it).
 * 0, -ENOENT, -ESRCH (already stopped). */
int rt_container_kill(const char *state_root, const char *id, int sig, bool all,
                      struct pp_error *err);

/* Freeze every process of a created or running container (runc pause):
 * its cgroup's freezer (v1 twin on a hybrid host, else v2 cgroup.freeze);
 * `state` says "paused" until rt_container_resume(). 0, -ENOENT,
 * -EINVAL "container 'ID' is not running" (stopped, already paused, no
 * cgroup), -ETIMEDOUT when the kernel does not finish freezing. */
int rt_container_pause(const char *state_root, const char *id, struct pp_error *err);
/* Thaw a paused container (runc resume). 0, -ENOENT, -EINVAL "container
 * 'ID' is not paused". */
int rt_container_resume(const char *state_root, const char *id, struct pp_error *err);

/* Delete a stopped container: its cgroup and state folder. With force, kill
 * every process of the container first and wait until the cgroup is empty.
 * Does not touch the bundle. 0, -ENOENT, -EBUSY (running and !force). */
int rt_container_delete(const char *state_root, const char *id, bool force, struct pp_error *err);

/* Did the kernel's OOM killer kill a process of container id (its cgroup's
 * oom_kill counter, v2 memory.events or the v1 memory.oom_control, is
 * above 0)? Call before rt_container_delete(). *ret false when the cgroup
 * is gone or has no memory accounting. 0 or -ENOENT. */
int rt_container_oom_killed(const char *state_root, const char *id, bool *ret,
                            struct pp_error *err);

/* Container id's cgroup counters as runc's `events --stats` "data" object
 * ({"cpu": {"usage": {"total", "percpu", "kernel", "user"}, "throttling"},
 * "memory": {"cache", "usage", "swap", "kernel", "kernelTCP", "raw"},
 * "pids": {"current", "limit"}, "blkio", "hugetlb"}; nanoseconds and
 * bytes), from its v1 hierarchies on a hybrid host or its v2 folder.
 * *ret is new (caller puts it). 0, or -ENOENT when it has no cgroup. */
int rt_container_stats(const char *state_root, const char *id, json_object **ret,
                       struct pp_error *err);
/* Apply a linux.resources object (borrowed) to container id's existing
 * cgroup, as `runc update` does: the same fields and host checks as
 * create (devices left as they are). 0, -ENOENT (no such container or no
 * cgroup), -EINVAL or -ENOTSUP naming the field. */
int rt_container_update(const char *state_root, const char *id, json_object *resources,
                        struct pp_error *err);
/* The OOM killer's kill count in container id's cgroup (v2 memory.events
 * oom_kill, plus the v1 memory.oom_control oom_kill on a hybrid host), for
 * `events` to report an "oom" event when it grows. 0 or -ENOENT. */
int rt_container_oom_count(const char *state_root, const char *id, uint64_t *ret,
                           struct pp_error *err);

/* A running container's usage, as the kubelet's resource metrics read it
 * from its cgroup. */
struct rt_usage {
	uint64_t cpu_usec;           /* cpu.stat usage_usec (v2) */
	uint64_t memory_working_set; /* bytes: usage minus inactive_file */
	bool has_cpu, has_memory;    /* false: no accounting available */
};

/* Usage of running container id: CPU from the v2 cpu.stat; memory from the
 * v2 memory.current/memory.stat or the v1 memory twin (hybrid hosts).
 * 0, or -ENOENT when it is gone or not running. */
int rt_container_usage(const char *state_root, const char *id, struct rt_usage *ret,
                       struct pp_error *err);

/* The cgroup of container id as /proc/PID/cgroup's cgroup v2 line names it
 * ("/peapod/<uid>/<name>": its folder under the v2 hierarchy), and its
 * bundle folder. Caller frees both. 0, or -ENOENT when the container or
 * its cgroup is unknown. */
int rt_container_cgroup(const char *state_root, const char *id, char **ret_cgroup,
                        char **ret_bundle, struct pp_error *err);
/* The cgroup v2 path ("0::PATH" line of the cgroup file) of the process
 * whose /proc folder procfd is (borrowed). Caller frees. -ENOENT when it
 * has none, -ESRCH (or another -errno) when it is gone. */
int rt_proc_cgroup(int procfd, char **ret, struct pp_error *err);

/* IDs of all containers in state_root (caller strv_free()s). */
int rt_container_list(const char *state_root, char ***ret_ids, struct pp_error *err);

struct rt_exec_opts {
	const char *state_root;
	const char *id;
	/* An OCI "process" object (config.md "process"): args, env, cwd,
	 * terminal, user, capabilities, noNewPrivileges, rlimits... Borrowed.
	 * Missing fields are NOT taken from the container's config: the caller
	 * gives a whole process. */
	json_object *process;
	int stdio[3];       /* as in rt_create_opts */
	int console_socket; /* as in rt_create_opts */
	const char *pid_file;
	unsigned preserve_fds; /* as in rt_create_opts */
};

/* Run a new process in a running container: join all its namespaces (by
 * /proc/<init>/ns/<type>), its cgroup, then apply the process's user, caps,
 * env, cwd, rlimits, no_new_privs and the container's seccomp/apparmor
 * where set, and execve. The new process is a child of the calling process
 * (CLONE_PARENT), so the caller waits for it. Returns once execve succeeded
 * (or its failure is reported: -ENOENT `exec: "foo": No such file or
 * directory`). *ret_pid may be NULL. */
int rt_container_exec(const struct rt_exec_opts *opts, pid_t *ret_pid, struct pp_error *err);

/* Limits of a parent cgroup, in linux.resources' units; 0 means unset. */
struct rt_cgroup_limits {
	int64_t memory_limit; /* bytes */
	uint64_t cpu_shares;  /* 2..262144 (cpu.weight on v2 by the OCI conversion) */
	int64_t cpu_quota;    /* µs a period */
	uint64_t cpu_period;  /* µs */
};

/* Create the cgroup at cgroups_path (a linux.cgroupsPath-style path such
 * as "/peapod/<uid>"), in the v2 hierarchy and, on hybrid hosts, its v1
 * twins where v2 lacks a controller, as a parent of containers' cgroups:
 * lim applied (memory.max/cpu.weight/cpu.max, or memory.limit_in_bytes,
 * cpu.shares, cpu.cfs_*), no device rules. An existing one is updated.
 * 0 or -errno (-ENOTSUP on a cgroup v1-only host). */
int rt_cgroup_setup(const char *cgroups_path, const struct rt_cgroup_limits *lim,
                    struct pp_error *err);

/* Remove the empty cgroup folder at cgroups_path (a linux.cgroupsPath-style
 * path such as "/peapod/<uid>") from the v2 hierarchy and, on hybrid hosts,
 * from the v1 pids/freezer/memory twins the runtime created. Missing is
 * success; -EBUSY while it still has processes or children. */
int rt_cgroup_remove(const char *cgroups_path, struct pp_error *err);

/* Capability name ("CAP_SYS_PTRACE" or "SYS_PTRACE", any case) → number,
 * or -EINVAL. */
int rt_cap_from_name(const char *name);
/* Name of capability number cap without "CAP_" ("SYS_PTRACE"), or NULL
 * when peapod has no name for it. Static string. */
const char *rt_cap_name(int cap);
/* Number of the highest capability this kernel knows (cap_last_cap). */
int rt_cap_last(void);

/* Whether the host runs SELinux (selinuxfs mounted) or AppArmor (runc's
 * apparmor.IsEnabled). */
bool rt_selinux_enabled(void);
bool rt_apparmor_enabled(void);

/* The kernel's Landlock ABI version (landlock.rst), or -errno (-ENOSYS,
 * -EOPNOTSUPP: none). */
int rt_landlock_abi(void);

/* The names linux.seccomp takes (seccomp.c's tables). */
enum rt_seccomp_names {
	RT_SECCOMP_ACTIONS, /* defaultAction, syscalls[].action: "SCMP_ACT_*" */
	RT_SECCOMP_OPS,     /* syscalls[].args[].op: "SCMP_CMP_*" */
	RT_SECCOMP_FLAGS,   /* flags: "SECCOMP_FILTER_FLAG_*" */
	RT_SECCOMP_ARCHES,  /* architectures: "SCMP_ARCH_*" libseccomp knows */
};
/* Every name of table which, the aliases too, sorted: what `features`
 * lists. A NULL-terminated vector of static strings; caller frees the
 * vector only (free()). */
const char **rt_seccomp_names(enum rt_seccomp_names which);

/* Bring "lo" up in the current network namespace (as a new sandbox's
 * namespace needs, whatever its CNI plugins do). 0 or -errno. */
int rt_ns_loopback_up(struct pp_error *err);

/* Every mount option mounts[].options takes (config-linux.c's tables and
 * the extensions: bind, rbind, idmap, ridmap, tmpcopyup), sorted: what
 * `features` lists. A NULL-terminated vector of static strings; caller
 * frees the vector only (free()). */
const char **rt_mount_option_names(void);
/* The hook kinds config.json's hooks takes, in lifecycle order: a static
 * NULL-terminated vector, do not free. */
const char *const *rt_hook_names(void);

/* Field `field` (0 the name ... 5 the home, 6 the shell) of the first
 * entry for uid in /etc/passwd of the current root, parsed here rather
 * than through NSS (pea is static). NULL when there is none; caller frees. */
char *rt_passwd_field(uid_t uid, unsigned int field);

/* ---- the runtime binary as containers see it (sealed-exe.c) ---- */

/* Call first in a process that will enter a container's namespaces (pea
 * create/run/exec, peapod apply/exec/monitor), with main's argv: unless
 * /proc/self/exe already cannot be written (rt_exe_sealed), fexecve the
 * binary, with the same argv and environment, from a view of it no one can
 * write: a detached read-only overlayfs mount of its folder, or a memfd
 * copy with F_SEAL_SEAL|SHRINK|GROW|WRITE where the kernel refuses that.
 * So no process of a container can reach the host's binary through
 * /proc/PID/exe (CVE-2019-5736; runc 1.2's overlay, runc 1.1's cloned
 * binary). Running from the view, it makes the process non-dumpable
 * (PR_SET_DUMPABLE 0) and returns 0; execve resets that for the container's
 * process. On failure returns -errno and the process stays as it was. */
int rt_exe_protect(char **argv, struct pp_error *err);
/* True when /proc/self/exe cannot be written: a memfd with the seals
 * above, or a file on a read-only mount. */
bool rt_exe_sealed(void);
/* The host path of the binary we run (the original one when running from
 * the view): a static buffer or the environment, do not free; NULL
 * with errno when /proc/self/exe cannot be read. */
const char *rt_exe_path(void);
