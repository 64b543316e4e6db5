/* SPDX-License-Identifier: Apache-2.0 */
/* peapod attach [-i] [-t] [-q] POD [-c CONTAINER] [-n NS] (kubectl attach):
 * connect to the main process of a container through the pod's monitor. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "client/client.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

struct attach_opts {
	const char *ns;
	const char *container;
	bool in, tty, quiet;
};

/* Is pc one of pod's ephemeral containers? */
static bool is_ephemeral(const struct pod *pod, const struct pod_container *pc)
{
	return pod->n_ephemeral_containers > 0 && pc >= pod->ephemeral_containers &&
	       pc < pod->ephemeral_containers + pod->n_ephemeral_containers;
}

/* The container to attach to: -c (an app or ephemeral container), else
 * the first, with kubectl's notice. */
static const struct pod_container *pick(const struct pod *pod, const struct attach_opts *o)
{
	if (o->container != NULL) {
		for (size_t i = 0; i < pod->n_containers; i++)
			if (strcmp(pod->containers[i].name, o->container) == 0)
				return &pod->containers[i];
		for (size_t i = 0; i < pod->n_ephemeral_containers; i++)
			if (strcmp(pod->ephemeral_containers[i].name, o->container) == 0)
				return &pod->ephemeral_containers[i];
		fprintf(stderr, "error: cannot attach to the container: container %s not found\n",
		        o->container);
		return NULL;
	}
	if (pod->n_containers > 1 && !o->quiet) {
		fprintf(stderr, "Defaulted container \"%s\" out of: ", pod->containers[0].name);
		for (size_t i = 0; i < pod->n_containers; i++)
			fprintf(stderr, "%s%s", i ? ", " : "", pod->containers[i].name);
		fprintf(stderr, "\n");
	}
	return &pod->containers[0];
}

/* kubectl's TTY rules: the container's tty decides; a tty needs -i and a
 * terminal stdin, else output is just copied. Returns raw mode or not. */
static bool want_raw(const struct pod_container *pc, struct attach_opts *o)
{
	if (o->tty && !pc->tty) {
		if (!o->quiet)
			fprintf(stderr,
			        "error: Unable to use a TTY - container %s did not allocate "
			        "one\n",
			        pc->name);
		o->tty = false;
	} else if (!o->tty && pc->tty) {
		o->tty = true;
	}
	if (!o->in || !o->tty)
		return false;
	if (!isatty(STDIN_FILENO)) {
		if (!o->quiet)
			fprintf(stderr,
			        "Unable to use a TTY - input is not a terminal or the right "
			        "kind of file\n");
		return false;
	}
	return true;
}

static int attach_session(const struct pod_record *rec, const struct pod_container *pc, bool raw,
                          const struct attach_opts *o)
{
	cleanup_free char *dir = pod_dir_path(cli_paths(), rec->pod->uid);
	struct pp_error err = {0};
	int fd = -1, code = -1, r;

	r = client_attach_open(dir, pc->name, o->in, raw, &fd, &err);
	if (r == -ESRCH) {
		fprintf(stderr, "error: unable to upgrade connection: %s\n", err.msg);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return 1;
	}
	if (!o->quiet)
		fprintf(stderr, "If you don't see a command prompt, try pressing enter.\n");
	r = client_attach_session(fd, o->in, raw, &code, &err);
	(void)close(fd);
	if (r < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return 1;
	}
	if (code >= 0)
		log_debug("container '%s' exited with %d", pc->name, code);
	if (!o->quiet && o->in && raw && is_ephemeral(rec->pod, pc))
		printf("Session ended, the ephemeral container will not be restarted but may be "
		       "reattached using 'peapod attach %s -c %s -i -t' if it is still running\n",
		       rec->pod->name, pc->name);
	else if (!o->quiet && o->in && raw && rec->pod->restart_policy == POD_RESTART_ALWAYS)
		printf("Session ended, resume using 'peapod attach %s -c %s -i -t' command when "
		       "the pod is running\n",
		       rec->pod->name, pc->name);
	return r; /* 0, as kubectl, whatever the container's exit code; 128+N on signal N */
}

static int attach_pod(const char *name, struct attach_opts *o)
{
	struct pod_record *rec = NULL;
	struct pp_error err = {0};
	const struct pod_container *pc;
	int r = 1;

	name = cli_pod_name(name);
	if (pod_load(cli_paths(), o->ns, name, &rec, &err) < 0) {
		fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
		return 1;
	}
	if (rec->phase == POD_PHASE_SUCCEEDED || rec->phase == POD_PHASE_FAILED) {
		fprintf(
		    stderr,
		    "error: cannot attach a container in a completed pod; current phase is %s\n",
		    pod_phase_name(rec->phase));
	} else if ((pc = pick(rec->pod, o)) != NULL) {
		r = attach_session(rec, pc, want_raw(pc, o), o);
	}
	pod_record_free(rec);
	return r;
}

int cli_attach_run(const struct pod_record *rec, const struct pod_container *pc, bool in, bool tty,
                   bool quiet)
{
	struct attach_opts o = {.in = in, .tty = tty, .quiet = quiet};

	return attach_session(rec, pc, want_raw(pc, &o), &o);
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"stdin", no_argument, NULL, 'i'},
	    {"tty", no_argument, NULL, 't'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"container", required_argument, NULL, 'c'},
	    {"namespace", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	struct attach_opts o = {.ns = "default"};
	int c;

	while ((c = cli_getopt(argc, argv, "itqc:n:", opts)) != -1) {
		if (c == 'i')
			o.in = true;
		else if (c == 't')
			o.tty = true;
		else if (c == 'q')
			o.quiet = true;
		else if (c == 'c')
			o.container = optarg;
		else if (c == 'n')
			o.ns = optarg;
		else
			return 1;
	}
	if (optind >= argc) {
		fprintf(stderr, "error: at least 1 argument is required for attach\n");
		return 1;
	}
	if (optind + 1 < argc) {
		fprintf(stderr,
		        "error: expected POD, TYPE/NAME, or TYPE NAME, (at most 2 "
		        "arguments) saw %d\n",
		        argc - optind);
		return 1;
	}
	return attach_pod(argv[optind], &o);
}
