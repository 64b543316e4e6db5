/* SPDX-License-Identifier: Apache-2.0 */
/* The downward API's values as the kubelet writes them in files: pod
 * fields (pkg/fieldpath: FormatMap's sorted `key="value"` lines, values
 * quoted as Go's %q) and container resources (pkg/api/v1/resource:
 * ExtractContainerResourceValue, limits defaulting to the node's
 * allocatable). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pod/env.h"
#include "pod/projected.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

/* The length of the valid UTF-8 sequence at s (1 when not one). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 1;

	if (s[0] < 0x80 || n == 1)
		return 1;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

static void quote_byte(FILE *f, unsigned char c)
{
	static const char esc[] = "\aa\bb\ff\nn\rr\tt\vv\\\\\"\"";
	const char *e = c != 0 ? memchr(esc, c, sizeof(esc) - 1) : NULL;

	if (e != NULL && (e - esc) % 2 == 0)
		(void)fprintf(f, "\\%c", e[1]);
	else if (c < 0x20 || c >= 0x7f)
		(void)fprintf(f, "\\x%02x", c);
	else
		(void)fputc(c, f);
}

char *pod_downward_quote(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		abort(); /* out of memory, as x*alloc */
	(void)fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
		size_t n = utf8_len(p);

		if (n > 1)
			(void)fwrite(p, 1, n, f);
		else
			quote_byte(f, *p);
		p += n;
	}
	(void)fputc('"', f);
	(void)fclose(f);
	return buf;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

char *pod_downward_map(char *const *keys, char *const *values)
{
	size_t n = 0;
	cleanup_free char *const **idx = NULL;
	char *out = xstrdup("");

	while (keys != NULL && keys[n] != NULL)
		n++;
	idx = xcalloc(n + 1, sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		idx[i] = &keys[i];
	qsort(idx, n, sizeof(*idx), key_cmp);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *q = pod_downward_quote(values[idx[i] - keys]);
		char *next = xstrfmt("%s%s%s=%s", out, i > 0 ? "\n" : "", *idx[i], q);

		free(out);
		out = next;
	}
	return out;
}

int pod_downward_field(const struct pod *pod, const char *field_path, char **ret,
                       struct pp_error *err)
{
	static const struct pod_env_ctx none = {0};
	char *v;

	if (strcmp(field_path, "metadata.labels") == 0)
		v = pod_downward_map(pod->label_keys, pod->label_values);
	else if (strcmp(field_path, "metadata.annotations") == 0)
		v = pod_downward_map(pod->annotation_keys, pod->annotation_values);
	else
		v = pod_env_field_value(pod, &none, field_path, err);
	if (v == NULL)
		return -EINVAL;
	*ret = v;
	return 0;
}

int pod_downward_resource(const struct pod *pod, const struct pod_downward_file *f,
                          const char *root, char **ret, struct pp_error *err)
{
	struct pod_env_ctx ctx = {0};
	const struct pod_env_source src = {.has_resource_ref = true,
	                                   .container_name = f->rf_container,
	                                   .resource = f->rf_resource,
	                                   .divisor = f->rf_divisor};
	char *v;

	if (f->rf_container == NULL)
		return pp_error_msg(err, EINVAL, "resourceFieldRef: no containerName");
	pod_env_node_allocatable(root, &ctx);
	v = pod_env_resource_value(pod, NULL, &ctx, &src, err);
	if (v == NULL)
		return -EINVAL;
	*ret = v;
	return 0;
}
