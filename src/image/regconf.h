/* SPDX-License-Identifier: Apache-2.0 */
/* Inside src/image only: the registries config file (registries.yaml),
 * which registry hosts may be reached over plain HTTP or unverified TLS,
 * their mirrors and their CA folders (regconf.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct pp_error;

#define IMG_REGCONF_DEFAULT  "/etc/peapod/registries.yaml"
#define IMG_REGCONF_ENV      "PEAPOD_REGISTRIES_CONF"
#define IMG_REGCONF_MAX_SIZE ((size_t)1024 * 1024)

/* One "registries" entry. */
struct img_regconf_host {
	char *host;     /* host[:port] as image references name it: "docker.io" */
	bool insecure;  /* unverified TLS, then plain HTTP */
	char **mirrors; /* host[:port] each, tried in order before host; never NULL */
	char *ca;       /* the CA folder; NULL: certs.d/<host> beside the file */
	char *location; /* host[:port] that serves host in its place; NULL: host itself */
};

struct img_regconf {
	char *path; /* the config file (read or not), for messages */
	char *dir;  /* its folder */
	struct img_regconf_host *hosts;
	size_t n;
};

/* Parse the text of a registries file (len bytes); name names it in
 * errors and is kept as c->path, dir is the folder certs.d is looked up in. *ret caller-freed with
 * img_regconf_free(). 0, or -EINVAL with one line "NAME:LINE: FIELD: what"
 * for an unknown key, a bad value or a duplicate host. */
int img_regconf_parse(const char *text, size_t len, const char *name, const char *dir,
                      struct img_regconf **ret, struct pp_error *err);

/* Read the registries file path; NULL means $PEAPOD_REGISTRIES_CONF when
 * set, else IMG_REGCONF_DEFAULT, which may be missing (then *ret holds no
 * hosts). A missing file named by path or the environment is -ENOENT.
 * *ret caller-freed with img_regconf_free(). 0 or -errno. */
int img_regconf_load(const char *path, struct img_regconf **ret, struct pp_error *err);

struct img_regconf *img_regconf_free(struct img_regconf *c);

/* The entry for host[:port] (borrowed from c), NULL when none; c may be NULL. */
const struct img_regconf_host *img_regconf_find(const struct img_regconf *c, const char *host);

/* The CA folder of host: its entry's "ca", else DIR/certs.d/<host>.
 * Caller frees; NULL when c is NULL. It need not exist. */
char *img_regconf_ca_dir(const struct img_regconf *c, const char *host);

/* localhost, 127.0.0.1 and ::1 (any port): plain HTTP without config. */
bool img_regconf_is_local(const char *host);

/* What a TLS connection to one host is given. */
struct img_regconf_tls {
	char *dir;  /* its CA folder, NULL when c was NULL */
	char *pem;  /* system bundle + the folder's *.crt; NULL when the folder has none */
	size_t len; /* of pem */
	char *cert; /* DIR/client.cert and DIR/client.key, both or neither; may be NULL */
	char *key;
};

/* The CA folder of host read into *ret (cleared with img_regconf_tls_clear):
 * every *.crt in it after the PEM bundle at system_bundle (may be NULL), and
 * a client certificate pair. A missing folder gives no pem. 0 or -errno. */
int img_regconf_tls(const struct img_regconf *c, const char *host, const char *system_bundle,
                    struct img_regconf_tls *ret, struct pp_error *err);

/* Free what *t holds; safe twice. */
void img_regconf_tls_clear(struct img_regconf_tls *t);
