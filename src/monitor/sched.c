/* SPDX-License-Identifier: Apache-2.0 */
/* What starts next, in the kubelet's order: init containers one at a
 * time, in order, each after the one before completed; then every app
 * container; and containers whose back-off is over. Nothing starts until
 * the pod's API data volumes are set up. */
#include "monitor/internal.h"
#include "pod/state.h"
#include "util/clock.h"
#include "util/error.h"

/* Start container idx if it waits to. */
static void start_waiting(struct mon *m, size_t idx)
{
	struct pp_error err = {0};

	if (m->c[idx].phase == MCTR_WAITING)
		(void)mon_ctr_start(m, idx, &err);
}

void mon_start_due(struct mon *m)
{
	int64_t now = pp_now_ms();

	if (m->deleting || m->evicted || m->sandbox_lost || m->finished || !m->rec->scheduled)
		return;
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].phase == MCTR_BACKOFF && m->c[i].restart_at_ms <= now)
			mctr_restart_due(m, i);
	/* the kubelet's WaitForAttachAndMount: no container before them */
	if (!m->volumes_ready)
		return;
	for (size_t i = m->rec->n_ctrs; i < MON_N(m); i++) {
		if (m->c[i].phase == MCTR_DONE)
			continue;
		/* not started yet: start it; else it runs, waits for a restart
		 * or failed for good, and the app containers wait */
		start_waiting(m, i);
		return;
	}
	for (size_t i = 0; i < m->rec->n_ctrs; i++)
		start_waiting(m, i);
}
