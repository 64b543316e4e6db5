/* SPDX-License-Identifier: Apache-2.0 */
/* The store's bookkeeping on a store made by hand in a temporary folder (no
 * archive, no unpacking): reference counts of shared layers and blobs,
 * removal by name and by id, prune, tag, sizes, inspect's built manifest. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
/* clang-format on */

#include "image/image.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

struct fixture {
	char root[64];
	struct img_store *s;
};

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	struct pp_error err = {0};

	snprintf(f->root, sizeof(f->root), "/tmp/test-image-store.XXXXXX");
	if (mkdtemp(f->root) == NULL || img_store_open(f->root, &f->s, &err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	img_store_free(f->s);
	(void)fs_rm_rf(f->root, NULL);
	free(f);
	return 0;
}

/* root/dir/name+suffix */
static char *path(struct fixture *f, const char *dir, const char *name, const char *suffix)
{
	return xstrfmt("%s/%s/%s%s", f->root, dir, name, suffix);
}

static bool exists(struct fixture *f, const char *dir, const char *name, const char *suffix)
{
	cleanup_free char *p = path(f, dir, name, suffix);

	return access(p, F_OK) == 0;
}

/* A blob with content; its digest ("sha256:<hex>") into ret. */
static void blob(struct fixture *f, const char *content, size_t n, char ret[IMG_HEX_LEN + 8])
{
	struct img_sha256 h;
	char hex[IMG_HEX_LEN + 1];
	cleanup_free char *p = NULL;

	assert_int_equal(img_sha256_init(&h, NULL), 0);
	img_sha256_update(&h, content, n);
	img_sha256_final(&h, hex);
	p = path(f, "blobs/sha256", hex, "");
	assert_int_equal(fs_write_atomic(p, content, n, 0644, NULL), 0);
	snprintf(ret, IMG_HEX_LEN + 8, "sha256:%s", hex);
}

/* A layer: its blob (content), an unpacked folder and marker named by a
 * made-up diff-id. */
struct layer {
	char blob[IMG_HEX_LEN + 8];
	char diffid[IMG_HEX_LEN + 8];
};

static void layer(struct fixture *f, const char *content, struct layer *ret)
{
	cleanup_free char *dir = NULL, *done = NULL;
	cleanup_free char *d = xstrfmt("diff of %s", content);

	blob(f, content, strlen(content), ret->blob);
	blob(f, d, strlen(d), ret->diffid); /* only for a hex: not a blob of the image */
	dir = path(f, "blobs/sha256", ret->diffid + 7, "");
	assert_int_equal(unlink(dir), 0);
	free(dir);
	dir = path(f, "layers/sha256", ret->diffid + 7, "");
	done = xstrfmt("%s.done", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(fs_write_atomic(done, "", 0, 0644, NULL), 0);
}

/* An image of layers, committed with refs; its id into ret. */
static void image(struct fixture *f, const char *name, struct layer *const *layers, char **refs,
                  char ret[IMG_HEX_LEN + 8])
{
	cleanup_strv char **diffids = xcalloc(1, sizeof(char *));
	cleanup_strv char **blobs = xcalloc(1, sizeof(char *));
	cleanup_json json_object *cfg = json_object_new_object();
	json_object *rootfs = json_object_new_object();
	struct img_record rec = {.refs = refs, .created = "2023-11-14T22:13:20Z"};
	const char *text;

	for (struct layer *const *l = layers; *l; l++)
		strv_push(&diffids, (*l)->diffid);
	json_object_object_add(cfg, "architecture", json_object_new_string("amd64"));
	json_object_object_add(cfg, "os", json_object_new_string("linux"));
	json_object_object_add(cfg, "comment", json_object_new_string(name));
	json_object_object_add(rootfs, "diff_ids", json_from_strv(diffids));
	json_object_object_add(cfg, "rootfs", rootfs);
	text = json_object_to_json_string(cfg);
	blob(f, text, strlen(text), ret);
	strv_push(&blobs, ret);
	for (struct layer *const *l = layers; *l; l++)
		strv_push(&blobs, (*l)->blob);
	rec.config_hex = ret + 7;
	rec.diffids = diffids;
	rec.blobs = blobs;
	assert_int_equal(img_store_commit(f->s, &rec, NULL), 0);
}

static void test_shared_layer_stays_until_both_go(void **state)
{
	struct fixture *f = *state;
	struct layer l1, l2, l3;
	struct layer *la[] = {&l1, &l2, NULL}, *lb[] = {&l1, &l3, NULL};
	char *ra[] = {"docker.io/library/a:1", NULL}, *rb[] = {"docker.io/library/b:1", NULL};
	char a[IMG_HEX_LEN + 8], b[IMG_HEX_LEN + 8];
	struct pp_error err = {0};
	char *deleted = NULL;

	layer(f, "one", &l1);
	layer(f, "two", &l2);
	layer(f, "three", &l3);
	image(f, "a", la, ra, a);
	image(f, "b", lb, rb, b);
	assert_int_equal(img_store_remove(f->s, "a:1", false, NULL, &deleted, &err), 0);
	assert_string_equal(deleted, a);
	free(deleted);
	assert_false(exists(f, "images", a + 7, ".json"));
	assert_false(exists(f, "blobs/sha256", a + 7, ""));
	assert_true(exists(f, "layers/sha256", l1.diffid + 7, ""));
	assert_true(exists(f, "blobs/sha256", l1.blob + 7, ""));
	assert_false(exists(f, "layers/sha256", l2.diffid + 7, ""));
	assert_false(exists(f, "layers/sha256", l2.diffid + 7, ".done"));
	assert_false(exists(f, "blobs/sha256", l2.blob + 7, ""));
	assert_true(exists(f, "layers/sha256", l3.diffid + 7, ""));
	assert_int_equal(img_store_remove(f->s, b, false, NULL, NULL, &err), 0);
	assert_false(exists(f, "layers/sha256", l1.diffid + 7, ""));
	assert_false(exists(f, "blobs/sha256", l1.blob + 7, ""));
	assert_false(exists(f, "blobs/sha256", b + 7, ""));
}

static void test_remove_by_name_and_id(void **state)
{
	struct fixture *f = *state;
	struct layer l1;
	struct layer *la[] = {&l1, NULL};
	char *ra[] = {"docker.io/library/a:1", "docker.io/library/a:2", NULL};
	char a[IMG_HEX_LEN + 8];
	struct pp_error err = {0};
	char **untagged = NULL, *deleted = NULL;
	char prefix[13];

	layer(f, "one", &l1);
	image(f, "a", la, ra, a);
	snprintf(prefix, sizeof(prefix), "%s", a + 7);
	/* by id with two names: podman's refusal, nothing changed */
	assert_int_equal(img_store_remove(f->s, prefix, false, &untagged, &deleted, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "by ID with more than one tag"));
	assert_null(untagged);
	assert_true(exists(f, "images", a + 7, ".json"));
	/* a name: untagged only */
	assert_int_equal(img_store_remove(f->s, "a:2", false, &untagged, &deleted, &err), 0);
	assert_string_equal(untagged[0], "docker.io/library/a:2");
	assert_null(untagged[1]);
	assert_null(deleted);
	strv_free(untagged);
	assert_true(exists(f, "layers/sha256", l1.diffid + 7, ""));
	/* force: every name, then the image */
	assert_int_equal(img_store_remove(f->s, a, true, &untagged, &deleted, &err), 0);
	assert_string_equal(untagged[0], "docker.io/library/a:1");
	assert_string_equal(deleted, a);
	strv_free(untagged);
	free(deleted);
	assert_false(exists(f, "layers/sha256", l1.diffid + 7, ""));
	assert_int_equal(img_store_remove(f->s, a, true, NULL, NULL, &err), -ENOENT);
}

static void test_prune_and_tag(void **state)
{
	struct fixture *f = *state;
	struct layer l1, l2;
	struct layer *la[] = {&l1, NULL}, *lb[] = {&l1, &l2, NULL};
	char *ra[] = {"docker.io/library/a:1", NULL}, *rb[] = {"docker.io/library/b:1", NULL};
	char a[IMG_HEX_LEN + 8], b[IMG_HEX_LEN + 8];
	struct pp_error err = {0};
	char **removed = NULL;
	cleanup_free char *junk = path(f, "tmp", "load-dead", "");

	layer(f, "one", &l1);
	layer(f, "two", &l2);
	image(f, "a", la, ra, a);
	image(f, "b", lb, rb, b);
	assert_int_equal(mkdir(junk, 0700), 0);
	/* the name moves from a to b: a is left dangling */
	assert_int_equal(img_store_tag(f->s, "b:1", "a:1", &err), 0);
	assert_int_equal(img_store_tag(f->s, "nothere:1", "x", &err), -ENOENT);
	assert_int_equal(img_store_tag(f->s, "b:1", "a@sha256:0", &err), -EINVAL);
	{
		char *keep[] = {a, NULL};

		assert_int_equal(img_store_prune(f->s, false, keep, &removed, &err), 0);
		strv_free(removed);
	}
	assert_int_equal(img_store_prune(f->s, false, NULL, &removed, &err), 1);
	assert_string_equal(removed[0], a);
	strv_free(removed);
	assert_false(exists(f, "tmp", "load-dead", ""));
	assert_true(exists(f, "layers/sha256", l1.diffid + 7, ""));
	{
		char *keep[] = {b, NULL};

		assert_int_equal(img_store_prune(f->s, true, keep, NULL, &err), 0);
	}
	assert_int_equal(img_store_prune(f->s, true, NULL, NULL, &err), 1);
	assert_false(exists(f, "layers/sha256", l2.diffid + 7, ""));
	assert_false(exists(f, "blobs/sha256", l1.blob + 7, ""));
}

static void test_size_and_inspect(void **state)
{
	struct fixture *f = *state;
	/* a gzip member's header and trailer (RFC 1952): ISIZE 100000 */
	static const char gz[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
	                         "\x03\x00\x00\x00\x00\x00\xa0\x86\x01\x00";
	struct layer l1, l2;
	struct layer *la[] = {&l1, &l2, NULL};
	char *ra[] = {"docker.io/library/a:1", NULL};
	char a[IMG_HEX_LEN + 8];
	struct pp_error err = {0};
	struct img_list_entry *l = NULL;
	cleanup_json json_object *o = NULL;
	cleanup_free char *cfg = NULL;
	size_t n = 0;
	struct stat st;

	layer(f, "plain tar", &l1);
	layer(f, "placeholder", &l2);
	{
		/* l2's blob is a gzip stream instead */
		cleanup_free char *old = path(f, "blobs/sha256", l2.blob + 7, "");

		assert_int_equal(unlink(old), 0);
		blob(f, gz, sizeof(gz) - 1, l2.blob);
	}
	image(f, "a", la, ra, a);
	cfg = path(f, "blobs/sha256", a + 7, "");
	assert_int_equal(stat(cfg, &st), 0);
	assert_int_equal(img_store_list(f->s, &l, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].size, (int64_t)strlen("plain tar") + 100000 + st.st_size);
	img_list_free(l, n);

	assert_int_equal(img_store_inspect(f->s, "a:1", &o, &err), 0);
	assert_string_equal(json_get_str(o, "Id"), a + 7);
	assert_string_equal(json_get_str(o, "ManifestType"), IMG_OCI_MANIFEST_TYPE);
	assert_string_equal(json_get_str(o, "Os"), "linux");
	assert_string_equal(json_get_str(o, "Comment"), "a");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
	                        json_get_arr(json_get_obj(o, "RootFS"), "Layers"), 1)),
	                    l2.diffid);
	{
		/* the Digest is of the OCI manifest built from the blobs, which
		 * names their media types by magic */
		struct img_stored s;

		assert_int_equal(img_stored_read(f->s, a, &s, &err), 0);
		assert_string_equal(json_get_str(o, "Digest"), s.digest);
		assert_non_null(strstr(s.manifest, "\"application/vnd.oci.image.layer.v1.tar\""));
		assert_non_null(strstr(s.manifest, "application/vnd.oci.image.layer.v1.tar+gzip"));
		img_stored_clear(&s);
	}
	assert_int_equal(img_store_inspect(f->s, "b:1", &o, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "\"b:1\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_shared_layer_stays_until_both_go, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_by_name_and_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prune_and_tag, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_size_and_inspect, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
