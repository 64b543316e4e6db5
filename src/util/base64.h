/* SPDX-License-Identifier: Apache-2.0 */
/* Standard base64 (RFC 4648 section 4, padded), decoded with the rules of
 * Go's base64.StdEncoding that the API server applies to []byte fields:
 * CR and LF are skipped, padding is required, errors name the byte. */
#pragma once

#include <stddef.h>

struct pp_error;

/* The base64 text of len bytes; caller frees. */
char *b64_encode(const void *data, size_t len);

/* Decode len bytes of text into *ret (caller frees; NUL-terminated, the NUL
 * not counted in *ret_len). Malformed input is -EINVAL with err
 * `illegal base64 data at input byte N` (N as Go counts it). 0 or -EINVAL. */
int b64_decode(const char *text, size_t len, unsigned char **ret, size_t *ret_len,
               struct pp_error *err);
