/* SPDX-License-Identifier: Apache-2.0 */
/* peapod get pods [NAME...]: kubectl's table, or -o json|name|wide;
 * -l SELECTOR, --show-labels, and -w (watch by polling the pod records). */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/signalfd.h>

#include "cli/cli-objects.h"
#include "cli/cli-util.h"
#include "cli/cli.h"
#include "client/client.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "spec/selector.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/sig.h"
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
	const char *selector;     /* -l, as given */
	struct pod_selector *sel; /* -l, parsed */
	bool show_labels;
	bool watch, watch_only;
};

#define WATCH_POLL_MS 200

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

/* kubectl's LABELS column: k=v pairs sorted by key, comma-joined, or
 * <none>. Caller frees. */
static char *labels_cell(const struct pod *pod)
{
	cleanup_strv char **pairs = NULL;

	for (size_t i = 0; pod->label_keys != NULL && pod->label_keys[i] != NULL; i++) {
		cleanup_free char *kv = xstrfmt("%s=%s", pod->label_keys[i], pod->label_values[i]);

		strv_push(&pairs, kv);
	}
	if (pairs == NULL)
		return xstrdup("<none>");
	strv_sort(pairs);
	return strv_join(pairs, ",");
}

/* One pod's row: the cells of the columns o selects. */
struct pod_row {
	char ready[32], status[64], restarts[64], age[32], gates[32];
	char *labels; /* owned */
	const char *cells[11];
	size_t ncells;
};

static void pod_row_fill(struct pod_row *row, const struct pod_record *r, const struct get_opts *o,
                         const char *host)
{
	size_t nready = 0, total = r->n_ctrs, n = 0;

	for (size_t j = 0; j < r->n_ctrs; j++)
		nready += r->ctrs[j].ready;
	/* kubectl: sidecars count, ready once started and ready */
	for (size_t j = 0; j < r->n_init_ctrs; j++) {
		if (!pod_ctr_is_sidecar(r, r->n_ctrs + j))
			continue;
		total++;
		nready += r->init_ctrs[j].started && r->init_ctrs[j].ready;
	}
	(void)snprintf(row->ready, sizeof(row->ready), "%zu/%zu", nready, total);
	restarts_cell(r, row->restarts, sizeof(row->restarts));
	if (o->all_ns)
		row->cells[n++] = r->pod->namespace_;
	row->cells[n++] = r->pod->name;
	row->cells[n++] = row->ready;
	row->cells[n++] = cli_pod_status(r, row->status, sizeof(row->status));
	row->cells[n++] = row->restarts;
	row->cells[n++] = cli_age(r->created_at, row->age, sizeof(row->age));
	if (o->fmt == OUT_WIDE) {
		row->cells[n++] = pod_record_ip(r) ? pod_record_ip(r) : "<none>";
		row->cells[n++] = r->scheduled ? host : "<none>";
		row->cells[n++] = "<none>"; /* NOMINATED NODE: no preemption */
		gates_cell(r->pod, row->gates, sizeof(row->gates));
		row->cells[n++] = row->gates;
	}
	row->labels = o->show_labels ? labels_cell(r->pod) : NULL;
	if (o->show_labels)
		row->cells[n++] = row->labels;
	row->ncells = n;
}

static size_t table_head(const struct get_opts *o, const char **cells)
{
	static const char *const head[] = {
	    "NAMESPACE", "NAME", "READY", "STATUS",         "RESTARTS",
	    "AGE",       "IP",   "NODE",  "NOMINATED NODE", "READINESS GATES"};
	size_t n = 0;

	for (size_t i = o->all_ns ? 0 : 1; i < (o->fmt == OUT_WIDE ? 10 : 6); i++)
		cells[n++] = head[i];
	if (o->show_labels)
		cells[n++] = "LABELS";
	return n;
}

static void print_table(struct pod_record **recs, size_t n, const struct get_opts *o)
{
	const char *head[11];
	size_t ncols = table_head(o, head);
	char host[256] = "localhost";
	struct cli_table t;

	(void)gethostname(host, sizeof(host) - 1);
	cli_table_init(&t, ncols);
	if (!o->no_headers)
		cli_table_add(&t, head);
	for (size_t i = 0; i < n; i++) {
		struct pod_row row = {0};

		pod_row_fill(&row, recs[i], o, host);
		cli_table_add(&t, row.cells);
		free(row.labels);
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

void cli_pods_select(struct pod_record **recs, size_t *n, const struct pod_selector *sel)
{
	size_t out = 0;

	for (size_t i = 0; i < *n; i++) {
		if (pod_selector_matches(sel, recs[i]->pod->label_keys, recs[i]->pod->label_values))
			recs[out++] = recs[i];
		else
			pod_record_free(recs[i]);
	}
	*n = out;
}

/* The pods named (NotFound reported unless quiet; *failed set), or every
 * pod of the namespace(s); the selector applied. Caller frees. */
static struct pod_record **collect_pods(char **names, const struct get_opts *o, bool quiet,
                                        size_t *ret_n, int *failed)
{
	struct pod_record **recs = NULL;
	struct pp_error err = {0};
	size_t n = 0;

	if (names != NULL && *names != NULL) {
		for (; *names; names++) {
			struct pod_record *rec = NULL;

			if (pod_load(cli_paths(), o->ns, cli_pod_name(*names), &rec, &err) < 0) {
				if (!quiet)
					fprintf(stderr, "Error from server (NotFound): %s\n",
					        err.msg);
				*failed = 1;
				continue;
			}
			recs = xrealloc(recs, (n + 1) * sizeof(struct pod_record *));
			recs[n++] = rec;
		}
	} else if (pod_list(cli_paths(), o->all_ns ? NULL : o->ns, &recs, &n, &err) < 0) {
		if (!quiet)
			log_error("%s", err.msg);
		*failed = 1;
	}
	mark_unwatched(recs, n);
	cli_pods_select(recs, &n, o->sel);
	*ret_n = n;
	return recs;
}

static void free_recs(struct pod_record **recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pod_record_free(recs[i]);
	free(recs);
}

static int get_pods(char **names, const struct get_opts *o)
{
	bool named = names != NULL && *names != NULL;
	size_t n = 0;
	int failed = 0;
	struct pod_record **recs = collect_pods(names, o, false, &n, &failed);

	if (!named && failed) {
		free_recs(recs, n);
		return 1;
	}
	if (n == 0 && !failed && o->fmt != OUT_JSON && o->fmt != OUT_YAML) {
		if (o->all_ns)
			fprintf(stderr, "No resources found\n");
		else
			fprintf(stderr, "No resources found in %s namespace.\n", o->ns);
	} else if (n > 0 || o->fmt == OUT_JSON || o->fmt == OUT_YAML) {
		print_pods(recs, n, o, named);
	}
	free_recs(recs, n);
	return failed;
}

/* get -w: the last state printed of each pod, by uid. */
struct watch_seen {
	char *uid;
	char *key;
};

struct watch_state {
	struct watch_seen *seen;
	size_t n;
	bool printed; /* the header (table) was printed */
	char host[256];
};

/* What a change is: the row's cells but AGE (it ticks), or the object. */
static char *watch_key(const struct pod_record *r, const struct get_opts *o, const char *host)
{
	struct pod_row row = {0};
	char *key = xstrdup("");
	size_t age = o->all_ns ? 5 : 4;

	if (o->fmt == OUT_JSON || o->fmt == OUT_YAML)
		return pod_record_text(r);
	pod_row_fill(&row, r, o, host);
	for (size_t i = 0; i < row.ncells; i++) {
		char *next = xstrfmt("%s%s\t", key, i == age ? "" : row.cells[i]);

		free(key);
		key = next;
	}
	free(row.labels);
	return key;
}

static void watch_print(struct watch_state *w, struct pod_record *r, const struct get_opts *o)
{
	if (o->fmt == OUT_TABLE || o->fmt == OUT_WIDE) {
		struct get_opts one = *o;
		struct cli_table t;
		struct pod_row row = {0};
		const char *head[11];

		one.no_headers = o->no_headers || w->printed;
		cli_table_init(&t, table_head(o, head));
		if (!one.no_headers)
			cli_table_add(&t, head);
		pod_row_fill(&row, r, o, w->host);
		cli_table_add(&t, row.cells);
		cli_table_print(&t);
		cli_table_free(&t);
		free(row.labels);
	} else {
		print_pods(&r, 1, o, true);
	}
	w->printed = true;
	(void)fflush(stdout);
}

/* Record r's state; print it when it is new or changed and print is set. */
static void watch_update(struct watch_state *w, struct pod_record *r, const struct get_opts *o,
                         bool print)
{
	cleanup_free char *key = watch_key(r, o, w->host);
	size_t i = 0;

	while (i < w->n && strcmp(w->seen[i].uid, r->pod->uid) != 0)
		i++;
	if (i < w->n && strcmp(w->seen[i].key, key) == 0)
		return;
	if (i == w->n) {
		w->seen = xrealloc(w->seen, (w->n + 1) * sizeof(*w->seen));
		w->seen[w->n++] = (struct watch_seen){xstrdup(r->pod->uid), NULL};
	}
	free(w->seen[i].key);
	w->seen[i].key = take_ptr(&key);
	if (print)
		watch_print(w, r, o);
}

/* Forget pods that are gone, so one created again under the name shows. */
static void watch_prune(struct watch_state *w, struct pod_record **recs, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < w->n; i++) {
		bool present = false;

		for (size_t j = 0; j < n && !present; j++)
			present = strcmp(recs[j]->pod->uid, w->seen[i].uid) == 0;
		if (present) {
			w->seen[out++] = w->seen[i];
			continue;
		}
		free(w->seen[i].uid);
		free(w->seen[i].key);
	}
	w->n = out;
}

static void watch_poll(struct watch_state *w, char **names, const struct get_opts *o, bool print)
{
	int failed = 0;
	size_t n = 0;
	struct pod_record **recs = collect_pods(names, o, true, &n, &failed);

	for (size_t i = 0; i < n; i++)
		watch_update(w, recs[i], o, print);
	watch_prune(w, recs, n);
	free_recs(recs, n);
}

/* kubectl get -w: the listing (unless --watch-only), then one row (or
 * object) each time a pod's changes, polling the records every
 * WATCH_POLL_MS until SIGINT or SIGTERM. */
static int watch_pods(char **names, const struct get_opts *o)
{
	struct watch_state w = {.host = "localhost"};
	cleanup_close int sfd = sig_int_term_fd(0, NULL);
	int r = 0;

	if (sfd < 0) {
		(void)log_error_errno(-errno, "signalfd");
		return 1;
	}
	(void)gethostname(w.host, sizeof(w.host) - 1);
	if (!o->watch_only)
		r = get_pods(names, o);
	w.printed = !o->watch_only;
	(void)fflush(stdout);
	watch_poll(&w, names, o, false);
	for (;;) {
		struct pollfd pfd = {.fd = sfd, .events = POLLIN};

		if (poll(&pfd, 1, WATCH_POLL_MS) > 0)
			break;
		watch_poll(&w, names, o, true);
	}
	watch_prune(&w, NULL, 0);
	free(w.seen);
	return r == 1 && names != NULL && *names != NULL ? r : 0;
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

static int bad_output(const char *s)
{
	log_error("unable to match a printer suitable for the output format \"%s\", allowed "
	          "formats are: json,name,wide,yaml",
	          s);
	return -1;
}

static int parse_get_opts(int argc, char **argv, struct get_opts *o)
{
	static const struct option opts[] = {
	    {"namespace", required_argument, NULL, 'n'},
	    {"all-namespaces", no_argument, NULL, 'A'},
	    {"output", required_argument, NULL, 'o'},
	    {"no-headers", no_argument, NULL, 'H'},
	    {"selector", required_argument, NULL, 'l'},
	    {"show-labels", no_argument, NULL, 'L'},
	    {"watch", no_argument, NULL, 'w'},
	    {"watch-only", no_argument, NULL, 'W'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = cli_getopt(argc, argv, "n:Ao:l:w", opts)) != -1) {
		if (c == 'n')
			o->ns = optarg;
		else if (c == 'A')
			o->all_ns = true;
		else if (c == 'H')
			o->no_headers = true;
		else if (c == 'l')
			o->selector = optarg;
		else if (c == 'L')
			o->show_labels = true;
		else if (c == 'w')
			o->watch = true;
		else if (c == 'W')
			o->watch = o->watch_only = true;
		else if (c != 'o')
			return -1;
		else if ((o->output = optarg, parse_output(optarg, &o->fmt)) < 0)
			return bad_output(optarg);
	}
	return 0;
}

/* -l: parsed, or refused with the API server's words. */
static int parse_selector(struct get_opts *o, bool named)
{
	struct pp_error err = {0};

	if (o->selector == NULL)
		return 0;
	if (named) {
		log_error("selectors and the all flag cannot be used when passing resource/name "
		          "arguments");
		return -1;
	}
	if (pod_selector_parse(o->selector, &o->sel, &err) < 0) {
		fprintf(
		    stderr,
		    "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that "
		    "match label selector \"%s\", field selector \"\": %s\n",
		    o->selector, err.msg);
		return -1;
	}
	return 0;
}

static int run_get(char **names, struct get_opts *o)
{
	int r;

	if (parse_selector(o, names != NULL && *names != NULL) < 0)
		return 1;
	r = o->watch ? watch_pods(names, o) : get_pods(names, o);
	o->sel = pod_selector_free(o->sel);
	return r;
}

int cmd_get(int argc, char **argv)
{
	struct get_opts o = {.ns = "default"};
	enum kobj_kind kind;

	if (parse_get_opts(argc, argv, &o) < 0)
		return 1;
	if (optind >= argc) {
		log_error("You must specify the type of resource to get. Use \"peapod get pods\"");
		return 1;
	}
	if (cli_kobj_resource(argv[optind], &kind) == 0 ||
	    cli_kobj_typed_name(argv[optind], &kind) != NULL)
		return get_objects(kind, argv + optind, &o);
	/* get pod/NAME: a name with its type */
	if (strncmp(argv[optind], "pod/", 4) == 0 || strncmp(argv[optind], "pods/", 5) == 0)
		return run_get(argv + optind, &o);
	if (cli_is_node_resource(argv[optind]) || strncmp(argv[optind], "node/", 5) == 0)
		return cli_node_get(argv + optind + (strchr(argv[optind], '/') == NULL), o.output,
		                    o.no_headers);
	if (!is_pod_resource(argv[optind])) {
		log_error("the server doesn't have a resource type \"%s\" (peapod runs pods, "
		          "configmaps and secrets only)",
		          argv[optind]);
		return 1;
	}
	return run_get(argv + optind + 1, &o);
}
