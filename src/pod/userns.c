/* SPDX-License-Identifier: Apache-2.0 */
/* hostUsers: false (pod/userns.h): range allocation on disk, under a lock,
 * and the pinned user namespace of a pod. */
#include "pod/userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "pod/paths.h"
#include "pod/state.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define NSFS_MAGIC_ 0x6e736673
#define SUBID_USER  "peapod"

/* The blocks of 65536 ids pods may take: [first, first + count). */
struct blocks {
	unsigned first, count;
};

/* The folder of passwd, subuid and subgid: /etc, or $PEAPOD_HOST_ETC (the
 * tests' stand-in). */
static const char *etc_dir(void)
{
	const char *e = getenv("PEAPOD_HOST_ETC");

	return e != NULL && e[0] != '\0' ? e : "/etc";
}

/* The rest of the first line of etc/<file> that starts with "name:", after
 * it; NULL when none (or no such file). *buf (caller frees) holds it. */
static const char *entry_of(const char *file, const char *name, char **buf)
{
	cleanup_free char *path = xstrfmt("%s/%s", etc_dir(), file);
	size_t len = 0, n = strlen(name);

	if (fs_read_all(path, 4 << 20, buf, &len, NULL) < 0)
		return NULL;
	for (const char *l = *buf; l != NULL && *l != '\0'; l = strchr(l, '\n'), l = l ? l + 1 : l)
		if (strncmp(l, name, n) == 0 && l[n] == ':')
			return l + n + 1;
	return NULL;
}

/* "START:COUNT" at s as blocks of 65536 ids; false unless whole blocks,
 * from a non-zero start, within 32 bits. */
static bool parse_blocks(const char *s, struct blocks *ret)
{
	char *end = NULL;
	unsigned long long start, count;

	errno = 0;
	start = strtoull(s, &end, 10);
	if (end == s || *end != ':' || errno != 0)
		return false;
	s = end + 1;
	count = strtoull(s, &end, 10);
	if (end == s || (*end != '\0' && *end != '\n') || errno != 0)
		return false;
	if (start == 0 || start % POD_USERNS_SIZE != 0 || count < POD_USERNS_SIZE ||
	    count % POD_USERNS_SIZE != 0 || start + count > UINT32_MAX + 1ULL)
		return false;
	*ret = (struct blocks){.first = (unsigned)(start / POD_USERNS_SIZE),
	                       .count = (unsigned)(count / POD_USERNS_SIZE)};
	return true;
}

/* The range of name in etc/<file> (subuid(5)): 1 and *ret, 0 when it has
 * none, -EINVAL naming the file for a range that is not whole blocks. */
static int subid_range(const char *file, const char *name, struct blocks *ret, struct pp_error *err)
{
	cleanup_free char *buf = NULL;
	const char *e = entry_of(file, name, &buf);

	if (e == NULL)
		return 0;
	if (!parse_blocks(e, ret))
		return pp_error_msg(err, EINVAL,
		                    "%s/%s: the range of user %s must start at a non-zero "
		                    "multiple of 65536 and hold a multiple of 65536 ids",
		                    etc_dir(), file, name);
	return 1;
}

/* The kubelet's ranges (KEP-127 "Configuration of ranges"): those of user
 * peapod in subuid and subgid when it exists and has them (the same in
 * both), else blocks 1..110; never more than POD_USERNS_SLOTS blocks. */
static int usable_blocks(struct blocks *ret, struct pp_error *err)
{
	cleanup_free char *pw = NULL;
	struct blocks u = {0}, g = {0};
	int ru, rg;

	*ret = (struct blocks){.first = 1, .count = POD_USERNS_SLOTS};
	if (entry_of("passwd", SUBID_USER, &pw) == NULL)
		return 0;
	ru = subid_range("subuid", SUBID_USER, &u, err);
	if (ru < 0)
		return ru;
	rg = subid_range("subgid", SUBID_USER, &g, err);
	if (rg < 0)
		return rg;
	if (ru == 0 && rg == 0)
		return 0;
	if (ru != rg || u.first != g.first || u.count != g.count)
		return pp_error_msg(
		    err, EINVAL,
		    "%s/subuid and %s/subgid: user %s must have the same range in both", etc_dir(),
		    etc_dir(), SUBID_USER);
	*ret = u;
	if (ret->count > POD_USERNS_SLOTS)
		ret->count = POD_USERNS_SLOTS;
	return 0;
}

static char *slot_path(const struct pod_paths *paths, unsigned n)
{
	return xstrfmt("%s/userns/%u", paths->run, n);
}

/* The uid slot n names, or NULL when free. Caller frees. */
static char *slot_owner(const struct pod_paths *paths, unsigned n)
{
	cleanup_free char *path = slot_path(paths, n);
	char *buf = NULL;
	size_t len = 0;

	if (fs_read_all(path, 128, &buf, &len, NULL) < 0)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

int pod_userns_find(const struct pod_paths *paths, const char *uid, uint32_t *ret_base)
{
	cleanup_free char *dir = xstrfmt("%s/userns", paths->run);
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;

	/* every slot file, whatever the ranges were when it was taken */
	while (d != NULL && (e = readdir(d)) != NULL) {
		char *end = NULL;
		unsigned long n = strtoul(e->d_name, &end, 10);
		cleanup_free char *owner = NULL;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' || *end != '\0' || n >= 65536)
			continue;
		owner = slot_owner(paths, (unsigned)n);
		if (owner != NULL && strcmp(owner, uid) == 0) {
			*ret_base = (uint32_t)n * POD_USERNS_SIZE;
			return 0;
		}
	}
	return -ENOENT;
}

/* A slot whose pod folder is gone (deleted while we were not there). */
static bool slot_stale(const struct pod_paths *paths, const char *owner)
{
	cleanup_free char *dir = pod_dir_path(paths, owner);

	return access(dir, F_OK) < 0 && errno == ENOENT;
}

static int slot_take(const struct pod_paths *paths, unsigned n, const char *uid,
                     struct pp_error *err)
{
	cleanup_free char *path = slot_path(paths, n);

	return fs_write_atomic(path, uid, strlen(uid), 0644, err);
}

int pod_userns_alloc(const struct pod_paths *paths, const char *uid, uint32_t *ret_base,
                     struct pp_error *err)
{
	cleanup_free char *dir = xstrfmt("%s/userns", paths->run);
	cleanup_free char *lock = xstrfmt("%s/lock", dir);
	cleanup_close int fd = -1;
	struct blocks b;
	int r = fs_mkdir_p(dir, 0700, err);

	if (r < 0)
		return r;
	fd = fs_lock_file(lock, err);
	if (fd < 0)
		return fd;
	if (pod_userns_find(paths, uid, ret_base) == 0)
		return 0;
	r = usable_blocks(&b, err);
	if (r < 0)
		return r;
	for (unsigned n = b.first; n < b.first + b.count; n++) {
		cleanup_free char *owner = slot_owner(paths, n);

		if (owner != NULL && !slot_stale(paths, owner))
			continue;
		r = slot_take(paths, n, uid, err);
		if (r < 0)
			return r;
		*ret_base = n * POD_USERNS_SIZE;
		return 0;
	}
	return pp_error_msg(err, ENOSPC, "no free user namespace range (all %u taken)", b.count);
}

void pod_userns_release(const struct pod_paths *paths, const char *uid)
{
	cleanup_free char *lock = xstrfmt("%s/userns/lock", paths->run);
	cleanup_close int fd = -1;
	uint32_t base;

	if (access(lock, F_OK) < 0)
		return; /* no pod ever had a range */
	fd = fs_lock_file(lock, NULL);
	if (fd >= 0 && pod_userns_find(paths, uid, &base) == 0) {
		cleanup_free char *path = slot_path(paths, base / POD_USERNS_SIZE);

		(void)unlink(path); /* gone already: released */
	}
}

char *pod_userns_path(const struct pod_paths *paths, const char *uid)
{
	return xstrfmt("%s/%s/userns", paths->pods, uid);
}

static bool is_pinned(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == NSFS_MAGIC_;
}

/* A new user namespace mapping 0..65535 to base.. bound on path. */
static int pin(const char *path, uint32_t base, struct pp_error *err)
{
	const struct rt_idmap map = {.container_id = 0, .host_id = base, .size = POD_USERNS_SIZE};
	cleanup_close int ns = -1;
	char src[64];
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
	int r;

	if (fd < 0)
		return pp_error(err, errno, "create '%s'", path);
	(void)close(fd);
	r = rt_userns_create(&map, 1, &map, 1, &ns, err);
	if (r < 0)
		return r;
	(void)snprintf(src, sizeof(src), "/proc/self/fd/%d", ns);
	if (mount(src, path, NULL, MS_BIND, NULL) < 0)
		return pp_error(err, errno, "pin the user namespace at '%s'", path);
	return 0;
}

int pod_userns_setup(const struct pod_paths *paths, const struct pod_record *rec,
                     struct pp_error *err)
{
	cleanup_free char *path = NULL;
	uint32_t base = 0;
	int r;

	if (!rec->pod->no_host_users)
		return 0;
	r = pod_userns_alloc(paths, rec->pod->uid, &base, err);
	if (r < 0)
		return r;
	path = pod_userns_path(paths, rec->pod->uid);
	if (is_pinned(path))
		return 0;
	return pin(path, base, err);
}
