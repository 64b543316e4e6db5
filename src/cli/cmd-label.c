/* SPDX-License-Identifier: Apache-2.0 */
/* peapod label|annotate pod|node NAME k=v k2- [--overwrite], and
 * peapod taint node NAME k=v:Effect k:Effect- k-: kubectl's arguments,
 * rules and words. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "client/client.h"
#include "pod/node.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

struct edit {
	bool annotate;  /* annotate, not label */
	bool overwrite; /* --overwrite */
	char **args;    /* k=v and k- */
	const char *kind;
	const char *name;
	bool changed;
};

/* Apply the k=v and k- arguments to map (a json object of strings), with
 * kubectl's overwrite rule. 0, or -1 with the error printed. */
static int edit_map(json_object *map, struct edit *e)
{
	for (size_t i = 0; e->args[i] != NULL; i++) {
		const char *a = e->args[i], *eq = strchr(a, '=');
		size_t len = strlen(a);
		cleanup_free char *key = eq ? xstrndup(a, (size_t)(eq - a)) : NULL;
		const char *old;

		if (eq == NULL && len > 1 && a[len - 1] == '-') {
			key = xstrndup(a, len - 1);
			if (json_object_object_get(map, key) == NULL) {
				fprintf(stderr, "%s \"%s\" not found.\n",
				        e->annotate ? "annotation" : "label", key);
				continue;
			}
			json_object_object_del(map, key);
			e->changed = true;
			continue;
		}
		if (eq == NULL) {
			log_error("invalid %s format: %s", e->annotate ? "annotation" : "label", a);
			return -1;
		}
		old = json_get_str(map, key);
		if (old != NULL && strcmp(old, eq + 1) == 0)
			continue;
		if (old != NULL && !e->overwrite) {
			log_error("'%s' already has a value (%s), and --overwrite is false", key,
			          old);
			return -1;
		}
		json_object_object_add(map, key, json_object_new_string(eq + 1));
		e->changed = true;
	}
	return 0;
}

/* The map's keys and values checked as the API server checks a Node's or
 * Pod's. 0, or -1 with the error printed. */
static int check_map(json_object *map, const struct edit *e)
{
	cleanup_strv char **keys = NULL, **values = NULL;
	struct pp_error err = {0};
	int r;

	json_object_object_foreach(map, k, v)
	{
		strv_push(&keys, k);
		strv_push(&values, json_object_get_string(v));
	}
	r = e->annotate ? pod_check_annotations(keys, values, &err)
	                : pod_check_labels(keys, values, &err);
	if (r < 0) {
		fprintf(stderr, "The %s \"%s\" is invalid: %s\n", e->kind, e->name, err.msg);
		return -1;
	}
	return 0;
}

static int edit_node_state(json_object *state, void *data, struct pp_error *err)
{
	struct edit *e = data;
	const char *key = e->annotate ? "annotations" : "labels";
	json_object *map = json_get_obj(state, key);

	if (map == NULL) {
		map = json_object_new_object();
		json_object_object_add(state, key, map);
	}
	if (edit_map(map, e) < 0 || check_map(map, e) < 0)
		return pp_error_msg(err, EINVAL, "printed");
	return e->changed ? 1 : 0;
}

static int label_node(struct edit *e)
{
	cleanup_free char *name = pod_node_name();
	struct pp_error err = {0};
	int r;

	if (strcmp(e->name, name) != 0) {
		fprintf(stderr, "Error from server (NotFound): nodes \"%s\" not found\n", e->name);
		return 1;
	}
	r = pod_node_edit(cli_paths(), edit_node_state, e, &err);
	if (r < 0 && strcmp(err.msg, "printed") != 0)
		log_error("%s", err.msg);
	return r < 0 ? 1 : 0;
}

/* The pod's labels or annotations as a json map. */
static json_object *pod_map(const struct pod *pod, bool annotations)
{
	char **keys = annotations ? pod->annotation_keys : pod->label_keys;
	char **values = annotations ? pod->annotation_values : pod->label_values;
	json_object *map = json_object_new_object();

	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
		json_object_object_add(map, keys[i], json_object_new_string(values[i]));
	return map;
}

static int label_pod(struct edit *e, const char *ns)
{
	struct pod_record *rec = NULL;
	struct pp_error err = {0};
	json_object *update = NULL, *map;
	int r = pod_load(cli_paths(), ns, e->name, &rec, &err);

	if (r < 0) {
		fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
		return 1;
	}
	map = pod_map(rec->pod, e->annotate);
	r = edit_map(map, e) < 0 || check_map(map, e) < 0 ? -1 : 0;
	if (r == 0 && e->changed) {
		update = json_object_new_object();
		json_object_object_add(update, e->annotate ? "annotations" : "labels",
		                       json_object_get(map));
		r = client_pod_update(cli_paths(), rec, update, &err);
		if (r < 0)
			log_error("%s", err.msg);
	}
	json_object_put(update);
	json_object_put(map);
	pod_record_free(rec);
	return r < 0 ? 1 : 0;
}

/* TYPE NAME or TYPE/NAME: *ret_kind "node" or "pod"; the index of the
 * first update argument, or -1 (printed). */
static int resource_of(int argc, char **argv, int i, struct edit *e)
{
	const char *a = argv[i], *slash = strchr(a, '/');
	cleanup_free char *type = slash ? xstrndup(a, (size_t)(slash - a)) : xstrdup(a);

	if (cli_is_node_resource(type))
		e->kind = "Node";
	else if (strcmp(type, "pods") == 0 || strcmp(type, "pod") == 0 || strcmp(type, "po") == 0)
		e->kind = "Pod";
	else {
		log_error("the server doesn't have a resource type \"%s\"", type);
		return -1;
	}
	if (slash != NULL) {
		e->name = slash + 1;
		return i + 1;
	}
	if (i + 1 >= argc) {
		log_error("resource(s) were provided, but no name was specified");
		return -1;
	}
	e->name = argv[i + 1];
	return i + 2;
}

static int label_or_annotate(int argc, char **argv, bool annotate)
{
	static const struct option opts[] = {
	    {"overwrite", no_argument, NULL, 'O'},
	    {"namespace", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	struct edit e = {.annotate = annotate};
	const char *ns = "default";
	int c, first, r;

	while ((c = cli_getopt(argc, argv, "n:", opts)) != -1) {
		if (c == 'O')
			e.overwrite = true;
		else if (c == 'n')
			ns = optarg;
		else
			return 1;
	}
	if (optind >= argc) {
		log_error("one or more resources must be specified as <resource> <name> or "
		          "<resource>/<name>");
		return 1;
	}
	first = resource_of(argc, argv, optind, &e);
	if (first < 0)
		return 1;
	if (first >= argc) {
		log_error("at least one %s update is required", annotate ? "annotation" : "label");
		return 1;
	}
	e.args = argv + first;
	r = strcmp(e.kind, "Node") == 0 ? label_node(&e) : label_pod(&e, ns);
	if (r == 0)
		printf("%s/%s %s%s\n", strcmp(e.kind, "Node") == 0 ? "node" : "pod", e.name,
		       e.changed || annotate ? "" : "not ", annotate ? "annotated" : "labeled");
	return r;
}

int cmd_label(int argc, char **argv)
{
	return label_or_annotate(argc, argv, false);
}

int cmd_annotate(int argc, char **argv)
{
	return label_or_annotate(argc, argv, true);
}
