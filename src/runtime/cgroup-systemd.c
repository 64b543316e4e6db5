/* SPDX-License-Identifier: Apache-2.0 */
/* runc --systemd-cgroup: a linux.cgroupsPath "slice:prefix:name" laid out
 * as systemd lays out that unit (runc's systemd driver: ExpandSlice and
 * getUnitName), created by pea itself on cgroupfs: "a-b.slice:p:n" is
 * /a.slice/a-b.slice/p-n.scope. pea does not ask systemd for the unit. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice" ("-.slice" → ""), as
 * runc's ExpandSlice; -EINVAL for a name systemd would refuse. */
static int expand_slice(const char *slice, const char *spec, char **ret, struct pp_error *err)
{
	cleanup_free char *name = NULL;
	char *path = xstrdup("");
	size_t n;

	if (strcmp(slice, "-.slice") == 0) {
		*ret = path;
		return 0;
	}
	n = strlen(slice) - strlen(".slice");
	name = xstrndup(slice, n);
	if (n == 0 || strchr(name, '/') != NULL || name[0] == '-' || name[n - 1] == '-' ||
	    strstr(name, "--") != NULL) {
		free(path);
		return pp_error_msg(err, EINVAL, "linux.cgroupsPath: '%s': invalid slice name '%s'",
		                    spec, slice);
	}
	for (char *dash = name;; dash++) {
		char *old = path;

		dash = strchr(dash, '-');
		if (dash == NULL)
			break;
		path = xstrfmt("%s/%.*s.slice", old, (int)(dash - name), name);
		free(old);
	}
	*ret = xstrfmt("%s/%s", path, slice);
	free(path);
	return 0;
}

int rt_cgroup_systemd_path(const char *spec, char **ret, struct pp_error *err)
{
	cleanup_free char *slice = NULL, *prefix = NULL, *sp = NULL, *unit = NULL;
	const char *c1 = strchr(spec, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	const char *name;
	int r;

	if (c2 == NULL || strchr(c2 + 1, ':') != NULL)
		return pp_error_msg(err, EINVAL,
		                    "linux.cgroupsPath: expected \"slice:prefix:name\" for systemd "
		                    "cgroups, got \"%s\" instead",
		                    spec);
	slice = c1 == spec ? xstrdup("system.slice") : xstrndup(spec, (size_t)(c1 - spec));
	prefix = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
	name = c2 + 1;
	if (!ends_with(slice, ".slice") || name[0] == '\0' || strchr(name, '/') != NULL ||
	    strchr(prefix, '/') != NULL || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
		return pp_error_msg(err, EINVAL, "linux.cgroupsPath: '%s': invalid slice or name",
		                    spec);
	r = expand_slice(slice, spec, &sp, err);
	if (r < 0)
		return r;
	/* runc's getUnitName: a name that is a slice is used as it is */
	if (ends_with(name, ".slice"))
		unit = xstrdup(name);
	else
		unit = xstrfmt("%s-%s.scope", prefix, name);
	*ret = xstrfmt("%s/%s", sp, unit);
	return 0;
}
