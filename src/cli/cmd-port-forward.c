/* SPDX-License-Identifier: Apache-2.0 */
/* peapod port-forward [--address ADDR] [-n NS] POD [LOCAL:]REMOTE...
 * (kubectl port-forward): the arguments, kubectl's checks in its order
 * and its output; the forwarding itself is pod/portfwd.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/time.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "pod/portfwd.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

static void on_listening(void *ud, const char *hostport, const struct pod_portfwd_port *p)
{
	(void)ud;
	printf("Forwarding from %s -> %u\n", hostport, p->remote);
	(void)fflush(stdout);
}

static void on_listen_failed(void *ud, const struct pod_portfwd_port *p, const char *why)
{
	(void)ud;
	fprintf(stderr, "Unable to listen on port %u: %s\n", p->local, why);
}

static void on_accepted(void *ud, const struct pod_portfwd_port *p)
{
	(void)ud;
	printf("Handling connection for %u\n", p->local);
	(void)fflush(stdout);
}

/* klog's line, as kubectl's runtime.HandleError prints it. */
static void on_failed(void *ud, const struct pod_portfwd_port *p, const struct pp_error *e)
{
	struct timeval tv;
	struct tm tm;
	char ts[32];

	(void)ud;
	(void)gettimeofday(&tv, NULL);
	(void)localtime_r(&tv.tv_sec, &tm);
	(void)strftime(ts, sizeof(ts), "%m%d %H:%M:%S", &tm);
	fprintf(stderr,
	        "E%s.%06ld %7d portforward.go:424] an error occurred forwarding %u -> %u: %s\n", ts,
	        (long)tv.tv_usec, (int)getpid(), p->local, p->remote, e->msg);
}

static const struct pod_portfwd_ops ops = {
    .listening = on_listening,
    .listen_failed = on_listen_failed,
    .accepted = on_accepted,
    .failed = on_failed,
};

/* kubectl's order: the pod, its named ports, running, addresses, ports. */
static int forward(const struct pod_record *rec, char **specs, size_t n, char **addrs,
                   size_t n_addrs)
{
	cleanup_free struct pod_portfwd_addr *a = NULL;
	cleanup_free struct pod_portfwd_port *ports = NULL;
	cleanup_strv char **resolved = NULL;
	struct pp_error err = {0};
	size_t na = 0;

	if (pod_portfwd_resolve_names(rec->pod, specs, n, &resolved, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	if (rec->phase != POD_PHASE_RUNNING) {
		log_error("unable to forward port because pod is not running. Current status=%s",
		          pod_phase_name(rec->phase));
		return 1;
	}
	if (pod_portfwd_addrs_parse(addrs, n_addrs, &a, &na, &err) < 0 ||
	    pod_portfwd_ports_parse(resolved, n, &ports, &err) < 0 ||
	    pod_portfwd_run(&(struct pod_portfwd){.rec = rec,
	                                          .addrs = a,
	                                          .n_addrs = na,
	                                          .ports = ports,
	                                          .n_ports = n,
	                                          .ops = &ops},
	                    &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	return 0;
}

static int forward_pod(const char *ns, const char *name, char **specs, size_t n, char **addrs,
                       size_t n_addrs)
{
	struct pod_record *rec = NULL;
	struct pp_error err = {0};
	int r;

	if (pod_load(cli_paths(), ns, name, &rec, &err) < 0) {
		fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
		return 1;
	}
	r = forward(rec, specs, n, addrs, n_addrs);
	pod_record_free(rec);
	return r;
}

int cmd_port_forward(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"address", required_argument, NULL, 'a'},
	    {"namespace", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_free char **addrs = xcalloc((size_t)argc, sizeof(char *));
	const char *ns = "default";
	size_t n_addrs = 0;
	int c;

	while ((c = cli_getopt(argc, argv, "n:", opts)) != -1) {
		if (c == 'a')
			addrs[n_addrs++] = optarg;
		else if (c == 'n')
			ns = optarg;
		else
			return 1;
	}
	if (argc - optind < 2) {
		log_error("TYPE/NAME and list of ports are required for port-forward");
		fprintf(stderr, "See 'peapod port-forward -h' for help and examples\n");
		return 1;
	}
	return forward_pod(ns, cli_pod_name(argv[optind]), argv + optind + 1,
	                   (size_t)(argc - optind - 1), addrs, n_addrs);
}
