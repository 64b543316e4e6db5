/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound cleanup (GNU cleanup attribute) and ownership hand-off. Every
 * helper tests the pointee, so an already-taken value is a no-op. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define cleanup_(fn) __attribute__((cleanup(fn)))

static inline void cleanup_free_fn(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_close_fn(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		(void)close(*fd); /* nothing useful to do on close failure of a read fd */
		errno = saved;
	}
}

static inline void cleanup_fclose_fn(FILE **f)
{
	if (*f != NULL)
		(void)fclose(*f);
}

static inline void cleanup_dir_fn(DIR **d)
{
	if (*d != NULL)
		(void)closedir(*d);
}

/* Free a NULL-terminated vector of strings. */
static inline void strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

static inline void cleanup_strv_fn(char ***v)
{
	strv_free(*v);
}

#define cleanup_free   cleanup_(cleanup_free_fn)
#define cleanup_close  cleanup_(cleanup_close_fn)
#define cleanup_fclose cleanup_(cleanup_fclose_fn)
#define cleanup_dir    cleanup_(cleanup_dir_fn)
#define cleanup_strv   cleanup_(cleanup_strv_fn)

/* Return *pp and set it to NULL: the caller takes ownership. */
#define take_ptr(pp)                                     \
	({                                               \
		__typeof__(*(pp)) take_ptr_tmp_ = *(pp); \
		*(pp) = NULL;                            \
		take_ptr_tmp_;                           \
	})

/* Return *fdp and set it to -1: the caller takes the fd. */
static inline int take_fd(int *fdp)
{
	int fd = *fdp;

	*fdp = -1;
	return fd;
}
