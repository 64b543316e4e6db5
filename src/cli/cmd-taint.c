/* SPDX-License-Identifier: Apache-2.0 */
/* peapod taint node NAME key=value:Effect key:Effect- key- [--overwrite]:
 * kubectl taint's arguments, rules and words, on ROOT/node.json. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "pod/node.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

struct taint_args {
	char **args;
	const char *node;
	bool overwrite;
	bool added, removed;
};

static bool effect_ok(const char *e)
{
	return strcmp(e, "NoSchedule") == 0 || strcmp(e, "PreferNoSchedule") == 0 ||
	       strcmp(e, "NoExecute") == 0;
}

/* "key[=value][:effect]" split in place (s is a copy). */
static void split(char *s, const char **key, const char **value, const char **effect)
{
	char *colon = strchr(s, ':'), *eq;

	*effect = "";
	if (colon != NULL) {
		*colon = '\0';
		*effect = colon + 1;
	}
	eq = strchr(s, '=');
	*value = "";
	if (eq != NULL) {
		*eq = '\0';
		*value = eq + 1;
	}
	*key = s;
}

/* Remove the taints of key (and effect, when given). -1 when none. */
static int remove_taint(json_object *taints, const char *key, const char *effect)
{
	bool found = false;

	for (size_t i = json_object_array_length(taints); i-- > 0;) {
		json_object *t = json_object_array_get_idx(taints, i);

		if (strcmp(json_get_str(t, "key"), key) != 0 ||
		    (*effect != '\0' && strcmp(json_get_str(t, "effect"), effect) != 0))
			continue;
		json_object_array_del_idx(taints, i, 1);
		found = true;
	}
	return found ? 0 : -1;
}

static int add_taint(json_object *taints, struct taint_args *a, const char *key, const char *value,
                     const char *effect)
{
	json_object *t = json_object_new_object();
	char ts[32];

	for (size_t i = 0; i < json_object_array_length(taints); i++) {
		json_object *o = json_object_array_get_idx(taints, i);

		if (strcmp(json_get_str(o, "key"), key) != 0 ||
		    strcmp(json_get_str(o, "effect"), effect) != 0)
			continue;
		if (!a->overwrite) {
			json_object_put(t);
			log_error(
			    "node %s already has %s taint(s) with same effect(s) and --overwrite "
			    "is false",
			    a->node, key);
			return -1;
		}
		json_object_array_del_idx(taints, i, 1);
		break;
	}
	json_object_object_add(t, "effect", json_object_new_string(effect));
	json_object_object_add(t, "key", json_object_new_string(key));
	if (*value != '\0')
		json_object_object_add(t, "value", json_object_new_string(value));
	if (strcmp(effect, "NoExecute") == 0)
		json_object_object_add(
		    t, "timeAdded",
		    json_object_new_string(pod_time_format(pod_now(), ts, sizeof(ts))));
	json_object_array_add(taints, t);
	a->added = true;
	return 0;
}

/* One argument: checked as kubectl parseTaints does, then applied. */
static int one(json_object *taints, struct taint_args *a, const char *arg)
{
	cleanup_free char *s = xstrdup(arg);
	size_t len = strlen(s);
	bool remove = len > 0 && s[len - 1] == '-';
	const char *key, *value, *effect;
	struct pp_error err = {0};

	if (remove)
		s[len - 1] = '\0';
	split(s, &key, &value, &effect);
	if ((*effect != '\0' || !remove) && !effect_ok(effect)) {
		log_error("invalid taint effect: %s, unsupported taint effect", effect);
		return -1;
	}
	if (pod_check_qualified_name("key", key, &err) < 0 ||
	    pod_check_label_value("value", value, &err) < 0) {
		log_error("invalid taint spec: %s, %s", arg, err.msg);
		return -1;
	}
	if (!remove)
		return add_taint(taints, a, key, value, effect);
	if (remove_taint(taints, key, effect) < 0) {
		log_error("taint \"%s%s%s\" not found", key, *effect ? ":" : "", effect);
		return -1;
	}
	a->removed = true;
	return 0;
}

static int edit_taints(json_object *state, void *data, struct pp_error *err)
{
	struct taint_args *a = data;
	json_object *taints = json_get_arr(state, "taints");

	if (taints == NULL) {
		taints = json_object_new_array();
		json_object_object_add(state, "taints", taints);
	}
	for (size_t i = 0; a->args[i] != NULL; i++)
		if (one(taints, a, a->args[i]) < 0)
			return pp_error_msg(err, EINVAL, "printed");
	return 1;
}

int cmd_taint(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"overwrite", no_argument, NULL, 'O'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_free char *name = pod_node_name();
	struct taint_args a = {0};
	struct pp_error err = {0};
	int c, i;

	while ((c = cli_getopt(argc, argv, "", opts)) != -1) {
		if (c != 'O')
			return 1;
		a.overwrite = true;
	}
	i = optind;
	if (i < argc && strncmp(argv[i], "node/", 5) == 0) {
		a.node = argv[i] + 5;
		i++;
	} else if (i + 1 < argc && cli_is_node_resource(argv[i])) {
		a.node = argv[i + 1];
		i += 2;
	} else {
		log_error("at least one taint update is required (peapod taint node NAME "
		          "KEY[=VALUE]:EFFECT)");
		return 1;
	}
	if (i >= argc) {
		log_error("at least one taint update is required");
		return 1;
	}
	if (strcmp(a.node, name) != 0) {
		fprintf(stderr, "Error from server (NotFound): nodes \"%s\" not found\n", a.node);
		return 1;
	}
	a.args = argv + i;
	if (pod_node_edit(cli_paths(), edit_taints, &a, &err) < 0) {
		if (strcmp(err.msg, "printed") != 0)
			log_error("%s", err.msg);
		return 1;
	}
	printf("node/%s %s\n", a.node,
	       a.added ? (a.removed ? "modified" : "tainted") : "untainted");
	return 0;
}
