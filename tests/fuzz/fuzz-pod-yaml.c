/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the Pod manifest parser: any input must parse or
 * fail cleanly, and whatever parses must round-trip through JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "spec/pod.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct pod *pod)
{
	struct pp_error err = {0};
	struct pod *again = NULL;
	json_object *o = pod_spec_to_json(pod);

	if (pod_spec_from_json(o, &again, &err) != 0 || !pod_spec_equal(pod, again))
		abort();
	pod_free(again);
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_error err = {0};
	struct pod *pods = NULL;
	size_t n = 0;

	if (pod_spec_parse_yaml((const char *)data, size, "fuzz", &pods, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			check_round_trip(&pods[i]);
		pod_free_all(pods, n);
	}
	return 0;
}
