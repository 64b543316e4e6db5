/* SPDX-License-Identifier: Apache-2.0 */
/* The device cgroup of a container: its rules written to the v1 devices
 * hierarchy (hybrid hosts), and the same verdicts as an eBPF program
 * attached to its v2 folder where there is no v1 devices hierarchy (a pure
 * v2 host), as runc and systemd choose on a hybrid host. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define DEVICES_V1 "/sys/fs/cgroup/devices"

bool rt_cgroup_devices_v1_mounted(void)
{
	return access(DEVICES_V1 "/devices.allow", F_OK) == 0;
}

/* As runc's v1 devices group: "a" to devices.deny (an empty whitelist),
 * then every rule in order to devices.allow or devices.deny. */
int rt_cgroup_devices_v1(const char *rel, const struct rt_config *c, struct pp_error *err)
{
	cleanup_free char *dir = NULL;
	int r;

	if (!rt_cgroup_devices_v1_mounted())
		return 0; /* no v1 devices hierarchy: the eBPF program alone */
	dir = xstrfmt("%s%s", DEVICES_V1, rel);
	r = fs_mkdir_p(dir, 0755, err);
	if (r >= 0)
		r = rt_cgroup_write(dir, "devices.deny", "a", err);
	for (size_t i = 0; r >= 0 && i < c->n_dev_rules; i++) {
		const struct rt_dev_rule *d = &c->dev_rules[i];
		char buf[64];

		rt_dev_rule_format(d, buf);
		r = rt_cgroup_write(dir, d->allow ? "devices.allow" : "devices.deny", buf, err);
	}
	if (r < 0)
		return pp_error_prefix(err, r, "linux.resources.devices: cgroup v1");
	return 0;
}

static int prog_load(const void *insns, size_t n, char *log, size_t log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
	if (log != NULL) {
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)log_size;
		attr.log_level = 1;
	}
	return sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* Load the program; on failure the verifier's first line explains why. */
static int load(const struct rt_config *c, struct pp_error *err)
{
	cleanup_free void *insns = NULL;
	char log[4096] = "";
	size_t n = 0;
	int fd, e;

	rt_dev_bpf_build(&c->dev_policy, &insns, &n);
	fd = prog_load(insns, n, NULL, 0);
	if (fd >= 0)
		return fd;
	e = errno;
	if (prog_load(insns, n, log, sizeof(log)) < 0 && log[0] != '\0') {
		log[strcspn(log, "\n")] = '\0';
		return pp_error_msg(err, e, "load the eBPF device program: %s (%s)", strerror(e),
		                    log);
	}
	return pp_error_msg(err, e, "load the eBPF device program: %s", strerror(e));
}

int rt_cgroup_devices_bpf(const char *v2_dir, const struct rt_config *c, struct pp_error *err)
{
	cleanup_close int prog = -1, cg = -1;
	union bpf_attr attr;

	prog = load(c, err);
	if (prog < 0)
		return pp_error_prefix(err, prog, "linux.resources.devices");
	cg = open(v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return pp_error(err, errno, "linux.resources.devices: open '%s'", v2_dir);
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cg;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	/* The cgroup keeps the program once attached; our fds can go. */
	if (sys_bpf(BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
		return pp_error(err, errno,
		                "linux.resources.devices: attach the eBPF device program to '%s'",
		                v2_dir);
	return 0;
}
