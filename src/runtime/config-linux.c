/* SPDX-License-Identifier: Apache-2.0 */
/* config-linux.md: namespaces, cgroupsPath, resources, sysctl, masked and
 * read-only paths, propagation, seccomp (seccomp.c); and the mount options
 * table (config.md "mounts"), as runc's parseMountOptions reads them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} mount_flags[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
};

static const struct {
	const char *name;
	unsigned long flag;
} propagation_flags[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* The recursive options (runc's recAttrFlags): mount_setattr(2) on the
 * whole tree after the mount. */
static const struct {
	const char *name;
	bool clear;
	uint64_t attr;
} rec_flags[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME},
    {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const char **rt_mount_option_names(void)
{
	static const char *const ext[] = {"bind",   "rbind",     "idmap",
	                                  "ridmap", "tmpcopyup", "notmpcopyup"};
	size_t n = N_OF(mount_flags) + N_OF(propagation_flags) + N_OF(rec_flags) + N_OF(ext);
	const char **v = xcalloc(n + 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < N_OF(mount_flags); i++)
		v[k++] = mount_flags[i].name;
	for (size_t i = 0; i < N_OF(propagation_flags); i++)
		v[k++] = propagation_flags[i].name;
	for (size_t i = 0; i < N_OF(rec_flags); i++)
		v[k++] = rec_flags[i].name;
	for (size_t i = 0; i < N_OF(ext); i++)
		v[k++] = ext[i];
	strv_sort((char **)v); /* only the pointers move */
	return v;
}

/* One of rec_flags into m; false when o is not one. */
static bool add_rec_option(struct rt_mount *m, const char *o)
{
	for (size_t i = 0; i < N_OF(rec_flags); i++) {
		uint64_t a = rec_flags[i].attr;

		if (strcmp(o, rec_flags[i].name) != 0)
			continue;
		/* mount_setattr(2): changing the atime mode needs the whole
		 * MOUNT_ATTR__ATIME in attr_clr (clearing one mode alone is
		 * EINVAL); with no mode set it is relatime */
		if ((a & MOUNT_ATTR__ATIME) == a)
			m->rec_clr |= MOUNT_ATTR__ATIME;
		if (rec_flags[i].clear)
			m->rec_clr |= a;
		else
			m->rec_set |= a;
		return true;
	}
	return false;
}

static unsigned long propagation_from_name(const char *s)
{
	for (size_t i = 0; i < N_OF(propagation_flags); i++)
		if (strcmp(s, propagation_flags[i].name) == 0)
			return propagation_flags[i].flag;
	return 0;
}

void rt_mount_clear(struct rt_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	free(m->data);
	free(m->source_fd_path);
	free(m->uid_maps);
	free(m->gid_maps);
	if (m->idmap_fd > 2)
		(void)close(m->idmap_fd);
	memset(m, 0, sizeof(*m));
}

static void mount_add_option(struct rt_mount *m, const char *o)
{
	unsigned long p;

	if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
		m->idmap = true;
		m->idmap_recursive = o[0] == 'r';
		return;
	}
	if (add_rec_option(m, o))
		return;
	if (strcmp(o, "tmpcopyup") == 0 || strcmp(o, "notmpcopyup") == 0) {
		m->tmpcopyup = o[0] == 't'; /* "notmpcopyup": crun's way to say no */
		return;
	}
	if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0) {
		m->bind = true;
		m->flags |= MS_BIND | (o[0] == 'r' ? MS_REC : 0);
		return;
	}
	for (size_t i = 0; i < N_OF(mount_flags); i++) {
		if (strcmp(o, mount_flags[i].name) != 0)
			continue;
		if (mount_flags[i].clear) {
			m->flags &= ~mount_flags[i].flag;
			m->clear_flags |= mount_flags[i].flag;
		} else {
			m->flags |= mount_flags[i].flag;
		}
		return;
	}
	p = propagation_from_name(o);
	if (p != 0) {
		m->propagation = p;
		return;
	}
	/* Anything else is filesystem data ("mode=755", "size=65536k"). */
	if (m->data == NULL) {
		m->data = xstrdup(o);
	} else {
		char *d = xstrfmt("%s,%s", m->data, o);

		free(m->data);
		m->data = d;
	}
}

static int mount_parse_fields(json_object *m, const char *path, struct rt_mount *ret,
                              struct pp_error *err)
{
	json_object *v;
	int r;

	r = rt_json_member(m, path, "destination", json_type_string, &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.destination: Required value", path);
	if (r < 0)
		return r;
	if (json_object_get_string(v)[0] != '/')
		return pp_error_msg(err, EINVAL, "%s.destination: '%s' is not absolute", path,
		                    json_object_get_string(v));
	ret->destination = xstrdup(json_object_get_string(v));
	r = rt_json_member(m, path, "type", json_type_string, &v, err);
	if (r < 0)
		return r;
	if (r > 0 && json_object_get_string_len(v) > 0)
		ret->type = xstrdup(json_object_get_string(v));
	r = rt_json_member(m, path, "source", json_type_string, &v, err);
	if (r < 0)
		return r;
	if (r > 0)
		ret->source = xstrdup(json_object_get_string(v));
	return 0;
}

int rt_mount_parse(json_object *m, size_t i, struct rt_mount *ret, struct pp_error *err)
{
	cleanup_strv char **opts = NULL;
	struct rt_mount mnt = {0};
	char path[48];
	int r;

	memset(ret, 0, sizeof(*ret));
	(void)snprintf(path, sizeof(path), "mounts[%zu]", i);
	if (!json_object_is_type(m, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", path);
	mnt.idmap_fd = -1;
	r = mount_parse_fields(m, path, &mnt, err);
	if (r >= 0)
		r = rt_idmaps_parse_one(m, path, "uidMappings", &mnt.uid_maps, &mnt.n_uid_maps,
		                        err);
	if (r >= 0)
		r = rt_idmaps_parse_one(m, path, "gidMappings", &mnt.gid_maps, &mnt.n_gid_maps,
		                        err);
	if (r >= 0)
		r = rt_json_strv(m, path, "options", &opts, err);
	if (r < 0) {
		rt_mount_clear(&mnt);
		return r;
	}
	for (size_t k = 0; opts != NULL && opts[k] != NULL; k++)
		mount_add_option(&mnt, opts[k]);
	if (mnt.type != NULL && strcmp(mnt.type, "bind") == 0) {
		mnt.bind = true;
		mnt.flags |= MS_BIND;
	}
	if ((mnt.idmap || mnt.n_uid_maps > 0 || mnt.n_gid_maps > 0) && !mnt.bind) {
		rt_mount_clear(&mnt);
		return pp_error_msg(err, EINVAL, "%s.options: idmapped mounts must be bind mounts",
		                    path);
	}
	if (mnt.bind && (mnt.source == NULL || mnt.source[0] == '\0')) {
		rt_mount_clear(&mnt);
		return pp_error_msg(err, EINVAL, "%s.source: Required value for a bind mount",
		                    path);
	}
	*ret = mnt;
	return 0;
}

static int ns_type_from_name(const char *s)
{
	static const char *const names[RT_NS_COUNT] = {
	    [RT_NS_USER] = "user",     [RT_NS_PID] = "pid",   [RT_NS_NET] = "network",
	    [RT_NS_IPC] = "ipc",       [RT_NS_UTS] = "uts",   [RT_NS_MNT] = "mount",
	    [RT_NS_CGROUP] = "cgroup", [RT_NS_TIME] = "time",
	};

	for (int i = 0; i < RT_NS_COUNT; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -EINVAL;
}

static int parse_namespace(json_object *e, size_t i, struct rt_config *c, struct pp_error *err)
{
	char path[64];
	json_object *v;
	int t, r;

	(void)snprintf(path, sizeof(path), "linux.namespaces[%zu]", i);
	if (!json_object_is_type(e, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", path);
	r = rt_json_member(e, path, "type", json_type_string, &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.type: Required value", path);
	if (r < 0)
		return r;
	t = ns_type_from_name(json_object_get_string(v));
	if (t < 0)
		return pp_error_msg(err, EINVAL, "%s.type: unsupported namespace '%s'", path,
		                    json_object_get_string(v));
	if (c->ns[t].enabled)
		return pp_error_msg(err, EINVAL, "%s.type: duplicate '%s'", path,
		                    json_object_get_string(v));
	c->ns[t].enabled = true;
	r = rt_json_member(e, path, "path", json_type_string, &v, err);
	if (r < 0)
		return r;
	if (r > 0 && json_object_get_string_len(v) > 0)
		c->ns[t].path = xstrdup(json_object_get_string(v));
	return 0;
}

static int parse_namespaces(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	json_object *arr;
	int r = rt_json_member(lx, "linux", "namespaces", json_type_array, &arr, err);
	size_t n;

	if (r <= 0)
		return r;
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		r = parse_namespace(json_object_array_get_idx(arr, i), i, c, err);
		if (r < 0)
			return r;
	}
	if (!c->ns[RT_NS_MNT].enabled || c->ns[RT_NS_MNT].path != NULL)
		return pp_error_msg(err, EINVAL,
		                    "linux.namespaces: a new 'mount' namespace is required");
	return 0;
}

/* The scalar fields of linux.resources' controllers, type-checked at load
 * so a bad config fails before anything is created; they are written by
 * rt_cgroup_apply. */
static const struct {
	const char *group, *key;
	enum json_type type;
} resource_fields[] = {
    {"memory", "limit", json_type_int},
    {"memory", "reservation", json_type_int},
    {"memory", "swap", json_type_int},
    {"memory", "kernel", json_type_int},
    {"memory", "kernelTCP", json_type_int},
    {"memory", "swappiness", json_type_int},
    {"memory", "disableOOMKiller", json_type_boolean},
    {"cpu", "shares", json_type_int},
    {"cpu", "quota", json_type_int},
    {"cpu", "period", json_type_int},
    {"cpu", "realtimeRuntime", json_type_int},
    {"cpu", "realtimePeriod", json_type_int},
    {"cpu", "cpus", json_type_string},
    {"cpu", "mems", json_type_string},
    {"pids", "limit", json_type_int},
    {"blockIO", "weight", json_type_int},
    {"blockIO", "leafWeight", json_type_int},
};

static int parse_resources(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	json_object *res = NULL, *o = NULL, *v = NULL;
	int r = rt_json_member(lx, "linux", "resources", json_type_object, &res, err);

	/* devices: parse_devices() */
	for (size_t i = 0; r > 0 && i < sizeof(resource_fields) / sizeof(resource_fields[0]); i++) {
		cleanup_free char *p = xstrfmt("linux.resources.%s", resource_fields[i].group);

		o = NULL;
		r = rt_json_member(res, "linux.resources", resource_fields[i].group,
		                   json_type_object, &o, err);
		if (r > 0)
			r = rt_json_member(o, p, resource_fields[i].key, resource_fields[i].type,
			                   &v, err);
		if (r >= 0)
			r = 1;
	}
	if (r > 0)
		c->resources = res;
	return r < 0 ? r : 0;
}

/* runc's validator: a sysctl is allowed only when the namespace that
 * isolates it is the container's (new or joined): the ipc ones with an
 * ipc namespace, net.* with a network namespace, kernel.domainname with
 * a uts namespace; kernel.hostname conflicts with "hostname". */
static int check_sysctl(const char *k, const struct rt_config *c, struct pp_error *err)
{
	static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
	                                  "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
	                                  "kernel.shmmni", "kernel.shm_rmid_forced"};
	bool is_ipc = strncmp(k, "fs.mqueue.", 10) == 0;

	for (size_t i = 0; i < N_OF(ipc); i++)
		is_ipc = is_ipc || strcmp(k, ipc[i]) == 0;
	if (is_ipc && c->ns[RT_NS_IPC].enabled)
		return 0;
	if (is_ipc)
		return pp_error_msg(err, EINVAL,
		                    "linux.sysctl: sysctl \"%s\" is not allowed in the hosts ipc "
		                    "namespace",
		                    k);
	if (strncmp(k, "net.", 4) == 0) {
		if (c->ns[RT_NS_NET].enabled)
			return 0;
		return pp_error_msg(
		    err, EINVAL,
		    "linux.sysctl: sysctl \"%s\" not allowed in host network namespace", k);
	}
	if (c->ns[RT_NS_UTS].enabled && strcmp(k, "kernel.domainname") == 0)
		return 0;
	if (c->ns[RT_NS_UTS].enabled && strcmp(k, "kernel.hostname") == 0)
		return pp_error_msg(
		    err, EINVAL,
		    "linux.sysctl: sysctl \"%s\" is not allowed as it conflicts with "
		    "the OCI \"hostname\" field",
		    k);
	return pp_error_msg(err, EINVAL,
	                    "linux.sysctl: sysctl \"%s\" is not in a separate kernel namespace", k);
}

static int parse_sysctl(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	json_object *o;
	int r = rt_json_member(lx, "linux", "sysctl", json_type_object, &o, err);
	size_t n = 0;

	if (r <= 0)
		return r;
	c->sysctls = xcalloc((size_t)json_object_object_length(o) + 1, sizeof(*c->sysctls));
	json_object_object_foreach(o, k, v)
	{
		if (!json_object_is_type(v, json_type_string))
			return pp_error_msg(err, EINVAL, "linux.sysctl.%s: expected a string", k);
		if (k[0] == '\0' || strstr(k, "..") != NULL || k[0] == '.' || k[0] == '/')
			return pp_error_msg(err, EINVAL, "linux.sysctl: invalid key '%s'", k);
		r = check_sysctl(k, c, err);
		if (r < 0)
			return r;
		c->sysctls[n].key = xstrdup(k);
		c->sysctls[n].value = xstrdup(json_object_get_string(v));
		c->n_sysctls = ++n;
	}
	return 0;
}

/* linux.intelRdt as runc 1.1 takes it: closID checked as a folder name;
 * a schema refused when the host has no resctrl (runc's words); without
 * resctrl nothing else is done, as runc then makes no intelrdt manager.
 * With resctrl mounted pea would have to join a group: refused. */
static int parse_intel_rdt(json_object *lx, struct pp_error *err)
{
	static const char *const schemas[] = {"l3CacheSchema", "memBwSchema"};
	static const char *const features[] = {"CAT", "MBA"};
	json_object *o, *v;
	int r = rt_json_member(lx, "linux", "intelRdt", json_type_object, &o, err);
	const char *id;

	if (r <= 0 || json_object_object_length(o) == 0)
		return r;
	r = rt_json_member(o, "linux.intelRdt", "closID", json_type_string, &v, err);
	if (r < 0)
		return r;
	id = r > 0 ? json_object_get_string(v) : "";
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strchr(id, '/') != NULL)
		return pp_error_msg(err, EINVAL, "linux.intelRdt.closID: invalid \"%s\"", id);
	if (access("/sys/fs/resctrl/info", F_OK) == 0)
		return pp_error_msg(err, EINVAL,
		                    "linux.intelRdt: not supported by pea on a host with resctrl");
	for (size_t i = 0; i < N_OF(schemas); i++) {
		r = rt_json_member(o, "linux.intelRdt", schemas[i], json_type_string, &v, err);
		if (r < 0)
			return r;
		if (r > 0 && json_object_get_string_len(v) > 0)
			return pp_error_msg(err, EINVAL,
			                    "linux.intelRdt.%s is specified in config, but Intel "
			                    "RDT/%s is not enabled",
			                    schemas[i], features[i]);
	}
	return 0;
}

/* linux.devices, then linux.resources.devices with runc's defaults after
 * them, and what the rules leave (refusing rules v1 would not honour). */
static int parse_devices(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	json_object *devs = NULL, *res = NULL, *rules = NULL;
	int r = rt_json_member(lx, "linux", "devices", json_type_array, &devs, err);

	if (r >= 0)
		r = rt_devices_parse(devs, &c->devices, &c->n_devices, err);
	if (r >= 0)
		r = rt_json_member(lx, "linux", "resources", json_type_object, &res, err);
	if (r > 0)
		r = rt_json_member(res, "linux.resources", "devices", json_type_array, &rules, err);
	if (r < 0)
		return r;
	c->n_dev_config = rules != NULL ? json_object_array_length(rules) : 0;
	r = rt_dev_rules_parse(rules, c->devices, c->n_devices, &c->dev_rules, &c->n_dev_rules,
	                       err);
	if (r < 0)
		return r;
	return rt_dev_policy_compute(c->dev_rules, c->n_dev_rules, c->n_dev_config, &c->dev_policy,
	                             err);
}

static int parse_seccomp(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	json_object *o;
	int r = rt_json_member(lx, "linux", "seccomp", json_type_object, &o, err);

	if (r <= 0)
		return r;
	return rt_seccomp_parse(o, &c->seccomp, err);
}

int rt_config_parse_linux(json_object *json, struct rt_config *c, struct pp_error *err)
{
	json_object *lx, *v;
	int r = rt_json_member(json, "", "linux", json_type_object, &lx, err);

	if (r == 0)
		return pp_error_msg(err, EINVAL, "linux: Required value");
	if (r < 0)
		return r;
	r = parse_namespaces(lx, c, err);
	if (r >= 0)
		r = rt_idmaps_parse(lx, c, err);
	if (r >= 0)
		r = parse_intel_rdt(lx, err);
	if (r >= 0)
		r = rt_kopts_parse_linux(lx, c, err);
	if (r >= 0)
		r = parse_seccomp(lx, c, err);
	if (r >= 0)
		r = parse_resources(lx, c, err);
	if (r >= 0)
		r = parse_devices(lx, c, err);
	if (r >= 0)
		r = parse_sysctl(lx, c, err);
	if (r >= 0)
		r = rt_json_strv(lx, "linux", "maskedPaths", &c->masked_paths, err);
	if (r >= 0)
		r = rt_json_strv(lx, "linux", "readonlyPaths", &c->readonly_paths, err);
	if (r >= 0)
		r = rt_json_member(lx, "linux", "cgroupsPath", json_type_string, &v, err);
	if (r > 0)
		c->cgroups_path = xstrdup(json_object_get_string(v));
	if (r >= 0)
		r = rt_json_member(lx, "linux", "rootfsPropagation", json_type_string, &v, err);
	if (r > 0) {
		c->rootfs_propagation = propagation_from_name(json_object_get_string(v));
		if (c->rootfs_propagation == 0)
			return pp_error_msg(err, EINVAL, "linux.rootfsPropagation: unknown '%s'",
			                    json_object_get_string(v));
	}
	if (r >= 0)
		r = rt_json_member(lx, "linux", "mountLabel", json_type_string, &v, err);
	/* runc 1.1 drops a mountLabel when SELinux is off (label.FormatMountLabel
	 * is a no-op there); with SELinux on it would label, and pea cannot. */
	if (r > 0 && json_object_get_string_len(v) > 0 && rt_selinux_enabled())
		return pp_error_msg(err, EINVAL,
		                    "linux.mountLabel: pea does not apply SELinux labels");
	return r < 0 ? r : 0;
}
