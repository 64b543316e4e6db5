/* SPDX-License-Identifier: Apache-2.0 */
/* peapod get pods [NAME...]: kubectl's table, or -o json|name|wide. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli-objects.h"
#include "cli/cli-util.h"
#include "cli/cli.h"
#include "client/client.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

enum out_fmt {
	OUT_TABLE,
	OUT_WIDE,
	OUT_JSON,
	OUT_YAML,
	OUT_NAME,
};

struct get_opts {
	const char *ns;
	bool all_ns;
	enum out_fmt fmt;
	const char *output; /* -o as given */
	bool no_headers;
};

static bool is_pod_resource(const char *s)
{
	return strcmp(s, "pods") == 0 || strcmp(s, "pod") == 0 || strcmp(s, "po") == 0;
}

/* Add the restarts of n statuses, and the latest end of a last run. */
static void restarts_add(const struct ctr_status *cs, size_t n, int *restarts, int64_t *last)
{
	for (size_t i = 0; i < n; i++) {
		*restarts += cs[i].restart_count;
		if (cs[i].has_last && cs[i].last.finished_at > *last)
			*last = cs[i].last.finished_at;
	}
}

static void restarts_cell(const struct pod_record *rec, char *buf, size_t size)
{
	int restarts = 0;
	int64_t last = 0;
	char age[32];

	/* kubectl: while initializing, the init containers' restarts; once
	 * initialized, the sidecars' and the app containers' */
	if (!pod_record_initialized(rec)) {
		restarts_add(rec->init_ctrs, rec->n_init_ctrs, &restarts, &last);
	} else {
		restarts_add(rec->ctrs, rec->n_ctrs, &restarts, &last);
		for (size_t i = 0; i < rec->n_init_ctrs; i++)
			if (pod_ctr_is_sidecar(rec, rec->n_ctrs + i))
				restarts_add(&rec->init_ctrs[i], 1, &restarts, &last);
	}
	if (restarts > 0 && last > 0)
		(void)snprintf(buf, size, "%d (%s ago)", restarts, cli_age(last, age, sizeof(age)));
	else
		(void)snprintf(buf, size, "%d", restarts);
}

/* A pod whose monitor is gone (killed, or the machine rebooted) is not
 * watched by anyone: its recorded status may be stale, so say Unknown, as
 * kubectl does for a pod on a lost node. */
static void mark_unwatched(struct pod_record **recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *dir = pod_dir_path(cli_paths(), recs[i]->pod->uid);

		if (recs[i]->deleting_at > 0 || client_monitor_alive(dir))
			continue;
		recs[i]->phase = POD_PHASE_UNKNOWN;
		free(recs[i]->reason);
		free(recs[i]->message);
		recs[i]->reason = xstrdup("MonitorLost");
		recs[i]->message = xstrdup("the pod's monitor is not running");
	}
}

/* READINESS GATES as kubectl prints it: gates whose condition is True
 * (none is set on one node) over the gates, or <none>. */
static void gates_cell(const struct pod *pod, char *buf, size_t size)
{
	size_t n = 0;

	for (char **g = pod->readiness_gates; g != NULL && *g != NULL; g++)
		n++;
	if (n == 0)
		(void)snprintf(buf, size, "<none>");
	else
		(void)snprintf(buf, size, "0/%zu", n);
}

static void print_table(struct pod_record **recs, size_t n, const struct get_opts *o)
{
	const char *head[] = {"NAMESPACE", "NAME", "READY", "STATUS",         "RESTARTS",
	                      "AGE",       "IP",   "NODE",  "NOMINATED NODE", "READINESS GATES"};
	size_t first = o->all_ns ? 0 : 1, ncols = (o->fmt == OUT_WIDE ? 10 : 6) - first;
	char host[256] = "localhost";
	struct cli_table t;

	(void)gethostname(host, sizeof(host) - 1);
	cli_table_init(&t, ncols);
	if (!o->no_headers)
		cli_table_add(&t, head + first);
	for (size_t i = 0; i < n; i++) {
		const struct pod_record *r = recs[i];
		char ready[32], status[64], restarts[64], age[32], gates[32];
		size_t nready = 0, total = r->n_ctrs;

		for (size_t j = 0; j < r->n_ctrs; j++)
			nready += r->ctrs[j].ready;
		/* kubectl: sidecars count, ready once started and ready */
		for (size_t j = 0; j < r->n_init_ctrs; j++) {
			if (!pod_ctr_is_sidecar(r, r->n_ctrs + j))
				continue;
			total++;
			nready += r->init_ctrs[j].started && r->init_ctrs[j].ready;
		}
		(void)snprintf(ready, sizeof(ready), "%zu/%zu", nready, total);
		restarts_cell(r, restarts, sizeof(restarts));
		gates_cell(r->pod, gates, sizeof(gates));
		const char *row[] = {r->pod->namespace_,
		                     r->pod->name,
		                     ready,
		                     cli_pod_status(r, status, sizeof(status)),
		                     restarts,
		                     cli_age(r->created_at, age, sizeof(age)),
		                     pod_record_ip(r) ? pod_record_ip(r) : "<none>",
		                     r->scheduled ? host : "<none>",
		                     "<none>",
		                     gates};
		cli_table_add(&t, row + first);
	}
	cli_table_print(&t);
	cli_table_free(&t);
}

static void print_json(struct pod_record **recs, size_t n, bool single, bool yaml)
{
	json_object *o;

	if (single) {
		o = pod_record_to_json(recs[0]);
	} else {
		json_object *items = json_object_new_array();

		for (size_t i = 0; i < n; i++)
			json_object_array_add(items, pod_record_to_json(recs[i]));
		o = cli_list_new(items);
	}
	cli_print_json(o, yaml);
	json_object_put(o);
}

static void print_pods(struct pod_record **recs, size_t n, const struct get_opts *o, bool named)
{
	if (o->fmt == OUT_JSON || o->fmt == OUT_YAML) {
		print_json(recs, n, named && n == 1, o->fmt == OUT_YAML);
	} else if (o->fmt == OUT_NAME) {
		for (size_t i = 0; i < n; i++)
			printf("pod/%s\n", recs[i]->pod->name);
	} else {
		print_table(recs, n, o);
	}
}

static int get_pods(char **names, const struct get_opts *o)
{
	bool named = names != NULL && *names != NULL;
	struct pod_record **recs = NULL;
	struct pp_error err = {0};
	size_t n = 0;
	int failed = 0;

	if (named) {
		for (; *names; names++) {
			struct pod_record *rec = NULL;

			const char *name = *names;

			if (strncmp(name, "pod/", 4) == 0 || strncmp(name, "pods/", 5) == 0)
				name = strchr(name, '/') + 1;
			if (pod_load(cli_paths(), o->ns, name, &rec, &err) < 0) {
				fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
				failed = 1;
				continue;
			}
			recs = xrealloc(recs, (n + 1) * sizeof(struct pod_record *));
			recs[n++] = rec;
		}
	} else if (pod_list(cli_paths(), o->all_ns ? NULL : o->ns, &recs, &n, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	mark_unwatched(recs, n);
	if (n == 0 && !failed && o->fmt != OUT_JSON && o->fmt != OUT_YAML) {
		if (o->all_ns)
			fprintf(stderr, "No resources found\n");
		else
			fprintf(stderr, "No resources found in %s namespace.\n", o->ns);
	} else if (n > 0 || o->fmt == OUT_JSON || o->fmt == OUT_YAML) {
		print_pods(recs, n, o, named);
	}
	for (size_t i = 0; i < n; i++)
		pod_record_free(recs[i]);
	free(recs);
	return failed;
}

/* get configmaps|secrets [NAME...], or TYPE/NAME words of one kind. */
static int get_objects(enum kobj_kind kind, char **args, const struct get_opts *o)
{
	static const char *const outputs[] = {NULL, "wide", "json", "yaml", "name"};
	const struct cli_kobj_get g = {.ns = o->ns,
	                               .all_ns = o->all_ns,
	                               .output = outputs[o->fmt],
	                               .no_headers = o->no_headers};
	enum kobj_kind word;

	if (cli_kobj_resource(args[0], &word) == 0)
		args++;
	return cli_kobj_get(kind, args, &g);
}

static int parse_output(const char *s, enum out_fmt *ret)
{
	if (strcmp(s, "wide") == 0)
		*ret = OUT_WIDE;
	else if (strcmp(s, "json") == 0)
		*ret = OUT_JSON;
	else if (strcmp(s, "yaml") == 0)
		*ret = OUT_YAML;
	else if (strcmp(s, "name") == 0)
		*ret = OUT_NAME;
	else
		return -1;
	return 0;
}

int cmd_get(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"namespace", required_argument, NULL, 'n'},
	    {"all-namespaces", no_argument, NULL, 'A'},
	    {"output", required_argument, NULL, 'o'},
	    {"no-headers", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	struct get_opts o = {.ns = "default"};
	enum kobj_kind kind;
	int c;

	while ((c = cli_getopt(argc, argv, "n:Ao:", opts)) != -1) {
		if (c == 'n') {
			o.ns = optarg;
		} else if (c == 'A') {
			o.all_ns = true;
		} else if (c == 'H') {
			o.no_headers = true;
		} else if (c != 'o' || (o.output = optarg, parse_output(optarg, &o.fmt)) < 0) {
			if (c == 'o')
				log_error(
				    "unable to match a printer suitable for the output format "
				    "\"%s\", allowed formats are: json,name,wide,yaml",
				    optarg);
			return 1;
		}
	}
	if (optind >= argc) {
		log_error("You must specify the type of resource to get. Use \"peapod get pods\"");
		return 1;
	}
	if (cli_kobj_resource(argv[optind], &kind) == 0 ||
	    cli_kobj_typed_name(argv[optind], &kind) != NULL)
		return get_objects(kind, argv + optind, &o);
	/* get pod/NAME: a name with its type */
	if (strncmp(argv[optind], "pod/", 4) == 0 || strncmp(argv[optind], "pods/", 5) == 0)
		return get_pods(argv + optind, &o);
	if (cli_is_node_resource(argv[optind]) || strncmp(argv[optind], "node/", 5) == 0)
		return cli_node_get(argv + optind + (strchr(argv[optind], '/') == NULL), o.output,
		                    o.no_headers);
	if (!is_pod_resource(argv[optind])) {
		log_error("the server doesn't have a resource type \"%s\" (peapod runs pods, "
		          "configmaps and secrets only)",
		          argv[optind]);
		return 1;
	}
	return get_pods(argv + optind + 1, &o);
}
