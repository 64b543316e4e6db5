/* SPDX-License-Identifier: Apache-2.0 */
/* sc-probe OP [PID]: calls one system call a seccomp profile may deny and
 * prints "OP: ok" or "OP: errno N (NAME)", for 26-pod-seccomp.bats.
 * OP: unshare (a mount namespace), mount (a tmpfs on /tmp/sc-probe),
 * keyctl (the session keyring), ptrace PID (attach, then detach),
 * vmread PID (process_vm_readv of one byte of PID's stack page). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define KEYCTL_GET_KEYRING_ID    0
#define KEY_SPEC_SESSION_KEYRING (-3)

static int report(const char *op, long r)
{
	if (r >= 0) {
		printf("%s: ok\n", op);
		return 0;
	}
	printf("%s: errno %d (%s)\n", op, errno, strerror(errno));
	return 1;
}

static long do_ptrace(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return -1;
	(void)waitpid(pid, &status, __WALL);
	(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}

/* One byte at the address of a local of ours: the same address is mapped
 * in a busybox process more often than not, and EFAULT still means the
 * call was allowed. */
static long do_vmread(pid_t pid)
{
	char byte, local = 0;
	struct iovec l = {&byte, 1}, r = {&local, 1};
	long n = syscall(SYS_process_vm_readv, pid, &l, 1, &r, 1, 0);

	return n < 0 && errno == EFAULT ? 0 : n;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	pid_t pid = argc > 2 ? (pid_t)strtol(argv[2], NULL, 10) : 0;

	if (strcmp(op, "unshare") == 0)
		return report(op, unshare(CLONE_NEWNS));
	if (strcmp(op, "mount") == 0) {
		(void)mkdir("/tmp/sc-probe", 0755);
		return report(op, mount("tmpfs", "/tmp/sc-probe", "tmpfs", 0, NULL));
	}
	if (strcmp(op, "keyctl") == 0)
		return report(
		    op, syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
	if (strcmp(op, "ptrace") == 0 && pid > 0)
		return report(op, do_ptrace(pid));
	if (strcmp(op, "vmread") == 0 && pid > 0)
		return report(op, do_vmread(pid));
	fprintf(stderr, "usage: sc-probe unshare|mount|keyctl|ptrace PID|vmread PID\n");
	return 2;
}
