/* SPDX-License-Identifier: Apache-2.0 */
/* pod_env_resolve(): the kubelet's environment of a container (order,
 * override, $(VAR) expansion, fieldRef, resourceFieldRef, ConfigMap and
 * Secret references, optional ones, the kubelet's errors), with a fake
 * object lookup; and the API server's checks of env and envFrom. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
/* clang-format on */

#include "pod/env.h"
#include "spec/object.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define HEAD                                                                     \
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n" \
	"  uid: ignored\n  labels: {app: store, tier: \"\"}\n"                   \
	"  annotations: {example.com/owner: ann}\n"
#define C0 HEAD "spec:\n  containers:\n  - name: c\n    image: busybox\n"

/* The objects the fake store holds (namespace shop). */
static const char *const objects[] = {
    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\","
    "\"namespace\":\"shop\"},\"data\":{\"A\":\"from-cm\",\"B\":\"b\",\"1bad\":\"x\","
    "\"2also\":\"y\"},\"binaryData\":{\"BIN\":\"AAE=\"}}",
    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"sec\","
    "\"namespace\":\"shop\"},\"data\":{\"PW\":\"aHVudGVyMg==\",\"A\":\"c2Vj\"}}",
    NULL,
};

static int lookups;

static int fake_lookup(void *data, enum kobj_kind kind, const char *ns, const char *name,
                       struct kobj **ret, struct pp_error *err)
{
	(void)data;
	lookups++;
	for (size_t i = 0; objects[i] != NULL; i++) {
		json_object *o = json_tokener_parse(objects[i]);
		struct kobj *k = NULL;

		assert_non_null(o);
		assert_int_equal(kobj_from_json(o, &k, err), 0);
		json_object_put(o);
		if (k->kind == kind && strcmp(k->name, name) == 0 &&
		    strcmp(k->namespace_, ns) == 0) {
			*ret = k;
			return 0;
		}
		kobj_free(k);
	}
	return pp_error_msg(err, ENOENT, "not found");
}

static const char *const test_ips[] = {"10.88.0.7", "fd00::7", NULL};

static const struct pod_env_ctx ctx = {
    .node_name = "node-1",
    .host_ip = "192.0.2.10",
    .pod_ips = test_ips,
    .node_cpu_milli = 4000,
    .node_memory = (uint64_t)8 << 30,
    .node_ephemeral = (uint64_t)100 << 30,
    .lookup = fake_lookup,
};

static struct pod *parse(const char *yaml)
{
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 0;

	if (pod_spec_parse_yaml(yaml, strlen(yaml), "t", &pods, &n, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, 1);
	pods[0].uid = xstrdup("0000-1111");
	return pods;
}

/* Resolve the first container of yaml; r its result, err its message. */
static char **resolve(const char *yaml, int *ret_r, char ***ret_warn, struct pp_error *err)
{
	struct pod *p = parse(yaml);
	char **env = NULL, **warn = NULL;

	*ret_r = pod_env_resolve(p, &p->containers[0], &ctx, &env, &warn, err);
	pod_free_all(p, 1);
	if (ret_warn != NULL)
		*ret_warn = warn;
	else
		strv_free(warn);
	return env;
}

static void assert_env(char **env, const char *const *want)
{
	size_t i = 0;

	assert_non_null(env);
	for (; want[i] != NULL; i++) {
		assert_non_null(env[i]);
		assert_string_equal(env[i], want[i]);
	}
	assert_null(env[i]);
}

static void test_order_override_expansion(void **state)
{
	struct pp_error err = {0};
	char **warn = NULL;
	int r = 0;
	cleanup_strv char **env = resolve(
	    C0 "    envFrom: [{configMapRef: {name: cfg}}, {prefix: S_, secretRef: {name: sec}}]\n"
	       "    env:\n"
	       "    - {name: X, value: \"$(A)/$(S_PW)/$(Y)/$$(A)/$$$(B)/$(A\"}\n"
	       "    - {name: B, value: over}\n"
	       "    - {name: Y, value: \"$(B)\"}\n"
	       "    - {name: A, valueFrom: {secretKeyRef: {name: sec, key: A}}}\n"
	       "    - {name: Z, valueFrom: {configMapKeyRef: {name: cfg, key: B}}}\n",
	    &r, &warn, &err);

	(void)state;
	assert_int_equal(r, 0);
	/* envFrom first (keys sorted, BIN binary so not in env), then env; a
	 * later name replaces in place; $(Y) is defined only after X */
	assert_env(env, (const char *const[]){"A=sec", "B=over", "S_A=sec", "S_PW=hunter2",
	                                      "X=from-cm/hunter2/$(Y)/$(A)/$b/$(A", "Y=over", "Z=b",
	                                      NULL});
	assert_non_null(warn);
	assert_string_equal(warn[0], "Keys [1bad, 2also] from the EnvFrom configMap shop/cfg "
	                             "were skipped since they are considered invalid environment "
	                             "variable names.");
	assert_null(warn[1]);
	strv_free(warn);
}

static void test_field_refs(void **state)
{
	struct pp_error err = {0};
	int r = 0;
	cleanup_strv char **env = resolve(
	    C0 "    env:\n"
	       "    - {name: N, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
	       "    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}\n"
	       "    - {name: U, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}\n"
	       "    - {name: L, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}}\n"
	       "    - {name: LE, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['tier']\"}}}\n"
	       "    - {name: LM, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['none']\"}}}\n"
	       "    - {name: AN, valueFrom: {fieldRef: {fieldPath: "
	       "\"metadata.annotations['example.com/owner']\"}}}\n"
	       "    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}\n"
	       "    - {name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}\n"
	       "    - {name: HIP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}\n"
	       "    - {name: HIPS, valueFrom: {fieldRef: {fieldPath: status.hostIPs}}}\n"
	       "    - {name: PIP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}\n"
	       "    - {name: PIPS, valueFrom: {fieldRef: {fieldPath: status.podIPs}}}\n"
	       "    - {name: E, value: \"$(N).$(NS)\"}\n",
	    &r, NULL, &err);

	(void)state;
	assert_int_equal(r, 0);
	assert_env(env, (const char *const[]){"N=web", "NS=shop", "U=0000-1111", "L=store",
	                                      "LE=", "LM=", "AN=ann", "NODE=node-1", "SA=default",
	                                      "HIP=192.0.2.10", "HIPS=192.0.2.10", "PIP=10.88.0.7",
	                                      "PIPS=10.88.0.7,fd00::7", "E=web.shop", NULL});
}

static void test_resource_refs(void **state)
{
	struct pp_error err = {0};
	int r = 0;
	cleanup_strv char **env = resolve(
	    HEAD "spec:\n  containers:\n  - name: c\n    image: busybox\n"
	         "    resources: {limits: {memory: 100Mi, cpu: 1500m}, requests: {memory: 1000}}\n"
	         "    env:\n"
	         "    - {name: M, valueFrom: {resourceFieldRef: {resource: limits.memory, "
	         "divisor: 1Mi}}}\n"
	         "    - {name: MB, valueFrom: {resourceFieldRef: {resource: limits.memory}}}\n"
	         "    - {name: RM, valueFrom: {resourceFieldRef: {resource: requests.memory, "
	         "divisor: 1Ki}}}\n"
	         "    - {name: C, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}\n"
	         "    - {name: CM, valueFrom: {resourceFieldRef: {resource: limits.cpu, "
	         "divisor: 1m}}}\n"
	         "    - {name: RC, valueFrom: {resourceFieldRef: {resource: requests.cpu}}}\n"
	         "    - {name: OM, valueFrom: {resourceFieldRef: {containerName: other,\n"
	         "        resource: limits.memory, divisor: 1Gi}}}\n"
	         "    - {name: OC, valueFrom: {resourceFieldRef: {containerName: other,\n"
	         "        resource: limits.cpu}}}\n"
	         "    - {name: ES, valueFrom: {resourceFieldRef: {resource: "
	         "limits.ephemeral-storage, divisor: 1Gi}}}\n"
	         "  - name: other\n    image: busybox\n",
	    &r, NULL, &err);

	(void)state;
	assert_int_equal(r, 0);
	/* ceil(value / divisor); an unset limit is the node's allocatable, an
	 * unset request 0; requests default to limits (memory 1000 given) */
	assert_env(env, (const char *const[]){"M=100", "MB=104857600", "RM=1", "C=2", "CM=1500",
	                                      "RC=2", "OM=8", "OC=4", "ES=100", NULL});
}

static void test_optional(void **state)
{
	struct pp_error err = {0};
	int r = 0;
	cleanup_strv char **env = resolve(
	    C0
	    "    envFrom: [{configMapRef: {name: nope, optional: true}},\n"
	    "      {secretRef: {name: nope, optional: true}}]\n"
	    "    env:\n"
	    "    - {name: A, valueFrom: {configMapKeyRef: {name: nope, key: k, optional: true}}}\n"
	    "    - {name: B, valueFrom: {configMapKeyRef: {name: cfg, key: k, optional: true}}}\n"
	    "    - {name: C, valueFrom: {secretKeyRef: {name: sec, key: k, optional: true}}}\n"
	    "    - {name: D, valueFrom: {secretKeyRef: {name: nope, key: k, optional: true}}}\n"
	    "    - {name: E, value: \"$(A)\"}\n",
	    &r, NULL, &err);

	(void)state;
	assert_int_equal(r, 0);
	/* skipped: not even defined, so $(A) stays as written */
	assert_env(env, (const char *const[]){"E=$(A)", NULL});
}

static void expect_error(const char *yaml, const char *msg)
{
	struct pp_error err = {0};
	int r = 0;
	char **env = resolve(yaml, &r, NULL, &err);

	assert_int_equal(r, -ENOENT);
	assert_null(env);
	assert_string_equal(err.msg, msg);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(C0 "    env: [{name: A, valueFrom: {configMapKeyRef: {name: x, key: k}}}]\n",
	             "configmap \"x\" not found");
	expect_error(C0 "    env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg, key: k}}}]\n",
	             "couldn't find key k in ConfigMap shop/cfg");
	/* binaryData is no env value */
	expect_error(C0
	             "    env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg, key: BIN}}}]\n",
	             "couldn't find key BIN in ConfigMap shop/cfg");
	expect_error(C0 "    env: [{name: A, valueFrom: {secretKeyRef: {name: x, key: k}}}]\n",
	             "secret \"x\" not found");
	expect_error(C0 "    env: [{name: A, valueFrom: {secretKeyRef: {name: sec, key: k}}}]\n",
	             "couldn't find key k in Secret shop/sec");
	expect_error(C0 "    envFrom: [{configMapRef: {name: x}}]\n", "configmap \"x\" not found");
	expect_error(C0 "    envFrom: [{secretRef: {name: x, optional: false}}]\n",
	             "secret \"x\" not found");
}

/* Each object is fetched once per resolution, as the kubelet's maps. */
static void test_cached(void **state)
{
	struct pp_error err = {0};
	int r = 0;
	cleanup_strv char **env = NULL;

	(void)state;
	lookups = 0;
	env = resolve(C0 "    envFrom: [{configMapRef: {name: cfg}}]\n"
	                 "    env:\n"
	                 "    - {name: A, valueFrom: {configMapKeyRef: {name: cfg, key: A}}}\n"
	                 "    - {name: B, valueFrom: {configMapKeyRef: {name: cfg, key: B}}}\n",
	              &r, NULL, &err);
	assert_int_equal(r, 0);
	assert_int_equal(lookups, 1);
	assert_string_equal(env[strv_len(env) - 1], "B=b");
}

static void test_expand(void **state)
{
	char *const env[] = {"A=1", "B=x$(A)", "A=2", NULL};
	static const char *const cases[][2] = {
	    {"$(A)", "2"}, {"$$(A)", "$(A)"}, {"$(C)", "$(C)"},   {"$(A", "$(A"},
	    {"a$", "a$"},  {"$x", "$x"},      {"$$$(A)", "$2"},   {"$(B)", "x$(A)"},
	    {"", ""},      {"$()", "$()"},    {"$(A)$(A)", "22"}, {"$$", "$"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *out = pod_env_expand(cases[i][0], env);

		assert_string_equal(out, cases[i][1]);
	}
}

/* The API server's checks and the JSON round trip of env and envFrom. */
static void expect_invalid(const char *yaml, const char *msg)
{
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 0;

	assert_int_equal(pod_spec_parse_yaml(yaml, strlen(yaml), "t", &pods, &n, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
}

#define ENV0 "spec.containers[0].env[0].valueFrom"

static void test_validation(void **state)
{
	(void)state;
	expect_invalid(C0 "    envFrom: [{configMapRef: {name: a}, secretRef: {name: b}}]\n",
	               "spec.containers[0].envFrom: Invalid value: \"\": may not have more than "
	               "one field specified at a time");
	expect_invalid(C0 "    envFrom: [{secretRef: {optional: true}}]\n",
	               "spec.containers[0].envFrom[0].secretRef.name: Required value");
	expect_invalid(C0 "    envFrom: [{prefix: \"1_\", configMapRef: {name: a}}]\n",
	               "spec.containers[0].envFrom[0].prefix: Invalid value: \"1_\": a valid "
	               "environment variable name must consist of alphabetic characters, digits, "
	               "'_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or "
	               "'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is "
	               "'[-._a-zA-Z][-._a-zA-Z0-9]*')");
	expect_invalid(C0
	               "    env: [{name: A, valueFrom: {fieldRef: {fieldPath: status.phase}}}]\n",
	               ENV0 ".fieldRef.fieldPath: Unsupported value: \"status.phase\": supported "
	                    "values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", "
	                    "\"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", "
	                    "\"status.hostIPs\", \"status.podIP\", \"status.podIPs\"");
	expect_invalid(
	    C0 "    env: [{name: A, valueFrom: {fieldRef: {fieldPath: \"spec.x['a']\"}}}]\n",
	    ENV0 ".fieldRef.fieldPath: Invalid value: \"spec.x['a']\": error converting "
	         "fieldPath: field label does not support subscript: spec.x['a']");
	expect_invalid(C0 "    env: [{name: A, valueFrom: {fieldRef: {apiVersion: v2,\n"
	                  "      fieldPath: metadata.name}}}]\n",
	               ENV0 ".fieldRef.fieldPath: Invalid value: \"metadata.name\": error "
	                    "converting fieldPath: unsupported pod version: v2");
	expect_invalid(C0 "    env: [{name: A, valueFrom: {}}]\n",
	               ENV0 ": Invalid value: \"\": must specify one of: `fieldRef`, "
	                    "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
	expect_invalid(C0 "    env: [{name: A, value: x, valueFrom: {fieldRef: {fieldPath: "
	                  "metadata.name}}}]\n",
	               ENV0
	               ": Invalid value: \"\": may not be specified when `value` is not empty");
	expect_invalid(C0 "    env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name},\n"
	                  "      secretKeyRef: {name: s, key: k}}}]\n",
	               ENV0 ": Invalid value: \"\": may not have more than one field specified at "
	                    "a time");
	expect_invalid(C0 "    env: [{name: A, valueFrom: {resourceFieldRef: {resource: limits.cpu,"
	                  " divisor: 1Mi}}}]\n",
	               ENV0 ".resourceFieldRef.divisor: Invalid value: \"limits.cpu\": only "
	                    "divisor's values 1m and 1 are supported with the cpu resource");
	expect_invalid(C0 "    env: [{name: A, valueFrom: {resourceFieldRef: {resource: x}}}]\n",
	               ENV0 ".resourceFieldRef.resource: Unsupported value: \"x\": supported "
	                    "values: \"limits.cpu\", \"limits.ephemeral-storage\", "
	                    "\"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", "
	                    "\"requests.memory\"");
	expect_invalid(C0 "    env: [{name: A, valueFrom: {configMapKeyRef: {name: c}}}]\n",
	               ENV0 ".configMapKeyRef.key: Required value");
	expect_invalid(C0 "    env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: ..k}}}]\n",
	               ENV0 ".secretKeyRef.key: Invalid value: \"..k\": must not start with '..'");
	expect_invalid(C0 "  initContainers: [{name: i, image: busybox,\n"
	                  "      envFrom: [{configMapRef: {name: A}}]}]\n",
	               "spec.initContainers[0].envFrom[0].configMapRef.name: Invalid value: \"A\": "
	               "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
	               "characters, '-' or '.', and must start and end with an alphanumeric "
	               "character (e.g. 'example.com', regex used for validation is "
	               "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
}

static void test_round_trip(void **state)
{
	struct pp_error err = {0};
	struct pod *p = parse(
	    C0 "    env:\n"
	       "    - {name: A, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['a']\"}}}\n"
	       "    - {name: B, valueFrom: {resourceFieldRef: {resource: limits.memory,\n"
	       "        divisor: 1Mi, containerName: c}}}\n"
	       "    - {name: C, valueFrom: {resourceFieldRef: {resource: requests.cpu}}}\n"
	       "    - {name: D, valueFrom: {configMapKeyRef: {name: m, key: k, optional: false}}}\n"
	       "    - {name: E, valueFrom: {secretKeyRef: {name: s, key: k}}}\n"
	       "    envFrom: [{prefix: P_, configMapRef: {name: m}},\n"
	       "      {secretRef: {name: s, optional: true}}]\n");
	struct pod *q = NULL;
	json_object *o = pod_spec_to_json(p), *c, *o2;

	(void)state;
	c = json_object_array_get_idx(
	    json_object_object_get(json_object_object_get(o, "spec"), "containers"), 0);
	/* as the API server shows them: apiVersion defaulted, an unset divisor "0" */
	assert_string_equal(
	    json_object_to_json_string_ext(json_object_object_get(c, "env"),
	                                   JSON_C_TO_STRING_PLAIN),
	    "[{\"name\":\"A\",\"valueFrom\":{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":"
	    "\"metadata.labels['a']\"}}},{\"name\":\"B\",\"valueFrom\":{\"resourceFieldRef\":{"
	    "\"containerName\":\"c\",\"resource\":\"limits.memory\",\"divisor\":\"1Mi\"}}},{"
	    "\"name\":\"C\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"requests.cpu\","
	    "\"divisor\":\"0\"}}},{\"name\":\"D\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":"
	    "\"m\",\"key\":\"k\",\"optional\":false}}},{\"name\":\"E\",\"valueFrom\":{"
	    "\"secretKeyRef\":{\"name\":\"s\",\"key\":\"k\"}}}]");
	assert_int_equal(pod_spec_from_json(o, &q, &err), 0);
	assert_true(pod_spec_equal(p, q));
	o2 = pod_spec_to_json(q);
	assert_true(json_object_equal(o, o2));
	json_object_put(o2);
	json_object_put(o);
	pod_free(q);
	pod_free_all(p, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_override_expansion),
	    cmocka_unit_test(test_field_refs),
	    cmocka_unit_test(test_resource_refs),
	    cmocka_unit_test(test_optional),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_cached),
	    cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_validation),
	    cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
