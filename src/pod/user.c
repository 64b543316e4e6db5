/* SPDX-License-Identifier: Apache-2.0 */
/* Resolve an image's User against the /etc/passwd and /etc/group of a
 * container rootfs, the way containerd's oci.WithUser and WithAdditionalGIDs
 * do, with every lookup confined to the rootfs (openat2 RESOLVE_IN_ROOT). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "pod/plan.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* An image's passwd or group file is untrusted: never read more. */
#define ETC_FILE_MAX ((size_t)4 << 20)
#define MAX_GROUPS   65536u

/* Strict decimal uint32 ("" and signs refused). */
static bool parse_id(const char *s, uint32_t *ret)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*ret = (uint32_t)v;
	return true;
}

/* Read /etc/<name> of the rootfs. *ret_buf NULL (and 0) when the file does
 * not exist; FIFOs, devices and directories are refused. */
static int read_etc(int rootfd, const char *path, char **ret_buf, struct pp_error *err)
{
	cleanup_close int fd = -1;
	struct stat st;
	int r;

	fd = fs_open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0);
	if (fd == -ENOENT) {
		*ret_buf = NULL;
		return 0;
	}
	if (fd < 0)
		return pp_error(err, -fd, "open '%s' in the rootfs", path);
	if (fstat(fd, &st) < 0)
		return pp_error(err, errno, "stat '%s' in the rootfs", path);
	if (!S_ISREG(st.st_mode))
		return pp_error_msg(err, EINVAL, "'%s' in the rootfs is not a regular file", path);
	r = fs_read_fd(fd, ETC_FILE_MAX, ret_buf, NULL, err);
	if (r < 0)
		return pp_error_prefix(err, r, "read '%s' in the rootfs", path);
	return 0;
}

/* Split the next non-empty line at *cursor into at most n ':' fields (the
 * last keeps the rest). Returns the field count, or 0 at the end. */
static size_t next_entry(char **cursor, char **fields, size_t n)
{
	char *line, *nl;
	size_t k = 0;

	while (*cursor != NULL && **cursor != '\0') {
		line = *cursor;
		nl = strchr(line, '\n');
		if (nl != NULL) {
			*nl = '\0';
			*cursor = nl + 1;
		} else {
			*cursor = NULL;
		}
		/* blank, comment and NIS (+/-) lines are not entries */
		if (line[0] == '\0' || line[0] == '#' || line[0] == '+' || line[0] == '-')
			continue;
		for (k = 0; k < n && line != NULL; k++)
			fields[k] = k + 1 < n ? strsep(&line, ":") : line;
		return k;
	}
	return 0;
}

struct passwd_entry {
	char *name; /* points into the file buffer */
	uint32_t uid, gid;
};

/* Find a passwd entry by name (name != NULL) or by uid. true when found. */
static bool passwd_find(char *buf, const char *name, uint32_t uid, struct passwd_entry *ret)
{
	char *cursor = buf, *f[5];
	uint32_t u, g;

	for (size_t n; (n = next_entry(&cursor, f, 5)) != 0;) {
		if (n < 4 || !parse_id(f[2], &u) || !parse_id(f[3], &g))
			continue;
		if (name != NULL ? strcmp(f[0], name) != 0 : u != uid)
			continue;
		ret->name = f[0];
		ret->uid = u;
		ret->gid = g;
		return true;
	}
	return false;
}

/* Find a group's gid by name. true when found. */
static bool group_find(char *buf, const char *name, uint32_t *ret_gid)
{
	char *cursor = buf, *f[4];
	uint32_t g;

	for (size_t n; (n = next_entry(&cursor, f, 4)) != 0;) {
		if (n >= 3 && strcmp(f[0], name) == 0 && parse_id(f[2], &g)) {
			*ret_gid = g;
			return true;
		}
	}
	return false;
}

static void gid_push(struct pod_user *u, gid_t gid)
{
	for (size_t i = 0; i < u->n_additional_gids; i++)
		if (u->additional_gids[i] == gid)
			return;
	if (u->n_additional_gids >= MAX_GROUPS)
		return;
	u->additional_gids =
	    xrealloc(u->additional_gids, (u->n_additional_gids + 1) * sizeof(gid_t));
	u->additional_gids[u->n_additional_gids++] = gid;
}

static bool member_of(char *members, const char *user)
{
	for (char *m; (m = strsep(&members, ",")) != NULL;)
		if (strcmp(m, user) == 0)
			return true;
	return false;
}

/* Supplementary groups: every group listing user as a member, except the
 * group named like the user (containerd's getSupplementalGroupsFromPath). */
static void add_member_groups(char *buf, const char *user, struct pod_user *u)
{
	char *cursor = buf, *f[4];
	uint32_t g;

	for (size_t n; (n = next_entry(&cursor, f, 4)) != 0;) {
		if (n < 4 || strcmp(f[0], user) == 0 || !parse_id(f[2], &g))
			continue;
		if (member_of(f[3], user))
			gid_push(u, g);
	}
}

/* Resolve the user part: uid, its primary gid and login name. */
static int resolve_user_part(int rootfd, const char *spec, const char *upart, struct pod_user *u,
                             char **ret_name, struct pp_error *err)
{
	cleanup_free char *buf = NULL;
	struct passwd_entry pw;
	uint32_t uid = 0;
	bool numeric = *upart == '\0' || parse_id(upart, &uid);
	int r;

	u->uid = uid;
	u->gid = 0;
	*ret_name = NULL;
	if (rootfd < 0) {
		if (!numeric)
			return pp_error_msg(err, EINVAL, "user \"%s\": names need a rootfs", spec);
		return 0;
	}
	r = read_etc(rootfd, "/etc/passwd", &buf, err);
	if (r < 0)
		return r;
	if (buf == NULL || !passwd_find(buf, numeric ? NULL : upart, uid, &pw)) {
		/* oci.WithUserID: a uid unknown to the image runs with gid 0 */
		if (numeric)
			return 0;
		return pp_error_msg(err, ENOENT, "user \"%s\": no matching entries in passwd file",
		                    spec);
	}
	u->uid = pw.uid;
	u->gid = pw.gid;
	*ret_name = xstrdup(pw.name);
	return 0;
}

static int resolve_group_part(int rootfd, const char *spec, const char *gpart, struct pod_user *u,
                              struct pp_error *err)
{
	cleanup_free char *buf = NULL;
	uint32_t gid;
	int r;

	if (parse_id(gpart, &gid)) {
		u->gid = gid;
		return 0;
	}
	if (rootfd < 0)
		return pp_error_msg(err, EINVAL, "user \"%s\": names need a rootfs", spec);
	r = read_etc(rootfd, "/etc/group", &buf, err);
	if (r < 0)
		return r;
	if (buf == NULL || !group_find(buf, gpart, &gid))
		return pp_error_msg(err, ENOENT, "user \"%s\": no matching entries in group file",
		                    spec);
	u->gid = gid;
	return 0;
}

static int add_supplementary(int rootfd, const char *name, struct pod_user *u, struct pp_error *err)
{
	cleanup_free char *buf = NULL;
	int r;

	if (rootfd < 0 || name == NULL)
		return 0;
	r = read_etc(rootfd, "/etc/group", &buf, err);
	if (r < 0 || buf == NULL)
		return r;
	add_member_groups(buf, name, u);
	return 0;
}

/* Which /etc/group memberships of the image a user gets. */
enum member_groups {
	MEMBER_GROUPS_UNLESS_GROUP, /* runc's GetExecUser: none with an explicit group */
	MEMBER_GROUPS_ALWAYS,       /* containerd's CRI WithAdditionalGIDs */
	MEMBER_GROUPS_NEVER,        /* supplementalGroupsPolicy Strict */
};

static int resolve(int rootfd, const char *user, enum member_groups member_groups,
                   struct pod_user *ret, struct pp_error *err)
{
	struct pod_user u = {0};
	cleanup_free char *copy = xstrdup(user != NULL ? user : "");
	cleanup_free char *name = NULL;
	char *gpart = strchr(copy, ':');
	const char *spec = user != NULL ? user : "";
	int r;

	if (gpart != NULL) {
		*gpart++ = '\0';
		if (strchr(gpart, ':') != NULL || *gpart == '\0')
			return pp_error_msg(err, EINVAL, "invalid USER value \"%s\"", spec);
	}
	r = resolve_user_part(rootfd, spec, copy, &u, &name, err);
	if (r < 0)
		return r;
	if (gpart != NULL)
		r = resolve_group_part(rootfd, spec, gpart, &u, err);
	if (r < 0)
		return r;
	/* containerd >= 1.6.18 (CVE-2023-25173) lists the primary gid first */
	gid_push(&u, u.gid);
	/* with an explicit group the image's group memberships do not apply,
	 * as in runc's GetExecUser */
	if ((gpart == NULL && member_groups != MEMBER_GROUPS_NEVER) ||
	    member_groups == MEMBER_GROUPS_ALWAYS)
		r = add_supplementary(rootfd, name, &u, err);
	if (r < 0) {
		free(u.additional_gids);
		return r;
	}
	*ret = u;
	return 0;
}

int pod_user_resolve(int rootfd, const char *user, struct pod_user *ret, struct pp_error *err)
{
	return resolve(rootfd, user, MEMBER_GROUPS_UNLESS_GROUP, ret, err);
}

int pod_user_name(int rootfd, uint32_t uid, char **ret, struct pp_error *err)
{
	cleanup_free char *buf = NULL;
	struct passwd_entry e;
	int r = read_etc(rootfd, "/etc/passwd", &buf, err);

	if (r < 0)
		return r;
	*ret = buf != NULL && passwd_find(buf, NULL, uid, &e) ? xstrdup(e.name) : NULL;
	return 0;
}

static int gid_cmp(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* containerd's WithSupplementalGroups: merged as a set, sorted; the
 * kubelet adds fsGroup to the pod's supplementalGroups. */
static void merge_supplemental(const struct pod *pod, struct pod_user *u)
{
	if (pod->n_supplemental_groups == 0 && !pod->has_fs_group)
		return;
	for (size_t i = 0; i < pod->n_supplemental_groups; i++)
		gid_push(u, (gid_t)pod->supplemental_groups[i]);
	if (pod->has_fs_group)
		gid_push(u, (gid_t)pod->fs_group);
	qsort(u->additional_gids, u->n_additional_gids, sizeof(gid_t), gid_cmp);
}

/* The user string the kubelet hands containerd: the runAsUser, else the
 * user part of the image's USER (its group is dropped, kubernetes#61967),
 * else "0"; then ":runAsGroup". Caller frees. */
static char *cri_user_string(const struct pod_run_as *ra, const char *image_user)
{
	cleanup_free char *upart = NULL;
	char *colon;

	if (ra->has_user) {
		upart = xstrfmt("%" PRId64, ra->user);
	} else {
		upart = xstrdup(image_user != NULL ? image_user : "");
		colon = strchr(upart, ':');
		if (colon != NULL)
			*colon = '\0';
		if (upart[0] == '\0') {
			free(upart);
			upart = xstrdup("0");
		}
	}
	if (!ra->has_group)
		return take_ptr(&upart);
	return xstrfmt("%s:%" PRId64, upart, ra->group);
}

void pod_run_as_effective(const struct pod *pod, const struct pod_container *c,
                          struct pod_run_as *ret)
{
	struct pod_run_as ra = pod->run_as;

	if (c->run_as.has_user) {
		ra.has_user = true;
		ra.user = c->run_as.user;
	}
	if (c->run_as.has_group) {
		ra.has_group = true;
		ra.group = c->run_as.group;
	}
	if (c->run_as.has_non_root) {
		ra.has_non_root = true;
		ra.non_root = c->run_as.non_root;
	}
	*ret = ra;
}

int pod_user_for_container(int rootfd, const struct pod *pod, const struct pod_container *c,
                           const char *image_user, struct pod_user *ret, struct pp_error *err)
{
	struct pod_run_as ra;
	cleanup_free char *spec = NULL;
	/* containerd: no WithAdditionalGIDs from the image under Strict */
	bool strict = pod->supplemental_groups_policy != NULL &&
	              strcmp(pod->supplemental_groups_policy, "Strict") == 0;
	int r;

	pod_run_as_effective(pod, c, &ra);
	if (!ra.has_user && !ra.has_group) {
		r = resolve(rootfd, image_user,
		            strict ? MEMBER_GROUPS_NEVER : MEMBER_GROUPS_UNLESS_GROUP, ret, err);
	} else {
		spec = cri_user_string(&ra, image_user);
		r = resolve(rootfd, spec, strict ? MEMBER_GROUPS_NEVER : MEMBER_GROUPS_ALWAYS, ret,
		            err);
	}
	if (r < 0)
		return r;
	merge_supplemental(pod, ret);
	return 0;
}

int pod_verify_run_as_non_root(const struct pod *pod, const struct pod_container *c,
                               const char *image_user, struct pp_error *err)
{
	cleanup_free char *upart = xstrdup(image_user != NULL ? image_user : "");
	cleanup_free char *who =
	    xstrfmt("(pod: \"%s_%s(%s)\", container: %s)", pod->name, pod->namespace_,
	            pod->uid != NULL ? pod->uid : "", c->name);
	struct pod_run_as ra;
	uint32_t uid = 0;
	char *colon = strchr(upart, ':');

	pod_run_as_effective(pod, c, &ra);
	if (!ra.has_non_root || !ra.non_root)
		return 0;
	if (ra.has_user) {
		if (ra.user == 0)
			return pp_error_msg(err, EPERM,
			                    "container's runAsUser breaks non-root policy %s", who);
		return 0;
	}
	if (colon != NULL)
		*colon = '\0';
	/* the kubelet's getImageUser: no user is root, a name is unverifiable */
	if (upart[0] == '\0' || (parse_id(upart, &uid) && uid == 0))
		return pp_error_msg(
		    err, EPERM, "container has runAsNonRoot and image will run as root %s", who);
	if (!parse_id(upart, &uid))
		return pp_error_msg(
		    err, EPERM,
		    "container has runAsNonRoot and image has non-numeric user (%s), "
		    "cannot verify user is non-root %s",
		    upart, who);
	return 0;
}
