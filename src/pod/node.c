/* SPDX-License-Identifier: Apache-2.0 */
/* This machine as a Node object, built from the machine (hostname, CPUs,
 * memory, the root's filesystem, kernel, OS) as a kubelet registers it, plus
 * the user's state in ROOT/node.json and config in ROOT/node-config.json. */
#include "pod/node.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/statvfs.h>
#include <sys/utsname.h>

#include "config.h"
#include "image/image.h"
#include "pod/paths.h"
#include "pod/schedule.h"
#include "pod/state.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define NODE_FILE_MAX (1u << 20)

char *pod_node_name(void)
{
	char host[256] = "localhost";

	(void)gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return xstrdup(host);
}

/* A JSON file under ROOT, or an empty object when it does not exist. */
static int read_json(const struct pod_paths *paths, const char *name, json_object **ret,
                     struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/%s", paths->root, name);
	json_object *o = NULL;
	int r = json_parse_file(path, NODE_FILE_MAX, &o, err);

	if (r == -ENOENT) {
		*ret = json_object_new_object();
		return 0;
	}
	if (r < 0)
		return r;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return pp_error_msg(err, EINVAL, "%s: expected a JSON object", path);
	}
	*ret = o;
	return 0;
}

/* The first line of file path, trimmed; NULL when unreadable. Caller frees. */
static char *read_line(const char *path)
{
	char *buf = NULL;

	if (fs_read_all(path, 4096, &buf, NULL, NULL) < 0)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* /proc/meminfo's MemTotal in bytes; 0 when unknown. */
static unsigned long long mem_total(void)
{
	cleanup_free char *buf = NULL;
	const char *p;

	if (fs_read_all("/proc/meminfo", 1u << 16, &buf, NULL, NULL) < 0 ||
	    (p = strstr(buf, "MemTotal:")) == NULL)
		return 0;
	return strtoull(p + strlen("MemTotal:"), NULL, 10) * 1024;
}

/* When the machine booted (/proc/stat btime): a node registers then. */
static int64_t boot_time(void)
{
	cleanup_free char *buf = NULL;
	const char *p;
	long long t;

	if (fs_read_all("/proc/stat", 1u << 20, &buf, NULL, NULL) < 0 ||
	    (p = strstr(buf, "\nbtime ")) == NULL)
		return pod_now();
	t = strtoll(p + strlen("\nbtime "), NULL, 10);
	return t > 0 ? t : pod_now();
}

/* /etc/os-release's PRETTY_NAME, as the kubelet reports osImage. */
static char *os_image(void)
{
	cleanup_free char *buf = NULL;
	const char *p;
	size_t n;

	if (fs_read_all("/etc/os-release", 1u << 16, &buf, NULL, NULL) < 0 &&
	    fs_read_all("/usr/lib/os-release", 1u << 16, &buf, NULL, NULL) < 0)
		return xstrdup("Linux");
	p = strstr(buf, "PRETTY_NAME=");
	if (p == NULL)
		return xstrdup("Linux");
	p += strlen("PRETTY_NAME=");
	if (*p == '"')
		p++;
	n = strcspn(p, "\"\n");
	return xstrndup(p, n);
}

static void set_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v != NULL ? v : ""));
}

/* v followed by suffix ("Ki" or ""). */
static void set_num(json_object *o, const char *key, unsigned long long v, const char *suffix)
{
	cleanup_free char *s = xstrfmt("%llu%s", v, suffix);

	set_str(o, key, s);
}

/* Add from's string members to o (from may be NULL). */
static void merge_strings(json_object *o, json_object *from)
{
	if (from == NULL)
		return;
	json_object_object_foreach(from, k, v)
	{
		if (json_object_is_type(v, json_type_string))
			json_object_object_add(o, k, json_object_get(v));
	}
}

/* The labels a kubelet registers, then node-config.json's, then the
 * user's (label node). */
static json_object *labels_new(const char *name, json_object *config, json_object *state)
{
	json_object *l = json_object_new_object();
	const char *arch = img_machine_arch();

	set_str(l, "beta.kubernetes.io/arch", arch);
	set_str(l, "beta.kubernetes.io/os", "linux");
	set_str(l, "kubernetes.io/arch", arch);
	set_str(l, "kubernetes.io/hostname", name);
	set_str(l, "kubernetes.io/os", "linux");
	merge_strings(l, json_get_obj(config, "labels"));
	merge_strings(l, json_get_obj(state, "labels"));
	return l;
}

static json_object *annotations_new(json_object *state)
{
	json_object *a = json_object_new_object();

	set_str(a, "node.alpha.kubernetes.io/ttl", "0");
	set_str(a, "volumes.kubernetes.io/controller-managed-attach-detach", "true");
	merge_strings(a, json_get_obj(state, "annotations"));
	return a;
}

static json_object *metadata_new(const char *name, json_object *config, json_object *state)
{
	json_object *m = json_object_new_object();
	char ts[32];
	int64_t t = json_get_int(state, "created", 0);
	cleanup_free char *boot = read_line("/proc/sys/kernel/random/boot_id");

	json_object_object_add(m, "annotations", annotations_new(state));
	set_str(m, "creationTimestamp", pod_time_format(t > 0 ? t : boot_time(), ts, sizeof(ts)));
	json_object_object_add(m, "labels", labels_new(name, config, state));
	set_str(m, "name", name);
	set_str(m, "resourceVersion", "1");
	set_str(m, "uid", boot);
	return m;
}

/* capacity and allocatable: the machine's, as cadvisor and the kubelet's
 * defaults give them (no reservations; memory less the hard eviction
 * threshold, ephemeral-storage less nodefs.available 10%). */
static void resources_add(json_object *st, const struct pod_paths *paths, json_object *config)
{
	json_object *cap = json_object_new_object(), *alloc = json_object_new_object();
	unsigned long long mem = mem_total(), disk = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct statvfs sv;

	if (statvfs(paths->root, &sv) == 0)
		disk = (unsigned long long)sv.f_blocks * sv.f_frsize;
	for (int i = 0; i < 2; i++) {
		json_object *o = i == 0 ? cap : alloc;

		set_num(o, "cpu", (unsigned long long)(cpus > 0 ? cpus : 1), "");
		if (i == 0)
			set_num(o, "ephemeral-storage", disk / 1024, "Ki");
		else
			set_num(o, "ephemeral-storage", disk - disk / 10, "");
		set_str(o, "hugepages-1Gi", "0");
		set_str(o, "hugepages-2Mi", "0");
		set_num(o, "memory",
		        (i == 0 || mem < NODE_EVICTION_BYTES ? mem : mem - NODE_EVICTION_BYTES) /
		            1024,
		        "Ki");
		set_num(o, "pods", NODE_MAX_PODS, "");
		merge_strings(o, json_get_obj(config, "extendedResources"));
	}
	json_object_object_add(st, "capacity", cap);
	json_object_object_add(st, "allocatable", alloc);
}

static json_object *condition_new(const char *type, const char *status, const char *reason,
                                  const char *msg, const char *since)
{
	json_object *c = json_object_new_object();

	set_str(c, "lastHeartbeatTime", since);
	set_str(c, "lastTransitionTime", since);
	set_str(c, "message", msg);
	set_str(c, "reason", reason);
	set_str(c, "status", status);
	set_str(c, "type", type);
	return c;
}

static json_object *conditions_new(const char *since)
{
	json_object *a = json_object_new_array();

	json_object_array_add(a,
	                      condition_new("MemoryPressure", "False", "KubeletHasSufficientMemory",
	                                    "kubelet has sufficient memory available", since));
	json_object_array_add(a, condition_new("DiskPressure", "False", "KubeletHasNoDiskPressure",
	                                       "kubelet has no disk pressure", since));
	json_object_array_add(a, condition_new("PIDPressure", "False", "KubeletHasSufficientPID",
	                                       "kubelet has sufficient PID available", since));
	json_object_array_add(a, condition_new("Ready", "True", "KubeletReady",
	                                       "kubelet is posting ready status", since));
	return a;
}

static json_object *addresses_new(const char *name)
{
	json_object *a = json_object_new_array(), *ip = json_object_new_object();
	json_object *host = json_object_new_object();
	cleanup_free char *addr = pod_host_ip();

	set_str(ip, "address", addr);
	set_str(ip, "type", "InternalIP");
	set_str(host, "address", name);
	set_str(host, "type", "Hostname");
	json_object_array_add(a, ip);
	json_object_array_add(a, host);
	return a;
}

static json_object *node_info_new(void)
{
	json_object *i = json_object_new_object();
	cleanup_free char *boot = read_line("/proc/sys/kernel/random/boot_id");
	cleanup_free char *machine = read_line("/etc/machine-id");
	cleanup_free char *uuid = read_line("/sys/class/dmi/id/product_uuid");
	cleanup_free char *osi = os_image();
	struct utsname u = {0};

	(void)uname(&u);
	set_str(i, "architecture", img_machine_arch());
	set_str(i, "bootID", boot);
	set_str(i, "containerRuntimeVersion", "peapod://" PEAPOD_VERSION);
	set_str(i, "kernelVersion", u.release);
	set_str(i, "kubeProxyVersion", "");
	set_str(i, "kubeletVersion", "peapod-" PEAPOD_VERSION);
	set_str(i, "machineID", machine);
	set_str(i, "operatingSystem", "linux");
	set_str(i, "osImage", osi);
	set_str(i, "systemUUID", uuid);
	return i;
}

static json_object *node_new(const struct pod_paths *paths, json_object *config, json_object *state)
{
	cleanup_free char *name = pod_node_name();
	json_object *o = json_object_new_object(), *spec = json_object_new_object();
	json_object *st = json_object_new_object(), *meta = metadata_new(name, config, state);
	json_object *taints = json_get_arr(state, "taints");

	set_str(o, "apiVersion", "v1");
	set_str(o, "kind", "Node");
	json_object_object_add(o, "metadata", meta);
	if (taints != NULL && json_object_array_length(taints) > 0)
		json_object_object_add(spec, "taints", json_object_get(taints));
	if (json_get_bool(state, "unschedulable", false))
		json_object_object_add(spec, "unschedulable", json_object_new_boolean(true));
	json_object_object_add(o, "spec", spec);
	json_object_object_add(st, "addresses", addresses_new(name));
	resources_add(st, paths, config);
	json_object_object_add(st, "conditions",
	                       conditions_new(json_get_str(meta, "creationTimestamp")));
	json_object_object_add(st, "nodeInfo", node_info_new());
	json_object_object_add(o, "status", st);
	return o;
}

int pod_node_get(const struct pod_paths *paths, json_object **ret, struct pp_error *err)
{
	cleanup_json json_object *config = NULL;
	cleanup_json json_object *state = NULL;
	int r = read_json(paths, NODE_CONFIG_FILE, &config, err);

	if (r == 0)
		r = read_json(paths, NODE_STATE_FILE, &state, err);
	if (r < 0)
		return r;
	*ret = node_new(paths, config, state);
	return 0;
}

int pod_node_config(const struct pod_paths *paths, json_object **ret, struct pp_error *err)
{
	return read_json(paths, NODE_CONFIG_FILE, ret, err);
}

int pod_node_edit(const struct pod_paths *paths,
                  int (*edit)(json_object *state, void *data, struct pp_error *err), void *data,
                  struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/" NODE_STATE_FILE, paths->root);
	cleanup_json json_object *state = NULL;
	cleanup_close int lockfd = -1;
	int r = pod_paths_ensure(paths, err);

	if (r == 0)
		r = pod_sched_lock(paths, &lockfd, err);
	if (r == 0)
		r = read_json(paths, NODE_STATE_FILE, &state, err);
	if (r < 0)
		return r;
	if (json_get_int(state, "created", 0) == 0)
		json_object_object_add(state, "created", json_object_new_int64(pod_now()));
	r = edit(state, data, err);
	if (r > 0) {
		int w = json_write_file(path, state, err);

		if (w < 0)
			return w;
	}
	return r;
}

char *pod_node_roles(json_object *node)
{
	static const char prefix[] = "node-role.kubernetes.io/";
	json_object *labels = json_get_obj(json_get_obj(node, "metadata"), "labels");
	char *roles = NULL;

	if (labels == NULL)
		return xstrdup("<none>");
	json_object_object_foreach(labels, k, v)
	{
		char *next;

		(void)v;
		if (strncmp(k, prefix, strlen(prefix)) != 0 || k[strlen(prefix)] == '\0')
			continue;
		next = xstrfmt("%s%s%s", roles ? roles : "", roles ? "," : "", k + strlen(prefix));
		free(roles);
		roles = next;
	}
	return roles != NULL ? roles : xstrdup("<none>");
}
