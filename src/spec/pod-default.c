/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes defaults for the fields peapod supports (SetDefaults_Pod,
 * SetDefaults_PodSpec, SetDefaults_Container in k8s.io/kubernetes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/pod.h"
#include "util/xalloc.h"

static void default_str(char **p, const char *value)
{
	if (*p == NULL || (*p)[0] == '\0') {
		free(*p);
		*p = xstrdup(value);
	}
}

/* The image's tag: after the last ':' that follows the last '/', with any
 * '@digest' removed first. NULL when there is none. Borrows from buf. */
static const char *image_tag(const char *image, char *buf, size_t len)
{
	const char *slash, *colon;

	(void)snprintf(buf, len, "%s", image);
	buf[strcspn(buf, "@")] = '\0';
	slash = strrchr(buf, '/');
	colon = strrchr(slash != NULL ? slash : buf, ':');
	return colon != NULL ? colon + 1 : NULL;
}

static enum pod_pull_policy default_pull_policy(const char *image)
{
	char buf[512];
	const char *tag;

	if (image == NULL)
		return POD_PULL_ALWAYS;
	tag = image_tag(image, buf, sizeof(buf));
	if (tag == NULL)
		/* digest only: the image is immutable */
		return strchr(image, '@') != NULL ? POD_PULL_IF_NOT_PRESENT : POD_PULL_ALWAYS;
	return strcmp(tag, "latest") == 0 ? POD_PULL_ALWAYS : POD_PULL_IF_NOT_PRESENT;
}

static void default_container(struct pod_container *c, bool host_network)
{
	if (c->image_pull_policy_unset) {
		c->image_pull_policy = default_pull_policy(c->image);
		c->image_pull_policy_unset = false;
	}
	default_str(&c->termination_message_path, "/dev/termination-log");
	default_str(&c->termination_message_policy, "File");
	for (size_t i = 0; i < c->n_ports; i++) {
		default_str(&c->ports[i].protocol, "TCP");
		/* SetDefaults_PodSpec: with hostNetwork, a port is a host port */
		if (host_network && c->ports[i].host_port == 0)
			c->ports[i].host_port = c->ports[i].container_port;
	}
	pod_env_default(c);
}

void pod_spec_default(struct pod *pod)
{
	if (pod->api_version == NULL)
		pod->api_version = xstrdup("v1");
	default_str(&pod->namespace_, "default");
	if (pod->termination_grace_period_unset) {
		pod->termination_grace_period_seconds = 30;
		pod->termination_grace_period_unset = false;
	}
	default_str(&pod->dns_policy, "ClusterFirst");
	default_str(&pod->scheduler_name, "default-scheduler");
	for (size_t i = 0; i < pod->n_containers; i++)
		default_container(&pod->containers[i], pod->host_network);
	for (size_t i = 0; i < pod->n_init_containers; i++)
		default_container(&pod->init_containers[i], pod->host_network);
	for (size_t i = 0; i < pod->n_ephemeral_containers; i++)
		default_container(&pod->ephemeral_containers[i], pod->host_network);
	pod_resources_pod_default(pod);
}
