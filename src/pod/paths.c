/* SPDX-License-Identifier: Apache-2.0 */
/* State folder layout. */
#include "pod/paths.h"

#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : dflt;
}

int pod_paths_init(const char *root, struct pod_paths *ret, struct pp_error *err)
{
	struct pod_paths p = {0};

	if (root == NULL || *root == '\0')
		root = getenv("PEAPOD_ROOT");
	if (root != NULL && *root != '\0') {
		if (root[0] != '/')
			return pp_error_msg(err, EINVAL,
			                    "root folder '%s' must be an absolute path", root);
		p.root = xstrdup(root);
		p.run = xstrfmt("%s/run", root);
	} else {
		p.root = xstrdup("/var/lib/peapod");
		p.run = xstrdup("/run/peapod");
	}
	p.images = xstrfmt("%s/images", p.root);
	p.logs = xstrfmt("%s/logs", p.root);
	p.pods = xstrfmt("%s/pods", p.run);
	p.names = xstrfmt("%s/names", p.run);
	p.runtime = xstrfmt("%s/runtime", p.run);
	p.cni_conf_dir = xstrdup(env_or("PEAPOD_CNI_CONF_DIR", NET_CNI_CONF_DIR));
	p.cni_bin_dirs = xstrdup(env_or("PEAPOD_CNI_BIN_DIR", NET_CNI_BIN_DIRS));
	*ret = p;
	return 0;
}

void pod_paths_clear(struct pod_paths *p)
{
	free(p->root);
	free(p->run);
	free(p->images);
	free(p->logs);
	free(p->pods);
	free(p->names);
	free(p->runtime);
	free(p->cni_conf_dir);
	free(p->cni_bin_dirs);
	memset(p, 0, sizeof(*p));
}

int pod_paths_ensure(const struct pod_paths *p, struct pp_error *err)
{
	const char *const dirs[] = {p->root, p->images, p->logs,   p->run,
	                            p->pods, p->names,  p->runtime};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		int r = fs_mkdir_p(
		    dirs[i],
		    dirs[i] == p->root || dirs[i] == p->images || dirs[i] == p->logs ? 0755 : 0700,
		    err);
		if (r < 0)
			return r;
	}
	return 0;
}
