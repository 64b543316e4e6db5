/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI distribution API v2 (distribution-spec spec.md) over libcurl:
 * manifests and blobs of one repository, anonymous bearer tokens and basic
 * auth on a 401 challenge, bodies bounded, blobs hashed while they stream,
 * and the registry's own error text ({"errors":[{"code","message"}]}). */
#include "image/registry.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "image/internal.h"
#include "image/regconf.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define ERR_BODY_MAX ((size_t)8192)
#define TOKEN_MAX    ((size_t)1024 * 1024)
#define REG_MSG_MAX  200
#define ACCEPT_HEADER                                                                      \
	"Accept: " IMG_OCI_INDEX_TYPE ", " IMG_OCI_MANIFEST_TYPE ", " IMG_DOCKER_LIST_TYPE \
	", " IMG_DOCKER_MANIFEST_TYPE

/* A host the repository is asked for: a mirror, or the registry itself. */
struct endpoint {
	char *host;    /* host[:port] its config, CA folder and credentials are under */
	char *server;  /* where to connect: host, or registry-1.docker.io for docker.io */
	bool insecure; /* TLS without verification, then plain HTTP */
	bool plain_ok; /* plain HTTP when the server does not speak TLS */
	char *basic;   /* base64 "user:pass", NULL when none */
};

struct img_registry {
	CURL *curl;
	char *domain; /* as the reference names it: "docker.io" */
	char *repo;   /* "library/busybox" */
	char *target; /* tag or digest */
	char *base;   /* "https://registry-1.docker.io/v2/library/busybox" */
	bool plain;   /* plain HTTP */
	char *basic;  /* base64 "user:pass", NULL when none (borrowed from the endpoint) */
	char *auth;   /* "Authorization: ..." once a challenge was answered */
	struct img_regconf *conf;
	struct endpoint *eps;       /* mirrors in order, then the registry */
	size_t neps, cur;           /* eps[cur] is the one in use */
	bool pinned;                /* eps[cur] answered: every later request goes there */
	bool scheme_known;          /* base's scheme answered once */
	struct img_regconf_tls tls; /* eps[cur]'s */
	CURLcode last;              /* of the last transfer */
};

/* Where a response's body and headers go. */
struct sink {
	CURL *curl;
	int fd;                         /* body written here, or kept in buf when -1 */
	char *buf;                      /* NUL-terminated */
	size_t len, max;                /* body bytes so far, and the bound */
	struct img_sha256 *hash;        /* may be NULL */
	struct img_blob_get *get;       /* a blob's download, may be NULL */
	bool over;                      /* the server sent more than max */
	int werr;                       /* errno of a failed write */
	char errbody[ERR_BODY_MAX + 1]; /* body of a non-2xx response */
	size_t errlen;
	char *challenge; /* WWW-Authenticate */
	char *ctype;     /* Content-Type */
	long status;
};

static void sink_clear(struct sink *k)
{
	free(k->buf);
	free(k->challenge);
	free(k->ctype);
}

static bool status_ok(CURL *curl)
{
	long status = 0;

	(void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	return status >= 200 && status < 300;
}

static int blob_progress(struct img_blob_get *g, int64_t len)
{
	g->have += len;
	if (g->on_data != NULL && g->on_data(g->data, g->have) < 0)
		return -ECANCELED;
	return 0;
}

/* The first body bytes of a blob GET: a 206 continues after what fd holds;
 * any other 2xx (a 200: the registry ignored the range) restarts from zero. */
static int blob_start(struct sink *k)
{
	struct img_blob_get *g = k->get;
	long status = 0;
	int r;

	(void)curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 206 || g->have == 0)
		return 0;
	if (ftruncate(k->fd, 0) < 0 || lseek(k->fd, 0, SEEK_SET) < 0)
		return -errno;
	img_sha256_clear(k->hash);
	r = img_sha256_init(k->hash, NULL);
	if (r < 0)
		return r;
	k->max = (size_t)g->size;
	g->have = 0;
	return blob_progress(g, 0);
}

/* curl's progress callback of a blob GET, called about once a second even
 * while no byte comes: a download stopped by on_data (a sibling failed)
 * ends without waiting on a stalled server. */
static int on_idle(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                   curl_off_t ulnow)
{
	struct sink *k = data;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (k->get->on_data(k->get->data, k->get->have) >= 0)
		return 0;
	k->werr = ECANCELED;
	return 1; /* aborts the transfer */
}

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
	struct sink *k = data;
	size_t len = size * n;

	if (!status_ok(k->curl)) {
		size_t room = ERR_BODY_MAX - k->errlen;

		memcpy(k->errbody + k->errlen, p, len < room ? len : room);
		k->errlen += len < room ? len : room;
		k->errbody[k->errlen] = '\0';
		return len;
	}
	if (k->get != NULL && k->len == 0) {
		int r = blob_start(k);

		if (r < 0) {
			k->werr = -r;
			return 0;
		}
	}
	if (len > k->max - k->len) {
		k->over = true;
		return 0; /* aborts the transfer */
	}
	if (k->hash != NULL)
		img_sha256_update(k->hash, p, len);
	if (k->fd >= 0) {
		int r = fs_write_all(k->fd, p, len);

		if (r == 0 && k->get != NULL)
			r = blob_progress(k->get, (int64_t)len);
		if (r < 0) {
			k->werr = -r;
			return 0;
		}
	} else {
		k->buf = xrealloc(k->buf, k->len + len + 1);
		memcpy(k->buf + k->len, p, len);
		k->buf[k->len + len] = '\0';
	}
	k->len += len;
	return len;
}

/* "Name: value\r\n" → a copy of value when the name is name (with ':'). */
static void header_value(const char *p, size_t len, const char *name, char **ret)
{
	size_t n = strlen(name);

	if (len < n || strncasecmp(p, name, n) != 0)
		return;
	p += n;
	len -= n;
	while (len > 0 && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	free(*ret);
	*ret = xstrndup(p, len);
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
	struct sink *k = data;
	size_t len = size * n;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a redirect): forget the previous one's */
		free(k->challenge);
		free(k->ctype);
		k->challenge = k->ctype = NULL;
		k->errlen = 0;
		k->errbody[0] = '\0';
	}
	header_value(p, len, "www-authenticate:", &k->challenge);
	header_value(p, len, "content-type:", &k->ctype);
	return len;
}

/* The current endpoint's CA folder and client certificate; an insecure
 * endpoint's certificate is not verified. */
static void tls_setup(struct img_registry *r, CURL *c)
{
	struct curl_blob ca = {.data = r->tls.pem, .len = r->tls.len, .flags = CURL_BLOB_NOCOPY};

	if (r->eps == NULL)
		return;
	if (r->eps[r->cur].insecure) {
		(void)curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		(void)curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->tls.pem != NULL)
		(void)curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
	if (r->tls.cert != NULL) {
		(void)curl_easy_setopt(c, CURLOPT_SSLCERT, r->tls.cert);
		(void)curl_easy_setopt(c, CURLOPT_SSLKEY, r->tls.key);
	}
}

static void request_setup(struct img_registry *r, const char *url, struct curl_slist *hdrs,
                          struct sink *k, char *errbuf)
{
	CURL *c = r->curl;

	curl_easy_reset(c);
	(void)curl_easy_setopt(c, CURLOPT_URL, url);
	(void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, k);
	(void)curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	(void)curl_easy_setopt(c, CURLOPT_HEADERDATA, k);
	(void)curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_USERAGENT, "peapod/" PEAPOD_VERSION);
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* registries redirect blobs to CDNs; never from HTTPS down to HTTP */
	(void)curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	(void)curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	(void)curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, r->plain ? "http,https" : "https");
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a registry that sends under 1 KiB/s for a minute is cut off: a stall
	 * or a drip would otherwise hold the pull (and its locks) for ever */
	(void)curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	(void)curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	if (k->get != NULL && k->get->on_data != NULL) {
		(void)curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_idle);
		(void)curl_easy_setopt(c, CURLOPT_XFERINFODATA, k);
		(void)curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	tls_setup(r, c);
}

/* One GET; k->status gets the final HTTP status. 0 or -errno. */
static int perform(struct img_registry *r, const char *url, struct curl_slist *hdrs, struct sink *k,
                   struct pp_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	k->curl = r->curl;
	request_setup(r, url, hdrs, k, errbuf);
	rc = curl_easy_perform(r->curl);
	r->last = rc;
	(void)curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &k->status);
	if (k->over)
		return pp_error_msg(err, EBADMSG, "the registry sent more than %zu bytes", k->max);
	if (k->werr != 0)
		return pp_error(err, k->werr, "write");
	if (rc != CURLE_OK)
		return pp_error_msg(err, EIO, "GET %s: %s", url,
		                    errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return 0;
}

/* Printable, one line, bounded: text a registry sent. */
static void sanitize(char *s)
{
	for (size_t i = 0; s[i]; i++) {
		if (i >= REG_MSG_MAX) {
			s[i] = '\0';
			break;
		}
		if (!isprint((unsigned char)s[i]))
			s[i] = ' ';
	}
}

/* "CODE: message (HTTP n)" from a non-2xx response. */
static int registry_error(struct sink *k, const char *what, struct pp_error *err)
{
	cleanup_json json_object *o = NULL;
	json_object *e0;
	cleanup_free char *code = NULL, *msg = NULL;

	if (k->errlen > 0 && json_parse_text(k->errbody, k->errlen, "error", &o, NULL) == 0) {
		e0 = json_object_array_get_idx(json_get_arr(o, "errors"), 0);
		code = xstrdup(json_get_str(e0, "code"));
		msg = xstrdup(json_get_str(e0, "message"));
	}
	if (code == NULL)
		return pp_error_msg(err, k->status == 404 ? ENOENT : EIO, "%s: HTTP %ld", what,
		                    k->status);
	sanitize(code);
	if (msg != NULL)
		sanitize(msg);
	return pp_error_msg(err, k->status == 401 || k->status == 403 ? EACCES : ENOENT,
	                    "%s: %s: %s (HTTP %ld)", what, code, msg ? msg : "", k->status);
}

static struct curl_slist *auth_headers(const char *accept, const char *auth)
{
	struct curl_slist *h = NULL;

	if (accept != NULL)
		h = curl_slist_append(h, accept);
	if (auth != NULL)
		h = curl_slist_append(h, auth);
	return h;
}

/* Do URLs a and b have the same scheme, host and port? */
static bool same_origin(const char *a, const char *b)
{
	const char *ea = strstr(a, "://"), *eb = strstr(b, "://");
	size_t na, nb;

	if (ea == NULL || eb == NULL)
		return false;
	na = (size_t)(ea + 3 - a) + strcspn(ea + 3, "/?#");
	nb = (size_t)(eb + 3 - b) + strcspn(eb + 3, "/?#");
	return na == nb && strncasecmp(a, b, na) == 0;
}

/* The anonymous (or, with credentials, authenticated) bearer token of the
 * realm a challenge names (distribution's token auth, docs/spec/auth/token.md). */
static int fetch_token(struct img_registry *r, const char *challenge, struct pp_error *err)
{
	cleanup_free char *realm = img_auth_param(challenge, "realm");
	cleanup_free char *service = img_auth_param(challenge, "service");
	cleanup_free char *scope = img_auth_param(challenge, "scope");
	/* credentials go to the realm only over HTTPS, or over plain HTTP to
	 * the plain local registry itself */
	bool send =
	    r->basic && realm &&
	    (strncmp(realm, "https://", 8) == 0 || (r->plain && same_origin(realm, r->base)));
	cleanup_free char *basic = send ? xstrfmt("Authorization: Basic %s", r->basic) : NULL;
	cleanup_free char *url = NULL;
	cleanup_json json_object *o = NULL;
	struct sink k = {.fd = -1, .max = TOKEN_MAX};
	struct curl_slist *h = auth_headers(NULL, basic);
	char *svc = curl_easy_escape(r->curl, service ? service : "", 0);
	char *scp = NULL;
	const char *tok;
	int rc;

	if (scope == NULL)
		scope = xstrfmt("repository:%s:pull", r->repo);
	scp = curl_easy_escape(r->curl, scope, 0);
	url = xstrfmt("%s%sservice=%s&scope=%s", realm ? realm : "",
	              realm && strchr(realm, '?') ? "&" : "?", svc ? svc : "", scp ? scp : "");
	curl_free(svc);
	curl_free(scp);
	rc = realm == NULL ? pp_error_msg(err, EACCES, "a bearer challenge without a realm")
	                   : perform(r, url, h, &k, err);
	curl_slist_free_all(h);
	if (rc == 0 && (k.status < 200 || k.status >= 300))
		rc = registry_error(&k, "token", err);
	if (rc == 0)
		rc = json_parse_text(k.buf ? k.buf : "", k.len, "token", &o, err);
	tok = json_get_str(o, "token") ? json_get_str(o, "token") : json_get_str(o, "access_token");
	if (rc == 0 && (tok == NULL || *tok == '\0' || strpbrk(tok, "\r\n") != NULL))
		rc = pp_error_msg(err, EACCES, "the token server sent no token");
	if (rc == 0) {
		free(r->auth);
		r->auth = xstrfmt("Authorization: Bearer %s", tok);
	}
	sink_clear(&k);
	return rc < 0 ? pp_error_prefix(err, rc, "auth at '%s'", realm ? realm : "") : 0;
}

/* Answer a 401's challenge: 1 when a retry may succeed, 0 when not
 * (basic auth without credentials), or -errno. */
static int authenticate(struct img_registry *r, const char *challenge, struct pp_error *err)
{
	int rc;

	if (strncasecmp(challenge, "Bearer", 6) == 0) {
		rc = fetch_token(r, challenge, err);
		return rc < 0 ? rc : 1;
	}
	if (strncasecmp(challenge, "Basic", 5) == 0 && r->basic != NULL) {
		free(r->auth);
		r->auth = xstrfmt("Authorization: Basic %s", r->basic);
		return 1;
	}
	return 0;
}

/* GET base/path; a 401 is answered once. Non-2xx is an error naming what. */
static int endpoint_get_once(struct img_registry *r, const char *path, const char *accept,
                             struct sink *k, const char *what, struct pp_error *err)
{
	cleanup_free char *url = xstrfmt("%s/%s", r->base, path);

	for (int attempt = 0;; attempt++) {
		struct curl_slist *h = auth_headers(accept, r->auth);
		int rc = perform(r, url, h, k, err);

		curl_slist_free_all(h);
		if (rc < 0)
			return pp_error_prefix(err, rc, "%s", what);
		if (k->status == 401 && attempt == 0 && k->challenge != NULL) {
			rc = authenticate(r, k->challenge, err);
			if (rc < 0)
				return pp_error_prefix(err, rc, "%s", what);
			if (rc > 0)
				continue;
		}
		if (k->status < 200 || k->status >= 300)
			return registry_error(k, what, err);
		return 0;
	}
}

/* Append text to err's message (bounded), keeping its code. Returns r. */
static int error_append(struct pp_error *err, int r, const char *text)
{
	size_t n = err ? strlen(err->msg) : 0;

	if (err != NULL)
		(void)snprintf(err->msg + n, sizeof(err->msg) - n, "%s", text);
	return r;
}

/* What to configure when TLS to the current endpoint failed. */
static int tls_hint(struct img_registry *r, int rc, struct pp_error *err)
{
	const struct endpoint *e = &r->eps[r->cur];
	cleanup_free char *hint = NULL;

	if (r->last == CURLE_PEER_FAILED_VERIFICATION)
		hint = xstrfmt("; the certificate of %s is not trusted: put its CA in %s/ca.crt, "
		               "or mark %s `insecure: true` in %s",
		               e->host, r->tls.dir, e->host, r->conf->path);
	else if (r->last == CURLE_SSL_CONNECT_ERROR && !e->plain_ok)
		hint = xstrfmt("; if %s serves plain HTTP, mark it `insecure: true` in %s", e->host,
		               r->conf->path);
	return hint ? error_append(err, rc, hint) : rc;
}

/* Ready k for the same request to another endpoint; false when bytes of
 * the answer went out already. */
static bool sink_reset(struct sink *k)
{
	if (k->len > 0 && (k->fd >= 0 || k->hash != NULL))
		return false;
	free(k->buf);
	k->buf = NULL;
	k->len = 0;
	k->over = false;
	k->werr = 0;
	k->status = 0;
	return true;
}

static void set_base(struct img_registry *r, bool plain)
{
	free(r->base);
	r->plain = plain;
	r->base =
	    xstrfmt("%s://%s/v2/%s", plain ? "http" : "https", r->eps[r->cur].server, r->repo);
}

/* GET from the current endpoint: HTTPS first, and plain HTTP where that
 * is allowed and the server does not speak TLS (containerd's fallback for
 * localhost; podman's for insecure registries). */
static int endpoint_get(struct img_registry *r, const char *path, const char *accept,
                        struct sink *k, const char *what, struct pp_error *err)
{
	int rc = endpoint_get_once(r, path, accept, k, what, err);

	if (rc < 0 && !r->scheme_known && !r->plain && r->last == CURLE_SSL_CONNECT_ERROR &&
	    r->eps[r->cur].plain_ok && err != NULL && sink_reset(k)) {
		struct pp_error tls_err = *err;

		set_base(r, true);
		rc = endpoint_get_once(r, path, accept, k, what, err);
		/* a TLS server answers plain HTTP with 400: its TLS error is the one */
		if (rc < 0 && k->status == 400) {
			*err = tls_err;
			return error_append(err, rc, " (and HTTP 400 over plain HTTP)");
		}
	}
	if (r->last == CURLE_OK)
		r->scheme_known = true;
	return rc < 0 ? tls_hint(r, rc, err) : 0;
}

static const char *system_bundle(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	return v && v->cainfo ? v->cainfo : "/etc/ssl/certs/ca-certificates.crt";
}

/* Make eps[i] the endpoint in use: its URL, credentials and TLS files. */
static int use_endpoint(struct img_registry *r, size_t i, struct pp_error *err)
{
	img_regconf_tls_clear(&r->tls);
	free(r->auth);
	r->auth = NULL;
	r->cur = i;
	r->scheme_known = false;
	r->basic = r->eps[i].basic;
	set_base(r, false);
	return img_regconf_tls(r->conf, r->eps[i].host, system_bundle(), &r->tls, err);
}

/* The first request tries each mirror, then the registry, and stays with
 * the first that answers; the error of the last names those tried first. */
static int registry_get(struct img_registry *r, const char *path, const char *accept,
                        struct sink *k, const char *what, struct pp_error *err)
{
	char tried[sizeof(err->msg)] = "";
	int rc = 0;

	if (r->pinned)
		return endpoint_get(r, path, accept, k, what, err);
	for (size_t i = 0; i < r->neps; i++) {
		if (i > 0 && !sink_reset(k))
			break;
		rc = i > 0 ? use_endpoint(r, i, err) : 0;
		if (rc == 0)
			rc = endpoint_get(r, path, accept, k, what, err);
		if (rc == 0) {
			r->pinned = true;
			return 0;
		}
		if (i + 1 < r->neps && err != NULL)
			(void)snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried),
			               "%s mirror %s: %.160s",
			               tried[0] ? ";" : "; tried first:", r->eps[i].host, err->msg);
	}
	return error_append(err, rc, tried);
}

static int add_endpoint(struct img_registry *r, const char *host, const char *authfile,
                        struct pp_error *err)
{
	const struct img_regconf_host *h = img_regconf_find(r->conf, host);
	struct endpoint *e;

	r->eps = xrealloc(r->eps, (r->neps + 1) * sizeof(*r->eps));
	e = memset(&r->eps[r->neps++], 0, sizeof(*e));
	e->host = xstrdup(host);
	e->server = xstrdup(strcmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host);
	e->insecure = h != NULL && h->insecure;
	e->plain_ok = e->insecure || img_regconf_is_local(host);
	return img_auth_lookup(authfile, host, &e->basic, err);
}

/* The registry's mirrors from the config at conf, then the registry. */
static int add_endpoints(struct img_registry *r, const char *authfile, const char *conf,
                         struct pp_error *err)
{
	const struct img_regconf_host *h;
	int rc = img_regconf_load(conf, &r->conf, err);

	h = rc == 0 ? img_regconf_find(r->conf, r->domain) : NULL;
	for (char **m = h ? h->mirrors : NULL; rc == 0 && m && *m; m++)
		rc = add_endpoint(r, *m, authfile, err);
	/* a location serves the registry in its place, with no way back to
	 * it (registries.conf's prefix and location) */
	if (rc == 0)
		rc = add_endpoint(r, h && h->location ? h->location : r->domain, authfile, err);
	return rc;
}

/* "host/path:tag" or "host/path@sha256:..." (normalised) into its parts. */
static void split_ref(struct img_registry *r, const char *ref)
{
	const char *slash = strchr(ref, '/'), *at = strchr(ref, '@');
	const char *colon = strrchr(slash, ':');
	const char *end = at ? at : colon ? colon : ref + strlen(ref);

	r->domain = xstrndup(ref, (size_t)(slash - ref));
	r->repo = xstrndup(slash + 1, (size_t)(end - slash - 1));
	r->target = xstrdup(at ? at + 1 : colon ? colon + 1 : "latest");
}

int img_registry_open(const char *ref, const char *authfile, const char *conf,
                      struct img_registry **ret, struct pp_error *err)
{
	struct img_registry *r = NULL;
	int rc;

	if (strchr(ref, '/') == NULL)
		return pp_error_msg(err, EINVAL, "'%s' is not a normalised reference", ref);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return pp_error_msg(err, ENOMEM, "libcurl init failed");
	r = xzalloc(sizeof(*r));
	r->curl = curl_easy_init();
	split_ref(r, ref);
	rc = r->curl ? add_endpoints(r, authfile, conf, err)
	             : pp_error_msg(err, ENOMEM, "libcurl init failed");
	if (rc == 0)
		rc = use_endpoint(r, 0, err);
	if (rc < 0) {
		img_registry_free(r);
		return rc;
	}
	*ret = r;
	return 0;
}

struct img_registry *img_registry_free(struct img_registry *r)
{
	if (r == NULL)
		return NULL;
	if (r->curl != NULL)
		curl_easy_cleanup(r->curl);
	curl_global_cleanup();
	free(r->domain);
	free(r->repo);
	free(r->target);
	free(r->base);
	free(r->auth);
	for (size_t i = 0; i < r->neps; i++) {
		free(r->eps[i].host);
		free(r->eps[i].server);
		free(r->eps[i].basic);
	}
	free(r->eps);
	img_regconf_tls_clear(&r->tls);
	img_regconf_free(r->conf);
	free(r);
	return NULL;
}

const char *img_registry_target(const struct img_registry *r)
{
	return r->target;
}

void img_manifest_body_clear(struct img_manifest_body *m)
{
	free(m->body);
	free(m->type);
	m->body = m->type = NULL;
}

int img_registry_manifest(struct img_registry *r, const char *target, size_t max,
                          struct img_manifest_body *ret, struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("manifests/%s", target);
	cleanup_free char *what = xstrfmt("manifest '%s'", target);
	struct sink k = {.fd = -1, .max = max};
	int rc = registry_get(r, path, ACCEPT_HEADER, &k, what, err);

	if (rc == 0) {
		ret->body = k.buf ? take_ptr(&k.buf) : xstrdup("");
		ret->len = k.len;
		ret->type = xstrdup(k.ctype ? k.ctype : "");
	}
	sink_clear(&k);
	return rc;
}

int img_registry_blob(struct img_registry *r, const char *digest, struct img_blob_get *g,
                      struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("blobs/%s", digest);
	cleanup_free char *what = xstrfmt("blob %s", digest);
	cleanup_free char *range =
	    g->have > 0 ? xstrfmt("Range: bytes=%lld-", (long long)g->have) : NULL;
	struct sink k = {
	    .fd = g->fd, .max = (size_t)(g->size - g->have), .hash = g->hash, .get = g};
	int rc;

	if (img_digest_parse(digest, NULL) < 0 || g->size < 0 || g->have > g->size)
		return pp_error_msg(err, EINVAL, "unsupported or invalid blob digest '%s'", digest);
	if (lseek(g->fd, (off_t)g->have, SEEK_SET) < 0)
		return pp_error(err, errno, "seek");
	/* a 416 names a range past the blob's end: what fd holds is not a prefix */
	rc = registry_get(r, path, range, &k, what, err);
	if (rc < 0 && k.status == 416)
		rc = pp_error_msg(err, ERANGE, "%s: the registry refused the range (HTTP 416)",
		                  what);
	if (rc == 0 && g->have != g->size)
		rc = pp_error_msg(err, EBADMSG, "%s: %lld bytes, the manifest says %lld", what,
		                  (long long)g->have, (long long)g->size);
	sink_clear(&k);
	return rc;
}

static char *memdup_or_null(const char *p, size_t n)
{
	char *d;

	if (p == NULL)
		return NULL;
	d = xmalloc(n + 1);
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

/* A copy of a connection's TLS files and CA bundle. */
static void tls_copy(const struct img_regconf_tls *from, struct img_regconf_tls *to)
{
	to->dir = from->dir ? xstrdup(from->dir) : NULL;
	to->pem = memdup_or_null(from->pem, from->len);
	to->len = from->len;
	to->cert = from->cert ? xstrdup(from->cert) : NULL;
	to->key = from->key ? xstrdup(from->key) : NULL;
}

int img_registry_clone(const struct img_registry *r, struct img_registry **ret,
                       struct pp_error *err)
{
	struct img_registry *c = xzalloc(sizeof(*c));

	(void)curl_global_init(CURL_GLOBAL_DEFAULT); /* counted; done once by open */
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		img_registry_free(c);
		return pp_error_msg(err, ENOMEM, "libcurl init failed");
	}
	c->domain = xstrdup(r->domain);
	c->repo = xstrdup(r->repo);
	c->target = xstrdup(r->target);
	c->base = xstrdup(r->base);
	c->plain = r->plain;
	c->auth = r->auth ? xstrdup(r->auth) : NULL;
	c->scheme_known = r->scheme_known;
	if (r->neps > 0) { /* the endpoint that answered: the only one of the copy */
		const struct endpoint *e = &r->eps[r->cur];

		c->eps = xcalloc(1, sizeof(*c->eps));
		c->neps = 1;
		c->eps[0] = (struct endpoint){.host = xstrdup(e->host),
		                              .server = xstrdup(e->server),
		                              .insecure = e->insecure,
		                              .plain_ok = e->plain_ok,
		                              .basic = e->basic ? xstrdup(e->basic) : NULL};
		c->basic = c->eps[0].basic;
		c->pinned = true;
		tls_copy(&r->tls, &c->tls);
	}
	*ret = c;
	return 0;
}
