/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl port-forward's arguments, as kubectl and client-go read them:
 * named ports (kubectl's convertPodNamedPortToNumber), "[LOCAL:]REMOTE"
 * (client-go's parsePorts) and --address (parseAddresses). Pure. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "pod/portfwd.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

/* kubectl's splitPort: "L:R" is L and R, anything else its part before
 * the first ':' twice. Caller frees both. */
static void split_port(const char *spec, char **ret_local, char **ret_remote)
{
	const char *colon = strchr(spec, ':');

	if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		(void)xasprintf(ret_local, "%.*s", (int)(colon - spec), spec);
		*ret_remote = xstrdup(colon + 1);
		return;
	}
	(void)xasprintf(ret_local, "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	*ret_remote = xstrdup(*ret_local);
}

static bool is_int(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int port_by_name(const struct pod *pod, const char *name, int32_t *ret)
{
	for (size_t i = 0; i < pod->n_containers; i++)
		for (size_t j = 0; j < pod->containers[i].n_ports; j++) {
			const struct pod_port *p = &pod->containers[i].ports[j];

			if (p->name != NULL && strcmp(p->name, name) == 0) {
				*ret = p->container_port;
				return 0;
			}
		}
	return -ENOENT;
}

int pod_portfwd_resolve_names(const struct pod *pod, char *const *specs, size_t n, char ***ret,
                              struct pp_error *err)
{
	cleanup_strv char **out = xcalloc(n + 1, sizeof(char *));

	for (size_t i = 0; i < n; i++) {
		cleanup_free char *local = NULL, *remote = NULL;
		int32_t port;

		split_port(specs[i], &local, &remote);
		if (is_int(remote)) {
			out[i] = xstrdup(specs[i]);
			continue;
		}
		if (port_by_name(pod, remote, &port) < 0)
			return pp_error_msg(err, ENOENT, "Pod '%s' does not have a named port '%s'",
			                    pod->name, remote);
		if (strcmp(local, remote) != 0)
			(void)xasprintf(&out[i], "%s:%d", local, port);
		else
			(void)xasprintf(&out[i], "%d", port);
	}
	*ret = take_ptr(&out);
	return 0;
}

/* Go's strconv.ParseUint(s, 10, 16) and its error text. */
static int parse_u16(const char *s, uint16_t *ret, char *why, size_t size)
{
	unsigned long v = 0;

	if (*s == '\0') {
		(void)snprintf(why, size, "strconv.ParseUint: parsing \"%s\": invalid syntax", s);
		return -EINVAL;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			(void)snprintf(why, size,
			               "strconv.ParseUint: parsing \"%s\": invalid syntax", s);
			return -EINVAL;
		}
		if (v <= UINT16_MAX)
			v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > UINT16_MAX) {
		(void)snprintf(why, size, "strconv.ParseUint: parsing \"%s\": value out of range",
		               s);
		return -ERANGE;
	}
	*ret = (uint16_t)v;
	return 0;
}

static int port_parse(const char *spec, struct pod_portfwd_port *ret, struct pp_error *err)
{
	const char *colon = strchr(spec, ':');
	cleanup_free char *local = NULL;
	const char *remote = spec;
	char why[256];

	if (colon != NULL && strchr(colon + 1, ':') != NULL)
		return pp_error_msg(err, EINVAL, "invalid port format '%s'", spec);
	if (colon != NULL) {
		if (colon == spec)
			local = xstrdup("0"); /* ":80": a random local port */
		else
			(void)xasprintf(&local, "%.*s", (int)(colon - spec), spec);
		remote = colon + 1;
	}
	if (parse_u16(local ? local : spec, &ret->local, why, sizeof(why)) < 0)
		return pp_error_msg(err, EINVAL, "error parsing local port '%s': %s",
		                    local ? local : spec, why);
	if (parse_u16(remote, &ret->remote, why, sizeof(why)) < 0)
		return pp_error_msg(err, EINVAL, "error parsing remote port '%s': %s", remote, why);
	if (ret->remote == 0)
		return pp_error_msg(err, EINVAL, "remote port must be > 0");
	return 0;
}

int pod_portfwd_ports_parse(char *const *specs, size_t n, struct pod_portfwd_port **ret,
                            struct pp_error *err)
{
	cleanup_free struct pod_portfwd_port *out = xcalloc(n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		if (port_parse(specs[i], &out[i], err) < 0)
			return -EINVAL;
	*ret = take_ptr(&out);
	return 0;
}

/* Add ip (family, fail_all) unless it is there already. */
static void addr_add(struct pod_portfwd_addr *v, size_t *n, const char *ip, int family,
                     bool fail_all)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i].ip, ip) == 0)
			return;
	(void)snprintf(v[*n].ip, sizeof(v[*n].ip), "%s", ip);
	v[*n].family = family;
	v[*n].fail_all = fail_all;
	(*n)++;
}

static int addr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pod_portfwd_addr *)a)->ip,
	              ((const struct pod_portfwd_addr *)b)->ip);
}

static int addr_parse(const char *s, struct pod_portfwd_addr *v, size_t *n, struct pp_error *err)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char ip[INET6_ADDRSTRLEN];

	if (strcmp(s, "localhost") == 0) {
		addr_add(v, n, "127.0.0.1", AF_INET, true);
		addr_add(v, n, "::1", AF_INET6, true);
	} else if (inet_pton(AF_INET, s, buf) == 1) {
		addr_add(v, n, inet_ntop(AF_INET, buf, ip, sizeof(ip)), AF_INET, false);
	} else if (inet_pton(AF_INET6, s, buf) == 1) {
		addr_add(v, n, inet_ntop(AF_INET6, buf, ip, sizeof(ip)), AF_INET6, false);
	} else {
		return pp_error_msg(err, EINVAL, "%s is not a valid IP", s);
	}
	return 0;
}

int pod_portfwd_addrs_parse(char *const *vals, size_t n, struct pod_portfwd_addr **ret,
                            size_t *ret_n, struct pp_error *err)
{
	cleanup_free struct pod_portfwd_addr *v = NULL;
	size_t cap = 2, k = 0;

	for (size_t i = 0; i < n; i++)
		for (const char *c = vals[i]; *c != '\0'; c++)
			cap += *c == ',' ? 2 : 0;
	v = xcalloc(cap + 2 * n, sizeof(*v));
	if (n == 0 && addr_parse("localhost", v, &k, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *dup = xstrdup(vals[i]);
		char *save = NULL;

		/* pflag's StringSlice: comma-separated values */
		for (char *tok = strtok_r(dup, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			if (addr_parse(tok, v, &k, err) < 0)
				return -EINVAL;
	}
	qsort(v, k, sizeof(*v), addr_cmp);
	*ret = take_ptr(&v);
	*ret_n = k;
	return 0;
}
