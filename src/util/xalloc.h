/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation that aborts on out-of-memory: acceptable for our short-lived
 * CLI, runtime and monitor processes (crun's utils.h does the same). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* xstrdup(NULL) returns NULL. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
int xasprintf(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns a newly allocated string; caller frees. */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Number of strings in a NULL-terminated vector (0 for NULL). */
size_t strv_len(char *const *v);
/* Is s one of v's strings (v may be NULL)? */
bool strv_contains(char *const *v, const char *s);
/* Append a copy of s to *v (NULL-terminated, reallocated). */
void strv_push(char ***v, const char *s);
/* Deep copy; NULL stays NULL. Caller frees with strv_free(). */
char **strv_dup(char *const *v);
/* Sort v (NULL: nothing) in strcmp order, in place. */
void strv_sort(char **v);
/* The strings of v (NULL: none) with sep between them. Caller frees. */
char *strv_join(char *const *v, const char *sep);
