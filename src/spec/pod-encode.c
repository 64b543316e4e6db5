/* SPDX-License-Identifier: Apache-2.0 */
/* Encoding a pod back to the Pod API shape (defaults included), as stored
 * in pod.json and read again by pod_spec_from_json(). */
#include "spec/internal.h"
#include "spec/pod.h"
#include "util/json.h"

static void add_str(json_object *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_object_add(o, key, json_object_new_string(s));
}

static void add_true(json_object *o, const char *key, bool b)
{
	if (b)
		json_object_object_add(o, key, json_object_new_boolean(1));
}

static void add_strv(json_object *o, const char *key, char *const *v)
{
	if (v != NULL)
		json_object_object_add(o, key, json_from_strv(v));
}

void pod_json_add_map(json_object *o, const char *key, char *const *keys, char *const *values)
{
	json_object *m;

	if (keys == NULL || keys[0] == NULL)
		return;
	m = json_object_new_object();
	for (size_t i = 0; keys[i] != NULL; i++)
		json_object_object_add(m, keys[i], json_object_new_string(values[i]));
	json_object_object_add(o, key, m);
}

static const char *pull_policy_str(enum pod_pull_policy p)
{
	switch (p) {
	case POD_PULL_IF_NOT_PRESENT:
		return "IfNotPresent";
	case POD_PULL_NEVER:
		return "Never";
	default:
		return "Always";
	}
}

static const char *restart_policy_str(enum pod_restart_policy p)
{
	switch (p) {
	case POD_RESTART_ON_FAILURE:
		return "OnFailure";
	case POD_RESTART_NEVER:
		return "Never";
	default:
		return "Always";
	}
}

static json_object *ports_to_json(const struct pod_container *c)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < c->n_ports; i++) {
		json_object *p = json_object_new_object();

		add_str(p, "name", c->ports[i].name);
		json_object_object_add(p, "containerPort",
		                       json_object_new_int(c->ports[i].container_port));
		add_str(p, "protocol", c->ports[i].protocol);
		if (c->ports[i].host_port != 0)
			json_object_object_add(p, "hostPort",
			                       json_object_new_int(c->ports[i].host_port));
		add_str(p, "hostIP", c->ports[i].host_ip);
		json_object_array_add(arr, p);
	}
	return arr;
}

static void add_security_context(json_object *o, const struct pod_container *c)
{
	json_object *sc, *caps;

	if (c->cap_add == NULL && c->cap_drop == NULL && !pod_security_ctr_is_set(c))
		return;
	sc = json_object_new_object();
	if (c->cap_add != NULL || c->cap_drop != NULL) {
		caps = json_object_new_object();
		add_strv(caps, "add", c->cap_add);
		add_strv(caps, "drop", c->cap_drop);
		json_object_object_add(sc, "capabilities", caps);
	}
	pod_security_ctr_add(sc, c);
	json_object_object_add(o, "securityContext", sc);
}

static json_object *volume_mounts_to_json(const struct pod_container *c)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < c->n_volume_mounts; i++) {
		const struct pod_volume_mount *m = &c->volume_mounts[i];
		json_object *o = json_object_new_object();

		add_str(o, "name", m->name);
		add_true(o, "readOnly", m->read_only);
		add_str(o, "mountPath", m->mount_path);
		if (m->sub_path != NULL && m->sub_path[0] != '\0')
			add_str(o, "subPath", m->sub_path);
		add_str(o, "mountPropagation", m->mount_propagation);
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *volume_to_json(const struct pod_volume *v)
{
	json_object *o = json_object_new_object();
	json_object *src = json_object_new_object();

	add_str(o, "name", v->name);
	if (v->source_bits != 0) {
		json_object_put(src);
		pod_projected_volume_add(o, v);
	} else if (v->has_host_path) {
		add_str(src, "path", v->host_path);
		add_str(src, "type", v->host_path_type);
		json_object_object_add(o, "hostPath", src);
	} else {
		add_str(src, "medium", v->empty_dir_medium);
		add_str(src, "sizeLimit", v->empty_dir_size_limit);
		json_object_object_add(o, "emptyDir", src);
	}
	return o;
}

static void add_handler(json_object *o, const char *key, const struct pod_handler *h)
{
	json_object *ho, *exec;

	if (!h->set)
		return;
	ho = json_object_new_object();
	if (h->exec_command != NULL) {
		exec = json_object_new_object();
		add_strv(exec, "command", h->exec_command);
		json_object_object_add(ho, "exec", exec);
	}
	pod_small_handler_to_json(ho, h);
	json_object_object_add(o, key, ho);
}

static void add_lifecycle(json_object *o, const struct pod_container *c)
{
	json_object *l;

	if (!c->post_start.set && !c->pre_stop.set && c->stop_signal == NULL)
		return;
	l = json_object_new_object();
	add_handler(l, "postStart", &c->post_start);
	add_handler(l, "preStop", &c->pre_stop);
	add_str(l, "stopSignal", c->stop_signal);
	json_object_object_add(o, "lifecycle", l);
}

static json_object *container_to_json(const struct pod_container *c)
{
	json_object *o = json_object_new_object();

	add_str(o, "name", c->name);
	add_str(o, "image", c->image);
	if (!c->image_pull_policy_unset)
		add_str(o, "imagePullPolicy", pull_policy_str(c->image_pull_policy));
	add_strv(o, "command", c->command);
	add_strv(o, "args", c->args);
	add_str(o, "workingDir", c->working_dir);
	pod_env_to_json(o, c);
	if (c->n_ports > 0)
		json_object_object_add(o, "ports", ports_to_json(c));
	add_security_context(o, c);
	if (c->n_volume_mounts > 0)
		json_object_object_add(o, "volumeMounts", volume_mounts_to_json(c));
	add_true(o, "stdin", c->stdin_open);
	add_true(o, "stdinOnce", c->stdin_once);
	add_true(o, "tty", c->tty);
	add_str(o, "terminationMessagePath", c->termination_message_path);
	add_str(o, "terminationMessagePolicy", c->termination_message_policy);
	if (c->restart_always)
		add_str(o, "restartPolicy", "Always");
	add_lifecycle(o, c);
	pod_resources_add(o, c);
	pod_small_ctr_to_json(o, c);
	pod_probes_to_json(o, c);
	return o;
}

static json_object *metadata_to_json(const struct pod *pod)
{
	json_object *o = json_object_new_object();

	add_str(o, "name", pod->name);
	add_str(o, "namespace", pod->namespace_);
	add_str(o, "uid", pod->uid);
	pod_json_add_map(o, "labels", pod->label_keys, pod->label_values);
	pod_json_add_map(o, "annotations", pod->annotation_keys, pod->annotation_values);
	return o;
}

static json_object *spec_to_json(const struct pod *pod)
{
	json_object *o = json_object_new_object();
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < pod->n_containers; i++)
		json_object_array_add(arr, container_to_json(&pod->containers[i]));
	json_object_object_add(o, "containers", arr);
	if (pod->n_init_containers > 0) {
		arr = json_object_new_array();
		for (size_t i = 0; i < pod->n_init_containers; i++)
			json_object_array_add(arr, container_to_json(&pod->init_containers[i]));
		json_object_object_add(o, "initContainers", arr);
	}
	if (pod->n_ephemeral_containers > 0) {
		arr = json_object_new_array();
		for (size_t i = 0; i < pod->n_ephemeral_containers; i++) {
			const struct pod_container *c = &pod->ephemeral_containers[i];
			json_object *e = container_to_json(c);

			add_str(e, "targetContainerName", c->target_container_name);
			json_object_array_add(arr, e);
		}
		json_object_object_add(o, "ephemeralContainers", arr);
	}
	if (pod->n_volumes > 0) {
		arr = json_object_new_array();
		for (size_t i = 0; i < pod->n_volumes; i++)
			json_object_array_add(arr, volume_to_json(&pod->volumes[i]));
		json_object_object_add(o, "volumes", arr);
	}
	add_str(o, "restartPolicy", restart_policy_str(pod->restart_policy));
	if (!pod->termination_grace_period_unset)
		json_object_object_add(
		    o, "terminationGracePeriodSeconds",
		    json_object_new_int64(pod->termination_grace_period_seconds));
	if (pod->active_deadline_seconds > 0)
		json_object_object_add(o, "activeDeadlineSeconds",
		                       json_object_new_int64(pod->active_deadline_seconds));
	add_str(o, "dnsPolicy", pod->dns_policy);
	add_true(o, "shareProcessNamespace", pod->share_process_namespace);
	add_true(o, "hostPID", pod->host_pid);
	add_true(o, "hostIPC", pod->host_ipc);
	add_true(o, "hostNetwork", pod->host_network);
	if (pod->no_host_users)
		json_object_object_add(o, "hostUsers", json_object_new_boolean(false));
	add_str(o, "hostname", pod->hostname);
	add_str(o, "subdomain", pod->subdomain);
	add_str(o, "schedulerName", pod->scheduler_name);
	if (pod->image_pull_secrets != NULL) {
		arr = json_object_new_array();
		for (char **s = pod->image_pull_secrets; *s; s++) {
			json_object *ref = json_object_new_object();

			add_str(ref, "name", *s);
			json_object_array_add(arr, ref);
		}
		json_object_object_add(o, "imagePullSecrets", arr);
	}
	if ((arr = pod_security_pod_to_json(pod)) != NULL)
		json_object_object_add(o, "securityContext", arr);
	pod_net_to_json(o, pod);
	pod_sched_to_json(o, pod);
	pod_resources_pod_add(o, pod);
	pod_small_to_json(o, pod);
	return o;
}

json_object *pod_spec_to_json(const struct pod *pod)
{
	json_object *o = json_object_new_object();

	add_str(o, "apiVersion", pod->api_version != NULL ? pod->api_version : "v1");
	add_str(o, "kind", "Pod");
	json_object_object_add(o, "metadata", metadata_to_json(pod));
	json_object_object_add(o, "spec", spec_to_json(pod));
	return o;
}
