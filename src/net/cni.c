/* SPDX-License-Identifier: Apache-2.0 */
/* Running a CNI configuration list's plugins (CNI spec 1.0, "Section 3:
 * Execution Protocol", "Section 4: Plugin Delegation"): each plugin is
 * executed from the plugin folders with the CNI_* environment and its
 * configuration on stdin, and answers with a result or an error on stdout;
 * a plugin that outlives the timeout is killed. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include "net/net.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define OUT_MAX   ((size_t)1 << 20) /* a plugin's stdout */
#define MSG_MAX   300               /* of a plugin's message, in an error line */
#define SBIN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extern char **environ;

/* "major.minor.patch" → a comparable number; unparsable is 0. */
static long version_num(const char *v)
{
	unsigned a = 0, b = 0, c = 0;

	if (v == NULL || sscanf(v, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return (long)a * 1000000 + (long)b * 1000 + c;
}

static const char *list_version(const struct net_conf *c)
{
	return json_get_str(c->list, "cniVersion");
}

/* The plugin's executable in one of dirs. -ENOENT with libcni's words. */
static int plugin_find(const char *type, const char *dirs, char **ret, struct pp_error *err)
{
	cleanup_free char *copy = xstrdup(dirs);
	char *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		cleanup_free char *p = xstrfmt("%s/%s", d, type);
		struct stat st;

		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
			*ret = take_ptr(&p);
			return 0;
		}
	}
	return pp_error_msg(err, ENOENT, "failed to find plugin \"%s\" in path [%s]", type, dirs);
}

/* environ without CNI_* (and with a PATH: plugins run iptables), then the
 * call's variables. Caller strv_free()s. */
static char **plugin_env(const char *command, const struct net_call *call)
{
	size_t n = 0, k = 0;
	char **env;
	bool path = false;

	while (environ[n] != NULL)
		n++;
	env = xzalloc((n + 8) * sizeof(*env));
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "CNI_", 4) == 0)
			continue;
		path = path || strncmp(environ[i], "PATH=", 5) == 0;
		env[k++] = xstrdup(environ[i]);
	}
	if (!path)
		env[k++] = xstrdup("PATH=" SBIN_PATH);
	env[k++] = xstrfmt("CNI_COMMAND=%s", command);
	env[k++] = xstrfmt("CNI_CONTAINERID=%s", call->container_id);
	env[k++] = xstrfmt("CNI_NETNS=%s", call->netns);
	env[k++] = xstrfmt("CNI_IFNAME=%s", call->ifname);
	env[k++] = xstrfmt("CNI_ARGS=%s", call->args ? call->args : "");
	env[k++] = xstrfmt("CNI_PATH=%s", call->bin_dirs);
	return env;
}

/* The child: stdin from in, stdout to out, stderr kept (the caller's log). */
static void plugin_exec(const char *bin, char **env, int in, int out)
{
	sigset_t none;

	/* not the caller's blocked signals (a monitor's signalfd set) nor its
	 * ignored SIGPIPE: both would outlive execve */
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGPIPE, SIG_DFL);
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
	/* nothing else of ours: a plugin's helper left running must not hold
	 * a pipe of the monitor's (apply's notify fd) open */
	(void)sys_close_range(3, ~0U, 0);
	execve(bin, (char *[]){(char *)bin, NULL}, env);
	_exit(127);
}

/* Read fd to its end into *ret, at most OUT_MAX bytes, until deadline (ns).
 * -ETIMEDOUT, or -EFBIG for more. */
static int read_until(int fd, int64_t deadline, char **ret, size_t *ret_len)
{
	char *buf = xmalloc(OUT_MAX + 1);
	size_t len = 0;
	int r = 0;

	for (;;) {
		int64_t left = (deadline - pp_now_ns()) / 1000000;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (left <= 0 ||
		    (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)) {
			r = -ETIMEDOUT;
			break;
		}
		if (p.revents == 0)
			continue;
		n = read(fd, buf + len, OUT_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == OUT_MAX) {
			r = -EFBIG;
			break;
		}
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* Reap pid, killing it at deadline (ns): a plugin that closed its stdout
 * may still hang. */
static void reap(pid_t pid, int64_t deadline, int *status)
{
	int pidfd = sys_pidfd_open(pid, 0);

	if (pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int64_t left = (deadline - pp_now_ns()) / 1000000;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			(void)kill(pid, SIGKILL);
		(void)close(pidfd);
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

struct run {
	int status; /* wait status */
	char *out;  /* stdout, NUL-terminated */
	size_t len;
};

/* Fork bin with env, its stdin and stdout pipes: *ret_in to write,
 * *ret_out to read (both taken by the caller). 0 or -errno. */
static int plugin_spawn(const char *bin, char **env, int *ret_in, int *ret_out, pid_t *ret_pid,
                        struct pp_error *err)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return pp_error(err, errno, "pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		int r = pp_error(err, errno, "pipe");

		(void)close(in[0]);
		(void)close(in[1]);
		return r;
	}
	pid = fork();
	if (pid == 0)
		plugin_exec(bin, env, in[0], out[1]);
	(void)close(in[0]);
	(void)close(out[1]);
	if (pid < 0) {
		(void)close(in[1]);
		(void)close(out[0]);
		return pp_error(err, errno, "fork");
	}
	*ret_in = in[1];
	*ret_out = out[0];
	*ret_pid = pid;
	return 0;
}

/* Run bin with env, conf on stdin; its stdout and exit in *ret. */
static int plugin_run(const char *bin, char **env, const char *conf, int timeout_s, struct run *ret,
                      struct pp_error *err)
{
	cleanup_close int in = -1, out = -1;
	int64_t deadline;
	pid_t pid = 0;
	int r = plugin_spawn(bin, env, &in, &out, &pid, err);

	if (r < 0)
		return r;
	/* a plugin reads its whole config first; a dead one gives EPIPE */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)fs_write_all(in, conf, strlen(conf));
	(void)close(take_fd(&in));
	deadline = pp_now_ns() + (int64_t)timeout_s * 1000000000;
	r = read_until(out, deadline, &ret->out, &ret->len);
	if (r < 0)
		(void)kill(pid, SIGKILL);
	reap(pid, deadline, &ret->status);
	if (r == 0 && WIFSIGNALED(ret->status) && WTERMSIG(ret->status) == SIGKILL &&
	    pp_now_ns() >= deadline) {
		free(ret->out);
		ret->out = NULL;
		r = -ETIMEDOUT;
	}
	if (r == -EFBIG)
		return pp_error_msg(err, EFBIG, "more than %zu bytes of output", OUT_MAX);
	if (r < 0)
		return pp_error_msg(err, ETIMEDOUT, "timed out after %d s, killed", timeout_s);
	return 0;
}

/* Printable, one line, bounded: text a plugin wrote. */
static void sanitize(char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (i >= MSG_MAX) {
			s[i] = '\0';
			break;
		}
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	}
}

/* A failed run's message: the CNI error's msg (and details), else its
 * stdout, else how it ended. Caller frees. */
static char *failure_text(const struct run *run)
{
	cleanup_json json_object *o = NULL;
	char *s;

	if (run->len > 0 && json_parse_text(run->out, run->len, "plugin output", &o, NULL) == 0 &&
	    json_get_str(o, "msg") != NULL) {
		const char *d = json_get_str(o, "details");

		s = d && d[0] ? xstrfmt("%s; %s", json_get_str(o, "msg"), d)
		              : xstrdup(json_get_str(o, "msg"));
	} else if (run->len > 0) {
		s = xstrdup(run->out);
	} else if (WIFSIGNALED(run->status)) {
		s = xstrfmt("killed by signal %d", WTERMSIG(run->status));
	} else {
		s = xstrfmt("exit status %d, no output", WEXITSTATUS(run->status));
	}
	sanitize(s);
	return s;
}

/* What plugin p is given on stdin: its object with the list's name and
 * cniVersion, prevResult, and the runtime's values of the capabilities it
 * declares (CNI spec 1.0, "Section 4: Deriving execution configuration").
 * Caller json_object_put()s. */
static json_object *plugin_conf(const struct net_conf *c, json_object *p, json_object *prev,
                                json_object *rt)
{
	json_object *o = NULL, *caps = json_get_obj(p, "capabilities"), *inject = NULL;

	(void)json_object_deep_copy(p, &o, NULL);
	json_object_object_add(o, "name", json_object_new_string(json_get_str(c->list, "name")));
	json_object_object_add(o, "cniVersion", json_object_new_string(list_version(c)));
	json_object_object_del(o, "prevResult");
	json_object_object_del(o, "runtimeConfig");
	if (prev != NULL)
		json_object_object_add(o, "prevResult", json_object_get(prev));
	if (caps == NULL)
		return o;
	json_object_object_foreach(caps, cap, on)
	{
		json_object *v = json_object_object_get(rt, cap);

		if (!json_object_get_boolean(on) || v == NULL)
			continue;
		if (inject == NULL)
			inject = json_object_new_object();
		json_object_object_add(inject, cap, json_object_get(v));
	}
	if (inject != NULL)
		json_object_object_add(o, "runtimeConfig", inject);
	return o;
}

/* "add" for "ADD": libcni's words in its errors */
static const char *verb(const char *command)
{
	return strcmp(command, "ADD") == 0   ? "add"
	       : strcmp(command, "DEL") == 0 ? "delete"
	                                     : "check";
}

/* One command over a list: what every plugin run of it shares. */
struct op {
	const struct net_conf *c;
	const struct net_call *call;
	const char *command; /* "ADD", "DEL", "CHECK" */
};

/* Run plugin p for command: 0 when it exited 0 (its stdout in *run,
 * caller frees run->out), else -errno with its words. */
static int plugin_invoke(const struct op *o, json_object *p, json_object *prev, struct run *run,
                         struct pp_error *err)
{
	const struct net_call *call = o->call;
	const char *type = json_get_str(p, "type");
	cleanup_json json_object *conf = NULL;
	cleanup_free char *bin = NULL, *why = NULL;
	cleanup_strv char **env = NULL;
	int r;

	if (type == NULL)
		return pp_error_msg(err, EINVAL, "a plugin without a type");
	r = plugin_find(type, call->bin_dirs, &bin, err);
	if (r < 0 || bin == NULL)
		return r < 0 ? r : -ENOENT;
	conf = plugin_conf(o->c, p, prev, call->runtime_config);
	env = plugin_env(o->command, call);
	r = plugin_run(bin, env,
	               json_object_to_json_string_ext(conf, JSON_C_TO_STRING_NOSLASHESCAPE),
	               call->timeout_s > 0 ? call->timeout_s : NET_CNI_TIMEOUT_S, run, err);
	if (r == 0 && !(WIFEXITED(run->status) && WEXITSTATUS(run->status) == 0)) {
		why = failure_text(run);
		r = pp_error_msg(err, EIO, "%s", why);
	}
	return r;
}

/* Run plugin p for command; *ret its result when ret is non-NULL. */
static int plugin_call(const struct op *o, json_object *p, json_object *prev, json_object **ret,
                       struct pp_error *err)
{
	struct run run = {0};
	int r = plugin_invoke(o, p, prev, &run, err);

	if (r == 0 && ret != NULL &&
	    (json_parse_text(run.out, run.len, "result", ret, err) < 0 ||
	     !json_object_is_type(*ret, json_type_object)))
		r = pp_error_msg(err, EIO, "the plugin's result is not a JSON object");
	free(run.out);
	if (r < 0)
		return pp_error_prefix(err, r, "plugin type=\"%s\" name=\"%s\" failed (%s)",
		                       json_get_str(p, "type"), json_get_str(o->c->list, "name"),
		                       verb(o->command));
	return 0;
}

int net_cni_add(const struct net_conf *c, const struct net_call *call, json_object **ret,
                struct pp_error *err)
{
	json_object *plugins = json_get_arr(c->list, "plugins"), *prev = NULL;
	size_t n = json_object_array_length(plugins);
	const struct op op = {c, call, "ADD"};

	for (size_t i = 0; i < n; i++) {
		json_object *res = NULL;
		int r = plugin_call(&op, json_object_array_get_idx(plugins, i), prev, &res, err);

		if (prev != NULL)
			json_object_put(prev);
		if (r < 0)
			return r;
		prev = res;
	}
	*ret = prev;
	return 0;
}

int net_cni_del(const struct net_conf *c, const struct net_call *call, json_object *prev,
                struct pp_error *err)
{
	json_object *plugins = json_get_arr(c->list, "plugins");
	bool with_prev = version_num(list_version(c)) >= version_num("0.4.0");
	const struct op op = {c, call, "DEL"};
	struct pp_error e = {0};
	int first = 0;

	for (size_t i = json_object_array_length(plugins); i-- > 0;) {
		int r = plugin_call(&op, json_object_array_get_idx(plugins, i),
		                    with_prev ? prev : NULL, NULL, &e);

		if (r < 0 && first == 0) {
			first = r;
			if (err != NULL)
				*err = e;
		}
	}
	return first;
}

int net_cni_check(const struct net_conf *c, const struct net_call *call, json_object *prev,
                  struct pp_error *err)
{
	json_object *plugins = json_get_arr(c->list, "plugins");
	const struct op op = {c, call, "CHECK"};

	if (version_num(list_version(c)) < version_num("0.4.0") ||
	    json_get_bool(c->list, "disableCheck", false))
		return 0;
	for (size_t i = 0; i < json_object_array_length(plugins); i++) {
		int r = plugin_call(&op, json_object_array_get_idx(plugins, i), prev, NULL, err);

		if (r < 0)
			return r;
	}
	return 0;
}

/* "10.88.0.5/16" → "10.88.0.5" (caller frees); NULL unless an IPv4 or
 * IPv6 address: a result is a plugin's word, and its address ends up in
 * /etc/hosts and the pod's status. */
static char *address_of(json_object *v)
{
	const char *a = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	size_t n = a ? strcspn(a, "/") : 0;
	unsigned char bin[sizeof(struct in6_addr)];
	char s[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(s))
		return NULL;
	memcpy(s, a, n);
	s[n] = '\0';
	if (inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, bin) != 1)
		return NULL;
	return xstrdup(s);
}

static void add_ip(char **ips, size_t *n, size_t max, char *ip, bool v6_pass)
{
	if (ip == NULL || *n >= max || (strchr(ip, ':') != NULL) != v6_pass) {
		free(ip);
		return;
	}
	ips[(*n)++] = ip;
}

size_t net_result_ips(json_object *result, char **ips, size_t max)
{
	json_object *list = json_get_arr(result, "ips");
	size_t n = 0;

	for (int v6 = 0; v6 <= 1; v6++) {
		for (size_t i = 0; list && i < json_object_array_length(list); i++)
			add_ip(ips, &n, max,
			       address_of(json_object_object_get(json_object_array_get_idx(list, i),
			                                         "address")),
			       v6);
		if (list == NULL)
			add_ip(ips, &n, max,
			       address_of(json_object_object_get(
			           json_get_obj(result, v6 ? "ip6" : "ip4"), "ip")),
			       v6);
	}
	return n;
}
