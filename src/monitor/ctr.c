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
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#define BACKOFF_INITIAL_S 10
#define BACKOFF_MAX_S     300
#define BACKOFF_RESET_MS  (600 * 1000)

void mctr_init(struct mctr *c)
{
	memset(c, 0, sizeof(*c));
	c->out = c->err = c->in = c->pty = -1;
	c->log.fd = -1;
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
	mon_unwatch_close(m, &c->out);
	mon_unwatch_close(m, &c->err);
	if (c->in >= 0)
		(void)close(c->in);
	c->in = -1;
	c->pty = -1;
	cri_log_close(&c->log);
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
	(void)io_set_nonblock(c->out);
	(void)mon_watch(m, c->out, MON_EV_OUT, idx);
	if (c->err >= 0) {
		(void)io_set_nonblock(c->err);
		(void)mon_watch(m, c->err, MON_EV_ERR, idx);
	}
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

static void schedule_restart(struct mon *m, size_t idx, const char *reason)
{
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
		msg =
		    xstrfmt("back-off %ds restarting failed container=%s pod=%s_%s(%s)", delay,
		            st->name, m->rec->pod->name, m->rec->pod->namespace_, m->rec->pod->uid);
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

int mon_ctr_start(struct mon *m, size_t idx, struct pp_error *err)
{
	struct ctr_status *st = mon_status(m, idx);
	struct mctr *c = &m->c[idx];
	struct mon_view v;
	const struct pod_record *rec = mon_view(m, idx, &v);
	struct img_image *img = NULL;
	int r;

	c->restart_at_ms = 0;
	/* init containers' images are resolved here, on their first start */
	r = img_store_resolve(m->store, st->image_id && *st->image_id ? st->image_id : st->image,
	                      &img, err);
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
	if (m->deleting || !should_restart(m, idx, t->exit_code))
		return;
	st->has_last = true;
	free(st->last.reason);
	free(st->last.message);
	st->last = *t;
	t->reason = xstrdup(t->reason);
	t->message = xstrdup(t->message);
	schedule_restart(m, idx, "CrashLoopBackOff");
}

/* The container's termination message, as the kubelet reads it: the file
 * at terminationMessagePath, at most 4096 bytes (FallbackToLogsOnError's
 * log tail is not implemented yet). Caller frees; NULL when empty. */
static char *termination_message(struct mon *m, size_t idx)
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
	return NULL;
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
	cleanup_free char *msg = termination_message(m, idx);

	status_terminated(st, code, sig, code == 0 ? "Completed" : "Error", msg, st->started_at);
	c->pid = 0;
	log_info("container '%s' exited with %d", st->name, code);
	/* Its other processes (alive in a shared pid namespace) end with it. */
	if (pod_container_remove(&m->paths, rec, v.idx, &err) < 0)
		log_warn("remove container '%s': %s, ignoring", st->name, err.msg);
	ctr_fds_close(m, c);
	mon_attach_exit(m, idx, code);
	ctr_after_exit(m, idx);
}

void mon_reap(struct mon *m)
{
	for (;;) {
		int status = 0;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0)
			break;
		if (pid == m->rec->sandbox_pid && !m->deleting)
			log_warn("pod sandbox (pause, pid %d) exited", (int)pid);
		if (mon_hook_reaped(m, pid, status))
			continue;
		for (size_t i = 0; i < MON_N(m); i++)
			if (m->c[i].pid == pid)
				ctr_exited(m, i, status);
	}
	mon_update_phase(m);
	mon_save(m);
	mon_arm_timer(m);
	if (m->deleting)
		mon_timers_run(m);
}
