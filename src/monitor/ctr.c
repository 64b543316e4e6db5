/* SPDX-License-Identifier: Apache-2.0 */
/* A container's process in the monitor: start it with its stdio, its
 * output to logs and attached clients, its exit, and taking it back after
 * a monitor restart. What follows each (restart, back-off, status) is the
 * state machine's (ctr-state.c). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/wait.h>

#include "image/image.h"
#include "monitor/events.h"
#include "monitor/internal.h"
#include "monitor/io.h"
#include "monitor/probe.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/syscall.h"
#include "util/xalloc.h"

struct ctr_stdio {
	int child[3]; /* ends given to the container */
	int console[2];
};

static void stdio_close(struct ctr_stdio *s)
{
	for (int i = 0; i < 3; i++)
		if (s->child[i] >= 0)
			(void)close(s->child[i]);
	for (int i = 0; i < 2; i++)
		if (s->console[i] >= 0)
			(void)close(s->console[i]);
}

/* Pipes for stdout/stderr (and stdin when asked), or a console socket. */
static int stdio_make(const struct pod_container *pc, struct mctr *c, struct ctr_stdio *s)
{
	int p[2];

	*s = (struct ctr_stdio){.child = {-1, -1, -1}, .console = {-1, -1}};
	if (pc->tty)
		return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->console) < 0 ? -errno
		                                                                          : 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	c->out = p[0];
	s->child[1] = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	c->err = p[0];
	s->child[2] = p[1];
	if (pc->stdin_open) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		s->child[0] = p[0];
		c->in = p[1];
	}
	return 0;
}

static void ctr_fds_close(struct mon *m, struct mctr *c)
{
	if (c->out >= 0)
		mon_ctr_output(m, (size_t)(c - m->c), CRI_STDOUT);
	if (c->err >= 0)
		mon_ctr_output(m, (size_t)(c - m->c), CRI_STDERR);
	mon_drop_fd(m, (size_t)(c - m->c), c->pty >= 0 ? "pty" : "out");
	mon_drop_fd(m, (size_t)(c - m->c), "err");
	mon_drop_fd(m, (size_t)(c - m->c), "in");
	mon_unwatch_close(m, &c->out);
	mon_unwatch_close(m, &c->err);
	if (c->in >= 0)
		(void)close(c->in);
	c->in = -1;
	c->pty = -1;
	cri_log_close(&c->log);
}

/* Watch container idx's output fds and give the supervisor copies of its
 * stdio (so a killed monitor loses none of it). */
static void ctr_watch(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];

	(void)io_set_nonblock(c->out);
	(void)mon_watch(m, c->out, MON_EV_OUT, idx);
	if (c->err >= 0) {
		(void)io_set_nonblock(c->err);
		(void)mon_watch(m, c->err, MON_EV_ERR, idx);
	}
	mon_keep_fd(m, idx, c->pty >= 0 ? "pty" : "out", c->out);
	mon_keep_fd(m, idx, "err", c->err);
	mon_keep_fd(m, idx, "in", c->in);
}

/* Create and start container idx's process with its stdio; *ret_pid. */
static int ctr_launch(struct mon *m, size_t idx, pid_t *ret_pid, struct pp_error *err)
{
	const struct pod_container *pc = mon_spec(m, idx);
	struct ctr_status *st = mon_status(m, idx);
	struct mctr *c = &m->c[idx];
	cleanup_free char *logpath =
	    pod_container_log_path(&m->paths, m->rec, idx, st->restart_count);
	struct ctr_stdio s;
	pid_t pid = 0;
	int r;

	r = cri_log_open(&c->log, logpath, err);
	if (r < 0)
		return r;
	r = stdio_make(pc, c, &s);
	if (r < 0) {
		stdio_close(&s);
		return pp_error(err, r, "container stdio");
	}
	r = pod_container_run(&m->paths, m->rec, idx,
	                      &(struct pod_stdio){.fd = {s.child[0], s.child[1], s.child[2]},
	                                          .console_socket = s.console[1]},
	                      &pid, err);
	if (r == 0 && pc->tty) {
		r = io_recv_fd(s.console[0], 10000, &c->pty, err);
		c->out = c->pty;
	}
	stdio_close(&s);
	if (r < 0)
		return r;
	*ret_pid = pid;
	ctr_watch(m, idx);
	return 0;
}

/* seLinuxOptions on a host without SELinux are ignored, as containerd
 * drops the label there; said once, when the container is first made. */
static void selinux_warn(struct mon *m, size_t idx)
{
	struct ctr_status *st = mon_status(m, idx);

	if (st->restart_count == 0 && pod_selinux_is_set(m->rec->pod, mon_spec(m, idx)) &&
	    !rt_selinux_enabled())
		pod_event_add(
		    m->dir, "Warning", "SELinuxOptionsIgnored",
		    "seLinuxOptions of container %s ignored: SELinux is not enabled on the host",
		    st->name);
}

int mon_ctr_start(struct mon *m, size_t idx, struct pp_error *err)
{
	struct ctr_status *st = mon_status(m, idx);
	struct mctr *c = &m->c[idx];
	struct img_image *img = NULL;
	cleanup_strv char **env = NULL;
	bool config_error = false;
	pid_t pid = 0;
	int r;

	/* the image by imagePullPolicy: in the store, or pulled first (it
	 * waits while another container's image is pulled) */
	r = mon_image_ensure(m, idx, &img, err);
	if (r == -EINPROGRESS)
		return 0;
	if (r < 0 && c->phase != MCTR_WAITING) {
		log_error("container '%s': %s", st->name, err->msg);
		return r;
	}
	if (r == 0) {
		c->stop_signal = pod_ctr_stop_signal(mon_spec(m, idx), img->config.stop_signal);
		mctr_image_found(m, idx, img->id);
		/* the kubelet makes the environment before the container */
		r = mon_ctr_env(m, idx, &env, err);
		if (r == 0)
			r = pod_container_prepare(&m->paths, m->rec, idx, img, env, err);
		else
			config_error = true;
		img_image_free(img);
	}
	if (r < 0 && config_error) {
		log_error("container '%s': %s", st->name, err->msg);
		mctr_config_error(m, idx, err->msg);
		return r;
	}
	if (r < 0) {
		/* not runnable as configured: retried with back-off, as the kubelet */
		log_error("container '%s': %s", st->name, err->msg);
		pod_event_add(m->dir, "Warning", "Failed", "Error: %s", err->msg);
		(void)pod_container_remove(&m->paths, m->rec, idx, NULL);
		/* the kubelet's runAsNonRoot refusal is a config error */
		mctr_create_failed(m, idx, r == -EPERM, err->msg);
		return r;
	}
	r = ctr_launch(m, idx, &pid, err);
	if (r < 0) {
		log_error("container '%s': %s", st->name, err->msg);
		pod_event_add(m->dir, "Warning", "Failed", "Error: %s", err->msg);
		ctr_fds_close(m, c);
		(void)pod_container_remove(&m->paths, m->rec, idx, NULL);
		mctr_start_failed(m, idx, err->msg);
		return r;
	}
	selinux_warn(m, idx);
	mctr_started(m, idx, pid);
	log_info("container '%s' started, pid %d", st->name, (int)pid);
	mon_post_start(m, idx);
	mon_probe_start(m, idx);
	return 0;
}

void mon_ctr_output(struct mon *m, size_t idx, enum cri_stream s)
{
	struct mctr *c = &m->c[idx];
	int *fd = s == CRI_STDOUT ? &c->out : &c->err;
	char buf[16384];

	for (int rounds = 0; *fd >= 0 && rounds < 16; rounds++) {
		ssize_t n = read(*fd, buf, sizeof(buf));

		if (n > 0) {
			cri_log_feed(&c->log, s, buf, (size_t)n);
			mon_attach_output(m, idx, s, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* EOF, or EIO on a pty whose every slave is closed */
		cri_log_flush(&c->log, s);
		mon_drop_fd(m, idx, *fd == c->pty ? "pty" : s == CRI_STDOUT ? "out" : "err");
		if (*fd == c->pty)
			c->pty = -1;
		mon_unwatch_close(m, fd);
	}
}

/* FallbackToLogsOnError after a failure (code != 0): the tail of the
 * run's log, the kubelet's last 80 lines and at most 2048 bytes of them,
 * once what the container wrote last is in the file. NULL when none. */
static char *termination_log_tail(struct mon *m, size_t idx, int code)
{
	const struct pod_container *pc = mon_spec(m, idx);
	struct mctr *c = &m->c[idx];
	char *msg = NULL;

	if (code == 0 || pc->termination_message_policy == NULL ||
	    strcmp(pc->termination_message_policy, "FallbackToLogsOnError") != 0 ||
	    c->log.path == NULL)
		return NULL;
	if (c->out >= 0)
		mon_ctr_output(m, idx, CRI_STDOUT);
	if (c->err >= 0)
		mon_ctr_output(m, idx, CRI_STDERR);
	if (cri_log_tail_text(c->log.path, 80, 2048, &msg, NULL) < 0)
		return NULL;
	return msg;
}

/* The container's termination message, as the kubelet reads it: the file
 * at terminationMessagePath, at most 4096 bytes; when that is empty and
 * the container failed (code), the log tail of FallbackToLogsOnError.
 * Caller frees; NULL when empty. */
static char *termination_message(struct mon *m, size_t idx, int code)
{
	cleanup_free char *bundle = pod_container_bundle(&m->paths, m->rec, idx);
	cleanup_free char *path = xstrfmt("%s/termination-log", bundle);
	char *msg = NULL;
	size_t len = 0;

	if (fs_read_all(path, 4096, &msg, &len, NULL) == 0 && len > 0)
		return msg;
	free(msg);
	return termination_log_tail(m, idx, code);
}

void mon_ctr_exited(struct mon *m, size_t idx, int status)
{
	struct ctr_status *st = mon_status(m, idx);
	struct pp_error err = {0};
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int code = sig ? 128 + sig : WEXITSTATUS(status);
	cleanup_free char *msg = termination_message(m, idx, code);
	cleanup_free char *id = pod_container_id(m->rec, idx);
	bool oom = false;

	/* containerd's OOM event: the cgroup's oom_kill count, read before removal */
	(void)rt_container_oom_killed(m->paths.runtime, id, &oom, NULL);
	mctr_exited(m, idx, code, sig,
	            oom && code != 0 ? "OOMKilled"
	            : code == 0      ? "Completed"
	                             : "Error",
	            msg);
	mon_probe_stop(m, idx);
	log_info("container '%s' exited with %d", st->name, code);
	/* Its other processes (alive in a shared pid namespace) end with it. */
	if (pod_container_remove(&m->paths, m->rec, idx, &err) < 0)
		log_warn("remove container '%s': %s, ignoring", st->name, err.msg);
	ctr_fds_close(m, &m->c[idx]);
	mon_attach_exit(m, idx, code);
}

bool mon_reaped_for_us(pid_t pid)
{
	cleanup_free char *path = xstrfmt("/proc/%d/stat", (int)pid);
	cleanup_free char *buf = NULL;
	const char *p;
	int ppid = 0;

	if (fs_read_all(path, 4096, &buf, NULL, NULL) < 0 || (p = strrchr(buf, ')')) == NULL)
		return false;
	return sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == (int)getppid();
}

void mon_ctr_adopt(struct mon *m, size_t idx, pid_t pid)
{
	struct ctr_status *st = mon_status(m, idx);
	struct mctr *c = &m->c[idx];
	cleanup_free char *logpath =
	    pod_container_log_path(&m->paths, m->rec, idx, st->restart_count);
	struct pp_error err = {0};

	c->pid = pid;
	mctr_adopted(m, idx);
	if (cri_log_open(&c->log, logpath, &err) < 0)
		log_warn("container '%s': %s", st->name, err.msg);
	if (c->out >= 0)
		ctr_watch(m, idx);
	if (!mon_reaped_for_us(pid)) {
		/* an orphan of init: we learn that it ended, not how */
		c->pidfd = sys_pidfd_open(pid, 0);
		if (c->pidfd >= 0)
			(void)mon_watch(m, c->pidfd, MON_EV_PIDFD, idx);
	}
	mon_probe_start(m, idx); /* probes start over, as after a kubelet restart */
	log_info("container '%s' adopted, pid %d", st->name, (int)pid);
}

void mon_ctr_lost(struct mon *m, size_t idx)
{
	/* the kubelet's reason for a container whose end nobody saw */
	mctr_exited(
	    m, idx, 137, 0, "ContainerStatusUnknown",
	    "The container ended while no monitor could reap it: its exit status is unknown");
	mon_unwatch_close(m, &m->c[idx].pidfd);
	mon_probe_stop(m, idx);
	(void)pod_container_remove(&m->paths, m->rec, idx, NULL);
	ctr_fds_close(m, &m->c[idx]);
}

void mon_ctr_resume(struct mon *m, size_t idx)
{
	struct pp_error err = {0};

	/* whatever a start cut short, or a container that ended, left */
	if (pod_container_remove(&m->paths, m->rec, idx, &err) < 0)
		log_warn("remove container '%s': %s, ignoring", mon_status(m, idx)->name, err.msg);
	mctr_adopted(m, idx);
}
