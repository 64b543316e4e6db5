/* SPDX-License-Identifier: Apache-2.0 */
/* ConfigMaps and Secrets in kubectl's verbs: get (NAME DATA AGE, NAME TYPE
 * DATA AGE, -o yaml|json|name), describe (values of Secrets never shown),
 * delete and apply, over the object store of pod/objects.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-objects.h"
#include "cli/cli-util.h"
#include "pod/objects.h"
#include "pod/paths.h"
#include "pod/state.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

int cli_kobj_resource(const char *word, enum kobj_kind *ret)
{
	if (strcmp(word, "configmaps") == 0 || strcmp(word, "configmap") == 0 ||
	    strcmp(word, "cm") == 0)
		*ret = KOBJ_CONFIGMAP;
	else if (strcmp(word, "secrets") == 0 || strcmp(word, "secret") == 0)
		*ret = KOBJ_SECRET;
	else
		return -1;
	return 0;
}

const char *cli_kobj_typed_name(const char *arg, enum kobj_kind *ret_kind)
{
	const char *slash = strchr(arg, '/');
	cleanup_free char *word = NULL;

	if (slash == NULL)
		return NULL;
	word = xstrndup(arg, (size_t)(slash - arg));
	return cli_kobj_resource(word, ret_kind) == 0 ? slash + 1 : NULL;
}

void cli_kobj_print(const struct kobj *o, const char *output)
{
	cleanup_json json_object *j = NULL;

	if (output != NULL && strcmp(output, "name") == 0) {
		printf("%s/%s\n", kobj_kind_lower(o->kind), o->name);
		return;
	}
	j = kobj_to_json(o);
	cli_print_json(j, output != NULL && strcmp(output, "yaml") == 0);
}

static void print_list(struct kobj **objs, size_t n, bool yaml)
{
	json_object *items = json_object_new_array();
	cleanup_json json_object *list = NULL;

	for (size_t i = 0; i < n; i++)
		json_object_array_add(items, kobj_to_json(objs[i]));
	list = cli_list_new(items);
	cli_print_json(list, yaml);
}

static void print_table(struct kobj **objs, size_t n, const struct cli_kobj_get *o)
{
	static const char *const head[] = {"NAMESPACE", "NAME", "TYPE", "DATA", "AGE"};
	bool secret = n > 0 && objs[0]->kind == KOBJ_SECRET;
	size_t first = o->all_ns ? 0 : 1;
	struct cli_table t;
	const char *row[5];

	cli_table_init(&t, (secret ? 5 : 4) - first);
	if (!o->no_headers) {
		memcpy(row, head, sizeof(row));
		if (!secret)
			row[2] = row[3], row[3] = row[4];
		cli_table_add(&t, row + first);
	}
	for (size_t i = 0; i < n; i++) {
		char data[32], age[32];
		size_t c = 0;

		(void)snprintf(data, sizeof(data), "%zu", objs[i]->n_entries);
		row[c++] = objs[i]->namespace_;
		row[c++] = objs[i]->name;
		if (secret)
			row[c++] = objs[i]->type;
		row[c++] = data;
		row[c] = cli_age(pod_time_parse(objs[i]->creation_timestamp), age, sizeof(age));
		cli_table_add(&t, row + first);
	}
	cli_table_print(&t);
	cli_table_free(&t);
}

static void print_objects(struct kobj **objs, size_t n, const struct cli_kobj_get *o, bool one)
{
	const char *out = o->output != NULL ? o->output : "";
	bool yaml = strcmp(out, "yaml") == 0;

	if (yaml || strcmp(out, "json") == 0) {
		if (one)
			cli_kobj_print(objs[0], out);
		else
			print_list(objs, n, yaml);
	} else if (strcmp(out, "name") == 0) {
		for (size_t i = 0; i < n; i++)
			cli_kobj_print(objs[i], out);
	} else {
		print_table(objs, n, o);
	}
}

/* The named objects into *objs; NotFound printed for each missing one. */
static int load_named(enum kobj_kind kind, char *const *names, const char *ns, struct kobj ***objs,
                      size_t *n)
{
	int failed = 0;

	for (; *names != NULL; names++) {
		struct pp_error err = {0};
		struct kobj *obj = NULL;
		enum kobj_kind k2 = kind;
		const char *name = cli_kobj_typed_name(*names, &k2);

		if (name == NULL || k2 != kind)
			name = *names;
		if (kobj_store_get(cli_paths(), kind, ns, name, &obj, &err) < 0) {
			fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
			failed = 1;
			continue;
		}
		*objs = xrealloc(*objs, (*n + 1) * sizeof(struct kobj *));
		(*objs)[(*n)++] = obj;
	}
	return failed;
}

static void no_resources(const struct cli_kobj_get *o)
{
	if (o->all_ns)
		fprintf(stderr, "No resources found\n");
	else
		fprintf(stderr, "No resources found in %s namespace.\n", o->ns);
}

int cli_kobj_get(enum kobj_kind kind, char *const *names, const struct cli_kobj_get *o)
{
	bool named = names != NULL && names[0] != NULL;
	bool structured =
	    o->output != NULL && (strcmp(o->output, "json") == 0 || strcmp(o->output, "yaml") == 0);
	struct kobj **objs = NULL;
	struct pp_error err = {0};
	size_t n = 0;
	int failed = 0;

	if (named) {
		failed = load_named(kind, names, o->ns, &objs, &n);
	} else if (kobj_store_list(cli_paths(), kind, o->all_ns ? NULL : o->ns, &objs, &n, &err) <
	           0) {
		log_error("%s", err.msg);
		return 1;
	}
	if (n == 0 && !failed && !structured)
		no_resources(o);
	else if (n > 0 || structured)
		print_objects(objs, n, o, named && n == 1 && names[1] == NULL);
	kobj_free_all(objs, n);
	return failed;
}

static void describe_configmap(FILE *f, const struct kobj *o)
{
	fprintf(f, "\nData\n====\n");
	for (size_t i = 0; i < o->n_entries; i++)
		if (!o->entries[i].binary)
			fprintf(f, "%s:\n----\n%.*s\n\n", o->entries[i].key, (int)o->entries[i].len,
			        (const char *)o->entries[i].value);
	fprintf(f, "\nBinaryData\n====\n");
	for (size_t i = 0; i < o->n_entries; i++)
		if (o->entries[i].binary)
			fprintf(f, "%s: %zu bytes\n", o->entries[i].key, o->entries[i].len);
	fprintf(f, "\nEvents:\t<none>\n");
}

/* kubectl's describeSecret: sizes only, never a value. */
static void describe_secret(FILE *f, const struct kobj *o)
{
	fprintf(f, "\nType:\t%s\n\nData\n====\n", o->type);
	for (size_t i = 0; i < o->n_entries; i++)
		fprintf(f, "%s:\t%zu bytes\n", o->entries[i].key, o->entries[i].len);
}

static void describe(const struct kobj *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	fprintf(f, "Name:\t%s\nNamespace:\t%s\n", o->name, o->namespace_);
	cli_print_map(f, "Labels", o->label_keys, o->label_values, "=");
	cli_print_map(f, "Annotations", o->annotation_keys, o->annotation_values, ": ");
	if (o->kind == KOBJ_SECRET)
		describe_secret(f, o);
	else
		describe_configmap(f, o);
	(void)fclose(f);
	cli_tw_print(text);
	free(text);
}

int cli_kobj_describe(enum kobj_kind kind, char *const *names, const char *ns)
{
	struct kobj **objs = NULL;
	struct pp_error err = {0};
	size_t n = 0;
	int failed = 0;

	if (names != NULL && names[0] != NULL) {
		failed = load_named(kind, names, ns, &objs, &n);
	} else if (kobj_store_list(cli_paths(), kind, ns, &objs, &n, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	} else if (n == 0) {
		fprintf(stderr, "No resources found in %s namespace.\n", ns);
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			printf("\n\n");
		describe(objs[i]);
	}
	kobj_free_all(objs, n);
	return failed;
}

int cli_kobj_delete(enum kobj_kind kind, const char *ns, const char *name, bool ignore_not_found)
{
	struct pp_error err = {0};
	int r = kobj_store_delete(cli_paths(), kind, ns, name, &err);

	if (r < 0)
		return cli_server_error(r, err.msg, ignore_not_found);
	printf("%s \"%s\" deleted\n", kobj_kind_lower(kind), name);
	return 0;
}

int cli_kobj_apply(const struct kobj *o)
{
	static const char *const words[] = {"created", "configured", "unchanged"};
	enum kobj_put_result res = KOBJ_CREATED;
	struct pp_error err = {0};
	int r = kobj_store_put(cli_paths(), o, &res, &err);

	if (r == -EPERM || r == -EINVAL) {
		log_error("The %s \"%s\" is invalid: %s", kobj_kind_name(o->kind), o->name,
		          err.msg);
		return -1;
	}
	if (r < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	printf("%s/%s %s\n", kobj_kind_lower(o->kind), o->name, words[res]);
	return 0;
}
