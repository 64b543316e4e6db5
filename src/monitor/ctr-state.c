/* SPDX-License-Identifier: Apache-2.0 */
/* The container state machine: each named transition of a container sets
 * its phase (enum mctr_phase) and writes its status (ContainerStatus),
 * restart count and back-off, as the kubelet reports them. This file alone
 * writes those; the rules themselves (restartPolicy, back-off, phase) are
 * the pure functions of pod/lifecycle.h. Nothing here starts, signals or
 * saves: the monitor acts on the phases when it settles (monitor.c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/events.h"
#include "monitor/internal.h"
#include "pod/lifecycle.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

void mctr_rejected(struct mon *m, size_t idx)
{
	struct ctr_status *st = mon_status(m, idx);

	free(st->reason);
	free(st->message);
	st->reason = st->message = NULL;
	m->c[idx].phase = MCTR_EXITED;
}

void mctr_init(struct mctr *c)
{
	memset(c, 0, sizeof(*c));
	c->phase = MCTR_WAITING;
	c->out = c->err = c->in = c->pty = -1;
	c->log.fd = -1;
	c->pidfd = -1;
	c->pull_out = -1;
	c->stop_signal = SIGTERM;
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

/* Go's time.Duration of ms truncated to milliseconds ("520ms", "1.5s",
 * "1m20s", "5m0s"), as the kubelet's back-off and Pulled events print it.
 * Returns buf. */
static const char *go_duration(int64_t ms, char *buf, size_t size)
{
	char frac[8] = "";
	int64_t s = ms / 1000, rest = ms % 1000;

	if (ms < 1000) {
		(void)snprintf(buf, size, "%lldms", (long long)ms);
		return buf;
	}
	if (rest > 0) {
		size_t n;

		(void)snprintf(frac, sizeof(frac), ".%03lld", (long long)rest);
		for (n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	if (s < 60)
		(void)snprintf(buf, size, "%lld%ss", (long long)s, frac);
	else
		(void)snprintf(buf, size, "%lldm%lld%ss", (long long)(s / 60), (long long)(s % 60),
		               frac);
	return buf;
}

/* BACKOFF until the back-off delay is over. crash: it ran and ended (the
 * kubelet's CrashLoopBackOff, shown while the delay lasts); else a start
 * that failed, retried with the same back-off and no status of its own. */
static void backoff(struct mon *m, size_t idx, bool crash)
{
	struct mctr *c = &m->c[idx];
	struct ctr_status *st = mon_status(m, idx);
	const struct pod *p = m->rec->pod;
	int64_t now = pp_now_ms();
	struct pod_backoff b =
	    pod_backoff_step(c->backoff_s, c->started_ms > 0 ? now - c->started_ms : 0);
	char dur[32];
	cleanup_free char *msg = NULL;

	c->backoff_s = b.next_s;
	c->restart_at_ms = now + (int64_t)b.delay_s * 1000;
	c->phase = MCTR_BACKOFF;
	if (b.delay_s == 0 || !crash)
		return;
	msg = xstrfmt("back-off %s restarting failed container=%s pod=%s_%s(%s)",
	              go_duration((int64_t)b.delay_s * 1000, dur, sizeof(dur)), st->name, p->name,
	              p->namespace_, p->uid);
	status_waiting(st, "CrashLoopBackOff", msg);
	pod_event_add(m->dir, "Warning", "BackOff",
	              "Back-off restarting failed container %s in pod %s_%s(%s)", st->name, p->name,
	              p->namespace_, p->uid);
}

/* After container idx terminated (its status written): DONE, EXITED,
 * WAIT_SANDBOX or BACKOFF, keeping what ended as lastState when it runs
 * again. */
static void after_exit(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];
	struct ctr_status *st = mon_status(m, idx);
	struct ctr_terminated *t = &st->term;

	c->pid = 0;
	c->kill_at_ms = 0;
	c->restart_at_ms = 0;
	c->stop_waits = false;
	if (mon_kind(m, idx) == POD_CTR_INIT && t->exit_code == 0) {
		st->ready = true; /* the kubelet: a completed init container is ready */
		c->phase = MCTR_DONE;
		return;
	}
	if (m->deleting || m->evicted || m->over ||
	    !pod_restart_wanted(m->rec->pod->restart_policy, mon_kind(m, idx), t->exit_code)) {
		c->phase = MCTR_EXITED;
		return;
	}
	st->has_last = true;
	free(st->last.reason);
	free(st->last.message);
	st->last = *t;
	t->reason = xstrdup(t->reason);
	t->message = xstrdup(t->message);
	c->ran = true;
	if (m->sandbox_lost)
		c->phase = MCTR_WAIT_SANDBOX; /* restarted in the new sandbox */
	else
		backoff(m, idx, true);
}

void mctr_started(struct mon *m, size_t idx, pid_t pid)
{
	struct mctr *c = &m->c[idx];
	struct ctr_status *st = mon_status(m, idx);

	c->pid = pid;
	c->phase = MCTR_RUNNING;
	c->started_ms = pp_now_ms();
	c->kill_at_ms = 0;
	c->stop_extended = false;
	c->config_retry_ms = 0;
	status_running(st, pid);
	/* the kubelet's prober knows no ephemeral container: never ready */
	st->ready = !mon_is_ephemeral(m, idx);
	if (st->user != NULL)
		json_object_put(st->user);
	st->user = pod_container_status_user(&m->paths, m->rec, idx);
	pod_event_add(m->dir, "Normal", "Created", "Created container %s", st->name);
	pod_event_add(m->dir, "Normal", "Started", "Started container %s", st->name);
}

void mctr_exited(struct mon *m, size_t idx, int code, int sig, const char *reason, const char *msg)
{
	struct ctr_status *st = mon_status(m, idx);

	status_terminated(st, code, sig, reason, msg, st->started_at);
	after_exit(m, idx);
}

void mctr_start_failed(struct mon *m, size_t idx, const char *msg)
{
	/* the runtime could not start the process (e.g. its command is
	 * missing): terminated with StartError, exit code 128, as containerd
	 * reports it */
	status_terminated(mon_status(m, idx), 128, 0, "StartError", msg, pod_now());
	after_exit(m, idx);
}

void mctr_create_failed(struct mon *m, size_t idx, bool config_error, const char *msg)
{
	status_waiting(mon_status(m, idx),
	               config_error ? "CreateContainerConfigError" : "CreateContainerError", msg);
	backoff(m, idx, false);
}

void mctr_config_error(struct mon *m, size_t idx, const char *msg)
{
	struct mctr *c = &m->c[idx];

	pod_event_add(m->dir, "Warning", "Failed", "Error: %s", msg);
	status_waiting(mon_status(m, idx), "CreateContainerConfigError", msg);
	c->config_retry_ms = pod_config_retry_next(c->config_retry_ms);
	c->restart_at_ms = pp_now_ms() + c->config_retry_ms;
	c->phase = MCTR_BACKOFF;
}

/* The kubelet's image pull back-off (10 s doubling to 5 min, per image):
 * BACKOFF until pull_retry_ms; a first timer a second later shows it as
 * ImagePullBackOff, as the kubelet's next pod sync does. */
static void pull_backoff(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];
	int64_t now = pp_now_ms();

	c->pull_backoff_s = pod_backoff_next(c->pull_backoff_s);
	c->pull_retry_ms = now + (int64_t)c->pull_backoff_s * 1000;
	c->pull_backoff_shown = false;
	c->restart_at_ms = now + 1000;
	c->phase = MCTR_BACKOFF;
}

/* An image that cannot be had (a bad name, absent with policy Never):
 * tried again after the image back-off, its status kept. */
static void image_retry_later(struct mon *m, size_t idx)
{
	pull_backoff(m, idx);
	m->c[idx].pull_backoff_shown = true;
	m->c[idx].restart_at_ms = m->c[idx].pull_retry_ms;
}

/* A pull back-off's first timer: ImagePullBackOff until the retry. */
static void pull_backoff_show(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];
	const struct pod_container *pc = mon_spec(m, idx);
	struct ctr_status *st = mon_status(m, idx);
	cleanup_free char *msg = xstrfmt("Back-off pulling image \"%s\"", pc->image);
	cleanup_free char *why = NULL;

	why = xstrfmt("%s: ErrImagePull: %s", msg, st->message ? st->message : "");
	pod_event_add(m->dir, "Normal", "BackOff", "%s", msg);
	pod_event_add(m->dir, "Warning", "Failed", "Error: ImagePullBackOff");
	status_waiting(st, "ImagePullBackOff", why);
	c->pull_backoff_shown = true;
	c->restart_at_ms = c->pull_retry_ms;
}

void mctr_image_missing(struct mon *m, size_t idx)
{
	struct ctr_status *st = mon_status(m, idx);
	const struct pod_container *pc = mon_spec(m, idx);
	cleanup_free char *msg = NULL;

	free(st->image_id);
	st->image_id = NULL;
	/* imagePullPolicy Never and no such image: the kubelet's
	 * ErrImageNeverPull, retried as it resyncs */
	msg = xstrfmt("Container image \"%s\" is not present with pull policy of Never", pc->image);
	pod_event_add(m->dir, "Warning", "ErrImageNeverPull", "%s", msg);
	status_waiting(st, "ErrImageNeverPull", msg);
	image_retry_later(m, idx);
}

void mctr_image_invalid(struct mon *m, size_t idx, const char *msg)
{
	pod_event_add(m->dir, "Warning", "InspectFailed", "%s", msg);
	status_waiting(mon_status(m, idx), "InvalidImageName", msg);
	image_retry_later(m, idx);
}

void mctr_pull_started(struct mon *m, size_t idx, pid_t pid, int out)
{
	struct mctr *c = &m->c[idx];

	c->phase = MCTR_PULLING;
	c->pull_pid = pid;
	c->pull_out = out;
	c->pull_started_ms = pp_now_ms();
	pod_event_add(m->dir, "Normal", "Pulling", "Pulling image \"%s\"", mon_spec(m, idx)->image);
}

/* The pull's child is gone: its fds and pid forgotten. */
static void pull_end(struct mctr *c)
{
	if (c->pull_out >= 0)
		(void)close(c->pull_out);
	c->pull_out = -1;
	c->pull_pid = 0;
}

void mctr_pull_done(struct mon *m, size_t idx, const char *id, int64_t size)
{
	struct mctr *c = &m->c[idx];
	struct ctr_status *st = mon_status(m, idx);
	char took[32];

	pull_end(c);
	go_duration(pp_now_ms() - c->pull_started_ms, took, sizeof(took));
	pod_event_add(m->dir, "Normal", "Pulled",
	              "Successfully pulled image \"%s\" in %s (%s including waiting). Image "
	              "size: %lld bytes.",
	              mon_spec(m, idx)->image, took, took, (long long)size);
	c->pull_failures = 0;
	c->pull_backoff_s = 0;
	free(c->pulled_id);
	c->pulled_id = xstrdup(id);
	free(st->image_id);
	st->image_id = xstrdup(id);
	c->phase = m->deleting || m->evicted || m->over ? MCTR_EXITED : MCTR_WAITING;
}

void mctr_pull_failed(struct mon *m, size_t idx, const char *msg)
{
	struct mctr *c = &m->c[idx];
	cleanup_free char *text =
	    xstrfmt("Failed to pull image \"%s\": %s", mon_spec(m, idx)->image, msg);

	pull_end(c);
	if (m->deleting || m->evicted || m->over) {
		c->phase = MCTR_EXITED;
		return;
	}
	pod_event_add(m->dir, "Warning", "Failed", "%s", text);
	pod_event_add(m->dir, "Warning", "Failed", "Error: ErrImagePull");
	status_waiting(mon_status(m, idx), "ErrImagePull", text);
	c->pull_failures++;
	pull_backoff(m, idx);
}

void mctr_image_found(struct mon *m, size_t idx, const char *image_id)
{
	struct ctr_status *st = mon_status(m, idx);

	m->c[idx].pull_failures = 0;
	m->c[idx].pull_backoff_s = 0;
	if (st->image_id == NULL || *st->image_id == '\0') {
		free(st->image_id);
		st->image_id = xstrdup(image_id);
	}
}

void mctr_stop_requested(struct mon *m, size_t idx, int64_t kill_at_ms)
{
	struct mctr *c = &m->c[idx];

	switch (c->phase) {
	case MCTR_RUNNING:
		c->phase = MCTR_STOPPING;
		c->kill_at_ms = kill_at_ms > 0 ? kill_at_ms : 1;
		c->stop_extended = false;
		c->stop_waits = false;
		break;
	case MCTR_STOPPING:
		/* a second request may only bring SIGKILL closer */
		if (c->kill_at_ms > 0 && kill_at_ms < c->kill_at_ms)
			c->kill_at_ms = kill_at_ms > 0 ? kill_at_ms : 1;
		break;
	case MCTR_WAITING:
	case MCTR_BACKOFF:
	case MCTR_WAIT_SANDBOX:
	case MCTR_PULLING: /* the monitor ends the pull (mon_pull_cancel) */
		/* not running: a deleted, evicted or finished pod starts it
		 * no more */
		if (m->deleting || m->evicted || m->over) {
			c->phase = MCTR_EXITED;
			c->restart_at_ms = 0;
		}
		break;
	case MCTR_EXITED:
	case MCTR_DONE:
		break;
	}
}

void mctr_kill_due(struct mon *m, size_t idx, int64_t extend_to_ms)
{
	struct mctr *c = &m->c[idx];

	if (c->phase != MCTR_STOPPING)
		return;
	c->kill_at_ms = extend_to_ms;
	c->stop_waits = false;
	if (extend_to_ms > 0)
		c->stop_extended = true;
}

void mctr_sidecar_started(struct mon *m, size_t idx)
{
	m->c[idx].initialized = true;
}

void mctr_stop_waits(struct mon *m, size_t idx)
{
	if (m->c[idx].phase == MCTR_STOPPING)
		m->c[idx].stop_waits = true;
}

void mctr_stop_turn(struct mon *m, size_t idx, int64_t min_kill_at_ms)
{
	struct mctr *c = &m->c[idx];

	c->stop_waits = false;
	if (c->phase == MCTR_STOPPING && c->kill_at_ms > 0 && c->kill_at_ms < min_kill_at_ms)
		c->kill_at_ms = min_kill_at_ms;
}

void mctr_restart_due(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];

	if (c->phase != MCTR_BACKOFF)
		return;
	if (c->pull_failures > 0 && !c->pull_backoff_shown) {
		pull_backoff_show(m, idx);
		return;
	}
	/* only a container that ran and ended is restarted: a retry after
	 * CreateContainerError is no restart (kubelet) */
	if (c->ran)
		mon_status(m, idx)->restart_count++;
	c->ran = false;
	c->restart_at_ms = 0;
	c->phase = MCTR_WAITING;
}

void mctr_sandbox_lost(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];

	if (c->phase == MCTR_BACKOFF) { /* starts with the new sandbox */
		c->restart_at_ms = 0;
		c->phase = MCTR_WAIT_SANDBOX;
	}
}

void mctr_sandbox_ready(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];
	struct ctr_status *st = mon_status(m, idx);

	/* every init container runs again in the new sandbox */
	if (c->phase != MCTR_WAIT_SANDBOX && !mon_is_init(m, idx))
		return;
	c->initialized = false;
	if (c->ran || st->state == CTR_STATE_TERMINATED)
		st->restart_count++;
	c->ran = false;
	c->restart_at_ms = 0;
	c->phase = MCTR_WAITING;
	status_waiting(st, m->rec->n_init_ctrs > 0 ? "PodInitializing" : "ContainerCreating", NULL);
}

void mctr_probe_status(struct mon *m, size_t idx, bool started, bool ready)
{
	struct ctr_status *st = mon_status(m, idx);

	st->started = started;
	st->ready = ready;
}

/* What the record says of a container that waits: being created, in
 * crash-loop back-off, or retried after a failed start. The one place
 * that reads the kubelet's reasons back, from a pod.json written by the
 * monitor before us. */
static void adopt_waiting(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];
	const char *reason = mon_status(m, idx)->reason;

	if (reason == NULL || strcmp(reason, "ContainerCreating") == 0 ||
	    strcmp(reason, "PodInitializing") == 0) {
		c->phase = MCTR_WAITING; /* a start cut short: it starts again */
		return;
	}
	c->ran = strcmp(reason, "CrashLoopBackOff") == 0;
	if (strcmp(reason, "ErrImagePull") == 0 || strcmp(reason, "ImagePullBackOff") == 0) {
		c->pull_failures = 1;
		image_retry_later(m, idx); /* it says so already */
		return;
	}
	backoff(m, idx, c->ran);
}

/* Has a container after init container idx (a later init container, or
 * an app container) been created? Then idx had its turn (the kubelet's
 * isPreviouslyInitialized, for a monitor that took the pod back). */
static bool ran_after(const struct mon *m, size_t idx)
{
	for (size_t i = 0; i < MON_N(m); i++) {
		const struct ctr_status *st = mon_status(m, i);

		if ((i > idx || !mon_is_init(m, i)) && !mon_is_ephemeral(m, i) &&
		    (st->state != CTR_STATE_WAITING || st->restart_count > 0 || st->has_last))
			return true;
	}
	return false;
}

void mctr_adopted(struct mon *m, size_t idx)
{
	struct mctr *c = &m->c[idx];
	const struct ctr_status *st = mon_status(m, idx);

	c->backoff_s = pod_backoff_after(st->restart_count);
	c->initialized =
	    mon_is_sidecar(m, idx) && ((c->pid > 0 && st->started) || ran_after(m, idx));
	if (c->pid > 0) {
		int64_t ran_s = pod_now() - st->started_at;

		c->phase = MCTR_RUNNING;
		c->started_ms = pp_now_ms() - (ran_s > 0 ? ran_s * 1000 : 0);
		if (c->started_ms <= 0)
			c->started_ms = 1;
	} else if (st->state == CTR_STATE_TERMINATED) {
		after_exit(m, idx); /* it ended while no monitor ran */
	} else {
		adopt_waiting(m, idx);
	}
}

bool mon_init_failed(const struct mon *m)
{
	for (size_t i = m->rec->n_ctrs; i < MON_N(m); i++) {
		const struct ctr_status *st = mon_status(m, i);

		if (mon_is_init(m, i) && !mon_is_sidecar(m, i) && m->c[i].phase == MCTR_EXITED &&
		    st->state == CTR_STATE_TERMINATED && st->term.exit_code != 0)
			return true;
	}
	return false;
}

struct pod_phase_ctr *mon_phase_apps(const struct mon *m)
{
	size_t n = m->rec->n_ctrs;
	struct pod_phase_ctr *in = xcalloc(n > 0 ? n : 1, sizeof(*in));

	for (size_t i = 0; i < n; i++) {
		const struct ctr_status *st = mon_status(m, i);
		enum mctr_phase ph = m->c[i].phase;

		in[i].live = ph != MCTR_EXITED && ph != MCTR_DONE;
		in[i].started = m->c[i].started_ms > 0;
		in[i].failed = st->state == CTR_STATE_TERMINATED
		                   ? st->term.exit_code != 0
		                   : st->has_last && st->last.exit_code != 0;
	}
	return in;
}

void mon_update_phase(struct mon *m)
{
	cleanup_free struct pod_phase_ctr *in = mon_phase_apps(m);
	bool sidecar_running = false;

	for (size_t i = m->rec->n_ctrs; i < MON_N(m); i++)
		sidecar_running |= mon_is_sidecar(m, i) && m->c[i].pid > 0;
	m->rec->phase =
	    pod_phase_of(in, m->rec->n_ctrs, mon_init_failed(m), m->evicted, sidecar_running);
}
