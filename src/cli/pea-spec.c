/* SPDX-License-Identifier: Apache-2.0 */
/* pea spec (a default config.json, as `runc spec`) and pea features (the
 * OCI runtime features document, runtime-spec features.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/pea-cli.h"
#include "config.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

#define SPEC_VERSION "1.1.0"

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                           NULL};

static json_object *strs(const char *const *v)
{
	return json_from_strv((char *const *)v);
}

static json_object *default_process(void)
{
	static const char *const args[] = {"sh", NULL};
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
	    NULL};
	json_object *p = json_object_new_object(), *user = json_object_new_object();
	json_object *caps = json_object_new_object(), *rl = json_object_new_object();
	json_object *rls = json_object_new_array();

	json_object_object_add(p, "terminal", json_object_new_boolean(true));
	json_object_object_add(user, "uid", json_object_new_int(0));
	json_object_object_add(user, "gid", json_object_new_int(0));
	json_object_object_add(p, "user", user);
	json_object_object_add(p, "args", strs(args));
	json_object_object_add(p, "env", strs(env));
	json_object_object_add(p, "cwd", json_object_new_string("/"));
	json_object_object_add(caps, "bounding", strs(default_caps));
	json_object_object_add(caps, "effective", strs(default_caps));
	json_object_object_add(caps, "permitted", strs(default_caps));
	json_object_object_add(p, "capabilities", caps);
	json_object_object_add(rl, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(rl, "hard", json_object_new_int(1024));
	json_object_object_add(rl, "soft", json_object_new_int(1024));
	json_object_array_add(rls, rl);
	json_object_object_add(p, "rlimits", rls);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(true));
	return p;
}

static json_object *mount(const char *dst, const char *type, const char *src,
                          const char *const *options)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	if (options != NULL)
		json_object_object_add(m, "options", strs(options));
	return m;
}

static json_object *default_mounts(void)
{
	static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
	static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
	                                  "mode=0620", "gid=5",  NULL};
	static const char *const shm[] = {"nosuid",    "noexec",      "nodev",
	                                  "mode=1777", "size=65536k", NULL};
	static const char *const mq[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	json_object *a = json_object_new_array();

	json_object_array_add(a, mount("/proc", "proc", "proc", NULL));
	json_object_array_add(a, mount("/dev", "tmpfs", "tmpfs", dev));
	json_object_array_add(a, mount("/dev/pts", "devpts", "devpts", pts));
	json_object_array_add(a, mount("/dev/shm", "tmpfs", "shm", shm));
	json_object_array_add(a, mount("/dev/mqueue", "mqueue", "mqueue", mq));
	json_object_array_add(a, mount("/sys", "sysfs", "sysfs", sys));
	return a;
}

static json_object *default_linux(void)
{
	static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
	static const char *const masked[] = {"/proc/acpi",
	                                     "/proc/asound",
	                                     "/proc/kcore",
	                                     "/proc/keys",
	                                     "/proc/latency_stats",
	                                     "/proc/timer_list",
	                                     "/proc/timer_stats",
	                                     "/proc/sched_debug",
	                                     "/sys/firmware",
	                                     "/proc/scsi",
	                                     NULL};
	static const char *const ro[] = {
	    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
	json_object *l = json_object_new_object(), *nss = json_object_new_array();
	json_object *res = json_object_new_object(), *devs = json_object_new_array(), *deny;

	for (const char *const *t = ns; *t != NULL; t++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "type", json_object_new_string(*t));
		json_object_array_add(nss, o);
	}
	/* as runc spec: deny every device; the runtime appends its defaults */
	deny = json_object_new_object();
	json_object_object_add(deny, "allow", json_object_new_boolean(false));
	json_object_object_add(deny, "access", json_object_new_string("rwm"));
	json_object_array_add(devs, deny);
	json_object_object_add(res, "devices", devs);
	json_object_object_add(l, "resources", res);
	json_object_object_add(l, "namespaces", nss);
	json_object_object_add(l, "maskedPaths", strs(masked));
	json_object_object_add(l, "readonlyPaths", strs(ro));
	return l;
}

static json_object *default_spec(void)
{
	json_object *s = json_object_new_object(), *root = json_object_new_object();

	json_object_object_add(s, "ociVersion", json_object_new_string(SPEC_VERSION));
	json_object_object_add(s, "process", default_process());
	json_object_object_add(root, "path", json_object_new_string("rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(true));
	json_object_object_add(s, "root", root);
	json_object_object_add(s, "hostname", json_object_new_string("pea"));
	json_object_object_add(s, "mounts", default_mounts());
	json_object_object_add(s, "linux", default_linux());
	return s;
}

/* A single-entry id mapping of the caller's id onto the container's 0. */
static json_object *map_self(unsigned id)
{
	json_object *arr = json_object_new_array(), *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int(0));
	json_object_object_add(m, "hostID", json_object_new_int64(id));
	json_object_object_add(m, "size", json_object_new_int(1));
	json_object_array_add(arr, m);
	return arr;
}

/* Drop the uid= and gid= options of a mount; /sys becomes an rbind. */
static void rootless_mount(json_object *m)
{
	static const char *const sys[] = {"rbind", "nosuid", "noexec", "nodev", "ro", NULL};
	json_object *opts, *old = json_get_arr(m, "options");
	const char *dst = json_get_str(m, "destination");

	if (dst != NULL && strcmp(dst, "/sys") == 0) {
		json_object_object_add(m, "type", json_object_new_string("none"));
		json_object_object_add(m, "source", json_object_new_string("/sys"));
		json_object_object_add(m, "options", strs(sys));
		return;
	}
	if (old == NULL)
		return;
	opts = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(old); i++) {
		const char *o = json_object_get_string(json_object_array_get_idx(old, i));

		if (strncmp(o, "uid=", 4) != 0 && strncmp(o, "gid=", 4) != 0)
			json_object_array_add(opts, json_object_new_string(o));
	}
	json_object_object_add(m, "options", opts);
}

/* runc spec --rootless (specconv.ToRootless): no network namespace, a user
 * namespace mapping the caller's ids to 0, /sys bound, no resources. */
static void to_rootless(json_object *spec)
{
	json_object *lx = json_get_obj(spec, "linux"), *ns = json_get_arr(lx, "namespaces");
	json_object *keep = json_object_new_array(), *user = json_object_new_object();
	json_object *mounts = json_get_arr(spec, "mounts");

	for (size_t i = 0; i < json_object_array_length(ns); i++) {
		json_object *n = json_object_array_get_idx(ns, i);
		const char *t = json_get_str(n, "type");

		if (t != NULL && strcmp(t, "network") != 0 && strcmp(t, "user") != 0)
			json_object_array_add(keep, json_object_get(n));
	}
	json_object_object_add(user, "type", json_object_new_string("user"));
	json_object_array_add(keep, user);
	json_object_object_add(lx, "namespaces", keep);
	json_object_object_add(lx, "uidMappings", map_self(geteuid()));
	json_object_object_add(lx, "gidMappings", map_self(getegid()));
	json_object_object_del(lx, "resources");
	for (size_t i = 0; i < json_object_array_length(mounts); i++)
		rootless_mount(json_object_array_get_idx(mounts, i));
}

int pea_cmd_spec(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"rootless", no_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct pp_error err = {0};
	cleanup_free char *path = NULL;
	const char *bundle = ".";
	json_object *spec;
	bool rootless = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'r')
			rootless = true;
		else if (c == 'b')
			bundle = optarg;
		else
			return pea_failf("usage: pea spec [--rootless] [--bundle DIR]");
	}
	if (optind != argc)
		return pea_failf("usage: pea spec [--rootless] [--bundle DIR]");
	path = xstrfmt("%s/config.json", bundle);
	if (access(path, F_OK) == 0)
		return pea_failf("File %s exists. Remove it first", path);
	spec = default_spec();
	if (rootless)
		to_rootless(spec);
	r = json_write_file(path, spec, &err);
	json_object_put(spec);
	if (r < 0)
		return pea_fail(&err);
	return 0;
}

/* What the runtime's linux.seccomp accepts (seccomp.c). */
static json_object *features_seccomp(void)
{
	const char **actions = rt_seccomp_names(RT_SECCOMP_ACTIONS);
	const char **ops = rt_seccomp_names(RT_SECCOMP_OPS);
	const char **flags = rt_seccomp_names(RT_SECCOMP_FLAGS);
	const char **archs = rt_seccomp_names(RT_SECCOMP_ARCHES);
	json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(true));
	json_object_object_add(o, "actions", strs(actions));
	json_object_object_add(o, "operators", strs(ops));
	json_object_object_add(o, "archs", strs(archs));
	json_object_object_add(o, "knownFlags", strs(flags));
	json_object_object_add(o, "supportedFlags", strs(flags));
	free(actions);
	free(ops);
	free(flags);
	free(archs);
	return o;
}

static json_object *features_linux(void)
{
	static const char *const ns[] = {"cgroup", "ipc",  "mount", "network", "pid",
	                                 "time",   "user", "uts",   NULL};
	json_object *l = json_object_new_object(), *caps = json_object_new_array();
	json_object *cg = json_object_new_object(), *off = json_object_new_object();
	json_object *ext = json_object_new_object(), *on = json_object_new_object();
	int last = rt_cap_last();

	json_object_object_add(l, "namespaces", strs(ns));
	for (int i = 0; i <= last && rt_cap_name(i) != NULL; i++) {
		cleanup_free char *name = xstrfmt("CAP_%s", rt_cap_name(i));

		json_object_array_add(caps, json_object_new_string(name));
	}
	json_object_object_add(l, "capabilities", caps);
	json_object_object_add(cg, "v1", json_object_new_boolean(true));
	json_object_object_add(cg, "v2", json_object_new_boolean(true));
	json_object_object_add(cg, "systemd", json_object_new_boolean(false));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(false));
	json_object_object_add(l, "cgroup", cg);
	json_object_object_add(off, "enabled", json_object_new_boolean(false));
	json_object_object_add(l, "seccomp",
	                       HAVE_SECCOMP ? features_seccomp() : json_object_get(off));
	/* false even on a host that has them: pea applies no LSM label, and
	 * refuses a config that asks for one (rt_process_parse). */
	json_object_object_add(l, "apparmor", json_object_get(off));
	json_object_object_add(l, "selinux", json_object_get(off));
	/* a closID alone is accepted and ignored, a schema refused */
	json_object_object_add(l, "intelRdt", off);
	json_object_object_add(on, "enabled", json_object_new_boolean(true));
	json_object_object_add(ext, "idmap", on);
	json_object_object_add(l, "mountExtensions", ext);
	return l;
}

int pea_cmd_features(int argc, char **argv)
{
	const char **mount_opts;
	json_object *f, *ann;

	(void)argv;
	if (argc != 1)
		return pea_failf("usage: pea features");
	mount_opts = rt_mount_option_names();
	f = json_object_new_object();
	ann = json_object_new_object();
	json_object_object_add(f, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(f, "ociVersionMax", json_object_new_string(SPEC_VERSION));
	json_object_object_add(f, "hooks", strs(rt_hook_names()));
	json_object_object_add(f, "mountOptions", strs(mount_opts));
	free(mount_opts);
	json_object_object_add(f, "linux", features_linux());
	json_object_object_add(ann, "io.github.peapod.pea.version",
	                       json_object_new_string(PEAPOD_VERSION));
	json_object_object_add(f, "annotations", ann);
	pea_print_json(f);
	json_object_put(f);
	return 0;
}
