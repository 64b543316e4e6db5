/* SPDX-License-Identifier: Apache-2.0 */
/* spec.volumes (emptyDir, hostPath; the projecting sources are in
 * pod-projected.c) and containers[].volumeMounts: decoding
 * and the API server's validation. Every other volume source is refused by
 * name as not supported yet. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/error.h"
#include "util/xalloc.h"

#define QUANTITY_MSG                                    \
	"quantities must match the regular expression " \
	"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

/* Any value of a volume source peapod does not implement is refused. */
static int decode_unsupported_source(json_object *v, void *obj, const char *path,
                                     struct pp_error *err)
{
	(void)v;
	(void)obj;
	return pod_unsupported(path, err);
}

static long double pow10l_(long e)
{
	long double v = 1;

	for (; e > 0; e--)
		v *= 10;
	for (; e < 0; e++)
		v /= 10;
	return v;
}

/* The multiplier of a resource.Quantity suffix; 0 when unknown. */
static long double quantity_suffix(const char *s)
{
	static const struct {
		const char *s;
		long double mul;
	} sfx[] = {
	    {"", 1},
	    {"m", 1e-3L},
	    {"k", 1e3L},
	    {"M", 1e6L},
	    {"G", 1e9L},
	    {"T", 1e12L},
	    {"P", 1e15L},
	    {"E", 1e18L},
	    {"Ki", 1024.0L},
	    {"Mi", 1048576.0L},
	    {"Gi", 1073741824.0L},
	    {"Ti", 1099511627776.0L},
	    {"Pi", 1125899906842624.0L},
	    {"Ei", 1152921504606846976.0L},
	};
	char *end;
	long e;

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (strcmp(s, sfx[i].s) == 0)
			return sfx[i].mul;
	if ((s[0] != 'e' && s[0] != 'E') || s[1] == '\0')
		return 0;
	errno = 0;
	e = strtol(s + 1, &end, 10);
	if (*end != '\0' || errno != 0 || e < -30 || e > 30)
		return 0;
	return pow10l_(e);
}

/* The quantity s times scale (1 or 1000), rounded up. */
static int quantity_parse_scaled(const char *s, long double scale, uint64_t *ret)
{
	size_t n = strspn(s, "+-"), digits;
	long double v, mul;
	char num[64];

	if (n > 1)
		return -EINVAL;
	digits = strspn(s + n, "0123456789.");
	if (digits == 0 || n + digits >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + digits);
	num[n + digits] = '\0';
	if (strchr(num, '.') != strrchr(num, '.') || strcmp(num + n, ".") == 0)
		return -EINVAL;
	mul = quantity_suffix(s + n + digits);
	if (mul == 0)
		return -EINVAL;
	v = strtold(num, NULL) * (mul * scale);
	if (v < 0)
		return -ERANGE;
	if (v > 4611686018427387904.0L)
		return -ERANGE;
	*ret = (uint64_t)v;
	/* rounded up, as Quantity.Value(); binary fractions ("0.1", "100m")
	 * are not rounded up for their last-bit error */
	if ((long double)*ret < v * (1 - 1e-15L))
		(*ret)++;
	return 0;
}

int pod_quantity_parse(const char *s, uint64_t *ret)
{
	return quantity_parse_scaled(s, 1, ret);
}

int pod_quantity_parse_milli(const char *s, uint64_t *ret)
{
	return quantity_parse_scaled(s, 1000, ret);
}

static int decode_size_limit(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_volume *vol = obj;
	char buf[96];
	int r;

	if (json_object_is_type(v, json_type_int)) {
		(void)snprintf(buf, sizeof(buf), "%lld", (long long)json_object_get_int64(v));
	} else if (json_object_is_type(v, json_type_double)) {
		(void)snprintf(buf, sizeof(buf), "%.17g", json_object_get_double(v));
	} else if (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) < 64) {
		(void)snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
	} else {
		return pod_type_error(path, v, "a quantity (e.g. \"64Mi\")", err);
	}
	r = pod_quantity_parse(buf, &vol->empty_dir_size_bytes);
	if (r == -EINVAL)
		return pod_invalid(path, buf, QUANTITY_MSG, err);
	if (r == -ERANGE)
		return pp_error_msg(
		    err, EINVAL, "%s: Forbidden: SizeLimit field must be a valid resource quantity",
		    path);
	free(vol->empty_dir_size_limit);
	vol->empty_dir_size_limit = xstrdup(buf);
	return 0;
}

static const struct pod_field empty_dir_fields[] = {
    {"medium", POD_FIELD_STR, offsetof(struct pod_volume, empty_dir_medium), NULL},
    {"sizeLimit", POD_FIELD_CUSTOM, 0, decode_size_limit},
    {NULL, 0, 0, NULL},
};

static int decode_empty_dir(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_volume *vol = obj;

	vol->has_empty_dir = true;
	return pod_decode_fields(v, empty_dir_fields, obj, path, err);
}

static const struct pod_field host_path_fields[] = {
    {"path", POD_FIELD_STR, offsetof(struct pod_volume, host_path), NULL},
    {"type", POD_FIELD_STR, offsetof(struct pod_volume, host_path_type), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_host_path(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_volume *vol = obj;

	vol->has_host_path = true;
	return pod_decode_fields(v, host_path_fields, obj, path, err);
}

#define SOURCE_UNSUPPORTED(n)                                     \
	{                                                         \
		n, POD_FIELD_CUSTOM, 0, decode_unsupported_source \
	}

static const struct pod_field volume_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_volume, name), NULL},
    {"emptyDir", POD_FIELD_CUSTOM, 0, decode_empty_dir},
    {"hostPath", POD_FIELD_CUSTOM, 0, decode_host_path},
    {"configMap", POD_FIELD_CUSTOM, 0, pod_decode_config_map_volume},
    {"secret", POD_FIELD_CUSTOM, 0, pod_decode_secret_volume},
    SOURCE_UNSUPPORTED("persistentVolumeClaim"),
    {"projected", POD_FIELD_CUSTOM, 0, pod_decode_projected_volume},
    {"downwardAPI", POD_FIELD_CUSTOM, 0, pod_decode_downward_volume},
    SOURCE_UNSUPPORTED("ephemeral"),
    SOURCE_UNSUPPORTED("csi"),
    SOURCE_UNSUPPORTED("image"),
    SOURCE_UNSUPPORTED("nfs"),
    SOURCE_UNSUPPORTED("iscsi"),
    SOURCE_UNSUPPORTED("gitRepo"),
    SOURCE_UNSUPPORTED("gcePersistentDisk"),
    SOURCE_UNSUPPORTED("awsElasticBlockStore"),
    SOURCE_UNSUPPORTED("glusterfs"),
    SOURCE_UNSUPPORTED("rbd"),
    SOURCE_UNSUPPORTED("flexVolume"),
    SOURCE_UNSUPPORTED("cinder"),
    SOURCE_UNSUPPORTED("cephfs"),
    SOURCE_UNSUPPORTED("flocker"),
    SOURCE_UNSUPPORTED("fc"),
    SOURCE_UNSUPPORTED("azureFile"),
    SOURCE_UNSUPPORTED("azureDisk"),
    SOURCE_UNSUPPORTED("vsphereVolume"),
    SOURCE_UNSUPPORTED("quobyte"),
    SOURCE_UNSUPPORTED("photonPersistentDisk"),
    SOURCE_UNSUPPORTED("portworxVolume"),
    SOURCE_UNSUPPORTED("scaleIO"),
    SOURCE_UNSUPPORTED("storageos"),
    {NULL, 0, 0, NULL},
};

int pod_decode_volumes(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	return pod_decode_object_array(
	    v, path, &(const struct pod_element){volume_fields, sizeof(*pod->volumes)},
	    (void **)&pod->volumes, &pod->n_volumes, err);
}

static const struct pod_field volume_mount_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_volume_mount, name), NULL},
    {"mountPath", POD_FIELD_STR, offsetof(struct pod_volume_mount, mount_path), NULL},
    {"readOnly", POD_FIELD_BOOL, offsetof(struct pod_volume_mount, read_only), NULL},
    {"subPath", POD_FIELD_STR, offsetof(struct pod_volume_mount, sub_path), NULL},
    {"mountPropagation", POD_FIELD_STR, offsetof(struct pod_volume_mount, mount_propagation), NULL},
    {"subPathExpr", POD_FIELD_UNSUPPORTED, 0, NULL},
    {"recursiveReadOnly", POD_FIELD_UNSUPPORTED, 0, NULL},
    {NULL, 0, 0, NULL},
};

int pod_decode_volume_mounts(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;

	return pod_decode_object_array(
	    v, path, &(const struct pod_element){volume_mount_fields, sizeof(*c->volume_mounts)},
	    (void **)&c->volume_mounts, &c->n_volume_mounts, err);
}

const struct pod_volume *pod_volume_find(const struct pod *pod, const char *name)
{
	for (size_t i = 0; name != NULL && i < pod->n_volumes; i++)
		if (pod->volumes[i].name != NULL && strcmp(pod->volumes[i].name, name) == 0)
			return &pod->volumes[i];
	return NULL;
}

bool pod_path_has_backsteps(const char *p)
{
	for (const char *s = p; s != NULL; s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL)
		if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0'))
			return true;
	return false;
}

static int check_empty_dir(const struct pod_volume *vol, const char *vpath, struct pp_error *err)
{
	const char *m = vol->empty_dir_medium;
	char q[128];

	if (m == NULL || m[0] == '\0' || strcmp(m, "Memory") == 0)
		return 0;
	if (strncmp(m, "HugePages", 9) == 0)
		return pod_unsupported(vpath, err);
	return pp_error_msg(err, EINVAL,
	                    "%s: Unsupported value: %s: supported values: \"\", \"Memory\"", vpath,
	                    pod_quote(m, q, sizeof(q)));
}

static int check_host_path(const struct pod_volume *vol, const char *vpath, struct pp_error *err)
{
	static const char *const types[] = {
	    "",     "BlockDevice",  "CharDevice", "Directory", "DirectoryOrCreate",
	    "File", "FileOrCreate", "Socket",     NULL};
	const char *t = vol->host_path_type;
	char path[POD_PATH_MAX], q[128];

	(void)snprintf(path, sizeof(path), "%s.path", vpath);
	if (vol->host_path == NULL || vol->host_path[0] == '\0')
		return pp_error_msg(err, EINVAL, "%s: Required value", path);
	if (pod_path_has_backsteps(vol->host_path))
		return pod_invalid(path, vol->host_path, "must not contain '..'", err);
	if (vol->host_path[0] != '/')
		return pod_invalid(path, vol->host_path, "must be an absolute path", err);
	for (size_t i = 0; t != NULL && types[i] != NULL; i++)
		if (strcmp(t, types[i]) == 0)
			return 0;
	if (t == NULL)
		return 0;
	return pp_error_msg(
	    err, EINVAL,
	    "%s.type: Unsupported value: %s: supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"",
	    vpath, pod_quote(t, q, sizeof(q)));
}

/* The kinds given in validateVolumeSource's order; the second one is the
 * error's field. */
static int check_one_source(const struct pod_volume *vol, const char *vpath, struct pp_error *err)
{
	const struct {
		bool given;
		const char *key;
	} kinds[] = {
	    {vol->has_host_path, "hostPath"},
	    {vol->has_empty_dir, "emptyDir"},
	    {(vol->source_bits & POD_VOL_SRC_SECRET) != 0, "secret"},
	    {(vol->source_bits & POD_VOL_SRC_DOWNWARD) != 0, "downwardAPI"},
	    {(vol->source_bits & POD_VOL_SRC_CONFIGMAP) != 0, "configMap"},
	    {(vol->source_bits & POD_VOL_SRC_PROJECTED) != 0, "projected"},
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].given && ++n > 1)
			return pp_error_msg(
			    err, EINVAL,
			    "%s.%s: Forbidden: may not specify more than 1 volume type", vpath,
			    kinds[i].key);
	if (n == 0)
		return pp_error_msg(err, EINVAL, "%s: Required value: must specify a volume type",
		                    vpath);
	return 0;
}

static int check_volume_source(const struct pod_volume *vol, const char *vpath,
                               struct pp_error *err)
{
	char path[POD_PATH_MAX];

	if (check_one_source(vol, vpath, err) < 0)
		return -EINVAL;
	if (vol->source_bits != 0)
		return pod_validate_projected_volume(vol, vpath, err);
	if (vol->has_host_path) {
		(void)snprintf(path, sizeof(path), "%s.hostPath", vpath);
		return check_host_path(vol, path, err);
	}
	(void)snprintf(path, sizeof(path), "%s.emptyDir.medium", vpath);
	return check_empty_dir(vol, path, err);
}

int pod_validate_volumes(const struct pod *pod, struct pp_error *err)
{
	char vpath[POD_PATH_MAX], path[POD_PATH_MAX], q[128];

	for (size_t i = 0; i < pod->n_volumes; i++) {
		const struct pod_volume *vol = &pod->volumes[i];
		int r;

		(void)snprintf(vpath, sizeof(vpath), "spec.volumes[%zu]", i);
		(void)snprintf(path, sizeof(path), "%s.name", vpath);
		if (vol->name == NULL || vol->name[0] == '\0')
			return pp_error_msg(err, EINVAL, "%s: Required value", path);
		r = pod_check_dns_label(path, vol->name, err);
		if (r < 0)
			return r;
		if (pod_volume_find(pod, vol->name) != vol)
			return pp_error_msg(err, EINVAL, "%s: Duplicate value: %s", path,
			                    pod_quote(vol->name, q, sizeof(q)));
		r = check_volume_source(vol, vpath, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* validateLocalDescendingPath. */
static int check_sub_path(const char *path, const char *s, struct pp_error *err)
{
	if (s[0] == '/')
		return pod_invalid(path, s, "must be a relative path", err);
	if (pod_path_has_backsteps(s))
		return pod_invalid(path, s, "must not contain '..'", err);
	return 0;
}

static int check_mount_propagation(const char *path, const char *p, struct pp_error *err)
{
	char q[128];

	if (p == NULL || strcmp(p, "None") == 0)
		return 0;
	if (strcmp(p, "HostToContainer") == 0 || strcmp(p, "Bidirectional") == 0)
		return pod_unsupported(path, err);
	return pp_error_msg(
	    err, EINVAL,
	    "%s: Unsupported value: %s: supported values: \"Bidirectional\", \"HostToContainer\", \"None\"",
	    path, pod_quote(p, q, sizeof(q)));
}

static int check_volume_mount(const struct pod *pod, const struct pod_container *c, size_t i,
                              const char *mpath, struct pp_error *err)
{
	const struct pod_volume_mount *m = &c->volume_mounts[i];
	char path[POD_PATH_MAX], q[128];

	(void)snprintf(path, sizeof(path), "%s.name", mpath);
	if (m->name == NULL || m->name[0] == '\0')
		return pp_error_msg(err, EINVAL, "%s: Required value", path);
	if (pod_volume_find(pod, m->name) == NULL)
		return pp_error_msg(err, EINVAL, "%s: Not found: %s", path,
		                    pod_quote(m->name, q, sizeof(q)));
	(void)snprintf(path, sizeof(path), "%s.mountPath", mpath);
	if (m->mount_path == NULL || m->mount_path[0] == '\0')
		return pp_error_msg(err, EINVAL, "%s: Required value", path);
	for (size_t j = 0; j < i; j++)
		if (c->volume_mounts[j].mount_path != NULL &&
		    strcmp(c->volume_mounts[j].mount_path, m->mount_path) == 0)
			return pod_invalid(path, m->mount_path, "must be unique", err);
	(void)snprintf(path, sizeof(path), "%s.subPath", mpath);
	if (m->sub_path != NULL && m->sub_path[0] != '\0' &&
	    check_sub_path(path, m->sub_path, err) < 0)
		return -EINVAL;
	(void)snprintf(path, sizeof(path), "%s.mountPropagation", mpath);
	return check_mount_propagation(path, m->mount_propagation, err);
}

int pod_validate_volume_mounts(const struct pod *pod, const struct pod_container *c,
                               const char *cpath, struct pp_error *err)
{
	char mpath[POD_PATH_MAX];

	for (size_t i = 0; i < c->n_volume_mounts; i++) {
		int r;

		(void)snprintf(mpath, sizeof(mpath), "%s.volumeMounts[%zu]", cpath, i);
		r = check_volume_mount(pod, c, i, mpath, err);
		if (r < 0)
			return r;
	}
	return 0;
}
