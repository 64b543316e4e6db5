/* SPDX-License-Identifier: Apache-2.0 */
/* What the libFuzzer harnesses share: a private scratch folder for the
 * process and fuzz input handed over as a file descriptor. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The process's scratch folder, peapod-fuzz-XXXXXX in $TMPDIR (else
 * /dev/shm, else /tmp), made on the first call and removed at exit. Static
 * string; aborts when it cannot be made. */
const char *fuzz_tmpdir(void);

/* A memfd holding size bytes of data, offset 0. Caller closes; aborts on
 * failure (a harness error, not a finding). */
int fuzz_memfd(const uint8_t *data, size_t size);

/* Abort unless folder path exists and holds nothing but keep (NULL: nothing
 * at all), so nothing escaped into it or was left behind there. */
void fuzz_assert_only(const char *path, const char *keep);
