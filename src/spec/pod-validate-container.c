/* SPDX-License-Identifier: Apache-2.0 */
/* spec.containers validation: names, images, env names, ports,
 * capability names and termination message settings. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/error.h"

static int required(const char *path, struct pp_error *err)
{
	return pp_error_msg(err, EINVAL, "%s: Required value", path);
}

static int duplicate(const char *path, const char *value, struct pp_error *err)
{
	char q[128];

	return pp_error_msg(err, EINVAL, "%s: Duplicate value: %s", path,
	                    pod_quote(value, q, sizeof(q)));
}

const char *pod_port_name_problem(const char *s)
{
	size_t n = strlen(s);

	if (n > 15)
		return "must be no more than 15 characters";
	if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
	if (strpbrk(s, "abcdefghijklmnopqrstuvwxyz") == NULL)
		return "must contain at least one letter (a-z)";
	if (strstr(s, "--") != NULL)
		return "must not contain consecutive hyphens";
	if (s[0] == '-' || s[n - 1] == '-')
		return "hyphens (-) cannot be the first or last character";
	return NULL;
}

/* Is the port name used by an earlier port of this pod? */
static bool port_name_seen(const struct pod *pod, size_t ci, size_t pi, const char *name)
{
	for (size_t i = 0; i <= ci; i++) {
		const struct pod_container *c = &pod->containers[i];

		for (size_t j = 0; j < (i == ci ? pi : c->n_ports); j++)
			if (c->ports[j].name != NULL && strcmp(c->ports[j].name, name) == 0)
				return true;
	}
	return false;
}

static int check_port(const struct pod *pod, size_t ci, size_t pi, const char *ppath,
                      struct pp_error *err)
{
	const struct pod_port *p = &pod->containers[ci].ports[pi];
	const char *proto = p->protocol;
	char path[POD_PATH_MAX], q[128];
	const char *why;

	(void)snprintf(path, sizeof(path), "%s.containerPort", ppath);
	if (p->container_port == 0)
		return required(path, err);
	if (p->container_port < 1 || p->container_port > 65535)
		return pp_error_msg(err, EINVAL,
		                    "%s: Invalid value: %d: must be between 1 and 65535, inclusive",
		                    path, (int)p->container_port);
	(void)snprintf(path, sizeof(path), "%s.name", ppath);
	if (p->name != NULL && p->name[0] != '\0') {
		if ((why = pod_port_name_problem(p->name)) != NULL)
			return pod_invalid(path, p->name, why, err);
		if (port_name_seen(pod, ci, pi, p->name))
			return duplicate(path, p->name, err);
	}
	(void)snprintf(path, sizeof(path), "%s.protocol", ppath);
	if (proto == NULL || proto[0] == '\0')
		return required(path, err);
	if (strcmp(proto, "TCP") != 0 && strcmp(proto, "UDP") != 0 && strcmp(proto, "SCTP") != 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Unsupported value: %s: supported values: \"SCTP\", \"TCP\", \"UDP\"", path,
		    pod_quote(proto, q, sizeof(q)));
	return 0;
}

static int check_caps(char *const *caps, const char *cpath, const char *what, struct pp_error *err)
{
	char path[POD_PATH_MAX];

	for (size_t i = 0; caps != NULL && caps[i] != NULL; i++) {
		const char *s = caps[i];

		(void)snprintf(path, sizeof(path), "%s.securityContext.capabilities.%s[%zu]", cpath,
		               what, i);
		if (s[0] == '\0' ||
		    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
		        strlen(s) ||
		    strlen(s) > 64)
			return pod_invalid(
			    path, s,
			    "must be a capability name (letters, digits and '_', e.g. 'SYS_PTRACE' or 'ALL')",
			    err);
	}
	return 0;
}

/* ValidateSecurityContext: no_new_privs is no barrier for a privileged
 * process or one holding CAP_SYS_ADMIN. The API server matches the name as
 * written, "CAP_SYS_ADMIN" only. */
static int check_privilege_escalation(const struct pod_container *c, const char *cpath,
                                      struct pp_error *err)
{
	char path[POD_PATH_MAX];

	if (!c->has_allow_privilege_escalation || c->allow_privilege_escalation)
		return 0;
	(void)snprintf(path, sizeof(path), "%s.securityContext", cpath);
	if (c->has_privileged && c->privileged)
		return pod_invalid(
		    path, "<object>",
		    "cannot set `allowPrivilegeEscalation` to false and `privileged` "
		    "to true",
		    err);
	for (size_t i = 0; c->cap_add != NULL && c->cap_add[i] != NULL; i++)
		if (strcmp(c->cap_add[i], "CAP_SYS_ADMIN") == 0)
			return pod_invalid(path, "<object>",
			                   "cannot set `allowPrivilegeEscalation` to false and "
			                   "`capabilities.Add` CAP_SYS_ADMIN",
			                   err);
	return 0;
}

static int check_image(const struct pod_container *c, const char *cpath, struct pp_error *err)
{
	char path[POD_PATH_MAX];
	size_t n;

	(void)snprintf(path, sizeof(path), "%s.image", cpath);
	n = c->image != NULL ? strlen(c->image) : 0;
	if (n == 0)
		return required(path, err);
	if (isspace((unsigned char)c->image[0]) || isspace((unsigned char)c->image[n - 1]))
		return pod_invalid(path, c->image, "must not have leading or trailing whitespace",
		                   err);
	return 0;
}

static int check_termination_message(const struct pod_container *c, const char *cpath,
                                     struct pp_error *err)
{
	const char *pol = c->termination_message_policy;
	char q[128];

	if (pol == NULL || strcmp(pol, "File") == 0 || strcmp(pol, "FallbackToLogsOnError") == 0)
		return 0;
	return pp_error_msg(
	    err, EINVAL,
	    "%s.terminationMessagePolicy: Unsupported value: %s: supported values: \"File\", \"FallbackToLogsOnError\"",
	    cpath, pod_quote(pol, q, sizeof(q)));
}

static int check_name(const struct pod *pod, size_t ci, const char *cpath, struct pp_error *err)
{
	const char *name = pod->containers[ci].name;
	char path[POD_PATH_MAX];
	int r;

	(void)snprintf(path, sizeof(path), "%s.name", cpath);
	if (name == NULL || name[0] == '\0')
		return required(path, err);
	r = pod_check_dns_label(path, name, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ci; i++)
		if (pod->containers[i].name != NULL && strcmp(pod->containers[i].name, name) == 0)
			return duplicate(path, name, err);
	return 0;
}

static int check_handler(const struct pod_handler *h, const char *cpath, const char *name,
                         struct pp_error *err)
{
	if (!h->set)
		return 0;
	if (!h->has_sleep && (h->exec_command == NULL || h->exec_command[0] == NULL))
		return pp_error_msg(err, EINVAL,
		                    "%s.lifecycle.%s: Required value: must specify a handler type",
		                    cpath, name);
	return 0;
}

/* Init containers: lifecycle forbidden but on sidecars, names unique
 * across both lists. */
static int check_init_extra(const struct pod *app, const struct pod_container *c, const char *cpath,
                            struct pp_error *err)
{
	char path[POD_PATH_MAX];

	if (!c->restart_always && (c->post_start.set || c->pre_stop.set))
		return pp_error_msg(
		    err, EINVAL,
		    "%s.lifecycle: Forbidden: may not be set for init containers without "
		    "restartPolicy=Always",
		    cpath);
	(void)snprintf(path, sizeof(path), "%s.name", cpath);
	if (c->name != NULL && pod_container_find(app, c->name) != NULL)
		return duplicate(path, c->name, err);
	return 0;
}

/* pod->containers[ci] checked as field[ci] ("spec.containers" or
 * "spec.initContainers", pod then being a view of the init list). */
static int check_container(const struct pod *pod, size_t ci, const char *field,
                           struct pp_error *err)
{
	const struct pod_container *c = &pod->containers[ci];
	char cpath[POD_PATH_MAX], ppath[POD_PATH_MAX];
	int r;

	(void)snprintf(cpath, sizeof(cpath), "%s[%zu]", field, ci);
	r = check_name(pod, ci, cpath, err);
	if (r == 0)
		r = check_image(c, cpath, err);
	for (size_t i = 0; r == 0 && i < c->n_ports; i++) {
		(void)snprintf(ppath, sizeof(ppath), "%s.ports[%zu]", cpath, i);
		r = check_port(pod, ci, i, ppath, err);
	}
	if (r == 0)
		r = pod_validate_env(c, cpath, err);
	if (r == 0)
		r = check_caps(c->cap_add, cpath, "add", err);
	if (r == 0)
		r = check_caps(c->cap_drop, cpath, "drop", err);
	if (r == 0)
		r = check_privilege_escalation(c, cpath, err);
	if (r == 0)
		r = check_termination_message(c, cpath, err);
	if (r == 0)
		r = pod_validate_volume_mounts(pod, c, cpath, err);
	if (r == 0)
		r = check_handler(&c->post_start, cpath, "postStart", err);
	if (r == 0)
		r = check_handler(&c->pre_stop, cpath, "preStop", err);
	if (r == 0)
		r = pod_validate_probes(c, cpath, err);
	if (r == 0)
		r = pod_validate_small_container(pod, c, cpath, err);
	return r;
}

/* Ephemeral containers: names unique across every list, a target that
 * is one of the pod's containers (the API server's words). */
static int check_ephemeral_extra(const struct pod *pod, const struct pod_container *c,
                                 const char *cpath, struct pp_error *err)
{
	char path[POD_PATH_MAX];
	const char *t = c->target_container_name;

	(void)snprintf(path, sizeof(path), "%s.name", cpath);
	if (c->name != NULL && pod_container_find_any(pod, c->name) != NULL)
		return duplicate(path, c->name, err);
	(void)snprintf(path, sizeof(path), "%s.targetContainerName", cpath);
	if (t != NULL && pod_container_find_any(pod, t) == NULL)
		return pp_error_msg(err, EINVAL, "%s: Not found: \"%s\"", path, t);
	for (size_t i = 0; i < c->n_volume_mounts; i++)
		if (c->volume_mounts[i].sub_path != NULL && c->volume_mounts[i].sub_path[0] != '\0')
			return pp_error_msg(
			    err, EINVAL,
			    "%s.volumeMounts[%zu].subPath: Forbidden: cannot be set for an Ephemeral Container",
			    cpath, i);
	return 0;
}

static int validate_ephemeral(const struct pod *pod, struct pp_error *err)
{
	struct pod view = *pod;

	view.containers = pod->ephemeral_containers;
	view.n_containers = pod->n_ephemeral_containers;
	for (size_t i = 0; i < pod->n_ephemeral_containers; i++) {
		char cpath[POD_PATH_MAX];
		int r;

		(void)snprintf(cpath, sizeof(cpath), "spec.ephemeralContainers[%zu]", i);
		r = check_ephemeral_extra(pod, &pod->ephemeral_containers[i], cpath, err);
		if (r == 0)
			r = check_container(&view, i, "spec.ephemeralContainers", err);
		if (r < 0)
			return r;
	}
	return 0;
}

int pod_validate_containers(const struct pod *pod, struct pp_error *err)
{
	struct pod init_view = *pod;

	if (pod->n_containers == 0)
		return required("spec.containers", err);
	for (size_t i = 0; i < pod->n_containers; i++) {
		int r = check_container(pod, i, "spec.containers", err);

		if (r < 0)
			return r;
	}
	init_view.containers = pod->init_containers;
	init_view.n_containers = pod->n_init_containers;
	for (size_t i = 0; i < pod->n_init_containers; i++) {
		char cpath[POD_PATH_MAX];
		int r;

		(void)snprintf(cpath, sizeof(cpath), "spec.initContainers[%zu]", i);
		r = check_init_extra(pod, &pod->init_containers[i], cpath, err);
		if (r == 0)
			r = check_container(&init_view, i, "spec.initContainers", err);
		if (r < 0)
			return r;
	}
	return validate_ephemeral(pod, err);
}
