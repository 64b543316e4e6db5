/* SPDX-License-Identifier: Apache-2.0 */
/* What starts next, in the kubelet's order: ephemeral containers (once:
 * never restarted), init containers one at a time, in order, each after
 * the one before completed or, for a sidecar (restartPolicy Always), once
 * it started; the sidecars kept running beside the rest; then every app
 * container; and containers whose back-off is over. A pod whose app
 * containers all ended for good stops its sidecars (the kubelet's
 * KillPod). Nothing starts until the pod's API data volumes are set up. */
#include "monitor/internal.h"
#include "pod/lifecycle.h"
#include "pod/state.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

/* Start container idx if it waits to. */
static void start_waiting(struct mon *m, size_t idx)
{
	struct pp_error err = {0};

	if (m->c[idx].phase == MCTR_WAITING)
		(void)mon_ctr_start(m, idx, &err);
}

/* A sidecar counts as started once it runs, its postStart hook is over
 * and its startup probe (if any) passed (status started). */
static void sidecars_check(struct mon *m)
{
	for (size_t i = m->rec->n_ctrs; i < MON_N(m); i++)
		if (mon_is_sidecar(m, i) && !m->c[i].initialized && m->c[i].phase == MCTR_RUNNING &&
		    m->c[i].hook_pid == 0 && mon_status(m, i)->started)
			mctr_sidecar_started(m, i);
}

/* Once no app container will run again, or an init container failed for
 * good, the pod is over: its sidecars stop. True when it is. */
static bool over_check(struct mon *m)
{
	cleanup_free struct pod_phase_ctr *apps = NULL;

	if (m->over)
		return true;
	apps = mon_phase_apps(m);
	if (!pod_is_over(apps, m->rec->n_ctrs, mon_init_failed(m)))
		return false;
	m->over = true;
	for (size_t i = m->rec->n_ctrs; i < MON_N(m); i++)
		if (mon_is_sidecar(m, i))
			mon_ctr_stop(m, i, m->rec->pod->termination_grace_period_seconds, NULL);
	return true;
}

/* The init container whose turn it is (pod_init_turn), 0-based among them. */
static size_t init_turn(const struct mon *m)
{
	size_t n = m->rec->n_init_ctrs;
	cleanup_free struct pod_init_ctr *v = xcalloc(n > 0 ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		size_t idx = m->rec->n_ctrs + i;

		v[i] = (struct pod_init_ctr){.sidecar = mon_is_sidecar(m, idx),
		                             .done = m->c[idx].phase == MCTR_DONE,
		                             .initialized = m->c[idx].initialized};
	}
	return pod_init_turn(v, n);
}

/* Start the init containers whose turn came; true once all are done or
 * started (the app containers' turn). A sidecar that counts as started at
 * once lets the next one start in the same pass. */
static bool start_init(struct mon *m)
{
	size_t base = m->rec->n_ctrs;

	for (;;) {
		size_t turn = init_turn(m);

		/* the sidecars before it run beside what comes next */
		for (size_t i = 0; i < turn; i++)
			if (mon_is_sidecar(m, base + i))
				start_waiting(m, base + i);
		if (turn >= m->rec->n_init_ctrs)
			return true;
		/* not started yet: start it; else it runs, waits for a restart
		 * or failed for good, and what follows waits */
		start_waiting(m, base + turn);
		sidecars_check(m);
		if (init_turn(m) == turn)
			return false;
	}
}

void mon_start_due(struct mon *m)
{
	int64_t now = pp_now_ms();

	if (m->deleting || m->evicted || m->sandbox_lost || m->finished || !m->rec->scheduled)
		return;
	sidecars_check(m);
	if (over_check(m))
		return;
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].phase == MCTR_BACKOFF && m->c[i].restart_at_ms <= now)
			mctr_restart_due(m, i);
	/* the kubelet's WaitForAttachAndMount: no container before them */
	if (!m->volumes_ready)
		return;
	/* the kubelet starts ephemeral containers whatever the init
	 * containers' course (SyncPod: before them) */
	for (size_t i = m->rec->n_ctrs + m->rec->n_init_ctrs; i < MON_N(m); i++)
		start_waiting(m, i);
	if (!start_init(m))
		return;
	for (size_t i = 0; i < m->rec->n_ctrs; i++)
		start_waiting(m, i);
}
