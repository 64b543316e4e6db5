/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 checked as Go's unicode/utf8 checks it (kubectl's and the API
 * server's rule for text). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The length of the UTF-8 sequence at s (n > 0 bytes left), 0 when it is
 * not a valid one: no overlong form, surrogate or code point above
 * U+10FFFF (Go's utf8.Valid). */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* Is s[0..n) valid UTF-8 throughout? */
bool utf8_valid(const unsigned char *s, size_t n);
