/* SPDX-License-Identifier: Apache-2.0 */
/* A CNI network configuration list: which file of the folder, read and
 * checked (CNI spec 1.0, "Section 1: Network configuration format"). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define CONF_MAX ((size_t)1 << 20)

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static bool conf_name(const char *name)
{
	return name[0] != '.' && (has_suffix(name, ".conf") || has_suffix(name, ".conflist") ||
	                          has_suffix(name, ".json"));
}

/* A plugin's type names a file in the plugin folders: one path element. */
static bool plugin_type_ok(const char *t)
{
	return t != NULL && t[0] != '\0' && t[0] != '.' && strchr(t, '/') == NULL &&
	       strlen(t) < 256;
}

static int check_plugins(json_object *plugins, const char *file, struct pp_error *err)
{
	size_t n = plugins ? json_object_array_length(plugins) : 0;

	if (n == 0)
		return pp_error_msg(err, EINVAL, "CNI config '%s': no plugins", file);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(plugins, i);

		if (!json_object_is_type(p, json_type_object) ||
		    !plugin_type_ok(json_get_str(p, "type")))
			return pp_error_msg(
			    err, EINVAL, "CNI config '%s': plugins[%zu].type: missing or invalid",
			    file, i);
	}
	return 0;
}

int net_conf_from_json(json_object *list, const char *file, struct net_conf *ret,
                       struct pp_error *err)
{
	cleanup_json json_object *l = list;
	int r;

	if (!json_object_is_type(l, json_type_object))
		return pp_error_msg(err, EINVAL, "CNI config '%s': not a JSON object", file);
	if (json_get_str(l, "name") == NULL || json_get_str(l, "cniVersion") == NULL)
		return pp_error_msg(err, EINVAL,
		                    "CNI config '%s': name and cniVersion are required", file);
	if (json_get_arr(l, "plugins") == NULL && json_get_str(l, "type") != NULL) {
		/* a single plugin (.conf): a list of one, as libcni's ConfListFromConf */
		json_object *w = json_object_new_object(), *plugins = json_object_new_array();

		json_object_object_add(w, "cniVersion",
		                       json_object_get(json_object_object_get(l, "cniVersion")));
		json_object_object_add(w, "name",
		                       json_object_get(json_object_object_get(l, "name")));
		json_object_array_add(plugins, take_ptr(&l));
		json_object_object_add(w, "plugins", plugins);
		l = w;
	}
	r = check_plugins(json_get_arr(l, "plugins"), file, err);
	if (r < 0)
		return r;
	*ret = (struct net_conf){.file = xstrdup(file), .list = take_ptr(&l)};
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The configuration file names of dir, sorted. */
static int conf_names(const char *dir, char ***ret, size_t *ret_n, struct pp_error *err)
{
	cleanup_dir DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	if (d == NULL)
		return errno == ENOENT ? -ENOENT : pp_error(err, errno, "open '%s'", dir);
	while ((de = readdir(d)) != NULL) {
		if (!conf_name(de->d_name))
			continue;
		names = xrealloc(names, (n + 2) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
		names[n] = NULL;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	*ret = names;
	*ret_n = n;
	return 0;
}

int net_conf_find(const char *dir, struct net_conf *ret, struct pp_error *err)
{
	cleanup_strv char **names = NULL;
	cleanup_free char *file = NULL, *text = NULL;
	json_object *list = NULL;
	size_t n = 0, len = 0;
	int r = conf_names(dir, &names, &n, err);

	if (r < 0)
		return r;
	if (n == 0)
		return -ENOENT;
	file = xstrfmt("%s/%s", dir, names[0]);
	/* a regular file only: a FIFO would block the monitor for ever */
	r = fs_read_regular(file, CONF_MAX, &text, &len, err);
	if (r == 0)
		r = json_parse_text(text, len, file, &list, err);
	if (r < 0)
		return pp_error_prefix(err, r, "CNI config");
	return net_conf_from_json(list, file, ret, err);
}

void net_conf_clear(struct net_conf *c)
{
	free(c->file);
	if (c->list != NULL)
		json_object_put(c->list);
	*c = (struct net_conf){0};
}
