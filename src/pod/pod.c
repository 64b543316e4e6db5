/* SPDX-License-Identifier: Apache-2.0 */
/* Pod lifecycle steps: record, sandbox, containers, teardown. */
#include "pod/pod.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "config.h"
#include "image/image.h"
#include "pod/monitor-proto.h"
#include "pod/netfiles.h"
#include "pod/network.h"
#include "pod/paths.h"
#include "pod/plan.h"
#include "pod/schedule.h"
#include "pod/seccomp.h"
#include "pod/state.h"
#include "pod/userns.h"
#include "pod/volumes.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

char *pod_sandbox_id(const struct pod_record *rec)
{
	return xstrdup(rec->pod->uid);
}

char *pod_container_id(const struct pod_record *rec, size_t idx)
{
	return xstrfmt("%s-%s", rec->pod->uid, pod_ctr_spec(rec, idx)->name);
}

char *pod_cgroup_parent(const char *uid)
{
	return xstrfmt("/peapod/%s", uid);
}

char *pod_container_bundle(const struct pod_paths *paths, const struct pod_record *rec, size_t idx)
{
	return xstrfmt("%s/%s/containers/%s", paths->pods, rec->pod->uid,
	               pod_ctr_spec(rec, idx)->name);
}

char *pod_log_dir(const struct pod_paths *paths, const char *ns, const char *name, const char *uid)
{
	/* <ns>_<name>_<uid> as the kubelet names it; a 253-character name is
	 * cut so that the folder name fits NAME_MAX (255) */
	int room = 255 - (int)strlen(ns) - (int)strlen(uid) - 2;

	return xstrfmt("%s/%s_%.*s_%s", paths->logs, ns, room, name, uid);
}

char *pod_log_path(const struct pod_paths *paths, const struct pod_record *rec,
                   const char *container, int restart)
{
	cleanup_free char *dir =
	    pod_log_dir(paths, rec->pod->namespace_, rec->pod->name, rec->pod->uid);

	return xstrfmt("%s/%s/%d.log", dir, container, restart);
}

char *pod_container_log_path(const struct pod_paths *paths, const struct pod_record *rec,
                             size_t idx, int restart)
{
	return pod_log_path(paths, rec, pod_ctr_spec(rec, idx)->name, restart);
}

int pod_pause_binary(char **ret, struct pp_error *err)
{
	const char *exe = rt_exe_path();
	const char *env = getenv("PEAPOD_PAUSE");
	cleanup_free char *self = NULL;
	char *cands[4] = {NULL};
	int found = -1;

	if (exe == NULL)
		return pp_error(err, errno, "readlink /proc/self/exe");
	self = xstrdup(exe);
	*strrchr(self, '/') = '\0';
	cands[0] = env && *env ? xstrdup(env) : NULL;
	cands[1] = xstrfmt("%s/peapod-pause", self);
	cands[2] = xstrfmt("%s/../pause/peapod-pause", self);
	cands[3] = xstrfmt("%s/peapod-pause", PEAPOD_LIBEXECDIR);
	for (int i = 0; i < 4 && found < 0; i++)
		if (cands[i] && access(cands[i], X_OK) == 0)
			found = i;
	for (int i = 0; i < 4; i++)
		if (i != found)
			free(cands[i]);
	if (found < 0)
		return pp_error_msg(err, ENOENT,
		                    "peapod-pause not found (set PEAPOD_PAUSE or install peapod)");
	*ret = cands[found];
	return 0;
}

static int resolve_list(struct img_store *store, const struct pod_container *c,
                        struct ctr_status *st, size_t n, const char *field, struct pp_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct img_image *img = NULL;
		int r = img_store_resolve(store, c[i].image, &img, err);

		if (r == -ENOENT || r == -EINVAL)
			continue; /* the monitor pulls it, or reports InvalidImageName */
		if (r < 0)
			return pp_error_prefix(err, r, "%s[%zu].image", field, i);
		free(st[i].image_id);
		st[i].image_id = xstrdup(img->id);
		if (img->reference != NULL) {
			free(st[i].image);
			st[i].image = xstrdup(img->reference);
		}
		img_image_free(img);
	}
	return 0;
}

int pod_resolve_images(struct img_store *store, struct pod_record *rec, struct pp_error *err)
{
	int r = resolve_list(store, rec->pod->init_containers, rec->init_ctrs, rec->n_init_ctrs,
	                     "spec.initContainers", err);

	if (r == 0)
		r = resolve_list(store, rec->pod->containers, rec->ctrs, rec->n_ctrs,
		                 "spec.containers", err);
	return r;
}

int pod_save(const struct pod_paths *paths, const struct pod_record *rec, struct pp_error *err)
{
	cleanup_free char *file = xstrfmt("%s/%s/pod.json", paths->pods, rec->pod->uid);

	return pod_record_write(file, rec, err);
}

int pod_save_changed(const struct pod_paths *paths, const struct pod_record *rec, char **last,
                     struct pp_error *err)
{
	cleanup_free char *file = xstrfmt("%s/%s/pod.json", paths->pods, rec->pod->uid);
	char *text = pod_record_text(rec);
	int r;

	if (*last != NULL && strcmp(*last, text) == 0) {
		free(text);
		return 0;
	}
	r = fs_write_atomic(file, text, strlen(text), 0644, err);
	if (r < 0) {
		free(text);
		return r;
	}
	free(*last);
	*last = text;
	return 1;
}

int pod_lock_try(const struct pod_paths *paths, const char *uid)
{
	cleanup_free char *path = xstrfmt("%s/%s/" MON_LOCK_FILE, paths->pods, uid);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = -errno;

		(void)close(fd);
		return r == -EAGAIN ? -EWOULDBLOCK : r;
	}
	return fd;
}

int pod_create(const struct pod_paths *paths, struct pod_record *rec, int *ret_lockfd,
               struct pp_error *err)
{
	cleanup_close int lockfd = -1, schedfd = -1;
	cleanup_free char *link = pod_name_link(paths, rec->pod->namespace_, rec->pod->name);
	cleanup_free char *nsdir = xstrfmt("%s/%s", paths->names, rec->pod->namespace_);
	cleanup_free char *dir = pod_dir_path(paths, rec->pod->uid);
	int r;

	r = pod_paths_ensure(paths, err);
	if (r < 0)
		return r;
	/* held until the name is claimed: of two pods wanting a port or the
	 * last of a resource, the second to take the lock sees the first */
	r = pod_sched_place(paths, rec, true, &schedfd, err);
	if (r < 0)
		return r;
	if (mkdir(nsdir, 0700) < 0 && errno != EEXIST)
		return pp_error(err, errno, "mkdir '%s'", nsdir);
	if (mkdir(dir, 0700) < 0)
		return pp_error(err, errno, "mkdir '%s'", dir);
	lockfd = pod_lock_try(paths, rec->pod->uid);
	if (lockfd < 0) {
		r = pp_error(err, lockfd, "lock pod '%s'", rec->pod->name);
		goto out_remove_dir;
	}
	r = pod_save(paths, rec, err);
	if (r < 0)
		goto out_remove_dir;
	/* The name is claimed last, atomically: a reader that finds the link
	 * finds a complete pod.json, and of two applies only one wins. */
	if (symlink(rec->pod->uid, link) < 0) {
		r = errno == EEXIST
		        ? pp_error_msg(err, EEXIST, "pods \"%s\" already exists", rec->pod->name)
		        : pp_error(err, errno, "symlink '%s'", link);
		goto out_remove_dir;
	}
	*ret_lockfd = take_fd(&lockfd);
	return 0;

out_remove_dir:
	(void)fs_rm_rf(dir, NULL); /* best effort: the error reported is the first one */
	(void)rmdir(nsdir);        /* only if no other pod of the namespace is there */
	return r;
}

static int write_text(const char *path, const char *text, struct pp_error *err)
{
	return fs_write_atomic(path, text, strlen(text), 0644, err);
}

static int pod_shm_mount(const char *dir, struct pp_error *err)
{
	cleanup_free char *shm = xstrfmt("%s/shm", dir);

	if (mkdir(shm, 0755) < 0 && errno != EEXIST)
		return pp_error(err, errno, "mkdir '%s'", shm);
	if (mount("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") <
	    0)
		return pp_error(err, errno, "mount tmpfs on '%s'", shm);
	return 0;
}

#define CONFIG_JSON_MAX (4u << 20)
#define PLAN_BUFS       8

static void plan_paths_fill(const struct pod_paths *paths, const struct pod_record *rec,
                            struct pod_plan_paths *pp, char *bufs[PLAN_BUFS])
{
	bufs[0] = pod_dir_path(paths, rec->pod->uid);
	bufs[1] = xstrfmt("%s/hosts", bufs[0]);
	bufs[2] = xstrfmt("%s/hostname", bufs[0]);
	bufs[3] = xstrfmt("%s/resolv.conf", bufs[0]);
	bufs[4] = xstrfmt("%s/shm", bufs[0]);
	bufs[5] = pod_cgroup_parent(rec->pod->uid);
	bufs[6] = pod_netns_path(paths, rec->pod->uid);
	if (access(bufs[6], F_OK) < 0) { /* not pinned: no CNI network */
		free(bufs[6]);
		bufs[6] = NULL;
	}
	bufs[7] = rec->pod->no_host_users ? pod_userns_path(paths, rec->pod->uid) : NULL;
	*pp = (struct pod_plan_paths){
	    .pod_dir = bufs[0],
	    .hosts = bufs[1],
	    .hostname = bufs[2],
	    .resolv_conf = bufs[3],
	    .shm = bufs[4],
	    .cgroup_parent = bufs[5],
	    .netns = bufs[6],
	    .userns = bufs[7],
	};
	if (bufs[7] != NULL && pod_userns_find(paths, rec->pod->uid, &pp->userns_base) < 0)
		pp->userns = NULL; /* no range: the runtime refuses the bundle */
}

static void plan_paths_free(char *bufs[PLAN_BUFS])
{
	for (int i = 0; i < PLAN_BUFS; i++)
		free(bufs[i]);
}

static int copy_file(const char *src, int dstdir, const char *name, mode_t mode,
                     struct pp_error *err)
{
	cleanup_free char *buf = NULL;
	cleanup_close int fd = -1;
	size_t len = 0;
	int r = fs_read_all(src, 64u << 20, &buf, &len, err);

	if (r < 0)
		return r;
	fd = openat(dstdir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return pp_error(err, errno, "create '%s'", name);
	r = fs_write_all(fd, buf, len);
	if (r < 0)
		return pp_error(err, r, "write '%s'", name);
	return 0;
}

/* The node's security settings: *seccomp_dir (caller frees) is the
 * Localhost profiles' folder ret points at. */
static int plan_node(const struct pod_paths *paths, struct pod_plan_node *ret, char **seccomp_dir,
                     struct pp_error *err)
{
	*seccomp_dir = xstrfmt("%s/" POD_SECCOMP_DIR, paths->root);
	*ret = (struct pod_plan_node){.seccomp_dir = *seccomp_dir};
	return pod_seccomp_unconfined_default(paths, &ret->unconfined_default, err);
}

static int sandbox_bundle_write(const struct pod_paths *paths, const struct pod_record *rec,
                                const struct pod_plan_paths *pp, const char *pause_binary,
                                const char *bundle, struct pp_error *err)
{
	cleanup_free char *rootfs = xstrfmt("%s/rootfs", bundle);
	cleanup_free char *cfgpath = xstrfmt("%s/config.json", bundle);
	cleanup_free char *seccomp_dir = NULL;
	cleanup_close int rootfd = -1;
	struct pod_plan_node node;
	json_object *cfg = NULL;
	int r;

	if ((r = plan_node(paths, &node, &seccomp_dir, err)) < 0)
		return r;
	if ((r = fs_mkdir_p(rootfs, 0755, err)) < 0)
		return r;
	/* hostUsers: false: its root makes the mount points in it. */
	if (pp->userns != NULL && chown(rootfs, pp->userns_base, pp->userns_base) < 0)
		return pp_error(err, errno, "chown '%s'", rootfs);
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return pp_error(err, errno, "open '%s'", rootfs);
	/* The sandbox's root holds nothing but /pause (and mount points). */
	if ((r = copy_file(pause_binary, rootfd, "pause", 0755, err)) < 0)
		return r;
	if ((r = pod_plan_sandbox(rec->pod, pp, &node, &cfg, err)) < 0)
		return r;
	r = json_write_file(cfgpath, cfg, err);
	json_object_put(cfg);
	return r;
}

int pod_sandbox_prepare(const struct pod_paths *paths, const struct pod_record *rec,
                        struct pp_error *err)
{
	cleanup_free char *dir = pod_dir_path(paths, rec->pod->uid);
	int r = pod_net_files_write(paths, rec, err);

	if (r == 0)
		r = pod_shm_mount(dir, err);
	if (r == 0)
		r = pod_volumes_setup(rec->pod, dir, err);
	return r;
}

/* The pod's cgroup, the parent of its containers', with the limits the
 * kubelet gives a pod cgroup. */
static int pod_cgroup_setup(const struct pod *pod, const char *parent, struct pp_error *err)
{
	struct rt_cgroup_limits lim;
	int r;

	pod_plan_pod_cgroup(pod, &lim);
	r = rt_cgroup_setup(parent, &lim, err);
	return r < 0 ? pp_error_prefix(err, r, "pod cgroup") : 0;
}

/* The pause container of the bundle, created and started. */
static int sandbox_run(const struct pod_paths *paths, struct pod_record *rec,
                       const char *pause_binary, struct pp_error *err)
{
	struct pod_plan_paths pp;
	char *bufs[PLAN_BUFS];
	cleanup_free char *bundle = NULL, *id = pod_sandbox_id(rec);
	struct rt_create_opts o = {.stdio = {-1, -1, -1}, .console_socket = -1};
	pid_t pid = 0;
	int r;

	plan_paths_fill(paths, rec, &pp, bufs);
	bundle = xstrfmt("%s/sandbox", pp.pod_dir);
	r = sandbox_bundle_write(paths, rec, &pp, pause_binary, bundle, err);
	o.state_root = paths->runtime;
	o.id = id;
	o.bundle = bundle;
	if (r == 0)
		r = pod_cgroup_setup(rec->pod, pp.cgroup_parent, err);
	if (r == 0)
		r = rt_container_create(&o, &pid, err);
	if (r == 0) {
		r = rt_container_start(paths->runtime, id, err);
		if (r < 0)
			(void)rt_container_delete(paths->runtime, id, true, NULL);
	}
	plan_paths_free(bufs);
	if (r == 0)
		rec->sandbox_pid = pid;
	return r;
}

int pod_sandbox_start(const struct pod_paths *paths, struct pod_record *rec,
                      const char *pause_binary, struct pp_error *err)
{
	cleanup_free char *id = pod_sandbox_id(rec);
	int net, r = rt_container_delete(paths->runtime, id, true, err); /* an old one */

	if (r < 0 && r != -ENOENT)
		return pp_error_prefix(err, r, "sandbox");
	r = pod_userns_setup(paths, rec, err);
	if (r < 0)
		return pp_error_prefix(err, r, "sandbox: user namespace");
	net = pod_net_setup(paths, rec, err);
	if (net < 0)
		return pp_error_prefix(err, net, "failed to set up network for sandbox \"%s\"", id);
	/* the pod's IP in its /etc/hosts, before any container binds it */
	r = rec->pod_ips[0] != NULL ? pod_hosts_write(paths, rec, rec->pod_ips[0], err) : 0;
	if (r == 0)
		r = sandbox_run(paths, rec, pause_binary, err);
	if (r < 0) {
		(void)pod_net_teardown(paths, rec->pod->uid, NULL);
		return pp_error_prefix(err, r, "sandbox");
	}
	return net;
}

/* The config.json of container idx in its bundle, with its image and env. */
/* The process whose pid namespace ephemeral container idx joins: its
 * targetContainerName's main process; 0 for other containers. */
static int target_pid(const struct pod_record *rec, size_t idx, pid_t *ret, struct pp_error *err)
{
	const char *t = pod_ctr_spec(rec, idx)->target_container_name;
	size_t ti;

	*ret = 0;
	if (!pod_ctr_is_ephemeral(rec, idx) || t == NULL || rec->pod->share_process_namespace ||
	    rec->pod->host_pid)
		return 0;
	ti = pod_ctr_index(rec, t);
	if (ti >= pod_n_all(rec) || pod_ctr_status(rec, ti)->pid <= 0)
		return pp_error_msg(err, ESRCH, "target container \"%s\" is not running", t);
	*ret = pod_ctr_status(rec, ti)->pid;
	return 0;
}

static int container_config_write(const struct pod_paths *paths, const struct pod_record *rec,
                                  size_t idx, const struct img_image *img, char *const *env,
                                  struct pp_error *err)
{
	cleanup_free char *bundle = pod_container_bundle(paths, rec, idx);
	cleanup_free char *rootfs = xstrfmt("%s/rootfs", bundle);
	cleanup_free char *cfgpath = xstrfmt("%s/config.json", bundle);
	cleanup_free char *seccomp_dir = NULL;
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct pod_plan_paths pp;
	struct pod_plan_node node;
	char *bufs[PLAN_BUFS];
	json_object *cfg = NULL;
	pid_t target = 0;
	int r;

	if (rootfd < 0)
		return pp_error(err, errno, "open '%s'", rootfs);
	r = target_pid(rec, idx, &target, err);
	if (r == 0)
		r = plan_node(paths, &node, &seccomp_dir, err);
	if (r < 0)
		return r;
	plan_paths_fill(paths, rec, &pp, bufs);
	r = pod_plan_container(&(struct pod_plan_target){.pod = rec->pod,
	                                                 .c = pod_ctr_spec(rec, idx),
	                                                 .img = &img->config,
	                                                 .rootfd = rootfd,
	                                                 .sandbox_pid = rec->sandbox_pid,
	                                                 .target_pid = target,
	                                                 .paths = &pp,
	                                                 .env = env,
	                                                 .node = &node},
	                       &cfg, err);
	plan_paths_free(bufs);
	if (r < 0)
		return r;
	r = json_write_file(cfgpath, cfg, err);
	json_object_put(cfg);
	return r;
}

int pod_container_config(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                         json_object **ret, struct pp_error *err)
{
	cleanup_free char *bundle = pod_container_bundle(paths, rec, idx);
	cleanup_free char *path = xstrfmt("%s/config.json", bundle);
	json_object *cfg = NULL;
	int r = json_parse_file(path, CONFIG_JSON_MAX, &cfg, err);

	if (r < 0)
		return r;
	if (json_get_obj(cfg, "process") == NULL) {
		json_object_put(cfg);
		return pp_error_msg(err, EINVAL, "'%s': no process", path);
	}
	*ret = cfg;
	return 0;
}

int pod_container_process(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                          json_object **ret, struct pp_error *err)
{
	cleanup_json json_object *cfg = NULL;
	int r = pod_container_config(paths, rec, idx, &cfg, err);

	if (r == 0)
		*ret = json_object_get(json_get_obj(cfg, "process"));
	return r;
}

json_object *pod_container_status_user(const struct pod_paths *paths, const struct pod_record *rec,
                                       size_t idx)
{
	cleanup_json json_object *proc = NULL;
	struct pp_error err = {0};
	json_object *user, *lnx, *groups;

	if (pod_container_process(paths, rec, idx, &proc, &err) < 0)
		return NULL;
	user = json_get_obj(proc, "user");
	if (user == NULL)
		return NULL;
	lnx = json_object_new_object();
	json_object_object_add(lnx, "uid", json_object_new_int64(json_get_int(user, "uid", 0)));
	json_object_object_add(lnx, "gid", json_object_new_int64(json_get_int(user, "gid", 0)));
	groups = json_get_arr(user, "additionalGids");
	json_object_object_add(lnx, "supplementalGroups",
	                       groups != NULL ? json_object_get(groups) : json_object_new_array());
	user = json_object_new_object();
	json_object_object_add(user, "linux", lnx);
	return user;
}

static int container_volumes_prepare(const struct pod_paths *paths, const struct pod_record *rec,
                                     size_t idx, struct pp_error *err)
{
	cleanup_free char *dir = pod_dir_path(paths, rec->pod->uid);

	return pod_volumes_prepare(rec->pod, pod_ctr_spec(rec, idx), dir, err);
}

/* The container's overlay rootfs; with hostUsers: false, its layers
 * idmapped to the pod's user namespace and its upper folder owned by the
 * range's root, so that root inside owns "/" (containerd's way). */
static int rootfs_mount(const struct pod_paths *paths, const struct pod_record *rec,
                        const struct img_image *img, const char *bundle, struct pp_error *err)
{
	cleanup_free char *rootfs = xstrfmt("%s/rootfs", bundle);
	cleanup_free char *upper = xstrfmt("%s/upper", bundle);
	cleanup_free char *work = xstrfmt("%s/work", bundle);
	cleanup_free char *userns = NULL;
	cleanup_close int ns = -1;
	uint32_t base = 0;
	int r;

	if (!rec->pod->no_host_users)
		return img_rootfs_mount(img, upper, work, rootfs, -1, err);
	userns = pod_userns_path(paths, rec->pod->uid);
	ns = open(userns, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return pp_error(err, errno, "open the pod's user namespace '%s'", userns);
	r = pod_userns_find(paths, rec->pod->uid, &base);
	if (r < 0)
		return pp_error(err, r, "the pod's user namespace range");
	r = fs_mkdir_p(upper, 0755, err);
	if (r < 0)
		return r;
	if (chown(upper, base, base) < 0)
		return pp_error(err, errno, "chown '%s'", upper);
	return img_rootfs_mount(img, upper, work, rootfs, ns, err);
}

int pod_container_prepare(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                          const struct img_image *img, char *const *env, struct pp_error *err)
{
	cleanup_free char *bundle = pod_container_bundle(paths, rec, idx);
	cleanup_free char *rootfs = xstrfmt("%s/rootfs", bundle);
	cleanup_free char *upper = xstrfmt("%s/upper", bundle);
	cleanup_free char *work = xstrfmt("%s/work", bundle);
	cleanup_free char *term = xstrfmt("%s/termination-log", bundle);
	int r;

	/* the kubelet checks runAsNonRoot before asking for a container */
	r = pod_verify_run_as_non_root(rec->pod, pod_ctr_spec(rec, idx), img->config.user, err);
	if (r == 0)
		r = pod_lsm_check(rec->pod, pod_ctr_spec(rec, idx), err);
	if (r < 0)
		return r;
	/* A (re)started container gets a fresh writable layer, as with CRI. */
	(void)img_rootfs_umount(rootfs, NULL);
	if ((r = fs_rm_rf(upper, err)) < 0 || (r = fs_rm_rf(work, err)) < 0)
		return r;
	if ((r = fs_mkdir_p(rootfs, 0755, err)) < 0)
		return r;
	if ((r = write_text(term, "", err)) < 0)
		return r;
	/* as the kubelet: a container of any uid may write its message */
	if (chmod(term, 0666) < 0)
		return pp_error(err, errno, "chmod '%s'", term);
	if ((r = container_volumes_prepare(paths, rec, idx, err)) < 0)
		return r;
	r = rootfs_mount(paths, rec, img, bundle, err);
	if (r < 0)
		return r;
	r = container_config_write(paths, rec, idx, img, env, err);
	if (r < 0)
		(void)img_rootfs_umount(rootfs, NULL);
	return r;
}

int pod_container_run(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                      const struct pod_stdio *io, pid_t *ret_pid, struct pp_error *err)
{
	cleanup_free char *bundle = pod_container_bundle(paths, rec, idx);
	cleanup_free char *id = pod_container_id(rec, idx);
	struct rt_create_opts o = {
	    .state_root = paths->runtime,
	    .id = id,
	    .bundle = bundle,
	    .stdio = {io->fd[0], io->fd[1], io->fd[2]},
	    .console_socket = io->console_socket,
	};
	pid_t pid = 0;
	int r;

	r = rt_container_create(&o, &pid, err);
	if (r < 0)
		return r;
	r = rt_container_start(paths->runtime, id, err);
	if (r < 0) {
		(void)rt_container_delete(paths->runtime, id, true, NULL);
		return r;
	}
	*ret_pid = pid;
	return 0;
}

int pod_container_signal(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                         int sig, bool all, struct pp_error *err)
{
	cleanup_free char *id = pod_container_id(rec, idx);

	return rt_container_kill(paths->runtime, id, sig, all, err);
}

bool pod_container_running(const struct pod_paths *paths, const struct pod_record *rec, size_t idx)
{
	cleanup_free char *id = pod_container_id(rec, idx);
	struct rt_state st = {0};
	bool running;

	if (rt_container_state(paths->runtime, id, &st, NULL) < 0)
		return false;
	running = st.status == RT_STATUS_RUNNING && st.pid > 0;
	rt_state_clear(&st);
	return running;
}

int pod_container_remove(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                         struct pp_error *err)
{
	cleanup_free char *id = pod_container_id(rec, idx);
	cleanup_free char *bundle = pod_container_bundle(paths, rec, idx);
	cleanup_free char *rootfs = xstrfmt("%s/rootfs", bundle);
	int r = rt_container_delete(paths->runtime, id, true, err);

	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		r = img_rootfs_umount(rootfs, err);
	return r;
}
