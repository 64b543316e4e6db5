/* SPDX-License-Identifier: Apache-2.0 */
/* A container's linux.seccomp: containerd's RuntimeDefault profile from
 * the built-in data (entries kept by their includes/excludes against the
 * container's capabilities, this machine's architecture and kernel), a
 * Localhost profile read from ROOT/seccomp, or none (Unconfined). */
#include "pod/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/utsname.h>

#include "pod/node.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define PROFILE_MAX (1u << 20)

/* data/seccomp/runtime-default.json, embedded by the build. */
extern const char pod_seccomp_default_json[];

/* uname -m as the data's arch names: i?86 → i386, armv* → arm. */
static const char *arch_name(const char *machine)
{
	size_t n = strlen(machine);

	if (n == 4 && machine[0] == 'i' && strcmp(machine + 2, "86") == 0)
		return "i386";
	if (strncmp(machine, "armv", 4) == 0)
		return "arm";
	return machine;
}

/* "MAJOR.MINOR..." → MAJOR * 1000 + MINOR; 0 when it does not start so. */
static unsigned long kernel_version(const char *s)
{
	char *end = NULL;
	unsigned long major = strtoul(s, &end, 10), minor;

	if (end == s || *end != '.')
		return 0;
	s = end + 1;
	minor = strtoul(s, &end, 10);
	return end == s ? 0 : major * 1000 + minor;
}

/* Is release (uname -r, "6.1.0-18-amd64") at least min ("4.8")? */
static bool kernel_at_least(const char *release, const char *min)
{
	return kernel_version(release) >= kernel_version(min);
}

struct target {
	json_object *caps;
	const char *arch;
	const char *release;
};

/* includes: every cap held, the arch listed, the kernel recent enough. */
static bool includes_hold(json_object *inc, const struct target *t)
{
	json_object *caps = json_get_arr(inc, "caps"), *arches = json_get_arr(inc, "arches");
	const char *min = json_get_str(inc, "minKernel");

	for (size_t i = 0; caps != NULL && i < json_object_array_length(caps); i++)
		if (!json_strs_has(t->caps,
		                   json_object_get_string(json_object_array_get_idx(caps, i))))
			return false;
	if (arches != NULL && !json_strs_has(arches, t->arch))
		return false;
	return min == NULL || kernel_at_least(t->release, min);
}

/* excludes: any cap held or the arch listed. */
static bool excludes_hit(json_object *exc, const struct target *t)
{
	json_object *caps = json_get_arr(exc, "caps");

	for (size_t i = 0; caps != NULL && i < json_object_array_length(caps); i++)
		if (json_strs_has(t->caps,
		                  json_object_get_string(json_object_array_get_idx(caps, i))))
			return true;
	return json_strs_has(json_get_arr(exc, "arches"), t->arch);
}

/* The OCI entry of a data entry: names, action, errnoRet, args. */
static json_object *oci_entry(json_object *e)
{
	json_object *o = json_object_new_object();
	static const char *const keys[] = {"names", "action", "errnoRet", "args"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_object *v = json_object_object_get(e, keys[i]);

		if (v != NULL)
			json_object_object_add(o, keys[i], json_object_get(v));
	}
	return o;
}

json_object *pod_seccomp_runtime_default(json_object *caps, const char *machine,
                                         const char *release)
{
	cleanup_json json_object *data = json_tokener_parse(pod_seccomp_default_json);
	struct target t = {caps, arch_name(machine), release};
	json_object *out = json_object_new_object(), *syscalls = json_object_new_array();
	json_object *arches = json_object_object_get(json_get_obj(data, "archMap"), t.arch);
	json_object *entries = json_get_arr(data, "syscalls");

	/* a built-in text that does not parse is a build error */
	if (data == NULL)
		abort();
	json_object_object_add(out, "defaultAction",
	                       json_object_new_string(json_get_str(data, "defaultAction")));
	json_object_object_add(out, "architectures",
	                       arches != NULL ? json_object_get(arches) : json_object_new_array());
	for (size_t i = 0; entries != NULL && i < json_object_array_length(entries); i++) {
		json_object *e = json_object_array_get_idx(entries, i);
		json_object *inc = json_get_obj(e, "includes"), *exc = json_get_obj(e, "excludes");

		if ((inc == NULL || includes_hold(inc, &t)) &&
		    (exc == NULL || !excludes_hit(exc, &t)))
			json_object_array_add(syscalls, oci_entry(e));
	}
	json_object_object_add(out, "syscalls", syscalls);
	return out;
}

const char *pod_seccomp_type(const struct pod_profile *p, bool unconfined_default)
{
	if (p != NULL && p->type != NULL)
		return p->type;
	return unconfined_default ? "Unconfined" : "RuntimeDefault";
}

/* An error as Go prints it ("no such file or directory"). */
static void lower_strerror(int e, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
}

static int load_failed(const char *path, const char *op, int e, struct pp_error *err)
{
	char why[128];

	lower_strerror(e, why, sizeof(why));
	return pp_error_msg(err, e, "cannot load seccomp profile \"%s\": %s %s: %s", path, op, path,
	                    why);
}

/* containerd's seccomp.WithProfile: the file's JSON is the profile. */
static int load_localhost(const char *dir, const char *name, json_object **ret,
                          struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/%s", dir != NULL ? dir : "", name);
	cleanup_free char *text = NULL;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	json_object *o = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (fd < 0)
		return load_failed(path, "open", errno, err);
	if (fstat(fd, &st) < 0)
		return load_failed(path, "read", errno, err);
	if (S_ISDIR(st.st_mode))
		return load_failed(path, "read", EISDIR, err);
	if (!S_ISREG(st.st_mode))
		return load_failed(path, "read", EINVAL, err);
	r = fs_read_fd(fd, PROFILE_MAX, &text, &len, err);
	if (r < 0)
		return load_failed(path, "read", -r, err);
	r = json_parse_text(text, len, "profile", &o, err);
	if (r < 0)
		return pp_error_msg(err, EINVAL, "decoding seccomp profile failed \"%s\": %s", path,
		                    err->msg);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return pp_error_msg(
		    err, EINVAL,
		    "decoding seccomp profile failed \"%s\": json: cannot unmarshal %s into Go value of type specs.LinuxSeccomp",
		    path, json_type_to_name(json_object_get_type(o)));
	}
	*ret = o;
	return 0;
}

int pod_seccomp_plan(const struct pod_profile *p, bool unconfined_default, const char *dir,
                     json_object *caps, json_object **ret, struct pp_error *err)
{
	const char *type = pod_seccomp_type(p, unconfined_default);
	struct utsname u = {0};

	*ret = NULL;
	if (strcmp(type, "Unconfined") == 0)
		return 0;
	if (strcmp(type, "Localhost") == 0)
		return load_localhost(dir, p->localhost_profile, ret, err);
	(void)uname(&u);
	*ret = pod_seccomp_runtime_default(caps, u.machine, u.release);
	return 0;
}

int pod_lsm_check(const struct pod *pod, const struct pod_container *c, struct pp_error *err)
{
	struct pod_profile ap;

	pod_apparmor_effective(pod, c, &ap);
	if (ap.type != NULL && strcmp(ap.type, "Unconfined") != 0) {
		if (!rt_apparmor_enabled() && strcmp(ap.type, "Localhost") == 0)
			return pp_error_msg(
			    err, EINVAL,
			    "Cannot enforce AppArmor: AppArmor is not enabled on the host");
		if (rt_apparmor_enabled())
			return pp_error_msg(
			    err, EINVAL,
			    "Cannot enforce AppArmor: peapod does not apply AppArmor "
			    "profiles (%s)",
			    ap.type);
	}
	if (pod_selinux_is_set(pod, c) && rt_selinux_enabled())
		return pp_error_msg(err, EINVAL,
		                    "seLinuxOptions: peapod does not apply SELinux labels");
	return 0;
}

int pod_seccomp_unconfined_default(const struct pod_paths *paths, bool *ret, struct pp_error *err)
{
	cleanup_json json_object *config = NULL;
	json_object *v;
	int r = pod_node_config(paths, &config, err);

	if (r < 0)
		return r;
	v = json_object_object_get(config, "seccompDefault");
	if (v != NULL && !json_object_is_type(v, json_type_boolean))
		return pp_error_msg(err, EINVAL, "%s: seccompDefault: expected a boolean",
		                    NODE_CONFIG_FILE);
	*ret = v != NULL && !json_object_get_boolean(v);
	return 0;
}
