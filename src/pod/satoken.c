/* SPDX-License-Identifier: Apache-2.0 */
/* Service account tokens without an API server: a JWT (RS256) with a real
 * token's claims, signed by an RSA key made once per peapod root
 * (ROOT/serviceaccount/signing-key.pem, 0600; the public key beside it,
 * signing-key.pub, for anyone to verify). Valid for this root only. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "pod/paths.h"
#include "pod/projected.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define KEY_BITS 2048

char *pod_sa_key_path(const struct pod_paths *p, bool pub)
{
	return xstrfmt("%s/serviceaccount/signing-key.%s", p->root, pub ? "pub" : "pem");
}

static int key_write(const struct pod_paths *p, EVP_PKEY *key, struct pp_error *err)
{
	cleanup_free char *priv = pod_sa_key_path(p, false), *pub = pod_sa_key_path(p, true);
	cleanup_free char *pem = NULL, *pubpem = NULL;
	BIO *b = BIO_new(BIO_s_mem()), *bp = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int r = -EIO;

	if (b != NULL && bp != NULL &&
	    PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) &&
	    PEM_write_bio_PUBKEY(bp, key)) {
		n = BIO_get_mem_data(b, &data);
		pem = xstrndup(data, (size_t)n);
		n = BIO_get_mem_data(bp, &data);
		pubpem = xstrndup(data, (size_t)n);
		r = 0;
	}
	BIO_free(b);
	BIO_free(bp);
	if (r < 0)
		return pp_error_msg(err, EIO, "encode the service account signing key");
	/* the public key first: a reader of a key never lacks its half */
	if ((r = fs_write_atomic(pub, pubpem, strlen(pubpem), 0644, err)) < 0)
		return r;
	return fs_write_atomic(priv, pem, strlen(pem), 0600, err);
}

/* The root's signing key, made on first use (under a lock, so that two
 * monitors starting at once make one key). */
static int key_load(const struct pod_paths *p, EVP_PKEY **ret, struct pp_error *err)
{
	cleanup_free char *priv = pod_sa_key_path(p, false);
	cleanup_free char *dir = xstrfmt("%s/serviceaccount", p->root);
	cleanup_free char *lock = xstrfmt("%s/lock", dir);
	cleanup_free char *pem = NULL;
	cleanup_close int lockfd = -1;
	EVP_PKEY *key = NULL;
	BIO *b;
	int r = fs_mkdir_p(dir, 0755, err); /* the public key is for anyone */

	if (r < 0 || (lockfd = fs_lock_file(lock, err)) < 0)
		return r < 0 ? r : lockfd;
	r = fs_read_regular(priv, 1 << 16, &pem, NULL, NULL);

	if (r == 0) {
		b = BIO_new_mem_buf(pem, -1);
		key = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		if (key == NULL)
			return pp_error_msg(err, EINVAL, "'%s': not a private key", priv);
	} else {
		key = EVP_RSA_gen(KEY_BITS);
		if (key == NULL)
			return pp_error_msg(err, EIO, "generate the service account signing key");
		if ((r = key_write(p, key, err)) < 0) {
			EVP_PKEY_free(key);
			return r;
		}
	}
	*ret = key;
	return 0;
}

/* base64url without padding (RFC 7515 section 2). */
static char *b64url(const unsigned char *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (char *c = out; *c != '\0'; c++) {
		if (*c == '+')
			*c = '-';
		else if (*c == '/')
			*c = '_';
	}
	return out;
}

/* The key id, as the API server's: base64url(SHA-256(DER public key)). */
static char *key_id(EVP_PKEY *key)
{
	unsigned char *der = NULL, md[SHA256_DIGEST_LENGTH];
	int n = i2d_PUBKEY(key, &der);
	char *kid;

	if (n <= 0)
		return xstrdup("");
	SHA256(der, (size_t)n, md);
	OPENSSL_free(der);
	kid = b64url(md, sizeof(md));
	return kid;
}

static json_object *claims(const struct pod *pod, const struct pod_projection *proj, int64_t now)
{
	json_object *c = json_object_new_object(), *k8s = json_object_new_object();
	json_object *aud = json_object_new_array(), *po = json_object_new_object();
	json_object *sa = json_object_new_object();
	const char *a =
	    proj->audience != NULL && proj->audience[0] != '\0' ? proj->audience : POD_SA_ISSUER;

	json_object_array_add(aud, json_object_new_string(a));
	json_object_object_add(c, "aud", aud);
	json_object_object_add(c, "exp", json_object_new_int64(now + proj->expiration_seconds));
	json_object_object_add(c, "iat", json_object_new_int64(now));
	json_object_object_add(c, "iss", json_object_new_string(POD_SA_ISSUER));
	json_object_object_add(k8s, "namespace", json_object_new_string(pod->namespace_));
	json_object_object_add(po, "name", json_object_new_string(pod->name));
	json_object_object_add(po, "uid", json_object_new_string(pod->uid ? pod->uid : ""));
	json_object_object_add(k8s, "pod", po);
	json_object_object_add(sa, "name", json_object_new_string("default"));
	json_object_object_add(k8s, "serviceaccount", sa);
	json_object_object_add(c, "kubernetes.io", k8s);
	json_object_object_add(c, "nbf", json_object_new_int64(now));
	return c;
}

static int sign(EVP_PKEY *key, const char *input, char **ret, struct pp_error *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	cleanup_free unsigned char *sig = NULL;
	size_t len = 0;
	int ok;

	ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestSign(ctx, NULL, &len, (const unsigned char *)input, strlen(input)) == 1;
	if (ok) {
		sig = xmalloc(len);
		ok = EVP_DigestSign(ctx, sig, &len, (const unsigned char *)input, strlen(input)) ==
		     1;
	}
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return pp_error_msg(err, EIO, "sign the service account token");
	*ret = b64url(sig, len);
	return 0;
}

int pod_sa_token_issue(const struct pod_paths *p, const struct pod *pod,
                       const struct pod_projection *proj, char **ret, struct pp_error *err)
{
	EVP_PKEY *key = NULL;
	json_object *hdr, *cl;
	cleanup_free char *kid = NULL, *h64 = NULL, *c64 = NULL, *input = NULL, *sig = NULL;
	cleanup_free char *sub = xstrfmt("system:serviceaccount:%s:default", pod->namespace_);
	const char *s;
	int r = key_load(p, &key, err);

	if (r < 0)
		return r;
	kid = key_id(key);
	hdr = json_object_new_object();
	json_object_object_add(hdr, "alg", json_object_new_string("RS256"));
	json_object_object_add(hdr, "kid", json_object_new_string(kid));
	s = json_object_to_json_string_ext(hdr, JSON_C_TO_STRING_PLAIN);
	h64 = b64url((const unsigned char *)s, strlen(s));
	json_object_put(hdr);
	cl = claims(pod, proj, (int64_t)time(NULL));
	json_object_object_add(cl, "sub", json_object_new_string(sub));
	s = json_object_to_json_string_ext(cl,
	                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	c64 = b64url((const unsigned char *)s, strlen(s));
	json_object_put(cl);
	input = xstrfmt("%s.%s", h64, c64);
	r = sign(key, input, &sig, err);
	EVP_PKEY_free(key);
	if (r < 0)
		return r;
	*ret = xstrfmt("%s.%s", input, sig);
	return 0;
}

/* The claims of token (its middle part, base64url JSON); NULL when it is
 * not one of ours. Caller puts. */
static json_object *token_claims(const char *token)
{
	const char *a = strchr(token, '.'), *b = a != NULL ? strchr(a + 1, '.') : NULL;
	size_t n = b != NULL ? (size_t)(b - a - 1) : 0;
	cleanup_free char *std = NULL;
	cleanup_free unsigned char *raw = NULL;
	int len;

	if (b == NULL || n == 0 || n > 1 << 16)
		return NULL;
	std = xmalloc(n + 4);
	memcpy(std, a + 1, n);
	for (size_t i = 0; i < n; i++) {
		if (std[i] == '-')
			std[i] = '+';
		else if (std[i] == '_')
			std[i] = '/';
	}
	while (n % 4 != 0)
		std[n++] = '=';
	std[n] = '\0';
	raw = xmalloc(n + 1);
	len = EVP_DecodeBlock(raw, (const unsigned char *)std, (int)n);
	if (len < 0)
		return NULL;
	raw[len] = '\0';
	return json_tokener_parse((const char *)raw);
}

static int64_t claim_int(json_object *c, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(c, key, &v) ? json_object_get_int64(v) : 0;
}

bool pod_sa_token_fresh(const char *token, const struct pod *pod, const struct pod_projection *proj,
                        int64_t now)
{
	json_object *c = token_claims(token), *v = NULL;
	const char *want =
	    proj->audience != NULL && proj->audience[0] != '\0' ? proj->audience : POD_SA_ISSUER;
	int64_t iat, exp;
	bool ok;

	if (c == NULL)
		return false;
	iat = claim_int(c, "iat");
	exp = claim_int(c, "exp");
	/* the kubelet's requiresRefresh: past 80% of its life, or a day old */
	ok = exp - iat == proj->expiration_seconds && now >= iat &&
	     (now - iat) * 10 < (exp - iat) * 8 && now - iat < 86400 &&
	     json_object_object_get_ex(c, "aud", &v) && json_object_array_length(v) == 1 &&
	     strcmp(json_object_get_string(json_object_array_get_idx(v, 0)), want) == 0 &&
	     json_object_object_get_ex(c, "kubernetes.io", &v) &&
	     json_object_object_get_ex(v, "pod", &v) && json_object_object_get_ex(v, "uid", &v) &&
	     pod->uid != NULL && strcmp(json_object_get_string(v), pod->uid) == 0;
	json_object_put(c);
	return ok;
}
