/* SPDX-License-Identifier: Apache-2.0 */
/* Timers (restarts, end of grace) and deleting a pod: STOPSIGNAL to each
 * container, the grace period, SIGKILL to all that is left, pause last,
 * then mounts, cgroups and state. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/events.h"
#include "monitor/internal.h"
#include "monitor/monitor.h"
#include "monitor/probe.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

static bool all_stopped(const struct mon *m)
{
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].pid > 0)
			return false;
	return true;
}

/* A preStop hook that used up the grace period: the kubelet still sends
 * the STOPSIGNAL and allows 2 more seconds. True when one was running. */
static bool pre_stop_overran(struct mon *m)
{
	struct pp_error err = {0};
	bool any = false;

	for (size_t i = 0; i < m->rec->n_ctrs; i++) {
		struct mctr *c = &m->c[i];

		if (c->hook_pid <= 0 || !c->hook_pre_stop || c->pid <= 0)
			continue;
		any = true;
		(void)kill(c->hook_pid, SIGKILL);
		if (pod_container_signal(&m->paths, m->rec, i, c->stop_signal, false, &err) < 0)
			log_warn("stop '%s': %s, ignoring", mon_status(m, i)->name, err.msg);
	}
	return any;
}

static void kill_all(struct mon *m)
{
	struct pp_error err = {0};

	if (!m->pre_stop_extended && m->kill_at_ms > 1 && pre_stop_overran(m)) {
		m->pre_stop_extended = true;
		m->kill_at_ms = mon_now_ms() + 2000;
		return;
	}
	m->killed = true;
	for (size_t i = 0; i < MON_N(m); i++) {
		struct mon_view v;
		const struct pod_record *rec = mon_view(m, i, &v);

		if (m->c[i].hook_pid > 0) /* a preStop hook past the grace period */
			(void)kill(m->c[i].hook_pid, SIGKILL);
		if (m->c[i].pid <= 0)
			continue;
		log_info("killing container '%s' (grace period over)", mon_status(m, i)->name);
		if (pod_container_signal(&m->paths, rec, v.idx, SIGKILL, true, &err) < 0)
			log_warn("kill '%s': %s, ignoring", mon_status(m, i)->name, err.msg);
	}
}

static void finish(struct mon *m)
{
	struct pp_error err = {0};
	const struct pod *p = m->rec->pod;

	for (size_t i = 0; i < MON_N(m); i++)
		cri_log_close(&m->c[i].log);
	m->finished = true;
	if (pod_teardown(&m->paths, p->uid, p->namespace_, p->name, &err) < 0)
		log_error("teardown of pod '%s': %s", p->name, err.msg);
	else
		log_info("pod %s/%s deleted", p->namespace_, p->name);
}

void mon_timers_run(struct mon *m)
{
	int64_t now = mon_now_ms();
	struct pp_error err = {0};
	bool changed = false;

	if (m->deleting) {
		if (!m->killed && m->kill_at_ms > 0 && now >= m->kill_at_ms)
			kill_all(m);
		if (all_stopped(m))
			finish(m);
		else
			mon_arm_timer(m);
		return;
	}
	mon_evict_check(m);
	for (size_t i = 0; i < MON_N(m); i++) {
		struct ctr_status *st = mon_status(m, i);

		if (m->c[i].kill_at_ms > 0 && m->c[i].kill_at_ms <= now) {
			m->c[i].kill_at_ms = 0;
			if (m->c[i].pid > 0 &&
			    pod_container_signal(&m->paths, m->rec, i, SIGKILL, true, &err) < 0)
				log_warn("kill '%s': %s, ignoring", st->name, err.msg);
		}

		if (m->c[i].restart_at_ms == 0 || m->c[i].restart_at_ms > now)
			continue;
		/* only a container that ran and ended is restarted: a retry after
		 * CreateContainerError is no restart (kubelet) */
		if (st->state == CTR_STATE_TERMINATED ||
		    (st->reason != NULL && strcmp(st->reason, "CrashLoopBackOff") == 0))
			st->restart_count++;
		(void)mon_ctr_start(m, i, &err);
		changed = true;
	}
	mon_probe_run(m);
	if (changed) {
		mon_update_phase(m);
		mon_save(m);
	}
	mon_arm_timer(m);
}

void mon_delete_begin(struct mon *m, long grace)
{
	struct pp_error err = {0};
	int64_t deadline;

	if (grace < 0)
		grace = (long)m->rec->pod->termination_grace_period_seconds;
	deadline = mon_now_ms() + (int64_t)grace * 1000;
	if (m->deleting) {
		/* a second delete may only shorten the grace period */
		if (deadline < m->kill_at_ms)
			m->kill_at_ms = deadline > 0 ? deadline : 1;
		mon_timers_run(m);
		return;
	}
	m->deleting = true;
	m->evict_at_ms = 0;
	m->kill_at_ms = deadline > 0 ? deadline : 1;
	m->rec->deleting_at = pod_now();
	log_info("deleting pod, grace period %lds", grace);
	for (size_t i = 0; i < MON_N(m); i++) {
		struct mon_view v;
		const struct pod_record *rec = mon_view(m, i, &v);

		m->c[i].restart_at_ms = 0;
		mon_probe_stop(m, i);
		if (m->c[i].pid > 0)
			pod_event_add(m->dir, "Normal", "Killing", "Stopping container %s",
			              mon_status(m, i)->name);
		if (m->c[i].pid <= 0 || grace == 0)
			continue;
		/* preStop first (it may use up the grace period), then STOPSIGNAL */
		if (mon_pre_stop(m, i) == 0)
			continue;
		if (pod_container_signal(&m->paths, rec, v.idx, m->c[i].stop_signal, false, &err) <
		    0)
			log_warn("stop '%s': %s, ignoring", mon_status(m, i)->name, err.msg);
	}
	mon_save(m);
	if (grace == 0)
		kill_all(m);
	mon_timers_run(m);
}
