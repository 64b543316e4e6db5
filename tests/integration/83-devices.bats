#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Device rules (config-linux.md "Device allowlist") and linux.devices: a
# container with CAP_MKNOD may mknod any node (runc's "c *:* m") but open
# only the allowed ones, under pea and in a pod, on this hybrid host (v1
# devices cgroup, as runc) and on a simulated pure cgroup v2 host (the eBPF
# program alone). /dev/kvm (10:232), /dev/loop-control (10:237) and
# /dev/fuse (10:229) are the test devices (HOST.md); the device cgroup
# refuses before the driver is looked up, so kvm needs no driver, but
# loop-control and fuse must exist for an allowed open to succeed.

# shellcheck disable=SC2016 # single-quoted container scripts
load helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$PEA" ] || skip "no pea binary at $PEA"
	[ -x /bin/busybox ] || skip "needs busybox-static"
	[ -c /dev/loop-control ] && [ -c /dev/fuse ] || skip "needs /dev/loop-control and /dev/fuse"
	TMP=$(mktemp -d /tmp/pea-dev.XXXXXX)
	ROOT=$TMP/state
	CG_PARENT="peadev-$$-${BATS_TEST_NUMBER}"
	PEAPOD_ROOT=
}

teardown() {
	[ -n "${TMP:-}" ] || return 0
	pea_teardown
	podman_teardown
	rm -rf "$TMP"
	teardown_root
}

# make_bundle NAME SCRIPT [DEVICE_RULES_JSON [LINUX_DEVICES_JSON]]: a busybox
# bundle in $TMP/NAME with containerd's default capabilities (CAP_MKNOD
# among them), running sh -c SCRIPT.
make_bundle() {
	local b=$TMP/$1
	mkdir -p "$b"/rootfs/{bin,proc,dev,sys,tmp}
	cp /bin/busybox "$b/rootfs/bin/busybox"
	for app in sh mknod cat head wc stat ls echo; do
		ln -s busybox "$b/rootfs/bin/$app"
	done
	python3 - "$b/config.json" "$1" "$2" "${3:-null}" "${4:-null}" "/$CG_PARENT/$1" <<'PY'
import json, sys
path, name, script, rules, devs, cg = sys.argv[1:]
caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
linux = {"cgroupsPath": cg,
         "namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "network")]}
if json.loads(rules) is not None:
    linux["resources"] = {"devices": json.loads(rules)}
if json.loads(devs) is not None:
    linux["devices"] = json.loads(devs)
cfg = {"ociVersion": "1.0.2",
       "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", script],
                   "env": ["PATH=/bin"], "cwd": "/",
                   "capabilities": {k: caps for k in ("bounding", "effective", "permitted")}},
       "root": {"path": "rootfs"}, "hostname": name,
       "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                   "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                  {"destination": "/sys", "type": "sysfs", "source": "sysfs",
                   "options": ["nosuid", "noexec", "nodev", "ro"]}],
       "linux": linux}
json.dump(cfg, open(path, "w"), indent=1)
PY
}

# pea_run NAME: run the bundle, in a private mount namespace with cgroup2 at
# /sys/fs/cgroup when LAYOUT=v2 (a pure v2 host, as 50-pod.bats does).
pea_run() {
	if [ "${LAYOUT:-hybrid}" = v2 ]; then
		timeout 30 unshare -m --propagation private sh -c '
			umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup &&
			exec "$0" --root "$1" run --bundle "$2" "$3" </dev/null' "$PEA" "$ROOT" "$TMP/$1" "$1"
	else
		timeout 30 "$PEA" --root "$ROOT" run --bundle "$TMP/$1" "$1" </dev/null
	fi
}

# In the container: open FILE read-write, and say how it went.
OPEN='try() { if (exec 3<>"$1") 2>/tmp/err; then echo "$1: opened"; else echo "$1: $(cat /tmp/err)"; fi; }
'
# denied FILE: the output has FILE's open refused with EPERM.
denied() {
	grep -qx "$1: sh: can't .*: Operation not permitted" <<<"$output"
}

# The default rules only: mknod is allowed, opening kvm and loop-control is
# not, the default devices work, and a node of /dev/null made by mknod in
# the same place opens (so the refusals are the device cgroup's, not nodev's).
check_defaults() {
	make_bundle c1 "$OPEN"'
		mknod /tmp/kv c 10 232 && echo "mknod kv ok"
		mknod /tmp/lc c 10 237 && echo "mknod lc ok"
		mknod /tmp/nul c 1 3 && echo "mknod nul ok"
		try /tmp/kv; try /tmp/lc; try /tmp/nul
		echo hi >/dev/null && echo "null ok"
		echo "zero $(head -c 4 /dev/zero | wc -c)"'
	run pea_run c1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mknod kv ok"* ]]
	[[ "$output" == *"mknod lc ok"* ]]
	denied /tmp/kv
	denied /tmp/lc
	[[ "$output" == *"/tmp/nul: opened"* ]]
	[[ "$output" == *"null ok"* ]]
	[[ "$output" == *"zero 4"* ]]
}

# A rule allowing 10:229 rw opens a node of it; kvm stays shut; and for
# the same device, the last rule wins.
check_rules() {
	local deny='{"allow": false, "access": "rwm"}'
	local fuse_rw='{"type": "c", "major": 10, "minor": 229, "access": "rw"}'
	make_bundle allow "$OPEN"'mknod /tmp/f c 10 229; mknod /tmp/kv c 10 232; try /tmp/f; try /tmp/kv' \
		"[$deny, {\"allow\": true, ${fuse_rw:1}]"
	run pea_run allow
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/tmp/f: opened"* ]]
	denied /tmp/kv

	make_bundle then-deny "$OPEN"'mknod /tmp/f c 10 229; try /tmp/f' \
		"[$deny, {\"allow\": true, ${fuse_rw:1}, {\"allow\": false, ${fuse_rw:1}]"
	run pea_run then-deny
	echo "$output"
	denied /tmp/f

	make_bundle then-allow "$OPEN"'mknod /tmp/f c 10 229; try /tmp/f' \
		"[$deny, {\"allow\": false, ${fuse_rw:1}, {\"allow\": true, ${fuse_rw:1}]"
	run pea_run then-allow
	echo "$output"
	[[ "$output" == *"/tmp/f: opened"* ]]

	# read allowed, write taken away again: a read-only open works, rw not
	make_bundle ro "$OPEN"'mknod /tmp/f c 10 229; try /tmp/f; (exec 3</tmp/f) && echo "read ok"' \
		"[$deny, {\"allow\": true, ${fuse_rw:1}, {\"allow\": false, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"w\"}]"
	run pea_run ro
	echo "$output"
	denied /tmp/f
	[[ "$output" == *"read ok"* ]]
}

@test "pea, hybrid host: mknod of kvm and loop-control works, opening them is not permitted" {
	check_defaults
	# pea run deleted the container: its v1 devices twin is gone too
	[ ! -e "/sys/fs/cgroup/devices/$CG_PARENT/c1" ]
}

@test "pea, hybrid host: a rule allows 10:229; for one device the last rule wins" {
	check_rules
}

@test "pea, pure cgroup v2 host (the eBPF program alone): the same refusals" {
	LAYOUT=v2 check_defaults
}

@test "pea, pure cgroup v2 host: a rule allows 10:229; for one device the last rule wins" {
	LAYOUT=v2 check_rules
}

@test "pea: the v1 devices cgroup gets 'a' denied, then the rules and runc's defaults" {
	[ -e /sys/fs/cgroup/devices/devices.list ] || skip "no v1 devices hierarchy"
	make_bundle list 'cat /proc/self/cgroup >/dev/null; sleep 30' '[{"allow": false, "access": "rwm"}]'
	"$PEA" --root "$ROOT" run -d --bundle "$TMP/list" list </dev/null
	run cat "/sys/fs/cgroup/devices/$CG_PARENT/list/devices.list"
	echo "$output"
	[[ "$output" == *"c *:* m"* ]]
	[[ "$output" == *"b *:* m"* ]]
	[[ "$output" == *"c 1:3 rwm"* ]]
	[[ "$output" == *"c 136:* rwm"* ]]
	[[ "$output" != *"c 10:232"* ]]
	pid=$("$PEA" --root "$ROOT" state list | grep -o '"pid": [0-9]*' | grep -o '[0-9]*$')
	grep -q ":devices:/$CG_PARENT/list\$" "/proc/$pid/cgroup"
}

@test "linux.devices: a node with its mode, owner and group, usable when allowed" {
	make_bundle nodes "$OPEN"'stat -c "%A %u %g %t:%T" /dev/myfuse /dev/kvm; try /dev/myfuse; try /dev/kvm; ls -l /dev/null' \
		'[{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}]' \
		'[{"path": "/dev/myfuse", "type": "c", "major": 10, "minor": 229, "fileMode": 416, "uid": 1000, "gid": 1001},
		  {"path": "/dev/kvm", "type": "c", "major": 10, "minor": 232}]'
	for LAYOUT in hybrid v2; do
		run pea_run nodes
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"crw-r----- 1000 1001 a:e5"* ]]
		[[ "$output" == *"crw-rw-rw- 0 0 a:e8"* ]]
		[[ "$output" == *"/dev/myfuse: opened"* ]]
		denied /dev/kvm
	done
}

# bad_config NAME RULES DEVICES FIELD: create fails with one error line
# naming FIELD, and leaves no state folder and no cgroup behind.
bad_config() {
	make_bundle "$1" true "$2" "$3"
	run timeout 20 "$PEA" --root "$ROOT" create --bundle "$TMP/$1" "$1"
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$4"* ]]
	[ ! -e "$ROOT/$1" ]
	run find /sys/fs/cgroup/ -maxdepth 4 -path "*/$CG_PARENT/$1"
	[ -z "$output" ]
}

@test "bad device rules and nodes: one clear error naming the field, nothing left behind" {
	local deny='{"allow": false, "access": "rwm"}'
	bad_config access "[$deny, {\"allow\": true, \"type\": \"c\", \"access\": \"rwx\"}]" null \
		"linux.resources.devices[1].access: invalid 'rwx'"
	bad_config type "[{\"allow\": true, \"type\": \"x\", \"access\": \"r\"}]" null \
		"linux.resources.devices[0].type: invalid 'x'"
	bad_config major "[$deny, $deny, {\"allow\": true, \"type\": \"c\", \"major\": -5, \"access\": \"r\"}]" null \
		"linux.resources.devices[2].major: invalid -5"
	bad_config empty "[{\"allow\": true, \"type\": \"c\", \"access\": \"\"}]" null \
		"linux.resources.devices[0].access: invalid ''"
	# v1 would keep c 10:* whole: a deny of part of it is refused, as runc does
	bad_config hole "[$deny, {\"allow\": true, \"type\": \"c\", \"major\": 10, \"access\": \"rw\"}, {\"allow\": false, \"type\": \"c\", \"major\": 10, \"minor\": 232, \"access\": \"rw\"}]" null \
		"linux.resources.devices[2]: denying 'c 10:232 rw' cannot take away part of the earlier rule 'c 10:* rw'"
	bad_config relpath null '[{"path": "dev/x", "type": "c", "major": 1, "minor": 3}]' \
		"linux.devices[0].path: 'dev/x' is not an absolute path to a file"
	bad_config devtype null '[{"path": "/dev/x", "type": "z", "major": 1, "minor": 3}]' \
		"linux.devices[0].type: invalid 'z'"
	bad_config nomajor null '[{"path": "/dev/x", "type": "c", "minor": 3}]' \
		"linux.devices[0].major: Required value"
}

# A failure inside the container's setup whose errno is EEXIST must not be
# taken for "the id exists": the state folder goes, the id is free again.
@test "a linux.devices node failing late (a file already there): nothing left, the id free again" {
	make_bundle late true null '[{"path": "/etc/plain", "type": "c", "major": 1, "minor": 3}]'
	mkdir -p "$TMP/late/rootfs/etc"
	echo x >"$TMP/late/rootfs/etc/plain"
	for _ in 1 2; do
		run timeout 20 "$PEA" --root "$ROOT" run --bundle "$TMP/late" late
		echo "$output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"linux.devices[0]: '/etc/plain' exists and is not that device"* ]]
		[ ! -e "$ROOT/late" ]
	done
}

# A pod's container gets containerd's deny-all plus runc's defaults: what
# DEV_TRY prints there (check_dev_refused).
dev_pod() {
	manifest "$BATS_TEST_TMPDIR/p.yaml" dev <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
}

DEV_TRY='mknod /tmp/kv c 10 232 && mknod /tmp/lc c 10 237 && echo mknod-ok; (exec 3<>/tmp/kv); exec 3<>/tmp/lc && echo opened'

check_dev_refused() { # OUTPUT
	[[ "$1" == *mknod-ok* ]]
	[[ "$1" == *"can't create /tmp/kv: Operation not permitted"* ]]
	[[ "$1" == *"can't create /tmp/lc: Operation not permitted"* ]]
	[[ "$1" != *opened* ]]
}

check_pod() {
	dev_pod
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is dev Running
	run peapod exec dev -c c -- sh -c "$DEV_TRY"
	echo "$output"
	check_dev_refused "$output"
	run peapod exec dev -c c -- sh -c 'echo x >/dev/null && head -c 2 /dev/zero | wc -c'
	[ "$output" = 2 ]
	peapod delete pod dev --now
}

@test "peapod pod, hybrid host: mknod of kvm works, opening it is not permitted" {
	setup_root
	check_pod
}

@test "peapod pod, pure cgroup v2 host: mknod of kvm works, opening it is not permitted" {
	setup_root
	dev_pod
	run timeout 100 unshare -m --propagation private bash -c '
		set -e
		umount -l /sys/fs/cgroup
		mount -t cgroup2 none /sys/fs/cgroup
		"$0" apply -f "$1"
		for _ in $(seq 100); do "$0" get pods dev | grep -q " 1/1 .*Running" && break; sleep 0.1; done
		"$0" exec dev -c c -- sh -c "$2" || true
		"$0" delete pod dev --now
		echo done' "$PEAPOD" "$BATS_TEST_TMPDIR/p.yaml" "$DEV_TRY"
	echo "$output"
	[ "$status" -eq 0 ]
	check_dev_refused "$output"
}

# podman over pea: --device passes one device node and its rule, the
# default rules still refuse the rest, --privileged (every host device in
# linux.devices, /dev/ptmx among them) runs with a devpts /dev/ptmx.
@test "podman --runtime pea: --device, the default refusal, --privileged" {
	local img
	podman_setup
	img=$(podman_busybox)
	[ -n "$img" ]
	run podman_cmd run --rm --network none --device /dev/loop-control "$img" \
		sh -c 'exec 3</dev/loop-control && echo opened'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *opened* ]]
	# podman's default capabilities lack CAP_MKNOD: the open must be refused
	run podman_cmd run --rm --network none --cap-add MKNOD "$img" \
		sh -c 'mknod /tmp/lc c 10 237 && echo made && exec 3</tmp/lc && echo opened'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *made*"Operation not permitted"* ]]
	run podman_cmd run --rm --network none --privileged "$img" \
		sh -c 'exec 3</dev/loop-control && echo opened; readlink /dev/ptmx'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *opened* ]]
	[[ "$output" == *pts/ptmx* ]]
}
