/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's CNI network: its pinned network namespace, ADD when the sandbox
 * is created, CHECK when a monitor takes the pod back, DEL when the sandbox
 * goes (network.c). */
#pragma once

struct pod_paths;
struct pod_record;
struct pp_error;

/* RUN/pods/<uid>/netns: where the pod's network namespace is pinned (it
 * may not exist). Caller frees. */
char *pod_netns_path(const struct pod_paths *paths, const char *uid);

/* Give the pod its network: a pinned namespace with lo up, ADD of the first
 * configuration in paths->cni_conf_dir with the pod's hostPorts as the
 * portMappings capability, rec->pod_ips from the result. A network of an
 * earlier sandbox is torn down first. 0 on a CNI network, 1 when the
 * folder holds no configuration (nothing is pinned: the sandbox gets a new
 * namespace with loopback only), 0 and nothing for hostNetwork, -errno
 * with the plugin's message (everything undone, DEL run) on failure. */
int pod_net_setup(const struct pod_paths *paths, struct pod_record *rec, struct pp_error *err);

/* CHECK the pod's network as ADD left it (CNI 0.4.0 on); 0 when the pod has
 * no CNI network. 0 or -errno with the plugin's message. */
int pod_net_check(const struct pod_paths *paths, const struct pod_record *rec,
                  struct pp_error *err);

/* DEL with what ADD used (even when the configuration folder changed
 * since), then unpin the namespace. Idempotent; 0 when there is nothing.
 * The first error is returned, but every step runs (a failed DEL keeps its
 * record for another try). */
int pod_net_teardown(const struct pod_paths *paths, const char *uid, struct pp_error *err);
