/* SPDX-License-Identifier: Apache-2.0 */
/* pea's lifecycle verbs, as runc's: create, start, run, state, kill, delete.
 * Option parsing and output only; the work is in src/runtime. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/pea-cli.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

struct create_args {
	const char *bundle;
	const char *console_socket;
	const char *pid_file;
	unsigned preserve_fds;
	bool detach;
	bool keep;
	bool no_new_keyring;
	bool no_pivot;
};

/* Options of create and run. Returns the container id, or NULL (after
 * reporting) on a usage error. */
static const char *parse_create(int argc, char **argv, bool run, struct create_args *a)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"console-socket", required_argument, NULL, 'c'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"detach", no_argument, NULL, 'd'},
	    {"no-pivot", no_argument, NULL, 'P'},
	    {"no-new-keyring", no_argument, NULL, 'K'},
	    {"preserve-fds", required_argument, NULL, 'F'},
	    {"keep", no_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*a = (struct create_args){.bundle = "."};
	while ((c = getopt_long(argc, argv, run ? "+b:d" : "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			a->bundle = optarg;
			break;
		case 'c':
			a->console_socket = optarg;
			break;
		case 'p':
			a->pid_file = optarg;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'F':
			if (pea_preserve_fds_parse(optarg, &a->preserve_fds) != 0)
				return NULL;
			break;
		case 'K':
			a->no_new_keyring = true;
			break;
		case 'k':
			a->keep = true;
			break;
		case 'P':
			a->no_pivot = true;
			break;
		default:
			(void)pea_failf("usage: pea %s [OPTIONS] ID", argv[0]);
			return NULL;
		}
	}
	if (optind + 1 != argc) {
		(void)pea_failf("'%s' requires exactly one container id", argv[0]);
		return NULL;
	}
	return argv[optind];
}

/* process.terminal of the bundle's config.json (false when unreadable: the
 * runtime reports a broken config itself). */
static bool bundle_wants_terminal(const char *bundle)
{
	struct pp_error err = {0};
	cleanup_free char *path = NULL;
	json_object *cfg = NULL;
	bool tty;

	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return false;
	if (json_parse_file(path, 4u << 20, &cfg, &err) < 0)
		return false;
	tty = json_get_bool(json_get_obj(cfg, "process"), "terminal", false);
	json_object_put(cfg);
	return tty;
}

/* Create the container; *ret_master is the pty master pea keeps for a
 * foreground terminal (-1 otherwise). Returns 0 or the exit status 1. */
static int do_create(const char *id, const struct create_args *a, bool foreground, pid_t *ret_pid,
                     int *ret_master)
{
	struct pp_error err = {0};
	cleanup_close int sock = -1, ours = -1;
	char bundle[PATH_MAX];
	struct rt_create_opts o = {.state_root = arg_root,
	                           .id = id,
	                           .stdio = {0, 1, 2},
	                           .pid_file = a->pid_file,
	                           .preserve_fds = a->preserve_fds,
	                           .no_new_keyring = a->no_new_keyring,
	                           .systemd_cgroup = arg_systemd_cgroup,
	                           .no_pivot = a->no_pivot};
	int r;

	if (realpath(a->bundle, bundle) == NULL)
		return pea_failf("bundle '%s': %s", a->bundle, strerror(errno));
	o.bundle = bundle;
	if (a->console_socket != NULL) {
		sock = pea_console_connect(a->console_socket, &err);
		if (sock < 0)
			return pea_fail(&err);
	} else if (bundle_wants_terminal(bundle)) {
		if (!foreground)
			return pea_failf("cannot allocate tty if pea will detach without setting "
			                 "console socket");
		if (pea_console_pair(&ours, &sock, &err) < 0)
			return pea_fail(&err);
	}
	o.console_socket = sock;
	r = rt_container_create(&o, ret_pid, &err);
	if (r < 0)
		return pea_fail(&err);
	*ret_master = -1;
	if (ours >= 0) {
		(void)close(take_fd(&sock)); /* so a child that never sends gives EOF */
		*ret_master = pea_console_recv(ours, &err);
		if (*ret_master < 0) {
			(void)rt_container_delete(arg_root, id, true, &err);
			return pea_fail(&err);
		}
	}
	return 0;
}

int pea_cmd_create(int argc, char **argv)
{
	struct create_args a;
	const char *id = parse_create(argc, argv, false, &a);
	pid_t pid;
	int master = -1;

	if (id == NULL)
		return 1;
	return do_create(id, &a, false, &pid, &master);
}

/* One id, no options (start, state). NULL after reporting. */
static const char *only_id(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		(void)pea_failf("usage: pea %s ID", argv[0]);
		return NULL;
	}
	return argv[1];
}

/* A verb taking one id and calling fn on it (start, pause, resume). */
static int id_verb(int argc, char **argv,
                   int (*fn)(const char *state_root, const char *id, struct pp_error *err))
{
	struct pp_error err = {0};
	const char *id = only_id(argc, argv);

	if (id == NULL)
		return 1;
	if (fn(arg_root, id, &err) < 0)
		return pea_fail(&err);
	return 0;
}

int pea_cmd_start(int argc, char **argv)
{
	return id_verb(argc, argv, rt_container_start);
}

int pea_cmd_pause(int argc, char **argv)
{
	return id_verb(argc, argv, rt_container_pause);
}

int pea_cmd_resume(int argc, char **argv)
{
	return id_verb(argc, argv, rt_container_resume);
}

int pea_cmd_run(int argc, char **argv)
{
	struct pp_error err = {0};
	struct create_args a;
	const char *id = parse_create(argc, argv, true, &a);
	cleanup_close int master = -1;
	pid_t pid = 0;
	int status;

	if (id == NULL || do_create(id, &a, !a.detach, &pid, &master) != 0)
		return 1;
	pea_signals_block();
	if (rt_container_start(arg_root, id, &err) < 0) {
		struct pp_error ignored = {0};

		(void)rt_container_delete(arg_root, id, true, &ignored);
		return pea_fail(&err);
	}
	if (a.detach)
		return 0;
	status = pea_wait_forward(pid, master, &err);
	if (status < 0)
		return pea_fail(&err);
	/* As runc run: a foreground container is gone with its init, unless
	 * --keep. */
	if (!a.keep && rt_container_delete(arg_root, id, true, &err) < 0)
		pea_warnf("%s, ignoring", err.msg);
	return status;
}

int pea_cmd_state(int argc, char **argv)
{
	struct pp_error err = {0};
	struct rt_state st = {0};
	const char *id = only_id(argc, argv);
	json_object *o;

	if (id == NULL)
		return 1;
	if (rt_container_state(arg_root, id, &st, &err) < 0)
		return pea_fail(&err);
	o = rt_state_to_json(&st);
	pea_print_json(o);
	json_object_put(o);
	rt_state_clear(&st);
	return 0;
}

int pea_cmd_kill(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	struct pp_error err = {0};
	bool all = false;
	int c, sig = SIGTERM;

	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return pea_failf("usage: pea kill [--all] ID [SIGNAL]");
		all = true;
	}
	if (optind >= argc || argc - optind > 2)
		return pea_failf("usage: pea kill [--all] ID [SIGNAL]");
	if (optind + 1 < argc) {
		sig = pea_signal_parse(argv[optind + 1]);
		if (sig < 0)
			return pea_failf("unknown signal '%s'", argv[optind + 1]);
	}
	if (rt_container_kill(arg_root, argv[optind], sig, all, &err) < 0)
		return pea_fail(&err);
	return 0;
}

int pea_cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	struct pp_error err = {0};
	bool force = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return pea_failf("usage: pea delete [--force] ID");
		force = true;
	}
	if (optind + 1 != argc)
		return pea_failf("usage: pea delete [--force] ID");
	r = rt_container_delete(arg_root, argv[optind], force, &err);
	/* runc: deleting a missing container is fine with --force. */
	if (r == -ENOENT && force)
		return 0;
	if (r < 0)
		return pea_fail(&err);
	return 0;
}
