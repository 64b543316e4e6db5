/* SPDX-License-Identifier: Apache-2.0 */
/* A container's linux.seccomp as the kubelet and containerd give it:
 * RuntimeDefault (containerd's default profile, data/seccomp/
 * runtime-default.json built in, its capability-conditioned rules applied
 * by the container's bounding set), Localhost (a file under ROOT/seccomp,
 * the kubelet's <root-dir>/seccomp), Unconfined (none). A container whose
 * pod sets no profile gets RuntimeDefault (the kubelet's --seccomp-default)
 * unless ROOT/node-config.json says "seccompDefault": false. And the
 * AppArmor and SELinux fields checked against this host. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

struct pp_error;
struct pod_profile;
struct pod_paths;
struct pod;
struct pod_container;

#define POD_SECCOMP_DIR "seccomp" /* ROOT/seccomp: Localhost profiles */

/* The RuntimeDefault profile for a container whose bounding set is the
 * JSON array of "CAP_*" names caps, on a machine machine (uname -m) with
 * kernel release release (uname -r): a new linux.seccomp object (caller
 * puts). Pure. */
json_object *pod_seccomp_runtime_default(json_object *caps, const char *machine,
                                         const char *release);

/* The profile type in effect for p (a container's effective
 * seccompProfile, type NULL when unset): p's type, else "RuntimeDefault",
 * or "Unconfined" when unconfined_default. Static string or p's. */
const char *pod_seccomp_type(const struct pod_profile *p, bool unconfined_default);

/* linux.seccomp for profile p (type NULL: the default as
 * pod_seccomp_type()), caps the container's bounding set, dir the
 * Localhost folder: *ret a new object (caller puts), NULL for Unconfined.
 * A Localhost file that is missing, unreadable or not a JSON object is
 * -errno/-EINVAL in containerd's words (`cannot load seccomp profile
 * "PATH": open PATH: no such file or directory`). */
int pod_seccomp_plan(const struct pod_profile *p, bool unconfined_default, const char *dir,
                     json_object *caps, json_object **ret, struct pp_error *err);

/* The kubelet's check of container c's AppArmor profile
 * (pod_apparmor_effective()) and SELinux options before it is created.
 * Without AppArmor on the host, Localhost is -EINVAL with the kubelet's
 * `Cannot enforce AppArmor: AppArmor is not enabled on the host`;
 * RuntimeDefault and Unconfined run unconfined, as the kubelet lets them.
 * peapod applies no AppArmor profile or SELinux label: on a host with
 * AppArmor, Localhost and RuntimeDefault are -EINVAL, on a host with
 * SELinux, seLinuxOptions are (without SELinux they are ignored: the
 * caller records the warning). 0 or -EINVAL. */
int pod_lsm_check(const struct pod *pod, const struct pod_container *c, struct pp_error *err);

/* Does ROOT/node-config.json set "seccompDefault": false? *ret true then.
 * 0, or -errno/-EINVAL when the file is unreadable or malformed. */
int pod_seccomp_unconfined_default(const struct pod_paths *paths, bool *ret, struct pp_error *err);
