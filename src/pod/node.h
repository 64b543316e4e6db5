/* SPDX-License-Identifier: Apache-2.0 */
/* This machine as a Kubernetes Node: its name (the hostname), the labels,
 * annotations and capacity a kubelet registers, and the user's labels,
 * annotations and taints kept in ROOT/node.json; extended resources and
 * extra labels from the config file ROOT/node-config.json. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

struct pp_error;
struct pod_paths;

#define NODE_STATE_FILE  "node.json"        /* ROOT/node.json: what label/taint/annotate set */
#define NODE_CONFIG_FILE "node-config.json" /* ROOT/node-config.json: the user's config */

/* The kubelet's default pod limit (--max-pods) and memory.available hard
 * eviction threshold, subtracted from allocatable memory. */
#define NODE_MAX_PODS       110
#define NODE_EVICTION_BYTES (100ull << 20)

/* This node's name: the hostname, lowercased as the kubelet does. Caller
 * frees. */
char *pod_node_name(void);

/* The Node object (apiVersion v1, kind Node: metadata with labels and
 * annotations, spec.taints and unschedulable, status with capacity,
 * allocatable, conditions, addresses, nodeInfo) of this machine under
 * paths. *ret caller puts. 0, or -errno/-EINVAL when node.json or
 * node-config.json is unreadable or malformed (the message names it). */
int pod_node_get(const struct pod_paths *paths, json_object **ret, struct pp_error *err);

/* ROOT/node-config.json as an object (empty when the file does not
 * exist). *ret caller puts. 0, or -errno/-EINVAL when unreadable or not an
 * object. */
int pod_node_config(const struct pod_paths *paths, json_object **ret, struct pp_error *err);

/* Change the user's node state: under the scheduling lock, read
 * ROOT/node.json (an object with "labels", "annotations" maps and a
 * "taints" list, created empty when absent), let edit change it, and
 * write it atomically when edit returns > 0 (0: nothing to write). The
 * result of edit is returned (its errors are its own). */
int pod_node_edit(const struct pod_paths *paths,
                  int (*edit)(json_object *state, void *data, struct pp_error *err), void *data,
                  struct pp_error *err);

/* The node's role names from node-role.kubernetes.io/ROLE labels, joined
 * by ',' or "<none>" (kubectl's ROLES column). Caller frees. */
char *pod_node_roles(json_object *node);
