/* SPDX-License-Identifier: Apache-2.0 */
/* `image inspect`: an image as podman's inspect prints it, from its record,
 * config blob and manifest. */
#include <string.h>

#include "image/image.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

/* A member of the config blob, copied; dflt (taken) when missing. */
static json_object *member(json_object *o, const char *key, json_object *dflt)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return dflt;
	json_object_put(dflt);
	return json_object_get(v);
}

static json_object *str_or_empty(json_object *o, const char *key)
{
	const char *v = json_get_str(o, key);

	return json_object_new_string(v ? v : "");
}

/* "docker.io/library/busybox@sha256:<manifest>" once per repository. */
static json_object *repo_digests(char *const *refs, const char *digest)
{
	json_object *a = json_object_new_array();
	cleanup_strv char **seen = xcalloc(1, sizeof(char *));

	for (char *const *r = refs; r && *r; r++) {
		const char *at = strchr(*r, '@'), *slash = strrchr(*r, '/');
		const char *colon = strrchr(slash ? slash : *r, ':');
		size_t n = at ? (size_t)(at - *r) : colon ? (size_t)(colon - *r) : strlen(*r);
		cleanup_free char *d = xstrfmt("%.*s@%s", (int)n, *r, at ? at + 1 : digest);
		bool dup = false;

		for (char **x = seen; *x && !dup; x++)
			dup = strcmp(*x, d) == 0;
		if (dup)
			continue;
		strv_push(&seen, d);
		json_object_array_add(a, json_object_new_string(d));
	}
	return a;
}

static json_object *repo_tags(char *const *refs)
{
	json_object *a = json_object_new_array();

	for (char *const *r = refs; r && *r; r++)
		if (strchr(*r, '@') == NULL)
			json_object_array_add(a, json_object_new_string(*r));
	return a;
}

static json_object *rootfs(char *const *diffids)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "Type", json_object_new_string("layers"));
	json_object_object_add(o, "Layers", json_from_strv(diffids));
	return o;
}

static json_object *inspect_json(const struct img_stored *st)
{
	json_object *o = json_object_new_object(), *c = st->config;
	json_object *cfg = json_get_obj(c, "config");

	json_object_object_add(o, "Id", json_object_new_string(st->hex));
	json_object_object_add(o, "Digest", json_object_new_string(st->digest));
	json_object_object_add(o, "RepoTags", repo_tags(st->refs));
	json_object_object_add(o, "RepoDigests", repo_digests(st->refs, st->digest));
	json_object_object_add(o, "Parent", json_object_new_string(""));
	json_object_object_add(o, "Comment", str_or_empty(c, "comment"));
	json_object_object_add(o, "Created", str_or_empty(c, "created"));
	json_object_object_add(o, "Config", member(c, "config", json_object_new_object()));
	json_object_object_add(o, "Version", str_or_empty(c, "docker_version"));
	json_object_object_add(o, "Author", str_or_empty(c, "author"));
	json_object_object_add(o, "Architecture", str_or_empty(c, "architecture"));
	json_object_object_add(o, "Os", str_or_empty(c, "os"));
	if (json_get_str(c, "variant") != NULL)
		json_object_object_add(o, "Variant", str_or_empty(c, "variant"));
	json_object_object_add(o, "Size", json_object_new_int64(st->size));
	json_object_object_add(o, "VirtualSize", json_object_new_int64(st->size));
	json_object_object_add(o, "RootFS", rootfs(st->diffids));
	json_object_object_add(o, "Labels", member(cfg, "Labels", NULL));
	json_object_object_add(o, "Annotations", json_object_new_object());
	json_object_object_add(o, "ManifestType", json_object_new_string(st->manifest_type));
	json_object_object_add(o, "User", str_or_empty(cfg, "User"));
	json_object_object_add(o, "History", member(c, "history", NULL));
	json_object_object_add(o, "NamesHistory", repo_tags(st->refs));
	return o;
}

int img_store_inspect(struct img_store *s, const char *ref, json_object **ret, struct pp_error *err)
{
	cleanup_close int gc = img_store_lock(s, "gc.lock", false, err);
	struct img_stored st;
	int r;

	if (gc < 0)
		return gc;
	r = img_stored_read(s, ref, &st, err);
	if (r == 0)
		*ret = inspect_json(&st);
	img_stored_clear(&st);
	return r;
}
