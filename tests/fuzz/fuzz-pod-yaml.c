/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the manifest parsers (Pods alone, and streams of
 * Pods, ConfigMaps and Secrets): any input must parse or fail cleanly, and
 * whatever parses must round-trip through JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "spec/manifest.h"
#include "spec/object.h"
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

static void check_object_round_trip(const struct kobj *o)
{
	struct pp_error err = {0};
	struct kobj *again = NULL;
	json_object *j = kobj_to_json(o);

	if (kobj_from_json(j, &again, &err) != 0 || !kobj_equal(o, again))
		abort();
	kobj_free(again);
	json_object_put(j);
}

static void check_stream(const uint8_t *data, size_t size)
{
	struct pp_error err = {0};
	struct manifest_doc *docs = NULL;
	struct manifest_ref *refs = NULL;
	size_t n = 0;

	if (manifest_parse((const char *)data, size, "fuzz", &docs, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			if (docs[i].obj != NULL)
				check_object_round_trip(docs[i].obj);
		manifest_docs_free(docs, n);
	}
	if (manifest_parse_refs((const char *)data, size, "fuzz", &refs, &n, &err) == 0)
		manifest_refs_free(refs, n);
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
	check_stream(data, size);
	return 0;
}
