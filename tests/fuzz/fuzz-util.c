/* SPDX-License-Identifier: Apache-2.0 */
/* Scratch folder and memfd helpers for the libFuzzer harnesses. */
#include "fuzz-util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char *tmpdir;

static void remove_tmpdir(void)
{
	(void)fs_rm_rf(tmpdir, NULL); /* at exit, nothing to report to */
	free(tmpdir);
}

const char *fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir != NULL)
		return tmpdir;
	/* tmpfs by default: the image code fsyncs what it writes */
	if (base == NULL)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	tmpdir = xstrfmt("%s/peapod-fuzz-XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		abort();
	}
	if (atexit(remove_tmpdir) != 0)
		abort();
	return tmpdir;
}

int fuzz_memfd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);

	if (fd < 0 || fs_write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		abort();
	return fd;
}

void fuzz_assert_only(const char *path, const char *keep)
{
	cleanup_dir DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (keep == NULL || strcmp(de->d_name, keep) != 0) {
			(void)fprintf(stderr, "fuzz: '%s/%s' left behind\n", path, de->d_name);
			abort();
		}
	}
}
