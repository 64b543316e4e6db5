/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's rules for a pod's life, as pure functions of their inputs:
 * whether a container that ended starts again (restartPolicy), how long it
 * waits first (the crash-loop back-off), and the pod's phase. No I/O, no
 * clock: the monitor feeds them what it knows (pkg/kubelet's
 * kuberuntime_manager computePodActions, the back-off of
 * pkg/kubelet/kuberuntime, getPhase of kubelet_pods.go). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pod/state.h"
#include "spec/pod.h"

#define POD_BACKOFF_INITIAL_S 10                    /* first delay after a crash */
#define POD_BACKOFF_MAX_S     300                   /* the delay doubles up to 5 minutes */
#define POD_BACKOFF_RESET_MS  ((int64_t)600 * 1000) /* a run this long forgets the back-off */
#define POD_PRE_STOP_EXTRA_MS 2000 /* the kubelet's minimum after a preStop overran */

/* What a container is to the kubelet: an app container, an init container,
 * a sidecar (an init container with restartPolicy Always), or an ephemeral
 * container (added by `debug`). */
enum pod_ctr_kind {
	POD_CTR_APP,
	POD_CTR_INIT,
	POD_CTR_SIDECAR,
	POD_CTR_EPHEMERAL,
};

/* Does a container that ended with exit_code start again? A sidecar
 * always does, whatever the pod's policy. An init container that
 * completed (0) never does; one that failed does unless the policy is
 * Never. An app container: Always yes, OnFailure when exit_code != 0,
 * Never no. An ephemeral container never does (the API server gives it
 * no restartPolicy; the kubelet starts it once). */
bool pod_restart_wanted(enum pod_restart_policy policy, enum pod_ctr_kind kind, int exit_code);

/* One step of the crash-loop back-off. backoff_s is the container's
 * back-off (0 before its first restart), ran_ms how long the run that
 * just ended lasted (milliseconds). The first restart is at once, then
 * 10 s, 20 s, 40 s ... up to 300 s; a run longer than 10 minutes starts
 * over at once. */
struct pod_backoff {
	int delay_s; /* wait this long before the restart */
	int next_s;  /* the container's back-off from now on */
};
struct pod_backoff pod_backoff_step(int backoff_s, int64_t ran_ms);

/* The delay after backoff_s for a retry that keeps failing (an image
 * pull, a pod sandbox): 10 s first (backoff_s 0), then doubling up to
 * 300 s, as the kubelet's image and sandbox back-offs. Seconds. */
int pod_backoff_next(int backoff_s);

/* The retry delay after retry_ms for a container whose configuration
 * cannot be made yet (CreateContainerConfigError: a ConfigMap or Secret
 * missing): the kubelet retries on each pod sync, its pod worker requeuing
 * a failed sync after 10 s; we start at 1 s (retry_ms 0) and double up to
 * those 10 s, so a container starts soon after its object appears. ms. */
#define POD_CONFIG_RETRY_MAX_MS 10000
int64_t pod_config_retry_next(int64_t retry_ms);

/* The back-off of a container restarted `restarts` times, each after a
 * short run: what pod_backoff_step() built up (for a monitor that takes a
 * pod back and knows only restartCount). */
int pod_backoff_after(int restarts);

/* A container as the phase sees it. */
struct pod_phase_ctr {
	bool live;    /* running, or it will (again): created, in back-off, ... */
	bool started; /* it ran at some point */
	bool failed;  /* not live, and it (last) ended with a non-zero code */
};

/* The pod's phase from its app containers (n of them), whether an init
 * container failed for good, whether it was evicted, and whether a sidecar
 * still runs: Failed when evicted or an init container failed; while any
 * app container is live, Running once one ran, else Pending; when none is
 * live, Running while a sidecar is being stopped after them (kubelet's
 * getPhase counts running sidecars), then Succeeded unless one failed. */
enum pod_phase pod_phase_of(const struct pod_phase_ctr *ctrs, size_t n, bool init_failed,
                            bool evicted, bool sidecar_running);

/* Is the pod over, so that it starts nothing more and its sidecars stop
 * (the kubelet's KillPod)? When an init container failed for good, or
 * when none of its n app containers is live (each ended for good). */
bool pod_is_over(const struct pod_phase_ctr *apps, size_t n, bool init_failed);

/* An init container as the kubelet's computeInitContainerActions sees it. */
struct pod_init_ctr {
	bool sidecar;     /* restartPolicy: Always */
	bool done;        /* an init container that completed */
	bool initialized; /* a sidecar that counted as started once in this sandbox
	                   * (running, postStart done, startupProbe passed) */
};

/* Whose turn is it among the n init containers, in order: the first that
 * is neither done nor an initialized sidecar; n once all are (the app
 * containers start). The sidecars before it are kept running, and
 * restarted when they exit, without holding up the ones after them. */
size_t pod_init_turn(const struct pod_init_ctr *c, size_t n);

/* A container while its pod is stopped as a whole. */
struct pod_stop_ctr {
	bool sidecar; /* an init container with restartPolicy Always */
	bool running; /* its process still runs */
};

/* The kubelet's termination ordering: may container idx (of n, the n_app
 * app containers first, then the init containers in order) get its stop
 * signal now? An app container or a plain init container at once; a
 * sidecar once every app container and every sidecar after it stopped
 * (sidecars stop last, in reverse order). */
bool pod_stop_turn(const struct pod_stop_ctr *c, size_t n_app, size_t n, size_t idx);
