/* SPDX-License-Identifier: Apache-2.0 */
/* Pod lifetime and comparison: free, clear, equality (uid ignored) and
 * container lookup. */
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/pod.h"
#include "util/cleanup.h"

static void volume_mounts_free(struct pod_volume_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].mount_path);
		free(m[i].sub_path);
		free(m[i].mount_propagation);
	}
	free(m);
}

static void volumes_free(struct pod_volume *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].empty_dir_medium);
		free(v[i].empty_dir_size_limit);
		free(v[i].host_path);
		free(v[i].host_path_type);
		pod_projected_volume_clear(&v[i]);
	}
	free(v);
}

static void container_clear(struct pod_container *c)
{
	free(c->name);
	free(c->image);
	strv_free(c->command);
	strv_free(c->args);
	free(c->working_dir);
	pod_env_free(c);
	for (size_t i = 0; i < c->n_ports; i++) {
		free(c->ports[i].name);
		free(c->ports[i].protocol);
		free(c->ports[i].host_ip);
	}
	free(c->ports);
	strv_free(c->cap_add);
	strv_free(c->cap_drop);
	free(c->termination_message_path);
	free(c->termination_message_policy);
	volume_mounts_free(c->volume_mounts, c->n_volume_mounts);
	strv_free(c->post_start.exec_command);
	strv_free(c->pre_stop.exec_command);
	pod_probes_free(c);
	pod_resources_free(c);
	pod_small_ctr_free(c);
	free(c->target_container_name);
	pod_profile_clear(&c->seccomp);
	pod_profile_clear(&c->apparmor);
	pod_selinux_clear(&c->selinux);
	memset(c, 0, sizeof(*c));
}

void pod_clear(struct pod *pod)
{
	if (pod == NULL)
		return;
	free(pod->api_version);
	free(pod->name);
	free(pod->namespace_);
	free(pod->uid);
	strv_free(pod->label_keys);
	strv_free(pod->label_values);
	strv_free(pod->annotation_keys);
	strv_free(pod->annotation_values);
	for (size_t i = 0; i < pod->n_containers; i++)
		container_clear(&pod->containers[i]);
	free(pod->containers);
	for (size_t i = 0; i < pod->n_init_containers; i++)
		container_clear(&pod->init_containers[i]);
	free(pod->init_containers);
	for (size_t i = 0; i < pod->n_ephemeral_containers; i++)
		container_clear(&pod->ephemeral_containers[i]);
	free(pod->ephemeral_containers);
	free(pod->hostname);
	free(pod->subdomain);
	free(pod->dns_policy);
	free(pod->scheduler_name);
	strv_free(pod->image_pull_secrets);
	free(pod->supplemental_groups);
	free(pod->fs_group_change_policy);
	free(pod->supplemental_groups_policy);
	pod_sysctls_free(pod);
	volumes_free(pod->volumes, pod->n_volumes);
	pod_net_free(pod);
	pod_sched_free(pod);
	pod_small_free(pod);
	pod_profile_clear(&pod->seccomp);
	pod_profile_clear(&pod->apparmor);
	pod_selinux_clear(&pod->selinux);
	memset(pod, 0, sizeof(*pod));
}

struct pod *pod_free(struct pod *pod)
{
	pod_clear(pod);
	free(pod);
	return NULL;
}

void pod_free_all(struct pod *pods, size_t n)
{
	if (pods == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		pod_clear(&pods[i]);
	free(pods);
}

const struct pod_container *pod_container_find(const struct pod *pod, const char *name)
{
	for (size_t i = 0; i < pod->n_containers; i++)
		if (pod->containers[i].name != NULL && strcmp(pod->containers[i].name, name) == 0)
			return &pod->containers[i];
	return NULL;
}

const struct pod_container *pod_container_find_any(const struct pod *pod, const char *name)
{
	const struct pod_container *c = pod_container_find(pod, name);

	for (size_t i = 0; c == NULL && i < pod->n_init_containers; i++)
		if (strcmp(pod->init_containers[i].name, name) == 0)
			c = &pod->init_containers[i];
	return c;
}
