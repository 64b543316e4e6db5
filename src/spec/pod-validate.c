/* SPDX-License-Identifier: Apache-2.0 */
/* Pod validation as the API server does it, for the fields peapod
 * supports; the first error is reported, field path first, in the API
 * server's words. Container-level checks are in pod-validate-container.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/pod.h"
#include "spec/validate.h"
#include "util/error.h"

bool pod_is_dns1123_label(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 63)
		return false;
	if (!pod_is_lower_alnum(s[0]) || !pod_is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!pod_is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool pod_is_dns1123_subdomain(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	const char *p = s;

	if (n == 0 || n > 253)
		return false;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		char label[254];

		memcpy(label, p, len);
		label[len] = '\0';
		/* a subdomain's labels have no 63-character limit of their own */
		if (len == 0 || !pod_is_lower_alnum(label[0]) ||
		    !pod_is_lower_alnum(label[len - 1]) ||
		    strspn(label, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
			return false;
		if (dot == NULL)
			return true;
		p = dot + 1;
	}
}

const char *pod_quote(const char *s, char *buf, size_t len)
{
	json_object *o = json_object_new_string(s != NULL ? s : "");
	const char *q = pod_value_str(o, buf, len);

	if (q != buf) {
		(void)snprintf(buf, len, "%s", q);
		q = buf;
	}
	json_object_put(o);
	return q;
}

int pod_invalid(const char *path, const char *value, const char *why, struct pp_error *err)
{
	char q[128];

	return pp_error_msg(err, EINVAL, "%s: Invalid value: %s: %s", path,
	                    pod_quote(value, q, sizeof(q)), why);
}

int pod_check_dns_label(const char *path, const char *s, struct pp_error *err)
{
	if (strlen(s) > 63)
		return pod_invalid(path, s, "must be no more than 63 characters", err);
	if (!pod_is_dns1123_label(s))
		return pod_invalid(path, s, DNS1123_LABEL_MSG, err);
	return 0;
}

int pod_check_dns_subdomain(const char *path, const char *s, struct pp_error *err)
{
	if (strlen(s) > 253)
		return pod_invalid(path, s, "must be no more than 253 characters", err);
	if (!pod_is_dns1123_subdomain(s))
		return pod_invalid(path, s, DNS1123_SUBDOMAIN_MSG, err);
	return 0;
}

static int validate_metadata(const struct pod *pod, struct pp_error *err)
{
	int r;

	if (pod->name == NULL || pod->name[0] == '\0')
		return pp_error_msg(err, EINVAL, "metadata.name: Required value");
	r = pod_check_dns_subdomain("metadata.name", pod->name, err);
	if (r == 0 && pod->namespace_ != NULL)
		r = pod_check_dns_label("metadata.namespace", pod->namespace_, err);
	if (r == 0)
		r = pod_check_labels(pod->label_keys, pod->label_values, err);
	if (r == 0)
		r = pod_check_annotations(pod->annotation_keys, pod->annotation_values, err);
	return r;
}

static int validate_dns_policy(const struct pod *pod, struct pp_error *err)
{
	static const char *const policies[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default",
	                                       "None", NULL};
	const char *p = pod->dns_policy;
	char q[128];

	if (p == NULL)
		return 0;
	for (size_t i = 0; policies[i] != NULL; i++)
		if (strcmp(p, policies[i]) == 0)
			return 0;
	return pp_error_msg(
	    err, EINVAL,
	    "spec.dnsPolicy: Unsupported value: %s: supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
	    pod_quote(p, q, sizeof(q)));
}

static int validate_host_namespaces(const struct pod *pod, struct pp_error *err)
{
	if (pod->share_process_namespace && pod->host_pid)
		return pp_error_msg(
		    err, EINVAL,
		    "spec.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled");
	/* The API server's validateHostUsers: a user namespace with none of
	 * the host's namespaces. */
	if (pod->no_host_users && pod->host_network)
		return pp_error_msg(err, EINVAL,
		                    "spec.hostNetwork: Forbidden: when `hostUsers` is false");
	if (pod->no_host_users && pod->host_pid)
		return pp_error_msg(err, EINVAL,
		                    "spec.hostPID: Forbidden: when `hostUsers` is false");
	if (pod->no_host_users && pod->host_ipc)
		return pp_error_msg(err, EINVAL,
		                    "spec.hostIPC: Forbidden: when `hostUsers` is false");
	if (pod->host_pid)
		return pod_unsupported("spec.hostPID", err);
	if (pod->host_ipc)
		return pod_unsupported("spec.hostIPC", err);
	return 0;
}

/* The API server's check: procMount Unmasked only in a user namespace. */
static int validate_proc_mount(const struct pod_container *cs, size_t n, const char *list,
                               bool userns, struct pp_error *err)
{
	for (size_t i = 0; i < n && !userns; i++)
		if (cs[i].proc_mount_unmasked)
			return pp_error_msg(
			    err, EINVAL,
			    "%s[%zu].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`",
			    list, i);
	return 0;
}

static int validate_pod_spec(const struct pod *pod, struct pp_error *err)
{
	int r = 0;

	if (pod->termination_grace_period_seconds < 0)
		return pp_error_msg(
		    err, EINVAL,
		    "spec.terminationGracePeriodSeconds: Invalid value: %lld: must be greater than or equal to 0",
		    (long long)pod->termination_grace_period_seconds);
	if (pod->restart_policy != POD_RESTART_ALWAYS && pod->restart_policy != POD_RESTART_NEVER &&
	    pod->restart_policy != POD_RESTART_ON_FAILURE)
		return pp_error_msg(err, EINVAL, "spec.restartPolicy: Unsupported value");
	if (pod->hostname != NULL)
		r = pod_check_dns_label("spec.hostname", pod->hostname, err);
	if (r == 0 && pod->subdomain != NULL)
		r = pod_check_dns_label("spec.subdomain", pod->subdomain, err);
	if (r == 0)
		r = validate_dns_policy(pod, err);
	if (r == 0 && pod->scheduler_name != NULL && pod->scheduler_name[0] == '\0')
		r = pp_error_msg(err, EINVAL, "spec.schedulerName: Required value");
	if (r == 0)
		r = validate_host_namespaces(pod, err);
	if (r == 0)
		r = pod_validate_sysctls(pod, err);
	if (r == 0)
		r = validate_proc_mount(pod->containers, pod->n_containers, "spec.containers",
		                        pod->no_host_users, err);
	if (r == 0)
		r = validate_proc_mount(pod->init_containers, pod->n_init_containers,
		                        "spec.initContainers", pod->no_host_users, err);
	if (r == 0)
		r = pod_validate_net(pod, err);
	if (r == 0)
		r = pod_validate_pod_resources(pod, err);
	if (r == 0)
		r = pod_validate_small(pod, err);
	if (r == 0)
		r = pod_validate_profiles(pod, err);
	return r;
}

int pod_spec_validate(const struct pod *pod, struct pp_error *err)
{
	char q[128];
	int r;

	if (pod->api_version != NULL && strcmp(pod->api_version, "v1") != 0)
		return pp_error_msg(err, EINVAL,
		                    "apiVersion: Unsupported value: %s: supported values: \"v1\"",
		                    pod_quote(pod->api_version, q, sizeof(q)));
	r = validate_metadata(pod, err);
	if (r == 0)
		r = pod_validate_volumes(pod, err);
	if (r == 0)
		r = pod_validate_containers(pod, err);
	if (r == 0)
		r = validate_pod_spec(pod, err);
	return r;
}
