/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's sysctl admission (pkg/kubelet/sysctl, its patternAllowlist):
 * the safe sysctls, plus the node's allowedUnsafeSysctls patterns from
 * ROOT/node-config.json (the kubelet's --allowed-unsafe-sysctls). */
#include "pod/sysctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pod/node.h"
#include "pod/paths.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

#define NODE_CONFIG_MAX (1u << 20)

/* The kubelet's SafeSysctlAllowlist (its kernel version needs all met on
 * a kernel >= 4.15). */
static const char *const safe_sysctls[] = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    NULL,
};

bool pod_sysctl_is_safe(const char *name)
{
	for (size_t i = 0; safe_sysctls[i] != NULL; i++)
		if (strcmp(name, safe_sysctls[i]) == 0)
			return true;
	return false;
}

static bool pattern_valid(const char *p)
{
	size_t len = strlen(p);
	cleanup_free char *base = NULL;

	if (len == 0 || len > 253)
		return false;
	if (p[len - 1] != '*')
		return pod_sysctl_name_valid(p);
	if (len == 1)
		return false;
	/* "net.*" or "kernel.msg*" */
	base = xstrndup(p, len - (p[len - 2] == '.' ? 2 : 1));
	return pod_sysctl_name_valid(base);
}

int pod_sysctl_patterns_check(char *const *patterns, struct pp_error *err)
{
	for (size_t i = 0; patterns != NULL && patterns[i] != NULL; i++) {
		cleanup_free char *norm = pod_sysctl_normalize(patterns[i]);
		size_t len = strlen(norm);

		if (!pattern_valid(norm))
			return pp_error_msg(
			    err, EINVAL,
			    "allowedUnsafeSysctls[%zu]: sysctl \"%s\" must have at most 253 characters and match regex ([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*([a-z0-9]([-_a-z0-9]*[a-z0-9])?|\\*)",
			    i, patterns[i]);
		if (norm[len - 1] == '*')
			norm[len - 1] = '\0';
		if (pod_sysctl_namespace(norm) == POD_SYSCTL_NS_UNKNOWN)
			return pp_error_msg(
			    err, EINVAL,
			    "allowedUnsafeSysctls[%zu]: the sysctls \"%s\" are not known to be namespaced",
			    i, norm);
	}
	return 0;
}

static bool allowed(const char *name, char *const *patterns)
{
	if (pod_sysctl_is_safe(name))
		return true;
	for (size_t i = 0; patterns != NULL && patterns[i] != NULL; i++) {
		cleanup_free char *p = pod_sysctl_normalize(patterns[i]);
		size_t len = strlen(p);

		if (len > 0 && p[len - 1] == '*' ? strncmp(name, p, len - 1) == 0
		                                 : strcmp(name, p) == 0)
			return true;
	}
	return false;
}

char *pod_sysctl_admit(const struct pod *pod, char *const *patterns)
{
	for (size_t i = 0; i < pod->n_sysctls; i++) {
		cleanup_free char *name = pod_sysctl_normalize(pod->sysctls[i].name);
		enum pod_sysctl_ns ns = pod_sysctl_namespace(name);

		if (!allowed(name, patterns))
			return xstrfmt("forbidden sysctl: \"%s\" not allowlisted", name);
		if (ns == POD_SYSCTL_NS_IPC && pod->host_ipc)
			return xstrfmt("forbidden sysctl: \"%s\" not allowed with host ipc enabled",
			               name);
		if (ns == POD_SYSCTL_NS_NET && pod->host_network)
			return xstrfmt("forbidden sysctl: \"%s\" not allowed with host net enabled",
			               name);
	}
	return NULL;
}

int pod_sysctl_allowed_unsafe(const struct pod_paths *paths, char ***ret, struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/%s", paths->root, NODE_CONFIG_FILE);
	cleanup_json json_object *config = NULL;
	char **v = NULL;
	int r = json_parse_file(path, NODE_CONFIG_MAX, &config, err);

	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	if (json_object_object_get_ex(config, "allowedUnsafeSysctls", NULL) &&
	    (json_get_arr(config, "allowedUnsafeSysctls") == NULL ||
	     json_to_strv(json_get_arr(config, "allowedUnsafeSysctls"), &v) < 0))
		return pp_error_msg(err, EINVAL,
		                    "%s: allowedUnsafeSysctls: expected a list of strings", path);
	r = pod_sysctl_patterns_check(v, err);
	if (r < 0) {
		strv_free(v);
		return pp_error_prefix(err, r, "%s", path);
	}
	*ret = v;
	return 0;
}
