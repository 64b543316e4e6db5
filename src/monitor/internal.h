/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's state, shared by its files. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

#include "monitor/logs.h"
#include "pod/paths.h"
#include "pod/state.h"
#include "spec/pod.h"

struct pp_error;
struct pod_record;
struct img_store;

#define MON_MAX_CLIENTS   16
#define MON_EV(kind, idx) (((uint64_t)(kind) << 32) | (uint32_t)(idx))

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
struct mattach_set;
struct mprobe_set;

/* One container as the monitor runs it. */
struct mctr {
	pid_t pid;               /* main process, 0 when none */
	int out;                 /* stdout pipe, or the pty master */
	int err;                 /* stderr pipe */
	int in;                  /* our end of its stdin pipe (held open), or -1 */
	int pty;                 /* pty master (same fd as out) or -1 */
	struct cri_log log;      /* current log file */
	int stop_signal;         /* from the image's STOPSIGNAL, default SIGTERM */
	int64_t restart_at_ms;   /* pending restart (CLOCK_MONOTONIC ms), 0 none */
	int64_t started_ms;      /* when it last started */
	int backoff_s;           /* next back-off delay; 0 before the first crash */
	struct mattach_set *att; /* attached clients (attach.c), NULL before any */
	pid_t hook_pid;          /* a running postStart/preStop exec, 0 when none */
	bool hook_pre_stop;      /* hook_pid is the preStop hook */
	bool after_sandbox;      /* killed with a lost sandbox: starts again in the new one */
	int64_t kill_at_ms;      /* SIGKILL due after a graceful stop (postStart failed), 0 none */
	int pidfd;               /* adopted orphan: its exit, status unknown; -1 none */
	struct mprobe_set *probes; /* probe state (probe.c), NULL without probes */
	int64_t probe_next_ms;     /* next probe deadline (CLOCK_MONOTONIC ms), 0 none */
};

struct mon {
	struct pod_paths paths;
	struct pod_record *rec;
	char *dir; /* RUN/pods/<uid> */
	struct mctr *c;
	struct img_store *store;
	int ep, sigfd, ctl, timer, lockfd, notify;
	int keeper;        /* channel to the supervisor (keeper.h), -1 when none */
	int sandbox_pidfd; /* adopted pause nobody reaps for us, -1 when none */
	int clients[MON_MAX_CLIENTS];
	bool deleting;
	bool killed;
	bool finished;
	bool sandbox_lost;      /* pause died: containers stop, then a new sandbox */
	bool evicted;           /* an emptyDir over its sizeLimit: Failed, nothing restarts */
	bool pre_stop_extended; /* the 2 s the kubelet adds after a preStop overran */
	int64_t evict_at_ms;    /* next emptyDir usage check, 0 none */
	int64_t kill_at_ms;     /* end of the grace period, 0 none */
};

int64_t mon_now_ms(void);
void mon_save(struct mon *m);
int mon_watch(struct mon *m, int fd, enum mon_ev kind, size_t idx);
void mon_unwatch_close(struct mon *m, int *fd);
void mon_update_phase(struct mon *m);
void mon_arm_timer(struct mon *m);

/* m->c holds the app containers at [0, n_ctrs), then the init containers
 * at [n_ctrs, n_ctrs + n_init_ctrs). */
#define MON_N(m) ((m)->rec->n_ctrs + (m)->rec->n_init_ctrs)

/* How the pod layer sees container idx of the monitor: an app container is
 * m->rec itself at idx; init container i is index i of a shallow view of
 * the record whose containers are the init containers (never freed). */
struct mon_view {
	struct pod_record rec;
	struct pod pod;
	size_t idx;
};
const struct pod_record *mon_view(const struct mon *m, size_t idx, struct mon_view *v);
/* The status and the spec of container idx (app or init). */
struct ctr_status *mon_status(const struct mon *m, size_t idx);
const struct pod_container *mon_spec(const struct mon *m, size_t idx);
static inline bool mon_is_init(const struct mon *m, size_t idx)
{
	return idx >= m->rec->n_ctrs;
}
/* Start what comes next: the first init container not yet run, or once
 * every init container completed, the app containers. */
void mon_start_next(struct mon *m);
/* Run container idx's preStop hook; 0 when started, -errno when there is
 * none or it could not start (then stop the container at once). */
int mon_pre_stop(struct mon *m, size_t idx);
/* Stop app container idx as the kubelet's killContainer: its preStop hook
 * or else its STOPSIGNAL now, SIGKILL to all of it after grace_s seconds
 * (at once when grace_s <= 0); its exit then follows restartPolicy. */
void mon_ctr_stop(struct mon *m, size_t idx, int64_t grace_s);
/* Run app container idx's postStart hook, if any (after it started). */
void mon_post_start(struct mon *m, size_t idx);
/* A hook of container idx exited with wait status: a failed postStart
 * kills the container; after preStop comes the container's STOPSIGNAL. */
void mon_hook_exited(struct mon *m, size_t idx, int status);
/* If pid is a hook process, handle its exit and return true. */
bool mon_hook_reaped(struct mon *m, pid_t pid, int status);
/* Did an init container fail for good (restartPolicy Never)? */
bool mon_init_failed(const struct mon *m);

void mctr_init(struct mctr *c);
/* Start container idx: rootfs, bundle, stdio, runtime. On failure the
 * status says why (CreateContainerError) and a retry is scheduled. */
int mon_ctr_start(struct mon *m, size_t idx, struct pp_error *err);
/* Read what container idx wrote on a stream into its log. */
void mon_ctr_output(struct mon *m, size_t idx, enum cri_stream s);
/* Reap every exited child and act on it. */
void mon_reap(struct mon *m);
/* Act on the exit (wait status) of child pid: a container, a hook, pause. */
void mon_child_exited(struct mon *m, pid_t pid, int status);
/* After exits were handled: a new sandbox if due, phase, pod.json, timers,
 * and the end of a deletion. */
void mon_after_exits(struct mon *m);

/* Recovery (recover.c). Give the supervisor a copy of container idx's
 * stdio fd (stream "out", "err", "in" or "pty"; fd < 0: nothing), or let it
 * close its copy. */
void mon_keep_fd(struct mon *m, size_t idx, const char *stream, int fd);
void mon_drop_fd(struct mon *m, size_t idx, const char *stream);
/* A MON_EV_KEEPER event: exits the supervisor reaped, or its end. */
void mon_keeper_event(struct mon *m);
/* The pod is gone: tell the supervisor and wait until it has exited. */
void mon_keeper_done(struct mon *m);
/* Take the pod back after a monitor was killed: the fds and exits the
 * supervisor replays, the containers still running, what must restart. */
int mon_adopt(struct mon *m, struct pp_error *err);
/* Pause (pid) died: kill every container; the sandbox is rebuilt by
 * mon_sandbox_check() once they are gone. */
void mon_sandbox_lost(struct mon *m, pid_t pid);
/* With a lost sandbox and every container stopped: a new sandbox, and the
 * containers (init containers first) started again in it. */
void mon_sandbox_check(struct mon *m);
/* Container idx runs as pid, started before this monitor: its stdio fds
 * are in m->c[idx] already; reopen its log and watch them. */
void mon_ctr_adopt(struct mon *m, size_t idx, pid_t pid);
/* Is pid a child of our parent, the supervisor, which reports its exit? */
bool mon_reaped_for_us(pid_t pid);
/* A MON_EV_PIDFD event: adopted container idx (or, idx MON_N(m), the
 * adopted pause) ended, and nobody saw how. */
void mon_pidfd_event(struct mon *m, size_t idx);
/* Container idx's process is gone and nobody kept its exit status. */
void mon_ctr_lost(struct mon *m, size_t idx);
/* Adopted container idx is not running: restart it when restartPolicy
 * says so, with the back-off its restart count implies. */
void mon_ctr_resume(struct mon *m, size_t idx);
/* Eviction (evict.c): schedule the next emptyDir sizeLimit check (every
 * 10 s while a disk emptyDir has a sizeLimit), and run it when due. */
void mon_evict_arm(struct mon *m);
void mon_evict_check(struct mon *m);
/* Container idx was stopped with the sandbox: wait to start in the new one. */
void mon_ctr_requeue(struct mon *m, size_t idx);
/* Restarts due, end of the grace period. */
void mon_timers_run(struct mon *m);
/* Begin deleting the pod (grace -1: the pod's terminationGracePeriodSeconds). */
void mon_delete_begin(struct mon *m, long grace);

/* An "attach <container> <flags>" request (req points past "attach ") on
 * control connection *fd, which is taken (*fd = -1). */
void mon_attach_request(struct mon *m, int *fd, const char *req);
/* A MON_EV_ATTACH event: an attach client or a container's stdin is ready. */
void mon_attach_event(struct mon *m, size_t idx);
/* Copy n bytes container idx wrote on stream s to its attached clients. */
void mon_attach_output(struct mon *m, size_t idx, enum cri_stream s, const char *buf, size_t n);
/* Container idx exited with code: tell its clients and close them. */
void mon_attach_exit(struct mon *m, size_t idx, int code);
