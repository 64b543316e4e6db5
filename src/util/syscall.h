/* SPDX-License-Identifier: Apache-2.0 */
/* Raw syscalls that glibc 2.36 does not wrap (or wraps too recently). Each
 * returns -1 and sets errno on failure, like libc. This file is the only
 * place that calls syscall(2). */
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/openat2.h>
#include <sys/types.h>

union bpf_attr;
struct clone_args;
struct mount_attr;

int sys_pivot_root(const char *new_root, const char *put_old);
/* Returns a pidfd (O_CLOEXEC is implied by the kernel). */
int sys_pidfd_open(pid_t pid, unsigned int flags);
int sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags);
int sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size);
long sys_clone3(struct clone_args *args, size_t size);
int sys_close_range(unsigned int first, unsigned int last, unsigned int flags);
int sys_open_tree(int dirfd, const char *path, unsigned int flags);
int sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
                   unsigned int flags);
int sys_mount_setattr(int dirfd, const char *path, unsigned int flags, struct mount_attr *attr,
                      size_t size);
/* bpf(2): cmd BPF_PROG_LOAD, BPF_PROG_ATTACH... on attr of size bytes. */
int sys_bpf(int cmd, union bpf_attr *attr, unsigned int size);
