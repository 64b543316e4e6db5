/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's restart policy, crash-loop back-off, pod phase, the order
 * of init containers and sidecars, and the termination ordering. */
#include "pod/lifecycle.h"

bool pod_restart_wanted(enum pod_restart_policy policy, enum pod_ctr_kind kind, int exit_code)
{
	if (kind == POD_CTR_SIDECAR)
		return true;
	if (kind == POD_CTR_EPHEMERAL)
		return false;
	if (kind == POD_CTR_INIT)
		return exit_code != 0 && policy != POD_RESTART_NEVER;
	switch (policy) {
	case POD_RESTART_ALWAYS:
		return true;
	case POD_RESTART_ON_FAILURE:
		return exit_code != 0;
	case POD_RESTART_NEVER:
		break;
	}
	return false;
}

struct pod_backoff pod_backoff_step(int backoff_s, int64_t ran_ms)
{
	int delay = ran_ms > POD_BACKOFF_RESET_MS ? 0 : backoff_s;

	if (delay < 0)
		delay = 0;
	return (struct pod_backoff){
	    .delay_s = delay,
	    .next_s = delay == 0 ? POD_BACKOFF_INITIAL_S
	                         : (delay > POD_BACKOFF_MAX_S / 2 ? POD_BACKOFF_MAX_S : delay * 2),
	};
}

int pod_backoff_next(int backoff_s)
{
	return pod_backoff_step(backoff_s, 0).next_s;
}

int64_t pod_config_retry_next(int64_t retry_ms)
{
	if (retry_ms <= 0)
		return 1000;
	return retry_ms >= POD_CONFIG_RETRY_MAX_MS / 2 ? POD_CONFIG_RETRY_MAX_MS : retry_ms * 2;
}

int pod_backoff_after(int restarts)
{
	int d = 0;

	for (int i = 0; i < restarts && d < POD_BACKOFF_MAX_S; i++)
		d = pod_backoff_next(d);
	return d;
}

enum pod_phase pod_phase_of(const struct pod_phase_ctr *ctrs, size_t n, bool init_failed,
                            bool evicted, bool sidecar_running)
{
	bool live = false, started = false, failed = false;

	if (init_failed || evicted)
		return POD_PHASE_FAILED;
	for (size_t i = 0; i < n; i++) {
		live |= ctrs[i].live;
		started |= ctrs[i].started;
		failed |= !ctrs[i].live && ctrs[i].failed;
	}
	if (live)
		return started ? POD_PHASE_RUNNING : POD_PHASE_PENDING;
	if (sidecar_running && started)
		return POD_PHASE_RUNNING;
	return failed ? POD_PHASE_FAILED : POD_PHASE_SUCCEEDED;
}

bool pod_is_over(const struct pod_phase_ctr *apps, size_t n, bool init_failed)
{
	if (init_failed)
		return true;
	for (size_t i = 0; i < n; i++)
		if (apps[i].live)
			return false;
	return n > 0;
}

size_t pod_init_turn(const struct pod_init_ctr *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!c[i].done && !(c[i].sidecar && c[i].initialized))
			return i;
	return n;
}

bool pod_stop_turn(const struct pod_stop_ctr *c, size_t n_app, size_t n, size_t idx)
{
	if (idx >= n || !c[idx].sidecar)
		return true;
	for (size_t i = 0; i < n; i++)
		if (c[i].running && (i < n_app || (i > idx && c[i].sidecar)))
			return false;
	return true;
}
