/* SPDX-License-Identifier: Apache-2.0 */
/* metadata.labels and metadata.annotations: qualified-name keys, label
 * values, the annotations size limit, as the API server checks them. */
#include <errno.h>
#include <string.h>

#include "spec/validate.h"
#include "util/error.h"

#define QNAME_RE "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG                                                                                 \
	"name part must consist of alphanumeric characters, '-', '_' or '.', and must start and " \
	"end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "       \
	"regex used for validation is '" QNAME_RE "')"
#define LABEL_VALUE_MSG                                                                             \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or " \
	"'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "          \
	"'my_value',  or '12345', regex used for validation is '(" QNAME_RE ")?')"
#define ANNOTATIONS_MAX ((size_t)256 * 1024)

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] on s[0..n) */
static bool is_qname_part(const char *s, size_t n)
{
	if (n == 0 || !pod_is_alnum(s[0]) || !pod_is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!pod_is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

int pod_check_qualified_name(const char *path, const char *key, struct pp_error *err)
{
	const char *slash = strchr(key, '/');
	const char *name = slash != NULL ? slash + 1 : key;

	if (slash != NULL) {
		char prefix[254];
		size_t n = (size_t)(slash - key);

		if (n == 0)
			return pod_invalid(path, key, "prefix part must be non-empty", err);
		if (n > 253)
			return pod_invalid(path, key,
			                   "prefix part must be no more than 253 characters", err);
		memcpy(prefix, key, n);
		prefix[n] = '\0';
		if (!pod_is_dns1123_subdomain(prefix))
			return pod_invalid(path, key, "prefix part " DNS1123_SUBDOMAIN_MSG, err);
		if (strchr(name, '/') != NULL)
			return pod_invalid(
			    path, key,
			    QNAME_MSG
			    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
			    err);
	}
	if (name[0] == '\0')
		return pod_invalid(path, key, "name part must be non-empty", err);
	if (strlen(name) > 63)
		return pod_invalid(path, key, "name part must be no more than 63 characters", err);
	if (!is_qname_part(name, strlen(name)))
		return pod_invalid(path, key, QNAME_MSG, err);
	return 0;
}

int pod_check_label_value(const char *path, const char *v, struct pp_error *err)
{
	if (strlen(v) > 63)
		return pod_invalid(path, v, "must be no more than 63 characters", err);
	if (v[0] != '\0' && !is_qname_part(v, strlen(v)))
		return pod_invalid(path, v, LABEL_VALUE_MSG, err);
	return 0;
}

int pod_check_labels(char *const *keys, char *const *values, struct pp_error *err)
{
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
		const char *v = values[i];
		int r = pod_check_qualified_name("metadata.labels", keys[i], err);

		if (r < 0)
			return r;
		r = pod_check_label_value("metadata.labels", v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int pod_check_annotations(char *const *keys, char *const *values, struct pp_error *err)
{
	size_t total = 0;

	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
		int r = pod_check_qualified_name("metadata.annotations", keys[i], err);

		if (r < 0)
			return r;
		total += strlen(keys[i]) + strlen(values[i]);
	}
	if (total > ANNOTATIONS_MAX)
		return pp_error_msg(err, EINVAL,
		                    "metadata.annotations: Too long: must have at most %zu bytes",
		                    ANNOTATIONS_MAX);
	return 0;
}
