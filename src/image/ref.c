/* SPDX-License-Identifier: Apache-2.0 */
/* Image references normalised as Docker's distribution/reference does:
 * [domain[:port]/]path[:tag][@sha256:hex], docker.io and library/ implied. */
#include <stdbool.h>
#include <string.h>

#include "image/image.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN  128

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* path-component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool valid_component(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		size_t j = i;

		while (j < n && is_lower_alnum(s[j]))
			j++;
		if (j == i)
			return false;
		if (j == n)
			return true;
		i = j;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
	}
	return true;
}

/* host (domain-component separated by '.') with an optional :port */
static bool valid_domain(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t hn = colon ? (size_t)(colon - s) : n;

	if (hn == 0)
		return false;
	for (size_t i = 0; i < hn; i++) {
		bool edge = i == 0 || i == hn - 1 || s[i - 1] == '.' || s[i + 1] == '.';

		if (s[i] == '.' ? edge : !(is_alnum(s[i]) || (s[i] == '-' && !edge)))
			return false;
	}
	if (colon != NULL) {
		if (colon + 1 == s + n)
			return false;
		for (const char *p = colon + 1; p < s + n; p++)
			if (*p < '0' || *p > '9')
				return false;
	}
	return true;
}

static bool valid_path(const char *s)
{
	const char *p = s;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!valid_component(p, n))
			return false;
		if (slash == NULL)
			return true;
		p = slash + 1;
	}
}

/* tag: [\w][\w.-]{0,127} */
static bool valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > TAG_MAX_LEN || !(is_alnum(t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(is_alnum(t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

/* Docker's splitDockerDomain: the first component is a registry when it has
 * a '.' or ':', is "localhost", or has uppercase letters. */
static bool first_is_domain(const char *name, size_t n)
{
	if (n == 9 && strncmp(name, "localhost", 9) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '.' || name[i] == ':' || (name[i] >= 'A' && name[i] <= 'Z'))
			return true;
	return false;
}

struct ref_parts {
	char *name;         /* before tag/digest */
	const char *tag;    /* points into name's buffer or NULL */
	const char *digest; /* points into name's buffer or NULL */
};

static int split_ref(char *buf, struct ref_parts *p, const char *ref, struct pp_error *err)
{
	char *at = strchr(buf, '@'), *slash, *colon;

	p->name = buf;
	p->tag = p->digest = NULL;
	if (at != NULL) {
		*at = '\0';
		p->digest = at + 1;
		if (img_digest_parse(p->digest, NULL) < 0)
			return pp_error_msg(
			    err, EINVAL,
			    "invalid reference '%s': bad digest (want sha256:<64 lowercase hex>)",
			    ref);
	}
	slash = strrchr(buf, '/');
	colon = strrchr(slash ? slash : buf, ':');
	if (colon != NULL) {
		*colon = '\0';
		p->tag = colon + 1;
		if (!valid_tag(p->tag))
			return pp_error_msg(err, EINVAL, "invalid reference '%s': bad tag '%s'",
			                    ref, p->tag);
	}
	return 0;
}

static int build_name(const char *name, const char *ref, char **ret, struct pp_error *err)
{
	const char *slash = strchr(name, '/');
	cleanup_free char *domain = NULL;
	const char *path = name;

	if (slash != NULL && first_is_domain(name, (size_t)(slash - name))) {
		domain = xstrndup(name, (size_t)(slash - name));
		path = slash + 1;
		if (!valid_domain(domain, strlen(domain)))
			return pp_error_msg(
			    err, EINVAL, "invalid reference '%s': bad registry '%s'", ref, domain);
	}
	if (domain == NULL || strcmp(domain, "index.docker.io") == 0) {
		free(domain);
		domain = xstrdup("docker.io");
	}
	if (!valid_path(path))
		return pp_error_msg(
		    err, EINVAL,
		    "invalid reference '%s': repository name must be lowercase letters, digits and separators ('.', '_', '__', '-') between '/'",
		    ref);
	if (strlen(path) == IMG_HEX_LEN && img_is_hex(path, IMG_HEX_LEN))
		return pp_error_msg(
		    err, EINVAL,
		    "invalid reference '%s': a 64-digit hex string is an image id, not a repository name",
		    ref);
	if (strcmp(domain, "docker.io") == 0 && strchr(path, '/') == NULL)
		*ret = xstrfmt("%s/library/%s", domain, path);
	else
		*ret = xstrfmt("%s/%s", domain, path);
	if (strlen(*ret) > NAME_MAX_LEN) {
		free(take_ptr(ret));
		return pp_error_msg(err, EINVAL,
		                    "invalid reference '%s': name longer than %d characters", ref,
		                    NAME_MAX_LEN);
	}
	return 0;
}

int img_ref_normalize(const char *ref, char **ret, struct pp_error *err)
{
	cleanup_free char *buf = NULL, *name = NULL;
	struct ref_parts p;
	int r;

	if (ref == NULL || *ref == '\0')
		return pp_error_msg(err, EINVAL, "invalid reference '': empty");
	if (strlen(ref) > 1024)
		return pp_error_msg(err, EINVAL, "invalid reference '%.64s...': too long", ref);
	buf = xstrdup(ref);
	r = split_ref(buf, &p, ref, err);
	if (r < 0)
		return r;
	r = build_name(p.name, ref, &name, err);
	if (r < 0)
		return r;
	/* a digest names the image alone: "name:tag@digest" is "name@digest",
	 * as podman and containerd's CRI store it */
	if (p.digest != NULL)
		*ret = xstrfmt("%s@%s", name, p.digest);
	else
		*ret = xstrfmt("%s:%s", name, p.tag ? p.tag : "latest");
	return 0;
}

int img_ref_is_latest(const char *ref)
{
	const char *slash, *colon;

	if (ref == NULL || strchr(ref, '@') != NULL)
		return 0;
	slash = strrchr(ref, '/');
	colon = strrchr(slash ? slash : ref, ':');
	return colon == NULL || strcmp(colon + 1, "latest") == 0;
}
