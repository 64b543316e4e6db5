/* SPDX-License-Identifier: Apache-2.0 */
/* Decoding spec.containers: each container, its ports and
 * securityContext.capabilities; everything else a container may carry in
 * the v1 API is refused by name. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
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
    {"hostPort", POD_FIELD_CUSTOM, 0, pod_decode_host_port},
    {"hostIP", POD_FIELD_STR, offsetof(struct pod_port, host_ip), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_ports(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;

	return pod_decode_object_array(v, path,
	                               &(const struct pod_element){port_fields, sizeof(*c->ports)},
	                               (void **)&c->ports, &c->n_ports, err);
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

/* A container's securityContext; the fields peapod does not implement yet
 * are refused by name. */
static const struct pod_field security_context_fields[] = {
    {"capabilities", POD_FIELD_CUSTOM, 0, decode_capabilities},
    {"allowPrivilegeEscalation", POD_FIELD_CUSTOM, 0, pod_decode_ctr_allow_priv_esc},
    {"runAsUser", POD_FIELD_CUSTOM, 0, pod_decode_ctr_run_as_user},
    {"runAsGroup", POD_FIELD_CUSTOM, 0, pod_decode_ctr_run_as_group},
    {"runAsNonRoot", POD_FIELD_CUSTOM, 0, pod_decode_ctr_run_as_non_root},
    {"readOnlyRootFilesystem", POD_FIELD_CUSTOM, 0, pod_decode_ctr_read_only_root},
    {"privileged", POD_FIELD_CUSTOM, 0, pod_decode_ctr_privileged},
    {"seLinuxOptions", POD_FIELD_CUSTOM, offsetof(struct pod_container, selinux),
     pod_decode_selinux},
    UNSUPPORTED("windowsOptions"),
    {"procMount", POD_FIELD_CUSTOM, 0, pod_decode_ctr_proc_mount},
    {"seccompProfile", POD_FIELD_CUSTOM, offsetof(struct pod_container, seccomp),
     pod_decode_profile},
    {"appArmorProfile", POD_FIELD_CUSTOM, offsetof(struct pod_container, apparmor),
     pod_decode_profile},
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

static int decode_exec(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	static const struct pod_field exec_fields[] = {
	    {"command", POD_FIELD_STRV, offsetof(struct pod_handler, exec_command), NULL},
	    {NULL, 0, 0, NULL},
	};

	return pod_decode_fields(v, exec_fields, obj, path, err);
}

/* A LifecycleHandler: exec and sleep (httpGet and tcpSocket refused). */
static const struct pod_field handler_fields[] = {
    {"exec", POD_FIELD_CUSTOM, 0, decode_exec},
    UNSUPPORTED("httpGet"),
    UNSUPPORTED("tcpSocket"),
    {"sleep", POD_FIELD_CUSTOM, 0, pod_decode_sleep},
    {NULL, 0, 0, NULL},
};

static int decode_handler(json_object *v, struct pod_handler *h, const char *path,
                          struct pp_error *err)
{
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	h->set = true;
	return pod_decode_fields(v, handler_fields, h, path, err);
}

static int decode_post_start(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_handler(v, &((struct pod_container *)obj)->post_start, path, err);
}

static int decode_pre_stop(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_handler(v, &((struct pod_container *)obj)->pre_stop, path, err);
}

static const struct pod_field lifecycle_fields[] = {
    {"postStart", POD_FIELD_CUSTOM, 0, decode_post_start},
    {"preStop", POD_FIELD_CUSTOM, 0, decode_pre_stop},
    {"stopSignal", POD_FIELD_STR, offsetof(struct pod_container, stop_signal), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_lifecycle(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return pod_decode_fields(v, lifecycle_fields, obj, path, err);
}

/* restartPolicy of an init container: "Always" (a sidecar) is the one
 * value the API server allows there. */
static int decode_ctr_restart_policy(json_object *v, void *obj, const char *path,
                                     struct pp_error *err)
{
	struct pod_container *c = obj;

	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	if (strcmp(json_object_get_string(v), "Always") != 0)
		return pp_error_msg(
		    err, EINVAL, "%s: Unsupported value: \"%.64s\": supported values: \"Always\"",
		    path, json_object_get_string(v));
	c->restart_always = true;
	return 0;
}

static const struct pod_field container_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_container, name), NULL},
    {"image", POD_FIELD_STR, offsetof(struct pod_container, image), NULL},
    {"imagePullPolicy", POD_FIELD_CUSTOM, 0, decode_pull_policy},
    {"command", POD_FIELD_STRV, offsetof(struct pod_container, command), NULL},
    {"args", POD_FIELD_STRV, offsetof(struct pod_container, args), NULL},
    {"workingDir", POD_FIELD_STR, offsetof(struct pod_container, working_dir), NULL},
    {"env", POD_FIELD_CUSTOM, 0, pod_decode_env},
    {"ports", POD_FIELD_CUSTOM, 0, decode_ports},
    {"stdin", POD_FIELD_BOOL, offsetof(struct pod_container, stdin_open), NULL},
    {"stdinOnce", POD_FIELD_BOOL, offsetof(struct pod_container, stdin_once), NULL},
    {"tty", POD_FIELD_BOOL, offsetof(struct pod_container, tty), NULL},
    {"securityContext", POD_FIELD_CUSTOM, 0, decode_security_context},
    {"terminationMessagePath", POD_FIELD_STR,
     offsetof(struct pod_container, termination_message_path), NULL},
    {"terminationMessagePolicy", POD_FIELD_STR,
     offsetof(struct pod_container, termination_message_policy), NULL},
    {"envFrom", POD_FIELD_CUSTOM, 0, pod_decode_env_from},
    {"resources", POD_FIELD_CUSTOM, 0, pod_decode_resources},
    {"resizePolicy", POD_FIELD_CUSTOM, 0, pod_decode_resize_policy},
    {"restartPolicy", POD_FIELD_CUSTOM, 0, decode_ctr_restart_policy},
    {"volumeMounts", POD_FIELD_CUSTOM, 0, pod_decode_volume_mounts},
    UNSUPPORTED("volumeDevices"),
    {"livenessProbe", POD_FIELD_CUSTOM, 0, pod_decode_liveness_probe},
    {"readinessProbe", POD_FIELD_CUSTOM, 0, pod_decode_readiness_probe},
    {"startupProbe", POD_FIELD_CUSTOM, 0, pod_decode_startup_probe},
    {"lifecycle", POD_FIELD_CUSTOM, 0, decode_lifecycle},
    {NULL, 0, 0, NULL},
};

/* Fields the API server forbids: restartPolicy on app containers;
 * lifecycle and probes on init containers that are not sidecars (a
 * restartPolicy there is Always, or the decoder refuses its value). */
static int check_forbidden(json_object *o, const char *path, bool init, struct pp_error *err)
{
	static const char *const forbidden[] = {"lifecycle", "livenessProbe", "readinessProbe",
	                                        "startupProbe"};
	json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object))
		return 0; /* the field decoder says what is wrong */
	if (json_object_object_get_ex(o, "restartPolicy", &v) && v != NULL)
		return init ? 0
		            : pp_error_msg(
		                  err, EINVAL,
		                  "%s.restartPolicy: Forbidden: may not be set for non-init "
		                  "containers",
		                  path);
	for (size_t i = 0; init && i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (json_object_object_get_ex(o, forbidden[i], &v) && v != NULL)
			return pp_error_msg(err, EINVAL,
			                    "%s.%s: Forbidden: may not be set for init containers "
			                    "without restartPolicy=Always",
			                    path, forbidden[i]);
	return 0;
}

/* The API server's validateEphemeralContainers: only an allow-list of
 * fields; these of the container fields are not on it. */
static int check_ephemeral_forbidden(json_object *o, const char *path, struct pp_error *err)
{
	static const char *const forbidden[] = {"ports",        "livenessProbe", "readinessProbe",
	                                        "startupProbe", "lifecycle",     "resources",
	                                        "resizePolicy", "restartPolicy"};
	json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object))
		return pod_type_error(path, o, "object", err);
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (json_object_object_get_ex(o, forbidden[i], &v) && v != NULL)
			return pp_error_msg(
			    err, EINVAL,
			    "%s.%s: Forbidden: cannot be set for an Ephemeral Container", path,
			    forbidden[i]);
	return 0;
}

/* One ephemeral container: targetContainerName, then the container fields. */
static int decode_ephemeral(json_object *o, const char *path, struct pod_container *c,
                            struct pp_error *err)
{
	json_object *copy = NULL, *t = NULL;
	char sub[POD_PATH_MAX];
	int r = check_ephemeral_forbidden(o, path, err);

	if (r < 0)
		return r;
	if (json_object_object_get_ex(o, "targetContainerName", &t) && t != NULL) {
		(void)snprintf(sub, sizeof(sub), "%s.targetContainerName", path);
		if (!json_object_is_type(t, json_type_string))
			return pod_type_error(sub, t, "string", err);
		c->target_container_name = xstrdup(json_object_get_string(t));
	}
	if (json_object_deep_copy(o, &copy, NULL) != 0)
		return pp_error_msg(err, ENOMEM, "%s: copy", path);
	json_object_object_del(copy, "targetContainerName");
	r = pod_decode_fields(copy, container_fields, c, path, err);
	json_object_put(copy);
	return r;
}

enum list_kind {
	LIST_APP,
	LIST_INIT,
	LIST_EPHEMERAL,
};

static int decode_container_array(json_object *v, const char *path, enum list_kind kind,
                                  struct pod_container **ret_arr, size_t *ret_n,
                                  struct pp_error *err)
{
	char sub[POD_PATH_MAX];
	size_t n = 0;
	int r = pod_decode_array(v, path, &n, err);

	if (r < 0)
		return r;
	*ret_arr = xcalloc(n, sizeof(**ret_arr));
	for (; *ret_n < n; (*ret_n)++) {
		struct pod_container *c = &(*ret_arr)[*ret_n];
		json_object *o = json_object_array_get_idx(v, *ret_n);

		c->image_pull_policy_unset = true;
		pod_path_index(sub, path, *ret_n);
		if (kind == LIST_EPHEMERAL)
			r = decode_ephemeral(o, sub, c, err);
		else
			r = check_forbidden(o, sub, kind == LIST_INIT, err);
		if (r == 0 && kind != LIST_EPHEMERAL)
			r = pod_decode_fields(o, container_fields, c, sub, err);
		if (r < 0) {
			(*ret_n)++;
			return r;
		}
	}
	return 0;
}

int pod_decode_containers(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	return decode_container_array(v, path, LIST_APP, &pod->containers, &pod->n_containers, err);
}

int pod_decode_init_containers(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	return decode_container_array(v, path, LIST_INIT, &pod->init_containers,
	                              &pod->n_init_containers, err);
}

int pod_decode_ephemeral_containers(json_object *v, void *obj, const char *path,
                                    struct pp_error *err)
{
	struct pod *pod = obj;

	return decode_container_array(v, path, LIST_EPHEMERAL, &pod->ephemeral_containers,
	                              &pod->n_ephemeral_containers, err);
}
