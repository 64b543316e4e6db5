/* SPDX-License-Identifier: Apache-2.0 */
/* What a container's processes inherit besides their stdio, as runc does:
 * a session keyring of their own ("_ses.<id>", unless --no-new-keyring),
 * and the caller's fds 3..3+N-1 with --preserve-fds N. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>

#include "runtime/internal.h"
#include "util/error.h"
#include "util/syscall.h"

/* runc's ModKeyringPerm setbits: user "search", so that exec's processes
 * can join the same keyring by name. */
#define KEYRING_USER_SEARCH 0x080000u

int rt_keyring_join(const char *id, struct pp_error *err)
{
	char name[1100], desc[1200], *p, *end = NULL;
	unsigned perm = 0;
	long key;

	(void)snprintf(name, sizeof(name), "_ses.%s", id);
	key = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
	if (key < 0) {
		/* keyrings compiled out, or unavailable in this user namespace */
		if (errno == ENOSYS || errno == EACCES)
			return 0;
		return pp_error(err, errno, "join session keyring '%s'", name);
	}
	/* "keyring;uid;gid;perm;name" */
	if (syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, desc, sizeof(desc), 0) < 0)
		return pp_error(err, errno, "describe session keyring '%s'", name);
	desc[sizeof(desc) - 1] = '\0';
	p = desc;
	for (int i = 0; i < 3 && p != NULL; i++) {
		p = strchr(p, ';');
		p = p != NULL ? p + 1 : NULL;
	}
	if (p != NULL)
		perm = (unsigned)strtoul(p, &end, 16);
	if (p == NULL || end == p || *end != ';')
		return pp_error_msg(
		    err, EINVAL, "session keyring '%s': unexpected description '%s'", name, desc);
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, key, perm | KEYRING_USER_SEARCH, 0, 0) < 0)
		return pp_error(err, errno, "set the permissions of session keyring '%s'", name);
	return 0;
}

int rt_fds_close_from(unsigned preserve, struct pp_error *err)
{
	for (unsigned fd = 3; fd < 3 + preserve; fd++)
		if (fcntl((int)fd, F_SETFD, 0) < 0 && errno != EBADF)
			return pp_error(err, errno, "--preserve-fds: fd %u", fd);
	if (sys_close_range(3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return pp_error(err, errno, "close_range");
	return 0;
}
