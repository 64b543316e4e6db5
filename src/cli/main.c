/* SPDX-License-Identifier: Apache-2.0 */
/* peapod: kubectl's verbs for pods on one machine. Global options, then a
 * table of subcommands, each in its own cmd-<verb>.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "config.h"
#include "pod/paths.h"
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

static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *help;
} commands[] = {
    {"apply", cmd_apply, "Create pods from a manifest (-f FILE)"},
    {"get", cmd_get, "List pods"},
    {"describe", cmd_describe, "Show the details of a pod"},
    {"exec", cmd_exec, "Run a command in a container"},
    {"attach", cmd_attach, "Attach to the main process of a running container"},
    {"logs", cmd_logs, "Print the logs of a container"},
    {"delete", cmd_delete, "Delete pods by name or manifest"},
    {"image", cmd_image, "Load, list and remove images"},
    {"monitor", cmd_monitor, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "peapod runs Kubernetes pods on this machine.\n\n"
	           "Usage: peapod [--root DIR] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].help != NULL)
			fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nOptions:\n  --root DIR  keep all state under DIR (also $PEAPOD_ROOT)\n"
	           "  -v, --verbose  debug logging\n  --version\n");
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
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int n = argc - optind;

			optind = 0; /* reset getopt for the subcommand */
			return commands[i].fn(n, argv + (argc - n));
		}
	}
	log_error("unknown command \"%s\" for \"peapod\"", argv[optind]);
	return 1;
}
