/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the image loader's JSON: a docker-archive
 * manifest.json, an OCI index.json, an OCI image manifest or an image config.
 * The first input byte picks which (mod 4), the rest is the document; the
 * harness wraps it in an archive with fixed companions (a config, a manifest
 * and an empty layer, whose digests the seeds name) and loads that into a
 * fresh store. Every reference a load reports must then resolve. */
#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-util.h"
#include "image/image.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* docker's empty layer: the sha256 of empty_layer below */
#define EMPTY_LAYER "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

enum role {
	ROLE_DOCKER_MANIFEST, /* manifest.json, beside config.json and layer.tar */
	ROLE_IMAGE_CONFIG,    /* config.json, named by a fixed manifest.json */
	ROLE_OCI_INDEX,       /* index.json, beside the fixed OCI manifest's blobs */
	ROLE_OCI_MANIFEST,    /* a manifest blob, named by a generated index.json */
	ROLE_COUNT,
};

struct doc {
	const char *data;
	size_t len;
	char hex[IMG_HEX_LEN + 1];
};

/* An empty tar: two zero blocks (its sha256 is docker's empty layer). */
static const char empty_layer[1024];

/* Two layers, both the empty one (the second is then only verified). */
static const char fixed_config[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2023-11-14T22:13:20Z\","
    "\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
    "[\"" EMPTY_LAYER "\",\"" EMPTY_LAYER "\"]}}";

static const char docker_manifest[] = "[{\"Config\":\"config.json\",\"RepoTags\":[\"fuzz:1\"],"
                                      "\"Layers\":[\"layer.tar\",\"layer.tar\"]}]";

static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void doc_set(struct doc *d, const char *data, size_t len)
{
	struct pp_error err = {0};
	struct img_sha256 h;

	d->data = data;
	d->len = len;
	if (img_sha256_init(&h, &err) < 0)
		abort();
	img_sha256_update(&h, data, len);
	img_sha256_final(&h, d->hex);
}

static char *oci_manifest(const struct doc *config, const struct doc *layer)
{
	cleanup_free char *desc =
	    xstrfmt("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
	            "\"digest\":\"sha256:%s\",\"size\":%zu}",
	            layer->hex, layer->len);

	return xstrfmt("{\"schemaVersion\":2,"
	               "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	               "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
	               "\"digest\":\"sha256:%s\",\"size\":%zu},\"layers\":[%s,%s]}",
	               config->hex, config->len, desc, desc);
}

static char *oci_index(const struct doc *manifest)
{
	return xstrfmt("{\"schemaVersion\":2,\"manifests\":[{"
	               "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	               "\"digest\":\"sha256:%s\",\"size\":%zu,"
	               "\"annotations\":{\"org.opencontainers.image.ref.name\":\"fuzz:1\"}}]}",
	               manifest->hex, manifest->len);
}

static void add_entry(struct archive *a, const char *name, const struct doc *d)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)d->len);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (d->len > 0 && archive_write_data(a, d->data, d->len) != (la_ssize_t)d->len))
		abort();
	archive_entry_free(e);
}

static void add_blob(struct archive *a, const struct doc *d)
{
	cleanup_free char *name = xstrfmt("blobs/sha256/%s", d->hex);

	add_entry(a, name, d);
}

/* The archive for role with document doc, written to fd. */
static void write_archive(int fd, enum role role, const struct doc *doc)
{
	struct archive *a = archive_write_new();
	struct doc layer, config, manifest, index, text;
	cleanup_free char *manifest_text = NULL, *index_text = NULL;

	doc_set(&layer, empty_layer, sizeof(empty_layer));
	doc_set(&config, fixed_config, strlen(fixed_config));
	manifest_text = oci_manifest(&config, &layer);
	doc_set(&manifest, manifest_text, strlen(manifest_text));
	if (a == NULL || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		abort();
	if (role == ROLE_DOCKER_MANIFEST || role == ROLE_IMAGE_CONFIG) {
		doc_set(&text, docker_manifest, strlen(docker_manifest));
		add_entry(a, "manifest.json", role == ROLE_DOCKER_MANIFEST ? doc : &text);
		add_entry(a, "config.json", role == ROLE_IMAGE_CONFIG ? doc : &config);
		add_entry(a, "layer.tar", &layer);
	} else {
		index_text = oci_index(role == ROLE_OCI_MANIFEST ? doc : &manifest);
		doc_set(&index, index_text, strlen(index_text));
		doc_set(&text, oci_layout, strlen(oci_layout));
		add_entry(a, "oci-layout", &text);
		add_entry(a, "index.json", role == ROLE_OCI_INDEX ? doc : &index);
		add_blob(a, role == ROLE_OCI_MANIFEST ? doc : &manifest);
		add_blob(a, &config);
		add_blob(a, &layer);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		abort();
	(void)archive_write_free(a);
}

static void check_refs(struct img_store *s, char **refs)
{
	struct pp_error err = {0};

	for (char **ref = refs; ref && *ref; ref++) {
		struct img_image *img = NULL;

		if (img_store_resolve(s, *ref, &img, &err) < 0) {
			(void)fprintf(stderr, "fuzz: loaded '%s' does not resolve: %s\n", *ref,
			              err.msg);
			abort();
		}
		img_image_free(img);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_error err = {0};
	struct img_store *s = NULL;
	cleanup_strv char **refs = NULL;
	cleanup_free char *root = xstrfmt("%s/store", fuzz_tmpdir());
	cleanup_free char *path = NULL;
	cleanup_close int fd = fuzz_memfd(NULL, 0);
	struct doc doc;

	if (size < 1 || size > (size_t)IMG_JSON_MAX)
		return 0;
	doc_set(&doc, (const char *)data + 1, size - 1);
	write_archive(fd, (enum role)(data[0] % ROLE_COUNT), &doc);
	path = xstrfmt("/proc/self/fd/%d", fd);
	if (img_store_open(root, &s, &err) < 0)
		abort();
	if (img_store_load(s, path, &refs, NULL, &err) >= 0)
		check_refs(s, refs);
	img_store_free(s);
	if (fs_rm_rf(root, &err) < 0)
		abort();
	fuzz_assert_only(fuzz_tmpdir(), NULL);
	return 0;
}
