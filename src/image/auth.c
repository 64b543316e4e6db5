/* SPDX-License-Identifier: Apache-2.0 */
/* Registry credentials from Docker-style config.json / containers
 * auth.json files ("auths": {"host": {"auth": base64("user:pass")}}), and the
 * parameters of WWW-Authenticate challenges (RFC 7235 section 4.1). */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image/internal.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define AUTH_FILE_MAX ((size_t)1024 * 1024)
#define CRED_MAX      4096

/* "https://index.docker.io/v1/" → does it name domain? */
static bool key_matches(const char *key, const char *domain)
{
	static const char *const hub[] = {"docker.io", "index.docker.io", "registry-1.docker.io"};
	size_t n;

	if (strncmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncmp(key, "http://", 7) == 0)
		key += 7;
	n = strcspn(key, "/");
	if (strlen(domain) == n && strncmp(key, domain, n) == 0)
		return true;
	if (strcmp(domain, "docker.io") != 0)
		return false;
	for (size_t i = 0; i < sizeof(hub) / sizeof(hub[0]); i++)
		if (strlen(hub[i]) == n && strncmp(key, hub[i], n) == 0)
			return true;
	return false;
}

/* Is b64 the base64 of "user:password"? */
static bool is_user_pass(const char *b64)
{
	unsigned char out[CRED_MAX];
	size_t n = strlen(b64);
	int len;

	if (n == 0 || n % 4 != 0 || n >= CRED_MAX / 2 ||
	    strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		return false;
	len = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	return len > 0 && memchr(out, ':', (size_t)len) != NULL;
}

/* An "auths" entry → base64 "user:pass"; NULL when it has none. */
static char *entry_cred(json_object *e)
{
	const char *auth = json_get_str(e, "auth"), *user = json_get_str(e, "username");
	const char *pass = json_get_str(e, "password");
	unsigned char out[CRED_MAX];
	cleanup_free char *plain = NULL;

	if (auth != NULL && *auth != '\0' && strlen(auth) < CRED_MAX / 2)
		return xstrdup(auth);
	if (user == NULL || pass == NULL)
		return NULL;
	plain = xstrfmt("%s:%s", user, pass);
	if (strlen(plain) >= CRED_MAX / 2)
		return NULL;
	(void)EVP_EncodeBlock(out, (const unsigned char *)plain, (int)strlen(plain));
	return xstrdup((const char *)out);
}

static int lookup_file(const char *path, const char *domain, char **ret, struct pp_error *err)
{
	cleanup_json json_object *o = NULL;
	cleanup_free char *text = NULL;
	json_object *auths;
	size_t len = 0;
	int r = fs_read_regular(path, AUTH_FILE_MAX, &text, &len, err);

	if (r == 0)
		r = json_parse_text(text, len, path, &o, err);
	if (r < 0)
		return pp_error_prefix(err, r, "credentials");
	auths = json_get_obj(o, "auths");
	if (auths == NULL)
		return 0;
	json_object_object_foreach(auths, key, val)
	{
		if (key_matches(key, domain)) {
			*ret = entry_cred(val);
			if (*ret != NULL && !is_user_pass(*ret)) {
				free(take_ptr(ret));
				return pp_error_msg(err, EINVAL,
				                    "credentials '%s': auths.\"%s\".auth: not the "
				                    "base64 of user:password",
				                    path, key);
			}
			if (*ret != NULL)
				return 0;
		}
	}
	return 0;
}

int img_auth_lookup(const char *authfile, const char *domain, char **ret, struct pp_error *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
	cleanup_free char *a = NULL, *b = NULL;
	char *found = NULL;
	int r = 0;

	if (authfile != NULL) {
		r = lookup_file(authfile, domain, &found, err);
	} else {
		a = xdg && *xdg ? xstrfmt("%s/containers/auth.json", xdg) : NULL;
		b = home && *home ? xstrfmt("%s/.docker/config.json", home) : NULL;
		if (a != NULL && access(a, F_OK) == 0)
			r = lookup_file(a, domain, &found, err);
		if (r == 0 && found == NULL && b != NULL && access(b, F_OK) == 0)
			r = lookup_file(b, domain, &found, err);
	}
	if (r < 0)
		return r;
	*ret = found;
	return 0;
}

static const char *skip_sep(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

/* A quoted-string or token at p; *end gets what follows it. Caller frees. */
static char *param_value(const char *p, const char **end)
{
	char *v = xmalloc(strlen(p) + 1), *o = v;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			*o++ = *p;
		}
		if (*p == '"')
			p++;
	} else {
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			*o++ = *p++;
	}
	*o = '\0';
	*end = p;
	return v;
}

char *img_auth_param(const char *challenge, const char *key)
{
	const char *p = challenge + strcspn(challenge, " \t");

	for (p = skip_sep(p); *p != '\0'; p = skip_sep(p)) {
		const char *name = p;
		size_t n = strcspn(p, "=, \t");
		char *v;

		p += n;
		if (*p != '=')
			continue;
		v = param_value(p + 1, &p);
		if (n == strlen(key) && strncasecmp(name, key, n) == 0)
			return v;
		free(v);
	}
	return NULL;
}
