/* SPDX-License-Identifier: Apache-2.0 */
/* pea exec: run a new process in a running container. The process is
 * --process FILE as given, or (as runc) the container's config.json process
 * with args, tty, env, cwd, user and capabilities overridden. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/pea-cli.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

/* As runc: a failed exec exits 255, never to be confused with the status
 * of a process that ran. */
#define EXEC_FAILED 255

static int exec_fail(const struct pp_error *err)
{
	(void)pea_fail(err);
	return EXEC_FAILED;
}

static int exec_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int exec_failf(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)pea_failf("%s", msg);
	return EXEC_FAILED;
}

struct exec_args {
	const char *process_file;
	const char *console_socket;
	const char *pid_file;
	const char *cwd;
	const char *user;
	unsigned preserve_fds;
	char **env;  /* owned */
	char **caps; /* owned */
	bool tty;
	bool detach;
	bool no_new_privs;
};

static void exec_args_clear(struct exec_args *a)
{
	strv_free(a->env);
	strv_free(a->caps);
}

enum { OPT_CONSOLE = 0x100, OPT_PID_FILE, OPT_CWD, OPT_NNP, OPT_PRESERVE, OPT_IGNORED_ARG };

static const struct option exec_options[] = {
    {"process", required_argument, NULL, 'p'},
    {"tty", no_argument, NULL, 't'},
    {"detach", no_argument, NULL, 'd'},
    {"env", required_argument, NULL, 'e'},
    {"user", required_argument, NULL, 'u'},
    {"cap", required_argument, NULL, 'c'},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"cwd", required_argument, NULL, OPT_CWD},
    {"no-new-privs", no_argument, NULL, OPT_NNP},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
    {"process-label", required_argument, NULL, OPT_IGNORED_ARG},
    {"apparmor", required_argument, NULL, OPT_IGNORED_ARG},
    {NULL, 0, NULL, 0},
};

/* 0, or non-zero after reporting a usage error. optind is left at the id. */
static int parse_exec(int argc, char **argv, struct exec_args *a)
{
	int c;

	while ((c = getopt_long(argc, argv, "+p:tde:u:c:", exec_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			a->process_file = optarg;
			break;
		case 't':
			a->tty = true;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'e':
			strv_push(&a->env, optarg);
			break;
		case 'u':
			a->user = optarg;
			break;
		case 'c':
			strv_push(&a->caps, optarg);
			break;
		case OPT_CONSOLE:
			a->console_socket = optarg;
			break;
		case OPT_PID_FILE:
			a->pid_file = optarg;
			break;
		case OPT_CWD:
			a->cwd = optarg;
			break;
		case OPT_NNP:
			a->no_new_privs = true;
			break;
		case OPT_PRESERVE:
			if (pea_preserve_fds_parse(optarg, &a->preserve_fds) != 0)
				return EXEC_FAILED;
			break;
		case OPT_IGNORED_ARG:
			break;
		default:
			return exec_failf("usage: pea exec [OPTIONS] ID [COMMAND [ARG...]]");
		}
	}
	if (optind >= argc)
		return exec_failf("usage: pea exec [OPTIONS] ID [COMMAND [ARG...]]");
	return 0;
}

/* The container's config.json process (a new copy), found via its state. */
static int template_process(const char *id, json_object **ret, struct pp_error *err)
{
	struct rt_state st = {0};
	cleanup_free char *path = NULL;
	json_object *cfg = NULL, *proc = NULL;
	int r;

	r = rt_container_state(arg_root, id, &st, err);
	if (r < 0)
		return r;
	path = xstrfmt("%s/config.json", st.bundle != NULL ? st.bundle : ".");
	rt_state_clear(&st);
	r = json_parse_file(path, 4u << 20, &cfg, err);
	if (r < 0)
		return r;
	if (json_object_deep_copy(json_get_obj(cfg, "process"), &proc, NULL) < 0 || proc == NULL)
		proc = json_object_new_object();
	json_object_put(cfg);
	*ret = proc;
	return 0;
}

/* Set K=V in the env array, replacing an entry with the same key. */
static void env_set(json_object *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *cur = json_object_get_string(json_object_array_get_idx(env, i));

		if (cur != NULL && strncmp(cur, kv, klen) == 0 && cur[klen] == '=') {
			json_object_array_put_idx(env, i, json_object_new_string(kv));
			return;
		}
	}
	json_object_array_add(env, json_object_new_string(kv));
}

static int set_user(json_object *proc, const char *spec, struct pp_error *err)
{
	json_object *user = json_get_obj(proc, "user");
	unsigned long uid, gid = 0;
	char *end;

	errno = 0;
	uid = strtoul(spec, &end, 10);
	if (*end == ':')
		gid = strtoul(end + 1, &end, 10);
	if (errno != 0 || *end != '\0' || !isdigit((unsigned char)spec[0]) || uid > UINT32_MAX ||
	    gid > UINT32_MAX)
		return pp_error_msg(err, EINVAL, "--user '%s': want UID[:GID] (numbers)", spec);
	if (user == NULL) {
		user = json_object_new_object();
		json_object_object_add(proc, "user", user);
	}
	json_object_object_add(user, "uid", json_object_new_int64((int64_t)uid));
	json_object_object_add(user, "gid", json_object_new_int64((int64_t)gid));
	return 0;
}

/* Append name to the array key of caps, creating it when missing. */
static void caps_append(json_object *caps, const char *key, const char *name)
{
	json_object *arr = json_get_arr(caps, key);

	if (arr == NULL) {
		arr = json_object_new_array();
		json_object_object_add(caps, key, arr);
	}
	json_object_array_add(arr, json_object_new_string(name));
}

/* runc exec --cap: add to the bounding, effective and permitted sets. */
static int add_caps(json_object *proc, char **caps, struct pp_error *err)
{
	json_object *c = json_get_obj(proc, "capabilities");

	if (c == NULL) {
		c = json_object_new_object();
		json_object_object_add(proc, "capabilities", c);
	}
	for (char **p = caps; p != NULL && *p != NULL; p++) {
		cleanup_free char *name = NULL;

		if (rt_cap_from_name(*p) < 0)
			return pp_error_msg(err, EINVAL, "--cap '%s': unknown capability", *p);
		name = xstrfmt("%s%s", strncasecmp(*p, "CAP_", 4) == 0 ? "" : "CAP_", *p);
		for (char *s = name; *s != '\0'; s++)
			*s = (char)toupper((unsigned char)*s);
		caps_append(c, "bounding", name);
		caps_append(c, "effective", name);
		caps_append(c, "permitted", name);
	}
	return 0;
}

/* Apply the command line onto the template process. */
static int override_process(json_object *proc, const struct exec_args *a, char **cmd,
                            struct pp_error *err)
{
	json_object *env = json_get_arr(proc, "env");

	if (cmd[0] == NULL)
		return pp_error_msg(err, EINVAL, "exec: no command given (and no --process)");
	json_object_object_add(proc, "args", json_from_strv(cmd));
	json_object_object_add(proc, "terminal", json_object_new_boolean(a->tty));
	if (env == NULL) {
		env = json_object_new_array();
		json_object_object_add(proc, "env", env);
	}
	for (char **e = a->env; e != NULL && *e != NULL; e++)
		env_set(env, *e);
	if (a->cwd != NULL)
		json_object_object_add(proc, "cwd", json_object_new_string(a->cwd));
	if (a->no_new_privs)
		json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(true));
	if (a->user != NULL && set_user(proc, a->user, err) < 0)
		return -EINVAL;
	return add_caps(proc, a->caps, err);
}

static int build_process(const struct exec_args *a, const char *id, char **cmd, json_object **ret,
                         struct pp_error *err)
{
	json_object *proc = NULL;
	int r;

	if (a->process_file != NULL) {
		r = json_parse_file(a->process_file, 4u << 20, &proc, err);
		if (r == 0 && !json_object_is_type(proc, json_type_object)) {
			json_object_put(proc);
			return pp_error_msg(err, EINVAL, "%s: not a JSON object", a->process_file);
		}
		if (r == 0)
			*ret = proc;
		return r;
	}
	r = template_process(id, &proc, err);
	if (r == 0)
		r = override_process(proc, a, cmd, err);
	if (r < 0) {
		json_object_put(proc);
		return r;
	}
	*ret = proc;
	return 0;
}

/* Run it: console as asked, then wait unless detached. Exit status. */
static int run_exec(const struct exec_args *a, const char *id, json_object *proc)
{
	struct pp_error err = {0};
	cleanup_close int sock = -1, ours = -1, master = -1;
	struct rt_exec_opts o = {.state_root = arg_root,
	                         .id = id,
	                         .process = proc,
	                         .stdio = {0, 1, 2},
	                         .pid_file = a->pid_file,
	                         .preserve_fds = a->preserve_fds};
	pid_t pid = 0;
	int status;

	if (a->console_socket != NULL && (!a->detach || !json_get_bool(proc, "terminal", false)))
		return exec_failf(
		    "cannot use console socket if pea will not detach or allocate tty");
	if (a->console_socket != NULL) {
		sock = pea_console_connect(a->console_socket, &err);
		if (sock < 0)
			return exec_fail(&err);
	} else if (json_get_bool(proc, "terminal", false)) {
		if (a->detach)
			return exec_failf("cannot allocate tty if pea will detach without setting "
			                  "console socket");
		if (pea_console_pair(&ours, &sock, &err) < 0)
			return exec_fail(&err);
	}
	o.console_socket = sock;
	if (rt_container_exec(&o, &pid, &err) < 0)
		return exec_fail(&err);
	if (sock >= 0)
		(void)close(take_fd(&sock)); /* so a process that never sends gives EOF */
	if (a->detach)
		return 0;
	pea_signals_block();
	if (ours >= 0) {
		master = pea_console_recv(ours, &err);
		if (master < 0)
			pea_warnf("%s, ignoring", err.msg);
	}
	status = pea_wait_forward(pid, master, &err);
	if (status < 0)
		return exec_fail(&err);
	return status;
}

int pea_cmd_exec(int argc, char **argv)
{
	struct pp_error err = {0};
	struct exec_args a = {0};
	json_object *proc = NULL;
	const char *id;
	int r;

	if (parse_exec(argc, argv, &a) != 0) {
		exec_args_clear(&a);
		return EXEC_FAILED;
	}
	id = argv[optind];
	if (build_process(&a, id, argv + optind + 1, &proc, &err) < 0) {
		exec_args_clear(&a);
		return exec_fail(&err);
	}
	pea_debugf("exec process: %s", json_object_to_json_string(proc));
	r = run_exec(&a, id, proc);
	json_object_put(proc);
	exec_args_clear(&a);
	return r;
}
