/* SPDX-License-Identifier: Apache-2.0 */
/* spec.securityContext.sysctls: decoding, the API server's checks (name
 * format, duplicates, none of the host's namespaces), encoding and
 * equality; the kubelet's name normalization and namespace of a sysctl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/error.h"
#include "util/xalloc.h"

#define SYSCTL_MAX_LENGTH 253
#define SYSCTL_REGEX      "^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"

static const struct pod_field sysctl_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_sysctl, name), NULL},
    {"value", POD_FIELD_STR, offsetof(struct pod_sysctl, value), NULL},
    {NULL, 0, 0, NULL},
};

int pod_decode_sysctls(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	return pod_decode_object_array(
	    v, path, &(const struct pod_element){sysctl_fields, sizeof(*pod->sysctls)},
	    (void **)&pod->sysctls, &pod->n_sysctls, err);
}

static bool segment_char(char c, bool edge)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (!edge && (c == '-' || c == '_'));
}

bool pod_sysctl_name_valid(const char *name)
{
	size_t len = strlen(name), start = 0;

	if (len == 0 || len > SYSCTL_MAX_LENGTH)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (name[i] != '\0' && name[i] != '.' && name[i] != '/')
			continue;
		/* the segment name[start..i) */
		if (i == start || !segment_char(name[start], true) ||
		    !segment_char(name[i - 1], true))
			return false;
		for (size_t j = start; j < i; j++)
			if (!segment_char(name[j], false))
				return false;
		start = i + 1;
	}
	return true;
}

char *pod_sysctl_normalize(const char *name)
{
	char *s = xstrdup(name);
	size_t first = strcspn(s, "./");

	if (s[first] != '/')
		return s;
	for (char *p = s; *p != '\0'; p++)
		if (*p == '.')
			*p = '/';
		else if (*p == '/')
			*p = '.';
	return s;
}

enum pod_sysctl_ns pod_sysctl_namespace(const char *name)
{
	static const char *const ipc_names[] = {"kernel.sem", "kernel.shmall", "kernel.shmmax",
	                                        "kernel.shmmni", "kernel.shm_rmid_forced"};

	for (size_t i = 0; i < sizeof(ipc_names) / sizeof(ipc_names[0]); i++)
		if (strcmp(name, ipc_names[i]) == 0)
			return POD_SYSCTL_NS_IPC;
	if (strncmp(name, "net.", 4) == 0)
		return POD_SYSCTL_NS_NET;
	if (strncmp(name, "fs.mqueue.", 10) == 0 || strncmp(name, "kernel.msg", 10) == 0)
		return POD_SYSCTL_NS_IPC;
	return POD_SYSCTL_NS_UNKNOWN;
}

/* ValidateHostSysctl: a namespaced sysctl of a namespace the pod shares
 * with the host would change the host's. */
static int check_host_ns(const struct pod *pod, const char *name, const char *path,
                         struct pp_error *err)
{
	char *norm = pod_sysctl_normalize(name);
	enum pod_sysctl_ns ns = pod_sysctl_namespace(norm);

	free(norm);
	if (pod->host_network && ns == POD_SYSCTL_NS_NET)
		return pod_invalid(path, name, "may not be specified when 'hostNetwork' is true",
		                   err);
	if (pod->host_ipc && ns == POD_SYSCTL_NS_IPC)
		return pod_invalid(path, name, "may not be specified when 'hostIPC' is true", err);
	return 0;
}

int pod_validate_sysctls(const struct pod *pod, struct pp_error *err)
{
	char path[POD_PATH_MAX], q[128];

	for (size_t i = 0; i < pod->n_sysctls; i++) {
		const char *name = pod->sysctls[i].name != NULL ? pod->sysctls[i].name : "";
		int r;

		(void)snprintf(path, sizeof(path), "spec.securityContext.sysctls[%zu].name", i);
		if (name[0] == '\0')
			return pp_error_msg(err, EINVAL, "%s: Required value", path);
		if (!pod_sysctl_name_valid(name))
			return pod_invalid(
			    path, name,
			    "must have at most 253 characters and match regex " SYSCTL_REGEX, err);
		for (size_t j = 0; j < i; j++)
			if (pod->sysctls[j].name != NULL && strcmp(pod->sysctls[j].name, name) == 0)
				return pp_error_msg(err, EINVAL, "%s: Duplicate value: %s", path,
				                    pod_quote(name, q, sizeof(q)));
		r = check_host_ns(pod, name, path, err);
		if (r < 0)
			return r;
	}
	return 0;
}

json_object *pod_sysctls_to_json(const struct pod *pod)
{
	json_object *arr;

	if (pod->n_sysctls == 0)
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; i < pod->n_sysctls; i++) {
		json_object *o = json_object_new_object();
		const struct pod_sysctl *s = &pod->sysctls[i];

		json_object_object_add(o, "name", json_object_new_string(s->name ? s->name : ""));
		json_object_object_add(o, "value",
		                       json_object_new_string(s->value ? s->value : ""));
		json_object_array_add(arr, o);
	}
	return arr;
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

bool pod_sysctls_equal(const struct pod *a, const struct pod *b)
{
	if (a->n_sysctls != b->n_sysctls)
		return false;
	for (size_t i = 0; i < a->n_sysctls; i++)
		if (!str_eq(a->sysctls[i].name, b->sysctls[i].name) ||
		    !str_eq(a->sysctls[i].value, b->sysctls[i].value))
			return false;
	return true;
}

void pod_sysctls_free(struct pod *pod)
{
	for (size_t i = 0; i < pod->n_sysctls; i++) {
		free(pod->sysctls[i].name);
		free(pod->sysctls[i].value);
	}
	free(pod->sysctls);
	pod->sysctls = NULL;
	pod->n_sysctls = 0;
}
