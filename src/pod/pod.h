/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's life on this machine, in steps the monitor (and the CLI, when a
 * monitor is gone) calls: create the record, start the sandbox, prepare,
 * create and remove containers, tear everything down. Never sets up a
 * namespace itself: it writes OCI bundles and hands them to runtime/. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include <sys/types.h>

struct pp_error;
struct pod;
struct pod_container;
struct pod_paths;
struct pod_record;
struct img_store;
struct img_image;

/* Containers are addressed by idx over all of a record's containers: the
 * app containers at [0, n_ctrs), then the init containers (see
 * pod_ctr_spec() in pod/state.h). */

/* Runtime ids: the sandbox is "<uid>", a container "<uid>-<name>". Caller frees. */
char *pod_sandbox_id(const struct pod_record *rec);
char *pod_container_id(const struct pod_record *rec, size_t idx);
/* The pod's cgroup parent, "/peapod/<uid>" (linux.cgroupsPath style); each
 * container's cgroup is a child of it. Caller frees. */
char *pod_cgroup_parent(const char *uid);
/* RUN/pods/<uid>/containers/<name> (the bundle). Caller frees. */
char *pod_container_bundle(const struct pod_paths *paths, const struct pod_record *rec, size_t idx);

/* Container idx's bundle config.json (at most 4 MiB), as the runtime got
 * it. *ret caller puts. -ENOENT when the container has no bundle config
 * (never prepared, or removed); -EINVAL when the config is not JSON or has
 * no process object; other -errno from reading it. */
int pod_container_config(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                         json_object **ret, struct pp_error *err);

/* Its "process" object, the same way. */
int pod_container_process(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                          json_object **ret, struct pp_error *err);
/* The status.user of container idx as the kubelet reports it from the
 * runtime: {"linux": {"uid", "gid", "supplementalGroups"}} from the
 * process.user of its bundle's config.json. Caller puts; NULL when there
 * is no readable config. */
json_object *pod_container_status_user(const struct pod_paths *paths, const struct pod_record *rec,
                                       size_t idx);
/* ROOT/logs/<ns>_<name>_<uid> (the name cut to keep it within NAME_MAX).
 * Caller frees. */
char *pod_log_dir(const struct pod_paths *paths, const char *ns, const char *name, const char *uid);
/* ROOT/logs/<ns>_<name>_<uid>/<container>/<restart>.log of the (app or
 * init) container named container. Caller frees. */
char *pod_log_path(const struct pod_paths *paths, const struct pod_record *rec,
                   const char *container, int restart);
/* The same for container idx. Caller frees. */
char *pod_container_log_path(const struct pod_paths *paths, const struct pod_record *rec,
                             size_t idx, int restart);

/* The peapod-pause binary: $PEAPOD_PAUSE, else beside our binary (rt_exe_path), else
 * ../pause/ of it (build tree), else the install libexecdir. Caller frees.
 * -ENOENT when none exists. */
int pod_pause_binary(char **ret, struct pp_error *err);

/* Resolve every container's image in store: fills rec->ctrs[i].image
 * (normalised) and image_id of each image present. An image that is not
 * in the store is left unresolved (image_id NULL), for the monitor to
 * report as the kubelet does; other errors name `spec.containers[i].image`. */
int pod_resolve_images(struct img_store *store, struct pod_record *rec, struct pp_error *err);

/* Take the lock of pod uid (flock on RUN/pods/<uid>/monitor.lock) without
 * waiting. Whoever runs the pod holds it: apply until it has handed it to
 * the monitor (an inherited fd), then the monitor; a CLI that tears a pod
 * down itself holds it too. Returns the locked fd (caller closes to
 * release), -EWOULDBLOCK when it is held, -ENOENT when the pod folder is
 * gone. */
int pod_lock_try(const struct pod_paths *paths, const char *uid);

/* Create the pod folder, take its lock, write pod.json and claim the name
 * (atomic symlink RUN/names/<ns>/<name> → uid, last, so whoever finds the
 * name finds the lock held). *ret_lockfd is the locked fd (caller hands it
 * on or closes it). -EEXIST when the name is taken; -EADDRINUSE when a
 * host port is held by another pod (pod/ports.h). Nothing is left behind
 * on error. */
int pod_create(const struct pod_paths *paths, struct pod_record *rec, int *ret_lockfd,
               struct pp_error *err);

/* Write pod.json of rec. */
int pod_save(const struct pod_paths *paths, const struct pod_record *rec, struct pp_error *err);
/* Write pod.json of rec when its text differs from *last (NULL: never
 * written), which then holds the text written (caller frees). 1 written,
 * 0 unchanged, -errno. */
int pod_save_changed(const struct pod_paths *paths, const struct pod_record *rec, char **last,
                     struct pp_error *err);

/* (Re)write the pod's hosts file, RUN/pods/<uid>/hosts (its /etc/hosts),
 * as the kubelet does: pod_ip is the pod's address once its network is set
 * up (after CNI ADD, before containers start); NULL, a pod with loopback
 * only, maps the hostname to 127.0.1.1. A hostNetwork pod gets the host's
 * /etc/hosts (pod_ip unused). hostAliases are added. 0 or -errno. */
int pod_hosts_write(const struct pod_paths *paths, const struct pod_record *rec, const char *pod_ip,
                    struct pp_error *err);

/* Pod-level files (/etc/hosts, /etc/hostname, /etc/resolv.conf, a tmpfs for
 * /dev/shm) and volumes, once per pod. 0 or -errno. */
int pod_sandbox_prepare(const struct pod_paths *paths, const struct pod_record *rec,
                        struct pp_error *err);

/* A sandbox (the first, or a new one after pause died): the old sandbox
 * container and its network go, then the pod's network (pod_net_setup)
 * and the pause container are created and started. Sets
 * rec->sandbox_pid (a child of the caller) and rec->pod_ips. 0 on a CNI
 * network (or hostNetwork), 1 when no CNI network is configured (loopback
 * only), -errno (nothing left of the new sandbox): a network failure says
 * "failed to set up network for sandbox" and the plugin's words. */
int pod_sandbox_start(const struct pod_paths *paths, struct pod_record *rec,
                      const char *pause_binary, struct pp_error *err);

/* Mount container idx's rootfs (fresh upper layer) and write its
 * config.json. img is the resolved image, env the container's own
 * environment (pod_env_resolve(), borrowed; NULL for none). -EPERM
 * (nothing mounted) when runAsNonRoot forbids the container, as
 * pod_verify_run_as_non_root(). */
int pod_container_prepare(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                          const struct img_image *img, char *const *env, struct pp_error *err);

/* The stdio a container or exec process gets: fd[] its stdin, stdout,
 * stderr (-1: /dev/null), console_socket (-1: none) receives the pty
 * master with a terminal, as in struct rt_create_opts. Borrowed fds. */
struct pod_stdio {
	int fd[3];
	int console_socket;
};

/* Create and start container idx (runtime create + start) with io.
 * *ret_pid: the main process, a child of the caller. */
int pod_container_run(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                      const struct pod_stdio *io, pid_t *ret_pid, struct pp_error *err);

/* Signal container idx's main process (all: every process of it). */
int pod_container_signal(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                         int sig, bool all, struct pp_error *err);

/* Is container idx's main process alive (the runtime's state, checked
 * against pid reuse)? */
bool pod_container_running(const struct pod_paths *paths, const struct pod_record *rec, size_t idx);

/* Kill whatever is left of container idx, delete it from the runtime and
 * unmount its rootfs. Absent is success. */
int pod_container_remove(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                         struct pp_error *err);

/* Remove everything of pod uid: runtime containers (killed), mounts,
 * cgroups, the pod folder, the name link and the logs. Goes on past
 * errors; returns the first. name/ns may be NULL when unknown. */
int pod_teardown(const struct pod_paths *paths, const char *uid, const char *ns, const char *name,
                 struct pp_error *err);

/* What pod_exec() runs: argv (NULL-terminated) in the running (app or
 * init) container named container; tty asks for a pty, whose master
 * arrives on io.console_socket. */
struct pod_exec_opts {
	const char *container;
	char *const *argv;
	bool tty;
	struct pod_stdio io;
};

/* The signal an image's STOPSIGNAL names ("SIGQUIT", "QUIT", "3");
 * SIGTERM when it is NULL, empty or unknown. */
int pod_stop_signal(const char *stop_signal);
/* The signal that stops container c (KEP-4960): its lifecycle.stopSignal,
 * else its image's STOPSIGNAL (image_stop_signal, may be NULL), else
 * SIGTERM. */
int pod_ctr_stop_signal(const struct pod_container *c, const char *image_stop_signal);

/* A lifecycle sleep handler: the kubelet itself sleeps, so a child of the
 * caller does, for seconds, holding no fd of the caller's and killed when
 * the caller dies; the caller reaps *ret_pid. 0 or -errno. */
int pod_hook_sleep(int64_t seconds, pid_t *ret_pid);

/* Stop the pod's running containers as the kubelet does, in one blocking
 * call, for a pod no monitor runs: each container's preStop hook, or else
 * its image's STOPSIGNAL; the STOPSIGNAL after a hook ends; SIGKILL to all
 * that is left after grace_s seconds (< 0: the pod's
 * terminationGracePeriodSeconds; 0: at once), 2 s later when a preStop
 * hook used the period up. The monitor runs the same steps in its event
 * loop (monitor/stop.c). Best effort: errors are ignored. */
void pod_stop(const struct pod_paths *paths, const struct pod_record *rec, long grace_s);

/* Run a command in a container of the pod (kubectl exec), as o says. The
 * process is a child of the caller (*ret_pid). -ENOENT: no such container;
 * -EINVAL: it is not running. */
int pod_exec(const struct pod_paths *paths, const struct pod_record *rec,
             const struct pod_exec_opts *o, pid_t *ret_pid, struct pp_error *err);
