/* SPDX-License-Identifier: Apache-2.0 */
/* pod/netfiles and pod/ports: the pod's /etc/hosts and /etc/resolv.conf
 * texts as the kubelet and containerd write them, and kube-scheduler's
 * host port conflict rule. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pod/netfiles.h"
#include "pod/ports.h"
#include "spec/pod.h"
#include "util/error.h"

#define HEAD "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n"
#define C0   "  containers:\n  - name: c\n    image: busybox\n"
#define LOCALHOST                                                                  \
	"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"        \
	"fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\n" \
	"fe00::2\tip6-allrouters\n"

static struct pod *parse(const char *text)
{
	struct pod *pods = NULL;
	struct pp_error err = {0};
	size_t n = 0;
	int r = pod_spec_parse_yaml(text, strlen(text), "test", &pods, &n, &err);

	if (r < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, 1);
	return pods;
}

static void check_hosts(const char *manifest, const char *ip, const char *node, const char *want)
{
	struct pod *p = parse(manifest);
	char *text = pod_hosts_text(p, ip, node);

	assert_string_equal(text, want);
	free(text);
	pod_free_all(p, 1);
}

static void test_hosts(void **state)
{
	(void)state;
	check_hosts(HEAD C0, "10.88.0.5", NULL,
	            "# Kubernetes-managed hosts file.\n" LOCALHOST "10.88.0.5\tweb\n");
	/* no pod IP (loopback only): the hostname on 127.0.1.1 */
	check_hosts(HEAD C0, NULL, NULL,
	            "# Kubernetes-managed hosts file.\n" LOCALHOST "127.0.1.1\tweb\n");
	check_hosts(HEAD "  hostname: h\n  subdomain: s\n" C0, "10.0.0.2", NULL,
	            "# Kubernetes-managed hosts file.\n" LOCALHOST
	            "10.0.0.2\th.s.shop.svc.cluster.local\th\n");
	check_hosts(HEAD "  hostAliases:\n  - {ip: 10.1.2.3, hostnames: [foo.local, bar]}\n"
	                 "  - {ip: \"::2\", hostnames: [six]}\n" C0,
	            "10.0.0.2", NULL,
	            "# Kubernetes-managed hosts file.\n" LOCALHOST "10.0.0.2\tweb\n"
	            "\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar\n::2\tsix\n");
	/* hostNetwork: the node's file, aliases after it */
	check_hosts(HEAD
	            "  hostNetwork: true\n  hostAliases: [{ip: 10.1.2.3, hostnames: [a]}]\n" C0,
	            "10.0.0.2", "127.0.0.1 localhost\n",
	            "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n"
	            "\n# Entries added by HostAliases.\n10.1.2.3\ta\n");
}

static void check_resolv(const char *manifest, const char *host, const char *want)
{
	struct pod *p = parse(manifest);
	char *text = pod_resolv_text(p, host);

	assert_string_equal(text, want);
	free(text);
	pod_free_all(p, 1);
}

#define HOST_RESOLV                                                                          \
	"# generated\n; also a comment\nnameserver 10.0.0.53\nsearch old.example\n"          \
	"search corp.example. . lab.example\nnameserver 10.0.0.54\noptions ndots:2 rotate\n" \
	"nameserver\n"

static void test_resolv(void **state)
{
	(void)state;
	/* ClusterFirst (default) and Default: the host's settings, containerd's layout */
	check_resolv(HEAD C0, HOST_RESOLV,
	             "search corp.example lab.example\nnameserver 10.0.0.53\nnameserver 10.0.0.54\n"
	             "options ndots:2 rotate\n");
	check_resolv(HEAD "  dnsPolicy: Default\n" C0, "nameserver 1.1.1.1\n",
	             "nameserver 1.1.1.1\n");
	/* dnsConfig appended, duplicates dropped, options replaced by name */
	check_resolv(HEAD
	             "  dnsPolicy: Default\n  dnsConfig:\n"
	             "    nameservers: [10.0.0.54, 192.0.2.1]\n    searches: [lab.example, x.y]\n"
	             "    options: [{name: ndots, value: \"5\"}, {name: edns0}]\n" C0,
	             HOST_RESOLV,
	             "search corp.example lab.example x.y\nnameserver 10.0.0.53\n"
	             "nameserver 10.0.0.54\nnameserver 192.0.2.1\noptions ndots:5 rotate edns0\n");
	/* None: dnsConfig only; more than 3 nameservers in all are cut to 3 */
	check_resolv(HEAD "  dnsPolicy: None\n  dnsConfig: {nameservers: [192.0.2.1]}\n" C0,
	             HOST_RESOLV, "nameserver 192.0.2.1\n");
	check_resolv(HEAD "  dnsConfig: {nameservers: [192.0.2.1, 192.0.2.2]}\n" C0, HOST_RESOLV,
	             "search corp.example lab.example\nnameserver 10.0.0.53\nnameserver 10.0.0.54\n"
	             "nameserver 192.0.2.1\noptions ndots:2 rotate\n");
	/* nothing at all: the host's text as it is */
	check_resolv(HEAD C0, "# empty\n", "# empty\n");
}

static void test_dns_kind(void **state)
{
	static const struct {
		const char *spec;
		enum pod_dns_kind kind;
	} rows[] = {
	    {"", POD_DNS_CLUSTER},
	    {"  dnsPolicy: ClusterFirst\n  hostNetwork: true\n", POD_DNS_HOST},
	    {"  dnsPolicy: ClusterFirstWithHostNet\n  hostNetwork: true\n", POD_DNS_CLUSTER},
	    {"  dnsPolicy: ClusterFirstWithHostNet\n", POD_DNS_CLUSTER},
	    {"  dnsPolicy: Default\n", POD_DNS_HOST},
	    {"  dnsPolicy: None\n  dnsConfig: {nameservers: [192.0.2.1]}\n", POD_DNS_NONE},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char text[512];
		struct pod *p;

		(void)snprintf(text, sizeof(text), HEAD "%s" C0, rows[i].spec);
		p = parse(text);
		assert_int_equal(pod_dns_kind(p), rows[i].kind);
		pod_free_all(p, 1);
	}
}

static void test_port_conflict(void **state)
{
	static const struct {
		struct pod_port a, b;
		bool clash;
	} rows[] = {
	    {{.host_port = 80, .protocol = "TCP"}, {.host_port = 80, .protocol = "TCP"}, true},
	    {{.host_port = 80, .protocol = "TCP"}, {.host_port = 80, .protocol = "UDP"}, false},
	    {{.host_port = 80, .protocol = "TCP"}, {.host_port = 81, .protocol = "TCP"}, false},
	    /* unset and 0.0.0.0 are every address */
	    {{.host_port = 80, .protocol = "TCP", .host_ip = "10.0.0.1"},
	     {.host_port = 80, .protocol = "TCP"},
	     true},
	    {{.host_port = 80, .protocol = "TCP", .host_ip = "0.0.0.0"},
	     {.host_port = 80, .protocol = "TCP", .host_ip = "10.0.0.2"},
	     true},
	    {{.host_port = 80, .protocol = "TCP", .host_ip = "10.0.0.1"},
	     {.host_port = 80, .protocol = "TCP", .host_ip = "10.0.0.2"},
	     false},
	    {{.host_port = 80, .protocol = "SCTP", .host_ip = "10.0.0.1"},
	     {.host_port = 80, .protocol = "SCTP", .host_ip = "10.0.0.1"},
	     true},
	    /* no host port, no clash */
	    {{.container_port = 80, .protocol = "TCP"},
	     {.container_port = 80, .protocol = "TCP"},
	     false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(pod_port_conflict(&rows[i].a, &rows[i].b), rows[i].clash);
		assert_int_equal(pod_port_conflict(&rows[i].b, &rows[i].a), rows[i].clash);
	}
}

static void test_pods_conflict(void **state)
{
	struct pod *host =
	    parse(HEAD "  hostNetwork: true\n" C0 "    ports: [{containerPort: 8080}]\n");
	struct pod *web = parse(HEAD C0 "    ports: [{containerPort: 80, hostPort: 8080}]\n");
	struct pod *udp =
	    parse(HEAD C0 "    ports: [{containerPort: 80, hostPort: 8080, protocol: UDP}]\n");
	struct pod *plain = parse(HEAD C0 "    ports: [{containerPort: 8080}]\n");

	(void)state;
	/* a hostNetwork pod's container ports are host ports */
	assert_true(pod_ports_conflict(host, web));
	assert_true(pod_ports_conflict(web, host));
	assert_false(pod_ports_conflict(web, udp));
	assert_false(pod_ports_conflict(plain, host));
	assert_false(pod_ports_conflict(plain, plain));
	pod_free_all(host, 1);
	pod_free_all(web, 1);
	pod_free_all(udp, 1);
	pod_free_all(plain, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hosts),         cmocka_unit_test(test_resolv),
	    cmocka_unit_test(test_dns_kind),      cmocka_unit_test(test_port_conflict),
	    cmocka_unit_test(test_pods_conflict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
