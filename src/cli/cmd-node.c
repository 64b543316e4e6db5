/* SPDX-License-Identifier: Apache-2.0 */
/* get nodes and describe node: this machine as kubectl shows a Node, with
 * the pods on it and what they request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli-util.h"
#include "pod/node.h"
#include "pod/paths.h"
#include "pod/sched-filter.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

bool cli_is_node_resource(const char *s)
{
	return strcmp(s, "nodes") == 0 || strcmp(s, "node") == 0 || strcmp(s, "no") == 0;
}

/* This node, or NULL with kubectl's NotFound printed when name is not it. */
static json_object *node_load(const char *name)
{
	struct pp_error err = {0};
	json_object *node = NULL;
	const char *slash = name != NULL ? strchr(name, '/') : NULL;

	if (slash != NULL)
		name = slash + 1;
	if (pod_node_get(cli_paths(), &node, &err) < 0) {
		log_error("%s", err.msg);
		return NULL;
	}
	if (name != NULL &&
	    strcmp(name, json_get_str(json_get_obj(node, "metadata"), "name")) != 0) {
		fprintf(stderr, "Error from server (NotFound): nodes \"%s\" not found\n", name);
		json_object_put(node);
		return NULL;
	}
	return node;
}

static const char *info(json_object *node, const char *key)
{
	const char *s = json_get_str(json_get_obj(json_get_obj(node, "status"), "nodeInfo"), key);

	return s != NULL ? s : "";
}

static void print_table(json_object *node, bool wide, bool no_headers)
{
	const char *head[] = {"NAME",           "STATUS",           "ROLES",       "AGE",
	                      "VERSION",        "INTERNAL-IP",      "EXTERNAL-IP", "OS-IMAGE",
	                      "KERNEL-VERSION", "CONTAINER-RUNTIME"};
	json_object *meta = json_get_obj(node, "metadata");
	json_object *addrs = json_get_arr(json_get_obj(node, "status"), "addresses");
	cleanup_free char *roles = pod_node_roles(node);
	bool unsched = json_get_bool(json_get_obj(node, "spec"), "unschedulable", false);
	char age[32];
	struct cli_table t;

	cli_table_init(&t, wide ? 10 : 5);
	if (!no_headers)
		cli_table_add(&t, head);
	const char *row[] = {
	    json_get_str(meta, "name"),
	    unsched ? "Ready,SchedulingDisabled" : "Ready",
	    roles,
	    cli_age(pod_time_parse(json_get_str(meta, "creationTimestamp")), age, sizeof(age)),
	    info(node, "kubeletVersion"),
	    json_get_str(json_object_array_get_idx(addrs, 0), "address"),
	    "<none>",
	    info(node, "osImage"),
	    info(node, "kernelVersion"),
	    info(node, "containerRuntimeVersion")};
	cli_table_add(&t, row);
	cli_table_print(&t);
	cli_table_free(&t);
}

static void print_object(json_object *node, bool list, bool yaml)
{
	json_object *o = json_object_get(node);

	if (list) {
		json_object *items = json_object_new_array();

		json_object_array_add(items, o);
		o = cli_list_new(items);
	}
	cli_print_json(o, yaml);
	json_object_put(o);
}

int cli_node_get(char **names, const char *output, bool no_headers)
{
	bool named = names != NULL && names[0] != NULL;
	int failed = 0;

	for (size_t i = 0; i == 0 || (named && names[i] != NULL); i++) {
		cleanup_json json_object *node = node_load(named ? names[i] : NULL);

		if (node == NULL) {
			failed = 1;
			continue;
		}
		if (output == NULL || strcmp(output, "wide") == 0)
			print_table(node, output != NULL, no_headers);
		else if (strcmp(output, "name") == 0)
			printf("node/%s\n", json_get_str(json_get_obj(node, "metadata"), "name"));
		else
			print_object(node, !named, strcmp(output, "yaml") == 0);
	}
	return failed;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "Title:\tk=v\n\tk2=v2\n" of a string map, sorted (json-c keeps insertion
 * order: sort by printing through a vector). */
static void print_map(FILE *f, const char *title, json_object *map, const char *sep)
{
	cleanup_strv char **lines = NULL;
	cleanup_json json_object *empty = NULL;
	size_t n = 0;

	if (map == NULL) {
		empty = json_object_new_object();
		map = empty;
	}
	json_object_object_foreach(map, k, v)
	{
		cleanup_free char *line = xstrfmt("%s%s%s", k, sep, json_object_get_string(v));

		strv_push(&lines, line);
		n++;
	}
	if (n == 0) {
		fprintf(f, "%s:\t<none>\n", title);
		return;
	}
	qsort(lines, n, sizeof(*lines), str_cmp);
	for (size_t i = 0; i < n; i++)
		fprintf(f, i == 0 ? "%s:\t%s\n" : "%s\t%s\n", i == 0 ? title : "", lines[i]);
}

static void print_taints(FILE *f, json_object *taints)
{
	size_t n = taints != NULL ? json_object_array_length(taints) : 0;

	if (n == 0)
		fprintf(f, "Taints:\t<none>\n");
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(taints, i);
		const char *v = json_get_str(t, "value");

		fprintf(f, "%s\t%s%s%s:%s\n", i == 0 ? "Taints:" : "", json_get_str(t, "key"),
		        v != NULL && *v ? "=" : "", v != NULL ? v : "", json_get_str(t, "effect"));
	}
}

static void print_conditions(FILE *f, json_object *conds)
{
	fprintf(f, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\t"
	           "Message\n  ----\t------\t-----------------\t------------------\t------\t"
	           "-------\n");
	for (size_t i = 0; i < json_object_array_length(conds); i++) {
		json_object *c = json_object_array_get_idx(conds, i);
		char t1[64], t2[64];

		fprintf(f, "  %s \t%s \t%s \t%s \t%s \t%s\n", json_get_str(c, "type"),
		        json_get_str(c, "status"),
		        cli_rfc1123z(pod_time_parse(json_get_str(c, "lastHeartbeatTime")), t1,
		                     sizeof(t1)),
		        cli_rfc1123z(pod_time_parse(json_get_str(c, "lastTransitionTime")), t2,
		                     sizeof(t2)),
		        json_get_str(c, "reason"), json_get_str(c, "message"));
	}
}

static void print_resource_map(FILE *f, const char *title, json_object *map)
{
	fprintf(f, "%s:\n", title);
	if (map == NULL)
		return;
	json_object_object_foreach(map, k, v)
	{
		fprintf(f, "  %s:\t%s\n", k, json_object_get_string(v));
	}
}

static void print_system_info(FILE *f, json_object *node)
{
	fprintf(f,
	        "System Info:\n  Machine ID:\t%s\n  System UUID:\t%s\n  Boot ID:\t%s\n"
	        "  Kernel Version:\t%s\n  OS Image:\t%s\n  Operating System:\t%s\n"
	        "  Architecture:\t%s\n  Container Runtime Version:\t%s\n  Kubelet Version:\t%s\n"
	        "  Kube-Proxy Version:\t%s\n",
	        info(node, "machineID"), info(node, "systemUUID"), info(node, "bootID"),
	        info(node, "kernelVersion"), info(node, "osImage"), info(node, "operatingSystem"),
	        info(node, "architecture"), info(node, "containerRuntimeVersion"),
	        info(node, "kubeletVersion"), info(node, "kubeProxyVersion"));
}

/* A quantity as the API prints it: cpu "250m" or "2"; bytes "64Mi". */
static void fmt_qty(char *buf, size_t size, uint64_t v, bool cpu)
{
	static const char *const suffix[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
	size_t s = 0;

	if (cpu) {
		if (v % 1000 == 0)
			(void)snprintf(buf, size, "%llu", (unsigned long long)(v / 1000));
		else
			(void)snprintf(buf, size, "%llum", (unsigned long long)v);
		return;
	}
	while (v != 0 && v % 1024 == 0 && s + 1 < sizeof(suffix) / sizeof(suffix[0])) {
		v /= 1024;
		s++;
	}
	(void)snprintf(buf, size, "%llu%s", (unsigned long long)v, suffix[s]);
}

/* "250m (12%)": v against allocatable av, as kubectl's describe. */
static const char *cell(char *buf, size_t size, uint64_t v, uint64_t av, bool cpu)
{
	char q[48];

	fmt_qty(q, sizeof(q), v, cpu);
	(void)snprintf(buf, size, "%s (%llu%%)", q,
	               av > 0 ? (unsigned long long)(v * 100 / av) : 0ull);
	return buf;
}

struct alloc_sum {
	uint64_t cpu_av, mem_av;
	struct pod_sched_req total;
};

static void print_pod_row(FILE *f, const struct pod_record *rec, struct alloc_sum *s)
{
	struct pod_sched_req r = {0};
	char c1[64], c2[64], c3[64], c4[64], age[32];

	pod_sched_requests(rec->pod, &r);
	fprintf(f, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", rec->pod->namespace_, rec->pod->name,
	        cell(c1, sizeof(c1), r.cpu, s->cpu_av, true),
	        cell(c2, sizeof(c2), r.cpu_limit, s->cpu_av, true),
	        cell(c3, sizeof(c3), r.memory, s->mem_av, false),
	        cell(c4, sizeof(c4), r.memory_limit, s->mem_av, false),
	        cli_age(rec->created_at, age, sizeof(age)));
	s->total.cpu += r.cpu;
	s->total.cpu_limit += r.cpu_limit;
	s->total.memory += r.memory;
	s->total.memory_limit += r.memory_limit;
	pod_sched_req_clear(&r);
}

static void print_pods(FILE *f, json_object *node)
{
	json_object *alloc = json_get_obj(json_get_obj(node, "status"), "allocatable");
	struct alloc_sum s = {0};
	struct pod_record **recs = NULL;
	struct pp_error err = {0};
	size_t n = 0, held = 0;
	char c1[64], c2[64];

	(void)pod_quantity_parse_milli(json_get_str(alloc, "cpu"), &s.cpu_av);
	(void)pod_quantity_parse(json_get_str(alloc, "memory"), &s.mem_av);
	if (pod_list(cli_paths(), NULL, &recs, &n, &err) < 0)
		log_warn("%s", err.msg);
	for (size_t i = 0; i < n; i++)
		held += pod_sched_holds(recs[i]);
	fprintf(f,
	        "Non-terminated Pods:\t(%zu in total)\n  Namespace\tName\tCPU Requests\tCPU "
	        "Limits\tMemory Requests\tMemory Limits\tAge\n  ---------\t----\t------------\t"
	        "----------\t---------------\t-------------\t---\n",
	        held);
	for (size_t i = 0; i < n; i++) {
		if (pod_sched_holds(recs[i]))
			print_pod_row(f, recs[i], &s);
		pod_record_free(recs[i]);
	}
	free(recs);
	fprintf(f, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., "
	           "overcommitted.)\n  Resource\tRequests\tLimits\n  --------\t--------\t------\n");
	fprintf(f, "  cpu\t%s\t%s\n", cell(c1, sizeof(c1), s.total.cpu, s.cpu_av, true),
	        cell(c2, sizeof(c2), s.total.cpu_limit, s.cpu_av, true));
	fprintf(f, "  memory\t%s\t%s\n", cell(c1, sizeof(c1), s.total.memory, s.mem_av, false),
	        cell(c2, sizeof(c2), s.total.memory_limit, s.mem_av, false));
	fprintf(f, "  ephemeral-storage\t0 (0%%)\t0 (0%%)\n  hugepages-1Gi\t0 (0%%)\t0 (0%%)\n"
	           "  hugepages-2Mi\t0 (0%%)\t0 (0%%)\n");
}

static void describe(json_object *node)
{
	json_object *meta = json_get_obj(node, "metadata"), *spec = json_get_obj(node, "spec");
	json_object *st = json_get_obj(node, "status"), *addrs = json_get_arr(st, "addresses");
	cleanup_free char *roles = pod_node_roles(node);
	char *text = NULL, ts[64];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return;
	fprintf(f, "Name:\t%s\nRoles:\t%s\n", json_get_str(meta, "name"), roles);
	print_map(f, "Labels", json_get_obj(meta, "labels"), "=");
	print_map(f, "Annotations", json_get_obj(meta, "annotations"), ": ");
	fprintf(
	    f, "CreationTimestamp:\t%s\n",
	    cli_rfc1123z(pod_time_parse(json_get_str(meta, "creationTimestamp")), ts, sizeof(ts)));
	print_taints(f, json_get_arr(spec, "taints"));
	fprintf(f, "Unschedulable:\t%s\n",
	        json_get_bool(spec, "unschedulable", false) ? "true" : "false");
	print_conditions(f, json_get_arr(st, "conditions"));
	fprintf(f, "Addresses:\n");
	for (size_t i = 0; i < json_object_array_length(addrs); i++) {
		json_object *a = json_object_array_get_idx(addrs, i);

		fprintf(f, "  %s:\t%s\n", json_get_str(a, "type"), json_get_str(a, "address"));
	}
	print_resource_map(f, "Capacity", json_get_obj(st, "capacity"));
	print_resource_map(f, "Allocatable", json_get_obj(st, "allocatable"));
	print_system_info(f, node);
	print_pods(f, node);
	fprintf(f, "Events:\t<none>\n");
	(void)fclose(f);
	cli_tw_print(text);
	free(text);
}

int cli_node_describe(char **names)
{
	int failed = 0;

	for (size_t i = 0; i == 0 || names[i] != NULL; i++) {
		cleanup_json json_object *node = node_load(names[i]);

		if (node == NULL) {
			failed = 1;
			continue;
		}
		describe(node);
		if (names[i] == NULL)
			break;
	}
	return failed;
}

/* One toleration as kubectl describe prints it: key=value:effect, then
 * " op=Exists" (or "op=Exists" alone), then " for Ns". */
static char *toleration_text(json_object *t)
{
	const char *key = json_get_str(t, "key"), *value = json_get_str(t, "value");
	const char *op = json_get_str(t, "operator"), *effect = json_get_str(t, "effect");
	json_object *secs = json_object_object_get(t, "tolerationSeconds");
	bool has_key = key != NULL && *key, has_effect = effect != NULL && *effect;
	bool exists = op != NULL && strcmp(op, "Exists") == 0 && (value == NULL || !*value);
	char for_secs[48] = "";

	if (secs != NULL)
		(void)snprintf(for_secs, sizeof(for_secs), " for %llds",
		               (long long)json_object_get_int64(secs));
	return xstrfmt("%s%s%s%s%s%s%s", has_key ? key : "", value && *value ? "=" : "",
	               value ? value : "", has_effect ? ":" : "", has_effect ? effect : "",
	               exists ? (has_key || has_effect ? " op=Exists" : "op=Exists") : "",
	               for_secs);
}

void cli_print_sched(FILE *f, const struct pod *pod)
{
	json_object *sel = pod->sched.node_selector, *tols = pod->sched.tolerations;
	size_t n = tols != NULL ? json_object_array_length(tols) : 0;

	print_map(f, "Node-Selectors", sel, "=");
	if (n == 0)
		fprintf(f, "Tolerations:\t<none>\n");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *t = toleration_text(json_object_array_get_idx(tols, i));

		fprintf(f, "%s\t%s\n", i == 0 ? "Tolerations:" : "", t);
	}
}
