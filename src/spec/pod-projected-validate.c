/* SPDX-License-Identifier: Apache-2.0 */
/* The API server's checks of configMap, secret, downwardAPI and projected
 * volumes (validation.go validateConfigMapVolumeSource and friends), in
 * its words: relative paths without "..", modes 0..0777, the downward API
 * fields a volume may use, token lifetimes, one source per projection. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/error.h"

#define MODE_MSG       "must be a number between 0 and 0777 (octal), both inclusive"
#define MIN_EXPIRATION 600
#define MAX_EXPIRATION 4294967296LL

static int check_mode(const char *parent, const char *key, bool has, int64_t mode,
                      struct pp_error *err)
{
	char path[POD_PATH_MAX];

	if (!has || (mode >= 0 && mode <= 0777))
		return 0;
	pod_path_key(path, parent, key);
	return pp_error_msg(err, EINVAL, "%s: Invalid value: %lld: " MODE_MSG, path,
	                    (long long)mode);
}

/* validateLocalNonReservedPath, with Required for an empty path. */
static int check_path(const char *parent, const char *key, const char *p, struct pp_error *err)
{
	char path[POD_PATH_MAX];

	pod_path_key(path, parent, key);
	if (p == NULL || p[0] == '\0')
		return pp_error_msg(err, EINVAL, "%s: Required value", path);
	if (p[0] == '/')
		return pod_invalid(path, p, "must be a relative path", err);
	if (pod_path_has_backsteps(p))
		return pod_invalid(path, p, "must not contain '..'", err);
	if (strncmp(p, "..", 2) == 0)
		return pod_invalid(path, p, "must not start with '..'", err);
	return 0;
}

int pod_projection_path_check(const char *p)
{
	return p == NULL || p[0] == '\0' || p[0] == '/' || pod_path_has_backsteps(p) ||
	               strncmp(p, "..", 2) == 0
	           ? -EINVAL
	           : 0;
}

static int required(const char *parent, const char *key, const char *v, struct pp_error *err)
{
	char path[POD_PATH_MAX];

	if (v != NULL && v[0] != '\0')
		return 0;
	pod_path_key(path, parent, key);
	return pp_error_msg(err, EINVAL, "%s: Required value", path);
}

/* Each path once per volume (projected: "conflicting duplicate paths"). */
struct seen {
	const char *paths[256];
	size_t n;
};

static int seen_add(struct seen *s, const char *vpath, const char *p, const char *name,
                    struct pp_error *err)
{
	char q[128];

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->paths[i], p) == 0)
			return pp_error_msg(err, EINVAL,
			                    "%s: Invalid value: %s: conflicting duplicate paths",
			                    vpath, pod_quote(name ? name : "", q, sizeof(q)));
	if (s->n < sizeof(s->paths) / sizeof(s->paths[0]))
		s->paths[s->n++] = p;
	return 0;
}

static int check_items(const struct pod_projection *p, const char *ppath, const char *vpath,
                       struct seen *seen, struct pp_error *err)
{
	char items[POD_PATH_MAX], ipath[POD_PATH_MAX];

	pod_path_key(items, ppath, "items");
	for (size_t i = 0; i < p->n_items; i++) {
		const struct pod_key_to_path *k = &p->items[i];

		pod_path_index(ipath, items, i);
		if (required(ipath, "key", k->key, err) < 0 ||
		    check_path(ipath, "path", k->path, err) < 0 ||
		    check_mode(ipath, "mode", k->has_mode, k->mode, err) < 0)
			return -EINVAL;
		if (seen != NULL && seen_add(seen, vpath, k->path, p->name, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static bool field_path_ok(const char *f)
{
	static const char *const plain[] = {"metadata.name",        "metadata.namespace",
	                                    "metadata.uid",         "metadata.labels",
	                                    "metadata.annotations", NULL};
	static const char *const subscripted[] = {"metadata.labels['", "metadata.annotations['",
	                                          NULL};

	for (size_t i = 0; plain[i] != NULL; i++)
		if (strcmp(f, plain[i]) == 0)
			return true;
	for (size_t i = 0; subscripted[i] != NULL; i++) {
		size_t n = strlen(subscripted[i]), len = strlen(f);

		if (strncmp(f, subscripted[i], n) == 0 && len > n + 2 &&
		    strcmp(f + len - 2, "']") == 0)
			return true;
	}
	return false;
}

static int check_field_ref(const struct pod_downward_file *f, const char *fpath,
                           struct pp_error *err)
{
	char path[POD_PATH_MAX], q[128];

	pod_path_key(path, fpath, "fieldRef.fieldPath");
	if (f->field_path[0] == '\0')
		return pp_error_msg(err, EINVAL, "%s: Required value", path);
	if (field_path_ok(f->field_path))
		return 0;
	return pp_error_msg(
	    err, EINVAL,
	    "%s: Unsupported value: %s: supported values: \"metadata.annotations\", \"metadata.labels\", \"metadata.name\", \"metadata.namespace\", \"metadata.uid\"",
	    path, pod_quote(f->field_path, q, sizeof(q)));
}

static bool resource_ok(const char *r)
{
	static const char *const ok[] = {"limits.cpu",
	                                 "limits.memory",
	                                 "limits.ephemeral-storage",
	                                 "requests.cpu",
	                                 "requests.memory",
	                                 "requests.ephemeral-storage",
	                                 NULL};

	for (size_t i = 0; ok[i] != NULL; i++)
		if (strcmp(r, ok[i]) == 0)
			return true;
	return false;
}

/* validateContainerResourceDivisor: cpu 1m or 1; memory and storage a
 * power of 1000 or 1024 with the value 1. */
static int check_divisor(const struct pod_downward_file *f, const char *rpath, struct pp_error *err)
{
	static const char *const bytes[] = {"1",   "1k",  "1M",  "1G",  "1T",  "1P",  "1E",
	                                    "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei", NULL};
	const char *d = f->rf_divisor, *what = strchr(f->rf_resource, '.') + 1;
	char path[POD_PATH_MAX];

	if (d == NULL)
		return 0;
	pod_path_key(path, rpath, "divisor");
	if (strcmp(what, "cpu") == 0)
		return strcmp(d, "1m") == 0 || strcmp(d, "1") == 0
		           ? 0
		           : pod_invalid(
		                 path, d,
		                 "only divisor's values 1m and 1 are supported with the cpu resource",
		                 err);
	for (size_t i = 0; bytes[i] != NULL; i++)
		if (strcmp(d, bytes[i]) == 0)
			return 0;
	return pp_error_msg(
	    err, EINVAL,
	    "%s: Invalid value: \"%s\": only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the %s resource",
	    path, d, strcmp(what, "memory") == 0 ? "memory" : "local ephemeral storage");
}

static int check_resource_ref(const struct pod_downward_file *f, const char *fpath,
                              struct pp_error *err)
{
	char path[POD_PATH_MAX], q[128];

	pod_path_key(path, fpath, "resourceFieldRef");
	if (required(path, "containerName", f->rf_container, err) < 0 ||
	    required(path, "resource", f->rf_resource, err) < 0)
		return -EINVAL;
	if (!resource_ok(f->rf_resource))
		return pp_error_msg(
		    err, EINVAL,
		    "%s.resource: Unsupported value: %s: supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\"",
		    path, pod_quote(f->rf_resource, q, sizeof(q)));
	return check_divisor(f, path, err);
}

static int check_files(const struct pod_projection *p, const char *ppath, const char *vpath,
                       struct seen *seen, struct pp_error *err)
{
	char items[POD_PATH_MAX], fpath[POD_PATH_MAX];

	pod_path_key(items, ppath, "items");
	for (size_t i = 0; i < p->n_files; i++) {
		const struct pod_downward_file *f = &p->files[i];
		int r;

		pod_path_index(fpath, items, i);
		if (check_path(fpath, "path", f->path, err) < 0 ||
		    check_mode(fpath, "mode", f->has_mode, f->mode, err) < 0)
			return -EINVAL;
		if (f->field_path != NULL && f->rf_resource != NULL)
			return pp_error_msg(
			    err, EINVAL,
			    "%s: Invalid value: \"resource\": fieldRef and resourceFieldRef can not be specified simultaneously",
			    fpath);
		if (f->field_path == NULL && f->rf_resource == NULL)
			return pp_error_msg(
			    err, EINVAL,
			    "%s: Required value: one of fieldRef and resourceFieldRef is required",
			    fpath);
		r = f->field_path != NULL ? check_field_ref(f, fpath, err)
		                          : check_resource_ref(f, fpath, err);
		if (r < 0 || (seen != NULL && seen_add(seen, vpath, f->path, "", err) < 0))
			return -EINVAL;
	}
	return 0;
}

static int check_token(const struct pod_projection *p, const char *ppath, const char *vpath,
                       struct seen *seen, struct pp_error *err)
{
	char path[POD_PATH_MAX];

	pod_path_key(path, ppath, "expirationSeconds");
	if (p->expiration_seconds < MIN_EXPIRATION)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Invalid value: %lld: may not specify a duration less than 10 minutes",
		    path, (long long)p->expiration_seconds);
	if (p->expiration_seconds > MAX_EXPIRATION)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Invalid value: %lld: may not specify a duration larger than 2^32 seconds",
		    path, (long long)p->expiration_seconds);
	if (check_path(ppath, "path", p->path, err) < 0)
		return -EINVAL;
	return seen_add(seen, vpath, p->path, "", err);
}

static int check_trust_bundle(const struct pod_projection *p, const char *ppath, const char *vpath,
                              struct seen *seen, struct pp_error *err)
{
	if (p->name != NULL && p->signer_name != NULL)
		return pp_error_msg(err, EINVAL,
		                    "%s: Invalid value: only one of name and signerName may be set",
		                    ppath);
	if (p->name == NULL && p->signer_name == NULL)
		return pp_error_msg(err, EINVAL,
		                    "%s: Required value: either name or signerName must be set",
		                    ppath);
	if (p->name != NULL && p->label_selector != NULL)
		return pp_error_msg(
		    err, EINVAL,
		    "%s.labelSelector: Invalid value: labelSelector must be unset if name is specified",
		    ppath);
	if (check_path(ppath, "path", p->path, err) < 0)
		return -EINVAL;
	return seen_add(seen, vpath, p->path, "", err);
}

static const char *const kind_keys[] = {
    [POD_PROJ_NONE] = "",
    [POD_PROJ_CONFIGMAP] = "configMap",
    [POD_PROJ_SECRET] = "secret",
    [POD_PROJ_DOWNWARD_API] = "downwardAPI",
    [POD_PROJ_SA_TOKEN] = "serviceAccountToken",
    [POD_PROJ_TRUST_BUNDLE] = "clusterTrustBundle",
    [POD_PROJ_POD_CERTIFICATE] = "podCertificate",
};

static int check_source(const struct pod_projection *p, const char *spath, const char *vpath,
                        struct seen *seen, struct pp_error *err)
{
	char ppath[POD_PATH_MAX];

	if (p->n_kinds > 1)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Forbidden: may not specify more than 1 volume type per source", spath);
	if (p->n_kinds == 0)
		return pp_error_msg(err, EINVAL, "%s: Required value: must specify a volume type",
		                    spath);
	pod_path_key(ppath, spath, kind_keys[p->kind]);
	switch (p->kind) {
	case POD_PROJ_CONFIGMAP:
	case POD_PROJ_SECRET:
		if (required(ppath, "name", p->name, err) < 0)
			return -EINVAL;
		return check_items(p, ppath, vpath, seen, err);
	case POD_PROJ_DOWNWARD_API:
		return check_files(p, ppath, vpath, seen, err);
	case POD_PROJ_SA_TOKEN:
		return check_token(p, ppath, vpath, seen, err);
	case POD_PROJ_TRUST_BUNDLE:
		return check_trust_bundle(p, ppath, vpath, seen, err);
	default:
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Forbidden: peapod has no API server to sign a PodCertificateRequest on one machine",
		    ppath);
	}
}

static int check_projected(const struct pod_volume *vol, const char *vpath, struct pp_error *err)
{
	char ppath[POD_PATH_MAX], sources[POD_PATH_MAX], spath[POD_PATH_MAX];
	struct seen seen = {.n = 0};

	pod_path_key(ppath, vpath, "projected");
	if (check_mode(ppath, "defaultMode", true, vol->default_mode, err) < 0)
		return -EINVAL;
	pod_path_key(sources, ppath, "sources");
	for (size_t i = 0; i < vol->n_proj; i++) {
		pod_path_index(spath, sources, i);
		if (check_source(&vol->sources[i], spath, ppath, &seen, err) < 0)
			return -EINVAL;
	}
	return 0;
}

int pod_validate_projected_volume(const struct pod_volume *vol, const char *vpath,
                                  struct pp_error *err)
{
	const struct pod_projection *p = vol->sources;
	char ppath[POD_PATH_MAX];

	if (vol->projection == POD_PROJ_NONE)
		return check_projected(vol, vpath, err);
	pod_path_key(ppath, vpath, kind_keys[vol->projection]);
	if (check_mode(ppath, "defaultMode", true, vol->default_mode, err) < 0)
		return -EINVAL;
	if (vol->projection == POD_PROJ_DOWNWARD_API)
		return check_files(p, ppath, ppath, NULL, err);
	if (required(ppath, vol->projection == POD_PROJ_SECRET ? "secretName" : "name", p->name,
	             err) < 0)
		return -EINVAL;
	return check_items(p, ppath, ppath, NULL, err);
}
