/* SPDX-License-Identifier: Apache-2.0 */
/* Recovery: the monitor's side of the supervisor's keeper channel, taking a
 * pod back after a monitor was killed, and rebuilding a pod's sandbox when
 * its pause process died (the kubelet's SandboxChanged). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>

#include "image/image.h"
#include "monitor/events.h"
#include "monitor/internal.h"
#include "monitor/keeper.h"
#include "pod/lifecycle.h"
#include "pod/network.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define ADOPT_TIMEOUT_MS 5000
#define DONE_TIMEOUT_MS  2000

/* "exit PID STATUS": a process the supervisor reaped for us, into *ex. */
static void exit_message(const char *msg, struct mon_exits *ex)
{
	int pid, status;

	if (sscanf(msg, "exit %d %d", &pid, &status) != 2 || pid <= 0 ||
	    ex->n >= sizeof(ex->pid) / sizeof(ex->pid[0]))
		return;
	ex->pid[ex->n] = (pid_t)pid;
	ex->status[ex->n++] = status;
}

void mon_keeper_event(struct mon *m, struct mon_exits *ex)
{
	char msg[KEEPER_MSG_MAX];

	for (int i = 0; i < 64 && m->keeper >= 0 && ex->n < 64; i++) {
		int fd = -1;
		ssize_t n = keeper_recv(m->keeper, msg, &fd, 0);

		if (fd >= 0)
			(void)close(fd);
		if (n == -ETIMEDOUT || n == -EAGAIN)
			break;
		if (n <= 0) {
			log_warn("the pod's supervisor is gone; running on without it");
			mon_unwatch_close(m, &m->keeper);
			break;
		}
		exit_message(msg, ex);
	}
}

void mon_keeper_done(struct mon *m)
{
	char msg[KEEPER_MSG_MAX];

	if (m->keeper < 0)
		return;
	/* the supervisor exits on "done"; its end of the channel closes then */
	if (keeper_send(m->keeper, "done", -1) == 0) {
		for (;;) {
			int fd = -1;
			ssize_t n = keeper_recv(m->keeper, msg, &fd, DONE_TIMEOUT_MS);

			if (fd >= 0)
				(void)close(fd);
			if (n <= 0)
				break;
		}
	}
	mon_unwatch_close(m, &m->keeper);
}

static ssize_t ctr_by_name(const struct mon *m, const char *name)
{
	size_t i = pod_ctr_index(m->rec, name);

	return i < MON_N(m) ? (ssize_t)i : -1;
}

/* "add STREAM NAME" + fd: a kept stdio fd back into m->c[]. */
static void adopt_fd(struct mon *m, const char *tag, int fd)
{
	char stream[8];
	const char *name = strchr(tag, ' ');
	ssize_t idx;
	struct mctr *c;
	int *slot = NULL;

	if (name == NULL || (size_t)(name - tag) >= sizeof(stream) ||
	    (idx = ctr_by_name(m, name + 1)) < 0) {
		(void)close(fd);
		return;
	}
	snprintf(stream, sizeof(stream), "%.*s", (int)(name - tag), tag);
	c = &m->c[idx];
	if (strcmp(stream, "pty") == 0)
		slot = &c->pty;
	else if (strcmp(stream, "out") == 0)
		slot = &c->out;
	else if (strcmp(stream, "err") == 0)
		slot = &c->err;
	else if (strcmp(stream, "in") == 0)
		slot = &c->in;
	if (slot == NULL || *slot >= 0) {
		(void)close(fd);
		return;
	}
	*slot = fd;
	if (slot == &c->pty)
		c->out = fd;
}

/* Read the supervisor's replay up to "ready": fds into m->c[], exits. */
static int adopt_replay(struct mon *m, struct mon_exits *ex, struct pp_error *err)
{
	char msg[KEEPER_MSG_MAX];

	for (;;) {
		int fd = -1;
		ssize_t n = keeper_recv(m->keeper, msg, &fd, ADOPT_TIMEOUT_MS);

		if (n <= 0) {
			if (fd >= 0)
				(void)close(fd);
			return pp_error_msg(err, n == 0 ? EPIPE : (int)-n,
			                    "no replay from the pod's supervisor");
		}
		if (strcmp(msg, "ready") == 0)
			return 0;
		if (strncmp(msg, "add ", 4) == 0 && fd >= 0)
			adopt_fd(m, msg + 4, fd);
		else if (fd >= 0)
			(void)close(fd);
		else
			exit_message(msg, ex);
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* The kept stdio fds of a container that no longer runs. */
static void close_unused_fds(struct mctr *c)
{
	close_fd(&c->out);
	close_fd(&c->err);
	close_fd(&c->in);
	c->pty = -1;
}

/* A deletion that was under way goes on with what is left of its grace. */
static void resume_delete(struct mon *m)
{
	int64_t left = m->rec->deleting_at +
	               (int64_t)m->rec->pod->termination_grace_period_seconds - pod_now();

	m->rec->deleting_at = 0;
	mon_delete_begin(m, left > 0 ? (long)left : 0);
}

int mon_adopt(struct mon *m, struct mon_exits *ex, struct pp_error *err)
{
	int r = adopt_replay(m, ex, err);

	if (r == 0)
		r = img_store_open(m->paths.images, &m->store, err);
	if (r < 0)
		return r;
	/* the one pod-level fact pod.json keeps only as the kubelet words it */
	m->evicted =
	    m->rec->reason != NULL && (strcmp(m->rec->reason, POD_REASON_EVICTED) == 0 ||
	                               strcmp(m->rec->reason, POD_REASON_DEADLINE_EXCEEDED) == 0 ||
	                               strcmp(m->rec->reason, MON_REASON_OS) == 0 ||
	                               strcmp(m->rec->reason, MON_REASON_SYSCTL) == 0);
	pod_event_add(m->dir, "Normal", "MonitorRestarted",
	              "Monitor restarted; it took the pod back");
	for (size_t i = 0; i < MON_N(m); i++) {
		const struct ctr_status *st = mon_status(m, i);

		if (st->state == CTR_STATE_RUNNING && st->pid > 0)
			mon_ctr_adopt(m, i, st->pid);
		else
			close_unused_fds(&m->c[i]);
	}
	if (m->rec->deleting_at > 0)
		resume_delete(m); /* before the exits, so that nothing restarts */
	return 0;
}

/* CNI CHECK of a pod taken back: a network no longer as ADD left it means
 * a new sandbox (pause is killed; its end rebuilds it). */
static void network_check(struct mon *m)
{
	struct pp_error err = {0};

	if (pod_net_check(&m->paths, m->rec, &err) == 0)
		return;
	log_warn("network check: %s", err.msg);
	pod_event_add(m->dir, "Warning", "SandboxChanged",
	              "Pod sandbox network check failed (%s), it will be killed and re-created",
	              err.msg);
	(void)kill(m->rec->sandbox_pid, SIGKILL);
}

void mon_adopt_finish(struct mon *m)
{
	if (!m->rec->scheduled) {
		m->place_retry_ms = 1; /* nothing of it ran: place it again */
		return;
	}
	for (size_t i = 0; i < MON_N(m) && !m->finished; i++) {
		struct mctr *c = &m->c[i];

		if (c->pid > 0 && !pod_container_running(&m->paths, m->rec, i))
			mon_ctr_lost(m, i);
		else if (c->pid == 0 && c->phase == MCTR_WAITING && !m->sandbox_lost)
			mon_ctr_resume(m, i);
	}
	if (m->rec->sandbox_pid > 0 && !mon_reaped_for_us(m->rec->sandbox_pid)) {
		/* nobody reaps it for us: learn of its end by pidfd */
		m->sandbox_pidfd = sys_pidfd_open(m->rec->sandbox_pid, 0);
		if (m->sandbox_pidfd >= 0)
			(void)mon_watch(m, m->sandbox_pidfd, MON_EV_PIDFD, MON_PIDFD_SANDBOX);
	}
	if (!m->deleting && m->rec->sandbox_pid > 0 && kill(m->rec->sandbox_pid, 0) < 0 &&
	    errno == ESRCH) {
		pid_t pid = m->rec->sandbox_pid;

		m->rec->sandbox_pid = 0;
		mon_sandbox_lost(m, pid);
	}
	if (!m->deleting && !m->sandbox_lost && m->rec->sandbox_pid > 0)
		network_check(m);
	mon_evict_arm(m);
	mon_volumes_arm(m);
	mon_volumes_sync(m);
}

void mon_pidfd_event(struct mon *m, size_t idx)
{
	if (idx == MON_PIDFD_SANDBOX) { /* pause, an orphan of init */
		pid_t pid = m->rec->sandbox_pid;

		mon_unwatch_close(m, &m->sandbox_pidfd);
		if (pid > 0 && !m->deleting) {
			m->rec->sandbox_pid = 0;
			mon_sandbox_lost(m, pid);
		}
		return;
	}
	mon_unwatch_close(m, &m->c[idx].pidfd);
	if (m->c[idx].pid > 0)
		mon_ctr_lost(m, idx);
}

void mon_sandbox_lost(struct mon *m, pid_t pid)
{
	log_warn("pod sandbox (pause, pid %d) exited", (int)pid);
	m->sandbox_lost = true;
	/* with restartPolicy Never the kubelet makes no new sandbox */
	if (m->rec->pod->restart_policy != POD_RESTART_NEVER)
		pod_event_add(m->dir, "Normal", "SandboxChanged",
		              "Pod sandbox changed, it will be killed and re-created.");
	for (size_t i = 0; i < MON_N(m); i++) {
		struct mctr *c = &m->c[i];

		if (c->hook_pid > 0)
			(void)kill(c->hook_pid, SIGKILL);
		mctr_sandbox_lost(m, i);
		if (c->pid > 0)
			mon_ctr_stop(m, i, 0, NULL);
	}
}

int mon_sandbox_create(struct mon *m, struct pp_error *err)
{
	cleanup_free char *pause = NULL;
	int r = pod_pause_binary(&pause, err);

	if (r >= 0)
		r = pod_sandbox_start(&m->paths, m->rec, pause, err);
	if (r < 0) {
		log_error("%s", err->msg);
		pod_event_add(m->dir, "Warning", "FailedCreatePodSandBox",
		              "Failed to create pod sandbox: %s", err->msg);
		m->sandbox_lost = true;
		m->sandbox_backoff_s = pod_backoff_next(m->sandbox_backoff_s);
		m->sandbox_retry_ms = pp_now_ms() + (int64_t)m->sandbox_backoff_s * 1000;
		return r;
	}
	if (r == 1)
		log_info("no CNI network configuration in '%s': the pod has loopback only",
		         m->paths.cni_conf_dir);
	m->sandbox_lost = false;
	m->sandbox_retry_ms = 0;
	m->sandbox_backoff_s = 0;
	log_info("pod sandbox, pause pid %d%s%s", (int)m->rec->sandbox_pid,
	         m->rec->pod_ips[0] ? ", IP " : "", m->rec->pod_ips[0] ? m->rec->pod_ips[0] : "");
	return 0;
}

void mon_sandbox_check(struct mon *m)
{
	struct pp_error err = {0};

	if (!m->sandbox_lost || m->deleting || m->evicted)
		return;
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].pid > 0)
			return; /* not every container is gone yet */
	if (m->sandbox_retry_ms > pp_now_ms())
		return;
	/* a pod that had a sandbox and never restarts ends with its containers */
	if (m->rec->pod->restart_policy == POD_RESTART_NEVER && m->sandbox_retry_ms == 0) {
		m->sandbox_lost = false;
		return;
	}
	if (mon_sandbox_create(m, &err) < 0)
		return;
	for (size_t i = 0; i < MON_N(m); i++)
		mctr_sandbox_ready(m, i); /* they start when the monitor settles */
}
