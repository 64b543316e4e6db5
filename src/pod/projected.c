/* SPDX-License-Identifier: Apache-2.0 */
/* The payload of configMap, secret, downwardAPI and projected volumes (as
 * the kubelet's volume plugins' MakePayload and collectData) and their
 * folders under the pod, written by the atomic writer. */
#include "pod/projected.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>

#include "pod/atomic-writer.h"
#include "pod/objects.h"
#include "pod/paths.h"
#include "pod/volumes.h"
#include "spec/object.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define TOKEN_MAX (64u << 10)

bool pod_has_projected_volumes(const struct pod *pod)
{
	for (size_t i = 0; i < pod->n_volumes; i++)
		if (pod->volumes[i].source_bits != 0)
			return true;
	return false;
}

static mode_t item_mode(bool has, int64_t mode, int64_t def)
{
	return (mode_t)(has ? mode : def);
}

/* The keys of a ConfigMap or Secret: all of them, or items. */
static int kobj_payload(const struct pod_paths *p, const struct pod *pod,
                        const struct pod_projection *proj, int64_t def, struct pod_payload *pl,
                        struct pp_error *err)
{
	bool cm = proj->kind == POD_PROJ_CONFIGMAP;
	struct kobj *o = NULL;
	int r = kobj_store_get(p, cm ? KOBJ_CONFIGMAP : KOBJ_SECRET, pod->namespace_, proj->name,
	                       &o, err);

	if (r == -ENOENT && proj->optional)
		return 0;
	if (r == -ENOENT)
		return pp_error_msg(err, ENOENT, "%s \"%s\" not found", cm ? "configmap" : "secret",
		                    proj->name);
	if (r < 0)
		return r;
	for (size_t i = 0; proj->n_items == 0 && i < o->n_entries; i++)
		pod_payload_add(pl, o->entries[i].key, o->entries[i].value, o->entries[i].len,
		                (mode_t)def);
	for (size_t i = 0; i < proj->n_items; i++) {
		const struct pod_key_to_path *k = &proj->items[i];
		const struct kobj_entry *e = kobj_entry_find(o, k->key);

		if (e == NULL && proj->optional)
			continue;
		if (e == NULL) {
			r = cm ? pp_error_msg(err, ENOENT,
			                      "configmap references non-existent config key: %s",
			                      k->key)
			       : pp_error_msg(err, ENOENT, "references non-existent secret key: %s",
			                      k->key);
			break;
		}
		pod_payload_add(pl, k->path, e->value, e->len,
		                item_mode(k->has_mode, k->mode, def));
	}
	kobj_free(o);
	return r < 0 ? r : 0;
}

static int downward_payload(const struct pod_paths *p, const struct pod *pod,
                            const struct pod_projection *proj, int64_t def, struct pod_payload *pl,
                            struct pp_error *err)
{
	for (size_t i = 0; i < proj->n_files; i++) {
		const struct pod_downward_file *f = &proj->files[i];
		cleanup_free char *v = NULL;
		int r = f->field_path != NULL ? pod_downward_field(pod, f->field_path, &v, err)
		                              : pod_downward_resource(pod, f, p->root, &v, err);

		if (r < 0)
			return r;
		pod_payload_add(pl, f->path, v, strlen(v), item_mode(f->has_mode, f->mode, def));
	}
	return 0;
}

/* The token now in the volume when still fresh, else a new one; caller
 * frees. */
static int token_get(const struct pod_paths *p, const struct pod *pod,
                     const struct pod_projection *proj, const char *dir, char **ret,
                     struct pp_error *err)
{
	cleanup_free char *cur = xstrfmt("%s/..data/%s", dir, proj->path);
	char *tok = NULL;

	if (fs_read_regular(cur, TOKEN_MAX, &tok, NULL, NULL) == 0 &&
	    pod_sa_token_fresh(tok, pod, proj, (int64_t)time(NULL))) {
		*ret = tok;
		return 0;
	}
	free(tok);
	return pod_sa_token_issue(p, pod, proj, ret, err);
}

/* No ClusterTrustBundle exists on one machine: an optional one is an
 * empty file, as the kubelet writes when none matches. */
static int trust_bundle_payload(const struct pod_projection *proj, int64_t def,
                                struct pod_payload *pl, struct pp_error *err)
{
	if (proj->optional) {
		pod_payload_add(pl, proj->path, "", 0, (mode_t)def);
		return 0;
	}
	if (proj->name != NULL)
		return pp_error_msg(err, ENOENT,
		                    "clustertrustbundles.certificates.k8s.io \"%s\" not found",
		                    proj->name);
	return pp_error_msg(err, ENOENT,
	                    "combined trust anchors were empty, but allowEmpty was false");
}

int pod_projected_payload(const struct pod_paths *p, const struct pod *pod,
                          const struct pod_volume *vol, const char *dir, struct pod_payload *ret,
                          struct pp_error *err)
{
	for (size_t i = 0; i < vol->n_proj; i++) {
		const struct pod_projection *proj = &vol->sources[i];
		int64_t def = vol->default_mode;
		int r;

		switch (proj->kind) {
		case POD_PROJ_CONFIGMAP:
		case POD_PROJ_SECRET:
			r = kobj_payload(p, pod, proj, def, ret, err);
			break;
		case POD_PROJ_DOWNWARD_API:
			r = downward_payload(p, pod, proj, def, ret, err);
			break;
		case POD_PROJ_SA_TOKEN: {
			cleanup_free char *tok = NULL;

			r = token_get(p, pod, proj, dir, &tok, err);
			if (r == 0)
				/* the kubelet's projected token is 0600 with an fsGroup */
				pod_payload_add(ret, proj->path, tok, strlen(tok),
				                pod->has_fs_group ? 0600 : (mode_t)def);
			break;
		}
		case POD_PROJ_TRUST_BUNDLE:
			r = trust_bundle_payload(proj, def, ret, err);
			break;
		default:
			r = pp_error_msg(err, EINVAL,
			                 "podCertificate projections are not supported");
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static bool on_tmpfs(const struct pod_volume *vol)
{
	return (vol->source_bits & (POD_VOL_SRC_SECRET | POD_VOL_SRC_PROJECTED)) != 0;
}

/* The volume's folder: 0777 on disk, or (secret, projected) a tmpfs
 * 1777 as the kubelet's memory-backed wrapper; made once. */
static int volume_dir_setup(const struct pod_volume *vol, const char *dir, struct pp_error *err)
{
	cleanup_free char *parent = xstrfmt("%s/..", dir);
	struct stat a, b;
	int r = fs_mkdir_p(dir, 0755, err);

	if (r < 0)
		return r;
	if (!on_tmpfs(vol))
		return chmod(dir, 0777) < 0 ? pp_error(err, errno, "chmod '%s'", dir) : 0;
	if (stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev)
		return 0; /* mounted already */
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return pp_error(err, errno, "mount tmpfs on '%s'", dir);
	return 0;
}

static int volume_sync(const struct pod_paths *p, const struct pod *pod,
                       const struct pod_volume *vol, const char *pod_dir, bool *ret_changed,
                       struct pp_error *err)
{
	cleanup_free char *dir = pod_volume_source(pod_dir, vol);
	struct pod_payload pl = {.n = 0};
	int r = volume_dir_setup(vol, dir, err);

	if (r == 0)
		r = pod_projected_payload(p, pod, vol, dir, &pl, err);
	/* the kubelet's SetVolumeOwnership of a read-only volume adds group
	 * read to each file: written so, the files match the next payload */
	for (size_t i = 0; r == 0 && pod->has_fs_group && i < pl.n; i++)
		pl.files[i].mode |= 0440;
	if (r == 0)
		r = pod_atomic_write(dir, &pl, ret_changed, err);
	/* the kubelet applies it after every write, whatever the policy */
	if (r == 0 && pod->has_fs_group)
		r = pod_volume_ownership(dir, (gid_t)pod->fs_group, true, !*ret_changed, err);
	pod_payload_clear(&pl);
	return r;
}

int pod_projected_volumes_sync(const struct pod_paths *p, const struct pod *pod,
                               const char *pod_dir, struct pp_error *err)
{
	int changed = 0, first = 0;

	for (size_t i = 0; i < pod->n_volumes; i++) {
		const struct pod_volume *vol = &pod->volumes[i];
		struct pp_error e = {0};
		bool ch = false;
		int r;

		if (vol->source_bits == 0)
			continue;
		r = volume_sync(p, pod, vol, pod_dir, &ch, &e);
		if (r < 0 && first == 0) {
			first = pp_error_prefix(
			    &e, r, "MountVolume.SetUp failed for volume \"%s\" ", vol->name);
			*err = e;
		}
		changed += ch;
	}
	return first < 0 ? first : changed;
}
