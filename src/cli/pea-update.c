/* SPDX-License-Identifier: Apache-2.0 */
/* pea update: runc's flags, or --resources FILE|- (a linux.resources JSON
 * object, the other flags then ignored as runc does), turned into one
 * linux.resources object for rt_container_update(). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/pea-cli.h"
#include "runtime/runtime.h"
#include "util/error.h"
#include "util/json.h"

/* How a flag's value is read. */
enum kind { K_UINT, K_INT, K_STR, K_BYTES };

struct update_flag {
	const char *name;
	const char *group; /* member of linux.resources */
	const char *key;
	enum kind kind;
};

static const struct update_flag flags[] = {
    {"blkio-weight", "blockIO", "weight", K_UINT},
    {"cpu-period", "cpu", "period", K_UINT},
    {"cpu-quota", "cpu", "quota", K_INT},
    {"cpu-share", "cpu", "shares", K_UINT},
    {"cpu-shares", "cpu", "shares", K_UINT},
    {"cpu-rt-period", "cpu", "realtimePeriod", K_UINT},
    {"cpu-rt-runtime", "cpu", "realtimeRuntime", K_INT},
    {"cpuset-cpus", "cpu", "cpus", K_STR},
    {"cpuset-mems", "cpu", "mems", K_STR},
    {"memory", "memory", "limit", K_BYTES},
    {"memory-reservation", "memory", "reservation", K_BYTES},
    {"memory-swap", "memory", "swap", K_BYTES},
    {"kernel-memory", "memory", "kernel", K_BYTES},
    {"kernel-memory-tcp", "memory", "kernelTCP", K_BYTES},
    {"pids-limit", "pids", "limit", K_INT},
};

#define N_FLAGS    (sizeof(flags) / sizeof(flags[0]))
#define OPT_RDT    'R'
#define UPDATE_USE "usage: pea update [--resources FILE|-] [--memory BYTES ...] ID"

/* docker's units.RAMInBytes, as runc reads sizes: "512", "1.5g", "100 MiB",
 * binary multiples; and "-1" for unlimited. */
static int parse_bytes(const char *s, int64_t *ret)
{
	static const char units[] = "kmgtp";
	char *end = NULL;
	double v;
	const char *u;

	if (strcmp(s, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0)
		return -EINVAL;
	if (*end == ' ')
		end++;
	if (*end != '\0' && (u = strchr(units, end[0] | 0x20)) != NULL) {
		for (const char *k = units; k <= u; k++)
			v *= 1024;
		end++;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0' || v >= 9.2e18)
		return -EINVAL;
	*ret = (int64_t)v;
	return 0;
}

/* One flag's value as JSON, or NULL when it is not one. */
static json_object *flag_value(const struct update_flag *f, const char *s)
{
	char *end = NULL;
	int64_t b;

	errno = 0;
	switch (f->kind) {
	case K_STR:
		return json_object_new_string(s);
	case K_BYTES:
		return parse_bytes(s, &b) == 0 ? json_object_new_int64(b) : NULL;
	case K_INT:
		b = strtoll(s, &end, 10);
		return errno == 0 && end != s && *end == '\0' ? json_object_new_int64(b) : NULL;
	case K_UINT:
		if (s[0] == '-')
			return NULL;
		b = (int64_t)strtoull(s, &end, 10);
		return errno == 0 && end != s && *end == '\0' && b >= 0 ? json_object_new_int64(b)
		                                                        : NULL;
	}
	return NULL;
}

/* Set res.<group>.<key> from flag f's value. 0, or 1 after reporting. */
static int set_flag(json_object *res, const struct update_flag *f, const char *s)
{
	json_object *v = flag_value(f, s), *group;

	if (v == NULL)
		return pea_failf("invalid value for %s: '%s'", f->name, s);
	group = json_get_obj(res, f->group);
	if (group == NULL) {
		group = json_object_new_object();
		json_object_object_add(res, f->group, group);
	}
	json_object_object_add(group, f->key, v);
	return 0;
}

/* The --resources document: a file, or stdin for "-". */
static int read_resources(const char *path, json_object **ret, struct pp_error *err)
{
	return json_parse_file(strcmp(path, "-") == 0 ? "/dev/stdin" : path, 4u << 20, ret, err);
}

/* Parse the options into *ret (owned) and leave optind at the id. */
static int parse_update(int argc, char **argv, json_object **ret)
{
	struct option opts[N_FLAGS + 4] = {{"resources", required_argument, NULL, 'r'}};
	json_object *res = json_object_new_object();
	const char *file = NULL;
	int c, rc = 0;

	for (size_t i = 0; i < N_FLAGS; i++)
		opts[i + 1] = (struct option){flags[i].name, required_argument, NULL, (int)(i + 1)};
	opts[N_FLAGS + 1] = (struct option){"l3-cache-schema", required_argument, NULL, OPT_RDT};
	opts[N_FLAGS + 2] = (struct option){"mem-bw-schema", required_argument, NULL, OPT_RDT};
	while (rc == 0 && (c = getopt_long(argc, argv, "+r:", opts, NULL)) != -1) {
		if (c == 'r')
			file = optarg;
		else if (c == OPT_RDT)
			rc = pea_failf("--l3-cache-schema, --mem-bw-schema: Intel RDT is not "
			               "supported by pea");
		else if (c >= 1 && (size_t)c <= N_FLAGS)
			rc = set_flag(res, &flags[c - 1], optarg);
		else
			rc = pea_failf(UPDATE_USE);
	}
	if (rc == 0 && optind + 1 != argc)
		rc = pea_failf(UPDATE_USE);
	if (rc == 0 && file != NULL) {
		struct pp_error err = {0};

		json_object_put(res);
		res = NULL;
		if (read_resources(file, &res, &err) < 0)
			rc = pea_failf("--resources %s: %s", file, err.msg);
	}
	if (rc != 0) {
		json_object_put(res);
		return rc;
	}
	*ret = res;
	return 0;
}

int pea_cmd_update(int argc, char **argv)
{
	struct pp_error err = {0};
	json_object *res = NULL;
	int r;

	if (parse_update(argc, argv, &res) != 0)
		return 1;
	pea_debugf("update resources: %s", json_object_to_json_string(res));
	if (pea_require_live(argv[optind]) != 0) {
		json_object_put(res);
		return 1;
	}
	r = rt_container_update(arg_root, argv[optind], res, &err);
	json_object_put(res);
	return r < 0 ? pea_fail(&err) : 0;
}
