/* SPDX-License-Identifier: Apache-2.0 */
/* sha256 streams over OpenSSL EVP, digest string checks, and the RFC 3339
 * times found in image configs. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "image/internal.h"
#include "util/error.h"

int img_sha256_init(struct img_sha256 *h, struct pp_error *err)
{
	h->len = 0;
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		img_sha256_clear(h);
		return pp_error(err, ENOMEM, "sha256 init");
	}
	return 0;
}

void img_sha256_update(struct img_sha256 *h, const void *p, size_t n)
{
	h->len += n;
	/* EVP_DigestUpdate only fails on a NULL/uninitialised context. */
	(void)EVP_DigestUpdate(h->ctx, p, n);
}

void img_sha256_final(struct img_sha256 *h, char ret_hex[IMG_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	(void)EVP_DigestFinal_ex(h->ctx, md, &n);
	for (size_t i = 0; i < 32; i++)
		(void)snprintf(ret_hex + 2 * i, 3, "%02x", md[i]);
	ret_hex[IMG_HEX_LEN] = '\0';
	img_sha256_clear(h);
}

void img_sha256_clear(struct img_sha256 *h)
{
	if (h->ctx != NULL)
		EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

bool img_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

int img_digest_parse(const char *d, char ret_hex[IMG_HEX_LEN + 1])
{
	if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + IMG_HEX_LEN ||
	    !img_is_hex(d + 7, IMG_HEX_LEN))
		return -EINVAL;
	if (ret_hex != NULL)
		memcpy(ret_hex, d + 7, IMG_HEX_LEN + 1);
	return 0;
}

int64_t img_time_parse(const char *s)
{
	struct tm tm = {0};
	const char *p;
	int64_t t;

	if (s == NULL)
		return 0;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return 0;
	t = (int64_t)timegm(&tm);
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
		int hh = 0, mm = 0;

		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2)
			t += (*p == '+' ? -1 : 1) * (int64_t)(hh * 3600 + mm * 60);
	}
	return t < 0 ? 0 : t;
}
