/* SPDX-License-Identifier: Apache-2.0 */
/* The registries config file: a YAML document read with libyaml's
 * document API (so each node keeps its line for errors), checked against
 * its few keys, and the per-host lookups the registry client makes. */
#include "image/regconf.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define FIELD_MAX 64
#define PEM_MAX   ((size_t)16 * 1024 * 1024)

struct doc {
	yaml_document_t d;
	const char *name; /* the file, for errors */
};

static int bad(const struct doc *c, const yaml_node_t *n, const char *field, const char *what,
               struct pp_error *err)
{
	return pp_error_msg(err, EINVAL, "%s:%zu: %s: %s", c->name, n ? n->start_mark.line + 1 : 1,
	                    field, what);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* host[:port], or [v6]:port: the characters a reference's domain may have. */
static bool valid_host(const char *s)
{
	return *s != '\0' && strlen(s) < 256 &&
	       s[strspn(s,
	                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_")] ==
	           '\0';
}

static int get_host(struct doc *c, yaml_node_t *n, const char *field, char **ret,
                    struct pp_error *err)
{
	if (n->type != YAML_SCALAR_NODE)
		return bad(c, n, field, "must be a host[:port] string", err);
	if (!valid_host(scalar(n)))
		return bad(c, n, field, "must be a host[:port] without scheme or path", err);
	*ret = xstrdup(scalar(n));
	return 0;
}

static int get_bool(struct doc *c, yaml_node_t *n, const char *field, bool *ret,
                    struct pp_error *err)
{
	const char *v = n->type == YAML_SCALAR_NODE ? scalar(n) : "";

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return bad(c, n, field, "must be true or false", err);
	if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
		*ret = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
		*ret = false;
	else
		return bad(c, n, field, "must be true or false", err);
	return 0;
}

static int get_path(struct doc *c, yaml_node_t *n, const char *field, const char *dir, char **ret,
                    struct pp_error *err)
{
	if (n->type != YAML_SCALAR_NODE || *scalar(n) == '\0')
		return bad(c, n, field, "must be a folder path", err);
	*ret = scalar(n)[0] == '/' ? xstrdup(scalar(n)) : xstrfmt("%s/%s", dir, scalar(n));
	return 0;
}

static int get_mirrors(struct doc *c, yaml_node_t *n, const char *field, char ***ret,
                       struct pp_error *err)
{
	char f[FIELD_MAX + 16];

	if (n->type != YAML_SEQUENCE_NODE)
		return bad(c, n, field, "must be a list of host[:port]", err);
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		cleanup_free char *m = NULL;
		int r;

		(void)snprintf(f, sizeof(f), "%s[%zu]", field,
		               (size_t)(i - n->data.sequence.items.start));
		r = get_host(c, yaml_document_get_node(&c->d, *i), f, &m, err);
		if (r < 0)
			return r;
		strv_push(ret, m);
	}
	return 0;
}

/* The index of key in keys (n entries), or n. */
static size_t key_index(const char *key, const char *const *keys, size_t n)
{
	size_t i = 0;

	while (i < n && strcmp(key, keys[i]) != 0)
		i++;
	return i;
}

/* One "registries" item into h. */
static int parse_host(struct doc *c, yaml_node_t *n, size_t idx, const char *dir,
                      struct img_regconf_host *h, struct pp_error *err)
{
	static const char *const keys[] = {"host", "insecure", "mirrors", "ca", "location"};
	char field[FIELD_MAX];
	char f[FIELD_MAX + 16];
	unsigned seen = 0;
	int r = 0;

	(void)snprintf(field, sizeof(field), "registries[%zu]", idx);
	if (n->type != YAML_MAPPING_NODE)
		return bad(c, n, field,
		           "must be a mapping with host, location, insecure, mirrors, ca", err);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     r == 0 && p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&c->d, p->key);
		yaml_node_t *v = yaml_document_get_node(&c->d, p->value);
		const char *key = k->type == YAML_SCALAR_NODE ? scalar(k) : "?";
		size_t i = key_index(key, keys, 5);

		(void)snprintf(f, sizeof(f), "%s.%s", field, key);
		if (i == 5 || (seen & (1u << i)) != 0)
			r = bad(
			    c, k, f,
			    "unknown or repeated key (want host, location, insecure, mirrors, ca)",
			    err);
		else if (i == 0)
			r = get_host(c, v, f, &h->host, err);
		else if (i == 1)
			r = get_bool(c, v, f, &h->insecure, err);
		else if (i == 2)
			r = get_mirrors(c, v, f, &h->mirrors, err);
		else if (i == 3)
			r = get_path(c, v, f, dir, &h->ca, err);
		else
			r = get_host(c, v, f, &h->location, err);
		seen |= 1u << i;
	}
	if (r == 0 && h->host == NULL)
		r = bad(c, n, field, "host: required", err);
	return r;
}

static int parse_hosts(struct doc *c, yaml_node_t *seq, struct img_regconf *conf,
                       struct pp_error *err)
{
	if (seq->type == YAML_SCALAR_NODE && seq->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (*scalar(seq) == '\0' || strcmp(scalar(seq), "null") == 0 ||
	     strcmp(scalar(seq), "~") == 0))
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return bad(c, seq, "registries", "must be a list", err);
	for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
	     i++) {
		yaml_node_t *n = yaml_document_get_node(&c->d, *i);
		struct img_regconf_host *h;
		int r;

		conf->hosts = xrealloc(conf->hosts, (conf->n + 1) * sizeof(*conf->hosts));
		h = &conf->hosts[conf->n++];
		memset(h, 0, sizeof(*h));
		h->mirrors = xcalloc(1, sizeof(char *));
		r = parse_host(c, n, conf->n - 1, conf->dir, h, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j + 1 < conf->n; j++)
			if (strcmp(conf->hosts[j].host, h->host) == 0)
				return bad(c, n, "registries", "a host listed twice", err);
	}
	return 0;
}

static int parse_root(struct doc *c, struct img_regconf *conf, struct pp_error *err)
{
	yaml_node_t *root = yaml_document_get_root_node(&c->d);
	int r = 0;

	if (root == NULL)
		return 0; /* an empty file */
	if (root->type != YAML_MAPPING_NODE)
		return bad(c, root, "(top)", "must be a mapping with the key registries", err);
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     r == 0 && p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&c->d, p->key);
		const char *key = k->type == YAML_SCALAR_NODE ? scalar(k) : "?";

		if (strcmp(key, "registries") == 0 && p == root->data.mapping.pairs.start)
			r = parse_hosts(c, yaml_document_get_node(&c->d, p->value), conf, err);
		else
			r = bad(c, k, key, "unknown or repeated key (want registries)", err);
	}
	return r;
}

int img_regconf_parse(const char *text, size_t len, const char *name, const char *dir,
                      struct img_regconf **ret, struct pp_error *err)
{
	struct img_regconf *conf = xzalloc(sizeof(*conf));
	struct doc c = {.name = name};
	yaml_parser_t parser;
	int r = 0;

	conf->path = xstrdup(name);
	conf->dir = xstrdup(dir);
	if (!yaml_parser_initialize(&parser)) {
		img_regconf_free(conf);
		return pp_error_msg(err, ENOMEM, "%s: libyaml init failed", name);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &c.d)) {
		r = pp_error_msg(err, EINVAL, "%s:%zu: %s", name, parser.problem_mark.line + 1,
		                 parser.problem ? parser.problem : "not YAML");
	} else {
		r = parse_root(&c, conf, err);
		yaml_document_delete(&c.d);
	}
	yaml_parser_delete(&parser);
	if (r < 0) {
		img_regconf_free(conf);
		return r;
	}
	*ret = conf;
	return 0;
}

int img_regconf_load(const char *path, struct img_regconf **ret, struct pp_error *err)
{
	const char *env = getenv(IMG_REGCONF_ENV);
	bool named = path != NULL || (env != NULL && *env != '\0');
	cleanup_free char *text = NULL, *copy = NULL;
	size_t len = 0;
	int r;

	if (path == NULL)
		path = named ? env : IMG_REGCONF_DEFAULT;
	copy = xstrdup(path);
	r = fs_read_regular(path, IMG_REGCONF_MAX_SIZE, &text, &len, err);
	if (r == -ENOENT && !named) {
		*ret = xzalloc(sizeof(**ret));
		(*ret)->path = xstrdup(path);
		(*ret)->dir = xstrdup(dirname(copy));
		return 0;
	}
	if (r < 0)
		return pp_error_prefix(err, r, "registries config");
	return img_regconf_parse(text, len, path, dirname(copy), ret, err);
}

struct img_regconf *img_regconf_free(struct img_regconf *c)
{
	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < c->n; i++) {
		free(c->hosts[i].host);
		strv_free(c->hosts[i].mirrors);
		free(c->hosts[i].location);
		free(c->hosts[i].ca);
	}
	free(c->hosts);
	free(c->path);
	free(c->dir);
	free(c);
	return NULL;
}

const struct img_regconf_host *img_regconf_find(const struct img_regconf *c, const char *host)
{
	for (size_t i = 0; c != NULL && i < c->n; i++)
		if (strcmp(c->hosts[i].host, host) == 0)
			return &c->hosts[i];
	return NULL;
}

char *img_regconf_ca_dir(const struct img_regconf *c, const char *host)
{
	const struct img_regconf_host *h = img_regconf_find(c, host);

	if (c == NULL)
		return NULL;
	if (h != NULL && h->ca != NULL)
		return xstrdup(h->ca);
	return xstrfmt("%s/certs.d/%s", c->dir, host);
}

bool img_regconf_is_local(const char *host)
{
	static const char *const local[] = {"localhost", "127.0.0.1", "[::1]", "::1"};
	size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");

	if (strcmp(host, "::1") == 0)
		return true;
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (strlen(local[i]) == n && strncmp(host, local[i], n) == 0)
			return true;
	return false;
}

static bool is_crt(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && name[0] != '.' && strcmp(name + n - 4, ".crt") == 0;
}

/* Append the file path to *pem. 0 or -errno. */
static int pem_append(struct img_regconf_tls *t, const char *path, struct pp_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int r = fs_read_all(path, PEM_MAX, &buf, &len, err);

	if (r < 0)
		return r;
	if (len > PEM_MAX - t->len)
		return pp_error_msg(err, EFBIG, "'%s': CA certificates over %zu bytes", path,
		                    PEM_MAX);
	t->pem = xrealloc(t->pem, t->len + len + 2);
	memcpy(t->pem + t->len, buf, len);
	t->len += len;
	t->pem[t->len++] = '\n';
	t->pem[t->len] = '\0';
	return 0;
}

static int read_cas(struct img_regconf_tls *t, DIR *d, const char *system_bundle,
                    struct pp_error *err)
{
	struct dirent *e;
	int r = 0;

	while (r == 0 && (e = readdir(d)) != NULL) {
		cleanup_free char *f = NULL;

		if (!is_crt(e->d_name))
			continue;
		if (t->pem == NULL && system_bundle != NULL && access(system_bundle, R_OK) == 0)
			r = pem_append(t, system_bundle, err);
		f = xstrfmt("%s/%s", t->dir, e->d_name);
		if (r == 0)
			r = pem_append(t, f, err);
	}
	return r;
}

int img_regconf_tls(const struct img_regconf *c, const char *host, const char *system_bundle,
                    struct img_regconf_tls *ret, struct pp_error *err)
{
	struct img_regconf_tls t = {.dir = img_regconf_ca_dir(c, host)};
	cleanup_dir DIR *d = t.dir ? opendir(t.dir) : NULL;
	cleanup_free char *cert = NULL, *key = NULL;
	int r = 0;

	if (d == NULL && t.dir != NULL && errno != ENOENT)
		r = pp_error(err, errno, "CA folder '%s'", t.dir);
	if (r == 0 && d != NULL)
		r = read_cas(&t, d, system_bundle, err);
	if (r < 0) {
		img_regconf_tls_clear(&t);
		return r;
	}
	cert = d ? xstrfmt("%s/client.cert", t.dir) : NULL;
	key = d ? xstrfmt("%s/client.key", t.dir) : NULL;
	if (cert && access(cert, R_OK) == 0 && access(key, R_OK) == 0) {
		t.cert = take_ptr(&cert);
		t.key = take_ptr(&key);
	}
	*ret = t;
	return 0;
}

void img_regconf_tls_clear(struct img_regconf_tls *t)
{
	free(t->dir);
	free(t->pem);
	free(t->cert);
	free(t->key);
	memset(t, 0, sizeof(*t));
}
