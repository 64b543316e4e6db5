/* SPDX-License-Identifier: Apache-2.0 */
/* The pod-level files a container sees at /etc/hosts, /etc/hostname and
 * /etc/resolv.conf: their texts as the kubelet and containerd build them
 * (pure, unit-tested), and writing them into RUN/pods/<uid>/. */
#pragma once

struct pp_error;
struct pod;
struct pod_paths;
struct pod_record;

/* What dnsPolicy gives the pod (kubelet getPodDNSType): None, the host's
 * resolvers (Default, or ClusterFirst with hostNetwork), or cluster DNS
 * (ClusterFirst, ClusterFirstWithHostNet), which this machine does not
 * have: those fall back to the host's, with a MissingClusterDNS event. */
enum pod_dns_kind {
	POD_DNS_NONE,
	POD_DNS_HOST,
	POD_DNS_CLUSTER,
};
enum pod_dns_kind pod_dns_kind(const struct pod *pod);

/* The pod's /etc/hosts. hostNetwork: the "(host network)" header, then
 * node_hosts (the host's /etc/hosts text, NULL as empty); otherwise the
 * managed file: localhost lines, then "POD_IP\tHOSTNAME" (with a subdomain
 * "POD_IP\tHOST.SUB.NS.svc.cluster.local\tHOST"); pod_ip NULL, a pod with
 * no network but loopback, maps the hostname to 127.0.1.1. hostAliases
 * follow in their own section. Caller frees. */
char *pod_hosts_text(const struct pod *pod, const char *pod_ip, const char *node_hosts);

/* The pod's /etc/resolv.conf from the host's text (host_resolv, NULL as
 * empty), dnsPolicy and dnsConfig, as the kubelet merges them (dnsConfig
 * appended, duplicates omitted, options replaced by name, at most 3
 * nameservers and 32 search domains of 2048 characters) and containerd
 * writes them ("search", "nameserver" lines, "options"); no settings at all
 * gives the host's text unchanged. Caller frees. */
char *pod_resolv_text(const struct pod *pod, const char *host_resolv);

/* Write RUN/pods/<uid>/hostname, hosts (no pod IP) and resolv.conf, and
 * record the MissingClusterDNS event when dnsPolicy asks for cluster DNS.
 * 0 or -errno. */
int pod_net_files_write(const struct pod_paths *paths, const struct pod_record *rec,
                        struct pp_error *err);
