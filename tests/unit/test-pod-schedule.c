/* SPDX-License-Identifier: Apache-2.0 */
/* kube-scheduler's filters for one node (pod/sched-filter.c): each filter's
 * verdict and the scheduler's FailedScheduling message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "pod/sched-filter.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/error.h"

#define NODE                                                                                  \
	"{\"metadata\": {\"name\": \"n1\", \"labels\": {\"kubernetes.io/hostname\": \"n1\", " \
	"\"zone\": \"a\", \"gen\": \"5\"}}, \"spec\": {%s}, \"status\": {\"allocatable\": "   \
	"{\"cpu\": \"2\", \"memory\": \"1Gi\", \"pods\": \"3\", \"example.com/dongle\": \"2\"}}}"
#define HEAD "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
#define MSG(reasons, post) \
	"0/1 nodes are available: " reasons ". preemption: 0/1 nodes are available: 1 " post "."
#define UNHELPFUL  "Preemption is not helpful for scheduling"
#define NO_VICTIMS "No preemption victims found for incoming pod"

static struct pod *parse(const char *yaml)
{
	struct pod *pods = NULL;
	size_t n = 0;
	struct pp_error err = {0};

	if (pod_spec_parse_yaml(yaml, strlen(yaml), "t", &pods, &n, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, 1);
	return pods;
}

static json_object *node(const char *spec)
{
	char buf[1024];

	(void)snprintf(buf, sizeof(buf), NODE, spec);
	return json_tokener_parse(buf);
}

/* A placed, running pod of yaml. */
static struct pod_record *placed(const char *yaml)
{
	struct pod_record *r = pod_record_new(parse(yaml));

	r->scheduled = true;
	r->phase = POD_PHASE_RUNNING;
	return r;
}

/* The filter's message for pod yaml on a node with spec, others yamls. */
static void expect(const char *spec, const char *yaml, const char *const *others, const char *want)
{
	struct pod *p = parse(yaml);
	json_object *n = node(spec);
	struct pod_record *recs[8];
	size_t k = 0;
	char *msg;

	for (; others != NULL && others[k] != NULL; k++)
		recs[k] = placed(others[k]);
	msg = pod_sched_filter(p, n, recs, k);
	if (want == NULL && msg != NULL)
		fail_msg("unexpected: %s", msg);
	if (want != NULL)
		assert_string_equal(msg != NULL ? msg : "(fits)", want);
	free(msg);
	for (size_t i = 0; i < k; i++)
		pod_record_free(recs[i]);
	json_object_put(n);
	pod_free(p);
}

#define C(res) "spec:\n  containers:\n  - name: c\n    image: i\n" res

static void test_fits(void **state)
{
	(void)state;
	expect("", HEAD C(""), NULL, NULL);
}

static void test_node_selector(void **state)
{
	(void)state;
	expect("", HEAD C("  nodeSelector: {zone: a}\n"), NULL, NULL);
	expect("", HEAD C("  nodeSelector: {disktype: ssd}\n"), NULL,
	       MSG("1 node(s) didn't match Pod's node affinity/selector", UNHELPFUL));
}

#define REQ \
	"  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [%s]}}}\n"
static void affinity(const char *terms, bool fits)
{
	char buf[1024];

	(void)snprintf(buf, sizeof(buf), HEAD C(REQ), terms);
	expect("", buf, NULL,
	       fits ? NULL : MSG("1 node(s) didn't match Pod's node affinity/selector", UNHELPFUL));
}

static void test_node_affinity(void **state)
{
	(void)state;
	affinity("{matchExpressions: [{key: zone, operator: In, values: [b, a]}]}", true);
	affinity("{matchExpressions: [{key: zone, operator: NotIn, values: [a]}]}", false);
	affinity("{matchExpressions: [{key: ssd, operator: DoesNotExist}]}", true);
	affinity("{matchExpressions: [{key: ssd, operator: Exists}]}", false);
	affinity("{matchExpressions: [{key: gen, operator: Gt, values: [\"4\"]}]}", true);
	affinity("{matchExpressions: [{key: gen, operator: Lt, values: [\"4\"]}]}", false);
	affinity("{matchFields: [{key: metadata.name, operator: In, values: [n1]}]}", true);
	affinity("{matchFields: [{key: metadata.name, operator: In, values: [n2]}]}", false);
	/* terms are ORed, expressions within a term ANDed */
	affinity("{matchExpressions: [{key: zone, operator: In, values: [b]}]}, "
	         "{matchExpressions: [{key: zone, operator: In, values: [a]}]}",
	         true);
	affinity("{matchExpressions: [{key: zone, operator: In, values: [a]}, "
	         "{key: x, operator: Exists}]}",
	         false);
}

static void test_node_name(void **state)
{
	(void)state;
	expect("", HEAD C("  nodeName: n1\n"), NULL, NULL);
	expect("", HEAD C("  nodeName: n2\n"), NULL,
	       MSG("1 node(s) didn't match the requested node name", UNHELPFUL));
}

#define TAINT "\"taints\": [{\"key\": \"dedicated\", \"value\": \"gpu\", \"effect\": \"%s\"}]"
static void test_taints(void **state)
{
	(void)state;
	expect(
	    "\"taints\": [{\"key\": \"dedicated\", \"value\": \"gpu\", \"effect\": \"NoSchedule\"}]",
	    HEAD C(""), NULL, MSG("1 node(s) had untolerated taint {dedicated: gpu}", UNHELPFUL));
	expect(
	    "\"taints\": [{\"key\": \"dedicated\", \"value\": \"gpu\", \"effect\": \"NoExecute\"}]",
	    HEAD C(""), NULL, MSG("1 node(s) had untolerated taint {dedicated: gpu}", UNHELPFUL));
	expect("\"taints\": [{\"key\": \"dedicated\", \"effect\": \"PreferNoSchedule\"}]",
	       HEAD C(""), NULL, NULL);
	expect(
	    "\"taints\": [{\"key\": \"dedicated\", \"value\": \"gpu\", \"effect\": \"NoSchedule\"}]",
	    HEAD C("  tolerations: [{key: dedicated, value: gpu, effect: NoSchedule}]\n"), NULL,
	    NULL);
	expect(
	    "\"taints\": [{\"key\": \"dedicated\", \"value\": \"gpu\", \"effect\": \"NoSchedule\"}]",
	    HEAD C("  tolerations: [{key: dedicated, operator: Exists}]\n"), NULL, NULL);
	expect(
	    "\"taints\": [{\"key\": \"dedicated\", \"value\": \"gpu\", \"effect\": \"NoSchedule\"}]",
	    HEAD C("  tolerations: [{operator: Exists}]\n"), NULL, NULL);
	expect(
	    "\"taints\": [{\"key\": \"dedicated\", \"value\": \"gpu\", \"effect\": \"NoSchedule\"}]",
	    HEAD C("  tolerations: [{key: dedicated, value: cpu}]\n"), NULL,
	    MSG("1 node(s) had untolerated taint {dedicated: gpu}", UNHELPFUL));
	expect(
	    "\"taints\": [{\"key\": \"dedicated\", \"value\": \"gpu\", \"effect\": \"NoSchedule\"}]",
	    HEAD C("  tolerations: [{key: dedicated, operator: Exists, effect: NoExecute}]\n"),
	    NULL, MSG("1 node(s) had untolerated taint {dedicated: gpu}", UNHELPFUL));
	expect("\"unschedulable\": true", HEAD C(""), NULL,
	       MSG("1 node(s) were unschedulable", UNHELPFUL));
}

#define RES(r) C("    resources: {requests: {" r "}, limits: {" r "}}\n")
static void test_resources(void **state)
{
	static const char *const half[] = {HEAD RES("memory: 512Mi, cpu: \"1\""), NULL};
	static const char *const three[] = {HEAD C(""), HEAD C(""), HEAD C(""), NULL};

	(void)state;
	expect("", HEAD RES("memory: 1000Gi"), NULL, MSG("1 Insufficient memory", NO_VICTIMS));
	expect("", HEAD RES("memory: 512Mi"), half, NULL);
	expect("", HEAD RES("memory: 513Mi, cpu: 1500m"), half,
	       MSG("1 Insufficient cpu, 1 Insufficient memory", NO_VICTIMS));
	expect("", HEAD RES("example.com/dongle: 2"), NULL, NULL);
	expect("", HEAD RES("example.com/dongle: 3"), NULL,
	       MSG("1 Insufficient example.com/dongle", NO_VICTIMS));
	expect("", HEAD RES("example.com/other: 1"), NULL,
	       MSG("1 Insufficient example.com/other", NO_VICTIMS));
	expect("", HEAD C(""), three, MSG("1 Too many pods", NO_VICTIMS));
	expect("", HEAD RES("memory: 1000Gi") "  preemptionPolicy: Never\n", NULL,
	       "0/1 nodes are available: 1 Insufficient memory. preemption: not eligible due to "
	       "preemptionPolicy=Never.");
}

/* requests: the larger of each init container and the sum of the app
 * containers, per resource */
static void test_requests(void **state)
{
	struct pod *p = parse(
	    HEAD "spec:\n  initContainers:\n"
	         "  - {name: i1, image: i, resources: {requests: {memory: 300Mi}}}\n"
	         "  - {name: i2, image: i, resources: {requests: {cpu: \"2\"}}}\n"
	         "  containers:\n"
	         "  - {name: a, image: i, resources: {requests: {memory: 100Mi, cpu: 100m}}}\n"
	         "  - {name: b, image: i, resources: {requests: {memory: 100Mi, cpu: 100m}}}\n");
	struct pod_sched_req r = {0};

	(void)state;
	pod_sched_requests(p, &r);
	assert_int_equal(r.memory, 300ull << 20);
	assert_int_equal(r.cpu, 2000);
	pod_sched_req_clear(&r);
	pod_free(p);
}

static void test_finished_pods_release(void **state)
{
	struct pod *p = parse(HEAD RES("memory: 1Gi"));
	json_object *n = node("");
	struct pod_record *r = placed(HEAD RES("memory: 1Gi"));
	char *msg = pod_sched_filter(p, n, &r, 1);

	(void)state;
	assert_non_null(msg);
	free(msg);
	r->phase = POD_PHASE_SUCCEEDED;
	assert_null(pod_sched_filter(p, n, &r, 1));
	r->phase = POD_PHASE_PENDING;
	r->scheduled = false;
	assert_null(pod_sched_filter(p, n, &r, 1));
	pod_record_free(r);
	json_object_put(n);
	pod_free(p);
}

#define APP(name, app) \
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: " name "\n  labels: {app: " app "}\n"
#define ANTI                                                                              \
	"  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: " \
	"[{labelSelector: {matchLabels: {app: web}}, topologyKey: kubernetes.io/hostname}]}}\n"
#define AFF                                                                           \
	"  affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: " \
	"[{labelSelector: {matchLabels: {app: db}}, topologyKey: kubernetes.io/hostname}]}}\n"
static void test_inter_pod_affinity(void **state)
{
	static const char *const web[] = {APP("w", "web") C(""), NULL};
	static const char *const db[] = {APP("d", "db") C(""), NULL};
	static const char *const web_anti[] = {APP("w", "web") C(ANTI), NULL};

	(void)state;
	expect("", APP("p", "web") C(ANTI), NULL, NULL);
	expect("", APP("p", "web") C(ANTI), web,
	       MSG("1 node(s) didn't match pod anti-affinity rules", NO_VICTIMS));
	expect("", APP("p", "web") C(""), web_anti,
	       MSG("1 node(s) didn't satisfy existing pods anti-affinity rules", NO_VICTIMS));
	expect("", APP("p", "api") C(AFF), db, NULL);
	expect("", APP("p", "api") C(AFF), web,
	       MSG("1 node(s) didn't match pod affinity rules", UNHELPFUL));
	/* the first pod of a group may match its own affinity */
	expect("", APP("p", "db") C(AFF), NULL, NULL);
}

#define SPREAD(key, min)                                               \
	"  topologySpreadConstraints: [{maxSkew: 1, topologyKey: " key \
	", whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}" min "}]\n"
static void test_topology_spread(void **state)
{
	static const char *const web[] = {APP("w", "web") C(""), NULL};

	(void)state;
	expect("", APP("p", "web") C(SPREAD("zone", "")), web, NULL);
	expect(
	    "", APP("p", "web") C(SPREAD("rack", "")), NULL,
	    MSG("1 node(s) didn't match pod topology spread constraints (missing required label)",
	        UNHELPFUL));
	expect("", APP("p", "web") C(SPREAD("zone", ", minDomains: 2")), NULL, NULL);
	expect("", APP("p", "web") C(SPREAD("zone", ", minDomains: 2")), web,
	       MSG("1 node(s) didn't match pod topology spread constraints", NO_VICTIMS));
}

static void test_priority_admission(void **state)
{
	struct pod *p = parse(HEAD C("  priorityClassName: system-cluster-critical\n"));
	struct pp_error err = {0};

	(void)state;
	assert_int_equal(pod_priority_admit(p, &err), 0);
	assert_int_equal(p->sched.priority, 2000000000);
	assert_string_equal(p->sched.preemption_policy, "PreemptLowerPriority");
	pod_free(p);
	p = parse(HEAD C("  priorityClassName: foo\n"));
	assert_int_equal(pod_priority_admit(p, &err), -EPERM);
	assert_string_equal(err.msg,
	                    "pods \"p\" is forbidden: no PriorityClass with name foo was found");
	pod_free(p);
	p = parse(HEAD C("  priority: 5\n"));
	assert_int_equal(pod_priority_admit(p, &err), -EPERM);
	assert_string_equal(err.msg,
	                    "pods \"p\" is forbidden: the integer value of priority (5) must "
	                    "not be provided in pod spec; priority admission controller "
	                    "computed 0 from the given PriorityClass name");
	pod_free(p);
}

static void test_gates_update(void **state)
{
	struct pod *a = parse(HEAD C("  schedulingGates: [{name: x.io/a}, {name: x.io/b}]\n"));
	struct pod *b = parse(HEAD C("  schedulingGates: [{name: x.io/b}]\n"));
	struct pod *c = parse(HEAD C(""));
	struct pod *d = parse(HEAD C("  nodeSelector: {a: b}\n"));

	(void)state;
	assert_true(pod_sched_only_gates_removed(a, b));
	assert_true(pod_sched_only_gates_removed(a, c));
	assert_false(pod_sched_only_gates_removed(b, a));
	assert_false(pod_sched_only_gates_removed(a, d));
	assert_false(pod_sched_only_gates_removed(c, c));
	pod_free(a);
	pod_free(b);
	pod_free(c);
	pod_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fits),
	    cmocka_unit_test(test_node_selector),
	    cmocka_unit_test(test_node_affinity),
	    cmocka_unit_test(test_node_name),
	    cmocka_unit_test(test_taints),
	    cmocka_unit_test(test_resources),
	    cmocka_unit_test(test_requests),
	    cmocka_unit_test(test_finished_pods_release),
	    cmocka_unit_test(test_inter_pod_affinity),
	    cmocka_unit_test(test_topology_spread),
	    cmocka_unit_test(test_priority_admission),
	    cmocka_unit_test(test_gates_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
