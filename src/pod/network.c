/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's network, as containerd's CRI plugin sets it up for a sandbox: a
 * network namespace pinned at RUN/pods/<uid>/netns (a bind mount, so that
 * it outlives pause and DEL still finds it), CNI ADD of the first
 * configuration of the CNI folder, and what DEL needs later kept in
 * RUN/pods/<uid>/network.json (the configuration as used, the call, the
 * result), as libcni caches it: DEL never depends on today's folder. */
#include "pod/network.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "net/net.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "pod/userns.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define IFNAME "eth0"
/* a configuration (1 MiB at most), a result (1 MiB) and the call, compact */
#define CACHE_MAX ((size_t)8 << 20)

char *pod_netns_path(const struct pod_paths *paths, const char *uid)
{
	return xstrfmt("%s/%s/netns", paths->pods, uid);
}

static char *cache_path(const struct pod_paths *paths, const char *uid)
{
	return xstrfmt("%s/%s/network.json", paths->pods, uid);
}

/* The child that makes it: a new network namespace (owned by the pod's
 * user namespace when userns >= 0, as containerd makes a userns pod's),
 * lo up; then it sends an fd of it on sock. Exits with the errno of the
 * step that failed. */
static void pin_child(int userns, int sock)
{
	int fd;

	if (userns >= 0 && setns(userns, CLONE_NEWUSER) < 0)
		_exit(errno);
	if (unshare(CLONE_NEWNET) < 0)
		_exit(errno);
	if (rt_ns_loopback_up(NULL) < 0)
		_exit(EIO);
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(errno);
	_exit(fdpass_send(sock, "n", 1, fd) < 0 ? EPIPE : 0);
}

/* The host's bind of the child's network namespace: in a user namespace,
 * the child may not mount on the host. */
static int pin_from_parent(int sock, const char *path)
{
	cleanup_close int fd = -1;
	char src[64], c;
	int r = fdpass_recv(sock, &c, 1, 10000, &fd);

	if (r <= 0 || fd < 0)
		return r < 0 ? r : -EPIPE;
	(void)snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	return mount(src, path, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
}

/* A new network namespace bound at path (created). 0 or -errno. */
static int netns_pin(const char *path, int userns, struct pp_error *err)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	int status = 0, sv[2], r;
	pid_t pid;

	if (fd < 0)
		return pp_error(err, errno, "create '%s'", path);
	(void)close(fd);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || (pid = fork()) < 0) {
		(void)unlink(path);
		return pp_error(err, errno, "fork");
	}
	if (pid == 0)
		pin_child(userns, sv[1]);
	(void)close(sv[1]);
	r = pin_from_parent(sv[0], path);
	(void)close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	(void)umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	(void)unlink(path);
	if (r == 0 || r == -EPIPE)
		r = -(WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : EIO);
	return pp_error(err, -r, "new network namespace at '%s'", path);
}

/* Unbind and remove path; 0 when it was not there. */
static int netns_unpin(const char *path, struct pp_error *err)
{
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return pp_error(err, errno, "umount '%s'", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return pp_error(err, errno, "remove '%s'", path);
	return 0;
}

/* "tcp" from "TCP": the portmap plugin's protocol names. */
static json_object *lower(const char *s)
{
	cleanup_free char *l = xstrdup(s ? s : "TCP");

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return json_object_new_string(l);
}

/* The portMappings capability (CNI's conventions: hostPort, containerPort,
 * protocol, hostIP) of every container port with a hostPort. */
static json_object *port_mappings(const struct pod *pod)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < pod->n_containers; i++) {
		const struct pod_container *c = &pod->containers[i];

		for (size_t j = 0; j < c->n_ports; j++) {
			const struct pod_port *p = &c->ports[j];
			json_object *m;

			if (p->host_port <= 0)
				continue;
			m = json_object_new_object();
			json_object_object_add(m, "hostPort", json_object_new_int(p->host_port));
			json_object_object_add(m, "containerPort",
			                       json_object_new_int(p->container_port));
			json_object_object_add(m, "protocol", lower(p->protocol));
			if (p->host_ip != NULL && p->host_ip[0] != '\0')
				json_object_object_add(m, "hostIP",
				                       json_object_new_string(p->host_ip));
			json_object_array_add(a, m);
		}
	}
	return a;
}

/* What DEL will need, before ADD runs (a crash in ADD still gets a DEL). */
static json_object *cache_new(const struct pod_paths *paths, const struct pod_record *rec,
                              const struct net_conf *c)
{
	const struct pod *p = rec->pod;
	cleanup_free char *netns = pod_netns_path(paths, p->uid), *id = pod_sandbox_id(rec);
	cleanup_free char *args = xstrfmt(
	    "IgnoreUnknown=1;K8S_POD_NAMESPACE=%s;K8S_POD_NAME=%s;K8S_POD_INFRA_CONTAINER_ID=%s;K8S_POD_UID=%s",
	    p->namespace_, p->name, id, p->uid);
	json_object *o = json_object_new_object(), *rt = json_object_new_object();

	json_object_object_add(rt, "portMappings", port_mappings(p));
	json_object_object_add(o, "configFile", json_object_new_string(c->file));
	json_object_object_add(o, "config", json_object_get(c->list));
	json_object_object_add(o, "binDirs", json_object_new_string(paths->cni_bin_dirs));
	json_object_object_add(o, "containerId", json_object_new_string(id));
	json_object_object_add(o, "netns", json_object_new_string(netns));
	json_object_object_add(o, "ifName", json_object_new_string(IFNAME));
	json_object_object_add(o, "args", json_object_new_string(args));
	json_object_object_add(o, "runtimeConfig", rt);
	return o;
}

/* The call a cache describes (borrowing from it). */
static struct net_call cache_call(json_object *cache)
{
	return (struct net_call){
	    .bin_dirs = json_get_str(cache, "binDirs"),
	    .container_id = json_get_str(cache, "containerId"),
	    .netns = json_get_str(cache, "netns"),
	    .ifname = json_get_str(cache, "ifName"),
	    .args = json_get_str(cache, "args"),
	    .runtime_config = json_get_obj(cache, "runtimeConfig"),
	};
}

static bool cache_ok(json_object *cache)
{
	struct net_call call = cache_call(cache);

	return call.bin_dirs && call.container_id && call.netns && call.ifname;
}

/* Read the cache file of a pod and the configuration it recorded.
 * *ret_cache (caller frees) and *ret_conf (caller clears with
 * net_conf_clear()) are set on success. 0, -ENOENT when the pod has no
 * cache (no CNI network), -EINVAL when it is malformed. */
static int cache_load(const char *file, json_object **ret_cache, struct net_conf *ret_conf,
                      struct pp_error *err)
{
	cleanup_json json_object *cache = NULL;
	int r;

	if (access(file, F_OK) < 0)
		return -ENOENT;
	r = json_parse_file(file, CACHE_MAX, &cache, err);
	if (r == 0 && !cache_ok(cache))
		r = pp_error_msg(err, EINVAL, "'%s': incomplete", file);
	if (r == 0)
		r = net_conf_from_json(json_object_get(json_get_obj(cache, "config")), file,
		                       ret_conf, err);
	if (r == 0)
		*ret_cache = take_ptr(&cache);
	return r;
}

/* DEL as the pod's cache says, then the namespace's pin; the cache is
 * removed when both worked, or whatever happened when forget is set (a
 * new sandbox replaces it). 0 or the first -errno. */
static int release(const struct pod_paths *paths, const char *uid, bool forget,
                   struct pp_error *err)
{
	cleanup_free char *file = cache_path(paths, uid), *netns = pod_netns_path(paths, uid);
	cleanup_json json_object *cache = NULL;
	struct net_conf c = {0};
	struct pp_error e = {0};
	int first = cache_load(file, &cache, &c, &e), r;

	if (first == 0) {
		struct net_call call = cache_call(cache);

		first = net_cni_del(&c, &call, json_get_obj(cache, "result"), &e);
		net_conf_clear(&c);
	}
	if (first == -ENOENT)
		first = 0;
	if (first < 0 && err != NULL)
		*err = e;
	r = netns_unpin(netns, &e);
	if (r < 0 && first == 0) {
		first = r;
		if (err != NULL)
			*err = e;
	}
	if ((first == 0 || forget) && unlink(file) < 0 && errno != ENOENT && first == 0)
		first = pp_error(err, errno, "remove '%s'", file);
	return first;
}

int pod_net_teardown(const struct pod_paths *paths, const char *uid, struct pp_error *err)
{
	return release(paths, uid, false, err);
}

static int cache_write(const char *file, json_object *cache, struct pp_error *err)
{
	size_t len = 0;
	const char *text = json_object_to_json_string_length(
	    cache, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	return fs_write_atomic(file, text, len, 0600, err);
}

/* rec's pod IPs from result. */
static void ips_set(struct pod_record *rec, json_object *result)
{
	for (size_t i = 0; i < POD_IPS_MAX; i++) {
		free(rec->pod_ips[i]);
		rec->pod_ips[i] = NULL;
	}
	(void)net_result_ips(result, rec->pod_ips, POD_IPS_MAX);
}

/* ADD, the result into the cache and rec. */
static int attach(const struct pod_paths *paths, struct pod_record *rec, const struct net_conf *c,
                  struct pp_error *err)
{
	cleanup_free char *file = cache_path(paths, rec->pod->uid);
	cleanup_json json_object *cache = cache_new(paths, rec, c);
	struct net_call call = cache_call(cache);
	json_object *result = NULL;
	int r = cache_write(file, cache, err);

	if (r == 0)
		r = net_cni_add(c, &call, &result, err);
	if (r < 0)
		return r;
	json_object_object_add(cache, "result", result);
	ips_set(rec, result);
	if (rec->pod_ips[0] == NULL)
		return pp_error_msg(err, EINVAL, "the CNI result of '%s' has no valid IP address",
		                    c->file);
	return cache_write(file, cache, err);
}

int pod_net_setup(const struct pod_paths *paths, struct pod_record *rec, struct pp_error *err)
{
	cleanup_free char *netns = NULL;
	cleanup_close int userns = -1;
	struct net_conf c = {0};
	int r;

	if (rec->pod->host_network)
		return 0;
	/* a sandbox before this one: a DEL that fails again is no reason to
	 * fail the ADD (an unpinned namespace would be: the pin says so) */
	(void)release(paths, rec->pod->uid, true, NULL);
	r = net_conf_find(paths->cni_conf_dir, &c, err);
	if (r == -ENOENT)
		return 1;
	if (r < 0)
		return r;
	netns = pod_netns_path(paths, rec->pod->uid);
	if (rec->pod->no_host_users) {
		cleanup_free char *path = pod_userns_path(paths, rec->pod->uid);

		userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0) {
			net_conf_clear(&c);
			return pp_error(err, errno, "open the pod's user namespace '%s'", path);
		}
	}
	r = netns_pin(netns, userns, err);
	if (r == 0)
		r = attach(paths, rec, &c, err);
	if (r < 0) /* undo what the plugins did, as the kubelet's sandbox cleanup */
		(void)pod_net_teardown(paths, rec->pod->uid, NULL);
	net_conf_clear(&c);
	return r;
}

int pod_net_check(const struct pod_paths *paths, const struct pod_record *rec, struct pp_error *err)
{
	cleanup_free char *file = cache_path(paths, rec->pod->uid);
	cleanup_json json_object *cache = NULL;
	struct net_conf c = {0};
	struct net_call call;
	int r = cache_load(file, &cache, &c, err);

	if (r == -ENOENT)
		return 0; /* no CNI network */
	if (r < 0)
		return r;
	call = cache_call(cache);
	r = net_cni_check(&c, &call, json_get_obj(cache, "result"), err);
	net_conf_clear(&c);
	return r;
}
