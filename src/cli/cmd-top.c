/* SPDX-License-Identifier: Apache-2.0 */
/* peapod top pod [NAME]: kubectl's CPU(cores) and MEMORY(bytes) of pods or
 * of their containers, read from the containers' cgroups: CPU as the rate
 * of cpu.stat usage_usec over a short sample, memory as the working set. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "spec/selector.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

#define SAMPLE_MS 250

struct top_opts {
	const char *ns;
	bool all_ns, containers, no_headers;
	const char *selector;
};

/* One running container's two samples. */
struct top_ctr {
	size_t pod; /* index into the records */
	const char *name;
	struct rt_usage a, b;
	bool ok;
};

struct top_run {
	struct pod_record **recs;
	size_t n_recs;
	struct top_ctr *ctrs;
	size_t n_ctrs;
	int64_t elapsed_ns;
};

static bool sample(const struct pod_record *rec, size_t idx, struct rt_usage *u)
{
	cleanup_free char *id = pod_container_id(rec, idx);

	return rt_container_usage(cli_paths()->runtime, id, u, NULL) == 0;
}

/* The app containers of every record, sampled twice SAMPLE_MS apart. */
static void sample_all(struct top_run *t)
{
	struct timespec ts = {0, SAMPLE_MS * 1000000L};
	int64_t start;

	for (size_t i = 0; i < t->n_recs; i++) {
		for (size_t j = 0; j < t->recs[i]->n_ctrs; j++) {
			struct top_ctr c = {.pod = i, .name = pod_ctr_spec(t->recs[i], j)->name};

			c.ok = sample(t->recs[i], j, &c.a);
			t->ctrs = xrealloc(t->ctrs, (t->n_ctrs + 1) * sizeof(*t->ctrs));
			t->ctrs[t->n_ctrs++] = c;
		}
	}
	start = pp_now_ns();
	(void)nanosleep(&ts, NULL);
	t->elapsed_ns = pp_now_ns() - start;
	for (size_t i = 0, k = 0; i < t->n_recs; i++)
		for (size_t j = 0; j < t->recs[i]->n_ctrs; j++, k++)
			if (t->ctrs[k].ok)
				t->ctrs[k].ok =
				    sample(t->recs[i], j, &t->ctrs[k].b) && t->ctrs[k].a.has_memory;
}

static uint64_t millicores(const struct top_run *t, const struct top_ctr *c)
{
	uint64_t d = c->b.cpu_usec > c->a.cpu_usec ? c->b.cpu_usec - c->a.cpu_usec : 0;

	if (t->elapsed_ns <= 0)
		return 0;
	return d * 1000 / (uint64_t)(t->elapsed_ns / 1000);
}

/* A row of the table: cells as kubectl prints them ("12m", "3Mi"). */
static void add_row(struct cli_table *tab, const struct top_opts *o, const struct pod_record *rec,
                    const char *ctr, uint64_t mcpu, uint64_t mem)
{
	char cpu[32], memory[32];
	const char *row[5];
	size_t n = 0;

	(void)snprintf(cpu, sizeof(cpu), "%llum", (unsigned long long)mcpu);
	(void)snprintf(memory, sizeof(memory), "%lluMi", (unsigned long long)(mem >> 20));
	if (o->all_ns)
		row[n++] = rec->pod->namespace_;
	row[n++] = rec->pod->name;
	if (ctr != NULL)
		row[n++] = ctr;
	row[n++] = cpu;
	row[n++] = memory;
	cli_table_add(tab, row);
}

static void table_start(struct cli_table *tab, const struct top_opts *o)
{
	const char *head[5];
	size_t n = 0;

	if (o->all_ns)
		head[n++] = "NAMESPACE";
	head[n++] = o->containers ? "POD" : "NAME";
	if (o->containers)
		head[n++] = "NAME";
	head[n++] = "CPU(cores)";
	head[n++] = "MEMORY(bytes)";
	cli_table_init(tab, n);
	if (!o->no_headers)
		cli_table_add(tab, head);
}

/* Rows for each pod with metrics; returns how many pods had them. */
static size_t fill_table(struct cli_table *tab, const struct top_run *t, const struct top_opts *o)
{
	size_t shown = 0;

	for (size_t i = 0; i < t->n_recs; i++) {
		uint64_t mcpu = 0, mem = 0;
		bool any = false;

		for (size_t k = 0; k < t->n_ctrs; k++) {
			const struct top_ctr *c = &t->ctrs[k];

			if (c->pod != i || !c->ok)
				continue;
			any = true;
			if (o->containers)
				add_row(tab, o, t->recs[i], c->name, millicores(t, c),
				        c->b.memory_working_set);
			mcpu += millicores(t, c);
			mem += c->b.memory_working_set;
		}
		if (any && !o->containers)
			add_row(tab, o, t->recs[i], NULL, mcpu, mem);
		shown += any;
	}
	return shown;
}

static int load_pods(char **names, const struct top_opts *o, struct top_run *t)
{
	struct pp_error err = {0};

	if (names == NULL || *names == NULL)
		return pod_list(cli_paths(), o->all_ns ? NULL : o->ns, &t->recs, &t->n_recs, &err) <
		               0
		           ? log_error_errno(-EIO, "%s", err.msg)
		           : 0;
	for (; *names != NULL; names++) {
		struct pod_record *rec = NULL;

		if (pod_load(cli_paths(), o->ns, cli_pod_name(*names), &rec, &err) < 0) {
			fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
			return -ENOENT;
		}
		t->recs = xrealloc(t->recs, (t->n_recs + 1) * sizeof(struct pod_record *));
		t->recs[t->n_recs++] = rec;
	}
	return 0;
}

/* -l: keep the pods it selects. 0, or -EINVAL reported. */
static int select_pods(const struct top_opts *o, struct top_run *t)
{
	struct pod_selector *sel = NULL;
	struct pp_error err = {0};

	if (o->selector == NULL)
		return 0;
	if (pod_selector_parse(o->selector, &sel, &err) < 0) {
		log_error("%s", err.msg);
		return -EINVAL;
	}
	cli_pods_select(t->recs, &t->n_recs, sel);
	pod_selector_free(sel);
	return 0;
}

static int print_top(struct top_run *t, const struct top_opts *o, bool named)
{
	struct cli_table tab;
	size_t shown;
	char age[32];

	if (t->n_recs == 0) {
		if (o->all_ns)
			fprintf(stderr, "No resources found\n");
		else
			fprintf(stderr, "No resources found in %s namespace.\n", o->ns);
		return 0;
	}
	sample_all(t);
	table_start(&tab, o);
	shown = fill_table(&tab, t, o);
	if (shown == t->n_recs || (!named && shown > 0))
		cli_table_print(&tab);
	cli_table_free(&tab);
	if (named && shown < t->n_recs) {
		for (size_t i = 0; i < t->n_recs; i++)
			log_error("Metrics not available for pod %s/%s, age: %s",
			          t->recs[i]->pod->namespace_, t->recs[i]->pod->name,
			          cli_age(t->recs[i]->created_at, age, sizeof(age)));
		return 1;
	}
	if (shown == 0) {
		log_error("metrics not available yet");
		return 1;
	}
	return 0;
}

static int parse_top_opts(int argc, char **argv, struct top_opts *o)
{
	static const struct option opts[] = {
	    {"namespace", required_argument, NULL, 'n'}, {"all-namespaces", no_argument, NULL, 'A'},
	    {"containers", no_argument, NULL, 'c'},      {"no-headers", no_argument, NULL, 'H'},
	    {"selector", required_argument, NULL, 'l'},  {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = cli_getopt(argc, argv, "n:Al:", opts)) != -1) {
		if (c == 'n')
			o->ns = optarg;
		else if (c == 'A')
			o->all_ns = true;
		else if (c == 'c')
			o->containers = true;
		else if (c == 'H')
			o->no_headers = true;
		else if (c == 'l')
			o->selector = optarg;
		else
			return -1;
	}
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o = {.ns = "default"};
	struct top_run t = {0};
	char **names;
	int r = 1;

	if (parse_top_opts(argc, argv, &o) < 0)
		return 1;
	if (optind >= argc ||
	    (strcmp(argv[optind], "pod") != 0 && strcmp(argv[optind], "pods") != 0 &&
	     strcmp(argv[optind], "po") != 0)) {
		log_error("peapod top supports pods only: peapod top pod [NAME | -l label]");
		return 1;
	}
	names = argv + optind + 1;
	if (load_pods(names, &o, &t) == 0 && select_pods(&o, &t) == 0)
		r = print_top(&t, &o, *names != NULL);
	for (size_t i = 0; i < t.n_recs; i++)
		pod_record_free(t.recs[i]);
	free(t.recs);
	free(t.ctrs);
	return r;
}
