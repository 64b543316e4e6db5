/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX-platform hooks (config.md "POSIX-platform Hooks", runtime.md
 * "Lifecycle"): each hook is path run with args and env (the runtime's
 * own environment when it has none, as runc and crun),
 * the container's state as JSON on its stdin, its stdout and stderr kept
 * for the error, killed after timeout seconds. What runs where is the
 * caller's: container.c (prestart, createRuntime, createContainer,
 * startContainer) and lifecycle.c (poststart, poststop). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/close_range.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define HOOK_OUTPUT_MAX 512

static const char *const kind_names[RT_HOOK_COUNT + 1] = {
    [RT_HOOK_PRESTART] = "prestart",
    [RT_HOOK_CREATE_RUNTIME] = "createRuntime",
    [RT_HOOK_CREATE_CONTAINER] = "createContainer",
    [RT_HOOK_START_CONTAINER] = "startContainer",
    [RT_HOOK_POSTSTART] = "poststart",
    [RT_HOOK_POSTSTOP] = "poststop",
    [RT_HOOK_COUNT] = NULL,
};

const char *const *rt_hook_names(void)
{
	return kind_names;
}

static void (*warn_fn)(const char *msg);

void rt_set_warn_fn(void (*fn)(const char *msg))
{
	warn_fn = fn;
}

void rt_warn(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (warn_fn != NULL)
		warn_fn(buf);
	else
		log_debug("%s", buf);
}

void rt_hooks_clear(struct rt_hooks *h)
{
	for (int k = 0; k < RT_HOOK_COUNT; k++) {
		for (size_t i = 0; i < h->n[k]; i++) {
			free(h->list[k][i].path);
			strv_free(h->list[k][i].args);
			strv_free(h->list[k][i].env);
		}
		free(h->list[k]);
	}
	memset(h, 0, sizeof(*h));
}

static int parse_hook(json_object *o, const char *path, struct rt_hook *ret, struct pp_error *err)
{
	json_object *v;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", path);
	r = rt_json_member(o, path, "path", json_type_string, &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.path: Required value", path);
	if (r < 0)
		return r;
	if (json_object_get_string(v)[0] != '/')
		return pp_error_msg(err, EINVAL, "%s.path: '%s' is not absolute", path,
		                    json_object_get_string(v));
	ret->path = xstrdup(json_object_get_string(v));
	r = rt_json_strv(o, path, "args", &ret->args, err);
	if (r >= 0)
		r = rt_json_strv(o, path, "env", &ret->env, err);
	if (r >= 0)
		r = rt_json_member(o, path, "timeout", json_type_int, &v, err);
	if (r > 0) {
		int64_t t = json_object_get_int64(v);

		if (t <= 0 || t > INT32_MAX)
			return pp_error_msg(err, EINVAL, "%s.timeout: must be greater than zero",
			                    path);
		ret->timeout = (int)t;
	}
	return r < 0 ? r : 0;
}

static int parse_kind(json_object *hooks, int k, struct rt_hooks *h, struct pp_error *err)
{
	json_object *arr;
	char path[64];
	int r = rt_json_member(hooks, "hooks", kind_names[k], json_type_array, &arr, err);
	size_t n;

	if (r <= 0)
		return r;
	n = json_object_array_length(arr);
	if (n > RT_MAX_ARRAY)
		return pp_error_msg(err, EINVAL, "hooks.%s: too many", kind_names[k]);
	h->list[k] = xcalloc(n + 1, sizeof(*h->list[k]));
	for (size_t i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "hooks.%s[%zu]", kind_names[k], i);
		h->n[k] = i + 1;
		r = parse_hook(json_object_array_get_idx(arr, i), path, &h->list[k][i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int rt_hooks_parse(json_object *hooks, struct rt_hooks *ret, struct pp_error *err)
{
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (hooks == NULL)
		return 0;
	if (!json_object_is_type(hooks, json_type_object))
		return pp_error_msg(err, EINVAL, "hooks: expected an object");
	for (int k = 0; r >= 0 && k < RT_HOOK_COUNT; k++)
		r = parse_kind(hooks, k, ret, err);
	if (r < 0)
		rt_hooks_clear(ret);
	return r;
}

char *rt_hook_state(const char *id, const char *status, pid_t pid, const char *bundle,
                    json_object *annotations)
{
	json_object *o = json_object_new_object();
	char *s;

	json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "status", json_object_new_string(status));
	if (pid > 0)
		json_object_object_add(o, "pid", json_object_new_int(pid));
	json_object_object_add(o, "bundle", json_object_new_string(bundle));
	if (annotations != NULL)
		json_object_object_add(o, "annotations", json_object_get(annotations));
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static _Noreturn void hook_child(const struct rt_hook *h, int in, int out, int errfd)
{
	extern char **environ;
	char *const fallback[] = {h->path, NULL};

	rt_signals_reset();
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	(void)sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	/* without env, the runtime's own environment, as runc and crun pass */
	execve(h->path, h->args != NULL && h->args[0] != NULL ? h->args : fallback,
	       h->env != NULL ? h->env : environ);
	dprintf(2, "exec %s: %s", h->path, strerror(errno));
	_exit(127);
}

/* Wait for pid, for at most timeout seconds (0: no bound). The wait
 * status, or -ETIME once it was killed for running too long. */
static int hook_wait(pid_t pid, int timeout)
{
	int status;

	if (timeout > 0) {
		cleanup_close int pfd = sys_pidfd_open(pid, 0);
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		int n;

		do
			n = pfd < 0 ? -1 : poll(&p, 1, timeout * 1000);
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			(void)kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			return -ETIME;
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status;
}

/* The first bytes a hook wrote to the memfd fd, for the error. */
static void read_output(int fd, char buf[HOOK_OUTPUT_MAX])
{
	ssize_t n = pread(fd, buf, HOOK_OUTPUT_MAX - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
}

static int memfd_with(const char *data)
{
	int fd = memfd_create("pea-hook", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (data != NULL &&
	    (fs_write_all(fd, data, strlen(data)) < 0 || lseek(fd, 0, SEEK_SET) < 0)) {
		int r = -errno;

		(void)close(fd);
		return r;
	}
	return fd;
}

static int run_one(const struct rt_hook *h, const char *what, const char *state,
                   struct pp_error *err)
{
	cleanup_close int in = memfd_with(state), out = memfd_with(NULL), errfd = memfd_with(NULL);
	char o[HOOK_OUTPUT_MAX], e[HOOK_OUTPUT_MAX];
	pid_t pid;
	int st;

	if (in < 0 || out < 0 || errfd < 0)
		return pp_error(err, in < 0 ? in : out < 0 ? out : errfd, "%s: memfd", what);
	pid = fork();
	if (pid < 0)
		return pp_error(err, errno, "%s: fork", what);
	if (pid == 0)
		hook_child(h, in, out, errfd);
	st = hook_wait(pid, h->timeout);
	if (st == -ETIME)
		return pp_error_msg(err, ETIME, "%s: hook ran past specified timeout of %d.0s",
		                    what, h->timeout);
	if (st < 0)
		return pp_error(err, st, "%s: wait", what);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	read_output(out, o);
	read_output(errfd, e);
	if (WIFSIGNALED(st))
		return pp_error_msg(err, EIO, "%s: signal: %s, stdout: %s, stderr: %s", what,
		                    strsignal(WTERMSIG(st)), o, e);
	return pp_error_msg(err, EIO, "%s: exit status %d, stdout: %s, stderr: %s", what,
	                    WEXITSTATUS(st), o, e);
}

int rt_hooks_run(const struct rt_hooks *h, enum rt_hook_kind k, const char *state,
                 struct pp_error *err)
{
	for (size_t i = 0; i < h->n[k]; i++) {
		char what[64];
		int r;

		(void)snprintf(what, sizeof(what), "error running %s hook #%zu", kind_names[k], i);
		r = run_one(&h->list[k][i], what, state, err);
		if (r < 0)
			return r;
	}
	return 0;
}

void rt_hooks_run_warn(const struct rt_hooks *h, enum rt_hook_kind k, const char *state)
{
	for (size_t i = 0; i < h->n[k]; i++) {
		struct pp_error err = {0};
		char what[64];

		(void)snprintf(what, sizeof(what), "error running %s hook #%zu", kind_names[k], i);
		if (run_one(&h->list[k][i], what, state, &err) < 0)
			rt_warn("%s", err.msg);
	}
}

int rt_hooks_save(const char *state_dir, json_object *hooks, struct pp_error *err)
{
	cleanup_free char *path = NULL;

	if (hooks == NULL)
		return 0;
	path = xstrfmt("%s/hooks.json", state_dir);
	return json_write_file(path, hooks, err);
}

int rt_hooks_load_saved(const char *state_dir, struct rt_hooks *ret, struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/hooks.json", state_dir);
	json_object *j = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : pp_error(err, errno, "'%s'", path);
	r = json_parse_file(path, RT_CONFIG_MAX_BYTES, &j, err);
	if (r >= 0)
		r = rt_hooks_parse(j, ret, err);
	json_object_put(j);
	return r;
}
