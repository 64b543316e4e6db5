/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's state, shared by its files. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

#include "monitor/logs.h"
#include "pod/lifecycle.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"

struct pp_error;
struct pod_record;
struct img_store;
struct img_image;

#define MON_MAX_CLIENTS 16

/* status.reason of a pod failed by the kubelet's eviction handlers */
#define POD_REASON_EVICTED           "Evicted"
#define POD_REASON_DEADLINE_EXCEEDED "DeadlineExceeded"
#define MON_EV(kind, idx)            (((uint64_t)(kind) << 32) | (uint32_t)(idx))

enum mon_ev {
	MON_EV_SIGNAL = 1,
	MON_EV_CTL,
	MON_EV_CLIENT,
	MON_EV_TIMER,
	MON_EV_OUT,
	MON_EV_ERR,
	MON_EV_ATTACH, /* idx: container * (MON_MAX_ATTACH + 1) + client slot */
	MON_EV_KEEPER, /* the supervisor's channel (keeper.h) */
	MON_EV_PIDFD,  /* idx: an adopted container nobody reaps for us */
};

#define MON_MAX_ATTACH 8 /* attach clients per container */

/* The kubelet's admission rejection of a pod for another OS
 * (lifecycle.PodOSNotSupported). */
#define MON_REASON_OS  "PodOSNotSupported"
#define MON_MESSAGE_OS "Failed to admit pod as the OS field doesn't match node OS"
/* The kubelet's sysctl admission rejection (sysctl.ForbiddenReason). */
#define MON_REASON_SYSCTL "SysctlForbidden"
struct mattach_set;
struct mprobe_set;

/* A container's phase in the monitor (ctr-state.c owns it; see the
 * diagram in docs/architecture.md):
 *
 *   WAITING --started--> RUNNING --stop requested--> STOPPING
 *      |  \                 |                          |
 *      |   start failed,     exited / lost              exited
 *      |   image missing,    |                          |
 *      |   create failed,    v                          v
 *      |   config error      |                          |
 *      |        \------> (restartPolicy, pod state) <---/
 *      |                 /       |        |        \
 *      |           BACKOFF   WAIT_SANDBOX  EXITED   DONE (init, code 0; not sidecars)
 *      |              |           |
 *      +<-restart due-+           |
 *      +<------ sandbox ready ----+
 */
enum mctr_phase {
	MCTR_WAITING,      /* not started yet: it starts when its turn comes */
	MCTR_RUNNING,      /* its process runs */
	MCTR_STOPPING,     /* running, asked to stop: SIGKILL at kill_at_ms */
	MCTR_BACKOFF,      /* ended or could not start: starts again at restart_at_ms */
	MCTR_WAIT_SANDBOX, /* stopped with a lost sandbox: starts again in the new one */
	MCTR_EXITED,       /* down for good: restartPolicy, a deletion or an eviction */
	MCTR_DONE,         /* an init container that completed */
	MCTR_PULLING,      /* its image is being pulled (pull_pid) */
};

/* One container as the monitor runs it. */
struct mctr {
	enum mctr_phase phase;     /* written by ctr-state.c only */
	pid_t pid;                 /* main process, 0 when none */
	int out;                   /* stdout pipe, or the pty master */
	int err;                   /* stderr pipe */
	int in;                    /* our end of its stdin pipe (held open), or -1 */
	int pty;                   /* pty master (same fd as out) or -1 */
	struct cri_log log;        /* current log file */
	int stop_signal;           /* from the image's STOPSIGNAL, default SIGTERM */
	int64_t restart_at_ms;     /* BACKOFF: when it starts again (CLOCK_MONOTONIC ms) */
	int64_t kill_at_ms;        /* STOPPING: SIGKILL due, 0 once sent */
	bool stop_extended;        /* STOPPING: the 2 s the kubelet adds after a preStop overran */
	bool stop_waits;           /* STOPPING: its stop signal waits for its turn (sidecars) */
	bool initialized;          /* a sidecar counted as started in this sandbox */
	int64_t started_ms;        /* when it last started, 0 never */
	int backoff_s;             /* the crash-loop back-off (pod_backoff_step) */
	bool ran;                  /* its next start is a restart (restartCount) */
	int pull_failures;         /* image pulls failed in a row */
	int pull_backoff_s;        /* the image pull back-off: 10 s doubling to 5 min */
	bool pull_backoff_shown;   /* ImagePullBackOff shown for the last failure */
	int64_t pull_retry_ms;     /* BACKOFF after a failed pull: when it pulls again */
	pid_t pull_pid;            /* PULLING: the child that pulls, 0 when none */
	int pull_out;              /* PULLING: memfd the child writes its result to */
	int64_t pull_started_ms;   /* PULLING: when the pull began */
	char *pulled_id;           /* the image just pulled, for its next start; NULL none */
	struct mattach_set *att;   /* attached clients (attach.c), NULL before any */
	pid_t hook_pid;            /* a running postStart/preStop exec, 0 when none */
	bool hook_pre_stop;        /* hook_pid is the preStop hook */
	int pidfd;                 /* adopted orphan: its exit, status unknown; -1 none */
	struct mprobe_set *probes; /* probe state (probe.c), NULL without probes */
	int64_t probe_next_ms;     /* next probe deadline (CLOCK_MONOTONIC ms), 0 none */
	int64_t config_retry_ms;   /* CreateContainerConfigError retry delay, 0 none */
};

struct mon {
	struct pod_paths paths;
	struct pod_record *rec;
	char *dir;      /* RUN/pods/<uid> */
	struct mctr *c; /* per container, idx as pod_ctr_spec(): app, then init */
	struct img_store *store;
	int ep, sigfd, ctl, timer, lockfd, notify;
	int keeper;        /* channel to the supervisor (keeper.h), -1 when none */
	int sandbox_pidfd; /* adopted pause nobody reaps for us, -1 when none */
	int clients[MON_MAX_CLIENTS];
	char *saved; /* pod.json as last written (settle() compares) */
	/* the pod's course: what it is asked to do, beyond its containers */
	bool deleting;          /* deleted: containers stop, nothing restarts, then teardown */
	bool evicted;           /* an emptyDir over its sizeLimit, or past activeDeadlineSeconds:
	                         * Failed (rec->reason says which), nothing restarts */
	bool sandbox_lost;      /* pause died: containers stop, then a new sandbox */
	bool over;              /* no app container will run again (or an init container failed
	                         * for good): its sidecars stop, nothing starts */
	bool finished;          /* torn down: the loop ends */
	bool report_warnings;   /* apply's report names containers that do not run */
	int64_t evict_at_ms;    /* next emptyDir usage check, 0 none */
	int64_t deadline_at_ms; /* activeDeadlineSeconds ends (evict.c), 0 none */
	/* a failed sandbox creation (FailedCreatePodSandBox) is tried again at
	 * sandbox_retry_ms (0 none), after a back-off that doubles */
	int64_t sandbox_retry_ms;
	int sandbox_backoff_s; /* seconds */
	/* API data volumes (volumes.c): containers start once they are set
	 * up; projected again at vol_sync_at_ms (0 none) */
	bool volumes_ready;
	int64_t vol_sync_at_ms;
	int64_t vol_backoff_ms; /* after a failed try (FailedMount), 0 none */
	/* a pod not yet placed on the node is looked at again at
	 * place_retry_ms (0 none) */
	int64_t place_retry_ms;
};

/* The environment of container idx (ctr-env.c): pod_env_resolve() with
 * this node, the pod's IPs and the root's ConfigMaps and Secrets; the
 * InvalidEnvironmentVariableNames events. *ret caller strv_free()s. 0,
 * -ENOENT (a missing object or key, err in the kubelet's words), -errno. */
int mon_ctr_env(struct mon *m, size_t idx, char ***ret, struct pp_error *err);
/* Placement (place.c). At the pod's start: is it unplaced (Pending,
 * PodScheduled False)? Then its FailedScheduling event is recorded and a
 * retry armed. In settle(): try again when due; true once it is placed
 * (its record written, Scheduled recorded): its sandbox is to start now. */
bool mon_place_pending(struct mon *m);
bool mon_place_check(struct mon *m);
/* A client's MON_REQ_UPDATE on *fd: apply the pod folder's update.json
 * (labels, annotations, schedulingGates removed), save, answer, close. */
void mon_update_request(struct mon *m, int *fd);

/* A client's MON_REQ_DEBUG on *fd (debug.c): add the pod folder's
 * MON_DEBUG_FILE ephemeral container to the pod (validated with the pod,
 * the API server's words), save, answer, close. It starts when the
 * monitor settles. */
void mon_debug_request(struct mon *m, int *fd);

/* Image pulls (pull.c), the kubelet's image manager. The image of container
 * idx by its imagePullPolicy: 0 and *ret_img (caller frees) when it is in
 * the store; -EINPROGRESS when a child now pulls it (the container is
 * PULLING until mon_pull_reaped); else -errno with its status set
 * (InvalidImageName, ErrImageNeverPull) or a system error. */
int mon_image_ensure(struct mon *m, size_t idx, struct img_image **ret_img, struct pp_error *err);
/* The config.json (a path in the pod folder, caller frees and unlinks) of
 * the pod's imagePullSecrets that holds credentials for the registry of
 * ref (normalised), or NULL: pull with the machine's own. Secrets that
 * cannot be read are named in a FailedToRetrieveImagePullSecret event, as
 * the kubelet does (pull-auth.c). */
char *mon_pull_auth(struct mon *m, const char *ref);
#define MON_PULL_AUTH_FILE "pull-auth.json"
/* Was pid a pull's child? Then its result is acted on. */
bool mon_pull_reaped(struct mon *m, pid_t pid, int status);
/* End the pull of container idx, if one runs (SIGKILL; reaped as usual). */
void mon_pull_cancel(struct mon *m, size_t idx);
/* Does a pull run for some container? */
bool mon_pulling(const struct mon *m);

/* The event loop's helpers (watch.c). */
int mon_watch(struct mon *m, int fd, enum mon_ev kind, size_t idx);
void mon_unwatch_close(struct mon *m, int *fd);

#define MON_N(m) pod_n_all((m)->rec)
static inline struct ctr_status *mon_status(const struct mon *m, size_t idx)
{
	return pod_ctr_status(m->rec, idx);
}
static inline const struct pod_container *mon_spec(const struct mon *m, size_t idx)
{
	return pod_ctr_spec(m->rec, idx);
}
static inline bool mon_is_init(const struct mon *m, size_t idx)
{
	return pod_ctr_is_init(m->rec, idx);
}
/* Is container idx a sidecar (an init container with restartPolicy Always)? */
static inline bool mon_is_sidecar(const struct mon *m, size_t idx)
{
	return pod_ctr_is_sidecar(m->rec, idx);
}
static inline bool mon_is_ephemeral(const struct mon *m, size_t idx)
{
	return pod_ctr_is_ephemeral(m->rec, idx);
}
/* The adopted pause's MON_EV_PIDFD idx (containers' idx are below it). */
#define MON_PIDFD_SANDBOX ((size_t)UINT32_MAX)
static inline enum pod_ctr_kind mon_kind(const struct mon *m, size_t idx)
{
	if (mon_is_ephemeral(m, idx))
		return POD_CTR_EPHEMERAL;
	if (!mon_is_init(m, idx))
		return POD_CTR_APP;
	return mon_is_sidecar(m, idx) ? POD_CTR_SIDECAR : POD_CTR_INIT;
}

/* The pod was rejected at admission: container idx never starts, and
 * shows no waiting reason (the kubelet reports none for such a pod). */
void mctr_rejected(struct mon *m, size_t idx);
/* The state machine (ctr-state.c): the named transitions of container idx.
 * It alone writes a container's phase, status, restart count and back-off;
 * what the monitor does about them (start, signal, save) is elsewhere. */
void mctr_init(struct mctr *c);
/* Its process runs as pid. */
void mctr_started(struct mon *m, size_t idx, pid_t pid);
/* It ended: exit code, signal, reason ("Completed", "Error", "OOMKilled",
 * "StartError", "ContainerStatusUnknown") and termination message. Next:
 * DONE, BACKOFF, WAIT_SANDBOX or EXITED, by restartPolicy and the pod's
 * course. */
void mctr_exited(struct mon *m, size_t idx, int code, int sig, const char *reason, const char *msg);
/* The runtime could not start its process: StartError, exit code 128,
 * then as mctr_exited(). */
void mctr_start_failed(struct mon *m, size_t idx, const char *msg);
/* Its bundle could not be made (config_error: runAsNonRoot refused it):
 * CreateContainer(Config)Error, retried after the back-off. */
void mctr_create_failed(struct mon *m, size_t idx, bool config_error, const char *msg);
/* Its configuration cannot be made yet (its environment names a missing
 * ConfigMap, Secret or key; msg the kubelet's words): Waiting with
 * CreateContainerConfigError, the Failed event `Error: msg`, retried after
 * a short back-off (pod_config_retry_next()). */
void mctr_config_error(struct mon *m, size_t idx, const char *msg);
/* Its image is not in the store: ErrImageNeverPull, ErrImagePull, then
 * ImagePullBackOff, retried after the back-off. */
void mctr_image_missing(struct mon *m, size_t idx);
/* Its image name does not parse: InvalidImageName with msg. */
void mctr_image_invalid(struct mon *m, size_t idx, const char *msg);
/* A child (pid, result in memfd out, both taken) pulls its image: PULLING,
 * the Pulling event. */
void mctr_pull_started(struct mon *m, size_t idx, pid_t pid, int out);
/* The pull ended: image id (borrowed), its size in bytes; WAITING again,
 * to start with that image; the Pulled event. */
void mctr_pull_done(struct mon *m, size_t idx, const char *id, int64_t size);
/* The pull failed with msg (the registry's words): ErrImagePull and the
 * Failed events, then the image pull back-off. */
void mctr_pull_failed(struct mon *m, size_t idx, const char *msg);
/* Its image was found (the pull back-off ends). */
void mctr_image_found(struct mon *m, size_t idx, const char *image_id);
/* Asked to stop: SIGKILL due at kill_at_ms (1: at once). A container not
 * running that the pod will not start again is EXITED. */
void mctr_stop_requested(struct mon *m, size_t idx, int64_t kill_at_ms);
/* The grace period ended and SIGKILL was sent; or a preStop hook overran
 * and the kubelet's 2 s start (extend_to_ms > 0). */
void mctr_kill_due(struct mon *m, size_t idx, int64_t extend_to_ms);
/* A sidecar that runs counted as started (postStart done, startupProbe
 * passed): the next init container may start (pod_init_turn). */
void mctr_sidecar_started(struct mon *m, size_t idx);
/* STOPPING: its stop signal waits for its turn (pod_stop_turn); or its
 * turn came: sent now, SIGKILL no sooner than min_kill_at_ms (the
 * kubelet's 2 s minimum). */
void mctr_stop_waits(struct mon *m, size_t idx);
void mctr_stop_turn(struct mon *m, size_t idx, int64_t min_kill_at_ms);
/* Its back-off is over: WAITING again (restartCount + 1 if it ran). */
void mctr_restart_due(struct mon *m, size_t idx);
/* The sandbox died: a container in back-off waits for the new one. */
void mctr_sandbox_lost(struct mon *m, size_t idx);
/* A new sandbox runs: the containers it waits for (and every init
 * container) are WAITING again. */
void mctr_sandbox_ready(struct mon *m, size_t idx);
/* The startup or readiness probe changed started or ready. */
void mctr_probe_status(struct mon *m, size_t idx, bool started, bool ready);
/* A monitor that took the pod back: the phase from the record. */
void mctr_adopted(struct mon *m, size_t idx);
/* Has an init container failed for good? The pod's phase (from the
 * phases, pod/lifecycle.h) into m->rec->phase. */
bool mon_init_failed(const struct mon *m);
void mon_update_phase(struct mon *m);
/* The app containers as the phase sees them (n_ctrs of them; caller frees). */
struct pod_phase_ctr *mon_phase_apps(const struct mon *m);

/* Starting (sched.c): what comes next, by the kubelet's order: the init
 * container whose turn it is (pod_init_turn), the sidecars before it kept
 * running, and once all are done or started, every app container waiting;
 * containers whose back-off ended. A pod that is over (pod_is_over) stops
 * its sidecars instead. */
void mon_start_due(struct mon *m);
/* Start container idx: image, rootfs, bundle, stdio, runtime (ctr.c). On
 * failure the state machine records why and when it is retried. */
int mon_ctr_start(struct mon *m, size_t idx, struct pp_error *err);
/* Read what container idx wrote on a stream into its log. */
void mon_ctr_output(struct mon *m, size_t idx, enum cri_stream s);
/* Container idx's main process exited with wait status. */
void mon_ctr_exited(struct mon *m, size_t idx, int status);
/* Container idx runs as pid, started before this monitor: its stdio fds
 * are in m->c[idx] already; reopen its log and watch them. */
void mon_ctr_adopt(struct mon *m, size_t idx, pid_t pid);
/* Container idx's process is gone and nobody kept its exit status. */
void mon_ctr_lost(struct mon *m, size_t idx);
/* Adopted container idx is not running: take up where it was (restart
 * per restartPolicy, a back-off, or a start cut short). */
void mon_ctr_resume(struct mon *m, size_t idx);
/* Is pid a child of our parent, the supervisor, which reports its exit? */
bool mon_reaped_for_us(pid_t pid);

/* Stopping (stop.c): the lifecycle hooks and the one graceful stop. */
/* Stop container idx as the kubelet's killContainer: a Killing event
 * (message; NULL: "Stopping container NAME"), its preStop hook or else its
 * STOPSIGNAL now, SIGKILL to all of it after grace_s seconds (at once when
 * grace_s <= 0); its exit then follows restartPolicy and the pod's course.
 * Used by delete, eviction, sandbox loss, failed probes and postStart. */
void mon_ctr_stop(struct mon *m, size_t idx, int64_t grace_s, const char *message);
/* SIGKILLs due at the end of grace periods. */
void mon_stop_timers(struct mon *m);
/* The stop signals that waited for their turn (sidecars, once the app
 * containers and later sidecars stopped), sent when it came. */
void mon_stop_turns(struct mon *m);
/* Begin deleting the pod (grace -1: the pod's terminationGracePeriodSeconds);
 * a second delete may only shorten it. */
void mon_delete_begin(struct mon *m, long grace);
/* Run app container idx's postStart hook, if any (after it started). */
void mon_post_start(struct mon *m, size_t idx);
/* If pid is a hook process, handle its exit and return true. */
bool mon_hook_reaped(struct mon *m, pid_t pid, int status);

/* Recovery (keep.c, recover.c). Give the supervisor a copy of container
 * idx's stdio fd (stream "out", "err", "in" or "pty"; fd < 0: nothing),
 * or let it close its copy. */
void mon_keep_fd(struct mon *m, size_t idx, const char *stream, int fd);
void mon_drop_fd(struct mon *m, size_t idx, const char *stream);
/* Exits the supervisor reaped for us, read from its channel. */
struct mon_exits {
	pid_t pid[64];
	int status[64];
	size_t n;
};
/* A MON_EV_KEEPER event: the exits it reports into *ex (the caller acts
 * on them), or the channel's end. */
void mon_keeper_event(struct mon *m, struct mon_exits *ex);
/* The pod is gone: tell the supervisor and wait until it has exited. */
void mon_keeper_done(struct mon *m);
/* Take the pod back after a monitor was killed: the fds the supervisor
 * replays, the containers still running. The exits it replayed are in
 * *ex for the caller, then mon_adopt_finish() takes up what must go on. */
int mon_adopt(struct mon *m, struct mon_exits *ex, struct pp_error *err);
void mon_adopt_finish(struct mon *m);
/* Pause (pid) died: kill every container; the sandbox is rebuilt by
 * mon_sandbox_check() once they are gone. */
void mon_sandbox_lost(struct mon *m, pid_t pid);
/* With a lost sandbox and every container stopped: a new sandbox, and the
 * containers (init containers first) queued to start again in it. */
void mon_sandbox_check(struct mon *m);
/* Create the pod's sandbox (its network, then pause). On failure: a
 * FailedCreatePodSandBox event, the pod without a sandbox (sandbox_lost),
 * another try after a back-off (10 s doubling to 5 min). 0 or -errno
 * (err says why). */
int mon_sandbox_create(struct mon *m, struct pp_error *err);
/* A MON_EV_PIDFD event: adopted container idx (or, idx MON_N(m), the
 * adopted pause) ended, and nobody saw how. */
void mon_pidfd_event(struct mon *m, size_t idx);
/* Eviction (evict.c): schedule the next emptyDir sizeLimit check (every
 * 10 s while a disk emptyDir has a sizeLimit) and the end of
 * activeDeadlineSeconds (from status.startTime, so a monitor that took the
 * pod back keeps it), and run them when due. */
void mon_evict_arm(struct mon *m);
void mon_evict_check(struct mon *m);

/* API data volumes (volumes.c): arm the first projection (at once;
 * volumes_ready at once when there are none or they were set up by an
 * earlier monitor), and run it when due: FailedMount and a
 * back-off on failure, else volumes_ready and the next in
 * POD_PROJECTED_PERIOD_MS. */
void mon_volumes_arm(struct mon *m);
void mon_volumes_sync(struct mon *m);
/* An "attach <container> <flags>" request (req points past "attach ") on
 * control connection *fd, which is taken (*fd = -1). */
void mon_attach_request(struct mon *m, int *fd, const char *req);
/* A MON_EV_ATTACH event: an attach client or a container's stdin is ready. */
void mon_attach_event(struct mon *m, size_t idx);
/* Copy n bytes container idx wrote on stream s to its attached clients. */
void mon_attach_output(struct mon *m, size_t idx, enum cri_stream s, const char *buf, size_t n);
/* Container idx exited with code: tell its clients and close them. */
void mon_attach_exit(struct mon *m, size_t idx, int code);
