/* SPDX-License-Identifier: Apache-2.0 */
/* Exec into a running container (runc exec): join the init's namespaces and
 * cgroup from an intermediate child, clone the final process with
 * CLONE_PARENT so it is the caller's child, apply the OCI process and
 * execve. Failures before execve come back as a raw struct pp_error. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/close_range.h>
#include <linux/sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/syscall.h"

/* Join order: the user namespace first (it grants the capabilities the
 * others need when the container has one), the mount namespace last, since
 * setns(CLONE_NEWNS) also moves our root and cwd (setns(2)). */
static const enum rt_ns_type join_order[] = {
    RT_NS_USER, RT_NS_IPC, RT_NS_UTS, RT_NS_NET, RT_NS_PID, RT_NS_CGROUP, RT_NS_TIME, RT_NS_MNT,
};

/* Everything the children need, set up by the caller before fork. */
struct exec_ctx {
	const struct rt_exec_opts *opts;
	struct rt_process proc;
	int ns[RT_NS_COUNT]; /* -1: shared with us, nothing to join */
	const char *cgroup_path;
	bool keyring;                      /* join the container's session keyring */
	struct rt_seccomp_filter *seccomp; /* the container's, NULL when none */
	struct rt_seccomp *profile;        /* its profile, for SCMP_ACT_NOTIFY's listener */
	const struct rt_state_file *st;
	int sync; /* the children's end of the SOCK_SEQPACKET pair */
};

static void close_ns(int ns[RT_NS_COUNT])
{
	for (int t = 0; t < RT_NS_COUNT; t++)
		if (ns[t] >= 0)
			(void)close(take_fd(&ns[t]));
}

/* True when fd is the namespace of type t we are already in (joining our
 * own user namespace is EINVAL; the others are just useless). */
static bool ns_is_ours(int fd, enum rt_ns_type t)
{
	char path[64];
	struct stat a, b;

	(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", rt_ns_proc_name(t));
	if (fstat(fd, &a) < 0 || stat(path, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Open the init's namespaces while /proc is still ours. */
static int open_namespaces(pid_t pid, int ns[RT_NS_COUNT], struct pp_error *err)
{
	for (int t = 0; t < RT_NS_COUNT; t++)
		ns[t] = -1;
	for (int t = 0; t < RT_NS_COUNT; t++) {
		int fd = rt_ns_open(pid, (enum rt_ns_type)t, err);

		if (fd == -ENOENT && t == RT_NS_TIME) { /* a kernel without time namespaces */
			pp_error_clear(err);
			continue;
		}
		if (fd < 0) {
			close_ns(ns);
			return fd;
		}
		if (ns_is_ours(fd, (enum rt_ns_type)t)) {
			(void)close(fd);
			fd = -1;
		}
		ns[t] = fd;
	}
	return 0;
}

/* A signal mask or ignored disposition of the caller (pea blocks signals
 * for its signalfd, the monitor too) must not leak into the container:
 * ignored signals survive execve (signal(7)). */
static void reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL); /* EINVAL for KILL/STOP and libc-reserved ones */
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Load the filter; with SCMP_ACT_NOTIFY, its listener fd goes to the
 * caller, which passes it to listenerPath, as runc does for exec too. */
static int load_filter(struct exec_ctx *c, struct pp_error *err)
{
	struct pp_error msg = {.code = RT_SYNC_SECCOMP};
	cleanup_close int fd = -1;
	int r = rt_seccomp_load(c->seccomp, err);

	if (r < 0 || c->profile == NULL || !c->profile->has_notify)
		return r;
	fd = rt_seccomp_notify_fd(c->seccomp);
	if (fd < 0)
		return pp_error(err, fd, "linux.seccomp: get the listener fd");
	r = fdpass_send(c->sync, &msg, sizeof(msg), fd);
	return r < 0 ? pp_error(err, r, "linux.seccomp: pass the listener fd") : 0;
}

/* The process, with the container's seccomp filter loaded where runc
 * loads it: before the capabilities go without no_new_privs, else right
 * before execve. Only returns on error. */
static int apply_and_exec(struct exec_ctx *c, struct pp_error *err)
{
	static char *const empty_env[] = {NULL};
	char path[PATH_MAX];
	int r = 0;

	rt_process_default_home(&c->proc);
	if (!c->proc.no_new_privileges)
		r = load_filter(c, err);
	if (r >= 0)
		r = rt_process_apply(&c->proc, err);
	if (r >= 0)
		r = rt_process_find(&c->proc, path, err);
	if (r >= 0 && c->proc.no_new_privileges)
		r = load_filter(c, err);
	if (r < 0)
		return r;
	execve(path, c->proc.args, c->proc.env ? c->proc.env : empty_env);
	return pp_error(err, errno, "exec: \"%s\"", path);
}

/* The final process, in every namespace of the container: stdio or
 * terminal, then the OCI process. Only returns on error. */
static int final_child(struct exec_ctx *c, struct pp_error *err)
{
	int r;

	reset_signals();
	/* Inherited fds of the caller must not reach the container; ours
	 * (sync, console socket) close on execve. */
	r = rt_fds_close_from(c->opts->preserve_fds, err);
	if (r >= 0 && c->keyring)
		r = rt_keyring_join(c->opts->id, err);
	if (r < 0)
		return r;
	if (c->proc.terminal) {
		r = rt_terminal_setup(c->opts->console_socket, err);
	} else {
		if (setsid() < 0 && errno != EPERM)
			return pp_error(err, errno, "setsid");
		r = rt_stdio_setup(c->opts->stdio, err);
	}
	if (r < 0)
		return r;
	return apply_and_exec(c, err);
}

/* The intermediate child: cgroup, then setns into each namespace, then
 * clone the final process as a sibling (CLONE_PARENT). Returns its pid. */
static int intermediate_child(struct exec_ctx *c, struct pp_error *err)
{
	struct clone_args args = {.flags = CLONE_PARENT, .exit_signal = 0};
	long pid;
	int r;

	/* Before any setns: the cgroup path is a host path. */
	if (c->cgroup_path != NULL) {
		r = rt_cgroup_enter(c->cgroup_path, getpid(), err);
		if (r < 0)
			return pp_error_prefix(err, r, "join the container's cgroup");
	}
	for (size_t i = 0; i < sizeof(join_order) / sizeof(join_order[0]); i++) {
		enum rt_ns_type t = join_order[i];

		if (c->ns[t] < 0)
			continue;
		r = rt_ns_enter(c->ns[t], t, err);
		if (r < 0)
			return r;
		(void)close(take_fd(&c->ns[t]));
	}
	/* With CLONE_PARENT the kernel takes exit_signal from us (we were
	 * forked with SIGCHLD), so the caller gets SIGCHLD for it. */
	pid = sys_clone3(&args, sizeof(args));
	if (pid < 0)
		return pp_error(err, errno, "clone the exec'd process");
	if (pid == 0) {
		struct pp_error cerr = {0};

		(void)final_child(c, &cerr);
		rt_sync_send_error(c->sync, &cerr);
		_exit(127);
	}
	return (int)pid;
}

/* Second message: EOF once the final process's execve closed the socket
 * (success), or its error; on the way, the seccomp listener fd to pass
 * on. On error the process is reaped here. */
static int wait_final(const struct exec_ctx *c, int sock, pid_t pid, struct pp_error *err)
{
	struct pp_error msg;
	ssize_t n;
	int fd = -1, r = 0;

	for (;;) {
		n = fdpass_recv(sock, &msg, sizeof(msg), -1, &fd);
		if (n != (ssize_t)sizeof(msg) || msg.code != RT_SYNC_SECCOMP || fd < 0)
			break;
		cleanup_free char *state = rt_hook_state(c->st->id, "running", c->st->pid,
		                                         c->st->bundle, c->st->annotations);

		r = rt_seccomp_send_listener(c->profile, fd, pid, state, err);
		(void)close(take_fd(&fd));
		if (r < 0)
			break;
	}
	if (fd >= 0)
		(void)close(fd);
	if (n == 0 && r == 0)
		return 0;
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	if (n != (ssize_t)sizeof(msg))
		return pp_error(err, n < 0 ? (int)-n : EPROTO, "exec: read the process's report");
	*err = msg;
	err->msg[sizeof(err->msg) - 1] = '\0';
	return -(err->code > 0 ? err->code : EIO);
}

/* fork the intermediate, collect both reports. Returns the final pid. */
static int spawn(struct exec_ctx *c, pid_t *ret_pid, struct pp_error *err)
{
	cleanup_close int ours = -1;
	int sv[2];
	pid_t child, pid = 0;
	int r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return pp_error(err, errno, "socketpair");
	ours = sv[0];
	c->sync = sv[1];
	child = fork();
	if (child < 0) {
		(void)close(c->sync);
		return pp_error(err, errno, "fork");
	}
	if (child == 0) {
		struct pp_error cerr = {0};
		int p = intermediate_child(c, &cerr);

		if (p > 0 && fs_write_all(c->sync, &p, sizeof(pid_t)) == 0)
			_exit(0);
		rt_sync_send_error(c->sync, &cerr);
		_exit(1);
	}
	(void)close(c->sync);
	r = rt_sync_wait_pid(ours, child, &pid, err);
	if (r == 0)
		r = wait_final(c, ours, pid, err);
	if (r < 0)
		return r;
	*ret_pid = pid;
	return 0;
}

int rt_pid_file_write(const char *path, pid_t pid, struct pp_error *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	/* runc's createPidFile: a temp file renamed, no fsync */
	return fs_write_atomic_volatile(path, buf, (size_t)n, 0644, err);
}

/* The container's seccomp profile, as create saved it (*ret_profile,
 * caller frees), built (*ret). */
static int load_seccomp(const struct rt_exec_opts *opts, struct rt_seccomp **ret_profile,
                        struct rt_seccomp_filter **ret, struct pp_error *err)
{
	cleanup_free char *dir = rt_state_dir(opts->state_root, opts->id);
	int r = rt_seccomp_load_saved(dir, ret_profile, err);

	if (r >= 0)
		r = rt_seccomp_build(*ret_profile, ret, err);
	return r;
}

/* In a user namespace, the stdio pipes owned by the process's user there
 * (rt_stdio_chown), through the init's maps. */
static void stdio_chown(const struct exec_ctx *c, pid_t init)
{
	cleanup_free struct rt_idmap *uids = NULL, *gids = NULL;
	size_t nu = 0, ng = 0;

	if (rt_idmap_read(init, "uid_map", &uids, &nu, NULL) < 0 ||
	    rt_idmap_read(init, "gid_map", &gids, &ng, NULL) < 0)
		return;
	rt_stdio_chown(c->opts->stdio, rt_idmap_to_host(uids, nu, c->proc.uid),
	               rt_idmap_to_host(gids, ng, c->proc.gid));
}

int rt_container_exec(const struct rt_exec_opts *opts, pid_t *ret_pid, struct pp_error *err)
{
	struct rt_state_file st = {0};
	struct exec_ctx c = {.opts = opts, .sync = -1};
	pid_t pid = 0;
	int r;

	r = rt_exe_check(err);
	if (r >= 0)
		r = rt_state_read(opts->state_root, opts->id, &st, err);
	if (r < 0)
		return r;
	if (!rt_state_pid_alive(&st)) {
		rt_state_file_clear(&st);
		return pp_error_msg(err, ESRCH, "cannot exec in stopped container '%s'", opts->id);
	}
	/* as runc without --ignore-paused: the process would hang frozen */
	if (st.cgroup_path != NULL && rt_cgroup_frozen(st.cgroup_path)) {
		rt_state_file_clear(&st);
		return pp_error_msg(err, EBUSY, "cannot exec in a paused container '%s'", opts->id);
	}
	r = rt_process_parse(opts->process, &c.proc, err);
	if (r < 0) {
		rt_state_file_clear(&st);
		return r;
	}
	c.cgroup_path = st.cgroup_path;
	c.st = &st;
	c.keyring = !st.no_new_keyring;
	r = load_seccomp(opts, &c.profile, &c.seccomp, err);
	if (c.proc.terminal && opts->console_socket < 0)
		r = pp_error_msg(err, EINVAL,
		                 "process.terminal is set but no console socket given");
	if (r == 0)
		r = open_namespaces(st.pid, c.ns, err);
	/* Checked again now that the fds pin them: the pid may have exited
	 * (and been reused) between the first check and the opens. */
	if (r == 0 && !rt_state_pid_alive(&st)) {
		close_ns(c.ns);
		r = pp_error_msg(err, ESRCH, "cannot exec in stopped container '%s'", opts->id);
	}
	if (r == 0 && c.ns[RT_NS_USER] >= 0 && !c.proc.terminal)
		stdio_chown(&c, st.pid);
	if (r == 0) {
		r = spawn(&c, &pid, err);
		close_ns(c.ns);
	}
	if (r == 0 && opts->pid_file != NULL) {
		r = rt_pid_file_write(opts->pid_file, pid, err);
		if (r < 0) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0); /* the caller never learns its pid */
		}
	}
	rt_seccomp_filter_free(c.seccomp);
	rt_seccomp_free(c.profile);
	rt_process_clear(&c.proc);
	rt_state_file_clear(&st);
	if (r < 0)
		return r;
	if (ret_pid != NULL)
		*ret_pid = pid;
	return 0;
}
