/* SPDX-License-Identifier: Apache-2.0 */
/* pea list and pea ps: the containers of a root as runc's table or JSON, and
 * the pids of one container (containerd's shim calls `ps --format json`). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include "cli/pea-cli.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

enum { COLS = 6 };

/* One row of the list table, all strings owned. */
struct row {
	char *cell[COLS];
};

static char *owner_of(const char *id)
{
	cleanup_free char *dir = xstrfmt("%s/%s", arg_root, id);
	struct stat sb;
	char *name;

	if (stat(dir, &sb) < 0)
		return xstrdup("");
	name = rt_passwd_field(sb.st_uid, 0);
	return name != NULL ? name : xstrfmt("#%u", (unsigned)sb.st_uid);
}

static json_object *state_json_with_owner(const struct rt_state *st, const char *owner)
{
	json_object *o = rt_state_to_json(st);

	json_object_object_add(o, "owner", json_object_new_string(owner));
	return o;
}

/* Print rows padded like Go's tabwriter(minwidth 12, padding 3), as runc. */
static void print_table(struct row *rows, size_t n)
{
	size_t width[COLS] = {0};

	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < COLS; c++)
			if (strlen(rows[i].cell[c]) + 3 > width[c])
				width[c] = strlen(rows[i].cell[c]) + 3;
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < COLS - 1; c++)
			(void)printf("%-*s", (int)(width[c] < 12 ? 12 : width[c]), rows[i].cell[c]);
		(void)printf("%s\n", rows[i].cell[COLS - 1]);
	}
}

static void fill_row(struct row *r, const struct rt_state *st, const char *owner)
{
	r->cell[0] = xstrdup(st->id);
	r->cell[1] = xstrfmt("%d", (int)st->pid);
	r->cell[2] = xstrdup(rt_status_name(st->status));
	r->cell[3] = xstrdup(st->bundle != NULL ? st->bundle : "");
	r->cell[4] = xstrdup(st->created != NULL ? st->created : "");
	r->cell[5] = xstrdup(owner);
}

static int list_all(char **ids, bool json, bool quiet)
{
	size_t n = strv_len(ids);
	struct row *rows = xcalloc(n + 1, sizeof(*rows));
	json_object *arr = json_object_new_array();
	size_t k = 1;

	rows[0] = (struct row){{xstrdup("ID"), xstrdup("PID"), xstrdup("STATUS"), xstrdup("BUNDLE"),
	                        xstrdup("CREATED"), xstrdup("OWNER")}};
	for (size_t i = 0; ids != NULL && ids[i] != NULL; i++) {
		struct pp_error err = {0};
		struct rt_state st = {0};
		cleanup_free char *owner = NULL;

		if (rt_container_state(arg_root, ids[i], &st, &err) < 0)
			continue; /* removed meanwhile, or half-created */
		owner = owner_of(ids[i]);
		if (quiet)
			(void)printf("%s\n", st.id);
		json_object_array_add(arr, state_json_with_owner(&st, owner));
		fill_row(&rows[k++], &st, owner);
		rt_state_clear(&st);
	}
	if (json)
		pea_print_json(arr);
	else if (!quiet)
		print_table(rows, k);
	json_object_put(arr);
	for (size_t i = 0; i < k; i++)
		for (int c = 0; c < COLS; c++)
			free(rows[i].cell[c]);
	free(rows);
	return 0;
}

int pea_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	struct pp_error err = {0};
	cleanup_strv char **ids = NULL;
	bool json = false, quiet = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else
			return pea_failf("usage: pea list [--format table|json] [--quiet]");
	}
	if (optind != argc)
		return pea_failf("usage: pea list [--format table|json] [--quiet]");
	r = rt_container_list(arg_root, &ids, &err);
	if (r == -ENOENT)
		ids = NULL; /* no root yet: no containers */
	else if (r < 0)
		return pea_fail(&err);
	return list_all(ids, json, quiet && !json);
}

/* The pids in the container's cgroup, or just its init without a cgroup. */
static json_object *container_pids(const struct rt_state *st)
{
	struct pp_error err = {0};
	cleanup_free char *path = NULL, *buf = NULL;
	json_object *arr = json_object_new_array();
	char *save = NULL;

	if (st->cgroup_path != NULL) {
		path = xstrfmt("%s/cgroup.procs", st->cgroup_path);
		if (fs_read_all(path, 1u << 20, &buf, NULL, &err) == 0) {
			for (char *t = strtok_r(buf, "\n", &save); t != NULL;
			     t = strtok_r(NULL, "\n", &save))
				json_object_array_add(
				    arr, json_object_new_int((int)strtol(t, NULL, 10)));
			return arr;
		}
	}
	if (st->pid > 0)
		json_object_array_add(arr, json_object_new_int(st->pid));
	return arr;
}

/* The output of `ps ARGS...` (runc: "-ef" when none), NUL-terminated in
 * *ret (caller frees). 0, or 1 after reporting. */
static int ps_output(char **args, char **ret)
{
	struct pp_error err = {0};
	int fds[2], status = 0;
	pid_t pid;
	int r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return pea_failf("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return pea_failf("fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(fds[1], 1) < 0)
			_exit(127);
		(void)execvp("ps", args);
		(void)fprintf(stderr, "exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	(void)close(fds[1]);
	r = fs_read_fd(fds[0], 16u << 20, ret, NULL, &err);
	(void)close(fds[0]);
	(void)waitpid(pid, &status, 0);
	if (r < 0)
		return pea_fail(&err);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(take_ptr(ret));
		return pea_failf("ps %s failed", args[1] != NULL ? args[1] : "");
	}
	return 0;
}

/* Which whitespace-separated field of the header is "PID", or -1. */
static int pid_column(const char *header)
{
	cleanup_free char *h = xstrdup(header);
	char *save = NULL;
	int i = 0;

	for (char *t = strtok_r(h, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save), i++)
		if (strcmp(t, "PID") == 0)
			return i;
	return -1;
}

/* Field col of line as a pid, or 0. */
static int line_pid(const char *line, int col)
{
	const char *p = line;

	for (int i = 0; i < col && *p != '\0'; i++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	p += strspn(p, " \t");
	return (int)strtol(p, NULL, 10);
}

static bool in_pids(json_object *pids, int pid)
{
	for (size_t i = 0; i < json_object_array_length(pids); i++)
		if (json_object_get_int(json_object_array_get_idx(pids, i)) == pid)
			return true;
	return false;
}

/* runc ps: the host's `ps` output (header, then the container's lines,
 * found by the PID column). */
static int print_ps_table(json_object *pids, char **ps_args)
{
	cleanup_strv char **args = NULL;
	cleanup_free char *out = NULL;
	char *save = NULL, *line;
	int col;

	strv_push(&args, "ps");
	for (char **a = ps_args; *a != NULL; a++)
		strv_push(&args, *a);
	if (ps_args[0] == NULL)
		strv_push(&args, "-ef");
	if (ps_output(args, &out) != 0)
		return 1;
	line = strtok_r(out, "\n", &save);
	col = line != NULL ? pid_column(line) : -1;
	if (col < 0)
		return pea_failf("couldn't find PID field in ps output");
	(void)printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL)
		if (in_pids(pids, line_pid(line, col)))
			(void)printf("%s\n", line);
	return 0;
}

int pea_cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	struct pp_error err = {0};
	struct rt_state st = {0};
	json_object *pids;
	bool json = false;
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f' || (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0))
			return pea_failf("usage: pea ps [--format table|json] ID [PS_OPTIONS...]");
		json = strcmp(optarg, "json") == 0;
	}
	if (optind >= argc)
		return pea_failf("usage: pea ps [--format table|json] ID [PS_OPTIONS...]");
	if (rt_container_state(arg_root, argv[optind], &st, &err) < 0)
		return pea_fail(&err);
	pids = container_pids(&st);
	if (json)
		(void)printf("%s\n", json_object_to_json_string_ext(pids, JSON_C_TO_STRING_PLAIN));
	else
		r = print_ps_table(pids, argv + optind + 1);
	json_object_put(pids);
	rt_state_clear(&st);
	return r;
}
