/* SPDX-License-Identifier: Apache-2.0 */
/* peapod exec [-i] [-t] POD [-c CONTAINER] -- COMMAND [ARG...] (kubectl exec). */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/wait.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "monitor/io.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/syscall.h"
#include "util/xalloc.h"

struct exec_opts {
	const char *ns;
	const char *container;
	bool in, tty;
};

const char *cli_pick_container(const struct pod_record *rec, const char *want)
{
	if (want != NULL) {
		/* any container of the pod, init containers (sidecars) too, as
		 * the API server's exec subresource allows */
		for (size_t i = 0; i < pod_n_all(rec); i++)
			if (strcmp(pod_ctr_spec(rec, i)->name, want) == 0)
				return want;
		log_error("container %s is not valid for pod %s", want, rec->pod->name);
		return NULL;
	}
	if (rec->n_ctrs > 1) {
		fprintf(stderr, "Defaulted container \"%s\" out of: ", rec->ctrs[0].name);
		for (size_t i = 0; i < rec->n_ctrs; i++)
			fprintf(stderr, "%s%s", i ? ", " : "", rec->ctrs[i].name);
		fprintf(stderr, "\n");
	}
	return rec->ctrs[0].name;
}

int cli_wait_exit(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int run_tty(const struct pod_record *rec, const char *ctr, char **cmd, bool in,
                   struct pp_error *err)
{
	int sv[2], master = -1, r;
	cleanup_close int pidfd = -1;
	pid_t pid = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return pp_error(err, errno, "socketpair");
	r = pod_exec(cli_paths(), rec,
	             &(struct pod_exec_opts){.container = ctr,
	                                     .argv = cmd,
	                                     .tty = true,
	                                     .io = {.fd = {-1, -1, -1}, .console_socket = sv[1]}},
	             &pid, err);
	(void)close(sv[1]);
	if (r == 0)
		r = io_recv_fd(sv[0], 10000, &master, err);
	(void)close(sv[0]);
	if (r < 0) {
		if (pid > 0)
			(void)cli_wait_exit(pid);
		return r;
	}
	pidfd = sys_pidfd_open(pid, 0);
	if (pidfd < 0)
		r = pp_error(err, errno, "pidfd_open");
	else
		r = io_pty_session(master, pidfd, in, err);
	(void)close(master);
	return r < 0 ? r : cli_wait_exit(pid);
}

/* Without a terminal, the process gets pipes of ours, never our own
 * stdio: a file or terminal it held could be reopened through
 * /proc/PID/fd by it or, in a shared PID namespace, by any sibling. */
static int run_plain(const struct pod_record *rec, const char *ctr, char **cmd, bool in,
                     struct pp_error *err)
{
	int p[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}}, stdio[3], r = 0;
	cleanup_close int pidfd = -1;
	pid_t pid = 0;

	for (int i = 0; i < 3 && r == 0; i++)
		if ((i > 0 || in) && pipe2(p[i], O_CLOEXEC) < 0)
			r = pp_error(err, errno, "pipe");
	stdio[0] = p[0][0];
	stdio[1] = p[1][1];
	stdio[2] = p[2][1];
	if (r == 0)
		r = pod_exec(cli_paths(), rec,
		             &(struct pod_exec_opts){.container = ctr,
		                                     .argv = cmd,
		                                     .io = {.fd = {stdio[0], stdio[1], stdio[2]},
		                                            .console_socket = -1}},
		             &pid, err);
	for (int i = 0; i < 3; i++)
		if (stdio[i] >= 0)
			(void)close(stdio[i]);
	if (r == 0 && (pidfd = sys_pidfd_open(pid, 0)) < 0)
		r = pp_error(err, errno, "pidfd_open");
	if (r == 0)
		r = io_pipe_session(take_fd(&p[0][1]), p[1][0], p[2][0], pidfd, err);
	for (int i = 0; i < 3; i++)
		if (p[i][0] >= 0 && i > 0)
			(void)close(p[i][0]);
	if (p[0][1] >= 0)
		(void)close(p[0][1]);
	if (pid > 0) {
		int status = cli_wait_exit(pid);

		return r < 0 ? r : status;
	}
	return r;
}

/* The exit status of an exec whose command could not start, as a shell
 * and docker give it: 127 when it does not exist, 126 when it cannot be
 * executed (a folder, no execute permission), else 1. */
static int exec_failure_status(int r)
{
	if (r == -ENOENT)
		return 127;
	return r == -EACCES || r == -ENOEXEC ? 126 : 1;
}

static int exec_in_pod(const char *name, char **cmd, struct exec_opts *o)
{
	struct pod_record *rec = NULL;
	struct pp_error err = {0};
	const char *ctr;
	int r;

	if (pod_load(cli_paths(), o->ns, name, &rec, &err) < 0) {
		fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
		return 1;
	}
	if (rec->phase == POD_PHASE_SUCCEEDED || rec->phase == POD_PHASE_FAILED) {
		log_error("cannot exec into a container in a completed pod; current phase is %s",
		          pod_phase_name(rec->phase));
		pod_record_free(rec);
		return 1;
	}
	ctr = cli_pick_container(rec, o->container);
	if (ctr == NULL) {
		pod_record_free(rec);
		return 1;
	}
	if (o->tty && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "Unable to use a TTY - input is not a terminal or the right kind "
		                "of file\n");
		o->tty = false;
	}
	r = o->tty ? run_tty(rec, ctr, cmd, o->in, &err) : run_plain(rec, ctr, cmd, o->in, &err);
	pod_record_free(rec);
	if (r < 0) {
		log_error("%s", err.msg);
		return exec_failure_status(r);
	}
	if (r != 0)
		fprintf(stderr, "command terminated with exit code %d\n", r);
	return r;
}

int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"stdin", no_argument, NULL, 'i'},
	    {"tty", no_argument, NULL, 't'},
	    {"container", required_argument, NULL, 'c'},
	    {"namespace", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	struct exec_opts o = {.ns = "default"};
	int dd = argc, c;

	/* Options may come after the pod name (kubectl exec -it nginx -c shell
	 * -- sh): parse only what stands before "--". */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	while ((c = cli_getopt(dd, argv, "itc:n:", opts)) != -1) {
		if (c == 'i')
			o.in = true;
		else if (c == 't')
			o.tty = true;
		else if (c == 'c')
			o.container = optarg;
		else if (c == 'n')
			o.ns = optarg;
		else
			return 1;
	}
	if (optind != dd - 1 || dd >= argc - 1) {
		log_error(optind >= dd
		              ? "pod name is required (peapod exec POD -- COMMAND)"
		              : "exec POD COMMAND is not supported; use exec POD -- COMMAND");
		return 1;
	}
	return exec_in_pod(cli_pod_name(argv[optind]), argv + dd + 1, &o);
}
