/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/spec: Pod YAML parsing, defaults, validation messages,
 * JSON round trips and the parser's bounds. */
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

#include <dirent.h>

#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define HEAD "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
#define C0   HEAD "spec:\n  containers:\n  - name: c\n    image: busybox\n"
#define DNS1123_SUBDOMAIN                                                                         \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' " \
	"or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "     \
	"regex used for validation is "                                                           \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

static const char seed_manifest[] = "apiVersion: v1\n"
                                    "kind: Pod\n"
                                    "metadata:\n"
                                    "  name: nginx\n"
                                    "spec:\n"
                                    "  shareProcessNamespace: true\n"
                                    "  containers:\n"
                                    "  - name: nginx\n"
                                    "    image: nginx\n"
                                    "  - name: shell\n"
                                    "    image: busybox:1.28\n"
                                    "    securityContext:\n"
                                    "      capabilities:\n"
                                    "        add:\n"
                                    "        - SYS_PTRACE\n"
                                    "    stdin: true\n"
                                    "    tty: true\n";

static int parse(const char *text, struct pod **pods, size_t *n, struct pp_error *err)
{
	pp_error_clear(err);
	return pod_spec_parse_yaml(text, strlen(text), "test.yaml", pods, n, err);
}

/* Parse text that must hold exactly one valid pod. */
static struct pod *parse_one(const char *text)
{
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 0;
	int r = parse(text, &pods, &n, &err);

	if (r != 0)
		print_error("unexpected error: %s\n", err.msg);
	assert_int_equal(r, 0);
	assert_int_equal(n, 1);
	return pods;
}

static void expect_error(const char *text, const char *msg)
{
	struct pp_error err = {0};
	struct pod *pods = (struct pod *)0x1;
	size_t n = 42;
	int r = parse(text, &pods, &n, &err);

	if (r == 0)
		pod_free_all(pods, n);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_ptr_equal(pods, (struct pod *)0x1); /* not written on failure */
	assert_int_equal(n, 42);
}

static void expect_error_prefix(const char *text, const char *prefix)
{
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 0;
	int r = parse(text, &pods, &n, &err);

	if (r == 0)
		pod_free_all(pods, n);
	assert_int_not_equal(r, 0);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
		print_error("message: %s\n", err.msg);
	assert_true(strncmp(err.msg, prefix, strlen(prefix)) == 0);
	assert_null(strchr(err.msg, '\n'));
}

static void check_seed_pod(const struct pod *p)
{
	const struct pod_container *nginx = &p->containers[0], *shell = &p->containers[1];

	assert_string_equal(p->api_version, "v1");
	assert_string_equal(p->name, "nginx");
	assert_string_equal(p->namespace_, "default");
	assert_null(p->uid);
	assert_true(p->share_process_namespace);
	assert_false(p->host_pid);
	assert_int_equal(p->restart_policy, POD_RESTART_ALWAYS);
	assert_int_equal(p->termination_grace_period_seconds, 30);
	assert_string_equal(p->dns_policy, "ClusterFirst");
	assert_string_equal(p->scheduler_name, "default-scheduler");
	assert_null(p->hostname);
	assert_int_equal(p->n_containers, 2);
	assert_string_equal(nginx->name, "nginx");
	assert_string_equal(nginx->image, "nginx");
	assert_int_equal(nginx->image_pull_policy, POD_PULL_ALWAYS);
	assert_null(nginx->command);
	assert_null(nginx->cap_add);
	assert_false(nginx->tty);
	assert_string_equal(nginx->termination_message_path, "/dev/termination-log");
	assert_string_equal(nginx->termination_message_policy, "File");
	assert_string_equal(shell->name, "shell");
	assert_string_equal(shell->image, "busybox:1.28");
	assert_int_equal(shell->image_pull_policy, POD_PULL_IF_NOT_PRESENT);
	assert_non_null(shell->cap_add);
	assert_string_equal(shell->cap_add[0], "SYS_PTRACE");
	assert_null(shell->cap_add[1]);
	assert_null(shell->cap_drop);
	assert_true(shell->stdin_open);
	assert_true(shell->tty);
	assert_false(shell->stdin_once);
	assert_ptr_equal(pod_container_find(p, "shell"), shell);
	assert_null(pod_container_find(p, "nope"));
}

/* spec.ephemeralContainers: refused on create; in a record (the
 * subresource's result) decoded, validated in the API server's words and
 * encoded again with targetContainerName. */
static void expect_json_error(const char *ec, const char *msg)
{
	cleanup_free char *text =
	    xstrfmt("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
	            "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}],"
	            "\"ephemeralContainers\":[%s]}}",
	            ec);
	json_object *o = json_tokener_parse(text);
	struct pp_error err = {0};
	struct pod *pod = NULL;
	int r;

	assert_non_null(o);
	r = pod_spec_from_json(o, &pod, &err);
	if (msg == NULL) {
		json_object *back, *e;

		if (r != 0)
			print_error("unexpected error: %s\n", err.msg);
		assert_int_equal(r, 0);
		assert_int_equal(pod->n_ephemeral_containers, 1);
		assert_string_equal(pod->ephemeral_containers[0].target_container_name, "c");
		back = pod_spec_to_json(pod);
		e = json_object_array_get_idx(
		    json_object_object_get(json_object_object_get(back, "spec"),
		                           "ephemeralContainers"),
		    0);
		assert_string_equal(
		    json_object_get_string(json_object_object_get(e, "targetContainerName")), "c");
		json_object_put(back);
		pod_free(pod);
	} else {
		assert_int_equal(r, -EINVAL);
		assert_string_equal(err.msg, msg);
	}
	json_object_put(o);
}

static void test_ephemeral(void **state)
{
	(void)state;
	expect_error(C0 "  ephemeralContainers:\n  - name: d\n    image: busybox\n",
	             "spec.ephemeralContainers: Forbidden: cannot be set on create");
	expect_json_error("{\"name\":\"d\",\"image\":\"busybox\",\"targetContainerName\":\"c\"}",
	                  NULL);
	expect_json_error("{\"name\":\"c\",\"image\":\"busybox\"}",
	                  "spec.ephemeralContainers[0].name: Duplicate value: \"c\"");
	expect_json_error("{\"name\":\"d\",\"image\":\"busybox\",\"targetContainerName\":\"x\"}",
	                  "spec.ephemeralContainers[0].targetContainerName: Not found: \"x\"");
	expect_json_error("{\"name\":\"d\",\"image\":\"busybox\",\"ports\":[]}",
	                  "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an "
	                  "Ephemeral Container");
	expect_json_error(
	    "{\"name\":\"d\",\"image\":\"busybox\",\"readinessProbe\":{}}",
	    "spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for "
	    "an Ephemeral Container");
}

static void test_resources(void **state)
{
	struct pod *p = parse_one(C0 "    resources:\n"
	                             "      limits: {cpu: 500m, memory: 128Mi}\n"
	                             "  - name: d\n    image: busybox\n"
	                             "    resources: {limits: {cpu: 0.5}, requests: {cpu: 100m, "
	                             "memory: 1e3}}\n"
	                             "  - name: e\n    image: busybox\n"
	                             "    resources: {requests: {cpu: 2, memory: 1G}}\n");
	const struct pod_container *c = &p->containers[0], *d = &p->containers[1];
	json_object *o;
	struct pod *q = NULL;
	struct pp_error err = {0};

	(void)state;
	assert_true(c->limits.cpu.set);
	assert_int_equal(c->limits.cpu.value, 500);
	assert_int_equal(c->limits.memory.value, 128 * 1024 * 1024);
	/* requests defaulted from limits */
	assert_true(c->requests.cpu.set);
	assert_int_equal(c->requests.cpu.value, 500);
	assert_string_equal(c->requests.memory.text, "128Mi");
	assert_int_equal(d->limits.cpu.value, 500);
	assert_false(d->limits.memory.set);
	assert_int_equal(d->requests.cpu.value, 100);
	assert_int_equal(d->requests.memory.value, 1000);
	assert_int_equal(p->containers[2].requests.cpu.value, 2000);
	assert_int_equal(p->containers[2].requests.memory.value, 1000000000);
	assert_false(p->containers[2].limits.cpu.set);
	assert_string_equal(pod_qos_class(p), "Burstable");
	/* round trip */
	o = pod_spec_to_json(p);
	assert_int_equal(pod_spec_from_json(o, &q, &err), 0);
	assert_true(pod_spec_equal(p, q));
	assert_int_equal(q->containers[1].requests.cpu.value, 100);
	json_object_put(o);
	pod_free(q);
	pod_free(p);
}

static void test_qos_class(void **state)
{
	struct pod *p;

	(void)state;
	p = parse_one(C0);
	assert_string_equal(pod_qos_class(p), "BestEffort");
	pod_free(p);
	p = parse_one(C0 "    resources: {limits: {cpu: 1, memory: 1Gi}}\n");
	assert_string_equal(pod_qos_class(p), "Guaranteed");
	pod_free(p);
	/* explicit equal requests: Guaranteed; an init container without
	 * limits makes it Burstable */
	p = parse_one(C0 "    resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: 1000m, "
	                 "memory: 1024Mi}}\n");
	assert_string_equal(pod_qos_class(p), "Guaranteed");
	pod_free(p);
	p = parse_one(C0 "    resources: {limits: {cpu: 1, memory: 1Gi}}\n"
	                 "  initContainers:\n  - name: i\n    image: busybox\n"
	                 "    resources: {requests: {cpu: 100m}}\n");
	assert_string_equal(pod_qos_class(p), "Burstable");
	pod_free(p);
	p = parse_one(C0 "    resources: {limits: {memory: 1Gi}}\n");
	assert_string_equal(pod_qos_class(p), "Burstable");
	pod_free(p);
	p = parse_one(C0 "    resources: {requests: {cpu: \"0\"}}\n");
	assert_string_equal(pod_qos_class(p), "BestEffort");
	pod_free(p);
}

/* Pod-level resources: requests defaulted as the API server does, the QoS
 * class from them alone, and a round trip. */
static void test_pod_level_resources(void **state)
{
	struct pod *p, *q;
	json_object *j;

	(void)state;
	/* no container request: the pod's request is its limit */
	p = parse_one(C0 "  resources: {limits: {cpu: 500m, memory: 256Mi}}\n");
	assert_true(p->has_resources);
	assert_string_equal(p->pod_requests.cpu.text, "500m");
	assert_int_equal(p->pod_requests.memory.value, 256 << 20);
	assert_string_equal(pod_qos_class(p), "Guaranteed");
	j = pod_spec_to_json(p);
	assert_int_equal(pod_spec_from_json(j, &q, &(struct pp_error){0}), 0);
	assert_true(pod_spec_equal(p, q));
	json_object_put(j);
	pod_free(q);
	pod_free(p);
	/* container requests: the pod's request is their aggregate */
	p = parse_one(C0 "    resources: {requests: {cpu: 250m, memory: 64Mi}}\n"
	                 "  - name: d\n    image: busybox\n"
	                 "    resources: {requests: {cpu: 250m, memory: 64Mi}}\n"
	                 "  resources: {limits: {cpu: 1, memory: 1Gi}}\n");
	assert_string_equal(p->pod_requests.cpu.text, "500m");
	assert_string_equal(p->pod_requests.memory.text, "128Mi");
	assert_string_equal(pod_qos_class(p), "Burstable");
	pod_free(p);
	/* requests only: Burstable; container limits do not count */
	p = parse_one(C0 "    resources: {limits: {cpu: 1, memory: 1Gi}}\n"
	                 "  resources: {requests: {cpu: 1, memory: 1Gi}}\n");
	assert_false(p->pod_limits.cpu.set);
	assert_string_equal(pod_qos_class(p), "Burstable");
	pod_free(p);
	p = parse_one(C0 "  resources: {}\n");
	assert_false(p->has_resources);
	assert_string_equal(pod_qos_class(p), "BestEffort");
	pod_free(p);
}

/* The smaller fields: accepted, kept, encoded and compared. */
static void test_small_fields(void **state)
{
	static const char text[] =
	    C0 "    resizePolicy: [{resourceName: cpu}, {resourceName: memory, "
	       "restartPolicy: RestartContainer}]\n"
	       "    lifecycle:\n      stopSignal: SIGUSR1\n"
	       "      postStart: {sleep: {seconds: 0}}\n      preStop: {sleep: {seconds: 5}}\n"
	       "  os: {name: linux}\n  enableServiceLinks: false\n  setHostnameAsFQDN: true\n"
	       "  hostname: h\n  subdomain: s\n  runtimeClassName: pea\n"
	       "  preemptionPolicy: Never\n  readinessGates: [{conditionType: example.com/gate}]\n";
	struct pod *p = parse_one(text), *q;
	const struct pod_container *c = &p->containers[0];
	json_object *j;

	(void)state;
	assert_int_equal(c->n_resize_policy, 2);
	assert_string_equal(c->resize_policy[0].restart_policy, "NotRequired");
	assert_string_equal(c->resize_policy[1].restart_policy, "RestartContainer");
	assert_string_equal(c->stop_signal, "SIGUSR1");
	assert_true(c->post_start.has_sleep);
	assert_int_equal(c->pre_stop.sleep_seconds, 5);
	assert_string_equal(p->os_name, "linux");
	assert_true(p->has_enable_service_links);
	assert_false(p->enable_service_links);
	assert_true(p->set_hostname_as_fqdn);
	assert_string_equal(p->runtime_class_name, "pea");
	assert_string_equal(p->sched.preemption_policy, "Never");
	assert_string_equal(p->readiness_gates[0], "example.com/gate");
	j = pod_spec_to_json(p);
	assert_int_equal(pod_spec_from_json(j, &q, &(struct pp_error){0}), 0);
	assert_true(pod_spec_equal(p, q));
	free(q->containers[0].stop_signal);
	q->containers[0].stop_signal = xstrdup("SIGTERM");
	assert_false(pod_spec_equal(p, q));
	json_object_put(j);
	pod_free(q);
	pod_free(p);
}

static void test_seed(void **state)
{
	struct pod *p = parse_one(seed_manifest);

	(void)state;
	check_seed_pod(p);
	pod_free(p);
}

/* The fixture files in tests/data/pods, found next to this source file. */
static char *fixture_path(const char *name)
{
	cleanup_free char *dir = xstrdup(__FILE__);
	char *slash = strrchr(dir, '/');

	if (slash == NULL)
		return NULL;
	*slash = '\0';
	return xstrfmt("%s/../data/pods/%s", dir, name);
}

static void test_seed_files(void **state)
{
	cleanup_free char *path = fixture_path("share-process-namespace.yaml");
	cleanup_free char *path2 = fixture_path("share-process-namespace-ptrace.yaml");
	cleanup_free char *text = NULL;
	cleanup_free char *text2 = NULL;
	struct pp_error err = {0};
	size_t len = 0, len2 = 0;
	struct pod *pods = NULL;
	size_t n = 0;

	(void)state;
	if (path == NULL || fs_read_all(path, 1 << 20, &text, &len, &err) < 0 ||
	    fs_read_all(path2, 1 << 20, &text2, &len2, &err) < 0)
		skip();
	assert_int_equal(pod_spec_parse_yaml(text2, len2, path2, &pods, &n, &err), 0);
	check_seed_pod(pods);
	pod_free_all(pods, n);
	assert_int_equal(pod_spec_parse_yaml(text, len, path, &pods, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_null(pods[0].containers[1].cap_add);
	assert_string_equal(pods[0].containers[1].command[0], "sleep");
	assert_string_equal(pods[0].containers[1].command[1], "3600");
	assert_null(pods[0].containers[1].command[2]);
	pod_free_all(pods, n);
}

/* Every tests/data/pods/bad-*.yaml names its error on a first line
 * `# expect: MESSAGE`; the other fixtures must parse. */
static void check_fixture(const char *dir, const char *name)
{
	cleanup_free char *path = xstrfmt("%s/%s", dir, name);
	cleanup_free char *text = NULL;
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t len = 0, n = 0;
	int r;

	assert_int_equal(fs_read_all(path, 1 << 20, &text, &len, &err), 0);
	r = pod_spec_parse_yaml(text, len, path, &pods, &n, &err);
	if (strncmp(name, "bad-", 4) == 0) {
		size_t nl = strcspn(text, "\n");

		assert_int_equal(r, -EINVAL);
		assert_true(strncmp(text, "# expect: ", 10) == 0 && text[nl] == '\n');
		text[nl] = '\0';
		assert_string_equal(err.msg, text + 10);
		return;
	}
	if (r != 0)
		print_error("%s: %s\n", name, err.msg);
	assert_int_equal(r, 0);
	assert_true(n >= 1);
	pod_free_all(pods, n);
}

static void test_fixture_dir(void **state)
{
	cleanup_free char *dir = fixture_path("");
	cleanup_dir DIR *d = dir != NULL ? opendir(dir) : NULL;
	struct dirent *de;
	size_t seen = 0;

	(void)state;
	if (d == NULL) {
		skip();
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		check_fixture(dir, de->d_name);
		seen++;
	}
	assert_true(seen >= 10);
}

static void test_multi_doc(void **state)
{
	const char *text = "---\n---\n# only a comment\n---\n" C0 "---\n"
	                   "apiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: ns1}\n"
	                   "spec: {containers: [{name: a, image: alpine}]}\n---\n...\n";
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(parse(text, &pods, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pods[0].name, "p");
	assert_string_equal(pods[1].name, "q");
	assert_string_equal(pods[1].namespace_, "ns1");
	assert_string_equal(pods[1].containers[0].image, "alpine");
	pod_free_all(pods, n);
	/* an error in a later document fails the whole stream */
	expect_error(C0 "---\n" HEAD "spec:\n  containers: []\n",
	             "spec.containers: Required value");
}

static void test_empty_stream(void **state)
{
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 7;

	(void)state;
	assert_int_equal(parse("", &pods, &n, &err), 0);
	assert_int_equal(n, 0);
	pod_free_all(pods, n);
	assert_int_equal(parse("---\n# nothing\n", &pods, &n, &err), 0);
	assert_int_equal(n, 0);
	pod_free_all(pods, n);
}

static void test_json_input(void **state)
{
	const char *text =
	    "{\n\t\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n"
	    "\t\"metadata\": {\"name\": \"j\", \"labels\": {\"app\": \"web\"}},\n"
	    "\t\"spec\": {\"restartPolicy\": \"Never\", \"containers\": [\n"
	    "\t\t{\"name\": \"c\", \"image\": \"r.io/a\\/b:1\", \"args\": [\"-x\"],\n"
	    "\t\t \"env\": [{\"name\": \"A\", \"value\": \"1\"}, {\"name\": \"B\"}]}]}}\n";
	struct pod *p;

	(void)state;
	p = parse_one(text);
	assert_string_equal(p->name, "j");
	assert_string_equal(p->label_keys[0], "app");
	assert_string_equal(p->label_values[0], "web");
	assert_int_equal(p->restart_policy, POD_RESTART_NEVER);
	assert_string_equal(p->containers[0].image, "r.io/a/b:1");
	assert_string_equal(p->containers[0].args[0], "-x");
	assert_int_equal(p->containers[0].n_env, 2);
	assert_string_equal(p->containers[0].env[0].value, "1");
	assert_string_equal(p->containers[0].env[1].value, "");
	pod_free(p);
}

static void round_trip(const char *text)
{
	struct pp_error err = {0};
	struct pod *p = parse_one(text);
	struct pod *q = NULL;
	json_object *o;
	json_object *o2;

	p->uid = xstrdup("1234-abcd");
	o = pod_spec_to_json(p);
	assert_int_equal(pod_spec_from_json(o, &q, &err), 0);
	assert_true(pod_spec_equal(p, q));
	assert_string_equal(q->uid, "1234-abcd");
	o2 = pod_spec_to_json(q);
	assert_true(json_object_equal(o, o2));
	json_object_put(o2);
	json_object_put(o);
	pod_free(q);
	pod_free(p);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip(seed_manifest);
	round_trip(
	    HEAD
	    "  namespace: web\n  labels: {app: x, tier: \"\"}\n"
	    "  annotations: {example.com/note: \"a\\nb\"}\n"
	    "spec:\n  restartPolicy: OnFailure\n  terminationGracePeriodSeconds: 0\n"
	    "  hostname: h1\n  subdomain: s1\n  dnsPolicy: Default\n"
	    "  containers:\n  - name: c\n    image: r:5000/x@sha256:abc\n"
	    "    imagePullPolicy: Never\n    command: [sh, -c]\n    args: [\"\"]\n"
	    "    workingDir: /w\n    env: [{name: A, value: b}, {name: E}]\n"
	    "    ports: [{containerPort: 80, name: http}, {containerPort: 53, protocol: UDP}]\n"
	    "    stdinOnce: true\n    securityContext: {capabilities: {add: [A], drop: [ALL]}}\n"
	    "    terminationMessagePolicy: FallbackToLogsOnError\n"
	    "    terminationMessagePath: /tmp/t\n");
	round_trip(HEAD "spec:\n  hostNetwork: true\n  dnsPolicy: None\n"
	                "  hostAliases: [{ip: 10.0.0.1, hostnames: [a, b.c]}, {ip: \"::1\"}]\n"
	                "  dnsConfig: {nameservers: [192.0.2.1], searches: [x.y],\n"
	                "    options: [{name: ndots, value: \"2\"}, {name: edns0}]}\n"
	                "  containers:\n  - name: c\n    image: busybox\n"
	                "    ports: [{containerPort: 80}, {containerPort: 53, protocol: UDP,\n"
	                "      hostIP: 127.0.0.1}]\n");
	/* the scheduling fields */
	round_trip(HEAD
	           "spec:\n  nodeName: n1\n  nodeSelector: {disktype: ssd}\n"
	           "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:\n"
	           "    {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Gt,\n"
	           "      values: [\"3\"]}], matchFields: [{key: metadata.name, operator: In,\n"
	           "      values: [n1]}]}]}},\n"
	           "    podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution:\n"
	           "      [{labelSelector: {matchLabels: {app: x}}, topologyKey: k,\n"
	           "        namespaces: [a], namespaceSelector: {}}]}}\n"
	           "  tolerations: [{key: k, operator: Exists, effect: NoExecute,\n"
	           "    tolerationSeconds: 5}]\n"
	           "  topologySpreadConstraints: [{maxSkew: 1, topologyKey: k,\n"
	           "    whenUnsatisfiable: DoNotSchedule, minDomains: 2}]\n"
	           "  schedulingGates: [{name: example.com/g}]\n"
	           "  priorityClassName: system-node-critical\n  priority: 2000001000\n"
	           "  preemptionPolicy: Never\n"
	           "  containers:\n  - name: c\n    image: busybox\n"
	           "    resources: {limits: {example.com/dongle: 2}}\n");
}

/* hostPort, hostIP and protocol decoded and defaulted as the API server
 * does: with hostNetwork an unset hostPort is the containerPort. */
static void test_host_ports(void **state)
{
	struct pod *p =
	    parse_one(C0 "    ports: [{containerPort: 80, hostPort: 8080, hostIP: \"::1\"},\n"
	                 "      {containerPort: 53, protocol: UDP}]\n");
	struct pod *q;

	(void)state;
	assert_int_equal(p->containers[0].ports[0].host_port, 8080);
	assert_string_equal(p->containers[0].ports[0].host_ip, "::1");
	assert_string_equal(p->containers[0].ports[0].protocol, "TCP");
	assert_int_equal(p->containers[0].ports[1].host_port, 0);
	assert_null(p->containers[0].ports[1].host_ip);
	assert_string_equal(p->containers[0].ports[1].protocol, "UDP");
	q = parse_one(C0 "    ports: [{containerPort: 80, hostPort: 8081}]\n");
	assert_false(pod_spec_equal(p, q));
	pod_free(q);
	q = parse_one(C0 "    ports: [{containerPort: 80}]\n  hostNetwork: true\n");
	assert_true(q->host_network);
	assert_int_equal(q->containers[0].ports[0].host_port, 80);
	pod_free(q);
	/* the same host port on two addresses, or two protocols, is no duplicate */
	q = parse_one(C0 "    ports: [{containerPort: 80, hostPort: 80, hostIP: 10.0.0.1},\n"
	                 "      {containerPort: 81, hostPort: 80, hostIP: 10.0.0.2},\n"
	                 "      {containerPort: 82, hostPort: 80, protocol: UDP}]\n");
	pod_free(q);
	pod_free(p);
}

static void test_equal(void **state)
{
	struct pod *a = parse_one(seed_manifest);
	struct pod *b = parse_one(seed_manifest);

	(void)state;
	assert_true(pod_spec_equal(a, b));
	b->uid = xstrdup("x");
	assert_true(pod_spec_equal(a, b));
	b->containers[1].tty = false;
	assert_false(pod_spec_equal(a, b));
	b->containers[1].tty = true;
	free(b->containers[0].image);
	b->containers[0].image = xstrdup("nginx:1");
	assert_false(pod_spec_equal(a, b));
	pod_free(a);
	pod_free(b);
}

static void test_labels_unordered_equal(void **state)
{
	struct pod *a = parse_one(HEAD "  labels: {a: '1', b: '2'}\n"
	                               "spec: {containers: [{name: c, image: i}]}\n");
	struct pod *b = parse_one(HEAD "  labels: {b: '2', a: '1'}\n"
	                               "spec: {containers: [{name: c, image: i}]}\n");
	struct pod *c = parse_one(HEAD "  labels: {b: '2', a: '3'}\n"
	                               "spec: {containers: [{name: c, image: i}]}\n");

	(void)state;
	assert_true(pod_spec_equal(a, b));
	assert_false(pod_spec_equal(a, c));
	pod_free(a);
	pod_free(b);
	pod_free(c);
}

static void test_pull_policy_defaults(void **state)
{
	static const struct {
		const char *image;
		enum pod_pull_policy want;
	} cases[] = {
	    {"nginx", POD_PULL_ALWAYS},
	    {"nginx:latest", POD_PULL_ALWAYS},
	    {"nginx:1.25", POD_PULL_IF_NOT_PRESENT},
	    {"localhost:5000/nginx", POD_PULL_ALWAYS},
	    {"localhost:5000/nginx:v2", POD_PULL_IF_NOT_PRESENT},
	    {"nginx@sha256:0123", POD_PULL_IF_NOT_PRESENT},
	    {"nginx:latest@sha256:0123", POD_PULL_ALWAYS},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *text = xstrfmt(
		    HEAD "spec:\n  containers:\n  - name: c\n    image: \"%s\"\n", cases[i].image);
		struct pod *p = parse_one(text);

		assert_int_equal(p->containers[0].image_pull_policy, cases[i].want);
		pod_free(p);
	}
}

static void test_defaults_idempotent(void **state)
{
	struct pod *p = parse_one(seed_manifest);
	struct pod *q = parse_one(seed_manifest);

	(void)state;
	pod_spec_default(p);
	assert_true(pod_spec_equal(p, q));
	pod_free(p);
	pod_free(q);
}

static void test_uid(void **state)
{
	struct pod *p =
	    parse_one(HEAD "  uid: 5f1c\n  resourceVersion: \"12\"\n"
	                   "  creationTimestamp: \"2024-01-01T00:00:00Z\"\n"
	                   "spec: {containers: [{name: c, image: i}]}\nstatus: {phase: Running}\n");

	(void)state;
	assert_null(p->uid); /* the manifest's uid is not ours */
	pod_free(p);
}

static void test_scalars_and_tags(void **state)
{
	struct pod *p = parse_one(HEAD "spec:\n  shareProcessNamespace: TRUE\n"
	                               "  terminationGracePeriodSeconds: 0x10\n"
	                               "  containers:\n  - name: c\n    image: !!str 123\n"
	                               "    command: ['true', \"null\", 1.5e3x, ~x]\n"
	                               "    stdin: !!bool true\n");

	(void)state;
	assert_true(p->share_process_namespace);
	assert_int_equal(p->termination_grace_period_seconds, 16);
	assert_string_equal(p->containers[0].image, "123");
	assert_string_equal(p->containers[0].command[0], "true");
	assert_string_equal(p->containers[0].command[1], "null");
	assert_string_equal(p->containers[0].command[2], "1.5e3x");
	assert_string_equal(p->containers[0].command[3], "~x");
	assert_true(p->containers[0].stdin_open);
	pod_free(p);
}

static void test_anchors(void **state)
{
	struct pod *p =
	    parse_one(HEAD "spec:\n  containers:\n  - name: a\n    image: &img busybox\n"
	                   "    command: &cmd [sleep, '1']\n"
	                   "  - name: b\n    image: *img\n    command: *cmd\n");

	(void)state;
	assert_string_equal(p->containers[1].image, "busybox");
	assert_string_equal(p->containers[1].command[1], "1");
	pod_free(p);
}

static void test_alias_bomb(void **state)
{
	(void)state;
	expect_error_prefix("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	                    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	                    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	                    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	                    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	                    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	                    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
	                    "test.yaml:5:36: too many nodes");
	expect_error_prefix("a: *nope\n", "test.yaml:1:4: unknown anchor");
}

static void test_deep_nesting(void **state)
{
	char text[400];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		text[i] = '[';
	for (; i < 200; i++)
		text[i] = ']';
	text[i] = '\0';
	expect_error_prefix(text, "test.yaml:1:65: document nested too deeply");
	/* aliases may not stack nesting beyond the bound either */
	memcpy(text, "a: &a ", 6);
	for (i = 6; i < 66; i++)
		text[i] = '[';
	text[i++] = 'x';
	for (; i < 127; i++)
		text[i] = ']';
	memcpy(text + i, "\nb: ", 4);
	i += 4;
	for (size_t j = 0; j < 10; j++)
		text[i++] = '[';
	memcpy(text + i, "*a", 2);
	i += 2;
	for (size_t j = 0; j < 10; j++)
		text[i++] = ']';
	text[i] = '\0';
	expect_error_prefix(text, "test.yaml:2:");
}

static void test_malformed(void **state)
{
	(void)state;
	expect_error_prefix("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n",
	                    "test.yaml:5:1: ");
	expect_error("a: b: c\n", "test.yaml:1:5: mapping values are not allowed in this context");
	expect_error("- a\nb: c\n", "test.yaml:2:1: did not find expected '-' indicator");
	expect_error_prefix("a: \"\\q\"\n", "test.yaml:1:");
	expect_error_prefix("? [a]\n: b\n", "test.yaml:1:3: mapping keys must be scalars");
	expect_error_prefix("a: !foo x\n", "test.yaml:1:4: unsupported tag");
	expect_error_prefix("a: !!int x\n", "test.yaml:1:4: unsupported tag");
}

struct err_case {
	const char *text;
	const char *msg;
};

static const struct
    err_case
        err_cases
            [] =
                {
                    {"kind: Deployment\napiVersion: apps/v1\n",
                     "unknown kind \"Deployment\": peapod runs Pods only (apiVersion v1, kind Pod)"},
                    {"kind: Pod\napiVersion: apps/v1\n",
                     "unknown apiVersion \"apps/v1\" for kind \"Pod\": peapod runs Pods only (apiVersion v1, kind Pod)"},
                    {"apiVersion: v1\nmetadata: {name: x}\n", "kind: Required value"},
                    {"kind: Pod\nmetadata: {name: x}\n", "apiVersion: Required value"},
                    {"- a\n- b\n", "<document>: Invalid value: [...]: expected a Pod object"},
                    {"kind: 5\n", "kind: Invalid value: 5: expected string"},
                    {"apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: i}]}\n",
                     "metadata.name: Required value"},
                    {"apiVersion: v1\nkind: Pod\nmetadata: {name: Nginx}\n",
                     "metadata.name: Invalid value: \"Nginx\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
                    {"apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: a.b}\n",
                     "metadata.namespace: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
                    {HEAD "  generateName: x-\n",
                     "metadata.generateName: Unsupported value: not supported by peapod yet"},
                    {HEAD "  name: q\n", "metadata.name: duplicate key"},
                    {HEAD "  labels: {\"a b\": x}\n",
                     "metadata.labels: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
                    {HEAD "  labels: {a: \"-x\"}\n",
                     "metadata.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
                    {HEAD "  labels: {version: 1}\n",
                     "metadata.labels.version: Invalid value: 1: expected string"},
                    {HEAD "  labels: [a]\n",
                     "metadata.labels: Invalid value: [...]: expected map of strings"},
                    {HEAD "  annotations: {Example.com/x: y}\n",
                     "metadata.annotations: Invalid value: \"Example.com/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
                    {HEAD "  ownerReferences: [{kind: X}]\n",
                     "metadata.ownerReferences: Unsupported value: not supported by peapod yet"},
                    {HEAD "  nam: x\n", "unknown field \"metadata.nam\""},
                    {HEAD "foo: 1\n", "unknown field \"foo\""},
                    {HEAD "spec: {}\n", "spec.containers: Required value"},
                    {HEAD "spec:\n  containers: []\n", "spec.containers: Required value"},
                    {HEAD "spec:\n  containers: {}\n",
                     "spec.containers: Invalid value: {...}: expected list"},
                    {HEAD "spec:\n  containers:\n  - name: a\n    image: i\n  - name: b\n",
                     "spec.containers[1].image: Required value"},
                    {HEAD "spec:\n  containers:\n  - image: i\n",
                     "spec.containers[0].name: Required value"},
                    {HEAD
                     "spec:\n  containers:\n  - name: shell\n    image: i\n  - name: shell\n    image: j\n",
                     "spec.containers[1].name: Duplicate value: \"shell\""},
                    {HEAD "spec:\n  containers:\n  - name: x_y\n    image: i\n",
                     "spec.containers[0].name: Invalid value: \"x_y\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
                    {HEAD "spec:\n  containers:\n  - name: c\n    image: \" nginx\"\n",
                     "spec.containers[0].image: Invalid value: \" nginx\": must not have leading or trailing whitespace"},
                    {C0 "    imagee: x\n", "unknown field \"spec.containers[0].imagee\""},
                    {C0 "    image: x\n", "spec.containers[0].image: duplicate key"},
                    {C0 "  shareProcessNamespace: yes\n",
                     "spec.shareProcessNamespace: Invalid value: \"yes\": expected boolean"},
                    {C0 "  shareProcessNamespace: \"true\"\n",
                     "spec.shareProcessNamespace: Invalid value: \"true\": expected boolean"},
                    {C0 "  restartPolicy: Sometimes\n",
                     "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""},
                    {C0 "  shareProcessNamespace: true\n  hostPID: true\n", "spec.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled"},
                    {C0 "  hostPID: true\n",
                     "spec.hostPID: Unsupported value: not supported by peapod yet"},
                    {C0 "    ports: [{containerPort: 80, hostPort: 8080}]\n  hostNetwork: true\n",
                     "spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true"},
                    {C0 "  hostAliases: [{ip: 10.0.0.300, hostnames: [a]}]\n",
                     "spec.hostAliases[0].ip: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                    {C0 "  hostAliases: [{ip: 10.0.0.3, hostnames: [ok, Bad_Name]}]\n",
                     "spec.hostAliases[0].hostnames[1]: Invalid value: \"Bad_Name\": " DNS1123_SUBDOMAIN},
                    {C0 "  hostAliases: [{ip: 10.0.0.3, hostname: [a]}]\n",
                     "unknown field \"spec.hostAliases[0].hostname\""},
                    {C0 "  dnsPolicy: None\n  dnsConfig: {searches: [a]}\n",
                     "spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None"},
                    {C0 "  dnsConfig: {nameservers: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4]}\n",
                     "spec.dnsConfig.nameservers: Invalid value: []string{\"1.1.1.1\", \"1.0.0.1\", \"8.8.8.8\", \"8.8.4.4\"}: must not have more than 3 nameservers"},
                    {C0 "  dnsConfig: {nameservers: [dns.example]}\n",
                     "spec.dnsConfig.nameservers[0]: Invalid value: \"dns.example\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                    {C0 "  dnsConfig: {searches: [ok., -bad]}\n",
                     "spec.dnsConfig.searches[1]: Invalid value: \"-bad\": " DNS1123_SUBDOMAIN},
                    {C0
                     "  dnsConfig: {searches: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z, aa, ab, ac, ad, ae, af, ag]}\n",
                     "spec.dnsConfig.searches: Invalid value: []string{\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\", \"j\", \"k\", \"l\", \"m\", \"n\", \"o\", \"p\", \"q\", \"r\", \"s\", \"t\", \"u\", \"v\", \"w\", \"x\", \"y\", \"z\", \"aa\", \"ab\", \"ac\", \"ad\", \"ae\", \"af\", \"ag\"}: must not have more than 32 search paths"},
                    {C0 "  dnsConfig: {options: [{value: \"1\"}]}\n",
                     "spec.dnsConfig.options[0]: Required value: must not be empty"},
                    {C0 "  dnsConfig: [1.1.1.1]\n",
                     "spec.dnsConfig: Invalid value: [...]: expected object"},
                    {C0 "  hostIPC: true\n",
                     "spec.hostIPC: Unsupported value: not supported by peapod yet"},
                    {C0 "  volumes: [{name: v, persistentVolumeClaim: {}}]\n",
                     "spec.volumes[0].persistentVolumeClaim: Unsupported value: not supported by peapod yet"},
                    {C0 "  volumes: [{name: v}]\n",
                     "spec.volumes[0]: Required value: must specify a volume type"},
                    {C0 "  volumes: [{name: v, emptyDir: {}, hostPath: {path: /x}}]\n",
                     "spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type"},
                    {C0 "  volumes: [{name: x, emptyDir: {}}, {name: x, emptyDir: {}}]\n",
                     "spec.volumes[1].name: Duplicate value: \"x\""},
                    {C0 "  volumes: [{emptyDir: {}}]\n", "spec.volumes[0].name: Required value"},
                    {C0 "  volumes: [{name: V_1, emptyDir: {}}]\n",
                     "spec.volumes[0].name: Invalid value: \"V_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
                    {C0 "  volumes: [{name: v, emptyDir: {medium: Disk}}]\n",
                     "spec.volumes[0].emptyDir.medium: Unsupported value: \"Disk\": supported values: \"\", \"Memory\""},
                    {C0 "  volumes: [{name: v, emptyDir: {sizeLimit: 12Xi}}]\n",
                     "spec.volumes[0].emptyDir.sizeLimit: Invalid value: \"12Xi\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
                    {C0 "  volumes: [{name: v, emptyDir: {sizeLimit: -1Mi}}]\n",
                     "spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity"},
                    {C0 "  volumes: [{name: v, hostPath: {type: File}}]\n",
                     "spec.volumes[0].hostPath.path: Required value"},
                    {C0 "  volumes: [{name: v, hostPath: {path: /a/../etc}}]\n",
                     "spec.volumes[0].hostPath.path: Invalid value: \"/a/../etc\": must not contain '..'"},
                    {C0 "  volumes: [{name: v, hostPath: {path: /a, type: Dir}}]\n",
                     "spec.volumes[0].hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\""},
                    {C0 "    volumeMounts: [{name: x, mountPath: /v}]\n",
                     "spec.containers[0].volumeMounts[0].name: Not found: \"x\""},
                    {C0 "    volumeMounts: [{mountPath: /v}]\n",
                     "spec.containers[0].volumeMounts[0].name: Required value"},
                    {C0 "    volumeMounts: [{name: v}]\n  volumes: [{name: v, emptyDir: {}}]\n",
                     "spec.containers[0].volumeMounts[0].mountPath: Required value"},
                    {C0 "    volumeMounts: [{name: v, mountPath: /a}, {name: v, mountPath: /a}]\n"
                        "  volumes: [{name: v, emptyDir: {}}]\n",
                     "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/a\": must be unique"},
                    {C0 "    volumeMounts: [{name: v, mountPath: /a, subPath: ../x}]\n"
                        "  volumes: [{name: v, emptyDir: {}}]\n",
                     "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"../x\": must not contain '..'"},
                    {C0 "    volumeMounts: [{name: v, mountPath: /a, subPath: /x}]\n"
                        "  volumes: [{name: v, emptyDir: {}}]\n",
                     "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"/x\": must be a relative path"},
                    {C0
                     "    volumeMounts: [{name: v, mountPath: /a, mountPropagation: Bidirectional}]\n"
                     "  volumes: [{name: v, emptyDir: {}}]\n",
                     "spec.containers[0].volumeMounts[0].mountPropagation: Unsupported value: not supported by peapod yet"},
                    {C0 "    volumeMounts: [{name: v, mountPath: /a, subPathExpr: $(X)}]\n"
                        "  volumes: [{name: v, emptyDir: {}}]\n",
                     "spec.containers[0].volumeMounts[0].subPathExpr: Unsupported value: not supported by peapod yet"},
                    {C0 "  initContainers: [{name: i, image: i, startupProbe: {}}]\n",
                     "spec.initContainers[0].startupProbe: Forbidden: may not be set for init containers without restartPolicy=Always"},
                    {C0 "  nodeSelector: {\"a b\": c}\n",
                     "spec.nodeSelector: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
                    {C0 "  nodeName: N_1\n",
                     "spec.nodeName: Invalid value: \"N_1\": " DNS1123_SUBDOMAIN},
                    {C0 "  securityContext: {fsGroup: -2}\n",
                     "spec.securityContext.fsGroup: Invalid value: -2: must be between 0 and 2147483647, inclusive"},
                    {C0 "  securityContext: {fsGroupChangePolicy: Never}\n", "spec.securityContext.fsGroupChangePolicy: Unsupported value: \"Never\": supported values: \"Always\", \"OnRootMismatch\""},
                    {C0 "  securityContext: {supplementalGroupsPolicy: merge}\n",
                     "spec.securityContext.supplementalGroupsPolicy: Unsupported value: \"merge\": supported values: \"Merge\", \"Strict\""},
                    {C0 "  securityContext: {runAsUser: -1}\n",
                     "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"},
                    {C0 "  securityContext: {runAsGroup: 2147483648}\n",
                     "spec.securityContext.runAsGroup: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive"},
                    {C0 "  securityContext: {supplementalGroups: [1, -5]}\n",
                     "spec.securityContext.supplementalGroups[1]: Invalid value: -5: must be between 0 and 2147483647, inclusive"},
                    {C0 "  securityContext: {supplementalGroups: 5}\n",
                     "spec.securityContext.supplementalGroups: Invalid value: 5: expected list"},
                    {C0 "  securityContext: {runAsNonRoot: \"yes\"}\n",
                     "spec.securityContext.runAsNonRoot: Invalid value: \"yes\": expected boolean"},
                    {C0 "  securityContext: {sysctls: [{value: b}]}\n",
                     "spec.securityContext.sysctls[0].name: Required value"},
                    {C0 "  securityContext: {sysctls: [{name: a_, value: b}]}\n",
                     "spec.securityContext.sysctls[0].name: Invalid value: \"a_\": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"},
                    {C0 "  serviceAccountName: robot\n",
                     "spec.serviceAccountName: Unsupported value: not supported by peapod yet"},
                    {C0 "  tolerations: [{operator: Equal}]\n",
                     "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\""},
                    {C0 "  tolerations: [{key: a, operator: Exists, value: b}]\n",
                     "spec.tolerations[0].operator: Invalid value: \"b\": value must be empty when `operator` is 'Exists'"},
                    {C0 "  tolerations: [{key: a, effect: NoSchedule, tolerationSeconds: 5}]\n",
                     "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"},
                    {C0
                     "  nodeSelector: {a: b}\n  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: In}]}]}}}\n",
                     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"},
                    {C0
                     "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Exists, values: [x]}]}]}}}\n",
                     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"},
                    {C0
                     "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Gt, values: [\"1\", \"2\"]}]}]}}}\n",
                     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"},
                    {C0
                     "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}\n",
                     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term"},
                    {C0
                     "  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchExpressions: [{key: a, operator: Gt, values: [\"1\"]}]}, topologyKey: kubernetes.io/hostname}]}}\n",
                     "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].operator: Invalid value: \"Gt\": not a valid selector operator"},
                    {C0
                     "  affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {}}]}}\n",
                     "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty"},
                    {C0
                     "  affinity: {podAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 0, podAffinityTerm: {topologyKey: k}}]}}\n",
                     "spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"},
                    {C0 "  affinity: {nodeAffinity: {bogus: 1}}\n",
                     "unknown field \"spec.affinity.nodeAffinity.bogus\""},
                    {C0
                     "  topologySpreadConstraints: [{maxSkew: 0, topologyKey: k, whenUnsatisfiable: DoNotSchedule}]\n",
                     "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"},
                    {C0 "  topologySpreadConstraints: [{maxSkew: 1, topologyKey: k, whenUnsatisfiable: Maybe}]\n", "spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: \"Maybe\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\""},
                    {C0 "  schedulingGates: [{name: a.io/g}, {name: a.io/g}]\n",
                     "spec.schedulingGates[1]: Duplicate value: \"a.io/g\""},
                    {C0 "  preemptionPolicy: Sometimes\n",
                     "spec.preemptionPolicy: Unsupported value: \"Sometimes\": supported values: \"Never\", \"PreemptLowerPriority\""},
                    {C0
                     "    resources: {requests: {example.com/dongle: 500m}, limits: {example.com/dongle: 500m}}\n",
                     "spec.containers[0].resources.requests[example.com/dongle]: Invalid value: \"500m\": must be an integer"},
                    {C0
                     "    resources: {requests: {example.com/dongle: 1}, limits: {example.com/dongle: 2}}\n",
                     "spec.containers[0].resources.requests[example.com/dongle]: Invalid value: \"1\": must be equal to example.com/dongle limit of 2"},
                    {C0 "  hostUsers: false\n  hostNetwork: true\n",
                     "spec.hostNetwork: Forbidden: when `hostUsers` is false"},
                    {C0 "    securityContext: {procMount: Unmasked}\n",
                     "spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`"},
                    {C0 "    securityContext: {procMount: Open}\n",
                     "spec.containers[0].securityContext.procMount: Unsupported value: \"Open\": supported values: \"Default\", \"Unmasked\""},
                    {C0 "  hostUsers: \"no\"\n",
                     "spec.hostUsers: Invalid value: \"no\": expected boolean"},
                    {C0 "  runtimeClassName: kata\n",
                     "pods \"p\" is forbidden: pod rejected: RuntimeClass \"kata\" not found"},
                    {C0 "  runtimeClassName: Kata\n",
                     "spec.runtimeClassName: Invalid value: \"Kata\": " DNS1123_SUBDOMAIN},
                    {C0 "  overhead: {cpu: 10m}\n",
                     "pods \"p\" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"},
                    {C0 "  preemptionPolicy: Always\n",
                     "spec.preemptionPolicy: Unsupported value: \"Always\": supported values: \"Never\", \"PreemptLowerPriority\""},
                    {C0 "  os: {name: plan9}\n",
                     "spec.os: Unsupported value: \"plan9\": supported values: \"linux\", \"windows\""},
                    {C0 "  os: {}\n", "spec.os.name: Required value: cannot be empty"},
                    {C0 "  readinessGates: [{conditionType: \"bad gate\"}]\n",
                     "spec.readinessGates[0].conditionType: Invalid value: \"bad gate\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
                    {C0 "  enableServiceLinks: \"no\"\n",
                     "spec.enableServiceLinks: Invalid value: \"no\": expected boolean"},
                    {C0 "    lifecycle: {stopSignal: SIGUSR1}\n",
                     "spec.containers[0].lifecycle.stopSignal: Forbidden: may not be set for containers with empty `spec.os.name`"},
                    {C0 "    lifecycle: {stopSignal: SIGFOO}\n  os: {name: windows}\n",
                     "spec.containers[0].lifecycle.stopSignal: Unsupported value: \"SIGFOO\": supported values: \"SIGKILL\", \"SIGTERM\""},
                    {C0 "    lifecycle: {preStop: {sleep: {seconds: 31}}}\n",
                     "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 31: must be non-negative and less than terminationGracePeriodSeconds (30)"},
                    {C0 "    lifecycle: {postStart: {sleep: {seconds: 1}, exec: {command: [x]}}}\n",
                     "spec.containers[0].lifecycle.postStart.sleep: Forbidden: may not specify more than 1 handler type"},
                    {C0 "    lifecycle: {postStart: {sleep: {secs: 1}}}\n",
                     "unknown field \"spec.containers[0].lifecycle.postStart.sleep.secs\""},
                    {C0 "  resources: {limits: {cpu: 1}, requests: {cpu: 2}}\n",
                     "spec.resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"},
                    {C0 "  resources: {requests: {ephemeral-storage: 1Gi}}\n",
                     "spec.resources.requests[ephemeral-storage]: Unsupported value: \"ephemeral-storage\": supported values: \"cpu\", \"hugepages-\", \"memory\""},
                    {C0 "  resources: {limits: {gpu: 1}}\n",
                     "spec.resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified"},
                    {C0 "  resources: {limits: {hugepages-2Mi: 2Mi}}\n",
                     "spec.resources.limits[hugepages-2Mi]: Unsupported value: not supported by peapod yet"},
                    {C0
                     "    resources: {requests: {cpu: 750m}}\n  - name: d\n    image: busybox\n"
                     "    resources: {requests: {cpu: 750m}}\n  resources: {requests: {cpu: 1}}\n",
                     "spec.resources.requests[cpu]: Invalid value: \"1\": must be greater than or equal to aggregate container requests of 1500m"},
                    {C0
                     "    resources: {limits: {memory: 2Gi}}\n  resources: {requests: {memory: 3Gi}}\n"
                     "  initContainers: [{name: i, image: i, resources: {requests: {memory: 4Gi}}}]\n",
                     "spec.resources.requests[memory]: Invalid value: \"3Gi\": must be greater than or equal to aggregate container requests of 4Gi"},
                    {C0
                     "    resources: {limits: {memory: 2Gi}, requests: {memory: 1Gi}}\n  resources: {limits: {memory: 1Gi}}\n",
                     "spec.resources.containers[0][memory].limits: Invalid value: \"2Gi\": must be less than or equal to pod limits of 1Gi"},
                    {HEAD
                     "  annotations: {container.apparmor.security.beta.kubernetes.io/c: runtime/default}\n"
                     "spec:\n  containers:\n  - name: c\n    image: busybox\n"
                     "    securityContext: {appArmorProfile: {type: Unconfined}}\n",
                     "spec.containers[0].securityContext.appArmorProfile.type: Forbidden: apparmor type in annotation and field must match"},
                    {HEAD
                     "  annotations: {container.apparmor.security.beta.kubernetes.io/x: runtime/default}\n"
                     "spec:\n  containers:\n  - name: c\n    image: busybox\n",
                     "metadata.annotations[container.apparmor.security.beta.kubernetes.io/x]: Invalid value: \"x\": container not found"},
                    {HEAD
                     "  annotations: {container.apparmor.security.beta.kubernetes.io/c: strict}\n"
                     "spec:\n  containers:\n  - name: c\n    image: busybox\n",
                     "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Invalid value: \"strict\": invalid AppArmor profile name: \"strict\""},
                    {C0 "  os: {name: windows}\n  resources: {limits: {memory: 1Gi}}\n",
                     "spec.resources: Forbidden: may not be set for a windows pod"},
                    {C0 "  terminationGracePeriodSeconds: -1\n",
                     "spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0"},
                    {C0 "  terminationGracePeriodSeconds: 1.5\n",
                     "spec.terminationGracePeriodSeconds: Invalid value: 1.5: expected integer"},
                    {C0 "  hostname: Bad_Host\n",
                     "spec.hostname: Invalid value: \"Bad_Host\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
                    {C0 "  dnsPolicy: Nope\n",
                     "spec.dnsPolicy: Unsupported value: \"Nope\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""},
                    {C0 "  dnsPolicy: None\n",
                     "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"},
                    {C0 "    imagePullPolicy: Sometimes\n",
                     "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""},
                    {C0 "    livenessProbe: {grpc: {port: 65536}}\n",
                     "spec.containers[0].livenessProbe.grpc.port: Invalid value: 65536: must be between 1 and 65535, inclusive"},
                    {C0 "    readinessProbe: {httpGet: {port: 80, scheme: HTTPS}}\n",
                     "spec.containers[0].readinessProbe.httpGet.scheme: Unsupported value: not supported by "
                     "peapod yet"},
                    {C0 "    lifecycle: {preStop: {tcpSocket: {port: 80}}}\n",
                     "spec.containers[0].lifecycle.preStop.tcpSocket: Unsupported value: not supported by peapod yet"},
                    {C0 "    resources: {limits: {cpu: 1}, requests: {cpu: 2}}\n",
                     "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"},
                    {C0 "    resources: {limits: {memory: 64Mi}, requests: {memory: 65Mi}}\n",
                     "spec.containers[0].resources.requests: Invalid value: \"65Mi\": must be less than or equal to memory limit of 64Mi"},
                    {C0 "    resources: {limits: {cpu: \"-1\"}}\n",
                     "spec.containers[0].resources.limits[cpu]: Invalid value: \"-1\": must be greater than or equal to 0"},
                    {C0 "    resources: {requests: {memory: -5Mi}}\n",
                     "spec.containers[0].resources.requests[memory]: Invalid value: \"-5Mi\": must be greater than or equal to 0"},
                    {C0 "    resources: {limits: {gpu: 1}}\n",
                     "spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers"},
                    {C0 "    resources: {limits: {ephemeral-storage: 1Gi}}\n",
                     "spec.containers[0].resources.limits[ephemeral-storage]: Unsupported value: not supported by peapod yet"},
                    {C0 "    resources: {requests: {nvidia.com/gpu: 1}}\n",
                     "spec.containers[0].resources.limits[nvidia.com/gpu]: Required value: Limit must be set for non overcommitable resources"},
                    {C0 "    resources: {limits: {memory: 12XB}}\n",
                     "spec.containers[0].resources.limits[memory]: Invalid value: \"12XB\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
                    {C0 "    resources: {limits: [cpu]}\n",
                     "spec.containers[0].resources.limits: Invalid value: [...]: expected object"},
                    {C0 "    resources: {claims: [{name: x}]}\n",
                     "spec.containers[0].resources.claims: Unsupported value: not supported by peapod yet"},
                    {C0 "    resizePolicy: [{resourceName: gpu}]\n",
                     "spec.containers[0].resizePolicy: Unsupported value: \"gpu\": supported values: \"cpu\", \"memory\""},
                    {C0 "    resizePolicy: [{resourceName: cpu}, {resourceName: cpu}]\n",
                     "spec.containers[0].resizePolicy[1]: Duplicate value: \"cpu\""},
                    {C0 "    resizePolicy: [{restartPolicy: NotRequired}]\n",
                     "spec.containers[0].resizePolicy: Required value"},
                    {C0 "    resizePolicy: [{resourceName: memory, restartPolicy: Maybe}]\n",
                     "spec.containers[0].resizePolicy: Unsupported value: \"Maybe\": supported values: \"NotRequired\", \"RestartContainer\""},
                    {C0
                     "    resizePolicy: [{resourceName: memory, restartPolicy: RestartContainer}]\n  restartPolicy: Never\n",
                     "spec.containers[0].resizePolicy: Invalid value: \"RestartContainer\": must be 'NotRequired' when `restartPolicy` is 'Never'"},
                    {C0 "    envFrom: [{prefix: P_}]\n",
                     "spec.containers[0].envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`"},
                    {C0 "    env: [{name: A, valueFrom: {fieldRef: {fieldPath: x}}}]\n",
                     "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"x\": error converting fieldPath: field label not supported: x"},
                    {C0 "    env: [{value: x}]\n",
                     "spec.containers[0].env[0].name: Required value"},
                    {C0 "    env: [{name: A, value: 8080}]\n",
                     "spec.containers[0].env[0].value: Invalid value: 8080: expected string"},
                    {C0 "    env: [{name: A}, {name: 1x}]\n",
                     "spec.containers[0].env[1].name: Invalid value: \"1x\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"},
                    {C0 "    securityContext: {runAsUser: -1}\n",
                     "spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"},
                    {C0 "    securityContext: {runAsGroup: x}\n",
                     "spec.containers[0].securityContext.runAsGroup: Invalid value: \"x\": expected integer"},
                    {C0 "    securityContext: {readOnlyRootFilesystem: 1}\n",
                     "spec.containers[0].securityContext.readOnlyRootFilesystem: Invalid value: 1: expected boolean"},
                    {C0 "    securityContext: {runAsUserName: x}\n",
                     "unknown field \"spec.containers[0].securityContext.runAsUserName\""},
                    {C0 "    securityContext: {privileged: 1}\n",
                     "spec.containers[0].securityContext.privileged: Invalid value: 1: expected boolean"},
                    {C0
                     "    securityContext: {privileged: true, allowPrivilegeEscalation: false}\n",
                     "spec.containers[0].securityContext: Invalid value: \"<object>\": cannot set `allowPrivilegeEscalation` to false and `privileged` to true"},
                    {C0 "    securityContext: {allowPrivilegeEscalation: \"false\"}\n",
                     "spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: \"false\": expected boolean"},
                    {C0 "    securityContext: {capabilities: {add: [SYS-PTRACE]}}\n",
                     "spec.containers[0].securityContext.capabilities.add[0]: Invalid value: \"SYS-PTRACE\": must be a capability name (letters, digits and '_', e.g. 'SYS_PTRACE' or 'ALL')"},
                    {C0 "    securityContext: {capabilities: {add: SYS_PTRACE}}\n",
                     "spec.containers[0].securityContext.capabilities.add: Invalid value: \"SYS_PTRACE\": expected list"},
                    {C0 "    securityContext: {capabilities: {keep: [A]}}\n",
                     "unknown field \"spec.containers[0].securityContext.capabilities.keep\""},
                    {C0 "    command: sleep 1\n",
                     "spec.containers[0].command: Invalid value: \"sleep 1\": expected list"},
                    {C0 "    args: [1]\n",
                     "spec.containers[0].args[0]: Invalid value: 1: expected string"},
                    {C0 "    tty: 1\n",
                     "spec.containers[0].tty: Invalid value: 1: expected boolean"},
                    {C0 "    ports: [{containerPort: 70000}]\n",
                     "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"},
                    {C0 "    ports: [{name: http}]\n",
                     "spec.containers[0].ports[0].containerPort: Required value"},
                    {C0 "    ports: [{containerPort: 80, hostPort: 70000}]\n",
                     "spec.containers[0].ports[0].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive"},
                    {C0 "    ports: [{containerPort: 80, hostPort: -1}]\n",
                     "spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive"},
                    {C0 "    ports: [{containerPort: 80, hostPort: 80, hostIP: 1.2.3}]\n",
                     "spec.containers[0].ports[0].hostIP: Invalid value: \"1.2.3\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                    {C0 "    ports: [{containerPort: 80, hostPort: 80, protocol: ICMP}]\n",
                     "spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\""},
                    {C0
                     "    ports: [{containerPort: 80, hostPort: 8080}]\n  - name: d\n    image: busybox\n"
                     "    ports: [{containerPort: 81, hostPort: 8080}]\n",
                     "spec.containers[1].ports[0].hostPort: Duplicate value: \"/TCP/8080\""},
                    {C0 "    ports: [{containerPort: 80, protocol: ICMP}]\n",
                     "spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\""},
                    {C0 "    ports: [{containerPort: 80, name: Http}]\n",
                     "spec.containers[0].ports[0].name: Invalid value: \"Http\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"},
                    {C0
                     "    ports: [{containerPort: 80, name: http}]\n  - name: d\n    image: i\n    ports: [{containerPort: 81, name: http}]\n",
                     "spec.containers[1].ports[0].name: Duplicate value: \"http\""},
                    {C0 "    terminationMessagePolicy: Always\n", "spec.containers[0].terminationMessagePolicy: Unsupported value: \"Always\": supported values: \"File\", \"FallbackToLogsOnError\""},
                    {C0 "    image: \"a\\0b\"\n", "spec.containers[0].image: duplicate key"},
                    {HEAD "spec:\n  containers:\n  - name: c\n    image: \"a\\0b\"\n",
                     "spec.containers[0].image: Invalid value: must not contain NUL characters"},
                    {HEAD "spec:\n  containers:\n  - name: c\n    image: \"a\\nb \"\n",
                     "spec.containers[0].image: Invalid value: \"a\\nb \": must not have leading or trailing whitespace"},
};

static void test_error_case(void **state)
{
	const struct err_case *c = *state;

	expect_error(c->text, c->msg);
}

static void test_accepted_empty(void **state)
{
	struct pod *p =
	    parse_one(C0 "    resources: {}\n    securityContext:\n"
	                 "      privileged: false\n      allowPrivilegeEscalation: true\n"
	                 "    env: null\n"
	                 "  volumes: []\n  tolerations: []\n  securityContext: {}\n"
	                 "  hostNetwork: false\n  hostPID: false\n  serviceAccountName: default\n"
	                 "  automountServiceAccountToken: false\n  enableServiceLinks: true\n"
	                 "  restartPolicy: \"\"\n");

	(void)state;
	assert_int_equal(p->restart_policy, POD_RESTART_ALWAYS);
	assert_int_equal(p->containers[0].n_env, 0);
	pod_free(p);
}

#define VOLS                                                                      \
	C0 "    volumeMounts:\n    - {name: logs, mountPath: /var/log/app}\n"     \
	   "    - {name: cache, mountPath: /cache, readOnly: true, subPath: a/b," \
	   " mountPropagation: None}\n"                                           \
	   "  volumes:\n  - name: logs\n    emptyDir: {}\n"                       \
	   "  - name: cache\n    emptyDir: {medium: Memory, sizeLimit: 64Mi}\n"   \
	   "  - name: host\n    hostPath: {path: /srv/x, type: DirectoryOrCreate}\n"
static void test_volumes(void **state)
{
	struct pod *p = parse_one(VOLS), *q = parse_one(VOLS);
	const struct pod_volume_mount *m;

	(void)state;
	assert_int_equal(p->n_volumes, 3);
	assert_string_equal(p->volumes[0].name, "logs");
	assert_true(p->volumes[0].has_empty_dir);
	assert_false(p->volumes[0].has_host_path);
	assert_null(p->volumes[0].empty_dir_medium);
	assert_string_equal(p->volumes[1].empty_dir_medium, "Memory");
	assert_string_equal(p->volumes[1].empty_dir_size_limit, "64Mi");
	assert_int_equal(p->volumes[1].empty_dir_size_bytes, 64 << 20);
	assert_true(p->volumes[2].has_host_path);
	assert_string_equal(p->volumes[2].host_path, "/srv/x");
	assert_string_equal(p->volumes[2].host_path_type, "DirectoryOrCreate");
	assert_ptr_equal(pod_volume_find(p, "host"), &p->volumes[2]);
	assert_null(pod_volume_find(p, "nope"));
	assert_int_equal(p->containers[0].n_volume_mounts, 2);
	m = &p->containers[0].volume_mounts[1];
	assert_string_equal(m->name, "cache");
	assert_string_equal(m->mount_path, "/cache");
	assert_true(m->read_only);
	assert_string_equal(m->sub_path, "a/b");
	assert_string_equal(m->mount_propagation, "None");
	assert_false(p->containers[0].volume_mounts[0].read_only);
	assert_true(pod_spec_equal(p, q));
	q->containers[0].volume_mounts[1].read_only = false;
	assert_false(pod_spec_equal(p, q));
	q->containers[0].volume_mounts[1].read_only = true;
	q->volumes[1].empty_dir_size_bytes = 1;
	assert_false(pod_spec_equal(p, q));
	pod_free(q);
	pod_free(p);
	round_trip(VOLS);
	/* Quantities as the API server reads them */
	p = parse_one(C0 "  volumes:\n  - {name: a, emptyDir: {sizeLimit: 1G}}\n"
	                 "  - {name: b, emptyDir: {sizeLimit: 1.5Ki}}\n"
	                 "  - {name: c, emptyDir: {sizeLimit: 1e3}}\n"
	                 "  - {name: d, emptyDir: {sizeLimit: 4096}}\n"
	                 "  - {name: e, emptyDir: {sizeLimit: 1500m}}\n");
	assert_int_equal(p->volumes[0].empty_dir_size_bytes, 1000000000);
	assert_int_equal(p->volumes[1].empty_dir_size_bytes, 1536);
	assert_int_equal(p->volumes[2].empty_dir_size_bytes, 1000);
	assert_int_equal(p->volumes[3].empty_dir_size_bytes, 4096);
	assert_string_equal(p->volumes[3].empty_dir_size_limit, "4096");
	assert_int_equal(p->volumes[4].empty_dir_size_bytes, 2);
	pod_free(p);
}

#define PROJ_VOLS                                                                                   \
	C0 "  volumes:\n"                                                                           \
	   "  - {name: a, configMap: {name: cm, items: [{key: k, path: d/f, mode: 0400}], "         \
	   "optional: true}}\n"                                                                     \
	   "  - {name: b, secret: {secretName: s, defaultMode: 0400}}\n"                            \
	   "  - name: c\n    downwardAPI:\n      items:\n"                                          \
	   "      - {path: labels, fieldRef: {fieldPath: metadata.labels}}\n"                       \
	   "      - {path: cpu, resourceFieldRef: {containerName: c, resource: limits.cpu, "        \
	   "divisor: 1m}}\n"                                                                        \
	   "  - name: d\n    projected:\n      defaultMode: 0440\n      sources:\n"                 \
	   "      - configMap: {name: cm}\n      - secret: {name: s, items: [{key: x, path: y}]}\n" \
	   "      - downwardAPI: {items: [{path: n, fieldRef: {fieldPath: metadata.name}}]}\n"      \
	   "      - serviceAccountToken: {audience: vault, path: token}\n"                          \
	   "      - clusterTrustBundle: {signerName: example.com/x, labelSelector: "                \
	   "{matchLabels: {a: b}}, optional: true, path: ca.pem}\n"

static void test_projected_volumes(void **state)
{
	struct pod *p, *q;

	(void)state;
	p = parse_one(PROJ_VOLS);
	q = parse_one(PROJ_VOLS);
	assert_int_equal(p->volumes[0].projection, POD_PROJ_CONFIGMAP);
	assert_int_equal(p->volumes[0].default_mode, 0644);
	assert_string_equal(p->volumes[0].sources[0].name, "cm");
	assert_true(p->volumes[0].sources[0].optional);
	assert_int_equal(p->volumes[0].sources[0].items[0].mode, 0400);
	assert_int_equal(p->volumes[1].projection, POD_PROJ_SECRET);
	assert_int_equal(p->volumes[1].default_mode, 0400);
	assert_string_equal(p->volumes[2].sources[0].files[1].rf_divisor, "1m");
	assert_string_equal(p->volumes[2].sources[0].files[0].field_api, "v1");
	assert_int_equal(p->volumes[3].projection, POD_PROJ_NONE);
	assert_int_equal(p->volumes[3].n_proj, 5);
	assert_int_equal(p->volumes[3].default_mode, 0440);
	assert_int_equal(p->volumes[3].sources[3].kind, POD_PROJ_SA_TOKEN);
	assert_int_equal(p->volumes[3].sources[3].expiration_seconds, 3600);
	assert_string_equal(p->volumes[3].sources[4].label_selector,
	                    "{\"matchLabels\":{\"a\":\"b\"}}");
	assert_true(pod_spec_equal(p, q));
	q->volumes[3].sources[1].items[0].has_mode = true;
	assert_false(pod_spec_equal(p, q));
	pod_free(q);
	pod_free(p);
	round_trip(PROJ_VOLS);
}

/* The API server's errors for configMap, secret, downwardAPI and projected
 * volumes. */
static const struct err_case proj_err_cases[] = {
    {C0 "  volumes: [{name: v, configMap: {name: x, items: [{key: a, path: ../x}]}}]\n",
     "spec.volumes[0].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'"},
    {C0 "  volumes: [{name: v, configMap: {name: x, items: [{key: a, path: /x}]}}]\n",
     "spec.volumes[0].configMap.items[0].path: Invalid value: \"/x\": must be a relative path"},
    {C0 "  volumes: [{name: v, configMap: {name: x, items: [{key: a, path: ..x}]}}]\n",
     "spec.volumes[0].configMap.items[0].path: Invalid value: \"..x\": must not start with '..'"},
    {C0 "  volumes: [{name: v, configMap: {name: x, items: [{key: a, path: b, mode: 512}]}}]\n",
     "spec.volumes[0].configMap.items[0].mode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive"},
    {C0 "  volumes: [{name: v, secret: {secretName: x, defaultMode: -1}}]\n",
     "spec.volumes[0].secret.defaultMode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive"},
    {C0 "  volumes: [{name: v, secret: {}}]\n",
     "spec.volumes[0].secret.secretName: Required value"},
    {C0 "  volumes: [{name: v, configMap: {name: x}, secret: {secretName: y}}]\n",
     "spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type"},
    {C0
     "  volumes: [{name: v, downwardAPI: {items: [{path: a, fieldRef: {fieldPath: spec.nodeName}}]}}]\n",
     "spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: \"spec.nodeName\": supported values: \"metadata.annotations\", \"metadata.labels\", \"metadata.name\", \"metadata.namespace\", \"metadata.uid\""},
    {C0 "  volumes: [{name: v, downwardAPI: {items: [{path: a}]}}]\n",
     "spec.volumes[0].downwardAPI.items[0]: Required value: one of fieldRef and resourceFieldRef is required"},
    {C0
     "  volumes: [{name: v, downwardAPI: {items: [{path: a, resourceFieldRef: {resource: limits.cpu}}]}}]\n",
     "spec.volumes[0].downwardAPI.items[0].resourceFieldRef.containerName: Required value"},
    {C0
     "  volumes: [{name: v, projected: {sources: [{serviceAccountToken: {path: t, expirationSeconds: 60}}]}}]\n",
     "spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"},
    {C0
     "  volumes: [{name: v, projected: {sources: [{configMap: {name: a}, secret: {name: b}}]}}]\n",
     "spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type per source"},
    {C0
     "  volumes: [{name: v, projected: {sources: [{configMap: {name: a, items: [{key: k, path: p}]}}, {secret: {name: b, items: [{key: k, path: p}]}}]}}]\n",
     "spec.volumes[0].projected: Invalid value: \"b\": conflicting duplicate paths"},
    {C0 "  volumes: [{name: v, projected: {sources: [{clusterTrustBundle: {path: p}}]}}]\n",
     "spec.volumes[0].projected.sources[0].clusterTrustBundle: Required value: either name or signerName must be set"},
    {C0
     "  volumes: [{name: v, projected: {sources: [{podCertificate: {signerName: a/b, keyType: ED25519, credentialBundlePath: c}}]}}]\n",
     "spec.volumes[0].projected.sources[0].podCertificate: Forbidden: peapod has no API server to sign a PodCertificateRequest on one machine"},
    {C0
     "  volumes: [{name: v, downwardAPI: {items: [{path: a, resourceFieldRef: {containerName: c, resource: limits.cpu, divisor: 2m}}]}}]\n",
     "spec.volumes[0].downwardAPI.items[0].resourceFieldRef.divisor: Invalid value: \"2m\": only divisor's values 1m and 1 are supported with the cpu resource"},
    {C0
     "  volumes: [{name: v, downwardAPI: {items: [{path: a, resourceFieldRef: {containerName: c, resource: requests.memory, divisor: 2Mi}}]}}]\n",
     "spec.volumes[0].downwardAPI.items[0].resourceFieldRef.divisor: Invalid value: \"2Mi\": only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"},
};

static void test_projected_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(proj_err_cases) / sizeof(proj_err_cases[0]); i++)
		expect_error(proj_err_cases[i].text, proj_err_cases[i].msg);
}

static void test_dns_names(void **state)
{
	(void)state;
	assert_true(pod_is_dns1123_label("a"));
	assert_true(pod_is_dns1123_label("a-1"));
	assert_false(pod_is_dns1123_label(""));
	assert_false(pod_is_dns1123_label("-a"));
	assert_false(pod_is_dns1123_label("a-"));
	assert_false(pod_is_dns1123_label("A"));
	assert_false(pod_is_dns1123_label("a.b"));
	assert_true(pod_is_dns1123_label(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(pod_is_dns1123_label(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_true(pod_is_dns1123_subdomain("a.b-c.d"));
	assert_false(pod_is_dns1123_subdomain("a..b"));
	assert_false(pod_is_dns1123_subdomain(".a"));
	assert_false(pod_is_dns1123_subdomain("a."));
	assert_false(pod_is_dns1123_subdomain("a.-b"));
	assert_false(pod_is_dns1123_subdomain(NULL));
}

static void test_from_json_kind(void **state)
{
	struct pp_error err = {0};
	struct pod *p = NULL;
	json_object *o =
	    json_tokener_parse("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":"
	                       "{\"name\":\"x\",\"uid\":\"u1\"},\"spec\":{\"containers\":"
	                       "[{\"name\":\"c\",\"image\":\"i\"}]},\"status\":{\"x\":1}}");

	(void)state;
	assert_int_equal(pod_spec_from_json(o, &p, &err), 0);
	assert_string_equal(p->uid, "u1");
	assert_int_equal(p->containers[0].image_pull_policy, POD_PULL_ALWAYS);
	pod_free(p);
	json_object_put(o);
	o = json_tokener_parse("{\"kind\":\"Service\",\"apiVersion\":\"v1\"}");
	assert_int_equal(pod_spec_from_json(o, &p, &err), -EINVAL);
	json_object_put(o);
}

static void test_security_context(void **state)
{
	struct pod *p = parse_one(
	    HEAD "spec:\n  securityContext: {runAsUser: 1000, runAsGroup: 0, runAsNonRoot: false,\n"
	         "    supplementalGroups: [4000, 0]}\n"
	         "  containers:\n  - name: a\n    image: busybox\n"
	         "    securityContext: {runAsUser: 0, allowPrivilegeEscalation: false,\n"
	         "      readOnlyRootFilesystem: true, runAsNonRoot: true, privileged: false}\n"
	         "  - name: b\n    image: busybox\n");
	const struct pod_container *a = &p->containers[0], *b = &p->containers[1];

	(void)state;
	assert_true(p->run_as.has_user);
	assert_int_equal(p->run_as.user, 1000);
	assert_true(p->run_as.has_group);
	assert_int_equal(p->run_as.group, 0);
	assert_true(p->run_as.has_non_root);
	assert_false(p->run_as.non_root);
	assert_int_equal(p->n_supplemental_groups, 2);
	assert_int_equal(p->supplemental_groups[0], 4000);
	assert_int_equal(p->supplemental_groups[1], 0);
	assert_true(a->run_as.has_user);
	assert_int_equal(a->run_as.user, 0);
	assert_false(a->run_as.has_group);
	assert_true(a->run_as.has_non_root && a->run_as.non_root);
	assert_true(a->has_allow_privilege_escalation);
	assert_false(a->allow_privilege_escalation);
	assert_true(a->has_read_only_root_filesystem && a->read_only_root_filesystem);
	assert_false(b->run_as.has_user || b->run_as.has_group || b->run_as.has_non_root);
	assert_false(b->has_allow_privilege_escalation || b->has_read_only_root_filesystem);
	pod_free(p);
	/* unset and 0 / false survive the round trip as themselves */
	round_trip(HEAD "spec:\n  securityContext: {runAsUser: 0, supplementalGroups: [7]}\n"
	                "  containers:\n  - name: c\n    image: busybox\n"
	                "    securityContext: {runAsGroup: 0, allowPrivilegeEscalation: true,\n"
	                "      readOnlyRootFilesystem: false, runAsNonRoot: false}\n");
	round_trip(C0 "    securityContext: {runAsUser: 2147483647, capabilities: {add: [A]}}\n");
}

static void test_security_context_equal(void **state)
{
	struct pod *a = parse_one(C0 "    securityContext: {runAsUser: 0}\n");
	struct pod *b = parse_one(C0);
	struct pod *c = parse_one(C0 "  securityContext: {supplementalGroups: [1]}\n");
	struct pod *d = parse_one(C0 "  securityContext: {supplementalGroups: [2]}\n");
	struct pod *e = parse_one(C0 "    securityContext: {allowPrivilegeEscalation: true}\n");

	(void)state;
	assert_false(pod_spec_equal(a, b)); /* runAsUser 0 is not unset */
	assert_false(pod_spec_equal(c, d));
	assert_false(pod_spec_equal(b, e));
	assert_true(pod_spec_equal(c, c));
	pod_free(a);
	pod_free(b);
	pod_free(c);
	pod_free(d);
	pod_free(e);
}

static void test_too_large(void **state)
{
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(pod_spec_parse_yaml("", (size_t)64 << 20, "big", &pods, &n, &err), -EFBIG);
}

#define INIT_POD                                                                        \
	HEAD "spec:\n  initContainers:\n  - name: i1\n    image: busybox\n"             \
	     "    command: [sh, -c, 'echo 1']\n  - name: i2\n    image: busybox:1.28\n" \
	     "  containers:\n  - name: c\n    image: busybox\n    lifecycle:\n"         \
	     "      postStart: {exec: {command: [sh, -c, 'echo a']}}\n"                 \
	     "      preStop: {exec: {command: [sleep, '1']}}\n"

static void test_init_containers_and_hooks(void **state)
{
	struct pod *p, *q;
	json_object *o;

	(void)state;
	p = parse_one(INIT_POD);
	assert_int_equal(p->n_init_containers, 2);
	assert_string_equal(p->init_containers[0].name, "i1");
	assert_string_equal(p->init_containers[0].command[2], "echo 1");
	assert_int_equal(p->init_containers[1].image_pull_policy, POD_PULL_IF_NOT_PRESENT);
	assert_string_equal(p->init_containers[1].termination_message_path, "/dev/termination-log");
	assert_false(p->init_containers[0].post_start.set);
	assert_true(p->containers[0].post_start.set);
	assert_string_equal(p->containers[0].post_start.exec_command[2], "echo a");
	assert_string_equal(p->containers[0].pre_stop.exec_command[0], "sleep");
	assert_null(p->containers[0].pre_stop.exec_command[2]);
	/* encode, decode: the same pod */
	o = pod_spec_to_json(p);
	assert_int_equal(pod_spec_from_json(o, &q, &(struct pp_error){0}), 0);
	json_object_put(o);
	assert_true(pod_spec_equal(p, q));
	free(q->init_containers[1].name);
	q->init_containers[1].name = xstrdup("i3");
	assert_false(pod_spec_equal(p, q));
	pod_free(q);
	pod_free_all(p, 1);
}

/* Native sidecars: restartPolicy Always on an init container only, with
 * the probes and hooks the API server allows them. */
static void test_sidecar(void **state)
{
	struct pod *p = NULL, *q = NULL;
	size_t n = 0;
	json_object *o;

	(void)state;
	assert_int_equal(parse(C0 "  initContainers:\n  - name: side\n    image: busybox\n"
	                          "    restartPolicy: Always\n"
	                          "    startupProbe: {exec: {command: [x]}}\n"
	                          "    readinessProbe: {exec: {command: [x]}}\n"
	                          "    livenessProbe: {exec: {command: [x]}}\n"
	                          "    lifecycle: {preStop: {exec: {command: [x]}}}\n"
	                          "  - {name: plain, image: busybox}\n",
	                       &p, &n, &(struct pp_error){0}),
	                 0);
	assert_true(p->init_containers[0].restart_always);
	assert_false(p->init_containers[1].restart_always);
	assert_true(p->init_containers[0].startup_probe.set);
	o = pod_spec_to_json(p);
	assert_int_equal(pod_spec_from_json(o, &q, &(struct pp_error){0}), 0);
	json_object_put(o);
	assert_true(pod_spec_equal(p, q));
	q->init_containers[0].restart_always = false;
	assert_false(pod_spec_equal(p, q));
	pod_free(q);
	pod_free_all(p, n);
	expect_error(C0 "    restartPolicy: Always\n",
	             "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init "
	             "containers");
	expect_error(
	    C0 "  initContainers:\n  - {name: i, image: busybox, restartPolicy: Never}\n",
	    "spec.initContainers[0].restartPolicy: Unsupported value: \"Never\": supported "
	    "values: \"Always\"");
	expect_error(C0 "  initContainers:\n  - name: i\n    image: busybox\n"
	                "    restartPolicy: Always\n"
	                "    startupProbe: {exec: {command: [x]}, successThreshold: 2}\n",
	             "spec.initContainers[0].startupProbe.successThreshold: Invalid value: 2: must "
	             "be 1");
}

static void test_init_containers_refused(void **state)
{
	(void)state;
	expect_error(
	    C0 "  initContainers:\n  - name: i\n    image: busybox\n"
	       "    lifecycle: {preStop: {exec: {command: [x]}}}\n",
	    "spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers "
	    "without restartPolicy=Always");
	expect_error(C0 "  initContainers:\n  - name: i\n    image: busybox\n"
	                "    readinessProbe: {exec: {command: [x]}}\n",
	             "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init "
	             "containers without restartPolicy=Always");
	expect_error(C0 "  initContainers:\n  - name: c\n    image: busybox\n",
	             "spec.initContainers[0].name: Duplicate value: \"c\"");
	expect_error(C0 "  initContainers:\n  - {name: i, image: busybox}\n"
	                "  - {name: i, image: busybox}\n",
	             "spec.initContainers[1].name: Duplicate value: \"i\"");
	expect_error(C0 "  initContainers:\n  - {name: i}\n",
	             "spec.initContainers[0].image: Required value");
	expect_error(C0 "    lifecycle: {postStart: {}}\n",
	             "spec.containers[0].lifecycle.postStart: Required value: must specify a "
	             "handler type");
	expect_error(C0 "    lifecycle: {postStart: {httpGet: {port: 80}}}\n",
	             "spec.containers[0].lifecycle.postStart.httpGet: Unsupported value: not "
	             "supported by peapod yet");
}

#define PROBE_POD                                                                     \
	C0 "    ports: [{name: web, containerPort: 8080}]\n"                          \
	   "    livenessProbe: {exec: {command: [cat, /tmp/ok]}, periodSeconds: 2,\n" \
	   "      terminationGracePeriodSeconds: 5}\n"                                \
	   "    readinessProbe:\n"                                                    \
	   "      httpGet: {port: web, httpHeaders: [{name: X-A, value: b}]}\n"       \
	   "      successThreshold: 2\n"                                              \
	   "    startupProbe: {tcpSocket: {port: 8080, host: 127.0.0.1}, failureThreshold: 30}\n"

static void test_probes(void **state)
{
	struct pod *p = parse_one(PROBE_POD), *q = NULL;
	const struct pod_container *c = &p->containers[0];
	json_object *o;

	(void)state;
	assert_true(c->liveness_probe.set);
	assert_true(c->liveness_probe.has_exec);
	assert_string_equal(c->liveness_probe.exec_command[1], "/tmp/ok");
	assert_int_equal(c->liveness_probe.period_seconds, 2);
	assert_int_equal(c->liveness_probe.timeout_seconds, 1);
	assert_int_equal(c->liveness_probe.failure_threshold, 3);
	assert_int_equal(c->liveness_probe.success_threshold, 1);
	assert_int_equal(c->liveness_probe.initial_delay_seconds, 0);
	assert_true(c->liveness_probe.has_termination_grace_period);
	assert_int_equal(c->liveness_probe.termination_grace_period_seconds, 5);
	assert_true(c->readiness_probe.has_http_get);
	assert_string_equal(c->readiness_probe.port_name, "web");
	assert_string_equal(c->readiness_probe.path, "/");
	assert_string_equal(c->readiness_probe.scheme, "HTTP");
	assert_int_equal(c->readiness_probe.n_headers, 1);
	assert_string_equal(c->readiness_probe.headers[0].value, "b");
	assert_int_equal(c->readiness_probe.success_threshold, 2);
	assert_int_equal(c->readiness_probe.period_seconds, 10);
	assert_true(c->startup_probe.has_tcp_socket);
	assert_int_equal(c->startup_probe.port, 8080);
	assert_string_equal(c->startup_probe.host, "127.0.0.1");
	assert_int_equal(c->startup_probe.failure_threshold, 30);
	round_trip(PROBE_POD);
	o = pod_spec_to_json(p);
	assert_int_equal(pod_spec_from_json(o, &q, &(struct pp_error){0}), 0);
	json_object_put(o);
	q->containers[0].readiness_probe.success_threshold = 3;
	assert_false(pod_spec_equal(p, q));
	pod_free(q);
	pod_free(p);
}

#define GRPC_POD                                       \
	C0 "    livenessProbe: {grpc: {port: 9090}}\n" \
	   "    startupProbe: {grpc: {port: 9091, service: db}, periodSeconds: 1}\n"

/* grpc: port and service (default ""), kept, compared, encoded. */
static void test_grpc_probe(void **state)
{
	struct pod *p = parse_one(GRPC_POD), *q = parse_one(GRPC_POD);
	const struct pod_container *c = &p->containers[0];

	(void)state;
	assert_true(c->liveness_probe.has_grpc);
	assert_int_equal(c->liveness_probe.port, 9090);
	assert_string_equal(c->liveness_probe.grpc_service, "");
	assert_true(c->startup_probe.has_grpc);
	assert_string_equal(c->startup_probe.grpc_service, "db");
	round_trip(GRPC_POD);
	assert_true(pod_spec_equal(p, q));
	free(q->containers[0].startup_probe.grpc_service);
	q->containers[0].startup_probe.grpc_service = xstrdup("other");
	assert_false(pod_spec_equal(p, q));
	pod_free(q);
	pod_free(p);
	expect_error(C0 "    startupProbe: {grpc: {port: 80}, tcpSocket: {port: 80}}\n",
	             "spec.containers[0].startupProbe.grpc: Forbidden: may not specify more "
	             "than 1 handler type");
	expect_error(C0 "    readinessProbe: {grpc: {port: 0, service: x}}\n",
	             "spec.containers[0].readinessProbe.grpc.port: Invalid value: 0: must be "
	             "between 1 and 65535, inclusive");
	expect_error(C0 "    readinessProbe: {grpc: {port: http}}\n",
	             "spec.containers[0].readinessProbe.grpc.port: Invalid value: \"http\": "
	             "expected integer");
}

static void test_probes_refused(void **state)
{
	(void)state;
	expect_error(
	    C0 "    livenessProbe: {exec: {command: [x]}, successThreshold: 2}\n",
	    "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1");
	expect_error(
	    C0 "    startupProbe: {exec: {command: [x]}, successThreshold: 3}\n",
	    "spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1");
	expect_error(C0 "    readinessProbe: {periodSeconds: 1}\n",
	             "spec.containers[0].readinessProbe: Required value: must specify a handler "
	             "type");
	expect_error(C0 "    readinessProbe: {exec: {command: [x]}, tcpSocket: {port: 1}}\n",
	             "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more "
	             "than 1 handler type");
	expect_error(C0 "    livenessProbe: {exec: {command: [x]}, periodSeconds: -1}\n",
	             "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be "
	             "greater than or equal to 0");
	expect_error(C0 "    readinessProbe: {exec: {command: [x]}, failureThreshold: -3}\n",
	             "spec.containers[0].readinessProbe.failureThreshold: Invalid value: -3: must "
	             "be greater than or equal to 0");
	expect_error(
	    C0 "    livenessProbe: {exec: {command: [x]}, terminationGracePeriodSeconds: 0}\n",
	    "spec.containers[0].livenessProbe.terminationGracePeriodSeconds: Invalid value: "
	    "0: must be greater than 0");
	expect_error(C0 "    livenessProbe: {exec: {}}\n",
	             "spec.containers[0].livenessProbe.exec.command: Required value");
	expect_error(C0 "    livenessProbe: {tcpSocket: {port: 0}}\n",
	             "spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: 0: must be "
	             "between 1 and 65535, inclusive");
	expect_error(C0 "    livenessProbe: {httpGet: {port: Web}}\n",
	             "spec.containers[0].livenessProbe.httpGet.port: Invalid value: \"Web\": must "
	             "contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
	expect_error(C0 "    livenessProbe: {httpGet: {port: 80, scheme: FTP}}\n",
	             "spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: \"FTP\": "
	             "supported values: \"HTTP\", \"HTTPS\"");
	expect_error(C0 "    livenessProbe: {exec: {command: [x]}, timeoutSeconds: x}\n",
	             "spec.containers[0].livenessProbe.timeoutSeconds: Invalid value: \"x\": "
	             "expected integer");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_seed),
	    cmocka_unit_test(test_seed_files),
	    cmocka_unit_test(test_fixture_dir),
	    cmocka_unit_test(test_multi_doc),
	    cmocka_unit_test(test_empty_stream),
	    cmocka_unit_test(test_json_input),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_projected_volumes),
	    cmocka_unit_test(test_projected_errors),
	    cmocka_unit_test(test_host_ports),
	    cmocka_unit_test(test_equal),
	    cmocka_unit_test(test_labels_unordered_equal),
	    cmocka_unit_test(test_pull_policy_defaults),
	    cmocka_unit_test(test_defaults_idempotent),
	    cmocka_unit_test(test_uid),
	    cmocka_unit_test(test_scalars_and_tags),
	    cmocka_unit_test(test_anchors),
	    cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_accepted_empty),
	    cmocka_unit_test(test_volumes),
	    cmocka_unit_test(test_dns_names),
	    cmocka_unit_test(test_from_json_kind),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_security_context),
	    cmocka_unit_test(test_security_context_equal),
	    cmocka_unit_test(test_init_containers_and_hooks),
	    cmocka_unit_test(test_init_containers_refused),
	    cmocka_unit_test(test_sidecar),
	    cmocka_unit_test(test_probes),
	    cmocka_unit_test(test_probes_refused),
	    cmocka_unit_test(test_grpc_probe),
	    cmocka_unit_test(test_resources),
	    cmocka_unit_test(test_qos_class),
	    cmocka_unit_test(test_ephemeral),
	    cmocka_unit_test(test_pod_level_resources),
	    cmocka_unit_test(test_small_fields),
	};
	size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	size_t n_err = sizeof(err_cases) / sizeof(err_cases[0]);
	struct CMUnitTest *tests = xcalloc(n_fixed + n_err, sizeof(*tests));
	int r;

	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < n_err; i++)
		tests[n_fixed + i] = (struct CMUnitTest){
		    .name = err_cases[i].msg,
		    .test_func = test_error_case,
		    .initial_state = (void *)&err_cases[i],
		};
	r = _cmocka_run_group_tests("pod-spec", tests, n_fixed + n_err, NULL, NULL);
	free(tests);
	return r;
}
