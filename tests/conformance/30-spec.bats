#!/usr/bin/env bats
# The rest of config.md and config-linux.md for Linux, as runc and crun
# implement it: mount extensions (tmpcopyup), sysctl, personality,
# oomScoreAdj, scheduler, ioPriority, timeOffsets, memoryPolicy, intelRdt,
# a joined uts namespace with hostname, seccomp notify, user namespaces.

load helpers

# add_mount NAME MOUNT_JSON: append one entry to mounts.
add_mount() { # NAME JSON
	bundle_set "$1" ".mounts += [$2]"
}

@test "mounts: tmpcopyup copies the folder's content into the new tmpfs" {
	make_bundle c '["sh", "-c", "grep -q tmpfs.*/etc /proc/mounts && cat /etc/passwd && stat -c %a:%u /etc/sub/f && echo new >/etc/sub/g && cat /etc/sub/g"]' >/dev/null
	mkdir "$TMP/c/rootfs/etc/sub"
	echo old >"$TMP/c/rootfs/etc/sub/f"
	chmod 640 "$TMP/c/rootfs/etc/sub/f"
	chown 7:7 "$TMP/c/rootfs/etc/sub/f"
	add_mount c '{"destination": "/etc", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "nosuid"]}'
	bundle_set c '.root.readonly = true'
	run_bundle c
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'root:x:0:0:root:/:/bin/sh' ]
	[ "${lines[2]}" = '640:7' ]
	[ "${lines[3]}" = new ]
	# written in the tmpfs, not in the rootfs
	[ ! -e "$TMP/c/rootfs/etc/sub/g" ]
}

@test "mounts: tmpcopyup on a read-only tmpfs still copies" {
	make_bundle c '["sh", "-c", "cat /etc/passwd | head -1; touch /etc/x"]' >/dev/null
	add_mount c '{"destination": "/etc", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "ro"]}'
	run_bundle c
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = 'root:x:0:0:root:/:/bin/sh' ]
	[[ "$output" == *"Read-only file system"* ]]
}
