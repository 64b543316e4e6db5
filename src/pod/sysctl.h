/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's admission of spec.securityContext.sysctls: the safe set
 * and the node's allowedUnsafeSysctls (ROOT/node-config.json). */
#pragma once

#include <stdbool.h>

struct pp_error;
struct pod;
struct pod_paths;

/* Is the (normalized) name one of the kubelet's safe sysctls? */
bool pod_sysctl_is_safe(const char *name);

/* The kubelet's checks of its --allowed-unsafe-sysctls patterns (a sysctl
 * name, or a prefix ending in '*', of a known namespace). 0, or -EINVAL
 * naming the pattern in the kubelet's words. */
int pod_sysctl_patterns_check(char *const *patterns, struct pp_error *err);

/* The kubelet's sysctl admission of pod against the safe set and the
 * allowed patterns: NULL when admitted, else the rejection message in the
 * kubelet's words (reason SysctlForbidden), e.g. `forbidden sysctl:
 * "kernel.msgmax" not allowlisted`. Caller frees. */
char *pod_sysctl_admit(const struct pod *pod, char *const *patterns);

/* allowedUnsafeSysctls of ROOT/node-config.json under paths, checked:
 * *ret a NULL-terminated vector, NULL when the file or the key is absent;
 * caller strv_free()s. 0, or -errno/-EINVAL naming the file. */
int pod_sysctl_allowed_unsafe(const struct pod_paths *paths, char ***ret, struct pp_error *err);
