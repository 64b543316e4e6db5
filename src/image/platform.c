/* SPDX-License-Identifier: Apache-2.0 */
/* This machine's platform as image indexes name it (image-spec
 * image-index.md "platform": os, GOARCH architecture, variant), and the
 * choice of one manifest from an index or a Docker manifest list. */
#include <json-c/json.h>
#include <string.h>

#include <sys/utsname.h>

#include "image/image.h"
#include "image/internal.h"
#include "util/json.h"

struct arch_name {
	const char *machine; /* uname -m */
	const char *arch;    /* Go's GOARCH */
	const char *variant; /* NULL: any */
	const char *want;    /* how errors name it */
};

static const struct arch_name arches[] = {
    {"x86_64", "amd64", NULL, "linux/amd64"},
    {"aarch64", "arm64", NULL, "linux/arm64"},
    {"armv7l", "arm", "v7", "linux/arm/v7"},
    {"armv6l", "arm", "v6", "linux/arm/v6"},
    {"i686", "386", NULL, "linux/386"},
    {"i386", "386", NULL, "linux/386"},
    {"ppc64le", "ppc64le", NULL, "linux/ppc64le"},
    {"s390x", "s390x", NULL, "linux/s390x"},
    {"riscv64", "riscv64", NULL, "linux/riscv64"},
};

static const struct arch_name *machine_arch(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return NULL;
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (strcmp(u.machine, arches[i].machine) == 0)
			return &arches[i];
	return NULL;
}

const char *img_machine_arch(void)
{
	const struct arch_name *a = machine_arch();
	static struct utsname u;

	if (a != NULL)
		return a->arch;
	return uname(&u) == 0 ? u.machine : "unknown";
}

static bool platform_matches(json_object *platform, const struct arch_name *a)
{
	const char *os = json_get_str(platform, "os");
	const char *arch = json_get_str(platform, "architecture");
	const char *variant = json_get_str(platform, "variant");

	if (platform == NULL)
		return true;
	if (os == NULL || arch == NULL || strcmp(os, "linux") != 0 || strcmp(arch, a->arch) != 0)
		return false;
	return a->variant == NULL || variant == NULL || strcmp(variant, a->variant) == 0;
}

struct json_object *img_index_pick(struct json_object *index, const char **ret_want)
{
	const struct arch_name *a = machine_arch();
	json_object *ms = json_get_arr(index, "manifests");

	if (ret_want != NULL)
		*ret_want = a ? a->want : "linux/(unknown architecture)";
	for (size_t i = 0; a && ms && i < json_object_array_length(ms); i++) {
		json_object *d = json_object_array_get_idx(ms, i);

		if (json_object_is_type(d, json_type_object) &&
		    platform_matches(json_get_obj(d, "platform"), a))
			return d;
	}
	return NULL;
}
