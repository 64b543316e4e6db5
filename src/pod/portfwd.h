/* SPDX-License-Identifier: Apache-2.0 */
/* Port forwarding into a pod (kubectl port-forward, the kubelet's CRI
 * PortForward): kubectl's port and address specs, listeners on the host,
 * and each accepted connection relayed to localhost:REMOTE inside the pod's
 * network namespace. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_error;
struct pod;
struct pod_record;

struct pod_portfwd_port {
	uint16_t local; /* 0: a random port, set once listening */
	uint16_t remote;
};

struct pod_portfwd_addr {
	char ip[48];   /* "127.0.0.1", "::1" */
	int family;    /* AF_INET, AF_INET6 */
	bool fail_all; /* from "localhost": a port fails only when every such address does */
};

/* What the forwarder tells its caller (each may be NULL). */
struct pod_portfwd_ops {
	/* Listening on hostport ("127.0.0.1:8080", "[::1]:8080") for p. */
	void (*listening)(void *ud, const char *hostport, const struct pod_portfwd_port *p);
	/* No listener for p (kubectl's "Listeners failed to create..." in why). */
	void (*listen_failed)(void *ud, const struct pod_portfwd_port *p, const char *why);
	/* A connection accepted on p's local port. */
	void (*accepted)(void *ud, const struct pod_portfwd_port *p);
	/* A connection to p could not be forwarded (closed; forwarding goes on). */
	void (*failed)(void *ud, const struct pod_portfwd_port *p, const struct pp_error *e);
};

struct pod_portfwd {
	const struct pod_record *rec; /* a running pod (borrowed) */
	const struct pod_portfwd_addr *addrs;
	size_t n_addrs;
	struct pod_portfwd_port *ports; /* local 0 is replaced by the port chosen */
	size_t n_ports;
	const struct pod_portfwd_ops *ops;
	void *ud;
};

/* kubectl's named ports: each spec "[LOCAL:]REMOTE" whose REMOTE is not a
 * number becomes the containerPort of that name in pod. *ret caller
 * strv_free()s. 0 or -ENOENT (`Pod 'web' does not have a named port 'x'`). */
int pod_portfwd_resolve_names(const struct pod *pod, char *const *specs, size_t n, char ***ret,
                              struct pp_error *err);

/* Parse "[LOCAL:]REMOTE" specs as client-go does ("8080:80", "80", ":80").
 * *ret caller frees. 0 or -EINVAL with client-go's message. */
int pod_portfwd_ports_parse(char *const *specs, size_t n, struct pod_portfwd_port **ret,
                            struct pp_error *err);

/* Parse --address values, comma-separated lists of IPs or "localhost"
 * (127.0.0.1 and ::1); n == 0 means "localhost". Sorted and deduplicated
 * as kubectl does. *ret caller frees. 0 or -EINVAL (`x is not a valid IP`). */
int pod_portfwd_addrs_parse(char *const *vals, size_t n, struct pod_portfwd_addr **ret,
                            size_t *ret_n, struct pp_error *err);

/* Listen, then forward until SIGINT or SIGTERM (blocked from then on, also
 * after it returns, so a second one cannot kill the caller's exit; read
 * through a signalfd). 0 after a signal; -EADDRINUSE (`unable to listen on
 * any of the requested ports: [{8080 80}]`), -ESRCH when the pod's sandbox
 * exits (`lost connection to pod`), or -errno on failure. Every process it
 * started is gone when it returns. */
int pod_portfwd_run(const struct pod_portfwd *pf, struct pp_error *err);
