/* SPDX-License-Identifier: Apache-2.0 */
/* Container probes (startup, liveness, readiness) run by the monitor. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <sys/types.h>

struct mon;

/* App container idx started: reset its probes, set started/ready as the
 * kubelet (false until the startup/readiness probe succeeds) and schedule
 * the first checks after initialDelaySeconds. */
void mon_probe_start(struct mon *m, size_t idx);
/* Container idx stopped (or the pod is being deleted): kill its running
 * checks, run none. */
void mon_probe_stop(struct mon *m, size_t idx);
/* Run the checks that are due, kill those past timeoutSeconds, SIGKILL a
 * container whose failed-probe grace period ended. Updates probe_next_ms. */
void mon_probe_run(struct mon *m);
/* If pid is a probe check, take its result and return true. */
bool mon_probe_reaped(struct mon *m, pid_t pid, int status);
/* Free container idx's probe state (its checks are killed). */
void mon_probe_free(struct mon *m, size_t idx);
