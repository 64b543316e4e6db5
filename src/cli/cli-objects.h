/* SPDX-License-Identifier: Apache-2.0 */
/* The ConfigMap and Secret side of the kubectl verbs (cmd-objects.c): get,
 * describe, delete and apply of one object, and `create` (cmd-create.c). */
#pragma once

#include <stdbool.h>

#include "spec/object.h"

/* kubectl's names of the resource: "configmaps", "configmap", "cm",
 * "secrets", "secret". 0, or -1 for another word. */
int cli_kobj_resource(const char *word, enum kobj_kind *ret);

/* "configmap/NAME", "configmaps/NAME", "cm/NAME", "secret/NAME",
 * "secrets/NAME": the kind and NAME (borrowed from arg); NULL for another
 * word. */
const char *cli_kobj_typed_name(const char *arg, enum kobj_kind *ret_kind);

struct cli_kobj_get {
	const char *ns;
	bool all_ns;
	const char *output; /* NULL (the table), "wide", "json", "yaml", "name" */
	bool no_headers;
};

/* get: names (NULL-terminated; none: all of ns, or every namespace) as
 * kubectl prints them. Returns the exit status (1 when one is missing). */
int cli_kobj_get(enum kobj_kind kind, char *const *names, const struct cli_kobj_get *o);

/* describe: kubectl's layout; a Secret's values are never printed, only
 * their sizes. No names: every object of ns. Returns the exit status. */
int cli_kobj_describe(enum kobj_kind kind, char *const *names, const char *ns);

/* delete: `configmap "x" deleted`, or NotFound (0 when ignore_not_found).
 * Returns the exit status. */
int cli_kobj_delete(enum kobj_kind kind, const char *ns, const char *name, bool ignore_not_found);

/* apply: store o and print `configmap/x created|configured|unchanged`, or
 * the API server's refusal. Returns 0 or -1. */
int cli_kobj_apply(const struct kobj *o);

/* Print o as -o yaml|json|name prints it. */
void cli_kobj_print(const struct kobj *o, const char *output);
