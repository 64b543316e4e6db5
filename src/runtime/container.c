/* SPDX-License-Identifier: Apache-2.0 */
/* rt_container_create: the orchestration of a container's birth. The
 * parent prepares (state folder, exec fifo, cgroup, namespace fds), clones
 * the init into its new namespaces, puts it in its cgroup, and waits for
 * its report; the child sets up and blocks on the exec fifo. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/close_range.h>
#include <linux/sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/syscall.h"
#include "util/xalloc.h"

struct create_ctx {
	const struct rt_create_opts *opts;
	struct rt_config *cfg;
	char *state_dir;
	char *cgroup_path;
	int ns_fds[RT_NS_COUNT];
	int sync[2]; /* [0] parent's end, [1] child's end */
	int fifo;    /* O_PATH fd of exec.fifo */
	int console;
	bool made_state_dir; /* ours to remove on failure */
	bool spawned;        /* the init was cloned: a failure runs poststop */
	pid_t pid;
	char exe[PATH_MAX];                /* the child's resolved args[0] */
	struct rt_seccomp_filter *seccomp; /* built here, loaded by the child */
};

/* Move fd above stdio so that setting up 0..2 cannot clobber it. */
static int lift_fd(int *fd)
{
	int n;

	if (*fd < 0 || *fd > 2)
		return 0;
	n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		return -errno;
	*fd = n;
	return 0;
}

static int child_namespaces(struct create_ctx *c, struct pp_error *err)
{
	const struct rt_config *cfg = c->cfg;
	int r = rt_ns_join_paths(c->ns_fds, err);

	if (r < 0)
		return r;
	/* Unshared only now, once the parent moved us into our cgroup, so the
	 * namespace's root is the container's cgroup (as runc does). */
	if (cfg->ns[RT_NS_CGROUP].enabled && cfg->ns[RT_NS_CGROUP].path == NULL &&
	    unshare(CLONE_NEWCGROUP) < 0)
		return pp_error(err, errno, "new cgroup namespace");
	r = rt_timens_setup(cfg, err);
	if (r < 0)
		return r;
	if (cfg->ns[RT_NS_NET].enabled && cfg->ns[RT_NS_NET].path == NULL) {
		r = rt_ns_loopback_up(err);
		if (r < 0)
			return r;
	}
	/* A joined uts namespace gets the hostname too, as in runc and crun. */
	if (cfg->hostname != NULL) {
		if (!cfg->ns[RT_NS_UTS].enabled)
			return pp_error_msg(err, EINVAL, "hostname: needs a 'uts' namespace");
		if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
			return pp_error(err, errno, "hostname: set '%s'", cfg->hostname);
	}
	return 0;
}

/* As runc, a missing process.cwd is created (inside the rootfs, as root). */
static int create_cwd(const struct rt_config *cfg, int rootfd, struct pp_error *err)
{
	int fd;

	if (!cfg->has_process || cfg->process.cwd == NULL)
		return 0;
	fd = fs_mkdir_in_root(rootfd, cfg->process.cwd, 0755);
	if (fd < 0)
		return pp_error(err, fd, "process.cwd: create '%s'", cfg->process.cwd);
	(void)close(fd);
	return 0;
}

/* Before pivot_root (runtime.md "Lifecycle" steps 4-6): the parent runs
 * the prestart and createRuntime hooks in the runtime's namespaces while
 * we wait, then we run createContainer in the container's, where the
 * host's paths still resolve (runc's order). */
static int child_hooks(struct create_ctx *c, struct pp_error *err)
{
	const struct rt_hooks *h = &c->cfg->hooks;
	cleanup_free char *state = NULL;
	char go;

	if (h->n[RT_HOOK_PRESTART] + h->n[RT_HOOK_CREATE_RUNTIME] > 0) {
		if (rt_sync_send_hooks(c->sync[1]) < 0)
			return pp_error(err, errno, "ask for the createRuntime hooks");
		if (read(c->sync[1], &go, 1) != 1)
			return pp_error_msg(err, EPIPE, "parent went away");
	}
	if (h->n[RT_HOOK_CREATE_CONTAINER] == 0)
		return 0;
	state =
	    rt_hook_state(c->opts->id, "creating", getpid(), c->cfg->bundle, c->cfg->annotations);
	return rt_hooks_run(h, RT_HOOK_CREATE_CONTAINER, state, err);
}

static int child_rootfs(struct create_ctx *c, struct pp_error *err)
{
	cleanup_close int rootfd = -1;
	int r;

	r = rt_rootfs_prepare(c->cfg, &rootfd, err);
	if (r >= 0)
		r = rt_mounts_apply(c->cfg, rootfd, err);
	if (r >= 0)
		r = rt_devices_setup(c->cfg, rootfd, err);
	if (r >= 0)
		r = create_cwd(c->cfg, rootfd, err);
	if (r >= 0)
		r = child_hooks(c, err);
	if (r >= 0)
		r = c->opts->no_pivot ? rt_rootfs_move(rootfd, err) : rt_rootfs_pivot(rootfd, err);
	if (r >= 0)
		r = rt_rootfs_propagate(c->cfg, err);
	if (r >= 0)
		r = rt_rootfs_finish(c->cfg, err);
	return r;
}

/* In a user namespace: open root.path and the bind sources while we are
 * still the host's uid 0 (its folders' owner, whatever their mode), then
 * become the namespace's root, which owns what setup creates (runc). The
 * fds close on exec. */
static int child_userns_root(struct rt_config *cfg, struct pp_error *err)
{
	cleanup_free int *fds = NULL;
	size_t n = 0;
	int r = rt_userns_open_sources(cfg, &fds, &n, err);

	if (r >= 0)
		r = rt_userns_become_root(err);
	return r;
}

static bool notify(const struct create_ctx *c)
{
	return c->cfg->seccomp != NULL && c->cfg->seccomp->has_notify;
}

/* Load the filter; with SCMP_ACT_NOTIFY, send its listener fd to the
 * parent, which passes it to listenerPath. */
static int child_seccomp(struct create_ctx *c, struct pp_error *err)
{
	struct pp_error msg = {.code = RT_SYNC_SECCOMP};
	cleanup_close int fd = -1;
	int r = rt_seccomp_load(c->seccomp, err);

	if (r < 0 || !notify(c))
		return r;
	fd = rt_seccomp_notify_fd(c->seccomp);
	if (fd < 0)
		return pp_error(err, fd, "linux.seccomp: get the listener fd");
	r = fdpass_send(c->sync[1], &msg, sizeof(msg), fd);
	return r < 0 ? pp_error(err, r, "linux.seccomp: pass the listener fd") : 0;
}

static int child_setup(struct create_ctx *c, struct pp_error *err)
{
	const struct rt_process *p = &c->cfg->process;
	char go;
	int r;

	if (lift_fd(&c->sync[1]) < 0 || lift_fd(&c->fifo) < 0 || lift_fd(&c->console) < 0)
		return pp_error(err, errno, "dup");
	if (read(c->sync[1], &go, 1) != 1)
		return pp_error_msg(err, EPIPE, "parent went away");
	r = child_namespaces(c, err);
	if (r >= 0 && c->cfg->ns[RT_NS_USER].enabled)
		r = child_userns_root(c->cfg, err);
	if (r >= 0 && !c->opts->no_new_keyring)
		r = rt_keyring_join(c->opts->id, err);
	if (r >= 0 && !p->terminal)
		r = rt_stdio_setup(c->opts->stdio, err);
	if (r >= 0)
		r = child_rootfs(c, err);
	if (r < 0)
		return r;
	if (setsid() < 0)
		return pp_error(err, errno, "setsid");
	if (p->terminal) {
		r = rt_terminal_setup(c->console, err);
		if (r < 0)
			return r;
	}
	if (c->cfg->ptrace_scope) {
		r = rt_ptrace_scope_apply(err);
		if (r < 0)
			return r;
	}
	/* Without no_new_privs, loading needs CAP_SYS_ADMIN: before the
	 * capabilities go (runc's order); the profile must then allow our
	 * remaining setup, as runc's does. */
	if (!p->no_new_privileges) {
		r = child_seccomp(c, err);
		if (r < 0)
			return r;
	}
	r = rt_kopts_apply_linux(c->cfg, err);
	if (r >= 0)
		r = rt_process_apply(p, err);
	if (r >= 0)
		r = rt_process_find(p, c->exe, err);
	/* runc's order: the parent must get the listener fd during create. */
	if (r >= 0 && p->no_new_privileges && notify(c))
		r = child_seccomp(c, err);
	return r;
}

/* Block until rt_container_start() opens the fifo for reading. Through
 * /proc/self/fd since our fd is O_PATH (runc's exec.fifo). */
static int child_wait_start(int fifo)
{
	char path[64];
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return -errno;
	(void)close(fd);
	return 0;
}

/* startContainer (runtime.md "Lifecycle" step 7): once start was asked,
 * in the container, as its process's user, before execve (runc's). */
static int child_start_hooks(struct create_ctx *c, struct pp_error *err)
{
	cleanup_free char *state =
	    rt_hook_state(c->opts->id, "created", getpid(), c->cfg->bundle, c->cfg->annotations);

	return rt_hooks_run(&c->cfg->hooks, RT_HOOK_START_CONTAINER, state, err);
}

static _Noreturn void child_main(struct create_ctx *c)
{
	static char *const empty_env[] = {NULL};
	struct pp_error err = {0};
	int r;

	(void)close(c->sync[0]);
	rt_signals_reset();
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	r = child_setup(c, &err);
	if (r < 0) {
		rt_sync_send_error(c->sync[1], &err);
		_exit(1);
	}
	rt_process_default_home(&c->cfg->process);
	/* From here the init outlives its creator (pea create exits). */
	(void)prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	if (rt_sync_send_ok(c->sync[1]) < 0)
		_exit(1);
	(void)close(c->sync[1]);
	if (child_wait_start(c->fifo) < 0)
		_exit(1);
	if (c->cfg->hooks.n[RT_HOOK_START_CONTAINER] > 0 && child_start_hooks(c, &err) < 0) {
		dprintf(2, "pea: %s\n", err.msg);
		_exit(1);
	}
	(void)rt_fds_close_from(c->opts->preserve_fds, NULL);
	/* With no_new_privs, as late as possible: only execve must be allowed. */
	if (c->cfg->process.no_new_privileges && !notify(c) &&
	    rt_seccomp_load(c->seccomp, &err) < 0) {
		dprintf(2, "pea: %s\n", err.msg);
		_exit(1);
	}
	execve(c->exe, c->cfg->process.args, c->cfg->process.env ? c->cfg->process.env : empty_env);
	r = pp_error(&err, errno, "exec: \"%s\"", c->exe);
	dprintf(2, "pea: %s\n", err.msg);
	_exit(r == -ENOENT ? 127 : 126);
}

/* clone the init; a pid namespace given by path is entered around the
 * clone only, since it applies to children and we must get ours back. */
static int spawn_direct(struct create_ctx *c, struct pp_error *err)
{
	struct clone_args args = {.exit_signal = SIGCHLD};
	cleanup_close int self_pid_ns = -1;
	int pidns = c->ns_fds[RT_NS_PID];
	long pid;

	args.flags = (uint64_t)rt_ns_new_flags(c->cfg) & ~(uint64_t)CLONE_NEWCGROUP;
	if (pidns >= 0) {
		self_pid_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (self_pid_ns < 0)
			return pp_error(err, errno, "open /proc/self/ns/pid");
		if (rt_ns_enter(pidns, RT_NS_PID, err) < 0)
			return pp_error_prefix(err, -err->code, "'%s'", c->cfg->ns[RT_NS_PID].path);
	}
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		child_main(c);
	if (pidns >= 0 && rt_ns_enter(self_pid_ns, RT_NS_PID, NULL) < 0 && pid > 0) {
		(void)kill((pid_t)pid, SIGKILL);
		(void)waitpid((pid_t)pid, NULL, 0);
		return pp_error(err, errno, "restore our pid namespace");
	}
	if (pid < 0)
		return pp_error(err, errno, "clone the container's init");
	c->pid = (pid_t)pid;
	return 0;
}

/* In the intermediate child of a container with a user namespace: join
 * it (and a pid namespace given by path) and become its root, then clone
 * the init with CLONE_PARENT and the other new namespaces, which are thus
 * owned by the user namespace (runc's nsexec stages). Returns its pid. */
static int intermediate_child(struct create_ctx *c, struct pp_error *err)
{
	struct clone_args args = {.exit_signal = 0};
	int r = 0;
	long pid;

	if (c->ns_fds[RT_NS_PID] >= 0)
		r = rt_ns_enter(c->ns_fds[RT_NS_PID], RT_NS_PID, err);
	if (r >= 0)
		r = rt_ns_enter(c->ns_fds[RT_NS_USER], RT_NS_USER, err);
	if (r < 0)
		return r;
	(void)close(take_fd(&c->ns_fds[RT_NS_USER]));
	args.flags = CLONE_PARENT | ((uint64_t)rt_ns_new_flags(c->cfg) &
	                             ~(uint64_t)(CLONE_NEWCGROUP | CLONE_NEWUSER));
	/* With CLONE_PARENT the kernel takes exit_signal from us (forked with
	 * SIGCHLD), so the caller gets SIGCHLD for the init. */
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		child_main(c);
	if (pid < 0)
		return pp_error(err, errno, "clone the container's init");
	return (int)pid;
}

static int spawn_in_userns(struct create_ctx *c, struct pp_error *err)
{
	pid_t child = fork();

	if (child < 0)
		return pp_error(err, errno, "fork");
	if (child == 0) {
		struct pp_error cerr = {0};
		int p;

		(void)close(c->sync[0]);
		p = intermediate_child(c, &cerr);
		if (p > 0 && fs_write_all(c->sync[1], &p, sizeof(pid_t)) == 0)
			_exit(0);
		rt_sync_send_error(c->sync[1], &cerr);
		_exit(1);
	}
	return rt_sync_wait_pid(c->sync[0], child, &c->pid, err);
}

static int spawn(struct create_ctx *c, struct pp_error *err)
{
	if (c->ns_fds[RT_NS_USER] >= 0)
		return spawn_in_userns(c, err);
	return spawn_direct(c, err);
}

static int make_state_dir(struct create_ctx *c, struct pp_error *err)
{
	const struct rt_create_opts *o = c->opts;
	cleanup_free char *fifo = NULL;
	int r = fs_mkdir_p(o->state_root, 0711, err);

	if (r < 0)
		return r;
	if (mkdir(c->state_dir, 0711) < 0) {
		if (errno == EEXIST)
			return pp_error_msg(err, EEXIST, "container '%s' already exists", o->id);
		return pp_error(err, errno, "create '%s'", c->state_dir);
	}
	c->made_state_dir = true;
	fifo = xstrfmt("%s/exec.fifo", c->state_dir);
	/* 0622: the init may have switched to any user when it opens it. */
	if (mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0)
		return pp_error(err, errno, "create '%s'", fifo);
	c->fifo = open(fifo, O_PATH | O_CLOEXEC);
	if (c->fifo < 0)
		return pp_error(err, errno, "open '%s'", fifo);
	return 0;
}

static char *now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xstrfmt("%s.%09ldZ", buf, ts.tv_nsec);
}

static int write_state(struct create_ctx *c, struct pp_error *err)
{
	cleanup_free char *created = now_rfc3339();
	struct rt_state_file st = {
	    .id = (char *)c->opts->id,
	    .pid = c->pid,
	    .pid_start = rt_proc_start_time(c->pid),
	    .bundle = c->cfg->bundle,
	    .created = created,
	    .cgroup_path = c->cgroup_path,
	    .rootfs = c->cfg->root_path,
	    .no_new_keyring = c->opts->no_new_keyring,
	    .annotations = c->cfg->annotations,
	};
	int r = rt_state_write(c->opts->state_root, &st, err);

	if (r >= 0 && c->opts->pid_file != NULL)
		r = rt_pid_file_write(c->opts->pid_file, c->pid, err);
	return r;
}

/* prestart then createRuntime, in our namespaces, with the init's pid,
 * then let the child go on. */
static int parent_hooks(struct create_ctx *c, struct pp_error *err)
{
	cleanup_free char *state =
	    rt_hook_state(c->opts->id, "creating", c->pid, c->cfg->bundle, c->cfg->annotations);
	int r = rt_hooks_run(&c->cfg->hooks, RT_HOOK_PRESTART, state, err);

	if (r >= 0)
		r = rt_hooks_run(&c->cfg->hooks, RT_HOOK_CREATE_RUNTIME, state, err);
	if (r >= 0 && write(c->sync[0], "g", 1) != 1)
		r = pp_error(err, errno, "release the container's init");
	return r;
}

/* The child's report, running the hooks and passing the seccomp listener
 * fd it asks for on the way. */
static int parent_wait(struct create_ctx *c, struct pp_error *err)
{
	for (;;) {
		cleanup_close int fd = -1;
		cleanup_free char *state = NULL;
		int r = rt_sync_wait_fd(c->sync[0], &fd, err);

		if (r <= 0)
			return r;
		if (r == 1)
			r = parent_hooks(c, err);
		if (r == 2) {
			state = rt_hook_state(c->opts->id, "creating", c->pid, c->cfg->bundle,
			                      c->cfg->annotations);
			r = rt_seccomp_send_listener(c->cfg->seccomp, fd, c->pid, state, err);
		}
		if (r < 0)
			return r;
	}
}

/* Start the child, put it in its cgroup, let it go, and wait for its
 * report. On failure the child is killed and reaped. */
static int run_child(struct create_ctx *c, struct pp_error *err)
{
	int r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync) < 0)
		return pp_error(err, errno, "socketpair");
	r = spawn(c, err);
	(void)close(take_fd(&c->sync[1]));
	if (r < 0)
		return r;
	c->spawned = true;
	r = rt_cgroup_enter(c->cgroup_path, c->pid, err);
	if (r >= 0 && write(c->sync[0], "g", 1) != 1)
		r = pp_error(err, errno, "release the container's init");
	if (r >= 0)
		r = parent_wait(c, err);
	if (r < 0) {
		(void)kill(c->pid, SIGKILL);
		(void)waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
	return r;
}

static void ctx_clear(struct create_ctx *c)
{
	for (int t = 0; t < RT_NS_COUNT; t++)
		if (c->ns_fds[t] >= 0)
			(void)close(c->ns_fds[t]);
	for (int i = 0; i < 2; i++)
		if (c->sync[i] >= 0)
			(void)close(c->sync[i]);
	if (c->fifo >= 0)
		(void)close(c->fifo);
	rt_seccomp_filter_free(c->seccomp);
	rt_config_free(c->cfg);
	free(c->state_dir);
	free(c->cgroup_path);
}

/* The cgroup path to create: linux.cgroupsPath (mapped for the systemd
 * driver), or one named after the id. *ret owned by the caller. */
static int cgroup_of(const struct create_ctx *c, char **ret, struct pp_error *err)
{
	cleanup_free char *spec = NULL;
	const char *path = c->cfg->cgroups_path;

	if (!c->opts->systemd_cgroup) {
		*ret = path != NULL ? xstrdup(path) : xstrfmt("/%s", c->opts->id);
		return 0;
	}
	if (path == NULL || path[0] == '\0')
		spec = xstrfmt("system.slice:runc:%s", c->opts->id);
	return rt_cgroup_systemd_path(spec != NULL ? spec : path, ret, err);
}

static int create_steps(struct create_ctx *c, struct pp_error *err)
{
	cleanup_free char *cg = NULL;
	int r;

	/* refused as runc refuses it */
	if (c->opts->no_pivot && (c->cfg->rootfs_propagation & MS_PRIVATE))
		return pp_error_msg(err, EINVAL,
		                    "linux.rootfsPropagation: [r]private is not safe without "
		                    "pivot_root (--no-pivot)");
	r = make_state_dir(c, err);
	if (r < 0)
		return r;
	r = rt_seccomp_build(c->cfg->seccomp, &c->seccomp, err);
	if (r >= 0)
		r = rt_hooks_save(c->state_dir, c->cfg->hooks_json, err);
	if (r >= 0 && c->cfg->seccomp != NULL)
		r = rt_seccomp_save(c->state_dir,
		                    json_object_object_get(
		                        json_object_object_get(c->cfg->json, "linux"), "seccomp"),
		                    err);
	if (r < 0)
		return r;
	r = cgroup_of(c, &cg, err);
	if (r >= 0)
		r = rt_cgroup_create(cg, c->cfg, &c->cgroup_path, err);
	if (r >= 0)
		r = rt_ns_open_paths(c->cfg, c->ns_fds, err);
	if (r >= 0 && c->cfg->ns[RT_NS_USER].enabled && c->ns_fds[RT_NS_USER] < 0)
		r = rt_userns_open(c->cfg, &c->ns_fds[RT_NS_USER], err);
	if (r >= 0)
		r = rt_idmap_mounts_prepare(c->cfg, c->ns_fds[RT_NS_USER], err);
	if (r >= 0 && c->cfg->ns[RT_NS_USER].enabled && !c->cfg->process.terminal)
		rt_stdio_chown(
		    c->opts->stdio,
		    rt_idmap_to_host(c->cfg->uid_maps, c->cfg->n_uid_maps, c->cfg->process.uid),
		    rt_idmap_to_host(c->cfg->gid_maps, c->cfg->n_gid_maps, c->cfg->process.gid));

	if (r >= 0)
		r = run_child(c, err);
	if (r >= 0)
		r = write_state(c, err);
	if (r < 0 && c->pid > 0) {
		(void)kill(c->pid, SIGKILL);
		(void)waitpid(c->pid, NULL, 0);
	}
	if (r < 0 && c->cgroup_path != NULL)
		(void)rt_cgroup_destroy(c->cgroup_path, 2000, NULL);
	/* runtime.md "Lifecycle": a failed create goes on at delete, whose
	 * last step is poststop (runc's destroy runs them too) */
	if (r < 0 && c->spawned && c->cfg->hooks.n[RT_HOOK_POSTSTOP] > 0) {
		cleanup_free char *state =
		    rt_hook_state(c->opts->id, "stopped", 0, c->cfg->bundle, c->cfg->annotations);

		rt_hooks_run_warn(&c->cfg->hooks, RT_HOOK_POSTSTOP, state);
	}
	return r;
}

int rt_container_create(const struct rt_create_opts *opts, pid_t *ret_pid, struct pp_error *err)
{
	struct create_ctx c = {.opts = opts, .sync = {-1, -1}, .fifo = -1};
	int r;

	for (int t = 0; t < RT_NS_COUNT; t++)
		c.ns_fds[t] = -1;
	c.console = opts->console_socket;
	r = rt_exe_check(err);
	if (r >= 0)
		r = rt_id_validate(opts->id, err);
	if (r >= 0)
		r = rt_config_load(opts->bundle, &c.cfg, err);
	if (r >= 0 && c.cfg->process.terminal && opts->console_socket < 0)
		r = pp_error_msg(err, EINVAL, "process.terminal: needs a console socket");
	if (r < 0) {
		ctx_clear(&c);
		return r;
	}
	c.state_dir = rt_state_dir(opts->state_root, opts->id);
	r = create_steps(&c, err);
	/* An existing id's folder is not ours to remove; a failure after we
	 * made ours (even one that is -EEXIST) leaves nothing. */
	if (r < 0 && c.made_state_dir)
		(void)fs_rm_rf(c.state_dir, NULL);
	if (r >= 0 && ret_pid != NULL)
		*ret_pid = c.pid;
	ctx_clear(&c);
	return r;
}
