/* SPDX-License-Identifier: Apache-2.0 */
/* Stopping containers, the kubelet's one way (killContainer): the Killing
 * event, the preStop hook or else the image's STOPSIGNAL, then SIGKILL to
 * everything in the container once the grace period is over (2 s more
 * when a preStop hook used it up). Deleting a pod, evicting it, losing
 * its sandbox, a failed liveness or startup probe and a failed postStart
 * hook all stop containers through mon_ctr_stop(). The lifecycle hooks
 * run here too, as exec processes of the container (or, for a sleep
 * handler, a sleeping child), children of the monitor. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <sys/wait.h>

#include "monitor/events.h"
#include "monitor/internal.h"
#include "pod/lifecycle.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

static void hook_exited(struct mon *m, size_t idx, int status);

/* Run handler h of container idx: a sleep, or an exec process with its
 * output discarded (the kubelet keeps it for the event only). */
static int hook_run(struct mon *m, size_t idx, const struct pod_handler *h, pid_t *ret_pid)
{
	struct pp_error err = {0};
	cleanup_close int null = -1;
	const char *name = mon_status(m, idx)->name;
	int r;

	if (h->has_sleep)
		return pod_hook_sleep(h->sleep_seconds, ret_pid);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -errno;
	r = pod_exec(
	    &m->paths, m->rec,
	    &(struct pod_exec_opts){.container = name,
	                            .argv = h->exec_command,
	                            .io = {.fd = {null, null, null}, .console_socket = -1}},
	    ret_pid, &err);
	if (r < 0)
		log_warn("hook of container '%s': %s", name, err.msg);
	return r;
}

static void stop_signal(struct mon *m, size_t idx, int sig, bool all)
{
	struct pp_error err = {0};

	if (pod_container_signal(&m->paths, m->rec, idx, sig, all, &err) < 0)
		log_warn("%s '%s': %s, ignoring", sig == SIGKILL ? "kill" : "stop",
		         mon_status(m, idx)->name, err.msg);
}

/* Is the pod stopped as a whole (deleted, evicted, over)? Then the
 * kubelet's termination ordering holds: sidecars get their stop signal
 * after the app containers and the sidecars after them stopped. */
static bool stop_ordered(const struct mon *m)
{
	return m->deleting || m->evicted || m->over;
}

/* May container idx get its stop signal now (pod_stop_turn)? */
static bool stop_turn_came(const struct mon *m, size_t idx)
{
	size_t n = MON_N(m);
	cleanup_free struct pod_stop_ctr *v = NULL;

	if (!stop_ordered(m) || !mon_is_sidecar(m, idx))
		return true;
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = (struct pod_stop_ctr){.sidecar = mon_is_sidecar(m, i),
		                             .running = m->c[i].pid > 0};
	return pod_stop_turn(v, m->rec->n_ctrs, n, idx);
}

/* The STOPSIGNAL of stopping container idx, now if its turn came, else
 * when it comes (mon_stop_turns). */
static void stop_signal_in_turn(struct mon *m, size_t idx)
{
	if (stop_turn_came(m, idx))
		stop_signal(m, idx, m->c[idx].stop_signal, false);
	else
		mctr_stop_waits(m, idx);
}

/* Start container idx's preStop hook; 0 when it runs, -errno when there
 * is none or it could not start (then the STOPSIGNAL goes at once). */
static int pre_stop(struct mon *m, size_t idx)
{
	const struct pod_container *pc = mon_spec(m, idx);
	struct mctr *c = &m->c[idx];

	if (mon_kind(m, idx) == POD_CTR_INIT || !pc->pre_stop.set)
		return -ENOENT;
	if (c->hook_pid > 0) /* a postStart still running: stop it */
		(void)kill(c->hook_pid, SIGKILL);
	c->hook_pid = 0;
	if (hook_run(m, idx, &pc->pre_stop, &c->hook_pid) < 0) {
		pod_event_add(m->dir, "Warning", "FailedPreStopHook",
		              "PreStopHook failed for container %s", pc->name);
		c->hook_pid = 0;
		return -EIO;
	}
	c->hook_pre_stop = true;
	return 0;
}

/* The grace period of container idx is over: a preStop hook still running
 * gets the STOPSIGNAL sent after it and 2 s more, once; else SIGKILL to
 * everything in the container (and to its hook). */
static void kill_due(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];

	/* a preStop hook that overran, or a sidecar whose turn did not come
	 * within the grace period: the STOPSIGNAL and the kubelet's 2 s */
	if (((c->hook_pid > 0 && c->hook_pre_stop) || c->stop_waits) && !c->stop_extended) {
		if (c->hook_pid > 0)
			(void)kill(c->hook_pid, SIGKILL);
		stop_signal(m, idx, c->stop_signal, false);
		mctr_kill_due(m, idx, pp_now_ms() + POD_PRE_STOP_EXTRA_MS);
		return;
	}
	if (c->hook_pid > 0)
		(void)kill(c->hook_pid, SIGKILL);
	log_info("killing container '%s' (grace period over)", mon_status(m, idx)->name);
	stop_signal(m, idx, SIGKILL, true);
	mctr_kill_due(m, idx, 0);
}

void mon_ctr_stop(struct mon *m, size_t idx, int64_t grace_s, const char *message)
{
	struct mctr *c = &m->c[idx];
	bool first = c->phase == MCTR_RUNNING;

	mctr_stop_requested(m, idx, grace_s > 0 ? pp_now_ms() + grace_s * 1000 : 1);
	if (c->phase == MCTR_EXITED)
		mon_pull_cancel(m, idx);
	if (c->phase != MCTR_STOPPING || c->pid <= 0)
		return;
	if (first) {
		if (message != NULL)
			pod_event_add(m->dir, "Normal", "Killing", "%s", message);
		else
			pod_event_add(m->dir, "Normal", "Killing", "Stopping container %s",
			              mon_status(m, idx)->name);
		if (grace_s > 0 && pre_stop(m, idx) < 0)
			stop_signal_in_turn(m, idx);
	}
	if (c->kill_at_ms > 0 && c->kill_at_ms <= pp_now_ms())
		kill_due(m, idx);
}

void mon_stop_timers(struct mon *m)
{
	int64_t now = pp_now_ms();

	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].phase == MCTR_STOPPING && m->c[i].kill_at_ms > 0 &&
		    m->c[i].kill_at_ms <= now)
			kill_due(m, i);
}

void mon_stop_turns(struct mon *m)
{
	for (size_t i = 0; i < MON_N(m); i++) {
		struct mctr *c = &m->c[i];

		if (c->phase != MCTR_STOPPING || !c->stop_waits || c->hook_pid > 0 ||
		    !stop_turn_came(m, i))
			continue;
		/* the kubelet gives a container whose turn came at least 2 s */
		mctr_stop_turn(m, i, pp_now_ms() + POD_PRE_STOP_EXTRA_MS);
		stop_signal(m, i, c->stop_signal, false);
	}
}

void mon_delete_begin(struct mon *m, long grace)
{
	if (grace < 0)
		grace = (long)m->rec->pod->termination_grace_period_seconds;
	if (!m->deleting) {
		m->deleting = true;
		m->evict_at_ms = 0;
		m->vol_sync_at_ms = 0;
		m->rec->deleting_at = pod_now();
		log_info("deleting pod, grace period %lds", grace);
	}
	for (size_t i = 0; i < MON_N(m); i++)
		mon_ctr_stop(m, i, grace, NULL);
}

void mon_post_start(struct mon *m, size_t idx)
{
	const struct pod_container *pc = mon_spec(m, idx);
	struct mctr *c = &m->c[idx];

	if (mon_kind(m, idx) == POD_CTR_INIT || !pc->post_start.set)
		return;
	c->hook_pre_stop = false;
	if (hook_run(m, idx, &pc->post_start, &c->hook_pid) < 0)
		hook_exited(m, idx, W_EXITCODE(126, 0));
}

/* A hook of container idx exited with wait status: after preStop comes
 * the container's STOPSIGNAL; a failed postStart stops the container. */
static void hook_exited(struct mon *m, size_t idx, int status)
{
	struct mctr *c = &m->c[idx];
	const char *name = mon_status(m, idx)->name;
	bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	cleanup_free char *why = NULL;

	c->hook_pid = 0;
	if (c->hook_pre_stop) {
		c->hook_pre_stop = false;
		if (failed)
			pod_event_add(m->dir, "Warning", "FailedPreStopHook",
			              "PreStopHook failed for container %s", name);
		/* then the STOPSIGNAL, within what is left of the grace period */
		if (c->phase == MCTR_STOPPING && c->kill_at_ms > 0)
			stop_signal_in_turn(m, idx);
		return;
	}
	if (!failed || c->phase != MCTR_RUNNING || m->deleting)
		return;
	/* the kubelet kills a container whose postStart hook failed; it is
	 * then restarted per restartPolicy */
	pod_event_add(m->dir, "Warning", "FailedPostStartHook",
	              "PostStartHook failed for container %s", name);
	log_info("postStart hook of '%s' failed, stopping it", name);
	why = xstrfmt("FailedPostStartHook: container %s will be killed and re-created", name);
	mon_ctr_stop(m, idx, m->rec->pod->termination_grace_period_seconds, why);
}

bool mon_hook_reaped(struct mon *m, pid_t pid, int status)
{
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].hook_pid > 0 && m->c[i].hook_pid == pid) {
			hook_exited(m, i, status);
			return true;
		}
	return false;
}
