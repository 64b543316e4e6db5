/* SPDX-License-Identifier: Apache-2.0 */
/* Private helpers shared by the Pod validators: messages in the API
 * server's words and value quoting. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "spec/pod.h"

struct pp_error;

#define DNS1123_LABEL_MSG                                                                        \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " \
	"and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', " \
	"regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

#define DNS1123_SUBDOMAIN_MSG                                                                     \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' " \
	"or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "     \
	"regex used for validation is "                                                           \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

static inline bool pod_is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static inline bool pod_is_alnum(char c)
{
	return pod_is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* s as a JSON string literal (quoted, escaped, cut to len) in buf. */
const char *pod_quote(const char *s, char *buf, size_t len);
/* `PATH: Invalid value: "VALUE": WHY`. Returns -EINVAL. */
int pod_invalid(const char *path, const char *value, const char *why, struct pp_error *err);
/* DNS-1123 label check with the API server's messages. 0 or -EINVAL. */
int pod_check_dns_label(const char *path, const char *s, struct pp_error *err);
/* DNS-1123 subdomain check with the API server's messages. 0 or -EINVAL. */
int pod_check_dns_subdomain(const char *path, const char *s, struct pp_error *err);
/* spec.securityContext.sysctls as the API server checks them: a name in
 * the sysctl format, no duplicate, none of a namespace the pod shares with
 * the host (hostNetwork, hostIPC) (pod-sysctl.c). 0 or -EINVAL. */
int pod_validate_sysctls(const struct pod *pod, struct pp_error *err);
/* spec.containers checks (pod-validate-container.c). 0 or -EINVAL. */
int pod_validate_containers(const struct pod *pod, struct pp_error *err);
/* spec.volumes checks, and one container's volumeMounts (pod-volume.c).
 * 0 or -EINVAL. */
int pod_validate_volumes(const struct pod *pod, struct pp_error *err);
int pod_validate_volume_mounts(const struct pod *pod, const struct pod_container *c,
                               const char *cpath, struct pp_error *err);
/* validatePathNoBacksteps: does p hold a ".." path element? */
bool pod_path_has_backsteps(const char *p);
/* configMap, secret, downwardAPI and projected volume checks under vpath
 * (pod-projected-validate.c). 0 or -EINVAL. */
int pod_validate_projected_volume(const struct pod_volume *vol, const char *vpath,
                                  struct pp_error *err);
