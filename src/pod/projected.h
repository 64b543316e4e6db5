/* SPDX-License-Identifier: Apache-2.0 */
/* configMap, secret, downwardAPI and projected volumes on this machine:
 * their files built from the ConfigMap and Secret store, the pod's own
 * fields and a service account token issued by this peapod root, then
 * written by the atomic writer in the kubelet's layout under
 * volumes/kubernetes.io~<plugin>/<name>/ (a tmpfs for secret and
 * projected volumes). The monitor calls the sync again every few seconds,
 * so changes reach running pods atomically. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct pp_error;
struct pod;
struct pod_paths;
struct pod_volume;
struct pod_projection;
struct pod_downward_file;
struct pod_payload;

/* The issuer (and default audience) of the tokens peapod signs. */
#define POD_SA_ISSUER "https://kubernetes.default.svc.cluster.local"

/* How often the monitor projects these volumes again (kubelet: each pod
 * sync, about a minute, plus its cache's TTL; here a short period). */
#define POD_PROJECTED_PERIOD_MS 2000

/* Does the pod have a volume that projects files? */
bool pod_has_projected_volumes(const struct pod *pod);

/* The files of volume vol (its current folder dir, for a token still
 * fresh) into *ret (empty on entry; caller clears with
 * pod_payload_clear()). A missing object or key that is not optional is
 * -ENOENT with the kubelet's words (`configmap "x" not found`,
 * `configmap references non-existent config key: k`). 0 or -errno. */
int pod_projected_payload(const struct pod_paths *p, const struct pod *pod,
                          const struct pod_volume *vol, const char *dir, struct pod_payload *ret,
                          struct pp_error *err);

/* Project every such volume of the pod under pod_dir (folders and
 * tmpfs made on first use). Returns how many volumes changed, or -errno
 * with err `MountVolume.SetUp failed for volume "NAME" : WHY` for the
 * first that failed (the others are still written). */
int pod_projected_volumes_sync(const struct pod_paths *p, const struct pod *pod,
                               const char *pod_dir, struct pp_error *err);

/* The downward API's formats (downward.c). Go's %q of s; caller frees. */
char *pod_downward_quote(const char *s);
/* A label or annotation map as the kubelet writes it: `key="value"`
 * lines sorted by key, no final newline. Caller frees. */
char *pod_downward_map(char *const *keys, char *const *values);
/* The value of a volume fieldPath (metadata.name, .namespace, .uid,
 * .labels, .annotations, labels['k'], annotations['k']); caller frees.
 * 0 or -EINVAL. */
int pod_downward_field(const struct pod *pod, const char *field_path, char **ret,
                       struct pp_error *err);
/* The value of a resourceFieldRef (rounded up by its divisor; a limit
 * not set is the node's allocatable, measured at root for
 * ephemeral-storage). Caller frees. 0, -ENOENT (no such container) or
 * -EINVAL. */
int pod_downward_resource(const struct pod *pod, const struct pod_downward_file *f,
                          const char *root, char **ret, struct pp_error *err);

/* Service account tokens (satoken.c). The signing key of the root, or
 * (pub) its public half: ROOT/serviceaccount/signing-key.{pem,pub}.
 * Caller frees. */
char *pod_sa_key_path(const struct pod_paths *p, bool pub);
/* A new RS256 JWT for proj (audience, expirationSeconds) of pod, with a
 * real token's claims (iss, sub system:serviceaccount:NS:default, aud,
 * exp, iat, nbf, kubernetes.io: namespace, pod name and uid,
 * serviceaccount name), signed by the root's key (made 0600 on first
 * use). *ret caller-freed. 0 or -errno. */
int pod_sa_token_issue(const struct pod_paths *p, const struct pod *pod,
                       const struct pod_projection *proj, char **ret, struct pp_error *err);
/* Is token one issued for proj and pod that need not be refreshed yet
 * (the kubelet refreshes at 80% of a token's life)? */
bool pod_sa_token_fresh(const char *token, const struct pod *pod, const struct pod_projection *proj,
                        int64_t now);
