/* SPDX-License-Identifier: Apache-2.0 */
/* Decoding spec.containers: each container, its env, ports and
 * securityContext.capabilities; everything else a container may carry in
 * the v1 API is refused by name. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define UNSUPPORTED(n)                            \
	{                                         \
		n, POD_FIELD_UNSUPPORTED, 0, NULL \
	}

static const struct pod_field env_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_env, name), NULL},
    {"value", POD_FIELD_STR, offsetof(struct pod_env, value), NULL},
    UNSUPPORTED("valueFrom"),
    {NULL, 0, 0, NULL},
};

static int decode_env(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;

	return pod_decode_object_array(v, path, env_fields, sizeof(*c->env), (void **)&c->env,
	                               &c->n_env, err);
}

static int decode_container_port(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_port *p = obj;
	int64_t n = 0;
	int r = pod_decode_int64(v, path, &n, err);

	if (r < 0)
		return r;
	if (n < 1 || n > 65535)
		return pp_error_msg(
		    err, EINVAL, "%s: Invalid value: %lld: must be between 1 and 65535, inclusive",
		    path, (long long)n);
	p->container_port = (int32_t)n;
	return 0;
}

static const struct pod_field port_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_port, name), NULL},
    {"containerPort", POD_FIELD_CUSTOM, 0, decode_container_port},
    {"protocol", POD_FIELD_STR, offsetof(struct pod_port, protocol), NULL},
    UNSUPPORTED("hostPort"),
    UNSUPPORTED("hostIP"),
    {NULL, 0, 0, NULL},
};

static int decode_ports(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;

	return pod_decode_object_array(v, path, port_fields, sizeof(*c->ports), (void **)&c->ports,
	                               &c->n_ports, err);
}

static const struct pod_field capabilities_fields[] = {
    {"add", POD_FIELD_STRV, offsetof(struct pod_container, cap_add), NULL},
    {"drop", POD_FIELD_STRV, offsetof(struct pod_container, cap_drop), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_capabilities(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return pod_decode_fields(v, capabilities_fields, obj, path, err);
}

/* Settings equal to the runtime default (privileged: false,
 * allowPrivilegeEscalation: true, ...) are accepted; others are refused. */
static const struct pod_field security_context_fields[] = {
    {"capabilities", POD_FIELD_CUSTOM, 0, decode_capabilities},
    {"allowPrivilegeEscalation", POD_FIELD_CUSTOM, 0, pod_decode_ctr_allow_priv_esc},
    {"runAsUser", POD_FIELD_CUSTOM, 0, pod_decode_ctr_run_as_user},
    {"runAsGroup", POD_FIELD_CUSTOM, 0, pod_decode_ctr_run_as_group},
    {"runAsNonRoot", POD_FIELD_CUSTOM, 0, pod_decode_ctr_run_as_non_root},
    {"readOnlyRootFilesystem", POD_FIELD_CUSTOM, 0, pod_decode_ctr_read_only_root},
    UNSUPPORTED("privileged"),
    UNSUPPORTED("seLinuxOptions"),
    UNSUPPORTED("windowsOptions"),
    UNSUPPORTED("procMount"),
    UNSUPPORTED("seccompProfile"),
    UNSUPPORTED("appArmorProfile"),
    {NULL, 0, 0, NULL},
};

static int decode_security_context(json_object *v, void *obj, const char *path,
                                   struct pp_error *err)
{
	return pod_decode_fields(v, security_context_fields, obj, path, err);
}

static int decode_pull_policy(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	s = json_object_get_string(v);
	if (s[0] == '\0') /* "" is defaulted */
		return 0;
	if (strcmp(s, "Always") == 0)
		c->image_pull_policy = POD_PULL_ALWAYS;
	else if (strcmp(s, "IfNotPresent") == 0)
		c->image_pull_policy = POD_PULL_IF_NOT_PRESENT;
	else if (strcmp(s, "Never") == 0)
		c->image_pull_policy = POD_PULL_NEVER;
	else
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Unsupported value: \"%.64s\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
		    path, s);
	c->image_pull_policy_unset = false;
	return 0;
}

static const struct pod_field container_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_container, name), NULL},
    {"image", POD_FIELD_STR, offsetof(struct pod_container, image), NULL},
    {"imagePullPolicy", POD_FIELD_CUSTOM, 0, decode_pull_policy},
    {"command", POD_FIELD_STRV, offsetof(struct pod_container, command), NULL},
    {"args", POD_FIELD_STRV, offsetof(struct pod_container, args), NULL},
    {"workingDir", POD_FIELD_STR, offsetof(struct pod_container, working_dir), NULL},
    {"env", POD_FIELD_CUSTOM, 0, decode_env},
    {"ports", POD_FIELD_CUSTOM, 0, decode_ports},
    {"stdin", POD_FIELD_BOOL, offsetof(struct pod_container, stdin_open), NULL},
    {"stdinOnce", POD_FIELD_BOOL, offsetof(struct pod_container, stdin_once), NULL},
    {"tty", POD_FIELD_BOOL, offsetof(struct pod_container, tty), NULL},
    {"securityContext", POD_FIELD_CUSTOM, 0, decode_security_context},
    {"terminationMessagePath", POD_FIELD_STR,
     offsetof(struct pod_container, termination_message_path), NULL},
    {"terminationMessagePolicy", POD_FIELD_STR,
     offsetof(struct pod_container, termination_message_policy), NULL},
    UNSUPPORTED("envFrom"),
    UNSUPPORTED("resources"),
    UNSUPPORTED("resizePolicy"),
    UNSUPPORTED("restartPolicy"),
    {"volumeMounts", POD_FIELD_CUSTOM, 0, pod_decode_volume_mounts},
    UNSUPPORTED("volumeDevices"),
    UNSUPPORTED("livenessProbe"),
    UNSUPPORTED("readinessProbe"),
    UNSUPPORTED("startupProbe"),
    UNSUPPORTED("lifecycle"),
    {NULL, 0, 0, NULL},
};

int pod_decode_containers(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	char sub[POD_PATH_MAX];
	size_t n = 0;
	int r = pod_decode_array(v, path, &n, err);

	if (r < 0)
		return r;
	pod->containers = xcalloc(n, sizeof(*pod->containers));
	for (; pod->n_containers < n; pod->n_containers++) {
		struct pod_container *c = &pod->containers[pod->n_containers];

		c->image_pull_policy_unset = true;
		pod_path_index(sub, path, pod->n_containers);
		r = pod_decode_fields(json_object_array_get_idx(v, pod->n_containers),
		                      container_fields, c, sub, err);
		if (r < 0) {
			pod->n_containers++;
			return r;
		}
	}
	return 0;
}
