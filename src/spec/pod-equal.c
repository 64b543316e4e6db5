/* SPDX-License-Identifier: Apache-2.0 */
/* Deep equality of two pods, for "unchanged" on re-apply: every field but
 * the uid; label and annotation maps compare as sets. */
#include <string.h>

#include "spec/internal.h"
#include "spec/pod.h"

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool strv_eq(char *const *a, char *const *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	for (; *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return *a == NULL && *b == NULL;
}

static const char *map_get(char *const *keys, char *const *values, const char *key)
{
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
		if (strcmp(keys[i], key) == 0)
			return values[i];
	return NULL;
}

static size_t map_len(char *const *keys)
{
	size_t n = 0;

	while (keys != NULL && keys[n] != NULL)
		n++;
	return n;
}

bool pod_map_equal(char *const *ak, char *const *av, char *const *bk, char *const *bv)
{
	if (map_len(ak) != map_len(bk))
		return false;
	for (size_t i = 0; ak != NULL && ak[i] != NULL; i++)
		if (!str_eq(av[i], map_get(bk, bv, ak[i])))
			return false;
	return true;
}

static bool ports_eq(const struct pod_container *a, const struct pod_container *b)
{
	if (a->n_ports != b->n_ports)
		return false;
	for (size_t i = 0; i < a->n_ports; i++)
		if (!str_eq(a->ports[i].name, b->ports[i].name) ||
		    a->ports[i].container_port != b->ports[i].container_port ||
		    !str_eq(a->ports[i].protocol, b->ports[i].protocol) ||
		    a->ports[i].host_port != b->ports[i].host_port ||
		    !str_eq(a->ports[i].host_ip, b->ports[i].host_ip))
			return false;
	return true;
}

static bool mounts_eq(const struct pod_container *a, const struct pod_container *b)
{
	if (a->n_volume_mounts != b->n_volume_mounts)
		return false;
	for (size_t i = 0; i < a->n_volume_mounts; i++) {
		const struct pod_volume_mount *x = &a->volume_mounts[i], *y = &b->volume_mounts[i];

		if (!str_eq(x->name, y->name) || !str_eq(x->mount_path, y->mount_path) ||
		    x->read_only != y->read_only || !str_eq(x->sub_path, y->sub_path) ||
		    !str_eq(x->mount_propagation, y->mount_propagation))
			return false;
	}
	return true;
}

static bool volumes_eq(const struct pod *a, const struct pod *b)
{
	if (a->n_volumes != b->n_volumes)
		return false;
	for (size_t i = 0; i < a->n_volumes; i++) {
		const struct pod_volume *x = &a->volumes[i], *y = &b->volumes[i];

		if (!str_eq(x->name, y->name) || x->has_empty_dir != y->has_empty_dir ||
		    !str_eq(x->empty_dir_medium, y->empty_dir_medium) ||
		    !str_eq(x->empty_dir_size_limit, y->empty_dir_size_limit) ||
		    x->empty_dir_size_bytes != y->empty_dir_size_bytes ||
		    x->has_host_path != y->has_host_path || !str_eq(x->host_path, y->host_path) ||
		    !str_eq(x->host_path_type, y->host_path_type) ||
		    !pod_projected_volume_equal(x, y))
			return false;
	}
	return true;
}

static bool handler_eq(const struct pod_handler *a, const struct pod_handler *b)
{
	return a->set == b->set && strv_eq(a->exec_command, b->exec_command);
}

static bool container_eq(const struct pod_container *a, const struct pod_container *b)
{
	return str_eq(a->name, b->name) && str_eq(a->image, b->image) &&
	       a->image_pull_policy == b->image_pull_policy &&
	       a->image_pull_policy_unset == b->image_pull_policy_unset &&
	       strv_eq(a->command, b->command) && strv_eq(a->args, b->args) &&
	       str_eq(a->working_dir, b->working_dir) && pod_env_equal(a, b) && ports_eq(a, b) &&
	       a->stdin_open == b->stdin_open && a->stdin_once == b->stdin_once &&
	       a->tty == b->tty && strv_eq(a->cap_add, b->cap_add) &&
	       strv_eq(a->cap_drop, b->cap_drop) &&
	       str_eq(a->termination_message_path, b->termination_message_path) &&
	       str_eq(a->termination_message_policy, b->termination_message_policy) &&
	       mounts_eq(a, b) && pod_security_ctr_equal(a, b) &&
	       a->restart_always == b->restart_always &&
	       handler_eq(&a->post_start, &b->post_start) &&
	       handler_eq(&a->pre_stop, &b->pre_stop) && pod_probes_equal(a, b) &&
	       pod_resources_equal(a, b) && pod_small_ctr_equal(a, b);
}

static bool pod_level_eq(const struct pod *a, const struct pod *b)
{
	return str_eq(a->api_version, b->api_version) && str_eq(a->name, b->name) &&
	       str_eq(a->namespace_, b->namespace_) &&
	       pod_map_equal(a->label_keys, a->label_values, b->label_keys, b->label_values) &&
	       pod_map_equal(a->annotation_keys, a->annotation_values, b->annotation_keys,
	                     b->annotation_values) &&
	       a->share_process_namespace == b->share_process_namespace &&
	       a->host_pid == b->host_pid && a->host_ipc == b->host_ipc &&
	       a->host_network == b->host_network && a->no_host_users == b->no_host_users &&
	       a->restart_policy == b->restart_policy &&
	       a->termination_grace_period_seconds == b->termination_grace_period_seconds &&
	       a->termination_grace_period_unset == b->termination_grace_period_unset &&
	       a->active_deadline_seconds == b->active_deadline_seconds &&
	       str_eq(a->hostname, b->hostname) && str_eq(a->subdomain, b->subdomain) &&
	       str_eq(a->dns_policy, b->dns_policy) &&
	       str_eq(a->scheduler_name, b->scheduler_name) &&
	       strv_eq(a->image_pull_secrets, b->image_pull_secrets);
}

static bool net_eq(const struct pod *a, const struct pod *b)
{
	const struct pod_dns_config *x = &a->dns_config, *y = &b->dns_config;

	if (a->n_host_aliases != b->n_host_aliases || x->set != y->set ||
	    x->n_options != y->n_options || !strv_eq(x->nameservers, y->nameservers) ||
	    !strv_eq(x->searches, y->searches))
		return false;
	for (size_t i = 0; i < a->n_host_aliases; i++)
		if (!str_eq(a->host_aliases[i].ip, b->host_aliases[i].ip) ||
		    !strv_eq(a->host_aliases[i].hostnames, b->host_aliases[i].hostnames))
			return false;
	for (size_t i = 0; i < x->n_options; i++)
		if (!str_eq(x->options[i].name, y->options[i].name) ||
		    !str_eq(x->options[i].value, y->options[i].value))
			return false;
	return true;
}

bool pod_spec_equal(const struct pod *a, const struct pod *b)
{
	if (!pod_level_eq(a, b) || !volumes_eq(a, b) || !pod_security_pod_equal(a, b) ||
	    !net_eq(a, b) || !pod_sched_equal(&a->sched, &b->sched) ||
	    !pod_resources_pod_equal(a, b) || !pod_small_equal(a, b) ||
	    a->n_containers != b->n_containers)
		return false;
	for (size_t i = 0; i < a->n_containers; i++)
		if (!container_eq(&a->containers[i], &b->containers[i]))
			return false;
	if (a->n_init_containers != b->n_init_containers)
		return false;
	for (size_t i = 0; i < a->n_init_containers; i++)
		if (!container_eq(&a->init_containers[i], &b->init_containers[i]))
			return false;
	return true;
}
