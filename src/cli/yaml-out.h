/* SPDX-License-Identifier: Apache-2.0 */
/* A json-c object printed as YAML the way kubectl -o yaml prints it: keys
 * sorted, block style, sequences at their key's indentation, strings quoted
 * only when a plain scalar would read back as something else. */
#pragma once

#include <json-c/json.h>
#include <stdio.h>

/* Print o (an object, array or scalar) as one YAML document to f. */
void yaml_print(FILE *f, json_object *o);
