/* SPDX-License-Identifier: Apache-2.0 */
/* Container state on disk (<state_root>/<id>/state.json) and the OCI state
 * view of it: status recomputed from the live init process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

int rt_id_validate(const char *id, struct pp_error *err)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return pp_error_msg(err, EINVAL, "invalid container id '%s'", id ? id : "");
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-",
		            id[i]))
			return pp_error_msg(err, EINVAL, "invalid container id '%s'", id);
	return 0;
}

char *rt_state_dir(const char *state_root, const char *id)
{
	return xstrfmt("%s/%s", state_root, id);
}

/* Read field 3 (state) and 22 (starttime) of /proc/<pid>/stat. */
static int proc_stat(pid_t pid, char *ret_state, uint64_t *ret_start)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	char *p;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces and parens */
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return -EINVAL;
	p += 2; /* field 3, the state */
	*ret_state = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -EINVAL;
		p++;
	}
	start = strtoull(p, NULL, 10);
	*ret_start = start;
	return 0;
}

uint64_t rt_proc_start_time(pid_t pid)
{
	uint64_t start = 0;
	char st = 0;

	if (pid <= 0 || proc_stat(pid, &st, &start) < 0)
		return 0;
	return start;
}

bool rt_state_pid_alive(const struct rt_state_file *st)
{
	uint64_t start = 0;
	char s = 0;

	if (st->pid <= 0 || proc_stat(st->pid, &s, &start) < 0)
		return false;
	return start == st->pid_start && s != 'Z' && s != 'X';
}

void rt_state_file_clear(struct rt_state_file *st)
{
	free(st->id);
	free(st->bundle);
	free(st->created);
	free(st->cgroup_path);
	free(st->rootfs);
	json_object_put(st->annotations);
	memset(st, 0, sizeof(*st));
}

int rt_state_write(const char *state_root, const struct rt_state_file *st, struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/%s/state.json", state_root, st->id);
	json_object *o = json_object_new_object();
	int r;

	json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "pidStart", json_object_new_uint64(st->pid_start));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(o, "created", json_object_new_string(st->created));
	if (st->cgroup_path)
		json_object_object_add(o, "cgroupPath", json_object_new_string(st->cgroup_path));
	if (st->rootfs)
		json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "started", json_object_new_boolean(st->started));
	if (st->no_new_keyring)
		json_object_object_add(o, "noNewKeyring", json_object_new_boolean(true));
	if (st->annotations)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	/* a runtime's state does not outlive a boot: no fsync (runc, crun) */
	r = json_write_file_volatile(path, o, err);
	json_object_put(o);
	return r;
}

static int state_from_json(json_object *o, struct rt_state_file *st, struct pp_error *err)
{
	const char *id = json_get_str(o, "id"), *bundle = json_get_str(o, "bundle");
	json_object *ann = json_get_obj(o, "annotations");

	if (id == NULL || bundle == NULL || json_get_str(o, "created") == NULL)
		return pp_error_msg(err, EINVAL, "state.json: missing fields");
	st->id = xstrdup(id);
	st->bundle = xstrdup(bundle);
	st->created = xstrdup(json_get_str(o, "created"));
	st->cgroup_path = xstrdup(json_get_str(o, "cgroupPath"));
	st->rootfs = xstrdup(json_get_str(o, "rootfs"));
	st->pid = (pid_t)json_get_int(o, "pid", 0);
	st->pid_start = (uint64_t)json_get_int(o, "pidStart", 0);
	st->started = json_get_bool(o, "started", false);
	st->no_new_keyring = json_get_bool(o, "noNewKeyring", false);
	st->annotations = ann ? json_object_get(ann) : NULL;
	return 0;
}

int rt_state_read(const char *state_root, const char *id, struct rt_state_file *ret,
                  struct pp_error *err)
{
	cleanup_free char *path = NULL;
	struct rt_state_file st = {0};
	json_object *o = NULL;
	int r;

	r = rt_id_validate(id, err);
	if (r < 0)
		return r;
	path = xstrfmt("%s/%s/state.json", state_root, id);
	if (access(path, F_OK) < 0)
		return pp_error_msg(err, ENOENT, "container '%s' does not exist", id);
	r = json_parse_file(path, 1 << 20, &o, err);
	if (r < 0)
		return r;
	r = state_from_json(o, &st, err);
	json_object_put(o);
	if (r < 0) {
		rt_state_file_clear(&st);
		return r;
	}
	*ret = st;
	return 0;
}

int rt_container_state(const char *state_root, const char *id, struct rt_state *ret,
                       struct pp_error *err)
{
	struct rt_state_file st = {0};
	bool alive;
	int r = rt_state_read(state_root, id, &st, err);

	if (r < 0)
		return r;
	alive = rt_state_pid_alive(&st);
	memset(ret, 0, sizeof(*ret));
	ret->id = take_ptr(&st.id);
	ret->bundle = take_ptr(&st.bundle);
	ret->created = take_ptr(&st.created);
	ret->cgroup_path = take_ptr(&st.cgroup_path);
	ret->rootfs = take_ptr(&st.rootfs);
	ret->annotations = take_ptr(&st.annotations);
	ret->pid = alive ? st.pid : 0;
	if (!alive)
		ret->status = RT_STATUS_STOPPED;
	else if (ret->cgroup_path != NULL && rt_cgroup_frozen(ret->cgroup_path))
		ret->status = RT_STATUS_PAUSED;
	else
		ret->status = st.started ? RT_STATUS_RUNNING : RT_STATUS_CREATED;
	rt_state_file_clear(&st);
	return 0;
}

void rt_state_clear(struct rt_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->created);
	free(st->cgroup_path);
	free(st->rootfs);
	json_object_put(st->annotations);
	memset(st, 0, sizeof(*st));
}

const char *rt_status_name(enum rt_status s)
{
	static const char *const names[] = {"creating", "created", "running", "stopped", "paused"};

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

json_object *rt_state_to_json(const struct rt_state *st)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "status", json_object_new_string(rt_status_name(st->status)));
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	if (st->rootfs != NULL)
		json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "created", json_object_new_string(st->created));
	/* runc: omitted when empty */
	if (st->annotations != NULL && json_object_object_length(st->annotations) > 0)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	return o;
}

int rt_container_list(const char *state_root, char ***ret_ids, struct pp_error *err)
{
	cleanup_dir DIR *d = opendir(state_root);
	cleanup_strv char **ids = NULL;
	struct dirent *de;

	if (d == NULL) {
		if (errno != ENOENT)
			return pp_error(err, errno, "open '%s'", state_root);
		*ret_ids = xcalloc(1, sizeof(char *));
		return 0;
	}
	ids = xcalloc(1, sizeof(char *));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || rt_id_validate(de->d_name, NULL) < 0)
			continue;
		if (faccessat(dirfd(d), de->d_name, F_OK, 0) == 0)
			strv_push(&ids, de->d_name);
	}
	*ret_ids = take_ptr(&ids);
	return 0;
}
