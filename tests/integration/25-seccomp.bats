#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linux.seccomp end to end as root: a profile that denies mkdir, for the
# init and for `pea exec`; podman 4.3's real default profile
# (tests/data/seccomp/podman-4.3-default.json, the linux.seccomp podman
# handed to pea once); and podman itself with `--runtime pea`, offline.
# Each test uses its own folders and removes them, its containers and their
# cgroups in teardown, even on failure.

# shellcheck disable=SC2016,SC2030,SC2031 # single-quoted container scripts
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

load helpers

PODMAN_PROFILE=$TOP/tests/data/seccomp/podman-4.3-default.json

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$PEA" ] || skip "no pea binary at $PEA"
	[ -x /bin/busybox ] || skip "needs busybox-static"
	TMP=$(mktemp -d /tmp/pea-seccomp.XXXXXX)
	ROOT=$TMP/state
	CG_PARENT="peaseccomp-$$-${BATS_TEST_NUMBER}"
}

teardown() {
	[ -n "${TMP:-}" ] || return 0
	local id
	if [ -d "$TMP/runc" ]; then
		for id in $(runc --root "$TMP/runc" list -q 2>/dev/null); do
			timeout 10 runc --root "$TMP/runc" delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	podman_teardown
	pea_teardown
	rm -rf "$TMP"
}

pea() {
	timeout 20 "$PEA" --root "$ROOT" "$@"
}

# make_bundle NAME ARGS_JSON SECCOMP_JSON [NNP]: a busybox bundle in $TMP/NAME
# whose linux.seccomp is SECCOMP_JSON (a JSON text or @file).
make_bundle() {
	local b=$TMP/$1 app
	mkdir -p "$b"/rootfs/{bin,proc,dev,sys,tmp,etc}
	cp /bin/busybox "$b/rootfs/bin/busybox"
	for app in sh sleep cat mkdir grep true echo ls; do
		ln -s busybox "$b/rootfs/bin/$app"
	done
	python3 - "$b" "$1" "$2" "$3" "${4:-true}" "/$CG_PARENT/$1" <<'EOF'
import json, sys
b, name, args, sec, nnp, cg = sys.argv[1:]
sec = json.load(open(sec[1:])) if sec.startswith("@") else json.loads(sec)
caps = ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE", "CAP_CHOWN",
        "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID"]
c = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False, "user": {"uid": 0, "gid": 0}, "args": json.loads(args),
        "env": ["PATH=/bin"], "cwd": "/",
        "capabilities": {k: caps for k in ("bounding", "effective", "permitted")},
        "noNewPrivileges": nnp == "true",
    },
    "root": {"path": "rootfs"},
    "hostname": name,
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"},
    ],
    "linux": {
        "cgroupsPath": cg,
        "namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "network")],
        "seccomp": sec,
    },
}
json.dump(c, open(b + "/config.json", "w"), indent=1)
EOF
}

NO_MKDIR='{"defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
  "syscalls": [{"names": ["mkdir", "mkdirat", "no_such_syscall_xyz"], "action": "SCMP_ACT_ERRNO"}]}'

@test "seccomp: a profile denying mkdir, in the init and in exec" {
	local nnp
	for nnp in true false; do
		make_bundle "m-$nnp" '["sh", "-c", "grep ^Seccomp: /proc/self/status; echo ok >/tmp/f && cat /tmp/f; mkdir /tmp/x"]' "$NO_MKDIR" "$nnp"
		run pea run --bundle "$TMP/m-$nnp" "m-$nnp" </dev/null
		echo "nnp=$nnp: $output"
		[ "$status" -eq 1 ]
		[[ "${lines[0]}" == "Seccomp:"*2 ]]
		[ "${lines[1]}" = ok ]
		[[ "$output" == *"mkdir: can't create directory '/tmp/x': Operation not permitted"* ]]
	done
	make_bundle e1 '["sleep", "1000"]' "$NO_MKDIR"
	pea run -d --bundle "$TMP/e1" e1 </dev/null >"$TMP/e1.out" 2>&1
	run pea exec e1 sh -c 'grep ^Seccomp: /proc/self/status; mkdir /tmp/y'
	echo "exec: $output"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "Seccomp:"*2 ]]
	[[ "$output" == *"Operation not permitted"* ]]
	run pea exec e1 sh -c 'echo still fine'
	[ "$status" -eq 0 ]
	[ "$output" = "still fine" ]
}

@test "seccomp: same behaviour as runc for the mkdir profile" {
	command -v runc >/dev/null || skip "runc not installed"
	make_bundle r1 '["sh", "-c", "mkdir /tmp/x 2>&1; echo rc=$?"]' "$NO_MKDIR"
	run timeout 20 runc --root "$TMP/runc" run --bundle "$TMP/r1" r1 </dev/null
	local runc_output=$output runc_status=$status
	run pea run --bundle "$TMP/r1" r1 </dev/null
	[ "$status" -eq "$runc_status" ]
	[ "$output" = "$runc_output" ]
}

@test "seccomp: bad profiles are refused with the field" {
	make_bundle b1 '["true"]' '{"defaultAction": "SCMP_ACT_NOPE"}'
	run pea run --bundle "$TMP/b1" b1 </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.seccomp.defaultAction: unknown action 'SCMP_ACT_NOPE'"* ]]
	make_bundle b2 '["true"]' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SOMETIMES"}]}]}'
	run pea run --bundle "$TMP/b2" b2 </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.seccomp.syscalls[0].args[0].op: unknown operator 'SCMP_CMP_SOMETIMES'"* ]]
	run pea list -q
	[ -z "$output" ]
}

@test "seccomp: podman's default profile runs a container" {
	make_bundle d1 '["sh", "-c", "true && grep ^Seccomp: /proc/self/status"]' "@$PODMAN_PROFILE" false
	run pea run --bundle "$TMP/d1" d1 </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "Seccomp:"*2 ]]
	make_bundle d2 '["true"]' "@$PODMAN_PROFILE" true
	run pea run --bundle "$TMP/d2" d2 </dev/null
	[ "$status" -eq 0 ]
	make_bundle d3 '["sleep", "1000"]' "@$PODMAN_PROFILE" false
	pea run -d --bundle "$TMP/d3" d3 </dev/null >"$TMP/d3.out" 2>&1
	run pea exec d3 sh -c 'grep ^Seccomp: /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" == "Seccomp:"*2 ]]
}

@test "seccomp: podman --runtime pea run" {
	podman_setup
	local img
	img=$(podman_busybox)
	[ -n "$img" ]
	run podman_cmd run --rm --network none "$img" true
	echo "$output"
	[ "$status" -eq 0 ]
	run podman_cmd run --rm --network none "$img" sh -c 'echo hi; grep ^Seccomp: /proc/self/status; mkdir /tmp/d && echo made'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hi ]
	[[ "${lines[1]}" == "Seccomp:"*2 ]]
	[ "${lines[2]}" = made ]
	# An explicit profile: the denied syscall fails with EPERM.
	echo "$NO_MKDIR" >"$TMP/podman/no-mkdir.json"
	run podman_cmd run --rm --network none \
		--security-opt seccomp="$TMP/podman/no-mkdir.json" "$img" sh -c 'mkdir /tmp/d'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run podman_cmd run --rm --network none \
		--security-opt seccomp=unconfined "$img" sh -c 'grep ^Seccomp: /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" == "Seccomp:"*0 ]]
}
