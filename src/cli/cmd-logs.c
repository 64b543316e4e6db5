/* SPDX-License-Identifier: Apache-2.0 */
/* peapod logs POD [-c CONTAINER] [-p] [--timestamps] [--tail N] (kubectl logs). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "monitor/logs.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

struct logs_opts {
	const char *ns;
	const char *container;
	bool previous;
	struct cri_log_read_opts read;
};

static int logs_of(const struct pod_record *rec, const struct logs_opts *o)
{
	struct pp_error err = {0};
	cleanup_free char *path = NULL;
	size_t idx = 0;
	int restart;

	if (o->container == NULL) {
		if (rec->n_ctrs > 1) {
			fprintf(stderr, "Defaulted container \"%s\" out of: ", rec->ctrs[0].name);
			for (size_t i = 0; i < rec->n_ctrs; i++)
				fprintf(stderr, "%s%s", i ? ", " : "", rec->ctrs[i].name);
			fprintf(stderr, "\n");
		}
	} else {
		while (idx < rec->n_ctrs && strcmp(rec->ctrs[idx].name, o->container) != 0)
			idx++;
		if (idx == rec->n_ctrs) {
			log_error("container %s is not valid for pod %s", o->container,
			          rec->pod->name);
			return 1;
		}
	}
	restart = rec->ctrs[idx].restart_count - (o->previous ? 1 : 0);
	if (restart < 0) {
		log_error("previous terminated container \"%s\" in pod \"%s\" not found",
		          rec->ctrs[idx].name, rec->pod->name);
		return 1;
	}
	path = pod_container_log_path(cli_paths(), rec, idx, restart);
	if (cri_log_print(path, STDOUT_FILENO, &o->read, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	return 0;
}

int cmd_logs(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"container", required_argument, NULL, 'c'},
	    {"namespace", required_argument, NULL, 'n'},
	    {"previous", no_argument, NULL, 'p'},
	    {"timestamps", no_argument, NULL, 'T'},
	    {"tail", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	struct logs_opts o = {.ns = "default", .read = {.tail = -1}};
	struct pod_record *rec = NULL;
	struct pp_error err = {0};
	int c, r;

	while ((c = getopt_long(argc, argv, "c:n:p", opts, NULL)) != -1) {
		if (c == 'c')
			o.container = optarg;
		else if (c == 'n')
			o.ns = optarg;
		else if (c == 'p')
			o.previous = true;
		else if (c == 'T')
			o.read.timestamps = true;
		else if (c == 't')
			o.read.tail = atol(optarg);
		else
			return 1;
	}
	if (optind != argc - 1) {
		log_error("expected exactly one pod name (peapod logs POD [-c CONTAINER])");
		return 1;
	}
	if (pod_load(cli_paths(), o.ns, argv[optind], &rec, &err) < 0) {
		fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
		return 1;
	}
	r = logs_of(rec, &o);
	pod_record_free(rec);
	return r;
}
