/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox's and each container's config.json, shaped as containerd's
 * CRI plugin shapes them for runc (oci/spec.go defaults,
 * pkg/cri/server/{sandbox_run,container_create}_linux.go, pkg/cri/opts).
 * The process object is built in plan-process.c. */
#include "pod/plan.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "pod/seccomp.h"
#include "pod/userns.h"
#include "pod/volumes.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

#define HOSTNAME_MAX 63
#define DEV_SHM      "/dev/shm"
/* the pause process's cgroup leaf beside the containers' (named after
 * them): "_" is in no DNS label, so no container can share it */
#define POD_SANDBOX_CGROUP "_sandbox"

static const char *const masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    "/proc/interrupts",
    NULL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

char *pod_plan_hostname(const struct pod *pod)
{
	const char *h =
	    pod->hostname != NULL && pod->hostname[0] != '\0' ? pod->hostname : pod->name;
	char node[HOST_NAME_MAX + 1] = "";
	size_t len;

	/* a hostNetwork pod shares the host's uts namespace: its name */
	if (pod->host_network && gethostname(node, sizeof(node) - 1) == 0 && node[0] != '\0')
		return xstrdup(node);
	len = strlen(h);

	/* kubelet truncatePodHostnameIfNeeded: a hostname is one DNS label */
	if (len > HOSTNAME_MAX) {
		len = HOSTNAME_MAX;
		while (len > 0 && (h[len - 1] == '-' || h[len - 1] == '.'))
			len--;
	}
	return xstrndup(h, len);
}

#define KERNEL_HOSTNAME_MAX 64

int pod_plan_kernel_hostname(const struct pod *pod, char **ret, struct pp_error *err)
{
	cleanup_free char *host = pod_plan_hostname(pod);
	char *fqdn;

	if (!pod->set_hostname_as_fqdn || pod->host_network || pod->subdomain == NULL ||
	    pod->subdomain[0] == '\0') {
		*ret = take_ptr(&host);
		return 0;
	}
	fqdn = xstrfmt("%s.%s.%s.svc.cluster.local", host, pod->subdomain, pod->namespace_);
	if (strlen(fqdn) > KERNEL_HOSTNAME_MAX) {
		(void)pp_error_msg(
		    err, EINVAL,
		    "failed to construct FQDN from pod hostname and cluster domain, FQDN %s is too long (%d characters is the max, %zu characters requested)",
		    fqdn, KERNEL_HOSTNAME_MAX, strlen(fqdn));
		free(fqdn);
		return -EINVAL;
	}
	*ret = fqdn;
	return 0;
}

static json_object *str_array(const char *const *v)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

static void add_str(json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val != NULL ? val : ""));
}

static void add_mount(json_object *mounts, const char *dst, const char *type, const char *src,
                      const char *const *opts)
{
	json_object *m = json_object_new_object();

	add_str(m, "destination", dst);
	add_str(m, "type", type);
	add_str(m, "source", src);
	json_object_object_add(m, "options", str_array(opts));
	json_object_array_add(mounts, m);
}

bool pod_plan_privileged(const struct pod_container *c)
{
	return c != NULL && c->has_privileged && c->privileged;
}

/* The kubelet's HasPrivilegedContainer: the sandbox of such a pod is
 * privileged too. Here that means its /sys is mounted read-write: the
 * containers' sysfs mounts share the superblock of the pod's network
 * namespace, whose first mount (the sandbox's) decides whether it is
 * read-only. */
static bool pod_has_privileged(const struct pod *pod)
{
	for (size_t i = 0; i < pod->n_containers; i++)
		if (pod_plan_privileged(&pod->containers[i]))
			return true;
	for (size_t i = 0; i < pod->n_init_containers; i++)
		if (pod_plan_privileged(&pod->init_containers[i]))
			return true;
	return false;
}

/* containerd's default mounts (oci/spec_unix.go defaultMounts), without
 * /run (CRI's WithoutRunMount) and without /dev/shm (added by the caller);
 * /sys read-write when privileged (oci.WithWriteableSysfs). */
static json_object *default_mounts(bool privileged)
{
	static const char *const proc[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
	static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
	                                  "mode=0620", "gid=5",  NULL};
	static const char *const mqueue[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const sys_rw[] = {"nosuid", "noexec", "nodev", "rw", NULL};
	json_object *mounts = json_object_new_array();

	add_mount(mounts, "/proc", "proc", "proc", proc);
	add_mount(mounts, "/dev", "tmpfs", "tmpfs", dev);
	add_mount(mounts, "/dev/pts", "devpts", "devpts", pts);
	add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue", mqueue);
	add_mount(mounts, "/sys", "sysfs", "sysfs", privileged ? sys_rw : sys);
	return mounts;
}

/* The pod's /dev/shm: the host's with hostIPC, else the pod's shm folder,
 * else (no folder given) a private tmpfs as in containerd's defaults. */
static void add_shm(json_object *mounts, const struct pod *pod, const struct pod_plan_paths *paths,
                    bool sandbox)
{
	static const char *const sandbox_opts[] = {"rbind", "ro",     "nosuid",
	                                           "nodev", "noexec", NULL};
	static const char *const ctr_opts[] = {"rbind", "rprivate", "rw", NULL};
	static const char *const tmpfs_opts[] = {"nosuid",    "noexec",      "nodev",
	                                         "mode=1777", "size=65536k", NULL};
	const char *src = pod->host_ipc ? DEV_SHM : paths->shm;

	if (src == NULL) {
		add_mount(mounts, DEV_SHM, "tmpfs", "shm", tmpfs_opts);
		return;
	}
	add_mount(mounts, DEV_SHM, "bind", src, sandbox ? sandbox_opts : ctr_opts);
}

static void add_namespace(json_object *nss, const char *type, pid_t pid, const char *ns)
{
	json_object *o = json_object_new_object();

	add_str(o, "type", type);
	if (pid > 0) {
		cleanup_free char *path = xstrfmt("/proc/%d/ns/%s", (int)pid, ns);

		add_str(o, "path", path);
	}
	json_object_array_add(nss, o);
}

/* containerd's default namespace order (pid, ipc, uts, mount, network) plus
 * cgroup; a host* pod field leaves that namespace out. join_pid > 0 joins
 * the sandbox's network, ipc and uts, and its user namespace with
 * hostUsers: false; pid_pid > 0 the pid namespace of that process (else a
 * new one). */
static json_object *namespaces(const struct pod *pod, pid_t join_pid, pid_t pid_pid)
{
	json_object *nss = json_object_new_array();

	if (pod->no_host_users && join_pid > 0)
		add_namespace(nss, "user", join_pid, "user");
	if (!pod->host_pid)
		add_namespace(nss, "pid", pid_pid, "pid");
	if (!pod->host_ipc)
		add_namespace(nss, "ipc", join_pid, "ipc");
	if (!pod->host_network)
		add_namespace(nss, "uts", join_pid, "uts");
	add_namespace(nss, "mount", 0, NULL);
	if (!pod->host_network)
		add_namespace(nss, "network", join_pid, "net");
	add_namespace(nss, "cgroup", 0, NULL);
	return nss;
}

/* The sandbox's namespaces: its network namespace the pinned one (CNI's)
 * when there is one; with hostUsers: false, the pod's pinned user
 * namespace, which then owns its new ones (containerd's order). */
static json_object *sandbox_namespaces(const struct pod *pod, const char *netns, const char *userns)
{
	json_object *nss = namespaces(pod, 0, 0);

	if (userns != NULL) {
		json_object *o = json_object_new_object();

		add_str(o, "type", "user");
		add_str(o, "path", userns);
		json_object_array_add(nss, o);
	}
	for (size_t i = 0; netns != NULL && i < json_object_array_length(nss); i++) {
		json_object *o = json_object_array_get_idx(nss, i);

		if (strcmp(json_get_str(o, "type"), "network") == 0)
			add_str(o, "path", netns);
	}
	return nss;
}

/* The one mapping of a hostUsers: false pod (config-linux.md "User
 * namespace mappings"), as containerd passes it with the namespace's path. */
static json_object *userns_mappings(uint32_t base)
{
	json_object *a = json_object_new_array(), *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int64(0));
	json_object_object_add(m, "hostID", json_object_new_int64(base));
	json_object_object_add(m, "size", json_object_new_int64(POD_USERNS_SIZE));
	json_object_array_add(a, m);
	return a;
}

static json_object *linux_object(const struct pod_plan_paths *paths, const char *cgroup_leaf,
                                 json_object *nss, bool privileged)
{
	json_object *lnx = json_object_new_object();
	json_object *res = json_object_new_object();
	json_object *devices = json_object_new_array();
	json_object *rule = json_object_new_object();

	/* containerd's CRI for a non-privileged container: its default spec's
	 * one rule, deny every device (oci populateDefaultUnixSpec), plus the
	 * devices the CRI request names (none here). The runtime appends
	 * runc's allow list (null, zero, ..., pts) after it. A privileged one
	 * gets the host's devices and one rule allowing all
	 * (oci.WithHostDevices, WithAllDevicesAllowed). */
	json_object_object_add(rule, "allow", json_object_new_boolean(privileged));
	add_str(rule, "access", "rwm");
	json_object_array_add(devices, rule);
	json_object_object_add(res, "devices", devices);
	json_object_object_add(lnx, "resources", res);
	if (privileged)
		json_object_object_add(lnx, "devices", pod_plan_host_devices());
	if (paths->cgroup_parent != NULL) {
		cleanup_free char *cg = xstrfmt("%s/%s", paths->cgroup_parent, cgroup_leaf);

		add_str(lnx, "cgroupsPath", cg);
	}
	json_object_object_add(lnx, "namespaces", nss);
	if (paths->userns != NULL) {
		json_object_object_add(lnx, "uidMappings", userns_mappings(paths->userns_base));
		json_object_object_add(lnx, "gidMappings", userns_mappings(paths->userns_base));
	}
	/* oci.WithPrivileged: WithMaskedPaths(nil), WithReadonlyPaths(nil) */
	if (!privileged) {
		json_object_object_add(lnx, "maskedPaths", str_array(masked_paths));
		json_object_object_add(lnx, "readonlyPaths", str_array(readonly_paths));
	}
	return lnx;
}

/* spec.securityContext.sysctls in the sandbox's namespaces, which every
 * container joins (containerd's sandbox linux.sysctl), by the kubelet's
 * normalized names. */
static void add_sysctls(json_object *lnx, const struct pod *pod)
{
	json_object *o;

	if (pod->n_sysctls == 0)
		return;
	o = json_object_new_object();
	for (size_t i = 0; i < pod->n_sysctls; i++) {
		cleanup_free char *name = pod_sysctl_normalize(pod->sysctls[i].name);

		add_str(o, name, pod->sysctls[i].value);
	}
	json_object_object_add(lnx, "sysctl", o);
}

static void add_sandbox_annotations(json_object *ann, const struct pod *pod)
{
	add_str(ann, "io.kubernetes.cri.sandbox-id", pod->uid);
	add_str(ann, "io.kubernetes.cri.sandbox-name", pod->name);
	add_str(ann, "io.kubernetes.cri.sandbox-namespace", pod->namespace_);
	add_str(ann, "io.kubernetes.cri.sandbox-uid", pod->uid);
}

static json_object *root_object(bool readonly)
{
	json_object *root = json_object_new_object();

	add_str(root, "path", "rootfs");
	if (readonly)
		json_object_object_add(root, "readonly", json_object_new_boolean(true));
	return root;
}

bool pod_plan_ptrace_scope(const char *type, json_object *bounding)
{
	return strcmp(type, "RuntimeDefault") == 0 && !json_strs_has(bounding, "CAP_SYS_PTRACE") &&
	       !json_strs_has(bounding, "CAP_SYS_ADMIN") && rt_landlock_abi() > 0;
}

/* linux.seccomp by profile p, its capability rules from the bounding set
 * the process was given (containerd's DefaultProfile), and the ptrace
 * scope that goes with RuntimeDefault. */
static int add_seccomp(json_object *cfg, const struct pod_profile *p,
                       const struct pod_plan_node *node, struct pp_error *err)
{
	static const struct pod_plan_node defaults = {0};
	json_object *caps = json_get_obj(json_object_object_get(cfg, "process"), "capabilities");
	json_object *bounding = json_get_arr(caps, "bounding");
	json_object *sec = NULL;
	int r;

	if (node == NULL)
		node = &defaults;
	r = pod_seccomp_plan(p, node->unconfined_default, node->seccomp_dir, bounding, &sec, err);
	if (r < 0)
		return r;
	if (sec != NULL)
		json_object_object_add(json_object_object_get(cfg, "linux"), "seccomp", sec);
	if (pod_plan_ptrace_scope(pod_seccomp_type(p, node->unconfined_default), bounding))
		add_str(json_object_object_get(cfg, "annotations"), "run.peapod.ptrace-scope",
		        "container");
	return 0;
}

static json_object *sandbox_process(void)
{
	static const char *const args[] = {"/pause", NULL};
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	json_object *proc = json_object_new_object();
	json_object *user = json_object_new_object();
	json_object *caps = json_object_new_object();

	json_object_object_add(proc, "terminal", json_object_new_boolean(false));
	json_object_object_add(user, "uid", json_object_new_int(0));
	json_object_object_add(user, "gid", json_object_new_int(0));
	json_object_object_add(proc, "user", user);
	json_object_object_add(proc, "args", str_array(args));
	json_object_object_add(proc, "env", str_array(env));
	add_str(proc, "cwd", "/");
	json_object_object_add(caps, "bounding", str_array(pod_default_caps));
	json_object_object_add(caps, "effective", str_array(pod_default_caps));
	json_object_object_add(caps, "permitted", str_array(pod_default_caps));
	json_object_object_add(proc, "capabilities", caps);
	json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(true));
	return proc;
}

int pod_plan_sandbox(const struct pod *pod, const struct pod_plan_paths *paths,
                     const struct pod_plan_node *node, json_object **ret, struct pp_error *err)
{
	json_object *cfg, *mounts, *ann, *lnx;
	int r;

	if (pod->name == NULL)
		return pp_error_msg(err, EINVAL, "pod has no name");
	cfg = json_object_new_object();
	add_str(cfg, "ociVersion", "1.0.2");
	json_object_object_add(cfg, "process", sandbox_process());
	json_object_object_add(cfg, "root", root_object(true));
	/* without its own uts namespace the sandbox cannot have a hostname */
	if (!pod->host_network) {
		cleanup_free char *hostname = NULL;

		if (pod_plan_kernel_hostname(pod, &hostname, err) < 0) {
			json_object_put(cfg);
			return -EINVAL;
		}
		add_str(cfg, "hostname", hostname);
	}
	mounts = default_mounts(pod_has_privileged(pod));
	add_shm(mounts, pod, paths, true);
	json_object_object_add(cfg, "mounts", mounts);
	ann = json_object_new_object();
	add_str(ann, "io.kubernetes.cri.container-type", "sandbox");
	add_sandbox_annotations(ann, pod);
	json_object_object_add(cfg, "annotations", ann);
	lnx = linux_object(paths, POD_SANDBOX_CGROUP,
	                   sandbox_namespaces(pod, paths->netns, paths->userns), false);
	add_sysctls(lnx, pod);
	json_object_object_add(cfg, "linux", lnx);
	/* a privileged container's sandbox is privileged too (containerd) */
	r = pod_has_privileged(pod) ? 0 : add_seccomp(cfg, &pod->seccomp, node, err);
	if (r < 0) {
		json_object_put(cfg);
		return r;
	}
	*ret = cfg;
	return 0;
}

static void add_bind(json_object *mounts, const char *dst, const char *src)
{
	/* pkg/cri/opts WithMounts: a CRI mount is rbind, its propagation
	 * (private by default) and rw unless read-only */
	static const char *const opts[] = {"rbind", "rprivate", "rw", NULL};

	if (src != NULL)
		add_mount(mounts, dst, "bind", src, opts);
}

/* Each volumeMount as the CRI hands it to runc: a bind of the volume's
 * folder (or of its subPath's bind under volume-subpaths/), rprivate, ro
 * when readOnly or an API data volume (configMap, secret, downwardAPI,
 * projected). Needs paths->pod_dir for emptyDir and subPath sources. */
static void add_volume_mounts(json_object *mounts, const struct pod *pod,
                              const struct pod_container *c, const struct pod_plan_paths *paths)
{
	static const char *const rw[] = {"rbind", "rprivate", "rw", NULL};
	static const char *const ro[] = {"rbind", "rprivate", "ro", NULL};

	for (size_t i = 0; i < c->n_volume_mounts && paths->pod_dir != NULL; i++) {
		const struct pod_volume_mount *m = &c->volume_mounts[i];
		const struct pod_volume *vol = pod_volume_find(pod, m->name);
		cleanup_free char *src = NULL;

		if (vol == NULL)
			continue; /* validation refuses this */
		if (m->sub_path != NULL && m->sub_path[0] != '\0')
			src = pod_volume_subpath_target(paths->pod_dir, vol->name, c->name, i);
		else
			src = pod_volume_source(paths->pod_dir, vol);
		/* the kubelet mounts API data volumes read-only, whatever readOnly says */
		add_mount(mounts, m->mount_path, "bind", src,
		          m->read_only || vol->source_bits != 0 ? ro : rw);
	}
}

static size_t path_depth(const char *p)
{
	size_t n = 0;

	for (; *p != '\0'; p++)
		if (*p != '/' && (p[1] == '/' || p[1] == '\0'))
			n++;
	return n;
}

/* containerd sorts the CRI mounts by the number of path elements of their
 * destination (stable), so that /data is mounted before /data/sub. */
static void sort_mounts_from(json_object *mounts, size_t start)
{
	size_t n = json_object_array_length(mounts) - start;
	json_object **v = xcalloc(n + 1, sizeof(json_object *));

	for (size_t i = 0; i < n; i++)
		v[i] = json_object_get(json_object_array_get_idx(mounts, start + i));
	for (size_t i = 1; i < n; i++) {
		json_object *x = v[i];
		size_t d = path_depth(json_get_str(x, "destination")), j = i;

		for (; j > 0 && path_depth(json_get_str(v[j - 1], "destination")) > d; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	json_object_array_del_idx(mounts, start, n);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(mounts, v[i]);
	free(v);
}

/* hostUsers: false: every CRI bind (/etc/hosts..., /dev/shm, the
 * termination log and each volume, hostPath too) is idmapped to the pod's
 * user namespace, as the kubelet sets uid_mappings on each CRI Mount
 * (KEP-127 "Handling of volumes") and the runtime makes an idmapped mount
 * (config.md "idmap"): root inside sees and writes them as the host's root
 * does, their owners and modes unchanged. A filesystem without idmapped
 * mounts fails the container's creation with the runtime's error. */
static void idmap_pod_mounts(json_object *mounts, size_t start)
{
	for (size_t i = start; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		const char *type = json_get_str(m, "type");

		if (type == NULL || strcmp(type, "bind") != 0)
			continue;
		json_object_array_add(json_object_object_get(m, "options"),
		                      json_object_new_string("idmap"));
	}
}

/* Defaults, the cgroupfs (read-only unless privileged, as containerd's
 * oci.WithWriteableCgroupfs), then the CRI mounts: the pod's
 * /etc/hostname, /etc/hosts, /etc/resolv.conf and /dev/shm, then the
 * kubelet's termination-log file. */
static json_object *container_mounts(const struct pod *pod, const struct pod_container *c,
                                     const struct pod_plan_paths *paths)
{
	static const char *const cgroup[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
	static const char *const cgroup_rw[] = {"nosuid",   "noexec", "nodev",
	                                        "relatime", "rw",     NULL};
	bool privileged = pod_plan_privileged(c);
	json_object *mounts = default_mounts(privileged);
	const char *tpath = c->termination_message_path;
	size_t cri_start;

	add_mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", privileged ? cgroup_rw : cgroup);
	cri_start = json_object_array_length(mounts);
	add_bind(mounts, "/etc/hostname", paths->hostname);
	add_bind(mounts, "/etc/hosts", paths->hosts);
	add_bind(mounts, "/etc/resolv.conf", paths->resolv_conf);
	add_shm(mounts, pod, paths, false);
	if (tpath == NULL)
		tpath = "/dev/termination-log";
	if (tpath[0] != '\0' && paths->pod_dir != NULL) {
		cleanup_free char *src =
		    xstrfmt("%s/containers/%s/termination-log", paths->pod_dir, c->name);

		add_bind(mounts, tpath, src);
	}
	add_volume_mounts(mounts, pod, c, paths);
	sort_mounts_from(mounts, cri_start);
	if (paths->userns != NULL && paths->pod_dir != NULL)
		idmap_pod_mounts(mounts, cri_start);
	return mounts;
}

static json_object *container_annotations(const struct pod *pod, const struct pod_container *c)
{
	json_object *ann = json_object_new_object();

	add_str(ann, "io.kubernetes.cri.container-type", "container");
	add_str(ann, "io.kubernetes.cri.container-name", c->name);
	add_str(ann, "io.kubernetes.cri.image-name", c->image);
	add_sandbox_annotations(ann, pod);
	return ann;
}

int pod_plan_container(const struct pod_plan_target *t, json_object **ret, struct pp_error *err)
{
	const struct pod *pod = t->pod;
	const struct pod_container *c = t->c;
	const struct img_config *img = t->img;
	const struct pod_plan_paths *paths = t->paths;
	int rootfd = t->rootfd;
	pid_t sandbox_pid = t->sandbox_pid;
	struct pod_user user = {0};
	json_object *proc = NULL, *cfg, *nss;
	int r;

	if (sandbox_pid <= 0)
		return pp_error_msg(err, EINVAL, "container '%s': no sandbox process", c->name);
	r = pod_user_for_container(rootfd, pod, c, img != NULL ? img->user : NULL, &user, err);
	if (r < 0)
		return pp_error_prefix(err, r, "container '%s'", c->name);
	r = pod_plan_process(t, &user, &proc, err);
	free(user.additional_gids);
	if (r < 0)
		return r;
	cfg = json_object_new_object();
	add_str(cfg, "ociVersion", "1.0.2");
	json_object_object_add(cfg, "process", proc);
	json_object_object_add(
	    cfg, "root",
	    root_object(c->has_read_only_root_filesystem && c->read_only_root_filesystem));
	json_object_object_add(cfg, "mounts", container_mounts(pod, c, paths));
	json_object_object_add(cfg, "annotations", container_annotations(pod, c));
	nss = namespaces(pod, sandbox_pid,
	                 pod->share_process_namespace ? sandbox_pid : t->target_pid);
	json_object_object_add(cfg, "linux",
	                       linux_object(paths, c->name, nss, pod_plan_privileged(c)));
	/* procMount: Unmasked: the CRI's empty masked and read-only lists */
	if (c->proc_mount_unmasked) {
		json_object *lnx = json_object_object_get(cfg, "linux");

		json_object_object_add(lnx, "maskedPaths", json_object_new_array());
		json_object_object_add(lnx, "readonlyPaths", json_object_new_array());
	}
	pod_plan_resources(
	    json_object_object_get(json_object_object_get(cfg, "linux"), "resources"), pod, c);
	/* containerd: a privileged container has no seccomp */
	if (!pod_plan_privileged(c)) {
		struct pod_profile p;

		pod_seccomp_effective(t->pod, t->c, &p);
		r = add_seccomp(cfg, &p, t->node, err);
		if (r < 0) {
			json_object_put(cfg);
			return r;
		}
	}
	*ret = cfg;
	return 0;
}
