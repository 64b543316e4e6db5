/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI "process" object: parsing and validation, and the last steps of a
 * container process before execve (rlimits, user, caps, no_new_privs,
 * cwd, PATH lookup). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int rt_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (strcmp(name, rlimit_names[i].name) == 0)
			return rlimit_names[i].resource;
	return -EINVAL;
}

const char *rt_rlimit_name(int resource)
{
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	return "RLIMIT_?";
}

void rt_process_clear(struct rt_process *p)
{
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->additional_gids);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

static int parse_id(json_object *o, const char *path, const char *key, uint32_t *ret,
                    struct pp_error *err)
{
	json_object *v;
	int r = rt_json_member(o, path, key, json_type_int, &v, err);
	int64_t n;

	if (r <= 0)
		return r;
	n = json_object_get_int64(v);
	if (n < 0 || n > UINT32_MAX - 1)
		return pp_error_msg(err, EINVAL, "%s.%s: %lld out of range", path, key,
		                    (long long)n);
	*ret = (uint32_t)n;
	return 1;
}

static int parse_gids(json_object *user, struct rt_process *p, struct pp_error *err)
{
	json_object *arr;
	int r = rt_json_member(user, "process.user", "additionalGids", json_type_array, &arr, err);
	size_t n;

	if (r <= 0)
		return r;
	n = json_object_array_length(arr);
	if (n > 65536)
		return pp_error_msg(err, EINVAL, "process.user.additionalGids: too many");
	p->additional_gids = xcalloc(n + 1, sizeof(gid_t));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		int64_t g = json_object_get_int64(e);

		if (!json_object_is_type(e, json_type_int) || g < 0 || g > UINT32_MAX - 1)
			return pp_error_msg(err, EINVAL,
			                    "process.user.additionalGids[%zu]: expected a gid", i);
		p->additional_gids[i] = (gid_t)g;
	}
	p->n_additional_gids = n;
	return 0;
}

static int parse_user(json_object *proc, struct rt_process *p, struct pp_error *err)
{
	json_object *user, *v;
	uint32_t id = 0;
	int r = rt_json_member(proc, "process", "user", json_type_object, &user, err);

	if (r <= 0)
		return r;
	r = parse_id(user, "process.user", "uid", &id, err);
	if (r < 0)
		return r;
	p->uid = id;
	id = 0;
	r = parse_id(user, "process.user", "gid", &id, err);
	if (r < 0)
		return r;
	p->gid = id;
	r = rt_json_member(user, "process.user", "umask", json_type_int, &v, err);
	if (r < 0)
		return r;
	if (r > 0) {
		p->has_umask = true;
		p->umask = (mode_t)(json_object_get_int64(v) & 0777);
	}
	if (json_get_str(user, "username") != NULL)
		return pp_error_msg(err, EINVAL, "process.user.username: only for Windows");
	return parse_gids(user, p, err);
}

static int parse_caps(json_object *proc, struct rt_process *p, struct pp_error *err)
{
	static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
	                                   "ambient"};
	uint64_t *dst[] = {&p->caps.bounding, &p->caps.effective, &p->caps.inheritable,
	                   &p->caps.permitted, &p->caps.ambient};
	json_object *caps;
	int r = rt_json_member(proc, "process", "capabilities", json_type_object, &caps, err);

	if (r <= 0)
		return r;
	p->has_caps = true;
	for (size_t i = 0; i < 5; i++) {
		char field[64];
		json_object *arr = NULL;

		(void)snprintf(field, sizeof(field), "process.capabilities.%s", sets[i]);
		r = rt_json_member(caps, "process.capabilities", sets[i], json_type_array, &arr,
		                   err);
		if (r < 0)
			return r;
		r = rt_caps_parse(arr, field, dst[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_rlimit(json_object *e, size_t i, struct rt_rlimit *rl, struct pp_error *err)
{
	char path[64];
	json_object *v;
	const char *type;
	int r;

	(void)snprintf(path, sizeof(path), "process.rlimits[%zu]", i);
	if (!json_object_is_type(e, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", path);
	r = rt_json_member(e, path, "type", json_type_string, &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.type: Required value", path);
	if (r < 0)
		return r;
	type = json_object_get_string(v);
	rl->resource = rt_rlimit_from_name(type);
	if (rl->resource < 0)
		return pp_error_msg(err, EINVAL, "%s.type: unknown rlimit '%s'", path, type);
	for (int k = 0; k < 2; k++) {
		const char *key = k == 0 ? "hard" : "soft";

		r = rt_json_member(e, path, key, json_type_int, &v, err);
		if (r == 0)
			return pp_error_msg(err, EINVAL, "%s.%s: Required value", path, key);
		if (r < 0)
			return r;
		/* json-c keeps uint64 values above INT64_MAX exactly. */
		*(k == 0 ? &rl->hard : &rl->soft) = json_object_get_uint64(v);
	}
	if (rl->soft > rl->hard)
		return pp_error_msg(err, EINVAL, "%s: %s soft %llu above hard %llu", path, type,
		                    (unsigned long long)rl->soft, (unsigned long long)rl->hard);
	return 0;
}

static int parse_rlimits(json_object *proc, struct rt_process *p, struct pp_error *err)
{
	json_object *arr;
	int r = rt_json_member(proc, "process", "rlimits", json_type_array, &arr, err);
	size_t n;

	if (r <= 0)
		return r;
	n = json_object_array_length(arr);
	if (n > 64)
		return pp_error_msg(err, EINVAL, "process.rlimits: too many");
	p->rlimits = xcalloc(n + 1, sizeof(*p->rlimits));
	for (size_t i = 0; i < n; i++) {
		r = parse_rlimit(json_object_array_get_idx(arr, i), i, &p->rlimits[i], err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == p->rlimits[i].resource)
				return pp_error_msg(err, EINVAL,
				                    "process.rlimits[%zu].type: duplicate '%s'", i,
				                    rt_rlimit_name(p->rlimits[i].resource));
	}
	p->n_rlimits = n;
	return 0;
}

static int parse_basics(json_object *proc, struct rt_process *p, struct pp_error *err)
{
	json_object *v;
	int r;

	r = rt_json_strv(proc, "process", "args", &p->args, err);
	if (r < 0)
		return r;
	if (p->args == NULL || p->args[0] == NULL || p->args[0][0] == '\0')
		return pp_error_msg(err, EINVAL, "process.args: Required value");
	r = rt_json_strv(proc, "process", "env", &p->env, err);
	if (r < 0)
		return r;
	r = rt_json_member(proc, "process", "cwd", json_type_string, &v, err);
	if (r < 0)
		return r;
	p->cwd = xstrdup(r > 0 ? json_object_get_string(v) : "/");
	if (p->cwd[0] != '/')
		return pp_error_msg(err, EINVAL, "process.cwd: '%s' is not absolute", p->cwd);
	r = rt_json_member(proc, "process", "terminal", json_type_boolean, &v, err);
	if (r < 0)
		return r;
	p->terminal = r > 0 && json_object_get_boolean(v);
	r = rt_json_member(proc, "process", "noNewPrivileges", json_type_boolean, &v, err);
	if (r < 0)
		return r;
	p->no_new_privileges = r > 0 && json_object_get_boolean(v);
	r = rt_json_member(proc, "process", "oomScoreAdj", json_type_int, &v, err);
	if (r < 0)
		return r;
	if (r > 0) {
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)json_object_get_int64(v);
		if (json_object_get_int64(v) < -1000 || json_object_get_int64(v) > 1000)
			return pp_error_msg(err, EINVAL, "process.oomScoreAdj: out of range");
	}
	return 0;
}

bool rt_selinux_enabled(void)
{
	/* go-selinux's GetEnabled: selinuxfs is mounted. */
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

bool rt_apparmor_enabled(void)
{
	/* runc's apparmor.IsEnabled. */
	char c = 0;
	int fd;

	if (access("/sys/kernel/security/apparmor", F_OK) < 0)
		return false;
	fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	(void)close(fd);
	return c == 'Y';
}

/* pea applies no LSM label, so a label is refused, never dropped: runc
 * 1.1 refuses selinuxLabel without SELinux before starting anything
 * (validate.security) and fails the init on an apparmorProfile it cannot
 * apply (apparmor.ApplyProfile writes /proc/self/attr/exec: EINVAL). */
static int parse_labels(json_object *proc, struct pp_error *err)
{
	json_object *v;
	int r = rt_json_member(proc, "process", "selinuxLabel", json_type_string, &v, err);

	if (r > 0 && json_object_get_string_len(v) > 0)
		return pp_error_msg(err, EINVAL, "process.selinuxLabel: %s",
		                    rt_selinux_enabled()
		                        ? "pea does not apply SELinux labels"
		                        : "selinux label is specified in config, but selinux is "
		                          "disabled or not supported");
	if (r >= 0)
		r = rt_json_member(proc, "process", "apparmorProfile", json_type_string, &v, err);
	if (r > 0 && json_object_get_string_len(v) > 0)
		return pp_error_msg(err, EINVAL, "process.apparmorProfile: %s '%s'",
		                    rt_apparmor_enabled()
		                        ? "pea does not apply AppArmor profiles, not even"
		                        : "apparmor is not enabled on this host, cannot apply",
		                    json_object_get_string(v));
	return r < 0 ? r : 0;
}

int rt_process_parse(json_object *process, struct rt_process *ret, struct pp_error *err)
{
	struct rt_process p = {0};
	int r;

	memset(ret, 0, sizeof(*ret));
	if (process == NULL || !json_object_is_type(process, json_type_object))
		return pp_error_msg(err, EINVAL, "process: expected an object");
	r = parse_basics(process, &p, err);
	if (r >= 0)
		r = parse_user(process, &p, err);
	if (r >= 0)
		r = parse_caps(process, &p, err);
	if (r >= 0)
		r = parse_rlimits(process, &p, err);
	if (r >= 0)
		r = parse_labels(process, err);
	if (r >= 0)
		r = rt_kopts_parse_process(process, &p, err);
	if (r < 0) {
		rt_process_clear(&p);
		return r;
	}
	*ret = p;
	return 0;
}

static int apply_rlimits(const struct rt_process *p, struct pp_error *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct rt_rlimit *rl = &p->rlimits[i];
		struct rlimit want = {.rlim_cur = rl->soft, .rlim_max = rl->hard}, cur;

		if (setrlimit(rl->resource, &want) == 0)
			continue;
		if (errno == EPERM && getrlimit(rl->resource, &cur) == 0 && rl->hard > cur.rlim_max)
			return pp_error_msg(
			    err, EPERM,
			    "process.rlimits[%zu]: %s hard %llu above the host's %llu "
			    "(raising a hard limit needs CAP_SYS_RESOURCE)",
			    i, rt_rlimit_name(rl->resource), (unsigned long long)rl->hard,
			    (unsigned long long)cur.rlim_max);
		return pp_error(err, errno,
		                "process.rlimits[%zu]: setrlimit %s soft %llu hard %llu", i,
		                rt_rlimit_name(rl->resource), (unsigned long long)rl->soft,
		                (unsigned long long)rl->hard);
	}
	return 0;
}

static int apply_oom_score_adj(const struct rt_process *p, struct pp_error *err)
{
	char buf[32];
	int fd, n, r = 0;

	if (!p->has_oom_score_adj)
		return 0;
	fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "process.oomScoreAdj: open /proc/self/oom_score_adj");
	n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	if (write(fd, buf, (size_t)n) < 0) {
		int e = errno;
		char cur[32] = "?";
		ssize_t k = pread(fd, cur, sizeof(cur) - 1, 0);

		cur[k > 0 ? k : 1] = '\0';
		cur[strcspn(cur, "\n")] = '\0';
		r = pp_error(err, e,
		             "process.oomScoreAdj: cannot set %d (current %s; lowering it needs "
		             "CAP_SYS_RESOURCE)",
		             p->oom_score_adj, cur);
	}
	(void)close(fd);
	return r;
}

static int apply_user(const struct rt_process *p, struct pp_error *err)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return pp_error(err, errno, "prctl PR_SET_KEEPCAPS");
	if (setgroups(p->n_additional_gids, p->additional_gids) < 0)
		return pp_error(err, errno, "setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return pp_error(err, errno, "setgid %u", (unsigned)p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return pp_error(err, errno, "setuid %u", (unsigned)p->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return pp_error(err, errno, "prctl PR_SET_KEEPCAPS");
	return 0;
}

int rt_process_apply(const struct rt_process *p, struct pp_error *err)
{
	static const struct rt_caps no_caps;
	const struct rt_caps *caps = p->has_caps ? &p->caps : &no_caps;
	int r;

	r = apply_rlimits(p, err);
	if (r >= 0)
		r = apply_oom_score_adj(p, err);
	if (r >= 0)
		r = rt_kopts_apply_process(p, err);
	if (r >= 0)
		r = rt_caps_drop_bounding(caps, err);
	if (r >= 0)
		r = apply_user(p, err);
	if (r >= 0)
		r = rt_caps_apply(caps, err);
	if (r < 0)
		return r;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return pp_error(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
	/* runc's default when user.umask is absent. */
	(void)umask(p->has_umask ? p->umask : 0022);
	if (chdir(p->cwd) < 0)
		return pp_error(err, errno, "chdir to cwd '%s'", p->cwd);
	return 0;
}

void rt_signals_reset(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL); /* EINVAL for the libc-reserved ones */
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

static const char *env_path(char *const *env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			return env[i] + 5;
	return DEFAULT_PATH;
}

static bool is_executable(const char *path, int *saved)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			*saved = errno;
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		*saved = EACCES;
		return false;
	}
	if (access(path, X_OK) < 0) {
		*saved = errno;
		return false;
	}
	return true;
}

int rt_process_find(const struct rt_process *p, char ret[PATH_MAX], struct pp_error *err)
{
	const char *name = p->args[0];
	int saved = ENOENT;

	if (strchr(name, '/') != NULL) {
		size_t len = strlen(name);

		if (len >= PATH_MAX)
			return pp_error(err, ENAMETOOLONG, "exec: \"%s\"", name);
		if (!is_executable(name, &saved))
			return pp_error(err, saved, "exec: \"%s\"", name);
		memcpy(ret, name, len + 1);
		return 0;
	}
	for (const char *dir = env_path(p->env); dir != NULL;) {
		const char *end = strchr(dir, ':');
		size_t len = end ? (size_t)(end - dir) : strlen(dir);

		if (snprintf(ret, PATH_MAX, "%.*s/%s", (int)len, len ? dir : ".", name) <
		        PATH_MAX &&
		    is_executable(ret, &saved))
			return 0;
		dir = end ? end + 1 : NULL;
	}
	if (saved == ENOENT)
		return pp_error_msg(err, ENOENT, "exec: \"%s\": executable file not found in $PATH",
		                    name);
	return pp_error(err, saved, "exec: \"%s\"", name);
}

char *rt_passwd_field(uid_t uid, unsigned int field)
{
	cleanup_fclose FILE *f = fopen("/etc/passwd", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;

	while (field < 7 && f != NULL && getline(&line, &cap, f) > 0) {
		char *fields[7] = {0}, *t = line;
		unsigned int n = 0;

		line[strcspn(line, "\n")] = '\0';
		/* strsep keeps empty fields (a blank gecos) */
		while (n < 7 && (fields[n] = strsep(&t, ":")) != NULL)
			n++;
		if (n > field && n >= 3 && fields[2][0] != '\0' &&
		    strtoul(fields[2], NULL, 10) == uid)
			return xstrdup(fields[field]);
	}
	return NULL;
}

/* The home folder of uid in the container's /etc/passwd (we run inside
 * its rootfs), "/" when none: what runc and crun give a process whose
 * environment has no HOME. Caller frees. */
static char *home_of(uid_t uid)
{
	char *home = rt_passwd_field(uid, 5);

	if (home != NULL && home[0] == '/')
		return home;
	free(home);
	return xstrdup("/");
}

void rt_process_default_home(struct rt_process *p)
{
	cleanup_free char *home = NULL, *var = NULL;

	for (size_t i = 0; p->env != NULL && p->env[i] != NULL; i++)
		if (strncmp(p->env[i], "HOME=", 5) == 0)
			return;
	home = home_of(p->uid);
	var = xstrfmt("HOME=%s", home);
	strv_push(&p->env, var);
}

int rt_process_exec(const struct rt_process *p, struct pp_error *err)
{
	static char *const empty_env[] = {NULL};
	char path[PATH_MAX];
	int r = rt_process_find(p, path, err);

	if (r < 0)
		return r;
	execve(path, p->args, p->env ? p->env : empty_env);
	return pp_error(err, errno, "exec: \"%s\"", path);
}

int rt_process_apply_and_exec(const struct rt_process *p, struct pp_error *err)
{
	int r = rt_process_apply(p, err);

	if (r < 0)
		return r;
	return rt_process_exec(p, err);
}
