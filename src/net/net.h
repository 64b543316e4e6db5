/* SPDX-License-Identifier: Apache-2.0 */
/* CNI, as a runtime drives it (CNI spec 1.0, "Section 4: Plugin Delegation"
 * and "Section 3: Execution Protocol"): a network configuration list found
 * in a folder, its plugins run with ADD, CHECK and DEL, results parsed.
 * Knows nothing of pods: the caller names the container, netns and args. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

struct pp_error;

/* The defaults containerd and CRI-O use, with Debian's plugin folder first. */
#define NET_CNI_CONF_DIR  "/etc/cni/net.d"
#define NET_CNI_BIN_DIRS  "/usr/lib/cni:/opt/cni/bin"
#define NET_CNI_TIMEOUT_S 60 /* one plugin run; then it is killed */

/* A network configuration list: name, cniVersion, plugins[] (a single
 * plugin's .conf is wrapped into a list of one, as libcni does). */
struct net_conf {
	char *file;        /* the file it was read from */
	json_object *list; /* owned */
};

/* The first configuration of dir in file name order (*.conf, *.conflist,
 * *.json), as containerd picks it. A file that does not parse or lacks
 * name, cniVersion or plugins[].type is an error naming it. 0, -ENOENT when
 * dir has none (or does not exist), else -errno. ret cleared with
 * net_conf_clear(). */
int net_conf_find(const char *dir, struct net_conf *ret, struct pp_error *err);

/* Check and adopt list (taken) as read from file (what errors name). */
int net_conf_from_json(json_object *list, const char *file, struct net_conf *ret,
                       struct pp_error *err);

void net_conf_clear(struct net_conf *c);

/* One attachment: the CNI_* environment and the runtime's capabilities
 * (all borrowed). */
struct net_call {
	const char *bin_dirs;        /* CNI_PATH: folders separated by ':' */
	const char *container_id;    /* CNI_CONTAINERID */
	const char *netns;           /* CNI_NETNS: a path */
	const char *ifname;          /* CNI_IFNAME */
	const char *args;            /* CNI_ARGS, may be NULL */
	json_object *runtime_config; /* capability name → value, may be NULL */
	int timeout_s;               /* per plugin; 0: NET_CNI_TIMEOUT_S */
};

/* ADD every plugin of list in order, each given the one before's result as
 * prevResult. *ret the last result (caller json_object_put()s). A failed
 * plugin gives -EIO and "plugin type=\"T\" name=\"N\" failed (add): MSG"
 * with the plugin's own message; the plugins before it are not undone (the
 * caller runs DEL). 0 or -errno. */
int net_cni_add(const struct net_conf *c, const struct net_call *call, json_object **ret,
                struct pp_error *err);

/* DEL every plugin in reverse order, with prev (the ADD's result, may be
 * NULL) as prevResult where the version has it (0.4.0 on). Every plugin is
 * run; the first failure is returned. 0 or -errno. */
int net_cni_del(const struct net_conf *c, const struct net_call *call, json_object *prev,
                struct pp_error *err);

/* CHECK every plugin in order with prev as prevResult. 0 when the
 * configuration's version has no CHECK (before 0.4.0) or disables it
 * (disableCheck), else 0 or -errno as net_cni_add. */
int net_cni_check(const struct net_conf *c, const struct net_call *call, json_object *prev,
                  struct pp_error *err);

/* The addresses (no prefix length) a result assigns, IPv4 before IPv6, in
 * the result's order: "ips" (0.3.0 on) or "ip4"/"ip6" (0.1.0, 0.2.0). At
 * most max into ips[] (caller frees each). The count. */
size_t net_result_ips(json_object *result, char **ips, size_t max);
