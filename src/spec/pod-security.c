/* SPDX-License-Identifier: Apache-2.0 */
/* Who a container runs as: spec.securityContext (runAsUser, runAsGroup,
 * runAsNonRoot, supplementalGroups) and the matching container-level
 * fields with allowPrivilegeEscalation and readOnlyRootFilesystem; their
 * decoding (with the API server's range checks), encoding and equality. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "util/error.h"
#include "util/xalloc.h"

/* validation.IsValidUserID / IsValidGroupID */
#define ID_MAX 2147483647LL

static int decode_id(json_object *v, const char *path, int64_t *ret, struct pp_error *err)
{
	int64_t n = 0;
	int r = pod_decode_int64(v, path, &n, err);

	if (r < 0)
		return r;
	if (n < 0 || n > ID_MAX)
		return pp_error_msg(
		    err, EINVAL, "%s: Invalid value: %lld: must be between 0 and %lld, inclusive",
		    path, (long long)n, ID_MAX);
	*ret = n;
	return 0;
}

static int decode_bool(json_object *v, const char *path, bool *ret, struct pp_error *err)
{
	if (!json_object_is_type(v, json_type_boolean))
		return pod_type_error(path, v, "boolean", err);
	*ret = json_object_get_boolean(v);
	return 0;
}

static int run_as_user(json_object *v, struct pod_run_as *ra, const char *path,
                       struct pp_error *err)
{
	int r = decode_id(v, path, &ra->user, err);

	if (r == 0)
		ra->has_user = true;
	return r;
}

static int run_as_group(json_object *v, struct pod_run_as *ra, const char *path,
                        struct pp_error *err)
{
	int r = decode_id(v, path, &ra->group, err);

	if (r == 0)
		ra->has_group = true;
	return r;
}

static int run_as_non_root(json_object *v, struct pod_run_as *ra, const char *path,
                           struct pp_error *err)
{
	int r = decode_bool(v, path, &ra->non_root, err);

	if (r == 0)
		ra->has_non_root = true;
	return r;
}

int pod_decode_ctr_run_as_user(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return run_as_user(v, &((struct pod_container *)obj)->run_as, path, err);
}

int pod_decode_ctr_run_as_group(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return run_as_group(v, &((struct pod_container *)obj)->run_as, path, err);
}

int pod_decode_ctr_run_as_non_root(json_object *v, void *obj, const char *path,
                                   struct pp_error *err)
{
	return run_as_non_root(v, &((struct pod_container *)obj)->run_as, path, err);
}

int pod_decode_ctr_allow_priv_esc(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;
	int r = decode_bool(v, path, &c->allow_privilege_escalation, err);

	if (r == 0)
		c->has_allow_privilege_escalation = true;
	return r;
}

int pod_decode_ctr_read_only_root(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;
	int r = decode_bool(v, path, &c->read_only_root_filesystem, err);

	if (r == 0)
		c->has_read_only_root_filesystem = true;
	return r;
}

int pod_decode_ctr_privileged(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;
	int r = decode_bool(v, path, &c->privileged, err);

	if (r == 0)
		c->has_privileged = true;
	return r;
}

/* The API server's ProcMountType: "Default" or "Unmasked". */
int pod_decode_ctr_proc_mount(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	s = json_object_get_string(v);
	if (strcmp(s, "Default") != 0 && strcmp(s, "Unmasked") != 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Unsupported value: \"%.64s\": supported values: \"Default\", \"Unmasked\"",
		    path, s);
	c->has_proc_mount = true;
	c->proc_mount_unmasked = s[0] == 'U';
	return 0;
}

static int pod_user(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return run_as_user(v, &((struct pod *)obj)->run_as, path, err);
}

static int pod_group(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return run_as_group(v, &((struct pod *)obj)->run_as, path, err);
}

static int pod_non_root(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return run_as_non_root(v, &((struct pod *)obj)->run_as, path, err);
}

static int pod_supplemental_groups(json_object *v, void *obj, const char *path,
                                   struct pp_error *err)
{
	struct pod *pod = obj;
	char sub[POD_PATH_MAX];
	size_t n = 0;
	int r = pod_decode_array(v, path, &n, err);

	if (r < 0)
		return r;
	free(pod->supplemental_groups);
	pod->supplemental_groups = xcalloc(n, sizeof(int64_t));
	pod->n_supplemental_groups = n;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		pod_path_index(sub, path, i);
		if (e == NULL) /* Go decodes a null element as 0 */
			continue;
		r = decode_id(e, sub, &pod->supplemental_groups[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int pod_fs_group(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	int r = decode_id(v, path, &pod->fs_group, err);

	if (r == 0)
		pod->has_fs_group = true;
	return r;
}

/* A string field with a fixed set of values: field.NotSupported's words. */
static int decode_choice(json_object *v, const char *path, const char *a, const char *b, char **ret,
                         struct pp_error *err)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	s = json_object_get_string(v);
	if (strcmp(s, a) != 0 && strcmp(s, b) != 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Unsupported value: \"%.64s\": supported values: \"%s\", \"%s\"", path, s,
		    a, b);
	free(*ret);
	*ret = xstrdup(s);
	return 0;
}

static int pod_fs_group_change_policy(json_object *v, void *obj, const char *path,
                                      struct pp_error *err)
{
	return decode_choice(v, path, "Always", "OnRootMismatch",
	                     &((struct pod *)obj)->fs_group_change_policy, err);
}

static int pod_supplemental_groups_policy(json_object *v, void *obj, const char *path,
                                          struct pp_error *err)
{
	return decode_choice(v, path, "Merge", "Strict",
	                     &((struct pod *)obj)->supplemental_groups_policy, err);
}

#define UNSUPPORTED(n)                            \
	{                                         \
		n, POD_FIELD_UNSUPPORTED, 0, NULL \
	}

static const struct pod_field pod_security_fields[] = {
    {"runAsUser", POD_FIELD_CUSTOM, 0, pod_user},
    {"runAsGroup", POD_FIELD_CUSTOM, 0, pod_group},
    {"runAsNonRoot", POD_FIELD_CUSTOM, 0, pod_non_root},
    {"supplementalGroups", POD_FIELD_CUSTOM, 0, pod_supplemental_groups},
    {"fsGroup", POD_FIELD_CUSTOM, 0, pod_fs_group},
    {"fsGroupChangePolicy", POD_FIELD_CUSTOM, 0, pod_fs_group_change_policy},
    {"supplementalGroupsPolicy", POD_FIELD_CUSTOM, 0, pod_supplemental_groups_policy},
    {"seLinuxOptions", POD_FIELD_CUSTOM, offsetof(struct pod, selinux), pod_decode_selinux},
    UNSUPPORTED("seLinuxChangePolicy"),
    UNSUPPORTED("windowsOptions"),
    {"sysctls", POD_FIELD_CUSTOM, 0, pod_decode_sysctls},
    {"seccompProfile", POD_FIELD_CUSTOM, offsetof(struct pod, seccomp), pod_decode_profile},
    {"appArmorProfile", POD_FIELD_CUSTOM, offsetof(struct pod, apparmor), pod_decode_profile},
    {NULL, 0, 0, NULL},
};

int pod_decode_pod_security(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return pod_decode_fields(v, pod_security_fields, obj, path, err);
}

static void add_run_as(json_object *o, const struct pod_run_as *ra)
{
	if (ra->has_user)
		json_object_object_add(o, "runAsUser", json_object_new_int64(ra->user));
	if (ra->has_group)
		json_object_object_add(o, "runAsGroup", json_object_new_int64(ra->group));
	if (ra->has_non_root)
		json_object_object_add(o, "runAsNonRoot", json_object_new_boolean(ra->non_root));
}

bool pod_security_ctr_is_set(const struct pod_container *c)
{
	return c->run_as.has_user || c->run_as.has_group || c->run_as.has_non_root ||
	       c->has_allow_privilege_escalation || c->has_read_only_root_filesystem ||
	       c->has_privileged || pod_profiles_are_set(&c->seccomp, &c->apparmor, &c->selinux) ||
	       c->has_proc_mount;
}

void pod_security_ctr_add(json_object *sc, const struct pod_container *c)
{
	add_run_as(sc, &c->run_as);
	if (c->has_allow_privilege_escalation)
		json_object_object_add(sc, "allowPrivilegeEscalation",
		                       json_object_new_boolean(c->allow_privilege_escalation));
	if (c->has_read_only_root_filesystem)
		json_object_object_add(sc, "readOnlyRootFilesystem",
		                       json_object_new_boolean(c->read_only_root_filesystem));
	if (c->has_privileged)
		json_object_object_add(sc, "privileged", json_object_new_boolean(c->privileged));
	pod_profiles_add(sc, &c->seccomp, &c->apparmor, &c->selinux);
	if (c->has_proc_mount)
		json_object_object_add(
		    sc, "procMount",
		    json_object_new_string(c->proc_mount_unmasked ? "Unmasked" : "Default"));
}

static bool pod_security_is_set(const struct pod *pod)
{
	const struct pod_run_as *ra = &pod->run_as;

	return ra->has_user || ra->has_group || ra->has_non_root ||
	       pod->n_supplemental_groups > 0 || pod->has_fs_group ||
	       pod->fs_group_change_policy != NULL || pod->supplemental_groups_policy != NULL ||
	       pod->n_sysctls > 0 ||
	       pod_profiles_are_set(&pod->seccomp, &pod->apparmor, &pod->selinux);
}

static void add_opt_str(json_object *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, key, json_object_new_string(v));
}

json_object *pod_security_pod_to_json(const struct pod *pod)
{
	json_object *o, *arr;

	if (!pod_security_is_set(pod))
		return NULL;
	o = json_object_new_object();
	add_run_as(o, &pod->run_as);
	if (pod->n_supplemental_groups > 0) {
		arr = json_object_new_array();
		for (size_t i = 0; i < pod->n_supplemental_groups; i++)
			json_object_array_add(arr,
			                      json_object_new_int64(pod->supplemental_groups[i]));
		json_object_object_add(o, "supplementalGroups", arr);
	}
	add_opt_str(o, "supplementalGroupsPolicy", pod->supplemental_groups_policy);
	if (pod->has_fs_group)
		json_object_object_add(o, "fsGroup", json_object_new_int64(pod->fs_group));
	add_opt_str(o, "fsGroupChangePolicy", pod->fs_group_change_policy);
	if ((arr = pod_sysctls_to_json(pod)) != NULL)
		json_object_object_add(o, "sysctls", arr);
	pod_profiles_add(o, &pod->seccomp, &pod->apparmor, &pod->selinux);
	return o;
}

static bool run_as_eq(const struct pod_run_as *a, const struct pod_run_as *b)
{
	return a->has_user == b->has_user && (!a->has_user || a->user == b->user) &&
	       a->has_group == b->has_group && (!a->has_group || a->group == b->group) &&
	       a->has_non_root == b->has_non_root &&
	       (!a->has_non_root || a->non_root == b->non_root);
}

bool pod_security_ctr_equal(const struct pod_container *a, const struct pod_container *b)
{
	return run_as_eq(&a->run_as, &b->run_as) &&
	       a->has_allow_privilege_escalation == b->has_allow_privilege_escalation &&
	       a->allow_privilege_escalation == b->allow_privilege_escalation &&
	       a->has_read_only_root_filesystem == b->has_read_only_root_filesystem &&
	       a->read_only_root_filesystem == b->read_only_root_filesystem &&
	       a->has_privileged == b->has_privileged && a->privileged == b->privileged &&
	       pod_profile_equal(&a->seccomp, &b->seccomp) &&
	       pod_profile_equal(&a->apparmor, &b->apparmor) &&
	       pod_selinux_equal(&a->selinux, &b->selinux) &&
	       a->has_proc_mount == b->has_proc_mount &&
	       a->proc_mount_unmasked == b->proc_mount_unmasked;
}

static bool opt_str_eq(const char *a, const char *b)
{
	return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

bool pod_security_pod_equal(const struct pod *a, const struct pod *b)
{
	if (!run_as_eq(&a->run_as, &b->run_as) ||
	    a->n_supplemental_groups != b->n_supplemental_groups ||
	    a->has_fs_group != b->has_fs_group || a->fs_group != b->fs_group ||
	    !opt_str_eq(a->fs_group_change_policy, b->fs_group_change_policy) ||
	    !opt_str_eq(a->supplemental_groups_policy, b->supplemental_groups_policy) ||
	    !pod_sysctls_equal(a, b) || !pod_profile_equal(&a->seccomp, &b->seccomp) ||
	    !pod_profile_equal(&a->apparmor, &b->apparmor) ||
	    !pod_selinux_equal(&a->selinux, &b->selinux))
		return false;
	for (size_t i = 0; i < a->n_supplemental_groups; i++)
		if (a->supplemental_groups[i] != b->supplemental_groups[i])
			return false;
	return true;
}
