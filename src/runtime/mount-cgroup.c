/* SPDX-License-Identifier: Apache-2.0 */
/* The container's /sys/fs/cgroup (a mount of type "cgroup" in
 * config.mounts): on a pure cgroup v2 host a cgroup2 mount, whose root is
 * the container's own cgroup through its cgroup namespace; on a hybrid or
 * legacy host, as runc lays it out, a tmpfs holding one mount per v1
 * hierarchy the host has (cpu,cpuacct, memory, pids ...) with symlinks for
 * co-mounted controllers, plus the cgroup2 "unified" mount, so a process
 * can read its own limits (memory.limit_in_bytes, cpu.cfs_quota_us). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define CGROUP_ROOT "/sys/fs/cgroup/"
#define REMOUNT     (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* super options of a cgroup v1 mount without rw/ro: "cpu,cpuacct". */
static void controller_opts(const char *super, char *buf, size_t size)
{
	cleanup_free char *copy = xstrdup(super);
	char *save = NULL;

	buf[0] = '\0';
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "rw") == 0 || strcmp(o, "ro") == 0)
			continue;
		if (buf[0] != '\0')
			(void)strncat(buf, ",", size - strlen(buf) - 1);
		(void)strncat(buf, o, size - strlen(buf) - 1);
	}
}

/* True when every comma-separated item of the n bytes at ctrls (a
 * /proc/self/cgroup controller field, "cpu,cpuacct" or "name=systemd") is
 * one of the mount options opts ("xattr,name=systemd"); for cgroup2 (opts
 * NULL) when the field is empty. */
static bool field_matches(const char *ctrls, size_t n, const char *opts)
{
	if (opts == NULL || n == 0)
		return opts == NULL && n == 0;
	for (const char *c = ctrls; c < ctrls + n;) {
		size_t len = strcspn(c, ",:");
		bool found = false;

		for (const char *o = opts; *o != '\0'; o += strcspn(o, ","), o += *o == ',')
			if (strncmp(o, c, len) == 0 && (o[len] == ',' || o[len] == '\0'))
				found = true;
		if (!found)
			return false;
		c += len + (c[len] == ',');
	}
	return true;
}

/* Our cgroup in the hierarchy mounted with opts (NULL: cgroup2), from
 * /proc/self/cgroup; NULL when not listed. */
static char *self_cgroup(const char *opts)
{
	cleanup_free char *buf = NULL;

	if (fs_read_all("/proc/self/cgroup", 65536, &buf, NULL, NULL) < 0)
		return NULL;
	for (char *l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char *c = strchr(l, ':'), *end = c ? strchr(c + 1, ':') : NULL;

		if (end != NULL && field_matches(c + 1, (size_t)(end - c - 1), opts))
			return xstrndup(end + 1, strcspn(end + 1, "\n"));
	}
	return NULL;
}

/* Mount one hierarchy at top/name (mounted on the host at host_dir): a
 * new mount of it, whose root is the container's cgroup in a cgroup
 * namespace unshared once the container was placed; outside one (our
 * cgroup is not "/"), a bind of the container's own folder, as runc does.
 * Symlinks for co-mounted controllers. */
static void mount_hierarchy(int top, const char *host_dir, const char *type, const char *opts,
                            unsigned long flags)
{
	const char *name = host_dir + strlen(CGROUP_ROOT);
	cleanup_free char *own = self_cgroup(strcmp(type, "cgroup2") == 0 ? NULL : opts);
	cleanup_free char *names = xstrdup(name);
	cleanup_close int fd = -1;
	char *save = NULL;

	if (strchr(name, '/') != NULL || mkdirat(top, name, 0755) < 0)
		return;
	fd = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (own != NULL && strcmp(own, "/") != 0 && strstr(own, "/..") == NULL) {
		cleanup_free char *src = xstrfmt("%s%s", host_dir, own);
		cleanup_close int m = -1;

		if (rt_mount_fd(src, fd, NULL, MS_BIND, NULL) < 0)
			return;
		m = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (m < 0 || rt_mount_remount_bind(m, flags & REMOUNT) < 0)
			return;
	} else if (rt_mount_fd(type, fd, type, flags, opts) < 0) {
		return; /* a hierarchy we may not mount: left empty, as nothing needs it */
	}
	if (strchr(name, ',') == NULL)
		return;
	for (char *c = strtok_r(names, ",", &save); c; c = strtok_r(NULL, ",", &save))
		(void)!symlinkat(name, top, c);
}

/* One line of /proc/self/mountinfo: a v1 hierarchy or the unified mount
 * under /sys/fs/cgroup goes into top. */
static void mountinfo_line(int top, char *line, unsigned long flags)
{
	char *dash = strstr(line, " - "), *f[5] = {0}, *save = NULL;
	char fstype[32], source[64], super[512], opts[512];
	int n = 0;

	if (dash == NULL || strchr(line, '\\') != NULL)
		return; /* escaped (odd) paths are no cgroup hierarchy of ours */
	*dash = '\0';
	for (char *t = strtok_r(line, " ", &save); t && n < 5; t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	if (n < 5 || strncmp(f[4], CGROUP_ROOT, strlen(CGROUP_ROOT)) != 0 ||
	    sscanf(dash + 3, "%31s %63s %511s", fstype, source, super) != 3)
		return;
	if (strcmp(fstype, "cgroup") == 0) {
		controller_opts(super, opts, sizeof(opts));
		mount_hierarchy(top, f[4], "cgroup", opts, flags);
	} else if (strcmp(fstype, "cgroup2") == 0) {
		mount_hierarchy(top, f[4], "cgroup2", NULL, flags);
	}
}

int rt_mount_cgroup(int rootfd, const char *destination, int dfd, unsigned long flags)
{
	cleanup_fclose FILE *mi = NULL;
	cleanup_close int top = -1;
	cleanup_free char *line = NULL;
	size_t cap = 0;
	struct statfs sf;

	flags &= ~(unsigned long)MS_REC;
	if (statfs("/sys/fs/cgroup", &sf) < 0 || sf.f_type == CGROUP2_SUPER_MAGIC) {
		/* pure v2; where even that fails it is skipped, nothing needs it */
		(void)rt_mount_fd("cgroup2", dfd, "cgroup2", flags, NULL);
		return 0;
	}
	if (rt_mount_fd("cgroup", dfd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return 0;
	top = fs_open_in_root(rootfd, destination, O_PATH | O_DIRECTORY, 0);
	mi = fopen("/proc/self/mountinfo", "re");
	if (top < 0 || mi == NULL)
		return 0;
	while (getline(&line, &cap, mi) > 0)
		mountinfo_line(top, line, flags);
	/* the tmpfs itself as the config asks (read-only, usually) */
	return rt_mount_remount_bind(top, flags & REMOUNT);
}
