/* SPDX-License-Identifier: Apache-2.0 */
/* Standard padded base64, encoder and a decoder that fails where Go's
 * base64.StdEncoding fails and reports the same input offset. */
#include "util/base64.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/error.h"
#include "util/xalloc.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
		if (i + 2 >= len)
			out[o - 1] = '=';
		if (i + 1 >= len)
			out[o - 2] = '=';
	}
	out[o] = '\0';
	return out;
}

static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool is_nl(char c)
{
	return c == '\n' || c == '\r';
}

struct b64_in {
	const char *s;
	size_t len;
	size_t si;
};

static size_t skip_nl(struct b64_in *in)
{
	while (in->si < in->len && is_nl(in->s[in->si]))
		in->si++;
	return in->si;
}

/* After a '=' at quantum position j: the rest of the padding, then the end.
 * Returns the offset Go reports, or SIZE_MAX when the padding is good. */
static size_t check_padding(struct b64_in *in, size_t j)
{
	if (j < 2)
		return in->si - 1;
	if (j == 2) {
		if (skip_nl(in) == in->len)
			return in->len;
		if (in->s[in->si] != '=')
			return in->si - 1;
		in->si++;
	}
	if (skip_nl(in) < in->len)
		return in->si;
	return SIZE_MAX;
}

/* One quantum of up to 4 characters into out; *ret_n bytes written, *done
 * at the end of the input. Returns SIZE_MAX, or the bad offset. */
static size_t quantum(struct b64_in *in, unsigned char *out, size_t *ret_n, bool *done)
{
	int d[4] = {0, 0, 0, 0};
	size_t j = 0;

	*ret_n = 0;
	while (j < 4) {
		char c;

		if (in->si == in->len) {
			*done = true;
			if (j == 0)
				return SIZE_MAX;
			return in->si - j;
		}
		c = in->s[in->si++];
		if (is_nl(c))
			continue;
		if (c == '=') {
			size_t bad = check_padding(in, j);

			if (bad != SIZE_MAX)
				return bad;
			*done = true;
			break;
		}
		if ((d[j] = sextet(c)) < 0)
			return in->si - 1;
		j++;
	}
	out[0] = (unsigned char)(d[0] << 2 | d[1] >> 4);
	out[1] = (unsigned char)(d[1] << 4 | d[2] >> 2);
	out[2] = (unsigned char)(d[2] << 6 | d[3]);
	*ret_n = j == 4 ? 3 : j - 1;
	return SIZE_MAX;
}

int b64_decode(const char *text, size_t len, unsigned char **ret, size_t *ret_len,
               struct pp_error *err)
{
	struct b64_in in = {text, len, 0};
	unsigned char *out = xmalloc(len / 4 * 3 + 4);
	size_t o = 0;
	bool done = false;

	while (!done) {
		size_t n = 0, bad = quantum(&in, out + o, &n, &done);

		if (bad != SIZE_MAX) {
			free(out);
			return pp_error_msg(err, EINVAL, "illegal base64 data at input byte %zu",
			                    bad);
		}
		o += n;
	}
	out[o] = '\0';
	*ret = out;
	*ret_len = o;
	return 0;
}
