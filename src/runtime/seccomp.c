/* SPDX-License-Identifier: Apache-2.0 */
/* linux.seccomp (config-linux.md "Seccomp"): the JSON profile → a plain
 * struct (validated, with field paths in errors), → a libseccomp filter
 * built by the parent, → loaded by the container process as late as its
 * privileges allow (runc's order). Syscall names this libseccomp or arch
 * does not know are skipped, as runc does. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

#if HAVE_SECCOMP
#include <seccomp.h>
#endif

#define N_OF(a)          (sizeof(a) / sizeof((a)[0]))
#define SCMP_MAX_ARG     6
#define SCMP_MAX_ERRNO   4095
#define SCMP_ARCH_PREFIX "SCMP_ARCH_"

/* The spec's older name for SCMP_ACT_KILL_THREAD. */
#define ACTION_KILL_ALIAS "SCMP_ACT_KILL"

static const char *const action_names[] = {
    [RT_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [RT_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [RT_SCMP_TRAP] = "SCMP_ACT_TRAP",
    [RT_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
    [RT_SCMP_TRACE] = "SCMP_ACT_TRACE",
    [RT_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
    [RT_SCMP_LOG] = "SCMP_ACT_LOG",
    [RT_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const op_names[] = {
    [RT_SCMP_OP_NE] = "SCMP_CMP_NE",
    [RT_SCMP_OP_LT] = "SCMP_CMP_LT",
    [RT_SCMP_OP_LE] = "SCMP_CMP_LE",
    [RT_SCMP_OP_EQ] = "SCMP_CMP_EQ",
    [RT_SCMP_OP_GE] = "SCMP_CMP_GE",
    [RT_SCMP_OP_GT] = "SCMP_CMP_GT",
    [RT_SCMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* The spec's architecture names (config-linux.md). */
static const char *const arch_names[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};

/* libseccomp's token for a spec architecture name, 0 when it has none. */
static uint32_t arch_token(const char *spec_name)
{
	char name[32];

	(void)snprintf(name, sizeof(name), "%s", spec_name + strlen(SCMP_ARCH_PREFIX));
	for (char *c = name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return seccomp_arch_resolve_name(name);
}

static const struct {
	const char *name;
	unsigned flag;
} flag_names[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", RT_SCMP_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", RT_SCMP_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", RT_SCMP_FLAG_SPEC_ALLOW},
};

const char **rt_seccomp_names(enum rt_seccomp_names which)
{
	size_t n = N_OF(action_names) + N_OF(op_names) + N_OF(flag_names) + N_OF(arch_names) + 1,
	       k = 0;
	const char **v = xcalloc(n + 1, sizeof(*v));

	if (which == RT_SECCOMP_ACTIONS) {
		for (size_t i = 0; i < N_OF(action_names); i++)
			v[k++] = action_names[i];
		v[k++] = ACTION_KILL_ALIAS;
	} else if (which == RT_SECCOMP_OPS) {
		for (size_t i = 0; i < N_OF(op_names); i++)
			v[k++] = op_names[i];
	} else if (which == RT_SECCOMP_ARCHES) {
		for (size_t i = 0; i < N_OF(arch_names); i++)
			if (arch_token(arch_names[i]) != 0)
				v[k++] = arch_names[i];
	} else {
		for (size_t i = 0; i < N_OF(flag_names); i++)
			v[k++] = flag_names[i].name;
	}
	strv_sort((char **)v); /* only the pointers move */
	return v;
}

void rt_seccomp_free(struct rt_seccomp *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		strv_free(s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	strv_free(s->arches);
	free(s->listener_path);
	free(s->listener_metadata);
	free(s);
}

static void seccomp_freep(struct rt_seccomp **s)
{
	rt_seccomp_free(*s);
}

/* Where an action sits in its object: the action's key, its errno's key. */
struct action_keys {
	const char *key;     /* "action", "defaultAction" */
	const char *ret_key; /* "errnoRet", "defaultErrnoRet" */
	bool required;
};

/* An action string (+ its errnoRet) at path. */
static int parse_action(json_object *o, const char *path, const struct action_keys *keys,
                        int *ret_action, uint32_t *ret_errno, struct pp_error *err)
{
	const char *key = keys->key, *ret_key = keys->ret_key;
	json_object *v;
	const char *name;
	int64_t e;
	int r = rt_json_member(o, path, key, json_type_string, &v, err);

	if (r == 0 && keys->required)
		return pp_error_msg(err, EINVAL, "%s.%s: Required value", path, key);
	if (r <= 0)
		return r;
	name = json_object_get_string(v);
	if (strcmp(name, ACTION_KILL_ALIAS) == 0)
		name = "SCMP_ACT_KILL_THREAD";
	*ret_action = -1;
	for (size_t i = 0; i < N_OF(action_names); i++)
		if (strcmp(name, action_names[i]) == 0)
			*ret_action = (int)i;
	if (*ret_action == RT_SCMP_NOTIFY && strcmp(key, "defaultAction") == 0)
		return pp_error_msg(err, EINVAL,
		                    "%s.%s: SCMP_ACT_NOTIFY cannot be used as default action", path,
		                    key);
	if (*ret_action < 0)
		return pp_error_msg(err, EINVAL, "%s.%s: unknown action '%s'", path, key,
		                    json_object_get_string(v));
	*ret_errno = EPERM;
	r = rt_json_member(o, path, ret_key, json_type_int, &v, err);
	if (r < 0)
		return r;
	if (r > 0) {
		e = json_object_get_int64(v);
		if (e < 0 || e > SCMP_MAX_ERRNO)
			return pp_error_msg(err, EINVAL, "%s.%s: %lld out of range", path, ret_key,
			                    (long long)e);
		*ret_errno = (uint32_t)e;
	}
	return 1;
}

static int parse_arg(json_object *a, const char *path, struct rt_seccomp_arg *ret,
                     struct pp_error *err)
{
	json_object *v;
	int r;

	if (!json_object_is_type(a, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", path);
	r = rt_json_member(a, path, "index", json_type_int, &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.index: Required value", path);
	if (r < 0)
		return r;
	if (json_object_get_int64(v) < 0 || json_object_get_int64(v) >= SCMP_MAX_ARG)
		return pp_error_msg(err, EINVAL, "%s.index: %lld out of range (0-5)", path,
		                    (long long)json_object_get_int64(v));
	ret->index = (unsigned)json_object_get_int64(v);
	for (int k = 0; k < 2; k++) {
		const char *key = k == 0 ? "value" : "valueTwo";

		r = rt_json_member(a, path, key, json_type_int, &v, err);
		if (r < 0)
			return r;
		if (r > 0)
			*(k == 0 ? &ret->value : &ret->value_two) = json_object_get_uint64(v);
	}
	r = rt_json_member(a, path, "op", json_type_string, &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.op: Required value", path);
	if (r < 0)
		return r;
	for (size_t i = 0; i < N_OF(op_names); i++) {
		if (strcmp(json_object_get_string(v), op_names[i]) == 0) {
			ret->op = (int)i;
			return 0;
		}
	}
	return pp_error_msg(err, EINVAL, "%s.op: unknown operator '%s'", path,
	                    json_object_get_string(v));
}

static int parse_args(json_object *o, const char *path, struct rt_seccomp_syscall *sc,
                      struct pp_error *err)
{
	json_object *arr;
	char apath[96];
	size_t n;
	int r = rt_json_member(o, path, "args", json_type_array, &arr, err);

	if (r <= 0)
		return r;
	n = json_object_array_length(arr);
	if (n > 64)
		return pp_error_msg(err, EINVAL, "%s.args: too many", path);
	sc->args = xcalloc(n + 1, sizeof(*sc->args));
	for (size_t i = 0; i < n; i++) {
		(void)snprintf(apath, sizeof(apath), "%s.args[%zu]", path, i);
		r = parse_arg(json_object_array_get_idx(arr, i), apath, &sc->args[i], err);
		if (r < 0)
			return r;
		sc->n_args++;
	}
	return 0;
}

static int parse_syscall(json_object *o, size_t i, struct rt_seccomp_syscall *sc,
                         struct pp_error *err)
{
	char path[64];
	int r;

	(void)snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", path);
	r = rt_json_strv(o, path, "names", &sc->names, err);
	if (r < 0)
		return r;
	if (sc->names == NULL || sc->names[0] == NULL)
		return pp_error_msg(err, EINVAL, "%s.names: Required value", path);
	r = parse_action(o, path, &(const struct action_keys){"action", "errnoRet", true},
	                 &sc->action, &sc->errno_ret, err);
	if (r < 0)
		return r;
	/* runc's validator: the runtime itself must still write after loading. */
	for (size_t k = 0; sc->action == RT_SCMP_NOTIFY && sc->names[k] != NULL; k++)
		if (strcmp(sc->names[k], "write") == 0)
			return pp_error_msg(
			    err, EINVAL, "%s: SCMP_ACT_NOTIFY cannot be used for the write syscall",
			    path);
	return parse_args(o, path, sc, err);
}

static int parse_syscalls(json_object *o, struct rt_seccomp *s, struct pp_error *err)
{
	json_object *arr;
	size_t n;
	int r = rt_json_member(o, "linux.seccomp", "syscalls", json_type_array, &arr, err);

	if (r <= 0)
		return r;
	n = json_object_array_length(arr);
	if (n > RT_MAX_ARRAY)
		return pp_error_msg(err, EINVAL, "linux.seccomp.syscalls: more than %u entries",
		                    RT_MAX_ARRAY);
	s->syscalls = xcalloc(n + 1, sizeof(*s->syscalls));
	for (size_t i = 0; i < n; i++) {
		/* Counted first so rt_seccomp_free() frees a half-parsed one. */
		s->n_syscalls++;
		r = parse_syscall(json_object_array_get_idx(arr, i), i, &s->syscalls[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_arches(json_object *o, struct rt_seccomp *s, struct pp_error *err)
{
	int r = rt_json_strv(o, "linux.seccomp", "architectures", &s->arches, err);

	if (r <= 0)
		return r;
	for (size_t i = 0; s->arches[i] != NULL; i++) {
		const char *a = s->arches[i];
		bool ok = false;

		for (size_t k = 0; k < N_OF(arch_names); k++)
			if (strcmp(a, arch_names[k]) == 0)
				ok = true;
		if (!ok)
			return pp_error_msg(err, EINVAL,
			                    "linux.seccomp.architectures[%zu]: unknown '%s'", i, a);
	}
	return 0;
}

static int parse_flags(json_object *o, struct rt_seccomp *s, struct pp_error *err)
{
	cleanup_strv char **flags = NULL;
	int r = rt_json_strv(o, "linux.seccomp", "flags", &flags, err);

	if (r <= 0)
		return r;
	for (size_t i = 0; flags[i] != NULL; i++) {
		unsigned f = 0;

		for (size_t k = 0; k < N_OF(flag_names); k++)
			if (strcmp(flags[i], flag_names[k].name) == 0)
				f = flag_names[k].flag;
		if (f == 0)
			return pp_error_msg(err, EINVAL,
			                    "linux.seccomp.flags[%zu]: unsupported flag '%s'", i,
			                    flags[i]);
		s->flags |= f;
	}
	return 0;
}

/* listenerPath and listenerMetadata; the path is required once a syscall
 * is notified. */
static int parse_listener(json_object *o, struct rt_seccomp *s, struct pp_error *err)
{
	const char *p = "linux.seccomp";
	json_object *v;
	int r = rt_json_member(o, p, "listenerPath", json_type_string, &v, err);

	for (size_t i = 0; i < s->n_syscalls; i++)
		s->has_notify = s->has_notify || s->syscalls[i].action == RT_SCMP_NOTIFY;
	if (r > 0 && json_object_get_string_len(v) > 0)
		s->listener_path = xstrdup(json_object_get_string(v));
	if (r >= 0)
		r = rt_json_member(o, p, "listenerMetadata", json_type_string, &v, err);
	if (r > 0)
		s->listener_metadata = xstrdup(json_object_get_string(v));
	if (r >= 0 && s->has_notify && s->listener_path == NULL)
		return pp_error_msg(err, EINVAL,
		                    "%s.listenerPath: Required value with SCMP_ACT_NOTIFY", p);
	return r < 0 ? r : 0;
}

int rt_seccomp_parse(json_object *seccomp, struct rt_seccomp **ret, struct pp_error *err)
{
	cleanup_(seccomp_freep) struct rt_seccomp *s = xzalloc(sizeof(*s));
	const char *p = "linux.seccomp";
	int r;

	*ret = NULL;
	if (!json_object_is_type(seccomp, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", p);
	r = parse_action(seccomp, p,
	                 &(const struct action_keys){"defaultAction", "defaultErrnoRet", true},
	                 &s->default_action, &s->default_errno, err);
	if (r >= 0)
		r = parse_arches(seccomp, s, err);
	if (r >= 0)
		r = parse_flags(seccomp, s, err);
	if (r >= 0)
		r = parse_syscalls(seccomp, s, err);
	if (r >= 0)
		r = parse_listener(seccomp, s, err);
	if (r < 0)
		return r;
	*ret = take_ptr(&s);
	return 0;
}

int rt_seccomp_save(const char *state_dir, json_object *seccomp, struct pp_error *err)
{
	cleanup_free char *path = NULL;

	if (seccomp == NULL)
		return 0;
	path = xstrfmt("%s/seccomp.json", state_dir);
	return json_write_file(path, seccomp, err);
}

int rt_seccomp_load_saved(const char *state_dir, struct rt_seccomp **ret, struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/seccomp.json", state_dir);
	json_object *j = NULL;
	int r;

	*ret = NULL;
	r = json_parse_file(path, RT_CONFIG_MAX_BYTES, &j, err);
	if (r == -ENOENT) {
		pp_error_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	r = rt_seccomp_parse(j, ret, err);
	json_object_put(j);
	return r;
}

#if HAVE_SECCOMP

struct rt_seccomp_filter {
	scmp_filter_ctx ctx;
};

static uint32_t scmp_action(int action, uint32_t errno_ret)
{
	switch (action) {
	case RT_SCMP_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case RT_SCMP_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case RT_SCMP_TRAP:
		return SCMP_ACT_TRAP;
	case RT_SCMP_ERRNO:
		return SCMP_ACT_ERRNO(errno_ret);
	case RT_SCMP_TRACE:
		return SCMP_ACT_TRACE(errno_ret);
	case RT_SCMP_LOG:
		return SCMP_ACT_LOG;
	case RT_SCMP_NOTIFY:
		return SCMP_ACT_NOTIFY;
	default:
		return SCMP_ACT_ALLOW;
	}
}

static const enum scmp_compare scmp_ops[] = {
    [RT_SCMP_OP_NE] = SCMP_CMP_NE,
    [RT_SCMP_OP_LT] = SCMP_CMP_LT,
    [RT_SCMP_OP_LE] = SCMP_CMP_LE,
    [RT_SCMP_OP_EQ] = SCMP_CMP_EQ,
    [RT_SCMP_OP_GE] = SCMP_CMP_GE,
    [RT_SCMP_OP_GT] = SCMP_CMP_GT,
    [RT_SCMP_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static int add_arches(scmp_filter_ctx ctx, char **arches, struct pp_error *err)
{
	for (size_t i = 0; arches != NULL && arches[i] != NULL; i++) {
		uint32_t token = arch_token(arches[i]);
		int r;

		if (token == 0)
			continue; /* a spec arch this libseccomp does not know */
		r = seccomp_arch_add(ctx, token);
		if (r < 0 && r != -EEXIST)
			return pp_error(err, r, "linux.seccomp.architectures[%zu]: add '%s'", i,
			                arches[i]);
	}
	return 0;
}

/* As runc: conditions on distinct arguments are ANDed in one rule; when an
 * argument index repeats, each condition becomes a rule of its own (OR). */
static int add_syscall(scmp_filter_ctx ctx, const struct rt_seccomp_syscall *sc, int nr)
{
	struct scmp_arg_cmp conds[64];
	unsigned seen = 0;
	bool repeats = false;
	uint32_t act = scmp_action(sc->action, sc->errno_ret);
	int r;

	for (size_t i = 0; i < sc->n_args; i++) {
		const struct rt_seccomp_arg *a = &sc->args[i];

		conds[i] = (struct scmp_arg_cmp){a->index, scmp_ops[a->op], a->value, a->value_two};
		repeats = repeats || (seen & (1u << a->index)) != 0;
		seen |= 1u << a->index;
	}
	if (!repeats)
		return seccomp_rule_add_array(ctx, act, nr, (unsigned)sc->n_args, conds);
	for (size_t i = 0; i < sc->n_args; i++) {
		r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_syscalls(scmp_filter_ctx ctx, const struct rt_seccomp *s, struct pp_error *err)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct rt_seccomp_syscall *sc = &s->syscalls[i];

		/* libseccomp refuses a rule that repeats the default. */
		if (sc->action == s->default_action &&
		    ((sc->action != RT_SCMP_ERRNO && sc->action != RT_SCMP_TRACE) ||
		     sc->errno_ret == s->default_errno))
			continue;
		for (size_t k = 0; sc->names[k] != NULL; k++) {
			int nr = seccomp_syscall_resolve_name(sc->names[k]);
			int r;

			if (nr == __NR_SCMP_ERROR)
				continue; /* unknown here: skipped, as runc */
			r = add_syscall(ctx, sc, nr);
			if (r < 0)
				return pp_error(err, r,
				                "linux.seccomp.syscalls[%zu]: add rule for '%s'", i,
				                sc->names[k]);
		}
	}
	return 0;
}

static int set_attrs(scmp_filter_ctx ctx, unsigned flags, struct pp_error *err)
{
	int r;

	/* libseccomp would set no_new_privs on load: not ours to decide
	 * (runc clears it too). TSYNC is meaningless for one thread. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r >= 0 && (flags & RT_SCMP_FLAG_LOG))
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	if (r >= 0 && (flags & RT_SCMP_FLAG_SPEC_ALLOW))
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
	if (r < 0)
		return pp_error(err, r, "linux.seccomp.flags: not supported by this kernel");
	return 0;
}

int rt_seccomp_build(const struct rt_seccomp *s, struct rt_seccomp_filter **ret,
                     struct pp_error *err)
{
	struct rt_seccomp_filter *f;
	int r;

	*ret = NULL;
	if (s == NULL)
		return 0;
	f = xzalloc(sizeof(*f));
	f->ctx = seccomp_init(scmp_action(s->default_action, s->default_errno));
	if (f->ctx == NULL) {
		free(f);
		return pp_error_msg(err, EINVAL, "linux.seccomp.defaultAction: not supported");
	}
	r = set_attrs(f->ctx, s->flags, err);
	if (r >= 0)
		r = add_arches(f->ctx, s->arches, err);
	if (r >= 0)
		r = add_syscalls(f->ctx, s, err);
	if (r < 0) {
		rt_seccomp_filter_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

int rt_seccomp_load(struct rt_seccomp_filter *f, struct pp_error *err)
{
	int r;

	if (f == NULL)
		return 0;
	r = seccomp_load(f->ctx);
	if (r < 0)
		return pp_error(err, r, "load the seccomp filter");
	return 0;
}

int rt_seccomp_notify_fd(struct rt_seccomp_filter *f)
{
	int fd = seccomp_notify_fd(f->ctx);

	return fd < 0 ? (fd == -1 ? -EINVAL : fd) : fd;
}

void rt_seccomp_filter_free(struct rt_seccomp_filter *f)
{
	if (f == NULL)
		return;
	seccomp_release(f->ctx);
	free(f);
}

#else /* !HAVE_SECCOMP */

int rt_seccomp_build(const struct rt_seccomp *s, struct rt_seccomp_filter **ret,
                     struct pp_error *err)
{
	*ret = NULL;
	if (s == NULL)
		return 0;
	return pp_error_msg(err, EINVAL, "linux.seccomp: peapod was built without libseccomp");
}

int rt_seccomp_load(struct rt_seccomp_filter *f, struct pp_error *err)
{
	(void)f;
	(void)err;
	return 0;
}

int rt_seccomp_notify_fd(struct rt_seccomp_filter *f)
{
	(void)f;
	return -ENOSYS;
}

void rt_seccomp_filter_free(struct rt_seccomp_filter *f)
{
	(void)f;
}

#endif
