/* SPDX-License-Identifier: Apache-2.0 */
/* peapod ps POD: every process of a pod with the container it belongs to
 * (the pause process as "(sandbox)"), its PID in the pod and on the host,
 * its user and its command line; -o json|yaml as a list of objects. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "pod/procs.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/error.h"
#include "util/log.h"

#define SANDBOX_LABEL "(sandbox)"

struct ps_opts {
	const char *ns;
	const char *output; /* NULL: the table */
	bool no_headers;
};

static const char *ctr_name(const struct pod_record *rec, const struct pod_proc *p)
{
	return p->ctr < 0 ? NULL : pod_ctr_spec(rec, (size_t)p->ctr)->name;
}

static void print_table(const struct pod_record *rec, const struct pod_proc *procs, size_t n,
                        bool no_headers)
{
	static const char *const head[] = {"CONTAINER", "PID", "HOST PID", "USER", "COMMAND"};
	struct cli_table tab;

	cli_table_init(&tab, 5);
	if (!no_headers)
		cli_table_add(&tab, head);
	for (size_t i = 0; i < n; i++) {
		char pid[24], host[24];
		const char *name = ctr_name(rec, &procs[i]);
		const char *row[] = {name != NULL ? name : SANDBOX_LABEL, pid, host, procs[i].user,
		                     procs[i].cmd};

		(void)snprintf(pid, sizeof(pid), "%d", (int)procs[i].pid);
		(void)snprintf(host, sizeof(host), "%d", (int)procs[i].host_pid);
		cli_table_add(&tab, row);
	}
	cli_table_print(&tab);
	cli_table_free(&tab);
}

static void print_json(const struct pod_record *rec, const struct pod_proc *procs, size_t n,
                       bool yaml)
{
	json_object *list = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		const char *name = ctr_name(rec, &procs[i]);

		json_object_object_add(o, "container",
		                       name != NULL ? json_object_new_string(name) : NULL);
		json_object_object_add(o, "sandbox", json_object_new_boolean(name == NULL));
		json_object_object_add(o, "pid", json_object_new_int64(procs[i].pid));
		json_object_object_add(o, "hostPID", json_object_new_int64(procs[i].host_pid));
		json_object_object_add(o, "user", json_object_new_string(procs[i].user));
		json_object_object_add(o, "uid", json_object_new_int64(procs[i].uid));
		json_object_object_add(o, "command", json_object_new_string(procs[i].cmd));
		json_object_array_add(list, o);
	}
	cli_print_json(list, yaml);
	json_object_put(list);
}

/* The processes of rec, or kubectl's words for a pod that runs nothing. */
static int ps_pod(const struct pod_record *rec, const struct ps_opts *o)
{
	struct pod_proc *procs = NULL;
	struct pp_error err = {0};
	size_t n = 0;

	if (rec->phase == POD_PHASE_SUCCEEDED || rec->phase == POD_PHASE_FAILED) {
		log_error("cannot list the processes of a completed pod; current phase is %s",
		          pod_phase_name(rec->phase));
		return 1;
	}
	if (pod_procs_list(cli_paths(), rec, &procs, &n, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	if (n == 0) {
		log_error("unable to list processes because pod is not running. Current status=%s",
		          pod_phase_name(rec->phase));
		pod_procs_free(procs, n);
		return 1;
	}
	if (o->output != NULL)
		print_json(rec, procs, n, strcmp(o->output, "yaml") == 0);
	else
		print_table(rec, procs, n, o->no_headers);
	pod_procs_free(procs, n);
	return 0;
}

static int parse_ps_opts(int argc, char **argv, struct ps_opts *o)
{
	static const struct option opts[] = {
	    {"namespace", required_argument, NULL, 'n'},
	    {"output", required_argument, NULL, 'o'},
	    {"no-headers", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = cli_getopt(argc, argv, "n:o:", opts)) != -1) {
		if (c == 'n')
			o->ns = optarg;
		else if (c == 'o')
			o->output = optarg;
		else if (c == 'H')
			o->no_headers = true;
		else
			return -1;
	}
	if (o->output != NULL && strcmp(o->output, "json") != 0 && strcmp(o->output, "yaml") != 0) {
		log_error(
		    "unable to match a printer suitable for the output format \"%s\", allowed "
		    "formats are: json,yaml",
		    o->output);
		return -1;
	}
	if (optind != argc - 1) {
		log_error("expected exactly one pod name (peapod ps POD [-n NAMESPACE] [-o json])");
		return -1;
	}
	return 0;
}

int cmd_ps(int argc, char **argv)
{
	struct ps_opts o = {.ns = "default"};
	struct pod_record *rec = NULL;
	struct pp_error err = {0};
	int r;

	if (parse_ps_opts(argc, argv, &o) < 0)
		return 1;
	r = pod_load(cli_paths(), o.ns, cli_pod_name(argv[optind]), &rec, &err);
	if (r < 0)
		return cli_server_error(r, err.msg, false);
	r = ps_pod(rec, &o);
	pod_record_free(rec);
	return r;
}
