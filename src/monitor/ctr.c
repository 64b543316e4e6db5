/* SPDX-License-Identifier: Apache-2.0 */
/* A container in the monitor: start with its stdio, output to logs, exit,
 * restart per restartPolicy with the kubelet's back-off. */
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

#define BACKOFF_INITIAL_S 10
#define BACKOFF_MAX_S     300
#define BACKOFF_RESET_MS  (600 * 1000)

void mctr_init(struct mctr *c)
{
	memset(c, 0, sizeof(*c));
	c->out = c->err = c->in = c->pty = -1;
	c->log.fd = -1;
	c->pidfd = -1;
	c->stop_signal = SIGTERM;
}

static int signal_from_name(const char *s)
{
	if (s == NULL)
		return SIGTERM;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);

		if (abbrev != NULL && strcasecmp(abbrev, s) == 0)
			return i;
	}
	return atoi(s) > 0 && atoi(s) < NSIG ? atoi(s) : SIGTERM;
}

static void ctr_after_exit(struct mon *m, size_t idx);
static void status_terminated(struct ctr_status *st, int code, int sig, const char *reason,
                              const char *msg, int64_t started_at);

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

static int ctr_launch(struct mon *m, size_t idx, struct pp_error *err)
{
	const struct pod_container *pc = mon_spec(m, idx);
	struct ctr_status *st = mon_status(m, idx);
	struct mctr *c = &m->c[idx];
	struct mon_view v;
	const struct pod_record *rec = mon_view(m, idx, &v);
	cleanup_free char *logpath =
	    pod_container_log_path(&m->paths, rec, v.idx, st->restart_count);
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
	r = pod_container_run(&m->paths, rec, v.idx, s.child, s.console[1], &pid, err);
	if (r == 0 && pc->tty) {
		r = io_recv_fd(s.console[0], 10000, &c->pty, err);
		c->out = c->pty;
	}
	stdio_close(&s);
	if (r < 0)
		return r;
	c->pid = pid;
	ctr_watch(m, idx);
	return 0;
}

static void status_running(struct ctr_status *st, pid_t pid)
{
	free(st->reason);
	free(st->message);
	st->reason = st->message = NULL;
	st->state = CTR_STATE_RUNNING;
	st->started_at = pod_now();
	st->started = true;
	st->ready = true;
	st->pid = pid;
}

static void status_waiting(struct ctr_status *st, const char *reason, const char *msg)
{
	free(st->reason);
	free(st->message);
	st->state = CTR_STATE_WAITING;
	st->reason = xstrdup(reason);
	st->message = xstrdup(msg);
	st->ready = false;
	st->started = false;
	st->pid = 0;
}

/* s seconds as Go's time.Duration prints them (10s, 1m20s, 5m0s), as the
 * kubelet's back-off message has it. Returns buf. */
static const char *go_duration(int s, char *buf, size_t size)
{
	if (s < 60)
		(void)snprintf(buf, size, "%ds", s);
	else
		(void)snprintf(buf, size, "%dm%ds", s / 60, s % 60);
	return buf;
}

static void schedule_restart(struct mon *m, size_t idx, const char *reason)
{
	char dur[32];
	struct mctr *c = &m->c[idx];
	const struct ctr_status *st = mon_status(m, idx);
	cleanup_free char *msg = NULL;
	int delay = c->backoff_s;

	if (c->started_ms > 0 && mon_now_ms() - c->started_ms > BACKOFF_RESET_MS)
		delay = 0;
	/* the kubelet restarts at once after the first exit, then backs off
	 * 10s, 20s, 40s ... up to 5 minutes */
	c->backoff_s = delay == 0 ? BACKOFF_INITIAL_S
	                          : (delay * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : delay * 2);
	c->restart_at_ms = mon_now_ms() + (int64_t)delay * 1000;
	if (c->restart_at_ms == 0)
		c->restart_at_ms = 1;
	if (delay > 0 && reason != NULL) {
		msg = xstrfmt("back-off %s restarting failed container=%s pod=%s_%s(%s)",
		              go_duration(delay, dur, sizeof(dur)), st->name, m->rec->pod->name,
		              m->rec->pod->namespace_, m->rec->pod->uid);
		status_waiting(mon_status(m, idx), reason, msg);
		pod_event_add(m->dir, "Warning", "BackOff",
		              "Back-off restarting failed container %s in pod %s_%s(%s)", st->name,
		              m->rec->pod->name, m->rec->pod->namespace_, m->rec->pod->uid);
	}
}

/* The runtime could not start the process (e.g. its command is missing):
 * the container terminated with StartError, exit code 128, as containerd
 * reports it, and restartPolicy decides what follows. */
static void ctr_start_failed(struct mon *m, size_t idx, const char *msg)
{
	struct ctr_status *st = mon_status(m, idx);

	status_terminated(st, 128, 0, "StartError", msg, pod_now());
	ctr_after_exit(m, idx);
}

/* Container idx's image is not in the store. peapod pulls nothing: with
 * imagePullPolicy Never that is the kubelet's ErrImageNeverPull, else a
 * failed pull (ErrImagePull, then ImagePullBackOff); either is retried
 * with back-off, so an image loaded meanwhile is used. Returns -ENOENT. */
static int image_missing(struct mon *m, size_t idx, struct pp_error *err)
{
	struct ctr_status *st = mon_status(m, idx);
	const char *image = mon_spec(m, idx)->image;
	cleanup_free char *msg = NULL;

	free(st->image_id);
	st->image_id = NULL;
	if (mon_spec(m, idx)->image_pull_policy == POD_PULL_NEVER) {
		msg = xstrfmt("Container image \"%s\" is not present with pull policy of Never",
		              image);
		pod_event_add(m->dir, "Warning", "ErrImageNeverPull", "%s", msg);
		status_waiting(st, "ErrImageNeverPull", msg);
	} else if (st->reason != NULL && (strcmp(st->reason, "ErrImagePull") == 0 ||
	                                  strcmp(st->reason, "ImagePullBackOff") == 0)) {
		msg = xstrfmt("Back-off pulling image \"%s\"", image);
		pod_event_add(m->dir, "Normal", "BackOff", "%s", msg);
		status_waiting(st, "ImagePullBackOff", msg);
	} else {
		msg = xstrfmt("Failed to pull image \"%s\": peapod pulls no image; load it with "
		              "peapod image load -i FILE",
		              image);
		pod_event_add(m->dir, "Warning", "Failed", "%s", msg);
		status_waiting(st, "ErrImagePull", msg);
	}
	log_error("container '%s': %s", st->name, msg);
	schedule_restart(m, idx, NULL);
	return pp_error_msg(err, ENOENT, "%s", msg);
}

int mon_ctr_start(struct mon *m, size_t idx, struct pp_error *err)
{
	struct ctr_status *st = mon_status(m, idx);
	struct mctr *c = &m->c[idx];
	struct mon_view v;
	const struct pod_record *rec = mon_view(m, idx, &v);
	struct img_image *img = NULL;
	int r;

	c->restart_at_ms = 0;
	c->kill_at_ms = 0;
	/* init containers' images are resolved here, on their first start */
	r = img_store_resolve(m->store, st->image_id && *st->image_id ? st->image_id : st->image,
	                      &img, err);
	if (r == -ENOENT)
		return image_missing(m, idx, err);
	if (r == 0) {
		c->stop_signal = signal_from_name(img->config.stop_signal);
		if (st->image_id == NULL || *st->image_id == '\0') {
			free(st->image_id);
			st->image_id = xstrdup(img->id);
		}
		pod_event_add(m->dir, "Normal", "Pulled",
		              "Container image \"%s\" already present on machine",
		              mon_spec(m, idx)->image);
		r = pod_container_prepare(&m->paths, rec, v.idx, img, err);
		img_image_free(img);
	}
	if (r < 0) {
		/* not runnable as configured: retried with back-off, as the kubelet */
		log_error("container '%s': %s", st->name, err->msg);
		pod_event_add(m->dir, "Warning", "Failed", "Error: %s", err->msg);
		(void)pod_container_remove(&m->paths, rec, v.idx, NULL);
		/* the kubelet's runAsNonRoot refusal is a config error */
		status_waiting(st,
		               r == -EPERM ? "CreateContainerConfigError" : "CreateContainerError",
		               err->msg);
		schedule_restart(m, idx, NULL);
		return r;
	}
	r = ctr_launch(m, idx, err);
	if (r < 0) {
		log_error("container '%s': %s", st->name, err->msg);
		pod_event_add(m->dir, "Warning", "Failed", "Error: %s", err->msg);
		ctr_fds_close(m, c);
		(void)pod_container_remove(&m->paths, rec, v.idx, NULL);
		ctr_start_failed(m, idx, err->msg);
		return r;
	}
	c->started_ms = mon_now_ms();
	status_running(st, c->pid);
	pod_event_add(m->dir, "Normal", "Created", "Created container %s", st->name);
	pod_event_add(m->dir, "Normal", "Started", "Started container %s", st->name);
	log_info("container '%s' started, pid %d", st->name, (int)c->pid);
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

static bool should_restart(const struct mon *m, size_t idx, int exit_code)
{
	/* an init container that completed is done; a failed one is
	 * retried unless restartPolicy is Never */
	if (mon_is_init(m, idx))
		return exit_code != 0 && m->rec->pod->restart_policy != POD_RESTART_NEVER;
	switch (m->rec->pod->restart_policy) {
	case POD_RESTART_ALWAYS:
		return true;
	case POD_RESTART_ON_FAILURE:
		return exit_code != 0;
	case POD_RESTART_NEVER:
		break;
	}
	return false;
}

/* Record that container status st terminated: code, signal, reason and
 * message, since started_at. */
static void status_terminated(struct ctr_status *st, int code, int sig, const char *reason,
                              const char *msg, int64_t started_at)
{
	struct ctr_terminated *t = &st->term;

	free(t->reason);
	free(t->message);
	*t = (struct ctr_terminated){
	    .exit_code = code,
	    .signal = sig,
	    .reason = xstrdup(reason),
	    .message = xstrdup(msg),
	    .started_at = started_at,
	    .finished_at = pod_now(),
	};
	free(st->reason);
	st->reason = NULL;
	st->state = CTR_STATE_TERMINATED;
	st->ready = false;
	st->started = false;
	st->pid = 0;
}

/* After container idx terminated (status already recorded): restart it
 * per restartPolicy, keeping what ended as lastState. */
static void ctr_after_exit(struct mon *m, size_t idx)
{
	struct ctr_status *st = mon_status(m, idx);
	struct ctr_terminated *t = &st->term;

	if (mon_is_init(m, idx) && t->exit_code == 0) {
		mon_start_next(m);
		return;
	}
	if (m->deleting || m->evicted || !should_restart(m, idx, t->exit_code))
		return;
	st->has_last = true;
	free(st->last.reason);
	free(st->last.message);
	st->last = *t;
	t->reason = xstrdup(t->reason);
	t->message = xstrdup(t->message);
	if (m->sandbox_lost) {
		m->c[idx].after_sandbox = true; /* restarted in the new sandbox */
		return;
	}
	schedule_restart(m, idx, "CrashLoopBackOff");
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
	struct mon_view v;
	const struct pod_record *rec = mon_view(m, idx, &v);
	cleanup_free char *bundle = pod_container_bundle(&m->paths, rec, v.idx);
	cleanup_free char *path = xstrfmt("%s/termination-log", bundle);
	char *msg = NULL;
	size_t len = 0;

	if (fs_read_all(path, 4096, &msg, &len, NULL) == 0 && len > 0)
		return msg;
	free(msg);
	return termination_log_tail(m, idx, code);
}

static void ctr_exited(struct mon *m, size_t idx, int status)
{
	struct ctr_status *st = mon_status(m, idx);
	struct mctr *c = &m->c[idx];
	struct mon_view v;
	const struct pod_record *rec = mon_view(m, idx, &v);
	struct pp_error err = {0};
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int code = sig ? 128 + sig : WEXITSTATUS(status);
	cleanup_free char *msg = termination_message(m, idx, code);
	cleanup_free char *id = pod_container_id(rec, v.idx);
	bool oom = false;

	/* containerd's OOM event: the cgroup's oom_kill count, read before removal */
	(void)rt_container_oom_killed(m->paths.runtime, id, &oom, NULL);
	status_terminated(st, code, sig,
	                  oom && code != 0 ? "OOMKilled"
	                  : code == 0      ? "Completed"
	                                   : "Error",
	                  msg, st->started_at);
	if (mon_is_init(m, idx) && code == 0)
		st->ready = true; /* the kubelet: a completed init container is ready */
	c->pid = 0;
	mon_probe_stop(m, idx);
	log_info("container '%s' exited with %d", st->name, code);
	/* Its other processes (alive in a shared pid namespace) end with it. */
	if (pod_container_remove(&m->paths, rec, v.idx, &err) < 0)
		log_warn("remove container '%s': %s, ignoring", st->name, err.msg);
	ctr_fds_close(m, c);
	mon_attach_exit(m, idx, code);
	ctr_after_exit(m, idx);
}

/* Is pid gone, a zombie, or on its way out (PF_EXITING)? */
static bool pid_exiting(pid_t pid)
{
	cleanup_free char *path = xstrfmt("/proc/%d/stat", (int)pid);
	cleanup_free char *buf = NULL;
	unsigned long flags = 0;
	const char *p;
	char state = 0;

	if (fs_read_all(path, 4096, &buf, NULL, NULL) < 0 || (p = strrchr(buf, ')')) == NULL)
		return true;
	/* fields after the name: state ppid pgrp session tty_nr tpgid flags */
	if (sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
		return false;
	return state == 'Z' || state == 'X' || (flags & 0x4) != 0; /* PF_EXITING */
}

void mon_child_exited(struct mon *m, pid_t pid, int status)
{
	if (pid == m->rec->sandbox_pid) {
		m->rec->sandbox_pid = 0;
		if (!m->deleting)
			mon_sandbox_lost(m, pid);
		return;
	}
	if (mon_hook_reaped(m, pid, status) || mon_probe_reaped(m, pid, status))
		return;
	/* In a shared pid namespace the containers die as pause exits, and
	 * are reaped before it: see that the sandbox goes first, so that
	 * nothing restarts into it. */
	if (!m->deleting && !m->sandbox_lost && m->rec->sandbox_pid > 0 &&
	    pid_exiting(m->rec->sandbox_pid)) {
		pid_t sandbox = m->rec->sandbox_pid;

		m->rec->sandbox_pid = 0;
		mon_sandbox_lost(m, sandbox);
	}
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].pid == pid)
			ctr_exited(m, i, status);
}

void mon_reap(struct mon *m)
{
	for (;;) {
		int status = 0;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0)
			break;
		mon_child_exited(m, pid, status);
	}
	mon_after_exits(m);
}

void mon_after_exits(struct mon *m)
{
	mon_sandbox_check(m);
	mon_update_phase(m);
	mon_save(m);
	mon_arm_timer(m);
	if (m->deleting)
		mon_timers_run(m);
}

/* The back-off delay pending after n restarts: 0, 10, 20 ... 300 s, as
 * schedule_restart() grows it. */
static int backoff_after(int restarts)
{
	int d = 0;

	for (int i = 0; i < restarts && d < BACKOFF_MAX_S; i++)
		d = d == 0 ? BACKOFF_INITIAL_S : d * 2;
	return d > BACKOFF_MAX_S ? BACKOFF_MAX_S : d;
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
	struct mon_view v;
	const struct pod_record *rec = mon_view(m, idx, &v);
	cleanup_free char *logpath =
	    pod_container_log_path(&m->paths, rec, v.idx, st->restart_count);
	struct pp_error err = {0};
	int64_t ran_s = pod_now() - st->started_at;

	c->pid = pid;
	c->backoff_s = backoff_after(st->restart_count);
	c->started_ms = mon_now_ms() - (ran_s > 0 ? ran_s * 1000 : 0);
	if (c->started_ms <= 0)
		c->started_ms = 1;
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
	struct ctr_status *st = mon_status(m, idx);
	struct mon_view v;
	const struct pod_record *rec = mon_view(m, idx, &v);

	/* the kubelet's reason for a container whose end nobody saw */
	status_terminated(
	    st, 137, 0, "ContainerStatusUnknown",
	    "The container ended while no monitor could reap it: its exit status is unknown",
	    st->started_at);
	m->c[idx].pid = 0;
	mon_unwatch_close(m, &m->c[idx].pidfd);
	(void)pod_container_remove(&m->paths, rec, v.idx, NULL);
	ctr_fds_close(m, &m->c[idx]);
	ctr_after_exit(m, idx);
}

void mon_ctr_resume(struct mon *m, size_t idx)
{
	struct ctr_status *st = mon_status(m, idx);
	struct mctr *c = &m->c[idx];
	struct mon_view v;
	const struct pod_record *rec = mon_view(m, idx, &v);
	struct pp_error err = {0};

	c->backoff_s = backoff_after(st->restart_count);
	if (st->state == CTR_STATE_TERMINATED) {
		/* it ended while no monitor ran: restartPolicy decides */
		(void)pod_container_remove(&m->paths, rec, v.idx, NULL);
		ctr_after_exit(m, idx);
	} else if (st->state == CTR_STATE_WAITING && st->reason != NULL &&
	           strcmp(st->reason, "ContainerCreating") != 0 &&
	           strcmp(st->reason, "PodInitializing") != 0) {
		/* in back-off, or a create error being retried */
		schedule_restart(m, idx,
		                 strcmp(st->reason, "CrashLoopBackOff") == 0 ? "CrashLoopBackOff"
		                                                             : NULL);
	} else if (st->state == CTR_STATE_WAITING) {
		/* a start cut short: whatever it made goes, mon_start_next()
		 * starts it again */
		if (pod_container_remove(&m->paths, rec, v.idx, &err) < 0)
			log_warn("remove container '%s': %s, ignoring", st->name, err.msg);
	}
}

void mon_ctr_requeue(struct mon *m, size_t idx)
{
	struct ctr_status *st = mon_status(m, idx);
	struct mctr *c = &m->c[idx];

	if (!c->after_sandbox && !mon_is_init(m, idx))
		return;
	if (st->state == CTR_STATE_TERMINATED ||
	    (st->reason != NULL && strcmp(st->reason, "CrashLoopBackOff") == 0))
		st->restart_count++;
	c->after_sandbox = false;
	c->restart_at_ms = 0;
	status_waiting(st, m->rec->n_init_ctrs > 0 ? "PodInitializing" : "ContainerCreating", NULL);
}
