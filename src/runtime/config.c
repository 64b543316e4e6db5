/* SPDX-License-Identifier: Apache-2.0 */
/* config.json → struct rt_config: type checks with field paths, the parts
 * of config.md and config-linux.md we implement, clear refusals for the
 * parts we do not. */
#include <errno.h>
#include <limits.h>
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

static const char *type_name(enum json_type t)
{
	switch (t) {
	case json_type_boolean:
		return "a boolean";
	case json_type_int:
		return "an integer";
	case json_type_double:
		return "a number";
	case json_type_string:
		return "a string";
	case json_type_array:
		return "an array";
	case json_type_object:
		return "an object";
	default:
		return "null";
	}
}

int rt_json_member(json_object *o, const char *path, const char *key, enum json_type type,
                   json_object **ret, struct pp_error *err)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, type))
		return pp_error_msg(err, EINVAL, "%s%s%s: expected %s, got %s", path,
		                    path[0] ? "." : "", key, type_name(type),
		                    type_name(json_object_get_type(v)));
	*ret = v;
	return 1;
}

int rt_json_strv(json_object *o, const char *path, const char *key, char ***ret,
                 struct pp_error *err)
{
	json_object *arr = NULL;
	int r = rt_json_member(o, path, key, json_type_array, &arr, err);
	size_t n;

	*ret = NULL;
	if (r <= 0)
		return r;
	n = json_object_array_length(arr);
	if (n > RT_MAX_ARRAY)
		return pp_error_msg(err, EINVAL, "%s.%s: more than %u entries", path, key,
		                    RT_MAX_ARRAY);
	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_string))
			return pp_error_msg(err, EINVAL, "%s%s%s[%zu]: expected a string", path,
			                    path[0] ? "." : "", key, i);
	r = json_to_strv(arr, ret);
	return r < 0 ? r : 1;
}

struct rt_config *rt_config_free(struct rt_config *c)
{
	if (c == NULL)
		return NULL;
	json_object_put(c->json);
	free(c->bundle);
	free(c->root_path);
	rt_process_clear(&c->process);
	free(c->hostname);
	for (size_t i = 0; i < c->n_mounts; i++)
		rt_mount_clear(&c->mounts[i]);
	free(c->mounts);
	for (int i = 0; i < RT_NS_COUNT; i++)
		free(c->ns[i].path);
	free(c->cgroups_path);
	strv_free(c->masked_paths);
	strv_free(c->readonly_paths);
	for (size_t i = 0; i < c->n_sysctls; i++) {
		free(c->sysctls[i].key);
		free(c->sysctls[i].value);
	}
	free(c->sysctls);
	rt_seccomp_free(c->seccomp);
	free(c->dev_rules);
	rt_dev_policy_clear(&c->dev_policy);
	rt_devices_free(c->devices, c->n_devices);
	free(c->root_fd_path);
	free(c->uid_maps);
	free(c->gid_maps);
	rt_hooks_clear(&c->hooks);
	free(c);
	return NULL;
}

static void config_freep(struct rt_config **c)
{
	rt_config_free(*c);
}

static int parse_root(json_object *j, struct rt_config *c, struct pp_error *err)
{
	json_object *root, *v;
	int r = rt_json_member(j, "", "root", json_type_object, &root, err);

	if (r == 0)
		return pp_error_msg(err, EINVAL, "root: Required value");
	if (r < 0)
		return r;
	r = rt_json_member(root, "root", "path", json_type_string, &v, err);
	if (r == 0 || (r > 0 && json_object_get_string_len(v) == 0))
		return pp_error_msg(err, EINVAL, "root.path: Required value");
	if (r < 0)
		return r;
	if (json_object_get_string(v)[0] == '/')
		c->root_path = xstrdup(json_object_get_string(v));
	else
		c->root_path = xstrfmt("%s/%s", c->bundle, json_object_get_string(v));
	r = rt_json_member(root, "root", "readonly", json_type_boolean, &v, err);
	if (r < 0)
		return r;
	c->root_readonly = r > 0 && json_object_get_boolean(v);
	return 0;
}

static int parse_mounts(json_object *j, struct rt_config *c, struct pp_error *err)
{
	json_object *arr;
	int r = rt_json_member(j, "", "mounts", json_type_array, &arr, err);
	size_t n;

	if (r <= 0)
		return r;
	n = json_object_array_length(arr);
	if (n > RT_MAX_ARRAY)
		return pp_error_msg(err, EINVAL, "mounts: too many");
	c->mounts = xcalloc(n + 1, sizeof(*c->mounts));
	for (size_t i = 0; i < n; i++) {
		r = rt_mount_parse(json_object_array_get_idx(arr, i), i, &c->mounts[i], err);
		if (r < 0)
			return r;
		c->n_mounts++;
	}
	return 0;
}

static int parse_top(json_object *j, struct rt_config *c, struct pp_error *err)
{
	json_object *v;
	int r;

	r = rt_json_member(j, "", "ociVersion", json_type_string, &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "ociVersion: Required value");
	if (r < 0)
		return r;
	if (strncmp(json_object_get_string(v), "1.", 2) != 0)
		return pp_error_msg(err, EINVAL, "ociVersion: unsupported version '%s'",
		                    json_object_get_string(v));
	r = rt_json_member(j, "", "hostname", json_type_string, &v, err);
	if (r < 0)
		return r;
	if (r > 0)
		c->hostname = xstrdup(json_object_get_string(v));
	r = rt_json_member(j, "", "annotations", json_type_object, &c->annotations, err);
	if (r < 0)
		return r;
	if (c->annotations != NULL) {
		json_object_object_foreach(c->annotations, k, av)
		{
			if (!json_object_is_type(av, json_type_string))
				return pp_error_msg(err, EINVAL,
				                    "annotations.%s: expected a string", k);
		}
	}
	r = rt_ptrace_scope_parse(c->annotations, &c->ptrace_scope, err);
	if (r < 0)
		return r;
	r = rt_json_member(j, "", "hooks", json_type_object, &c->hooks_json, err);
	if (r < 0)
		return r;
	r = rt_hooks_parse(c->hooks_json, &c->hooks, err);
	if (r < 0)
		return r;
	r = rt_json_member(j, "", "process", json_type_object, &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "process: Required value");
	if (r < 0)
		return r;
	r = rt_process_parse(v, &c->process, err);
	if (r < 0)
		return r;
	c->has_process = true;
	return 0;
}

int rt_config_parse(json_object *json, const char *bundle, struct rt_config **ret,
                    struct pp_error *err)
{
	cleanup_(config_freep) struct rt_config *c = xzalloc(sizeof(*c));
	int r;

	if (!json_object_is_type(json, json_type_object))
		return pp_error_msg(err, EINVAL, "config: expected an object");
	c->json = json_object_get(json);
	c->bundle = xstrdup(bundle);
	r = parse_top(json, c, err);
	if (r >= 0)
		r = parse_root(json, c, err);
	if (r >= 0)
		r = parse_mounts(json, c, err);
	if (r >= 0)
		r = rt_config_parse_linux(json, c, err);
	if (r < 0)
		return r;
	*ret = take_ptr(&c);
	return 0;
}

int rt_config_load(const char *bundle, struct rt_config **ret, struct pp_error *err)
{
	cleanup_free char *abs = realpath(bundle, NULL);
	cleanup_free char *path = NULL;
	json_object *j = NULL;
	int r;

	if (abs == NULL)
		return pp_error(err, errno, "bundle '%s'", bundle);
	path = xstrfmt("%s/config.json", abs);
	r = json_parse_file(path, RT_CONFIG_MAX_BYTES, &j, err);
	if (r < 0)
		return r;
	r = rt_config_parse(j, abs, ret, err);
	json_object_put(j);
	if (r < 0)
		return pp_error_prefix(err, r, "%s", path);
	return 0;
}
