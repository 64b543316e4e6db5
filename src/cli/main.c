/* SPDX-License-Identifier: Apache-2.0 */
/* peapod: kubectl's verbs for pods on one machine. Global options, then a
 * table of subcommands, each in its own cmd-<verb>.c. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "config.h"
#include "pod/paths.h"
#include "runtime/runtime.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

const char *arg_root;

static struct pod_paths paths;

const struct pod_paths *cli_paths(void)
{
	struct pp_error err = {0};

	if (paths.root == NULL && pod_paths_init(arg_root, &paths, &err) < 0) {
		log_error("%s", err.msg);
		exit(1);
	}
	return &paths;
}

const char *cli_root_dir(void)
{
	return arg_root ? arg_root : cli_paths()->root;
}

const char *cli_images_dir(void)
{
	return cli_paths()->images;
}

/* Each verb's help text is its entry in help.c. */
static const struct {
	const char *name;
	cli_cmd_fn fn;
	bool listed; /* in `peapod --help` */
	bool enters; /* starts processes in a container: runs from a sealed copy */
} commands[] = {
    {"apply", cmd_apply, true, true},
    {"get", cmd_get, true, false},
    {"describe", cmd_describe, true, false},
    {"exec", cmd_exec, true, true},
    {"attach", cmd_attach, true, false},
    {"logs", cmd_logs, true, false},
    {"delete", cmd_delete, true, true},
    {"create", cmd_create, true, false},
    {"image", cmd_image, true, false},
    {"port-forward", cmd_port_forward, true, false},
    {"label", cmd_label, true, false},
    {"annotate", cmd_annotate, true, false},
    {"taint", cmd_taint, true, false},
    {"top", cmd_top, true, false},
    {"ps", cmd_ps, true, false},
    {"cp", cmd_cp, true, true},
    {"monitor", cmd_monitor, false, true},
};

static char **main_argv;

static void usage(FILE *f)
{
	fprintf(f, "peapod runs Kubernetes pods on this machine.\n\n"
	           "Usage: peapod [--root DIR] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].listed)
			fprintf(f, "  %-12s %s\n", commands[i].name,
			        cli_verb_summary(commands[i].name));
	fprintf(f, "\nOptions:\n  --root DIR  keep all state under DIR (also $PEAPOD_ROOT)\n"
	           "  -v, --verbose  debug logging\n  --version\n\n"
	           "Use \"peapod COMMAND --help\" for more information about a command.\n");
}

static int run_command(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		cli_verb = commands[i].name;
		if (cli_help_requested(argc, argv))
			return cli_print_help(cli_verb) < 0 ? 1 : 0;
		if (commands[i].enters) {
			struct pp_error err = {0};

			/* apply: the monitor it starts inherits the copy */
			if (rt_exe_protect(main_argv, &err) < 0) {
				log_error("%s", err.msg);
				return 1;
			}
		}
		optind = 0; /* reset getopt for the subcommand */
		return commands[i].fn(argc, argv);
	}
	if (strcmp(argv[0], "help") == 0) { /* kubectl help [COMMAND] */
		if (argc < 2) {
			usage(stdout);
			return 0;
		}
		if (cli_print_help(argv[1]) == 0)
			return 0;
		argv++;
	}
	log_error("unknown command \"%s\" for \"peapod\"", argv[0]);
	fprintf(stderr, "See 'peapod --help' for usage.\n");
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	main_argv = argv;
	log_open("peapod", 1);
	/* '+': stop at the first non-option, the subcommand parses the rest */
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			arg_root = optarg;
			break;
		case 'v':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("peapod version %s\n", PEAPOD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	return run_command(argc - optind, argv + optind);
}
