/* SPDX-License-Identifier: Apache-2.0 */
/* Device rules (config-linux.md "Device allowlist" and "Devices"): parsing,
 * runc's default allow list, the replay of a rule list as the v1 devices
 * controller keeps it, and the same verdicts as a cgroup v2 eBPF device
 * program, built by hand from raw instructions. Pure: no syscalls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <sys/stat.h>

#include "runtime/internal.h"
#include "util/error.h"
#include "util/xalloc.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* runc 1.1 libcontainer/specconv AllowedDevices, appended after the
 * config's rules (runc 1.1.5 writes exactly these to devices.allow). A
 * rule with a path is dropped when linux.devices defines that path. */
static const struct {
	const char *path;
	struct rt_dev_rule rule;
} default_rules[] = {
    {NULL, {'c', RT_DEV_WILDCARD, RT_DEV_WILDCARD, RT_DEV_ACC_MKNOD, true}},
    {NULL, {'b', RT_DEV_WILDCARD, RT_DEV_WILDCARD, RT_DEV_ACC_MKNOD, true}},
    {"/dev/null", {'c', 1, 3, RT_DEV_ACC_ALL, true}},
    {"/dev/random", {'c', 1, 8, RT_DEV_ACC_ALL, true}},
    {"/dev/full", {'c', 1, 7, RT_DEV_ACC_ALL, true}},
    {"/dev/tty", {'c', 5, 0, RT_DEV_ACC_ALL, true}},
    {"/dev/zero", {'c', 1, 5, RT_DEV_ACC_ALL, true}},
    {"/dev/urandom", {'c', 1, 9, RT_DEV_ACC_ALL, true}},
    {NULL, {'c', 136, RT_DEV_WILDCARD, RT_DEV_ACC_ALL, true}}, /* /dev/pts/N */
    {NULL, {'c', 5, 2, RT_DEV_ACC_ALL, true}},                 /* /dev/ptmx */
    {NULL, {'c', 10, 200, RT_DEV_ACC_ALL, true}},              /* /dev/net/tun */
};

static int parse_access(const char *s, unsigned *ret)
{
	unsigned a = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s == 'r')
			a |= RT_DEV_ACC_READ;
		else if (*s == 'w')
			a |= RT_DEV_ACC_WRITE;
		else if (*s == 'm')
			a |= RT_DEV_ACC_MKNOD;
		else
			return -EINVAL;
	}
	*ret = a;
	return 0;
}

/* major/minor of a rule: absent or -1 (runc's Wildcard, what Docker writes
 * for '*') is any; another negative number, or one past 32 bits, is bad. */
static int parse_number(json_object *o, const char *path, const char *key, bool wildcard,
                        int64_t *ret, struct pp_error *err)
{
	json_object *v;
	int64_t n;
	int r = rt_json_member(o, path, key, json_type_int, &v, err);

	if (r < 0)
		return r;
	if (r == 0) {
		if (!wildcard)
			return pp_error_msg(err, EINVAL, "%s.%s: Required value", path, key);
		*ret = RT_DEV_WILDCARD;
		return 0;
	}
	n = json_object_get_int64(v);
	if (wildcard && n == RT_DEV_WILDCARD) {
		*ret = n;
		return 0;
	}
	if (n < 0 || n > (int64_t)UINT32_MAX - (wildcard ? 1 : 0))
		return pp_error_msg(err, EINVAL, "%s.%s: invalid %lld", path, key, (long long)n);
	*ret = n;
	return 0;
}

static int parse_rule_type(json_object *e, const char *path, char *ret, struct pp_error *err)
{
	json_object *v;
	const char *s;
	int r = rt_json_member(e, path, "type", json_type_string, &v, err);

	if (r < 0)
		return r;
	s = r > 0 ? json_object_get_string(v) : "a";
	if (strcmp(s, "a") != 0 && strcmp(s, "b") != 0 && strcmp(s, "c") != 0)
		return pp_error_msg(err, EINVAL, "%s.type: invalid '%s'", path, s);
	*ret = s[0];
	return 0;
}

static int parse_rule(json_object *e, size_t i, struct rt_dev_rule *ret, struct pp_error *err)
{
	struct rt_dev_rule d = {0};
	char path[64];
	json_object *v;
	int r;

	(void)snprintf(path, sizeof(path), "linux.resources.devices[%zu]", i);
	if (!json_object_is_type(e, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", path);
	r = rt_json_member(e, path, "allow", json_type_boolean, &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.allow: Required value", path);
	if (r < 0)
		return r;
	d.allow = json_object_get_boolean(v);
	r = parse_rule_type(e, path, &d.type, err);
	if (r >= 0)
		r = parse_number(e, path, "major", true, &d.major, err);
	if (r >= 0)
		r = parse_number(e, path, "minor", true, &d.minor, err);
	if (r >= 0)
		r = rt_json_member(e, path, "access", json_type_string, &v, err);
	if (r < 0)
		return r;
	/* An absent access (OPTIONAL in the spec) is every access, as in
	 * containerd's and Docker's "deny all" rule; an empty one is refused,
	 * as runc does. */
	d.access = RT_DEV_ACC_ALL;
	if (r > 0 && parse_access(json_object_get_string(v), &d.access) < 0)
		return pp_error_msg(err, EINVAL, "%s.access: invalid '%s'", path,
		                    json_object_get_string(v));
	/* The kernel reads any 'a' rule as "all devices", numbers or not:
	 * refuse numbers that it would silently ignore. */
	if (d.type == 'a' && (d.major != RT_DEV_WILDCARD || d.minor != RT_DEV_WILDCARD))
		return pp_error_msg(err, EINVAL,
		                    "%s: type 'a' (all devices) takes no major or minor", path);
	*ret = d;
	return 0;
}

static bool redefined(const char *path, const struct rt_device *devs, size_t n_devs)
{
	for (size_t i = 0; path != NULL && i < n_devs; i++)
		if (strcmp(devs[i].path, path) == 0)
			return true;
	return false;
}

int rt_dev_rules_parse(json_object *arr, const struct rt_device *devs, size_t n_devs,
                       struct rt_dev_rule **ret, size_t *ret_n, struct pp_error *err)
{
	size_t n = arr != NULL ? json_object_array_length(arr) : 0, k = 0;
	struct rt_dev_rule *rules;

	if (n > RT_MAX_ARRAY)
		return pp_error_msg(err, EINVAL, "linux.resources.devices: more than %u entries",
		                    RT_MAX_ARRAY);
	rules = xcalloc(n + N_OF(default_rules), sizeof(*rules));
	for (size_t i = 0; i < n; i++) {
		int r = parse_rule(json_object_array_get_idx(arr, i), i, &rules[k++], err);

		if (r < 0) {
			free(rules);
			return r;
		}
	}
	for (size_t i = 0; i < N_OF(default_rules); i++)
		if (!redefined(default_rules[i].path, devs, n_devs))
			rules[k++] = default_rules[i].rule;
	*ret = rules;
	*ret_n = k;
	return 0;
}

void rt_dev_rule_format(const struct rt_dev_rule *r, char buf[64])
{
	char maj[16] = "*", min[16] = "*", acc[4];
	size_t n = 0;

	if (r->type == 'a') {
		(void)snprintf(buf, 64, "a");
		return;
	}
	if (r->major != RT_DEV_WILDCARD)
		(void)snprintf(maj, sizeof(maj), "%lld", (long long)r->major);
	if (r->minor != RT_DEV_WILDCARD)
		(void)snprintf(min, sizeof(min), "%lld", (long long)r->minor);
	if (r->access & RT_DEV_ACC_READ)
		acc[n++] = 'r';
	if (r->access & RT_DEV_ACC_WRITE)
		acc[n++] = 'w';
	if (r->access & RT_DEV_ACC_MKNOD)
		acc[n++] = 'm';
	acc[n] = '\0';
	(void)snprintf(buf, 64, "%c %s:%s %s", r->type, maj, min, acc);
}

void rt_dev_policy_clear(struct rt_dev_policy *p)
{
	free(p->ex);
	memset(p, 0, sizeof(*p));
}

static struct rt_dev_rule *find_exact(struct rt_dev_policy *p, char type, int64_t major,
                                      int64_t minor)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ex[i].type == type && p->ex[i].major == major && p->ex[i].minor == minor)
			return &p->ex[i];
	return NULL;
}

static void add_exception(struct rt_dev_policy *p, const struct rt_dev_rule *r)
{
	struct rt_dev_rule *e = find_exact(p, r->type, r->major, r->minor);

	if (e != NULL) {
		e->access |= r->access;
		return;
	}
	p->ex = xrealloc(p->ex, (p->n + 1) * sizeof(*p->ex));
	p->ex[p->n] = *r;
	p->ex[p->n++].allow = !p->default_allow;
}

static bool covers(int64_t wide, int64_t narrow)
{
	return wide == RT_DEV_WILDCARD || wide == narrow;
}

/* v1 only takes away an exception of exactly the rule's type and numbers:
 * a wider one (c 10:* when denying c 10:232) stays whole, and so does a
 * narrower allow one (c 10:232 when denying c 10:*). Such a rule would not
 * do what it says, so it is refused; the first case is runc's emulator
 * check, the second keeps a whitelist from allowing what a rule denies. */
static const struct rt_dev_rule *unremovable(const struct rt_dev_policy *p,
                                             const struct rt_dev_rule *r)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct rt_dev_rule *e = &p->ex[i];
		bool exact = e->major == r->major && e->minor == r->minor;

		if (e->type != r->type || exact || !(e->access & r->access))
			continue;
		if (covers(e->major, r->major) && covers(e->minor, r->minor))
			return e;
		if (!p->default_allow && covers(r->major, e->major) && covers(r->minor, e->minor))
			return e;
	}
	return NULL;
}

static int remove_exception(struct rt_dev_policy *p, const struct rt_dev_rule *r, size_t i,
                            size_t n_config, struct pp_error *err)
{
	const struct rt_dev_rule *bad = unremovable(p, r);
	struct rt_dev_rule *e;

	if (bad != NULL) {
		char rb[64], eb[64], where[64];

		rt_dev_rule_format(r, rb);
		rt_dev_rule_format(bad, eb);
		if (i < n_config)
			(void)snprintf(where, sizeof(where), "linux.resources.devices[%zu]", i);
		else
			(void)snprintf(where, sizeof(where), "linux.resources.devices");
		return pp_error_msg(err, EINVAL,
		                    "%s: %s '%s' cannot take away part of the earlier rule '%s' "
		                    "(the cgroup v1 devices controller would ignore it)",
		                    where, r->allow ? "allowing" : "denying", rb, eb);
	}
	e = find_exact(p, r->type, r->major, r->minor);
	if (e == NULL)
		return 0;
	e->access &= ~r->access;
	if (e->access == 0)
		*e = p->ex[--p->n];
	return 0;
}

int rt_dev_policy_compute(const struct rt_dev_rule *rules, size_t n, size_t n_config,
                          struct rt_dev_policy *ret, struct pp_error *err)
{
	struct rt_dev_policy p = {.default_allow = false};

	for (size_t i = 0; i < n; i++) {
		const struct rt_dev_rule *r = &rules[i];
		int rc;

		if (r->type == 'a') {
			free(p.ex);
			p.ex = NULL;
			p.n = 0;
			p.default_allow = r->allow;
			continue;
		}
		if (r->allow != p.default_allow) {
			add_exception(&p, r);
			continue;
		}
		rc = remove_exception(&p, r, i, n_config, err);
		if (rc < 0) {
			rt_dev_policy_clear(&p);
			return rc;
		}
	}
	*ret = p;
	return 0;
}

/* The kernel's match_exception (default deny: one exception must cover the
 * whole access) and match_exception_partial (default allow: any overlap
 * with a deny exception denies), security/device_cgroup.c. */
bool rt_dev_policy_allows(const struct rt_dev_policy *p, char type, uint32_t major, uint32_t minor,
                          unsigned access)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct rt_dev_rule *e = &p->ex[i];

		if (e->type != type || !covers(e->major, major) || !covers(e->minor, minor))
			continue;
		if (!p->default_allow && (access & ~e->access) == 0)
			return true;
		if (p->default_allow && (access & e->access) != 0)
			return false;
	}
	return p->default_allow;
}

/* ---- the eBPF program ---- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};

	return i;
}

/* Registers: r1 = struct bpf_cgroup_dev_ctx *, r2 = access, r3 = type,
 * r4 = major, r5 = minor, r6 = scratch. */
static size_t emit_prologue(struct bpf_insn *o)
{
	size_t k = 0;

	o[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0); /* access_type */
	o[k++] = insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	o[k++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_3, 0, 0, 0xffff);
	o[k++] = insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_2, 0, 0, 16);
	o[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	o[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
	return k;
}

/* One exception: each test that fails jumps past the block's end; a block
 * that runs to its end returns the exception's verdict. */
static size_t emit_exception(struct bpf_insn *o, const struct rt_dev_rule *e, bool default_allow)
{
	struct bpf_insn t[8];
	size_t n = 0;
	bool check_access = e->access != RT_DEV_ACC_ALL;

	t[n++] = insn(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_3, 0, 0,
	              e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (e->major != RT_DEV_WILDCARD)
		t[n++] = insn(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t)e->major);
	if (e->minor != RT_DEV_WILDCARD)
		t[n++] = insn(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t)e->minor);
	if (check_access) {
		/* allow: no bit outside the exception's; deny: any bit of it */
		t[n++] = insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_2, 0, 0);
		t[n++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_6, 0, 0,
		              (int32_t)(default_allow ? e->access : ~e->access & RT_DEV_ACC_ALL));
		t[n++] = insn(BPF_JMP32 | (default_allow ? BPF_JEQ : BPF_JNE) | BPF_K, BPF_REG_6, 0,
		              0, 0);
	}
	t[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, default_allow ? 0 : 1);
	t[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i + 2 < n; i++)
		if (BPF_CLASS(t[i].code) == BPF_JMP32)
			t[i].off = (int16_t)(n - i - 1);
	memcpy(o, t, n * sizeof(*t));
	return n;
}

void rt_dev_bpf_build(const struct rt_dev_policy *p, void **ret, size_t *ret_n)
{
	struct bpf_insn *o = xcalloc(6 + 8 * p->n + 2, sizeof(*o));
	size_t k = emit_prologue(o);

	for (size_t i = 0; i < p->n; i++)
		k += emit_exception(o + k, &p->ex[i], p->default_allow);
	o[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, p->default_allow ? 1 : 0);
	o[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	*ret = o;
	*ret_n = k;
}

/* ---- linux.devices ---- */

void rt_devices_free(struct rt_device *d, size_t n)
{
	for (size_t i = 0; d != NULL && i < n; i++)
		free(d[i].path);
	free(d);
}

static int parse_device_path(json_object *e, const char *path, char **ret, struct pp_error *err)
{
	json_object *v;
	const char *s, *base;
	int r = rt_json_member(e, path, "path", json_type_string, &v, err);

	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.path: Required value", path);
	if (r < 0)
		return r;
	s = json_object_get_string(v);
	base = strrchr(s, '/');
	if (s[0] != '/' || base == NULL || strcmp(base, "/") == 0 || strcmp(base, "/.") == 0 ||
	    strcmp(base, "/..") == 0 || strlen(s) >= PATH_MAX)
		return pp_error_msg(err, EINVAL, "%s.path: '%s' is not an absolute path to a file",
		                    path, s);
	*ret = xstrdup(s);
	return 0;
}

static int parse_device_type(json_object *e, const char *path, char *ret, struct pp_error *err)
{
	json_object *v;
	const char *s;
	int r = rt_json_member(e, path, "type", json_type_string, &v, err);

	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.type: Required value", path);
	if (r < 0)
		return r;
	s = json_object_get_string(v);
	if (strcmp(s, "c") != 0 && strcmp(s, "u") != 0 && strcmp(s, "b") != 0 &&
	    strcmp(s, "p") != 0)
		return pp_error_msg(err, EINVAL, "%s.type: invalid '%s'", path, s);
	*ret = s[0];
	if (*ret == 'u')
		*ret = 'c';
	return 0;
}

static int parse_id(json_object *e, const char *path, const char *key, uint32_t *ret,
                    struct pp_error *err)
{
	json_object *v;
	int r = rt_json_member(e, path, key, json_type_int, &v, err);

	if (r <= 0)
		return r;
	if (json_object_get_int64(v) < 0 || json_object_get_int64(v) >= (int64_t)UINT32_MAX)
		return pp_error_msg(err, EINVAL, "%s.%s: invalid %lld", path, key,
		                    (long long)json_object_get_int64(v));
	*ret = (uint32_t)json_object_get_int64(v);
	return 0;
}

static int parse_device(json_object *e, size_t i, struct rt_device *d, struct pp_error *err)
{
	char path[48];
	int r;

	(void)snprintf(path, sizeof(path), "linux.devices[%zu]", i);
	if (!json_object_is_type(e, json_type_object))
		return pp_error_msg(err, EINVAL, "%s: expected an object", path);
	d->mode = 0666;
	r = parse_device_path(e, path, &d->path, err);
	if (r >= 0)
		r = parse_device_type(e, path, &d->type, err);
	if (r >= 0 && d->type != 'p')
		r = parse_number(e, path, "major", false, &d->major, err);
	if (r >= 0 && d->type != 'p')
		r = parse_number(e, path, "minor", false, &d->minor, err);
	if (r >= 0)
		r = parse_id(e, path, "fileMode", &d->mode, err);
	d->mode &= ~(uint32_t)S_IFMT; /* as runc: the type comes from "type" */
	if (r >= 0 && d->mode > 07777)
		r = pp_error_msg(err, EINVAL, "%s.fileMode: invalid %#o", path, d->mode);
	if (r >= 0)
		r = parse_id(e, path, "uid", &d->uid, err);
	if (r >= 0)
		r = parse_id(e, path, "gid", &d->gid, err);
	return r < 0 ? r : 0;
}

int rt_devices_parse(json_object *arr, struct rt_device **ret, size_t *ret_n, struct pp_error *err)
{
	size_t n = arr != NULL ? json_object_array_length(arr) : 0;
	struct rt_device *d;

	*ret = NULL;
	*ret_n = 0;
	if (n > RT_MAX_ARRAY)
		return pp_error_msg(err, EINVAL, "linux.devices: more than %u entries",
		                    RT_MAX_ARRAY);
	if (n == 0)
		return 0;
	d = xcalloc(n, sizeof(*d));
	for (size_t i = 0; i < n; i++) {
		int r = parse_device(json_object_array_get_idx(arr, i), i, &d[i], err);

		if (r < 0) {
			rt_devices_free(d, n);
			return r;
		}
	}
	*ret = d;
	*ret_n = n;
	return 0;
}
