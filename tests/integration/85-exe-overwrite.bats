#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# CVE-2019-5736: a process of a container must never reach the runtime's
# binary on the host through /proc/PID/exe. A hostile container process
# (attack/exe-attack.c) scans /proc while the runtime enters its container
# (`pea exec`, `peapod exec`, a restart in a shared-PID pod) and while the
# runtime binary runs inside it as the interpreter of a `#!/proc/self/exe`
# script; it holds every host runtime binary it reaches and writes into it
# once it is idle. The targets are copies of the binaries, in a folder
# named exe-target, so a failure never harms the build.

load helpers
bats_require_minimum_version 1.5.0

BUILD_PEA=$PEA
PAUSE=${PAUSE:-$BUILD/src/pause/peapod-pause}
ATTACK=${ATTACK:-$BUILD/tests/integration/exe-attack}
LIBS=/usr/lib/x86_64-linux-gnu

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$ATTACK" ] || skip "no $ATTACK"
	[ -d "$LIBS" ] || skip "needs $LIBS (the runtime's libraries, for its run as an interpreter)"
	setup_root
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/exe-target" "$T/launcher" "$T/attack"
	cp "$PEAPOD" "$PAUSE" "$BUILD_PEA" "$T/exe-target/"
	# the monitor of a pod runs the binary apply ran: the peapod exec
	# test keeps it off the target, so the target is idle after each exec
	cp "$PEAPOD" "$PAUSE" "$T/launcher/"
	(cd "$T/exe-target" && sha256sum peapod peapod-pause pea) >"$T/sums"
	cp "$ATTACK" "$T/attack/exe-attack"
	printf '#!/proc/self/exe\n' >"$T/attack/evil"
	chmod 755 "$T/attack/evil"
}

teardown() {
	if [ -n "${PEA_ROOT:-}" ]; then
		timeout 10 "$BUILD_PEA" --root "$PEA_ROOT" delete --force attacked >/dev/null 2>&1 || true
	fi
	teardown_root
}

# The attack's log must show that it watched, that it saw the runtime's
# processes as non-dumpable, that it reached and wrote nothing, and the
# host binaries are unchanged. With "interpreted" it must have seen the
# runtime running as an interpreter from a sealed copy it could not write;
# without, it must have seen no sealed copy at all (the runtime's own
# processes are non-dumpable until they exec the container's process).
check_attack_failed() { # LOG [interpreted]
	local last sealed
	cat "$1"
	last=$(grep '^summary:' "$1" | tail -n 1)
	[ -n "$last" ]
	run ! grep -E '^(REACHED|OVERWROTE|WROTE)' "$1"
	# the attack saw the runtime at work (else this test proves nothing)
	[ "$(echo "$last" | sed 's/.* denied=\([0-9]*\).*/\1/')" -gt 0 ]
	sealed=$(echo "$last" | sed 's/.* sealed=\([0-9]*\).*/\1/')
	if [ "${2:-}" = interpreted ]; then
		[ "$sealed" -gt 0 ]
	else
		[ "$sealed" = 0 ]
	fi
	(cd "$T/exe-target" && sha256sum -c --quiet "$T/sums")
}

# A pod whose container `attacker` runs the attack for SECONDS, with the
# host's libraries (so the runtime binary can run as an interpreter in it),
# and whose other containers are given as YAML on stdin. The attacker runs
# Unconfined: under RuntimeDefault its ptrace scope (runtime/landlock.c)
# would not even let it open the runtime's /proc/PID/exe, and these tests
# prove the sealed copy alone.
attack_pod() { # NAME SECONDS
	manifest "$T/$1.yaml" "$1" <<YAML
  shareProcessNamespace: true
  terminationGracePeriodSeconds: 1
  volumes:
  - name: attack
    hostPath: {path: $T/attack, type: Directory}
  - name: libs
    hostPath: {path: $LIBS, type: Directory}
  - name: lib64
    hostPath: {path: /usr/lib64, type: Directory}
  containers:
  - name: attacker
    image: busybox:1.28
    command: ["/attack/exe-attack", "$2", "exe-target"]
    securityContext: {seccompProfile: {type: Unconfined}}
    volumeMounts:
    - {name: attack, mountPath: /attack, readOnly: true}
    - {name: libs, mountPath: /lib/x86_64-linux-gnu, readOnly: true}
    - {name: lib64, mountPath: /lib64, readOnly: true}
$(cat)
YAML
}

@test "pea exec: a #!/proc/self/exe script cannot reach or overwrite pea" {
	local b=$T/bundle i
	PEA_ROOT=$T/pea-state
	mkdir -p "$b/rootfs/bin" "$b/rootfs/attack" "$b/rootfs/proc" "$b/rootfs/dev"
	cp /bin/busybox "$b/rootfs/bin/"
	ln -s busybox "$b/rootfs/bin/sh"
	cp "$T/attack/exe-attack" "$T/attack/evil" "$b/rootfs/attack/"
	caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
	"CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
	cat >"$b/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "user": {"uid": 0, "gid": 0},
    "args": ["/attack/exe-attack", "30", "exe-target"],
    "env": ["PATH=/bin"], "cwd": "/",
    "capabilities": {"bounding": $caps, "effective": $caps, "permitted": $caps}
  },
  "root": {"path": "rootfs"},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/lib/x86_64-linux-gnu", "type": "bind", "source": "$LIBS", "options": ["rbind", "ro"]},
    {"destination": "/lib64", "type": "bind", "source": "/usr/lib64", "options": ["rbind", "ro"]}
  ],
  "linux": {
    "cgroupsPath": "/peatest-$$-exe",
    "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]
  }
}
EOF
	timeout 20 "$T/exe-target/pea" --root "$PEA_ROOT" create --bundle "$b" attacked \
		>"$T/attack.log" 2>&1 </dev/null
	timeout 20 "$T/exe-target/pea" --root "$PEA_ROOT" start attacked
	wait_for 10 grep -q '^exe-attack:' "$T/attack.log"
	for i in $(seq 20); do
		timeout 10 "$T/exe-target/pea" --root "$PEA_ROOT" exec attacked /attack/evil \
			>/dev/null 2>&1 || true
	done
	sleep 1.5 # the attack retries what it holds once the exec is over
	timeout 10 "$BUILD_PEA" --root "$PEA_ROOT" kill attacked KILL
	wait_for 10 sh -c "! timeout 5 '$BUILD_PEA' --root '$PEA_ROOT' state attacked | grep -q running"
	check_attack_failed "$T/attack.log" interpreted
}

@test "peapod exec into a shared-PID pod: a #!/proc/self/exe script cannot reach or overwrite peapod" {
	local i
	attack_pod spy 60 </dev/null
	timeout 60 "$T/launcher/peapod" apply -f "$T/spy.yaml"
	wait_for 30 pod_is spy Running
	wait_for 10 sh -c "'$PEAPOD' logs spy -c attacker | grep -q '^exe-attack:'"
	for i in $(seq 20); do
		timeout 10 "$T/exe-target/peapod" exec spy -c attacker -- /attack/evil \
			>/dev/null 2>&1 || true
	done
	sleep 1.5
	peapod logs spy -c attacker >"$T/attack.log"
	check_attack_failed "$T/attack.log" interpreted
}

@test "a container restarted in a shared-PID pod: its sibling cannot reach the monitor's binary" {
	attack_pod restarts 60 <<'YAML'
  - name: crasher
    image: busybox:1.28
    command: ["sh", "-c", "exit 1"]
YAML
	timeout 60 "$T/exe-target/peapod" apply -f "$T/restarts.yaml"
	wait_for 10 sh -c "'$PEAPOD' logs restarts -c attacker | grep -q '^exe-attack:'"
	# the back-off restarts it after 10 s: at least two runs of the runtime
	wait_for 40 sh -c "'$PEAPOD' get pods restarts | awk 'NR == 2 && \$4 >= 1 { ok = 1 } END { exit !ok }'"
	sleep 1.5
	peapod logs restarts -c attacker >"$T/attack.log"
	check_attack_failed "$T/attack.log"
}
