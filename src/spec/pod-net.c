/* SPDX-License-Identifier: Apache-2.0 */
/* The Pod's networking fields besides hostNetwork: containers[].ports[]
 * hostPort and hostIP, spec.hostAliases and spec.dnsConfig; decoded,
 * validated in the API server's words, encoded, compared and freed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

/* apimachinery validation.IsValidIP */
#define IP_MSG "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
/* k8s.io/kubernetes/pkg/apis/core/validation: MaxDNSNameservers,
 * MaxDNSSearchPaths, MaxDNSSearchListChars */
#define MAX_NAMESERVERS   3
#define MAX_SEARCHES      32
#define MAX_SEARCH_CHARS  2048
#define PORT_RANGE_MSG    "must be between 1 and 65535, inclusive"
#define HOST_NET_PORT_MSG "must match `containerPort` when `hostNetwork` is true"

int pod_decode_host_port(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_port *p = obj;
	int64_t n = 0;
	int r = pod_decode_int64(v, path, &n, err);

	if (r < 0)
		return r;
	if (n != 0 && (n < 1 || n > 65535))
		return pp_error_msg(err, EINVAL, "%s: Invalid value: %lld: " PORT_RANGE_MSG, path,
		                    (long long)n);
	p->host_port = (int32_t)n;
	return 0;
}

static const struct pod_field alias_fields[] = {
    {"ip", POD_FIELD_STR, offsetof(struct pod_host_alias, ip), NULL},
    {"hostnames", POD_FIELD_STRV, offsetof(struct pod_host_alias, hostnames), NULL},
    {NULL, 0, 0, NULL},
};

int pod_decode_host_aliases(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	return pod_decode_object_array(
	    v, path, &(const struct pod_element){alias_fields, sizeof(*pod->host_aliases)},
	    (void **)&pod->host_aliases, &pod->n_host_aliases, err);
}

static const struct pod_field dns_option_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_dns_option, name), NULL},
    {"value", POD_FIELD_STR, offsetof(struct pod_dns_option, value), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_dns_options(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_dns_config *c = obj;

	return pod_decode_object_array(
	    v, path, &(const struct pod_element){dns_option_fields, sizeof(*c->options)},
	    (void **)&c->options, &c->n_options, err);
}

static const struct pod_field dns_config_fields[] = {
    {"nameservers", POD_FIELD_STRV, offsetof(struct pod_dns_config, nameservers), NULL},
    {"searches", POD_FIELD_STRV, offsetof(struct pod_dns_config, searches), NULL},
    {"options", POD_FIELD_CUSTOM, 0, decode_dns_options},
    {NULL, 0, 0, NULL},
};

int pod_decode_dns_config(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	if (json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	pod->dns_config.set = true;
	return pod_decode_fields(v, dns_config_fields, &pod->dns_config, path, err);
}

static void add_str(json_object *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_object_add(o, key, json_object_new_string(s));
}

bool pod_is_ip(const char *s)
{
	unsigned char buf[16];

	return s != NULL && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

static int check_ip(const char *path, const char *s, struct pp_error *err)
{
	return pod_is_ip(s) ? 0 : pod_invalid(path, s != NULL ? s : "", IP_MSG, err);
}

/* One port's hostPort and hostIP (ppath "spec.containers[0].ports[1]"). */
static int check_host_port(const struct pod *pod, const struct pod_port *p, const char *ppath,
                           struct pp_error *err)
{
	char path[POD_PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s.hostPort", ppath);
	if (p->host_port != 0 && (p->host_port < 1 || p->host_port > 65535))
		return pp_error_msg(err, EINVAL, "%s: Invalid value: %d: " PORT_RANGE_MSG, path,
		                    (int)p->host_port);
	if (pod->host_network && p->host_port != p->container_port)
		return pp_error_msg(err, EINVAL, "%s: Invalid value: %d: " HOST_NET_PORT_MSG, path,
		                    (int)p->host_port);
	(void)snprintf(path, sizeof(path), "%s.hostIP", ppath);
	if (p->host_ip != NULL && p->host_ip[0] != '\0')
		return check_ip(path, p->host_ip, err);
	return 0;
}

/* "HOSTIP/PROTOCOL/PORT", the API server's key of a host port. */
static void host_port_key(const struct pod_port *p, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s/%s/%d", p->host_ip != NULL ? p->host_ip : "",
	               p->protocol != NULL ? p->protocol : "", (int)p->host_port);
}

/* Was the host port of containers[ci].ports[pi] used by an earlier port
 * (AccumulateUniqueHostPorts, over the app containers)? */
static bool host_port_seen(const struct pod *pod, size_t ci, size_t pi)
{
	char key[128], other[128];

	host_port_key(&pod->containers[ci].ports[pi], key, sizeof(key));
	for (size_t i = 0; i <= ci; i++)
		for (size_t j = 0; j < (i == ci ? pi : pod->containers[i].n_ports); j++) {
			const struct pod_port *q = &pod->containers[i].ports[j];

			if (q->host_port == 0)
				continue;
			host_port_key(q, other, sizeof(other));
			if (strcmp(key, other) == 0)
				return true;
		}
	return false;
}

static int check_container_list(const struct pod *pod, const struct pod_container *cs, size_t n,
                                const char *field, struct pp_error *err)
{
	char ppath[POD_PATH_MAX], key[128], q[160];

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < cs[i].n_ports; j++) {
			int r;

			(void)snprintf(ppath, sizeof(ppath), "%s[%zu].ports[%zu]", field, i, j);
			if ((r = check_host_port(pod, &cs[i].ports[j], ppath, err)) < 0)
				return r;
			if (cs != pod->containers || cs[i].ports[j].host_port == 0 ||
			    !host_port_seen(pod, i, j))
				continue;
			host_port_key(&cs[i].ports[j], key, sizeof(key));
			return pp_error_msg(err, EINVAL, "%s.hostPort: Duplicate value: %s", ppath,
			                    pod_quote(key, q, sizeof(q)));
		}
	return 0;
}

static int check_host_aliases(const struct pod *pod, struct pp_error *err)
{
	char path[POD_PATH_MAX];

	for (size_t i = 0; i < pod->n_host_aliases; i++) {
		const struct pod_host_alias *a = &pod->host_aliases[i];
		int r;

		(void)snprintf(path, sizeof(path), "spec.hostAliases[%zu].ip", i);
		if ((r = check_ip(path, a->ip, err)) < 0)
			return r;
		for (size_t j = 0; a->hostnames != NULL && a->hostnames[j] != NULL; j++) {
			(void)snprintf(path, sizeof(path), "spec.hostAliases[%zu].hostnames[%zu]",
			               i, j);
			if ((r = pod_check_dns_subdomain(path, a->hostnames[j], err)) < 0)
				return r;
		}
	}
	return 0;
}

/* v as Go's %#v of a []string, the value of a list in an Invalid error. */
static const char *go_strv(char *const *v, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "[]string{");
	char q[128];

	for (size_t i = 0; v != NULL && v[i] != NULL && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "",
		                        pod_quote(v[i], q, sizeof(q)));
	if (off < len)
		(void)snprintf(buf + off, len - off, "}");
	return buf;
}

/* Printable, without spaces: one word of a resolv.conf line. */
static bool resolv_word(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int check_searches(const struct pod_dns_config *c, struct pp_error *err)
{
	const char *path = "spec.dnsConfig.searches";
	size_t n = strv_len(c->searches), chars = n > 0 ? n - 1 : 0;
	char buf[300], sub[POD_PATH_MAX];

	for (size_t i = 0; i < n; i++)
		chars += strlen(c->searches[i]);
	if (n > MAX_SEARCHES)
		return pp_error_msg(
		    err, EINVAL, "%s: Invalid value: %s: must not have more than %d search paths",
		    path, go_strv(c->searches, buf, sizeof(buf)), MAX_SEARCHES);
	if (chars > MAX_SEARCH_CHARS)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Invalid value: %s: must not have more than %d characters (including spaces) in the search list",
		    path, go_strv(c->searches, buf, sizeof(buf)), MAX_SEARCH_CHARS);
	for (size_t i = 0; i < n; i++) {
		/* a trailing dot is fine */
		cleanup_free char *s = xstrdup(c->searches[i]);
		size_t len = strlen(s);
		int r;

		if (len > 0 && s[len - 1] == '.')
			s[len - 1] = '\0';
		pod_path_index(sub, path, i);
		if ((r = pod_check_dns_subdomain(sub, s, err)) < 0)
			return r;
	}
	return 0;
}

/* validatePodDNSConfig */
static int check_dns_config(const struct pod *pod, struct pp_error *err)
{
	const struct pod_dns_config *c = &pod->dns_config;
	size_t n = strv_len(c->nameservers);
	char path[POD_PATH_MAX], buf[300];
	int r;

	if (pod->dns_policy != NULL && strcmp(pod->dns_policy, "None") == 0) {
		if (!c->set)
			return pp_error_msg(
			    err, EINVAL,
			    "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None");
		if (n == 0)
			return pp_error_msg(
			    err, EINVAL,
			    "spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None");
	}
	if (n > MAX_NAMESERVERS)
		return pp_error_msg(
		    err, EINVAL,
		    "spec.dnsConfig.nameservers: Invalid value: %s: must not have more than %d nameservers",
		    go_strv(c->nameservers, buf, sizeof(buf)), MAX_NAMESERVERS);
	for (size_t i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "spec.dnsConfig.nameservers[%zu]", i);
		if ((r = check_ip(path, c->nameservers[i], err)) < 0)
			return r;
	}
	if ((r = check_searches(c, err)) < 0)
		return r;
	for (size_t i = 0; i < c->n_options; i++) {
		if (c->options[i].name == NULL || c->options[i].name[0] == '\0')
			return pp_error_msg(
			    err, EINVAL,
			    "spec.dnsConfig.options[%zu]: Required value: must not be empty", i);
		/* one resolv.conf word each: a space or newline would write lines */
		if (!resolv_word(c->options[i].name) ||
		    (c->options[i].value != NULL && !resolv_word(c->options[i].value)))
			return pp_error_msg(err, EINVAL,
			                    "spec.dnsConfig.options[%zu]: Invalid value: must not "
			                    "contain whitespace or control characters",
			                    i);
	}
	return 0;
}

int pod_validate_net(const struct pod *pod, struct pp_error *err)
{
	int r =
	    check_container_list(pod, pod->containers, pod->n_containers, "spec.containers", err);

	if (r == 0)
		r = check_container_list(pod, pod->init_containers, pod->n_init_containers,
		                         "spec.initContainers", err);
	if (r == 0)
		r = check_host_aliases(pod, err);
	if (r == 0)
		r = check_dns_config(pod, err);
	return r;
}

void pod_net_to_json(json_object *spec, const struct pod *pod)
{
	const struct pod_dns_config *c = &pod->dns_config;

	if (pod->n_host_aliases > 0) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < pod->n_host_aliases; i++) {
			json_object *a = json_object_new_object();

			add_str(a, "ip", pod->host_aliases[i].ip);
			if (pod->host_aliases[i].hostnames != NULL)
				json_object_object_add(
				    a, "hostnames", json_from_strv(pod->host_aliases[i].hostnames));
			json_object_array_add(arr, a);
		}
		json_object_object_add(spec, "hostAliases", arr);
	}
	if (c->set) {
		json_object *o = json_object_new_object(), *opts = json_object_new_array();

		if (c->nameservers != NULL)
			json_object_object_add(o, "nameservers", json_from_strv(c->nameservers));
		if (c->searches != NULL)
			json_object_object_add(o, "searches", json_from_strv(c->searches));
		for (size_t i = 0; i < c->n_options; i++) {
			json_object *op = json_object_new_object();

			add_str(op, "name", c->options[i].name);
			add_str(op, "value", c->options[i].value);
			json_object_array_add(opts, op);
		}
		json_object_object_add(o, "options", opts);
		json_object_object_add(spec, "dnsConfig", o);
	}
}

void pod_net_free(struct pod *pod)
{
	struct pod_dns_config *c = &pod->dns_config;

	for (size_t i = 0; i < pod->n_host_aliases; i++) {
		free(pod->host_aliases[i].ip);
		strv_free(pod->host_aliases[i].hostnames);
	}
	free(pod->host_aliases);
	strv_free(c->nameservers);
	strv_free(c->searches);
	for (size_t i = 0; i < c->n_options; i++) {
		free(c->options[i].name);
		free(c->options[i].value);
	}
	free(c->options);
}
