/* SPDX-License-Identifier: Apache-2.0 */
/* Capabilities: names ↔ numbers, parsing the five OCI sets, and applying
 * them in the child (bounding drop, capset, ambient) with raw syscalls. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/error.h"

static const char *const cap_names[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

#define N_CAP_NAMES ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

int rt_cap_from_name(const char *name)
{
	if (name == NULL)
		return -EINVAL;
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (int i = 0; i < N_CAP_NAMES; i++)
		if (strcasecmp(name, cap_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *rt_cap_name(int cap)
{
	return cap >= 0 && cap < N_CAP_NAMES ? cap_names[cap] : NULL;
}

int rt_cap_last(void)
{
	static int last = -1;
	char buf[32] = "";
	FILE *f;

	if (last >= 0)
		return last;
	f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			last = (int)strtol(buf, NULL, 10);
		(void)fclose(f);
	}
	if (last <= 0 || last > 63)
		last = N_CAP_NAMES - 1;
	return last;
}

int rt_caps_parse(json_object *arr, const char *field, uint64_t *ret, struct pp_error *err)
{
	uint64_t mask = 0;
	size_t n;

	if (arr == NULL) {
		*ret = 0;
		return 0;
	}
	if (!json_object_is_type(arr, json_type_array))
		return pp_error_msg(err, EINVAL, "%s: expected an array", field);
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		int cap;

		if (!json_object_is_type(e, json_type_string))
			return pp_error_msg(err, EINVAL, "%s[%zu]: expected a string", field, i);
		cap = rt_cap_from_name(json_object_get_string(e));
		if (cap < 0)
			return pp_error_msg(err, EINVAL, "%s[%zu]: unknown capability '%s'", field,
			                    i, json_object_get_string(e));
		/* A cap this kernel does not know is dropped, as runc warns and does. */
		if (cap <= rt_cap_last())
			mask |= UINT64_C(1) << cap;
	}
	*ret = mask;
	return 0;
}

int rt_caps_drop_bounding(const struct rt_caps *caps, struct pp_error *err)
{
	uint64_t keep = caps->bounding;
	int last = rt_cap_last();

	for (int c = 0; c <= last; c++) {
		if (keep & (UINT64_C(1) << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return pp_error(err, errno, "drop capability %d from the bounding set", c);
	}
	return 0;
}

static int set_ambient(uint64_t ambient, struct pp_error *err)
{
	int last = rt_cap_last();

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return pp_error(err, errno, "clear ambient capabilities");
	for (int c = 0; c <= last; c++) {
		if (!(ambient & (UINT64_C(1) << c)))
			continue;
		/* Ambient needs the cap in permitted and inheritable; runc ignores
		 * failures here too, since older kernels lack ambient caps. */
		(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
	}
	return 0;
}

int rt_caps_apply(const struct rt_caps *caps, struct pp_error *err)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(caps->effective >> (32 * i));
		data[i].permitted = (uint32_t)(caps->permitted >> (32 * i));
		data[i].inheritable = (uint32_t)(caps->inheritable >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return pp_error(err, errno, "capset");
	return set_ambient(caps->ambient, err);
}
