/* SPDX-License-Identifier: Apache-2.0 */
/* User namespaces (config-linux.md "User namespace mappings"): the
 * linux.uidMappings/gidMappings of a config, a new namespace made by a
 * helper child whose maps the parent writes (runc's order: the namespace
 * exists, then its maps, then anything runs in it), and becoming its root. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/syscall.h"
#include "util/xalloc.h"

/* The kernel's limit on lines of uid_map (user_namespaces(7)). */
#define MAX_IDMAP_LINES 340

static int parse_u32(json_object *e, const char *path, const char *key, uint32_t *ret,
                     struct pp_error *err)
{
	json_object *v;
	int64_t n;
	int r = rt_json_member(e, path, key, json_type_int, &v, err);

	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.%s: Required value", path, key);
	if (r < 0)
		return r;
	n = json_object_get_int64(v);
	if (n < 0 || n > UINT32_MAX)
		return pp_error_msg(err, EINVAL, "%s.%s: out of range", path, key);
	*ret = (uint32_t)n;
	return 0;
}

static int parse_idmap(json_object *e, const char *path, struct rt_idmap *ret, struct pp_error *err)
{
	int r;

	if (!json_object_is_type(e, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", path);
	r = parse_u32(e, path, "containerID", &ret->container_id, err);
	if (r >= 0)
		r = parse_u32(e, path, "hostID", &ret->host_id, err);
	if (r >= 0)
		r = parse_u32(e, path, "size", &ret->size, err);
	if (r >= 0 && (ret->size == 0 || (uint64_t)ret->container_id + ret->size > UINT32_MAX ||
	               (uint64_t)ret->host_id + ret->size > UINT32_MAX))
		return pp_error_msg(err, EINVAL, "%s.size: out of range", path);
	return r;
}

int rt_idmaps_parse_one(json_object *o, const char *prefix, const char *key, struct rt_idmap **ret,
                        size_t *ret_n, struct pp_error *err)
{
	json_object *arr;
	char path[96];
	size_t n;
	int r = rt_json_member(o, prefix, key, json_type_array, &arr, err);

	if (r <= 0)
		return r;
	n = json_object_array_length(arr);
	if (n > MAX_IDMAP_LINES)
		return pp_error_msg(err, EINVAL, "%s.%s: more than %d entries", prefix, key,
		                    MAX_IDMAP_LINES);
	*ret = xcalloc(n + 1, sizeof(**ret));
	*ret_n = n;
	for (size_t i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s.%s[%zu]", prefix, key, i);
		r = parse_idmap(json_object_array_get_idx(arr, i), path, &(*ret)[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int rt_idmaps_parse(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	const struct rt_namespace *u = &c->ns[RT_NS_USER];
	int r = rt_idmaps_parse_one(lx, "linux", "uidMappings", &c->uid_maps, &c->n_uid_maps, err);

	if (r >= 0)
		r = rt_idmaps_parse_one(lx, "linux", "gidMappings", &c->gid_maps, &c->n_gid_maps,
		                        err);

	if (r < 0)
		return r;
	if (!u->enabled && (c->n_uid_maps > 0 || c->n_gid_maps > 0))
		return pp_error_msg(
		    err, EINVAL, "linux.uidMappings: user namespaces aren't enabled in the config");
	if (u->enabled && u->path == NULL && (c->n_uid_maps == 0 || c->n_gid_maps == 0))
		return pp_error_msg(
		    err, EINVAL,
		    "linux.uidMappings: user namespaces enabled, but no %s mappings found",
		    c->n_uid_maps == 0 ? "uid" : "gid");
	return 0;
}

/* /proc/<pid>/<file> ← "cid hid size\n" lines, in one write (the kernel
 * takes a map only once, whole). */
static int write_map(pid_t pid, const char *file, const struct rt_idmap *m, size_t n,
                     struct pp_error *err)
{
	cleanup_free char *buf = xcalloc(n + 1, 40);
	cleanup_close int fd = -1;
	char path[64];
	size_t len = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, 40, "%u %u %u\n", m[i].container_id,
		                        m[i].host_id, m[i].size);
	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		return pp_error(err, errno, "write %s", file);
	return 0;
}

/* The helper: in its new user namespace, wait for the parent to be done. */
static _Noreturn void helper_main(int rd)
{
	char c;

	/* EOF when the parent closes its end. */
	_exit(read(rd, &c, 1) < 0 ? 1 : 0);
}

int rt_userns_create(const struct rt_idmap *uids, size_t n_uids, const struct rt_idmap *gids,
                     size_t n_gids, int *ret_fd, struct pp_error *err)
{
	struct clone_args args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
	int pfd[2], fd = -1, r;
	long pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return pp_error(err, errno, "pipe");
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0) {
		(void)close(pfd[1]);
		helper_main(pfd[0]);
	}
	(void)close(pfd[0]);
	if (pid < 0) {
		(void)close(pfd[1]);
		return pp_error(err, errno, "new user namespace");
	}
	r = write_map((pid_t)pid, "uid_map", uids, n_uids, err);
	if (r >= 0)
		r = write_map((pid_t)pid, "gid_map", gids, n_gids, err);
	if (r >= 0)
		r = fd = rt_ns_open((pid_t)pid, RT_NS_USER, err);
	(void)close(pfd[1]);
	while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return pp_error_prefix(err, r, "user namespace");
	*ret_fd = fd;
	return 0;
}

int rt_userns_open(const struct rt_config *c, int *ret_fd, struct pp_error *err)
{
	const struct rt_namespace *u = &c->ns[RT_NS_USER];
	int fd;

	if (!u->enabled) {
		*ret_fd = -1;
		return 0;
	}
	if (u->path == NULL)
		return rt_userns_create(c->uid_maps, c->n_uid_maps, c->gid_maps, c->n_gid_maps,
		                        ret_fd, err);
	fd = open(u->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "user namespace path '%s'", u->path);
	*ret_fd = fd;
	return 0;
}

int rt_userns_become_root(struct pp_error *err)
{
	if (setresgid(0, 0, 0) < 0)
		return pp_error(err, errno, "user namespace: setgid 0 (is gid 0 mapped?)");
	if (setresuid(0, 0, 0) < 0)
		return pp_error(err, errno, "user namespace: setuid 0 (is uid 0 mapped?)");
	if (setgroups(0, NULL) < 0)
		return pp_error(err, errno, "user namespace: setgroups");
	return 0;
}

static int open_source(const char *path, int *fds, size_t *n, char **ret, struct pp_error *err)
{
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return pp_error(err, errno, "open '%s'", path);
	fds[(*n)++] = fd;
	*ret = xstrfmt("/proc/self/fd/%d", fd);
	return 0;
}

int rt_userns_open_sources(struct rt_config *c, int **ret_fds, size_t *ret_n, struct pp_error *err)
{
	int *fds = xcalloc(c->n_mounts + 1, sizeof(int));
	cleanup_free char *parent = xstrdup(c->root_path);
	char *slash = strrchr(parent, '/');
	size_t n = 0;
	int r;

	/* The rootfs is bound onto itself next: a magic link to it would land
	 * under that bind, a name looked up in its parent lands on top. */
	*slash = '\0';
	r = open_source(parent[0] != '\0' ? parent : "/", fds, &n, &c->root_fd_path, err);
	if (r >= 0) {
		char *p = xstrfmt("%s/%s", c->root_fd_path, slash + 1);

		free(c->root_fd_path);
		c->root_fd_path = p;
	}

	for (size_t i = 0; r >= 0 && i < c->n_mounts; i++) {
		struct rt_mount *m = &c->mounts[i];

		if (!m->bind)
			continue;
		r = open_source(m->source, fds, &n, &m->source_fd_path, err);
		if (r < 0)
			r = pp_error_prefix(err, r, "mounts[%zu].source", i);
	}
	*ret_fds = fds;
	*ret_n = n;
	return r < 0 ? r : 0;
}

int64_t rt_idmap_to_host(const struct rt_idmap *maps, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= maps[i].container_id && id - maps[i].container_id < maps[i].size)
			return (int64_t)maps[i].host_id + (id - maps[i].container_id);
	return -1;
}

/* One "cid hid size" line of f (the kernel's own, well formed). */
static bool parse_map_line(FILE *f, struct rt_idmap *ret)
{
	char line[128], *p = line, *end;
	unsigned long v[3];

	if (fgets(line, sizeof(line), f) == NULL)
		return false;
	for (int i = 0; i < 3; i++) {
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		if (end == p || errno != 0 || v[i] > UINT32_MAX)
			return false;
		p = end;
	}
	*ret = (struct rt_idmap){(uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2]};
	return true;
}

int rt_idmap_read(pid_t pid, const char *file, struct rt_idmap **ret, size_t *ret_n,
                  struct pp_error *err)
{
	char path[64];
	cleanup_fclose FILE *f = NULL;
	struct rt_idmap m, *maps = xcalloc(MAX_IDMAP_LINES + 1, sizeof(*maps));
	size_t n = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	if (f == NULL) {
		free(maps);
		return pp_error(err, errno, "open '%s'", path);
	}
	while (n < MAX_IDMAP_LINES && parse_map_line(f, &m))
		maps[n++] = m;
	*ret = maps;
	*ret_n = n;
	return 0;
}

void rt_stdio_chown(const int stdio[3], int64_t host_uid, int64_t host_gid)
{
	struct stat st;

	if (host_uid < 0 || host_gid < 0)
		return;
	for (int i = 0; i < 3; i++) {
		if (stdio[i] < 0 || fstat(stdio[i], &st) < 0)
			continue;
		if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
			continue;
		if (fchown(stdio[i], (uid_t)host_uid, (gid_t)host_gid) < 0)
			continue; /* as documented: the process gets EACCES there */
	}
}

/* The detached idmapped copy of m's source (see rt_idmap_mounts_prepare). */
static int idmap_mount(const struct rt_mount *m, int userns, struct pp_error *err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP};
	cleanup_close int own = -1, fd = -1;
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	int r;

	if (m->n_uid_maps > 0 || m->n_gid_maps > 0) {
		r = rt_userns_create(m->uid_maps, m->n_uid_maps, m->gid_maps, m->n_gid_maps, &own,
		                     err);
		if (r < 0)
			return r;
		userns = own;
	}
	if (userns < 0)
		return pp_error_msg(err, EINVAL, "idmap needs a user namespace or mappings");
	attr.userns_fd = (uint64_t)userns;
	if (m->idmap_recursive || (m->flags & MS_REC))
		flags |= AT_RECURSIVE;
	fd = sys_open_tree(AT_FDCWD, m->source, flags);
	if (fd < 0)
		return pp_error(err, errno, "open_tree '%s'", m->source);
	if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | (m->idmap_recursive ? AT_RECURSIVE : 0),
	                      &attr, sizeof(attr)) < 0)
		return pp_error(err, errno, "idmap '%s'", m->source);
	return take_fd(&fd);
}

int rt_idmap_mounts_prepare(struct rt_config *c, int userns, struct pp_error *err)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		struct rt_mount *m = &c->mounts[i];
		int fd;

		if (!m->idmap && m->n_uid_maps == 0 && m->n_gid_maps == 0)
			continue;
		fd = idmap_mount(m, userns, err);
		if (fd < 0)
			return pp_error_prefix(err, fd, "mounts[%zu]", i);
		m->idmap_fd = fd;
	}
	return 0;
}
