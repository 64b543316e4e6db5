/* SPDX-License-Identifier: Apache-2.0 */
/* Init containers (run one at a time, in order, before the app containers)
 * and the lifecycle hooks postStart and preStop, run as exec processes of
 * the container, children of the monitor. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include "monitor/events.h"
#include "monitor/internal.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

const struct pod_record *mon_view(const struct mon *m, size_t idx, struct mon_view *v)
{
	if (!mon_is_init(m, idx)) {
		v->idx = idx;
		return m->rec;
	}
	v->idx = idx - m->rec->n_ctrs;
	v->pod = *m->rec->pod;
	v->pod.containers = m->rec->pod->init_containers;
	v->pod.n_containers = m->rec->pod->n_init_containers;
	v->rec = *m->rec;
	v->rec.pod = &v->pod;
	v->rec.ctrs = m->rec->init_ctrs;
	v->rec.n_ctrs = m->rec->n_init_ctrs;
	return &v->rec;
}

struct ctr_status *mon_status(const struct mon *m, size_t idx)
{
	if (mon_is_init(m, idx))
		return &m->rec->init_ctrs[idx - m->rec->n_ctrs];
	return &m->rec->ctrs[idx];
}

const struct pod_container *mon_spec(const struct mon *m, size_t idx)
{
	if (mon_is_init(m, idx))
		return &m->rec->pod->init_containers[idx - m->rec->n_ctrs];
	return &m->rec->pod->containers[idx];
}

static bool init_completed(const struct ctr_status *st)
{
	return st->state == CTR_STATE_TERMINATED && st->term.exit_code == 0;
}

bool mon_init_failed(const struct mon *m)
{
	for (size_t i = 0; i < m->rec->n_init_ctrs; i++) {
		const struct ctr_status *st = &m->rec->init_ctrs[i];
		const struct mctr *c = &m->c[m->rec->n_ctrs + i];

		if (st->state == CTR_STATE_TERMINATED && st->term.exit_code != 0 && c->pid == 0 &&
		    c->restart_at_ms == 0)
			return true;
	}
	return false;
}

void mon_start_next(struct mon *m)
{
	struct pp_error err = {0};
	size_t n = m->rec->n_ctrs;

	if (m->deleting)
		return;
	for (size_t i = 0; i < m->rec->n_init_ctrs; i++) {
		const struct mctr *c = &m->c[n + i];

		if (init_completed(&m->rec->init_ctrs[i]))
			continue;
		/* not started yet: start it; else it runs or waits for a restart */
		if (m->rec->init_ctrs[i].state == CTR_STATE_WAITING && c->pid == 0 &&
		    c->restart_at_ms == 0)
			(void)mon_ctr_start(m, n + i, &err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (m->c[i].pid == 0 && m->c[i].restart_at_ms == 0 &&
		    m->rec->ctrs[i].state == CTR_STATE_WAITING)
			(void)mon_ctr_start(m, i, &err);
	}
}

/* Run handler h of app container idx as an exec process, its output
 * discarded (the kubelet keeps it for the event only). */
static int hook_run(struct mon *m, size_t idx, const struct pod_handler *h, pid_t *ret_pid)
{
	struct pp_error err = {0};
	cleanup_close int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int stdio[3] = {null, null, null};
	int r;

	if (null < 0)
		return -errno;
	r = pod_exec(&m->paths, m->rec, m->rec->ctrs[idx].name, h->exec_command, false, stdio, -1,
	             ret_pid, &err);
	if (r < 0)
		log_warn("hook of container '%s': %s", m->rec->ctrs[idx].name, err.msg);
	return r;
}

/* Called by mon_ctr_start once app container idx runs. */
void mon_post_start(struct mon *m, size_t idx)
{
	const struct pod_container *pc = mon_spec(m, idx);

	if (mon_is_init(m, idx) || !pc->post_start.set)
		return;
	if (hook_run(m, idx, &pc->post_start, &m->c[idx].hook_pid) < 0)
		mon_hook_exited(m, idx, W_EXITCODE(126, 0));
}

int mon_pre_stop(struct mon *m, size_t idx)
{
	const struct pod_container *pc = mon_spec(m, idx);
	int r;

	if (mon_is_init(m, idx) || !pc->pre_stop.set || m->c[idx].pid <= 0)
		return -ENOENT;
	if (m->c[idx].hook_pid > 0) /* a postStart still running: stop it */
		(void)kill(m->c[idx].hook_pid, SIGKILL);
	r = hook_run(m, idx, &pc->pre_stop, &m->c[idx].hook_pid);
	if (r < 0) {
		pod_event_add(m->dir, "Warning", "FailedPreStopHook",
		              "PreStopHook failed for container %s", m->rec->ctrs[idx].name);
		m->c[idx].hook_pid = 0;
		return r;
	}
	m->c[idx].hook_pre_stop = true;
	return 0;
}

void mon_ctr_stop(struct mon *m, size_t idx, int64_t grace_s)
{
	struct mctr *c = &m->c[idx];
	struct pp_error err = {0};

	c->kill_at_ms = grace_s > 0 ? mon_now_ms() + grace_s * 1000 : 1;
	if (grace_s > 0 && mon_pre_stop(m, idx) < 0 &&
	    pod_container_signal(&m->paths, m->rec, idx, c->stop_signal, false, &err) < 0)
		log_warn("stop '%s': %s, ignoring", m->rec->ctrs[idx].name, err.msg);
	mon_arm_timer(m);
}

void mon_hook_exited(struct mon *m, size_t idx, int status)
{
	struct mctr *c = &m->c[idx];
	const char *name = m->rec->ctrs[idx].name;
	bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	struct pp_error err = {0};

	c->hook_pid = 0;
	if (c->hook_pre_stop) {
		c->hook_pre_stop = false;
		if (failed)
			pod_event_add(m->dir, "Warning", "FailedPreStopHook",
			              "PreStopHook failed for container %s", name);
		/* then the STOPSIGNAL, within what is left of the grace period */
		if (c->pid > 0 && !m->killed &&
		    pod_container_signal(&m->paths, m->rec, idx, c->stop_signal, false, &err) < 0)
			log_warn("stop '%s': %s, ignoring", name, err.msg);
		return;
	}
	if (!failed || c->pid <= 0 || m->deleting)
		return;
	/* the kubelet kills a container whose postStart hook failed; it is
	 * then restarted per restartPolicy */
	pod_event_add(m->dir, "Warning", "FailedPostStartHook",
	              "PostStartHook failed for container %s", name);
	pod_event_add(m->dir, "Normal", "Killing",
	              "FailedPostStartHook: container %s will be killed and re-created", name);
	log_info("postStart hook of '%s' failed, stopping it", name);
	mon_ctr_stop(m, idx, m->rec->pod->termination_grace_period_seconds);
}

/* A reaped child that is a hook of some container: handled, true. */
bool mon_hook_reaped(struct mon *m, pid_t pid, int status)
{
	for (size_t i = 0; i < m->rec->n_ctrs; i++)
		if (m->c[i].hook_pid > 0 && m->c[i].hook_pid == pid) {
			mon_hook_exited(m, i, status);
			return true;
		}
	return false;
}
