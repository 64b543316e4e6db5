/* SPDX-License-Identifier: Apache-2.0 */
/* The rest of a container's life after create: start (open the exec fifo),
 * kill (the init by pidfd, or the whole cgroup) and delete (kill what is
 * left, empty and remove the cgroup, remove the state). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define DELETE_TIMEOUT_MS 10000

static void state_clearp(struct rt_state_file *st)
{
	rt_state_file_clear(st);
}

/* Wait (polling, since the init may die first) for the init to open the
 * fifo for writing and write its byte. */
static int await_init(const struct rt_state_file *st, int fd, struct pp_error *err)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char b;

	for (;;) {
		int n = poll(&pfd, 1, 100);

		if (n < 0 && errno != EINTR)
			return pp_error(err, errno, "poll the exec fifo");
		if (n > 0 && (pfd.revents & POLLIN) && read(fd, &b, 1) == 1)
			return 0;
		if (!rt_state_pid_alive(st))
			return pp_error_msg(err, ESRCH,
			                    "container '%s': the init process exited "
			                    "before start",
			                    st->id);
	}
}

/* poststart (after the process started, before start returns) or
 * poststop (after delete removed the container): in our namespaces, from
 * the hooks create saved; failures only warn (config.md). */
static void run_saved_hooks(const char *state_root, const struct rt_state_file *st,
                            enum rt_hook_kind k, const char *status)
{
	cleanup_free char *dir = rt_state_dir(state_root, st->id);
	cleanup_free char *state = NULL;
	struct rt_hooks h;
	struct pp_error err = {0};

	if (rt_hooks_load_saved(dir, &h, &err) < 0) {
		rt_warn("%s", err.msg);
		return;
	}
	if (h.n[k] > 0) {
		state = rt_hook_state(st->id, status, k == RT_HOOK_POSTSTOP ? 0 : st->pid,
		                      st->bundle, st->annotations);
		rt_hooks_run_warn(&h, k, state);
	}
	rt_hooks_clear(&h);
}

int rt_container_start(const char *state_root, const char *id, struct pp_error *err)
{
	cleanup_(state_clearp) struct rt_state_file st = {0};
	cleanup_free char *fifo = NULL;
	cleanup_close int fd = -1;
	int r = rt_state_read(state_root, id, &st, err);

	if (r < 0)
		return r;
	if (st.started || !rt_state_pid_alive(&st))
		return pp_error_msg(err, EINVAL, "container '%s' is not in state created", id);
	fifo = xstrfmt("%s/%s/exec.fifo", state_root, id);
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "open '%s'", fifo);
	r = await_init(&st, fd, err);
	if (r < 0)
		return r;
	(void)unlink(fifo);
	st.started = true;
	r = rt_state_write(state_root, &st, err);
	if (r >= 0)
		run_saved_hooks(state_root, &st, RT_HOOK_POSTSTART, "running");
	return r;
}

/* Signal the init through a pidfd, after checking it is still the same
 * process (pid reuse). */
static int kill_init(const struct rt_state_file *st, int sig, struct pp_error *err)
{
	cleanup_close int pidfd = -1;

	if (!rt_state_pid_alive(st))
		return pp_error_msg(err, ESRCH, "container '%s' is not running", st->id);
	pidfd = sys_pidfd_open(st->pid, 0);
	if (pidfd < 0)
		return pp_error(err, errno, "pidfd_open %d", (int)st->pid);
	if (!rt_state_pid_alive(st))
		return pp_error_msg(err, ESRCH, "container '%s' is not running", st->id);
	if (sys_pidfd_send_signal(pidfd, sig, NULL, 0) < 0)
		return pp_error(err, errno, "kill container '%s'", st->id);
	return 0;
}

/* After a SIGKILL, a paused container is thawed so that its processes can
 * die (a v1 freezer holds even fatal signals), as runc does. */
static void thaw_killed(const struct rt_state_file *st, int sig)
{
	if (sig == SIGKILL && st->cgroup_path != NULL && rt_cgroup_frozen(st->cgroup_path))
		(void)rt_cgroup_freeze(st->cgroup_path, false, NULL);
}

int rt_container_kill(const char *state_root, const char *id, int sig, bool all,
                      struct pp_error *err)
{
	cleanup_(state_clearp) struct rt_state_file st = {0};
	int r = rt_state_read(state_root, id, &st, err);

	if (r < 0)
		return r;
	if (sig < 0 || sig >= NSIG)
		return pp_error_msg(err, EINVAL, "invalid signal %d", sig);
	if (!all || st.cgroup_path == NULL)
		r = kill_init(&st, sig, err);
	else if (rt_cgroup_populated(st.cgroup_path, NULL) <= 0)
		return pp_error_msg(err, ESRCH, "container '%s' is not running", id);
	else
		r = rt_cgroup_kill(st.cgroup_path, sig, err);
	if (r == 0)
		thaw_killed(&st, sig);
	return r;
}

int rt_container_delete(const char *state_root, const char *id, bool force, struct pp_error *err)
{
	cleanup_(state_clearp) struct rt_state_file st = {0};
	cleanup_free char *dir = NULL;
	struct rt_hooks hooks = {0};
	int r = rt_state_read(state_root, id, &st, err);

	if (r < 0)
		return r;
	if (rt_state_pid_alive(&st)) {
		if (!force && st.started)
			return pp_error_msg(err, EBUSY, "container '%s' is running", id);
		/* A created container is deleted even without force, as runc does. */
		(void)kill_init(&st, SIGKILL, NULL);
	}
	if (st.cgroup_path != NULL) {
		/* Whatever the init left behind (daemonized children) dies with it. */
		if (rt_cgroup_populated(st.cgroup_path, NULL) > 0)
			(void)rt_cgroup_kill(st.cgroup_path, SIGKILL, NULL);
		thaw_killed(&st, SIGKILL);
		r = rt_cgroup_destroy(st.cgroup_path, DELETE_TIMEOUT_MS, err);
		if (r < 0)
			return r;
	}
	dir = rt_state_dir(state_root, id);
	r = rt_hooks_load_saved(dir, &hooks, err);
	if (r >= 0)
		r = fs_rm_rf(dir, err);
	if (r >= 0 && hooks.n[RT_HOOK_POSTSTOP] > 0) {
		cleanup_free char *state =
		    rt_hook_state(id, "stopped", 0, st.bundle, st.annotations);

		rt_hooks_run_warn(&hooks, RT_HOOK_POSTSTOP, state);
	}
	rt_hooks_clear(&hooks);
	return r;
}
