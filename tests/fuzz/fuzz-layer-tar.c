/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for layer unpacking: any input (a tar, plain or gzip, or
 * garbage) is unpacked into a fresh folder under the process's scratch
 * folder and then removed. No entry may land beside that folder, and the
 * unpacker must leave nothing behind when the diff_id does not match (the
 * fuzz input never matches the all-zero one given). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <sys/stat.h>

#include "fuzz-util.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define NO_DIFFID "0000000000000000000000000000000000000000000000000000000000000000"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *layers_dir;
	struct pp_error err = {0};
	cleanup_close int fd = fuzz_memfd(data, size);

	if (layers_dir == NULL) {
		layers_dir = xstrfmt("%s/layers", fuzz_tmpdir());
		if (mkdir(layers_dir, 0700) < 0)
			abort();
	}
	if (img_layer_unpack(fd, layers_dir, NO_DIFFID, "fuzz", &err) == 0)
		abort(); /* unpacked content cannot hash to all zeros */
	fuzz_assert_only(layers_dir, NULL);
	fuzz_assert_only(fuzz_tmpdir(), "layers");
	return 0;
}
