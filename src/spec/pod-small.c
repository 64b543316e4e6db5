/* SPDX-License-Identifier: Apache-2.0 */
/* The smaller pod and container fields: spec.os, enableServiceLinks,
 * setHostnameAsFQDN, runtimeClassName, overhead,
 * readinessGates; containers' resizePolicy, lifecycle.stopSignal and the
 * sleep handler. Decoded, validated in the API server's words (and the
 * RuntimeClass admission plugin's for runtimeClassName and overhead),
 * encoded, compared and freed here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

/* The RuntimeClasses this node has: each runs pods with pea. */
static const char *const runtime_classes[] = {"pea", "peapod", NULL};

/* supportedStopSignalsLinux, sorted as the API server lists them. */
static const char *const linux_stop_signals[] = {
    "SIGABRT",     "SIGALRM",     "SIGBUS",      "SIGCHLD",     "SIGCLD",      "SIGCONT",
    "SIGFPE",      "SIGHUP",      "SIGILL",      "SIGINT",      "SIGIO",       "SIGIOT",
    "SIGKILL",     "SIGPIPE",     "SIGPOLL",     "SIGPROF",     "SIGPWR",      "SIGQUIT",
    "SIGRTMAX",    "SIGRTMAX-1",  "SIGRTMAX-10", "SIGRTMAX-11", "SIGRTMAX-12", "SIGRTMAX-13",
    "SIGRTMAX-14", "SIGRTMAX-2",  "SIGRTMAX-3",  "SIGRTMAX-4",  "SIGRTMAX-5",  "SIGRTMAX-6",
    "SIGRTMAX-7",  "SIGRTMAX-8",  "SIGRTMAX-9",  "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+10",
    "SIGRTMIN+11", "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMIN+2",
    "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",  "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",
    "SIGRTMIN+9",  "SIGSEGV",     "SIGSTKFLT",   "SIGSTOP",     "SIGSYS",      "SIGTERM",
    "SIGTRAP",     "SIGTSTP",     "SIGTTIN",     "SIGTTOU",     "SIGURG",      "SIGUSR1",
    "SIGUSR2",     "SIGVTALRM",   "SIGWINCH",    "SIGXCPU",     "SIGXFSZ",     NULL,
};

static const char *const windows_stop_signals[] = {"SIGKILL", "SIGTERM", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* `PATH: Unsupported value: "V": supported values: "A", "B"`. */
static int not_supported(const char *path, const char *value, const char *const *list,
                         struct pp_error *err)
{
	char q[128], all[1024] = "";
	size_t len = 0;

	for (size_t i = 0; list[i] != NULL && len < sizeof(all); i++)
		len += (size_t)snprintf(all + len, sizeof(all) - len, "%s\"%s\"", i ? ", " : "",
		                        list[i]);
	return pp_error_msg(err, EINVAL, "%s: Unsupported value: %s: supported values: %s", path,
	                    pod_quote(value, q, sizeof(q)), all);
}

/* ---- decoding ---- */

int pod_decode_os(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	static const struct pod_field os_fields[] = {
	    {"name", POD_FIELD_STR, offsetof(struct pod, os_name), NULL},
	    {NULL, 0, 0, NULL},
	};
	struct pod *pod = obj;
	int r;

	if (v == NULL)
		return 0;
	r = pod_decode_fields(v, os_fields, pod, path, err);
	if (r == 0 && pod->os_name == NULL)
		pod->os_name = xstrdup("");
	return r;
}

int pod_decode_service_links(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return pod_type_error(path, v, "boolean", err);
	pod->has_enable_service_links = true;
	pod->enable_service_links = json_object_get_boolean(v);
	return 0;
}

int pod_decode_overhead(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	pod->has_overhead = true;
	return 0;
}

static const struct pod_field gate_fields[] = {
    {"conditionType", POD_FIELD_STR, 0, NULL},
    {NULL, 0, 0, NULL},
};

int pod_decode_readiness_gates(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	char **types = NULL;
	size_t n = 0;
	int r = pod_decode_object_array(v, path,
	                                &(const struct pod_element){gate_fields, sizeof(char *)},
	                                (void **)&types, &n, err);

	strv_free(pod->readiness_gates);
	pod->readiness_gates = NULL;
	for (size_t i = 0; i < n; i++) {
		strv_push(&pod->readiness_gates, types[i] != NULL ? types[i] : "");
		free(types[i]);
	}
	free(types);
	return r;
}

static const struct pod_field resize_fields[] = {
    {"resourceName", POD_FIELD_STR, offsetof(struct pod_resize_policy, resource_name), NULL},
    {"restartPolicy", POD_FIELD_STR, offsetof(struct pod_resize_policy, restart_policy), NULL},
    {NULL, 0, 0, NULL},
};

int pod_decode_resize_policy(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;
	int r = pod_decode_object_array(
	    v, path, &(const struct pod_element){resize_fields, sizeof(*c->resize_policy)},
	    (void **)&c->resize_policy, &c->n_resize_policy, err);

	/* SetDefaults: a missing restartPolicy is NotRequired */
	for (size_t i = 0; r == 0 && i < c->n_resize_policy; i++)
		if (c->resize_policy[i].restart_policy == NULL ||
		    c->resize_policy[i].restart_policy[0] == '\0') {
			free(c->resize_policy[i].restart_policy);
			c->resize_policy[i].restart_policy = xstrdup("NotRequired");
		}
	return r;
}

int pod_decode_sleep(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_handler *h = obj;
	json_object *sec = NULL;
	char sub[POD_PATH_MAX];

	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	json_object_object_foreach(v, key, val)
	{
		(void)val;
		if (strcmp(key, "seconds") != 0) {
			pod_path_key(sub, path, key);
			return pp_error_msg(err, EINVAL, "unknown field \"%s\"", sub);
		}
	}
	pod_path_key(sub, path, "seconds");
	h->has_sleep = true;
	if (!json_object_object_get_ex(v, "seconds", &sec) || sec == NULL)
		return 0; /* validation says it is required */
	return pod_decode_int64(sec, sub, &h->sleep_seconds, err);
}

/* ---- validation ---- */

static int validate_resize_policy(const struct pod *pod, const struct pod_container *c,
                                  const char *cpath, struct pp_error *err)
{
	static const char *const resources[] = {"cpu", "memory", NULL};
	static const char *const policies[] = {"NotRequired", "RestartContainer", NULL};
	char path[POD_PATH_MAX], q[128];

	(void)snprintf(path, sizeof(path), "%s.resizePolicy", cpath);
	for (size_t i = 0; i < c->n_resize_policy; i++) {
		const struct pod_resize_policy *p = &c->resize_policy[i];
		const char *res = p->resource_name != NULL ? p->resource_name : "";

		for (size_t j = 0; j < i; j++)
			if (strcmp(c->resize_policy[j].resource_name
			               ? c->resize_policy[j].resource_name
			               : "",
			           res) == 0)
				return pp_error_msg(err, EINVAL, "%s[%zu]: Duplicate value: %s",
				                    path, i, pod_quote(res, q, sizeof(q)));
		if (res[0] == '\0')
			return pp_error_msg(err, EINVAL, "%s: Required value", path);
		if (!in_list(resources, res))
			return not_supported(path, res, resources, err);
		if (!in_list(policies, p->restart_policy))
			return not_supported(path, p->restart_policy, policies, err);
		if (pod->restart_policy == POD_RESTART_NEVER &&
		    strcmp(p->restart_policy, "NotRequired") != 0)
			return pod_invalid(path, p->restart_policy,
			                   "must be 'NotRequired' when `restartPolicy` is 'Never'",
			                   err);
	}
	return 0;
}

static int validate_stop_signal(const struct pod *pod, const struct pod_container *c,
                                const char *cpath, struct pp_error *err)
{
	char path[POD_PATH_MAX];

	if (c->stop_signal == NULL)
		return 0;
	(void)snprintf(path, sizeof(path), "%s.lifecycle.stopSignal", cpath);
	if (pod->os_name == NULL || pod->os_name[0] == '\0')
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Forbidden: may not be set for containers with empty `spec.os.name`", path);
	if (strcmp(pod->os_name, "windows") == 0 && !in_list(windows_stop_signals, c->stop_signal))
		return not_supported(path, c->stop_signal, windows_stop_signals, err);
	if (strcmp(pod->os_name, "linux") == 0 && !in_list(linux_stop_signals, c->stop_signal))
		return not_supported(path, c->stop_signal, linux_stop_signals, err);
	return 0;
}

static int validate_sleep(const struct pod_handler *h, const char *cpath, const char *hook,
                          int64_t grace, struct pp_error *err)
{
	char path[POD_PATH_MAX], why[128], v[32];

	if (!h->has_sleep)
		return 0;
	if (h->exec_command != NULL)
		return pp_error_msg(
		    err, EINVAL,
		    "%s.lifecycle.%s.sleep: Forbidden: may not specify more than 1 handler type",
		    cpath, hook);
	(void)snprintf(path, sizeof(path), "%s.lifecycle.%s.sleep", cpath, hook);
	/* validateSleepAction: 0 (PodLifecycleSleepActionAllowZero) up to
	 * the pod's grace period */
	if (h->sleep_seconds < 0 || h->sleep_seconds > grace) {
		(void)snprintf(v, sizeof(v), "%lld", (long long)h->sleep_seconds);
		(void)snprintf(
		    why, sizeof(why),
		    "must be non-negative and less than terminationGracePeriodSeconds (%lld)",
		    (long long)grace);
		return pp_error_msg(err, EINVAL, "%s: Invalid value: %s: %s", path, v, why);
	}
	return 0;
}

int pod_validate_small_container(const struct pod *pod, const struct pod_container *c,
                                 const char *cpath, struct pp_error *err)
{
	int64_t grace = pod->termination_grace_period_seconds;
	int r = validate_resize_policy(pod, c, cpath, err);

	if (r == 0)
		r = validate_stop_signal(pod, c, cpath, err);
	if (r == 0)
		r = validate_sleep(&c->post_start, cpath, "postStart", grace, err);
	if (r == 0)
		r = validate_sleep(&c->pre_stop, cpath, "preStop", grace, err);
	return r;
}

/* RuntimeClass admission: the class must exist here; no class of ours
 * defines an overhead, so a pod may not set one. */
static int admit_runtime_class(const struct pod *pod, struct pp_error *err)
{
	const char *rc = pod->runtime_class_name;
	int r;

	if (rc != NULL && rc[0] != '\0') {
		r = pod_check_dns_subdomain("spec.runtimeClassName", rc, err);
		if (r < 0)
			return r;
		if (!in_list(runtime_classes, rc))
			return pp_error_msg(
			    err, EINVAL,
			    "pods \"%s\" is forbidden: pod rejected: RuntimeClass \"%s\" not found",
			    pod->name, rc);
	}
	if (pod->has_overhead)
		return pp_error_msg(
		    err, EINVAL,
		    "pods \"%s\" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead",
		    pod->name);
	return 0;
}

#define APPARMOR_PREFIX "container.apparmor.security.beta.kubernetes.io/"

static bool has_container(const struct pod *pod, const char *name)
{
	for (size_t i = 0; i < pod->n_containers; i++)
		if (strcmp(pod->containers[i].name, name) == 0)
			return true;
	for (size_t i = 0; i < pod->n_init_containers; i++)
		if (strcmp(pod->init_containers[i].name, name) == 0)
			return true;
	return false;
}

/* The deprecated AppArmor annotation of a container: checked as the API
 * server does (the container exists, the profile is well formed); the
 * kubelet then takes it as the container's appArmorProfile
 * (pod_apparmor_effective()). */
int pod_validate_apparmor_annotations(const struct pod *pod, struct pp_error *err)
{
	char path[POD_PATH_MAX], why[160];

	for (size_t i = 0; pod->annotation_keys && pod->annotation_keys[i]; i++) {
		const char *k = pod->annotation_keys[i], *v = pod->annotation_values[i];
		const char *ctr = k + strlen(APPARMOR_PREFIX);

		if (strncmp(k, APPARMOR_PREFIX, strlen(APPARMOR_PREFIX)) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "metadata.annotations[%s]", k);
		if (!has_container(pod, ctr))
			return pod_invalid(path, ctr, "container not found", err);
		if (strcmp(v, "runtime/default") != 0 && strcmp(v, "unconfined") != 0 &&
		    (strncmp(v, "localhost/", 10) != 0 || v[10] == '\0')) {
			(void)snprintf(why, sizeof(why),
			               "invalid AppArmor profile name: \"%.100s\"", v);
			return pod_invalid(path, v, why, err);
		}
	}
	return 0;
}

/* Only the first error is reported: the checks in the API server's order. */
int pod_validate_small(const struct pod *pod, struct pp_error *err)
{
	static const char *const oses[] = {"linux", "windows", NULL};
	int r = admit_runtime_class(pod, err);

	if (r == 0 && pod->os_name != NULL && pod->os_name[0] == '\0')
		r = pp_error_msg(err, EINVAL, "spec.os.name: Required value: cannot be empty");
	if (r == 0 && pod->os_name != NULL && pod->os_name[0] != '\0' &&
	    !in_list(oses, pod->os_name))
		r = not_supported("spec.os", pod->os_name, oses, err);
	if (r == 0)
		r = pod_validate_apparmor_annotations(pod, err);
	for (size_t i = 0; r == 0 && pod->readiness_gates && pod->readiness_gates[i]; i++) {
		char path[POD_PATH_MAX];

		(void)snprintf(path, sizeof(path), "spec.readinessGates[%zu].conditionType", i);
		r = pod_check_qualified_name(path, pod->readiness_gates[i], err);
	}
	return r;
}

/* ---- encoding, comparison, freeing ---- */

static void add_str(json_object *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_object_add(o, key, json_object_new_string(s));
}

void pod_small_to_json(json_object *spec, const struct pod *pod)
{
	if (pod->os_name != NULL) {
		json_object *os = json_object_new_object();

		add_str(os, "name", pod->os_name);
		json_object_object_add(spec, "os", os);
	}
	if (pod->has_enable_service_links)
		json_object_object_add(spec, "enableServiceLinks",
		                       json_object_new_boolean(pod->enable_service_links));
	if (pod->set_hostname_as_fqdn)
		json_object_object_add(spec, "setHostnameAsFQDN", json_object_new_boolean(1));
	add_str(spec, "runtimeClassName", pod->runtime_class_name);
	if (pod->readiness_gates != NULL) {
		json_object *arr = json_object_new_array();

		for (char **g = pod->readiness_gates; *g; g++) {
			json_object *o = json_object_new_object();

			add_str(o, "conditionType", *g);
			json_object_array_add(arr, o);
		}
		json_object_object_add(spec, "readinessGates", arr);
	}
}

void pod_small_ctr_to_json(json_object *o, const struct pod_container *c)
{
	json_object *arr;

	if (c->n_resize_policy == 0)
		return;
	arr = json_object_new_array();
	for (size_t i = 0; i < c->n_resize_policy; i++) {
		json_object *p = json_object_new_object();

		add_str(p, "resourceName", c->resize_policy[i].resource_name);
		add_str(p, "restartPolicy", c->resize_policy[i].restart_policy);
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "resizePolicy", arr);
}

void pod_small_handler_to_json(json_object *ho, const struct pod_handler *h)
{
	json_object *s;

	if (!h->has_sleep)
		return;
	s = json_object_new_object();
	json_object_object_add(s, "seconds", json_object_new_int64(h->sleep_seconds));
	json_object_object_add(ho, "sleep", s);
}

bool pod_small_equal(const struct pod *a, const struct pod *b)
{
	json_object *ja = json_object_new_object(), *jb = json_object_new_object();
	bool eq;

	pod_small_to_json(ja, a);
	pod_small_to_json(jb, b);
	eq = json_object_equal(ja, jb) && a->has_overhead == b->has_overhead;
	json_object_put(ja);
	json_object_put(jb);
	return eq;
}

bool pod_small_ctr_equal(const struct pod_container *a, const struct pod_container *b)
{
	json_object *ja = json_object_new_object(), *jb = json_object_new_object();
	bool eq;

	pod_small_ctr_to_json(ja, a);
	pod_small_ctr_to_json(jb, b);
	eq = json_object_equal(ja, jb) &&
	     ((a->stop_signal == NULL && b->stop_signal == NULL) ||
	      (a->stop_signal != NULL && b->stop_signal != NULL &&
	       strcmp(a->stop_signal, b->stop_signal) == 0)) &&
	     a->post_start.has_sleep == b->post_start.has_sleep &&
	     a->post_start.sleep_seconds == b->post_start.sleep_seconds &&
	     a->pre_stop.has_sleep == b->pre_stop.has_sleep &&
	     a->pre_stop.sleep_seconds == b->pre_stop.sleep_seconds;
	json_object_put(ja);
	json_object_put(jb);
	return eq;
}

void pod_small_free(struct pod *pod)
{
	free(pod->os_name);
	free(pod->runtime_class_name);
	strv_free(pod->readiness_gates);
}

void pod_small_ctr_free(struct pod_container *c)
{
	for (size_t i = 0; i < c->n_resize_policy; i++) {
		free(c->resize_policy[i].resource_name);
		free(c->resize_policy[i].restart_policy);
	}
	free(c->resize_policy);
	free(c->stop_signal);
}
