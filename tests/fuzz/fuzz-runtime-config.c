/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the runtime's OCI config.json parser (what `pea
 * create` reads from a bundle): any input must parse or fail cleanly, and a
 * config that parses keeps the contract the runtime relies on. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "runtime/internal.h"
#include "util/error.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_config(const struct rt_config *c)
{
	if (c->root_path == NULL || c->root_path[0] != '/')
		abort();
	if (c->process.args == NULL || c->process.args[0] == NULL || c->process.cwd[0] != '/')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_error err = {0};
	struct rt_config *c = NULL;
	json_object *j = NULL;

	if (size > RT_CONFIG_MAX_BYTES)
		return 0;
	if (json_parse_text((const char *)data, size, "config.json", &j, &err) < 0)
		return 0;
	if (rt_config_parse(j, "/fuzz-bundle", &c, &err) == 0) {
		check_config(c);
		rt_config_free(c);
	}
	json_object_put(j);
	return 0;
}
