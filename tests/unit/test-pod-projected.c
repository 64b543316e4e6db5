/* SPDX-License-Identifier: Apache-2.0 */
/* The atomic writer (layout, ..data swap, unchanged no-op, modes, removed
 * files, escaping paths), the downward API's formats, and payloads of
 * items from the ConfigMap store. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "pod/atomic-writer.h"
#include "pod/objects.h"
#include "pod/paths.h"
#include "pod/projected.h"
#include "spec/object.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct fixture {
	char dir[64];
};

static int fx_setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));

	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/test-projected.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fs_rm_rf(f->dir, NULL), 0);
	free(f);
	return 0;
}

static char *read_at(const char *dir, const char *rel)
{
	cleanup_free char *path = xstrfmt("%s/%s", dir, rel);
	char *buf = NULL;

	if (fs_read_all(path, 1 << 20, &buf, NULL, NULL) < 0)
		return NULL;
	return buf;
}

static char *link_at(const char *dir, const char *rel)
{
	cleanup_free char *path = xstrfmt("%s/%s", dir, rel);
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

static mode_t mode_at(const char *dir, const char *rel)
{
	cleanup_free char *path = xstrfmt("%s/%s", dir, rel);
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void write_ok(const char *dir, const struct pod_payload *pl, bool want_changed)
{
	struct pp_error err = {0};
	bool changed = !want_changed;

	assert_int_equal(pod_atomic_write(dir, pl, &changed, &err), 0);
	assert_int_equal(changed, want_changed);
}

static void test_layout_and_swap(void **state)
{
	struct fixture *f = *state;
	struct pod_payload pl = {.n = 0};
	cleanup_free char *ts1 = NULL, *ts2 = NULL, *l = NULL, *v = NULL;
	cleanup_free char *old = NULL;

	pod_payload_add(&pl, "a", "one", 3, 0644);
	pod_payload_add(&pl, "d/e/f", "deep", 4, 0400);
	write_ok(f->dir, &pl, true);
	ts1 = link_at(f->dir, "..data");
	assert_non_null(ts1);
	assert_true(strncmp(ts1, "..20", 4) == 0);
	l = link_at(f->dir, "a");
	assert_string_equal(l, "..data/a");
	free(l);
	l = link_at(f->dir, "d");
	assert_string_equal(l, "..data/d");
	v = read_at(f->dir, "d/e/f");
	assert_string_equal(v, "deep");
	assert_int_equal(mode_at(f->dir, "a"), 0644);
	assert_int_equal(mode_at(f->dir, "d/e/f"), 0400);
	/* the same payload: nothing is written */
	write_ok(f->dir, &pl, false);
	l = (free(l), link_at(f->dir, "..data"));
	assert_string_equal(l, ts1);
	/* a mode change alone is a change */
	pl.files[0].mode = 0600;
	write_ok(f->dir, &pl, true);
	assert_int_equal(mode_at(f->dir, "a"), 0600);
	/* new content, a file dropped: a new folder, the old one and the
	 * dropped link gone */
	pod_payload_clear(&pl);
	pod_payload_add(&pl, "a", "two", 3, 0644);
	write_ok(f->dir, &pl, true);
	ts2 = link_at(f->dir, "..data");
	assert_string_not_equal(ts1, ts2);
	free(v);
	v = read_at(f->dir, "a");
	assert_string_equal(v, "two");
	old = xstrfmt("%s/%s", f->dir, ts1);
	assert_int_equal(access(old, F_OK), -1);
	free(l);
	l = link_at(f->dir, "d");
	assert_null(l);
	/* a file dropped from a payload is a change even when the rest is not */
	pod_payload_add(&pl, "b", "", 0, 0644);
	write_ok(f->dir, &pl, true);
	pod_payload_clear(&pl);
	pod_payload_add(&pl, "a", "two", 3, 0644);
	write_ok(f->dir, &pl, true);
	pod_payload_clear(&pl);
}

static void test_bad_paths(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"../x", "/etc/passwd", "..data", "a/../../b",
	                                  "",     "a//b",        "a/",     NULL};
	struct pp_error err = {0};
	bool changed = false;

	for (size_t i = 0; bad[i] != NULL; i++) {
		struct pod_payload pl = {.n = 0};

		pod_payload_add(&pl, bad[i], "x", 1, 0644);
		assert_int_equal(pod_atomic_write(f->dir, &pl, &changed, &err), -EINVAL);
		pod_payload_clear(&pl);
	}
	{
		struct pod_payload pl = {.n = 0};

		pod_payload_add(&pl, "a", "x", 1, 0644);
		pod_payload_add(&pl, "a/b", "x", 1, 0644);
		assert_int_equal(pod_atomic_write(f->dir, &pl, &changed, &err), -EINVAL);
		pod_payload_clear(&pl);
	}
	/* nothing was created */
	assert_null(link_at(f->dir, "..data"));
}

static void test_quote_and_map(void **state)
{
	char *keys[] = {"zone", "app", "note", NULL};
	char *values[] = {"east", "web", "say \"hi\"\t\n\\ \x01 caf\xc3\xa9 \xff", NULL};
	cleanup_free char *m = NULL, *q = NULL, *e = NULL;

	(void)state;
	m = pod_downward_map(keys, values);
	assert_string_equal(
	    m,
	    "app=\"web\"\nnote=\"say \\\"hi\\\"\\t\\n\\\\ \\x01 caf\xc3\xa9 \\xff\"\nzone=\"east\"");
	q = pod_downward_quote("");
	assert_string_equal(q, "\"\"");
	e = pod_downward_map(NULL, NULL);
	assert_string_equal(e, "");
}

#define POD_TEXT                                                                        \
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {b: '2', a: '1'}\n" \
	"spec:\n  containers:\n  - name: c\n    image: busybox\n"                       \
	"    resources: {limits: {cpu: 1500m, memory: 3Mi}, requests: {cpu: 100m}}\n"

static struct pod *parse(const char *text)
{
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 0;

	assert_int_equal(pod_spec_parse_yaml(text, strlen(text), "t.yaml", &pods, &n, &err), 0);
	assert_int_equal(n, 1);
	return pods;
}

static void test_fields(void **state)
{
	struct pod *pod = parse(POD_TEXT);
	struct pod_downward_file rf = {.rf_container = "c", .rf_resource = "limits.cpu"};
	struct pp_error err = {0};
	char *v = NULL;

	(void)state;
	pod->uid = xstrdup("u-1");
	assert_int_equal(pod_downward_field(pod, "metadata.labels", &v, &err), 0);
	assert_string_equal(v, "a=\"1\"\nb=\"2\"");
	free(v);
	assert_int_equal(pod_downward_field(pod, "metadata.labels['b']", &v, &err), 0);
	assert_string_equal(v, "2");
	free(v);
	assert_int_equal(pod_downward_field(pod, "metadata.annotations['x']", &v, &err), 0);
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(pod_downward_field(pod, "metadata.uid", &v, &err), 0);
	assert_string_equal(v, "u-1");
	free(v);
	/* 1500m in cores: rounded up */
	assert_int_equal(pod_downward_resource(pod, &rf, "/", &v, &err), 0);
	assert_string_equal(v, "2");
	free(v);
	rf.rf_divisor = "1m";
	assert_int_equal(pod_downward_resource(pod, &rf, "/", &v, &err), 0);
	assert_string_equal(v, "1500");
	free(v);
	rf.rf_resource = "limits.memory";
	rf.rf_divisor = "1Ki";
	assert_int_equal(pod_downward_resource(pod, &rf, "/", &v, &err), 0);
	assert_string_equal(v, "3072");
	free(v);
	/* requests defaulted from limits, as the API server does */
	rf.rf_resource = "requests.memory";
	rf.rf_divisor = NULL;
	assert_int_equal(pod_downward_resource(pod, &rf, "/", &v, &err), 0);
	assert_string_equal(v, "3145728");
	free(v);
	rf.rf_resource = "requests.cpu";
	assert_int_equal(pod_downward_resource(pod, &rf, "/", &v, &err), 0);
	assert_string_equal(v, "1");
	free(v);
	rf.rf_container = "nope";
	assert_int_equal(pod_downward_resource(pod, &rf, "/", &v, &err), -EINVAL);
	assert_string_equal(err.msg, "container nope not found");
	pod_free(pod);
}

static void put_cm(const struct pod_paths *paths, const char *json)
{
	json_object *o = json_tokener_parse(json);
	struct pp_error err = {0};
	enum kobj_put_result res;
	struct kobj *k = NULL;

	assert_int_equal(kobj_from_json(o, &k, &err), 0);
	assert_int_equal(kobj_store_put(paths, k, &res, &err), 0);
	kobj_free(k);
	json_object_put(o);
}

static void test_items_payload(void **state)
{
	struct fixture *f = *state;
	struct pod_paths paths = {0};
	struct pp_error err = {0};
	struct pod_payload pl = {.n = 0};
	struct pod *pod = parse(POD_TEXT "    volumeMounts: [{name: v, mountPath: /v}]\n"
	                                 "  volumes:\n  - name: v\n    configMap:\n"
	                                 "      name: cm\n      defaultMode: 0440\n"
	                                 "      items: [{key: k, path: x/k, mode: 0600}, {key: j, "
	                                 "path: j}]\n");

	(void)state;
	assert_int_equal(pod_paths_init(f->dir, &paths, &err), 0);
	assert_int_equal(pod_projected_payload(&paths, pod, &pod->volumes[0], f->dir, &pl, &err),
	                 -ENOENT);
	assert_string_equal(err.msg, "configmap \"cm\" not found");
	put_cm(&paths,
	       "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\"},"
	       "\"data\":{\"k\":\"K\",\"other\":\"O\"}}");
	assert_int_equal(pod_projected_payload(&paths, pod, &pod->volumes[0], f->dir, &pl, &err),
	                 -ENOENT);
	assert_string_equal(err.msg, "configmap references non-existent config key: j");
	pod_payload_clear(&pl);
	pod->volumes[0].sources[0].optional = true;
	assert_int_equal(pod_projected_payload(&paths, pod, &pod->volumes[0], f->dir, &pl, &err),
	                 0);
	assert_int_equal(pl.n, 1);
	assert_string_equal(pl.files[0].path, "x/k");
	assert_string_equal((char *)pl.files[0].data, "K");
	assert_int_equal(pl.files[0].mode, 0600);
	pod_payload_clear(&pl);
	pod->volumes[0].sources[0].n_items = 0;
	assert_int_equal(pod_projected_payload(&paths, pod, &pod->volumes[0], f->dir, &pl, &err),
	                 0);
	assert_int_equal(pl.n, 2);
	assert_int_equal(pl.files[1].mode, 0440);
	pod->volumes[0].sources[0].n_items = 2;
	pod_payload_clear(&pl);
	pod_paths_clear(&paths);
	pod_free(pod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_layout_and_swap, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_paths, fx_setup, fx_teardown),
	    cmocka_unit_test(test_quote_and_map),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test_setup_teardown(test_items_payload, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
