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
#include <unistd.h>

#include <sys/statvfs.h>

#include "pod/projected.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
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

static const char *map_get(char *const *keys, char *const *values, const char *key, size_t len)
{
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
		if (strlen(keys[i]) == len && strncmp(keys[i], key, len) == 0)
			return values[i];
	return "";
}

/* metadata.labels['k'] → the value of k in keys/values ("" when absent). */
static bool subscript(const char *fp, const char *base, char *const *keys, char *const *values,
                      char **ret)
{
	size_t n = strlen(base), len = strlen(fp);

	if (strncmp(fp, base, n) != 0 || strncmp(fp + n, "['", 2) != 0 || len < n + 4 ||
	    strcmp(fp + len - 2, "']") != 0)
		return false;
	*ret = xstrdup(map_get(keys, values, fp + n + 2, len - n - 4));
	return true;
}

int pod_downward_field(const struct pod *pod, const char *field_path, char **ret,
                       struct pp_error *err)
{
	const char *fp = field_path;

	if (strcmp(fp, "metadata.name") == 0)
		*ret = xstrdup(pod->name);
	else if (strcmp(fp, "metadata.namespace") == 0)
		*ret = xstrdup(pod->namespace_);
	else if (strcmp(fp, "metadata.uid") == 0)
		*ret = xstrdup(pod->uid ? pod->uid : "");
	else if (strcmp(fp, "metadata.labels") == 0)
		*ret = pod_downward_map(pod->label_keys, pod->label_values);
	else if (strcmp(fp, "metadata.annotations") == 0)
		*ret = pod_downward_map(pod->annotation_keys, pod->annotation_values);
	else if (!subscript(fp, "metadata.labels", pod->label_keys, pod->label_values, ret) &&
	         !subscript(fp, "metadata.annotations", pod->annotation_keys,
	                    pod->annotation_values, ret))
		return pp_error_msg(err, EINVAL, "unsupported fieldPath: %s", fp);
	return 0;
}

static const struct pod_container *any_container(const struct pod *pod, const char *name)
{
	const struct pod_container *c = pod_container_find(pod, name);

	for (size_t i = 0; c == NULL && i < pod->n_init_containers; i++)
		if (strcmp(pod->init_containers[i].name, name) == 0)
			c = &pod->init_containers[i];
	return c;
}

/* The node's allocatable: CPUs (millicores), memory and the root's disk
 * (bytes), as the limits of a container without one. */
static uint64_t node_allocatable(const char *what, const char *root)
{
	cleanup_free char *mem = NULL;
	struct statvfs sv;
	const char *p;

	if (strcmp(what, "cpu") == 0)
		return (uint64_t)sysconf(_SC_NPROCESSORS_ONLN) * 1000;
	if (strcmp(what, "ephemeral-storage") == 0)
		return statvfs(root, &sv) == 0 ? (uint64_t)sv.f_blocks * sv.f_frsize : 0;
	if (fs_read_all("/proc/meminfo", 1 << 16, &mem, NULL, NULL) < 0 ||
	    (p = strstr(mem, "MemTotal:")) == NULL)
		return 0;
	return strtoull(p + 9, NULL, 10) * 1024;
}

int pod_downward_resource(const struct pod *pod, const struct pod_downward_file *f,
                          const char *root, char **ret, struct pp_error *err)
{
	const struct pod_container *c = any_container(pod, f->rf_container);
	bool limits = strncmp(f->rf_resource, "limits.", 7) == 0;
	const char *what = strchr(f->rf_resource, '.') + 1;
	const struct pod_resource_list *l;
	const struct pod_quantity *q = NULL;
	uint64_t v = 0, d = 0;
	bool cpu = strcmp(what, "cpu") == 0;
	int r;

	if (c == NULL)
		return pp_error_msg(err, ENOENT, "container %s not found", f->rf_container);
	l = limits ? &c->limits : &c->requests;
	q = cpu ? &l->cpu : strcmp(what, "memory") == 0 ? &l->memory : NULL;
	if (q != NULL && q->set)
		v = q->value;
	else if (limits)
		v = node_allocatable(what, root);
	r = cpu ? pod_quantity_parse_milli(f->rf_divisor ? f->rf_divisor : "1", &d)
	        : pod_quantity_parse(f->rf_divisor ? f->rf_divisor : "1", &d);
	if (r < 0 || d == 0)
		return pp_error_msg(err, EINVAL, "invalid divisor %s", f->rf_divisor);
	*ret = xstrfmt("%llu", (unsigned long long)((v + d - 1) / d));
	return 0;
}
