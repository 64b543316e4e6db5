/* SPDX-License-Identifier: Apache-2.0 */
/* The pod's /etc/hosts, /etc/hostname and /etc/resolv.conf as the kubelet
 * and containerd write them: the texts built by pure functions, then
 * written into the pod folder. */
#include "pod/netfiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pod/events.h"
#include "pod/paths.h"
#include "pod/plan.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define CLUSTER_DOMAIN   "cluster.local"
#define MAX_NAMESERVERS  3    /* kubelet validation.MaxDNSNameservers */
#define MAX_SEARCHES     32   /* MaxDNSSearchPaths */
#define MAX_SEARCH_CHARS 2048 /* MaxDNSSearchListChars */
#define NO_POD_IP        "127.0.1.1"
#define HOST_FILE_MAX    (1 << 20)

/* kubelet hostsEntriesFromHostAliases */
static void print_aliases(FILE *f, const struct pod *pod)
{
	if (pod->n_host_aliases == 0)
		return;
	(void)fputs("\n# Entries added by HostAliases.\n", f);
	for (size_t i = 0; i < pod->n_host_aliases; i++) {
		const struct pod_host_alias *a = &pod->host_aliases[i];

		(void)fputs(a->ip, f);
		for (size_t j = 0; a->hostnames != NULL && a->hostnames[j] != NULL; j++)
			(void)fprintf(f, "\t%s", a->hostnames[j]);
		(void)fputc('\n', f);
	}
}

/* kubelet managedHostsFileContent, for one pod IP */
static void print_managed(FILE *f, const struct pod *pod, const char *pod_ip)
{
	cleanup_free char *host = pod_plan_hostname(pod);

	(void)fputs("# Kubernetes-managed hosts file.\n"
	            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	            "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\n"
	            "fe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n",
	            f);
	if (pod->subdomain != NULL && pod->subdomain[0] != '\0')
		(void)fprintf(f, "%s\t%s.%s.%s.svc." CLUSTER_DOMAIN "\t%s\n", pod_ip, host,
		              pod->subdomain, pod->namespace_, host);
	else
		(void)fprintf(f, "%s\t%s\n", pod_ip, host);
}

char *pod_hosts_text(const struct pod *pod, const char *pod_ip, const char *node_hosts)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		abort();       /* out of memory, as xmalloc */
	if (pod->host_network) /* kubelet nodeHostsFileContent */
		(void)fprintf(f, "# Kubernetes-managed hosts file (host network).\n%s",
		              node_hosts != NULL ? node_hosts : "");
	else
		print_managed(f, pod, pod_ip != NULL ? pod_ip : NO_POD_IP);
	print_aliases(f, pod);
	if (fclose(f) != 0)
		abort();
	return buf;
}

/* Resolver settings, as the kubelet's runtimeapi.DNSConfig. */
struct dns {
	char **servers, **searches, **options;
};

static void dns_clear(struct dns *d)
{
	strv_free(d->servers);
	strv_free(d->searches);
	strv_free(d->options);
}

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Put option "name[:value]" in *opts: replaces one of the same name in
 * place (kubelet appendOptions / mergeDNSOptions), else appended. */
static void option_set(char ***opts, const char *op)
{
	size_t n = strcspn(op, ":");

	for (size_t i = 0; *opts != NULL && (*opts)[i] != NULL; i++)
		if (strncmp((*opts)[i], op, n) == 0 && strcspn((*opts)[i], ":") == n) {
			free((*opts)[i]);
			(*opts)[i] = xstrdup(op);
			return;
		}
	strv_push(opts, op);
}

/* One line of a resolv.conf, as kubelet parseResolvConf reads it. */
static void parse_line(char *line, struct dns *d)
{
	char *save = NULL, *key = strtok_r(line, " \t\r", &save), *w;

	if (key == NULL || key[0] == '#' || key[0] == ';')
		return;
	if (strcmp(key, "nameserver") == 0 && (w = strtok_r(NULL, " \t\r", &save)) != NULL)
		strv_push(&d->servers, w);
	if (strcmp(key, "search") == 0) {
		strv_free(d->searches);
		d->searches = NULL;
		while ((w = strtok_r(NULL, " \t\r", &save)) != NULL) {
			size_t n = strlen(w);

			if (strcmp(w, ".") == 0)
				continue;
			if (n > 0 && w[n - 1] == '.')
				w[n - 1] = '\0';
			strv_push(&d->searches, w);
		}
	}
	if (strcmp(key, "options") == 0)
		while ((w = strtok_r(NULL, " \t\r", &save)) != NULL)
			option_set(&d->options, w);
}

static void parse_resolv(const char *text, struct dns *d)
{
	cleanup_free char *copy = xstrdup(text != NULL ? text : "");
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (line[0] != '#' && line[0] != ';')
			parse_line(line, d);
}

/* kubelet appendDNSConfig: dnsConfig after the base, duplicates omitted */
static void append_config(struct dns *d, const struct pod_dns_config *c)
{
	for (size_t i = 0; c->nameservers != NULL && c->nameservers[i] != NULL; i++)
		if (!strv_has(d->servers, c->nameservers[i]))
			strv_push(&d->servers, c->nameservers[i]);
	for (size_t i = 0; c->searches != NULL && c->searches[i] != NULL; i++)
		if (!strv_has(d->searches, c->searches[i]))
			strv_push(&d->searches, c->searches[i]);
	for (size_t i = 0; i < c->n_options; i++) {
		const struct pod_dns_option *o = &c->options[i];
		cleanup_free char *op = o->value != NULL && o->value[0] != '\0'
		                            ? xstrfmt("%s:%s", o->name, o->value)
		                            : xstrdup(o->name);

		option_set(&d->options, op);
	}
}

/* kubelet formDNSConfigFitsLimits: extra nameservers and search domains
 * are dropped from the end. */
static void fit_limits(struct dns *d)
{
	size_t n = strv_len(d->servers), chars = 0;

	for (size_t i = MAX_NAMESERVERS; d->servers != NULL && i < n; i++) {
		free(d->servers[i]);
		d->servers[i] = NULL;
	}
	n = strv_len(d->searches);
	for (size_t i = 0; d->searches != NULL && i < n; i++) {
		chars += strlen(d->searches[i]) + (i > 0 ? 1 : 0);
		if (i >= MAX_SEARCHES || chars > MAX_SEARCH_CHARS) {
			for (size_t j = i; j < n; j++) {
				free(d->searches[j]);
				d->searches[j] = NULL;
			}
			break;
		}
	}
}

enum pod_dns_kind pod_dns_kind(const struct pod *pod)
{
	const char *p = pod->dns_policy != NULL ? pod->dns_policy : "ClusterFirst";

	/* kubelet getPodDNSType */
	if (strcmp(p, "None") == 0)
		return POD_DNS_NONE;
	if (strcmp(p, "ClusterFirstWithHostNet") == 0 ||
	    (strcmp(p, "ClusterFirst") == 0 && !pod->host_network))
		return POD_DNS_CLUSTER;
	return POD_DNS_HOST;
}

char *pod_resolv_text(const struct pod *pod, const char *host_resolv)
{
	struct dns d = {0};
	char *text;

	/* no cluster DNS here: ClusterFirst falls back to Default, as a
	 * kubelet without clusterDNS does */
	if (pod_dns_kind(pod) != POD_DNS_NONE)
		parse_resolv(host_resolv, &d);
	if (pod->dns_config.set)
		append_config(&d, &pod->dns_config);
	fit_limits(&d);
	if (d.servers == NULL && d.searches == NULL && d.options == NULL) {
		/* containerd: no DNS settings at all, the host's file as it is */
		dns_clear(&d);
		return xstrdup(host_resolv != NULL ? host_resolv : "");
	}
	{
		/* containerd parseDNSOptions */
		cleanup_free char *search = strv_join(d.searches, " ");
		cleanup_free char *servers = strv_join(d.servers, "\nnameserver ");
		cleanup_free char *opts = strv_join(d.options, " ");

		text = xstrfmt("%s%s%s%s%s%s%s%s%s", search[0] ? "search " : "", search,
		               search[0] ? "\n" : "", servers[0] ? "nameserver " : "", servers,
		               servers[0] ? "\n" : "", opts[0] ? "options " : "", opts,
		               opts[0] ? "\n" : "");
	}
	dns_clear(&d);
	return text;
}

static char *read_host_file(const char *path)
{
	char *text = NULL;

	if (fs_read_all(path, HOST_FILE_MAX, &text, NULL, NULL) < 0)
		return xstrdup("");
	return text;
}

int pod_hosts_write(const struct pod_paths *paths, const struct pod_record *rec, const char *pod_ip,
                    struct pp_error *err)
{
	cleanup_free char *dir = pod_dir_path(paths, rec->pod->uid);
	cleanup_free char *file = xstrfmt("%s/hosts", dir);
	cleanup_free char *node = rec->pod->host_network ? read_host_file("/etc/hosts") : NULL;
	cleanup_free char *text = pod_hosts_text(rec->pod, pod_ip, node);

	return fs_write_atomic(file, text, strlen(text), 0644, err);
}

/* The kubelet's Warning when ClusterFirst meets a kubelet without
 * clusterDNS (dns.go GetPodDNS), recorded once, at the sandbox's start. */
static int note_missing_cluster_dns(const struct pod_record *rec, const char *dir,
                                    struct pp_error *err)
{
	const struct pod *pod = rec->pod;
	cleanup_free char *msg = NULL;

	if (pod_dns_kind(pod) != POD_DNS_CLUSTER)
		return 0;
	msg = xstrfmt("pod: \"%s_%s(%s)\". kubelet does not have ClusterDNS IP configured and "
	              "cannot create Pod using \"ClusterFirst\" policy. Falling back to "
	              "\"Default\" policy.",
	              pod->name, pod->namespace_, pod->uid);
	return pod_event_append(dir, "Warning", "MissingClusterDNS", msg, err);
}

int pod_net_files_write(const struct pod_paths *paths, const struct pod_record *rec,
                        struct pp_error *err)
{
	cleanup_free char *dir = pod_dir_path(paths, rec->pod->uid);
	cleanup_free char *host = NULL, *hostname = NULL;
	cleanup_free char *path = xstrfmt("%s/hostname", dir);
	cleanup_free char *host_resolv = read_host_file("/etc/resolv.conf");
	cleanup_free char *resolv = pod_resolv_text(rec->pod, host_resolv);
	int r = pod_plan_kernel_hostname(rec->pod, &host, err);

	if (r == 0) {
		hostname = xstrfmt("%s\n", host);
		r = pod_hosts_write(paths, rec, NULL, err);
	}
	if (r == 0)
		r = fs_write_atomic(path, hostname, strlen(hostname), 0644, err);
	free(path);
	path = xstrfmt("%s/resolv.conf", dir);
	if (r == 0)
		r = fs_write_atomic(path, resolv, strlen(resolv), 0644, err);
	if (r == 0)
		(void)note_missing_cluster_dns(rec, dir, NULL); /* an event lost is no failure */
	return r;
}
