/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of ConfigMap and Secret objects: decoding, the API server's
 * validation messages, round trips, base64, and the object store in a
 * temporary root. */
/* cmocka.h needs these headers first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
/* clang-format on */

#include <sys/stat.h>

#include "pod/objects.h"
#include "pod/paths.h"
#include "spec/manifest.h"
#include "spec/object.h"
#include "spec/pod.h"
#include "util/base64.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define CM(rest) \
	"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}" rest "}"
#define SECRET(rest) \
	"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"}" rest "}"

static int decode(const char *text, struct kobj **ret, struct pp_error *err)
{
	json_object *obj = json_tokener_parse(text);
	int r;

	assert_non_null(obj);
	pp_error_clear(err);
	r = kobj_from_json(obj, ret, err);
	json_object_put(obj);
	return r;
}

static struct kobj *decode_ok(const char *text)
{
	struct pp_error err = {0};
	struct kobj *o = NULL;

	if (decode(text, &o, &err) < 0)
		fail_msg("%s: %s", text, err.msg);
	return o;
}

static void expect_error(const char *text, const char *msg)
{
	struct pp_error err = {0};
	struct kobj *o = NULL;

	assert_int_equal(decode(text, &o, &err), -EINVAL);
	assert_null(o);
	assert_string_equal(err.msg, msg);
}

static void test_configmap(void **state)
{
	struct kobj *o = decode_ok(CM(",\"data\":{\"b\":\"two\",\"a\":\"one\"},"
	                              "\"binaryData\":{\"bin\":\"AAE=\"}"));
	const struct kobj_entry *e;

	(void)state;
	assert_int_equal(o->kind, KOBJ_CONFIGMAP);
	assert_string_equal(o->namespace_, "default");
	assert_null(o->type);
	assert_int_equal(o->n_entries, 3);
	assert_string_equal(o->entries[0].key, "a"); /* sorted */
	assert_string_equal(o->entries[1].key, "b");
	assert_false(o->entries[0].binary);
	e = kobj_entry_find(o, "bin");
	assert_non_null(e);
	assert_true(e->binary);
	assert_int_equal(e->len, 2);
	assert_int_equal(e->value[0], 0);
	assert_int_equal(e->value[1], 1);
	assert_null(kobj_entry_find(o, "zz"));
	kobj_free(o);
}

static void test_secret(void **state)
{
	struct kobj *o = decode_ok(SECRET(",\"data\":{\"user\":\"YWRtaW4=\",\"pw\":\"eA==\"},"
	                                  "\"stringData\":{\"pw\":\"secret\"}"));
	const struct kobj_entry *e;

	(void)state;
	assert_string_equal(o->type, "Opaque");
	assert_int_equal(o->n_entries, 2);
	e = kobj_entry_find(o, "user");
	assert_string_equal((const char *)e->value, "admin");
	assert_true(e->binary);
	/* stringData wins over data, as the API server merges it */
	e = kobj_entry_find(o, "pw");
	assert_string_equal((const char *)e->value, "secret");
	assert_true(e->binary);
	kobj_free(o);
}

static void test_round_trip(void **state)
{
	static const char *const docs[] = {
	    CM(",\"data\":{\"k\":\"v\\n\"},\"binaryData\":{\"b\":\"/wA=\"},\"immutable\":true"),
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\",\"namespace\":"
	    "\"ns1\",\"labels\":{\"a\":\"b\"},\"annotations\":{\"x/y\":\"z\"}},\"data\":{\"k\":"
	    "\"AAEC\"},\"type\":\"example.com/t\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct kobj *a = decode_ok(docs[i]), *b = NULL;
		json_object *j = kobj_to_json(a);
		struct pp_error err = {0};

		assert_int_equal(kobj_from_json(j, &b, &err), 0);
		assert_true(kobj_equal(a, b));
		json_object_put(j);
		free(b->entries[0].value);
		b->entries[0].value = (unsigned char *)xstrdup("changed");
		b->entries[0].len = 7;
		assert_false(kobj_equal(a, b));
		kobj_free(a);
		kobj_free(b);
	}
}

static void test_encode(void **state)
{
	struct kobj *o = decode_ok(SECRET(",\"stringData\":{\"k\":\"hello\"}"));
	json_object *j = kobj_to_json(o);

	(void)state;
	assert_string_equal(json_get_str(json_get_obj(j, "data"), "k"), "aGVsbG8=");
	assert_string_equal(json_get_str(j, "type"), "Opaque");
	assert_null(json_get_obj(j, "stringData"));
	json_object_put(j);
	kobj_free(o);
}

#define KEY_MSG                                                                              \
	"a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. " \
	"'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "          \
	"'[-._a-zA-Z0-9]+')"

static void test_keys(void **state)
{
	(void)state;
	expect_error(CM(",\"data\":{\"a b\":\"x\"}"),
	             "data[a b]: Invalid value: \"a b\": " KEY_MSG);
	expect_error(CM(",\"binaryData\":{\"a/b\":\"eA==\"}"),
	             "binaryData[a/b]: Invalid value: \"a/b\": " KEY_MSG);
	expect_error(CM(",\"data\":{\"..x\":\"x\"}"),
	             "data[..x]: Invalid value: \"..x\": must not start with '..'");
	expect_error(CM(",\"data\":{\".\":\"x\"}"),
	             "data[.]: Invalid value: \".\": must not be '.'");
	expect_error(SECRET(",\"stringData\":{\"\":\"x\"}"),
	             "data[]: Invalid value: \"\": " KEY_MSG);
	expect_error(CM(",\"data\":{\"k\":\"x\"},\"binaryData\":{\"k\":\"eA==\"}"),
	             "data[k]: Invalid value: \"k\": duplicate of key present in binaryData");
	assert_null(kobj_key_problem("key.name_KEY-1"));
	assert_null(kobj_key_problem(".hidden"));
}

static void test_refused(void **state)
{
	(void)state;
	expect_error(CM(",\"stringData\":{}"), "unknown field \"stringData\"");
	expect_error(CM(",\"data\":{\"k\":1}"), "data[k]: Invalid value: 1: expected string");
	expect_error("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}",
	             "metadata.name: Required value: name or generateName is required");
	expect_error("{\"apiVersion\":\"v2\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"}}",
	             "unknown apiVersion \"v2\" for kind \"Secret\"");
	expect_error("{\"apiVersion\":\"v1\",\"kind\":\"Service\"}",
	             "unknown kind \"Service\": expected ConfigMap or Secret");
	expect_error(SECRET(",\"data\":{\"k\":\"abc\"}"),
	             "data[k]: illegal base64 data at input byte 0");
	expect_error(SECRET(",\"data\":{\"k\":\"ab!c\"}"),
	             "data[k]: illegal base64 data at input byte 2");
	expect_error(SECRET(",\"type\":\"kubernetes.io/tls\",\"stringData\":{\"tls.crt\":\"x\"}"),
	             "data[tls.key]: Required value");
}

static void test_size(void **state)
{
	size_t n = (size_t)1024 * 1024;
	cleanup_free char *big = xmalloc(n + 2);
	cleanup_free char *ok = NULL, *over = NULL, *sec = NULL;
	struct kobj *o;

	(void)state;
	memset(big, 'x', n + 1);
	big[n + 1] = '\0';
	over = xstrfmt(CM(",\"data\":{\"k\":\"%s\"}"), big);
	expect_error(over, "[]: Too long: must have at most 1048576 bytes");
	sec = xstrfmt(SECRET(",\"stringData\":{\"k\":\"%s\"}"), big);
	expect_error(sec, "data: Too long: must have at most 1048576 bytes");
	big[n] = '\0';
	ok = xstrfmt(CM(",\"data\":{\"k\":\"%s\"}"), big);
	o = decode_ok(ok);
	assert_int_equal(o->entries[0].len, n);
	kobj_free(o);
}

static void test_base64(void **state)
{
	static const struct {
		const char *in;
		const char *out; /* NULL: error at bad */
		size_t bad;
	} cases[] = {
	    {"", "", 0},
	    {"aGVsbG8=", "hello", 0},
	    {"aGVs\nbG8=", "hello", 0},
	    {"aGVsbA==", "hell", 0},
	    {"aGVsbA=", NULL, 7},
	    {"aGVsbG8", NULL, 4},
	    {"a", NULL, 0},
	    {"aGVsbG8=x", NULL, 8},
	    {"=AAA", NULL, 0},
	    {"a*==", NULL, 1},
	};
	struct pp_error err = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *out = NULL;
		size_t len = 0;
		int r = b64_decode(cases[i].in, strlen(cases[i].in), &out, &len, &err);

		if (cases[i].out != NULL) {
			assert_int_equal(r, 0);
			assert_string_equal((const char *)out, cases[i].out);
			assert_int_equal(len, strlen(cases[i].out));
			free(out);
		} else {
			char msg[64];

			assert_int_equal(r, -EINVAL);
			(void)snprintf(msg, sizeof(msg), "illegal base64 data at input byte %zu",
			               cases[i].bad);
			assert_string_equal(err.msg, msg);
		}
	}
	for (size_t n = 0; n < 5; n++) {
		cleanup_free char *e = b64_encode("hello", n);
		unsigned char *d = NULL;
		size_t len = 0;

		assert_int_equal(b64_decode(e, strlen(e), &d, &len, &err), 0);
		assert_int_equal(len, n);
		assert_memory_equal(d, "hello", n);
		free(d);
	}
}

static void test_dockerconfigjson(void **state)
{
	struct kobj *o;

	(void)state;
	expect_error(SECRET(",\"type\":\"kubernetes.io/dockerconfigjson\""),
	             "data[.dockerconfigjson]: Required value");
	expect_error(SECRET(",\"type\":\"kubernetes.io/dockerconfigjson\",\"stringData\":{"
	                    "\".dockerconfigjson\":\"[1]\"}"),
	             "data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": "
	             "json: cannot unmarshal array into Go value of type map[string]interface {}");
	o = decode_ok(SECRET(",\"type\":\"kubernetes.io/dockerconfigjson\",\"stringData\":{"
	                     "\".dockerconfigjson\":\"{\\\"auths\\\":{}}\"}"));
	assert_string_equal(o->type, "kubernetes.io/dockerconfigjson");
	kobj_free(o);
}

#define STREAM                                                                              \
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  uid: u1\ndata:\n  k: v\n" \
	"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\nspec:\n"    \
	"  runtimeClassName: kata\n  containers:\n  - name: c\n    image: busybox\n"        \
	"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: v\n"

static void test_manifest(void **state)
{
	static const char good[] = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
	                           "  containers:\n  - name: c\n    image: busybox\n---\n"
	                           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
	                           "  uid: u1\n";
	static const char bad_key[] = "kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\n"
	                              "data: {\"a b\": c}\n";
	struct manifest_doc *docs = NULL;
	struct manifest_ref *refs = NULL;
	struct pp_error err = {0};
	size_t n = 0;

	(void)state;
	assert_int_equal(manifest_parse(good, strlen(good), "m.yaml", &docs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(docs[0].kind, MANIFEST_POD);
	assert_string_equal(docs[0].pod->name, "p");
	assert_int_equal(docs[1].kind, MANIFEST_CONFIGMAP);
	assert_null(docs[1].obj->uid); /* the manifest's uid is not ours */
	manifest_docs_free(docs, n);
	/* one document apply refuses fails the stream */
	assert_int_equal(manifest_parse(STREAM, strlen(STREAM), "m.yaml", &docs, &n, &err),
	                 -EINVAL);
	assert_string_equal(
	    err.msg, "pods \"p\" is forbidden: pod rejected: RuntimeClass \"kata\" not found");
	/* delete -f reads kind, namespace and name only */
	assert_int_equal(manifest_parse_refs(STREAM, strlen(STREAM), "m.yaml", &refs, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(refs[1].kind, MANIFEST_POD);
	assert_string_equal(refs[1].ns, "ns");
	assert_string_equal(refs[1].name, "p");
	assert_int_equal(refs[2].kind, MANIFEST_SECRET);
	assert_string_equal(refs[2].ns, "default");
	manifest_refs_free(refs, n);
	assert_int_equal(manifest_parse("kind: Deployment\n", 17, "m.yaml", &docs, &n, &err),
	                 -EINVAL);
	assert_string_equal(err.msg, "unknown kind \"Deployment\": peapod runs Pods, ConfigMaps "
	                             "and Secrets only (apiVersion v1)");
	assert_int_equal(manifest_parse(bad_key, strlen(bad_key), "m.yaml", &docs, &n, &err),
	                 -EINVAL);
	assert_non_null(
	    strstr(err.msg, "The ConfigMap \"x\" is invalid: data[a b]: Invalid value"));
}

struct store_fixture {
	char dir[64];
	struct pod_paths paths;
};

static int store_setup(void **state)
{
	struct store_fixture *f = xzalloc(sizeof(*f));
	struct pp_error err = {0};

	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/test-objects.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(pod_paths_init(f->dir, &f->paths, &err), 0);
	*state = f;
	return 0;
}

static int store_teardown(void **state)
{
	struct store_fixture *f = *state;
	struct pp_error err = {0};

	assert_int_equal(fs_rm_rf(f->dir, &err), 0);
	pod_paths_clear(&f->paths);
	free(f);
	return 0;
}

static void put(struct store_fixture *f, const char *text, int want, enum kobj_put_result result,
                struct pp_error *err)
{
	struct kobj *o = decode_ok(text);
	enum kobj_put_result got = KOBJ_CREATED;

	pp_error_clear(err);
	assert_int_equal(kobj_store_put(&f->paths, o, &got, err), want);
	if (want == 0)
		assert_int_equal(got, result);
	kobj_free(o);
}

static void test_store(void **state)
{
	struct store_fixture *f = *state;
	struct pp_error err = {0};
	struct kobj *o = NULL, **all = NULL;
	cleanup_free char *uid = NULL;
	size_t n = 0;

	put(f, CM(",\"data\":{\"k\":\"1\"}"), 0, KOBJ_CREATED, &err);
	put(f, CM(",\"data\":{\"k\":\"1\"}"), 0, KOBJ_UNCHANGED, &err);
	assert_int_equal(kobj_store_get(&f->paths, KOBJ_CONFIGMAP, "default", "c", &o, &err), 0);
	assert_non_null(o->uid);
	assert_non_null(o->creation_timestamp);
	assert_int_equal(strlen(o->creation_timestamp), 20);
	uid = xstrdup(o->uid);
	o = kobj_free(o);
	put(f, CM(",\"data\":{\"k\":\"2\"}"), 0, KOBJ_CONFIGURED, &err);
	assert_int_equal(kobj_store_get(&f->paths, KOBJ_CONFIGMAP, "default", "c", &o, &err), 0);
	assert_string_equal(o->uid, uid); /* kept on replace */
	assert_string_equal((const char *)o->entries[0].value, "2");
	o = kobj_free(o);

	put(f,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\","
	    "\"namespace\":\"zz\"}}",
	    0, KOBJ_CREATED, &err);
	assert_int_equal(kobj_store_list(&f->paths, KOBJ_CONFIGMAP, NULL, &all, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(all[0]->namespace_, "default");
	assert_string_equal(all[1]->namespace_, "zz");
	kobj_free_all(all, n);
	assert_int_equal(kobj_store_list(&f->paths, KOBJ_CONFIGMAP, "zz", &all, &n, &err), 0);
	assert_int_equal(n, 1);
	kobj_free_all(all, n);
	assert_int_equal(kobj_store_list(&f->paths, KOBJ_SECRET, NULL, &all, &n, &err), 0);
	assert_int_equal(n, 0);
	kobj_free_all(all, n);

	assert_int_equal(kobj_store_delete(&f->paths, KOBJ_CONFIGMAP, "default", "c", &err), 0);
	assert_int_equal(kobj_store_delete(&f->paths, KOBJ_CONFIGMAP, "default", "c", &err),
	                 -ENOENT);
	assert_string_equal(err.msg, "configmaps \"c\" not found");
	assert_int_equal(kobj_store_get(&f->paths, KOBJ_SECRET, "default", "../x", &o, &err),
	                 -ENOENT);
	assert_string_equal(err.msg, "secrets \"../x\" not found");
}

static void test_store_secret(void **state)
{
	struct store_fixture *f = *state;
	struct pp_error err = {0};
	cleanup_free char *file = xstrfmt("%s/objects/secrets/default/s.json", f->dir);
	cleanup_free char *dir = xstrfmt("%s/objects/secrets/default", f->dir);
	cleanup_free char *text = NULL;
	struct stat st;

	put(f, SECRET(",\"immutable\":true,\"stringData\":{\"k\":\"v\"}"), 0, KOBJ_CREATED, &err);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(fs_read_all(file, 1 << 20, &text, NULL, &err), 0);
	assert_null(strstr(text, "\"v\"")); /* stored as base64, as the API does */

	put(f, SECRET(",\"immutable\":true,\"stringData\":{\"k\":\"w\"}"), -EPERM, KOBJ_CREATED,
	    &err);
	assert_string_equal(err.msg, "data: Forbidden: field is immutable when `immutable` is set");
	put(f, SECRET(",\"stringData\":{\"k\":\"v\"}"), -EPERM, KOBJ_CREATED, &err);
	assert_string_equal(err.msg,
	                    "immutable: Forbidden: field is immutable when `immutable` is set");
	/* metadata may change on an immutable object */
	put(f,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\",\"labels\":{"
	    "\"a\":\"b\"}},\"immutable\":true,\"data\":{\"k\":\"dg==\"}}",
	    0, KOBJ_CONFIGURED, &err);
	put(f, SECRET(",\"immutable\":true,\"type\":\"x.io/y\",\"data\":{\"k\":\"dg==\"}"), -EPERM,
	    KOBJ_CREATED, &err);
	assert_string_equal(err.msg, "type: Invalid value: \"x.io/y\": field is immutable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_configmap),
	    cmocka_unit_test(test_secret),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_dockerconfigjson),
	    cmocka_unit_test(test_manifest),
	    cmocka_unit_test_setup_teardown(test_store, store_setup, store_teardown),
	    cmocka_unit_test_setup_teardown(test_store_secret, store_setup, store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
