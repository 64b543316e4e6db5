/* SPDX-License-Identifier: Apache-2.0 */
/* pea: a runc-compatible OCI runtime CLI over src/runtime. This file owns the
 * global options (--root, --log, --log-format, --debug), error reporting
 * (stderr plus the --log file, as JSON lines for containerd's shim) and the
 * verb table. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/pea-cli.h"
#include "config.h"
#include "runtime/runtime.h"
#include "util/error.h"
#include "util/log.h"

const char *arg_root = "/run/pea";
bool arg_debug;
static bool arg_log_json;
static int log_file_fd = -1;

struct pea_cmd {
	const char *name;
	pea_cmd_fn fn;
	const char *help;
	bool enters; /* starts processes in a container: runs from a sealed copy */
};

static const struct pea_cmd commands[] = {
    {"create", pea_cmd_create, "create a container", true},
    {"start", pea_cmd_start, "start a created container"},
    {"run", pea_cmd_run, "create and start a container", true},
    {"state", pea_cmd_state, "print the state of a container"},
    {"kill", pea_cmd_kill, "send a signal to a container's init (or all its processes)"},
    {"delete", pea_cmd_delete, "delete a container"},
    {"list", pea_cmd_list, "list containers"},
    {"ps", pea_cmd_ps, "list the processes of a container"},
    {"exec", pea_cmd_exec, "run a new process inside a container", true},
    {"spec", pea_cmd_spec, "write a default config.json"},
    {"features", pea_cmd_features, "print the runtime's features (JSON)"},
    {NULL, NULL, NULL},
};

/* One line into the --log file: runc's logrus text or JSON format. */
static void log_file_line(const char *level, const char *msg)
{
	char stamp[64];
	struct timespec ts;
	struct tm tm;
	json_object *o;

	if (log_file_fd < 0)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_object_new_object();
	json_object_object_add(o, "level", json_object_new_string(level));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	json_object_object_add(o, "time", json_object_new_string(stamp));
	if (arg_log_json)
		(void)dprintf(log_file_fd, "%s\n",
		              json_object_to_json_string_ext(
		                  o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		(void)dprintf(log_file_fd, "time=\"%s\" level=%s msg=%s\n", stamp, level,
		              json_object_to_json_string_ext(json_object_object_get(o, "msg"),
		                                             JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

__attribute__((format(printf, 2, 0))) static void report(enum log_level level, const char *fmt,
                                                         va_list ap)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	char msg[1024];

	if (level > log_get_level())
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	log_file_line(names[level], msg);
	if (level == LOG_LEVEL_ERROR)
		log_error("%s", msg);
	else if (level == LOG_LEVEL_WARN)
		log_warn("%s", msg);
	else
		log_debug("%s", msg);
}

int pea_failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	return 1;
}

int pea_fail(const struct pp_error *err)
{
	return pea_failf("%s", err->msg[0] != '\0' ? err->msg : strerror(err->code));
}

void pea_warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
}

void pea_debugf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(LOG_LEVEL_DEBUG, fmt, ap);
	va_end(ap);
}

static int usage(FILE *f, int status)
{
	(void)fprintf(f, "usage: pea [--root DIR] [--log FILE] [--log-format text|json] [--debug]"
	                 " COMMAND [OPTIONS] [ID]\n\ncommands:\n");
	for (const struct pea_cmd *c = commands; c->name != NULL; c++)
		(void)fprintf(f, "  %-10s %s\n", c->name, c->help);
	return status;
}

static int open_log(const char *path)
{
	log_file_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_file_fd < 0)
		return pea_failf("open log file '%s': %s", path, strerror(errno));
	return 0;
}

enum {
	OPT_ROOT = 0x100,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_DEBUG,
	OPT_SYSTEMD_CGROUP,
	OPT_IGNORED_ARG,
	OPT_IGNORED,
};

static const struct option global_options[] = {
    {"root", required_argument, NULL, OPT_ROOT},
    {"log", required_argument, NULL, OPT_LOG},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP},
    {"rootless", required_argument, NULL, OPT_IGNORED_ARG},
    {"criu", required_argument, NULL, OPT_IGNORED_ARG},
    {"no-new-keyring", no_argument, NULL, OPT_IGNORED},
    {"version", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Parse the options before the verb. 0 to go on, else exit status + 1. */
static int parse_global(int argc, char **argv, const char **ret_log, bool *ret_systemd)
{
	int c;

	while ((c = getopt_long(argc, argv, "+vh", global_options, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			arg_root = optarg;
			break;
		case OPT_LOG:
			*ret_log = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return 1 + pea_failf("unknown log format '%s'", optarg);
			arg_log_json = strcmp(optarg, "json") == 0;
			break;
		case OPT_DEBUG:
			arg_debug = true;
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case OPT_SYSTEMD_CGROUP:
			*ret_systemd = true;
			break;
		case OPT_IGNORED_ARG:
		case OPT_IGNORED:
			break;
		case 'v':
			(void)printf("pea version %s\nspec: 1.1.0\n", PEAPOD_VERSION);
			return 1;
		case 'h':
			return 1 + usage(stdout, 0);
		default:
			return 1 + usage(stderr, 1);
		}
	}
	return 0;
}

/* The runtime's warnings (a failed poststart or poststop hook). */
static void warn_line(const char *msg)
{
	log_warn("%s", msg);
}

int main(int argc, char **argv)
{
	struct pp_error err = {0};
	const char *log_path = NULL;
	bool systemd = false;
	int r;

	log_open("pea", 0);
	rt_set_warn_fn(warn_line);
	r = parse_global(argc, argv, &log_path, &systemd);
	if (r > 0)
		return r - 1;
	if (log_path != NULL && open_log(log_path) != 0)
		return 1;
	if (systemd)
		return pea_failf("--systemd-cgroup is not supported: pea manages cgroupfs "
		                 "directly (configure the caller with SystemdCgroup = false)");
	if (optind >= argc)
		return usage(stderr, 1);
	for (const struct pea_cmd *c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, argv[optind]) != 0)
			continue;
		if (c->enters && rt_exe_protect(argv, &err) < 0)
			return pea_fail(&err);
		pea_debugf("running '%s' with root '%s'", c->name, arg_root);
		argv += optind;
		argc -= optind;
		optind = 0; /* each verb parses its own options from argv[0] = verb */
		return c->fn(argc, argv);
	}
	return pea_failf("unknown command '%s' (try 'pea --help')", argv[optind]);
}
