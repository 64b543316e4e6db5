/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's record on disk: RUN/pods/<uid>/pod.json, the Pod (metadata, spec)
 * plus its status in the Kubernetes API shape (PodStatus, ContainerStatus),
 * plus peapod's own fields (pids) under "peapod". The monitor writes it
 * atomically; readers never wait on the monitor. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

struct pp_error;
struct pod;
struct pod_paths;
struct pod_container;

enum pod_phase {
	POD_PHASE_PENDING,
	POD_PHASE_RUNNING,
	POD_PHASE_SUCCEEDED,
	POD_PHASE_FAILED,
	POD_PHASE_UNKNOWN,
};

enum ctr_state {
	CTR_STATE_WAITING,
	CTR_STATE_RUNNING,
	CTR_STATE_TERMINATED,
};

/* ContainerStateTerminated. Times are seconds since the epoch. */
struct ctr_terminated {
	int exit_code;
	int signal;
	char *reason; /* "Completed", "Error", "OOMKilled" */
	char *message;
	int64_t started_at;
	int64_t finished_at;
};

/* ContainerStatus. */
struct ctr_status {
	char *name;
	char *image;    /* normalised reference */
	char *image_id; /* "sha256:..." */
	enum ctr_state state;
	char *reason;               /* waiting: "ContainerCreating", "CrashLoopBackOff", ... */
	char *message;              /* waiting message */
	int64_t started_at;         /* running */
	struct ctr_terminated term; /* terminated */
	bool has_last;
	struct ctr_terminated last; /* lastState.terminated */
	int restart_count;
	bool ready;
	bool started;
	pid_t pid; /* host pid of the main process; 0 when none */
	/* status.user, {"linux": {uid, gid, supplementalGroups}}: the identity
	 * of the container's process, as the kubelet reports it (its
	 * SupplementalGroupsPolicy feature); NULL until a container is created */
	json_object *user;
};

#define POD_IPS_MAX 2

struct pod_record {
	struct pod *pod; /* owned; metadata.uid set */
	enum pod_phase phase;
	char *reason;
	char *message;
	int64_t created_at;  /* metadata.creationTimestamp */
	int64_t started_at;  /* status.startTime, 0 until the sandbox runs */
	int64_t deleting_at; /* metadata.deletionTimestamp, 0 unless terminating */
	pid_t monitor_pid;
	pid_t sandbox_pid;
	/* status.hostIP: the host's first non-loopback IPv4 (127.0.0.1 when
	 * none), set at creation; NULL in records written before it existed */
	char *host_ip;
	/* status.podIPs of a pod on a CNI network, IPv4 first (the result of
	 * its ADD); NULL when none (no network configured, or hostNetwork:
	 * then podIP is hostIP) */
	char *pod_ips[POD_IPS_MAX];
	/* condition PodScheduled: true once placed on this node (spec.nodeName
	 * set); false with sched_reason "Unschedulable" or "SchedulingGated"
	 * and kube-scheduler's message while Pending unplaced */
	bool scheduled;
	char *sched_reason;
	char *sched_message;
	struct ctr_status *ctrs; /* one per pod->containers[i], same order */
	size_t n_ctrs;
	struct ctr_status *init_ctrs; /* one per pod->init_containers[i] (initContainerStatuses) */
	size_t n_init_ctrs;
	/* one per pod->ephemeral_containers[i] (ephemeralContainerStatuses) */
	struct ctr_status *eph_ctrs;
	size_t n_eph_ctrs;
};

/* This host's first non-loopback IPv4 address that is up (status.hostIP,
 * the node's InternalIP), "127.0.0.1" when none. Caller frees. */
char *pod_host_ip(void);

/* status.podIP: the first of pod_ips, the host's for a started
 * hostNetwork pod, or NULL (borrowed). */
const char *pod_record_ip(const struct pod_record *rec);

/* A record's containers as one list, idx in [0, pod_n_all(rec)): the app
 * containers at [0, n_ctrs), then the init containers, then the
 * ephemeral ones. Every pod_* call that takes a container idx means this
 * idx. */
size_t pod_n_all(const struct pod_record *rec);
bool pod_ctr_is_init(const struct pod_record *rec, size_t idx);
/* Is container idx an ephemeral container (`peapod debug`)? */
bool pod_ctr_is_ephemeral(const struct pod_record *rec, size_t idx);
/* Add ephemeral container c (its members taken, *c zeroed; validated by
 * the caller) to rec's spec, with a Waiting status; returns its idx. */
size_t pod_record_add_ephemeral(struct pod_record *rec, struct pod_container *c);
/* idx of the container named name (app, init or ephemeral), or
 * pod_n_all(rec) when none. */
size_t pod_ctr_index(const struct pod_record *rec, const char *name);
/* Is container idx a sidecar (an init container with restartPolicy Always)? */
bool pod_ctr_is_sidecar(const struct pod_record *rec, size_t idx);
/* The kubelet's Initialized condition: every init container completed (a
 * sidecar: started), or an app container has started already. */
bool pod_record_initialized(const struct pod_record *rec);
/* The status and the spec of container idx (borrowed from rec). */
struct ctr_status *pod_ctr_status(const struct pod_record *rec, size_t idx);
const struct pod_container *pod_ctr_spec(const struct pod_record *rec, size_t idx);

/* A new record for pod (taken: the record owns it; uid assigned when unset),
 * phase Pending, every container Waiting/ContainerCreating (PodInitializing
 * when the pod has init containers, and for those). Caller frees. */
struct pod_record *pod_record_new(struct pod *pod);
struct pod_record *pod_record_free(struct pod_record *rec);

/* pod.json ↔ record. 0 or -errno/-EINVAL (message names the file). */
int pod_record_read(const char *path, struct pod_record **ret, struct pp_error *err);
int pod_record_write(const char *path, const struct pod_record *rec, struct pp_error *err);
/* The text pod_record_write() writes. Caller frees. */
char *pod_record_text(const struct pod_record *rec);

/* The record as a Kubernetes Pod object (for -o json|yaml); caller owns. */
struct json_object *pod_record_to_json(const struct pod_record *rec);

/* Folder of pod uid: "<paths->pods>/<uid>"; caller frees. */
char *pod_dir_path(const struct pod_paths *paths, const char *uid);

/* RUN/names/<namespace>/<name>, the symlink to a pod's uid. Caller frees. */
char *pod_name_link(const struct pod_paths *paths, const char *ns, const char *name);

/* Look a pod up by namespace and name through RUN/names. *ret_uid caller
 * frees. 0, or -ENOENT (`pods "nginx" not found`). */
int pod_lookup(const struct pod_paths *paths, const char *ns, const char *name, char **ret_uid,
               struct pp_error *err);

/* Read the record of a pod by namespace/name. Caller frees *ret. */
int pod_load(const struct pod_paths *paths, const char *ns, const char *name,
             struct pod_record **ret, struct pp_error *err);

/* Every pod record (in namespace ns, or all when ns is NULL), sorted by
 * namespace then name. Unreadable records are skipped. *ret is an array of
 * *ret_n pointers; free each and the array. 0 or -errno. */
int pod_list(const struct pod_paths *paths, const char *ns, struct pod_record ***ret, size_t *ret_n,
             struct pp_error *err);

/* Is image id ("sha256:...") used by a container of any pod? Returns 1 and
 * *ret_pod ("namespace/name", caller frees) when it is, 0 when not. */
int pod_image_user(const struct pod_paths *paths, const char *image_id, char **ret_pod,
                   struct pp_error *err);

/* Time helpers: now in seconds; RFC 3339 UTC ("2026-01-02T03:04:05Z") into
 * buf (>= 32 bytes) or parse one (0 on bad input). */
/* A new random (version 4) UUID, as the API server gives objects; caller frees. */
char *pod_uid_new(void);
int64_t pod_now(void);
const char *pod_time_format(int64_t t, char *buf, size_t size);
int64_t pod_time_parse(const char *s);

const char *pod_phase_name(enum pod_phase p);
