#!/usr/bin/env bats
# What a container is given (hostname, files, capabilities), logs, output
# formats, and delete -f.

load helpers
load registry

setup() {
	setup_root
}

teardown() {
	teardown_root
}

teardown_file() {
	registries_stop
}

# CapEff of the main process of container $2 in pod $1, as seen by a sibling exec.
cap_eff() {
	peapod exec "$1" -c "$2" -- sh -c 'grep CapEff /proc/1/status 2>/dev/null || grep CapEff /proc/self/status' | awk '{print $2}'
}

@test "containers get the pod's hostname, /etc/hosts, /etc/hostname and resolv.conf" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	run peapod exec nginx -c shell -- hostname
	[ "$output" = "nginx" ]
	run peapod exec nginx -c shell -- cat /etc/hostname
	[ "$output" = "nginx" ]
	run peapod exec nginx -c shell -- grep -c localhost /etc/hosts
	[ "$output" -ge 1 ]
	peapod exec nginx -c shell -- test -f /etc/resolv.conf
	# loopback is up in the pod's network namespace, shared by both containers
	run peapod exec nginx -c shell -- wget -q -O - http://127.0.0.1/
	[ "$status" -eq 0 ]
	[[ "$output" =~ nginx ]]
}

@test "capabilities: containerd's 14 by default, SYS_PTRACE only when added" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	# CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
	# NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
	run peapod exec nginx -c shell -- grep CapEff /proc/self/status
	[[ "$output" =~ 00000000a80425fb ]]
	peapod delete pod nginx --now
	peapod apply -f "$SEEDS/share-process-namespace-ptrace.yaml"
	wait_for 30 pod_is nginx Running
	run peapod exec nginx -c shell -- grep CapEff /proc/self/status
	[[ "$output" =~ 00000000a80c25fb ]]
	run peapod exec nginx -c nginx -- grep CapEff /proc/self/status
	[[ "$output" =~ 00000000a80425fb ]]
}

@test "masked and read-only paths as containerd sets them" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	# masked: a file gets /dev/null, a folder an empty read-only tmpfs
	run peapod exec nginx -c shell -- cat /proc/keys /proc/timer_list
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run peapod exec nginx -c shell -- ls -A /proc/acpi
	[ -z "$output" ]
	run peapod exec nginx -c shell -- sh -c 'echo 1 > /proc/sys/kernel/ns_last_pid'
	[ "$status" -ne 0 ]
	run peapod exec nginx -c shell -- sh -c 'echo x > /sys/kernel/x'
	[ "$status" -ne 0 ]
}

@test "logs: a container's stdout and stderr, in the CRI format on disk" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" talk <<'YAML'
  restartPolicy: Never
  containers:
  - name: talk
    image: busybox:1.28
    command: ["sh", "-c", "echo out-line; echo err-line >&2; printf partial"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is talk Completed
	run peapod logs talk
	[ "$status" -eq 0 ]
	[[ "$output" =~ out-line ]]
	[[ "$output" =~ err-line ]]
	[[ "$output" =~ partial ]]
	log=$(ls "$PEAPOD_ROOT"/logs/default_talk_*/talk/0.log)
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z stdout F out-line$' "$log"
	grep -Eq '^[0-9T:.-]+Z stderr F err-line$' "$log"
	run peapod logs talk -c nope
	[ "$status" -eq 1 ]
	run peapod get pods talk
	[[ "${lines[1]}" =~ ^talk\ +0/1\ +Completed\ +0 ]]
}

@test "a container that exits 1 under restartPolicy Never: Error, pod Failed" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" fails <<'YAML'
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "exit 1"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is fails Error
	run peapod get pods fails -o json
	[[ "$output" =~ '"phase": "Failed"' ]]
	[[ "$output" =~ '"exitCode": 1' ]]
}

@test "get -o name and -o json, delete -f" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	run peapod get pods -o name
	[ "$output" = "pod/nginx" ]
	run peapod get pods nginx -o json
	[[ "$output" =~ '"kind": "Pod"' ]]
	[[ "$output" =~ '"shareProcessNamespace": true' ]]
	[[ "$output" =~ '"phase": "Running"' ]]
	run peapod delete -f "$SEEDS/share-process-namespace.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = 'pod "nginx" deleted' ]
}

@test "a container that ignores SIGTERM is killed after its grace period" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" stubborn <<'YAML'
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap '' TERM; while :; do sleep 1; done"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is stubborn Running
	start=$(date +%s)
	run peapod delete pod stubborn
	[ "$status" -eq 0 ]
	# the pod's grace period was waited for, not the default 30 s (bounds
	# on correctness, not a speed check)
	elapsed=$(($(date +%s) - start))
	[ "$elapsed" -ge 2 ]
	[ "$elapsed" -lt 20 ]
}

@test "a pure cgroup v2 host (cgroup2 at /sys/fs/cgroup): the same pod, cgroups cleaned up" {
	# Most users have pure v2; this machine is hybrid. A private mount
	# namespace with cgroup2 mounted at /sys/fs/cgroup shows peapod that layout.
	run timeout 90 unshare -m --propagation private bash -c '
		set -e
		umount -l /sys/fs/cgroup
		mount -t cgroup2 none /sys/fs/cgroup
		"$0" apply -f "$1"
		for _ in $(seq 100); do "$0" get pods nginx | grep -q " 2/2 .*Running" && break; sleep 0.1; done
		"$0" exec nginx -c shell -- ps ax
		uid=$(readlink "$PEAPOD_ROOT/run/names/default/nginx")
		test -d "/sys/fs/cgroup/peapod/$uid/nginx"
		pid=$(sed -n "/containerPids/,/}/p" "$PEAPOD_ROOT/run/pods/$uid/pod.json" | grep "\"nginx\"" | grep -o "[0-9][0-9]*")
		grep -qx "0::/peapod/$uid/nginx" "/proc/$pid/cgroup"
		"$0" delete pod nginx
		test ! -e "/sys/fs/cgroup/peapod/$uid"
		echo done' "$PEAPOD" "$SEEDS/share-process-namespace.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ /pause ]]
	[ "${lines[-1]}" = "done" ]
}

@test "restartPolicy Always: a crashing container restarts with back-off (CrashLoopBackOff)" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" crash <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "echo run-$(cat /proc/sys/kernel/random/uuid); exit 1"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	restarts_at_least() {
		[ "$("$PEAPOD" get pods crash -o json | grep -o '"restartCount": [0-9]*' | grep -o '[0-9]*$')" -ge "$1" ]
	}
	backing_off() {
		restarts_at_least 2 && pod_is crash CrashLoopBackOff
	}
	wait_for 30 backing_off
	run peapod get pods crash
	[[ "${lines[1]}" =~ ^crash\ +0/1\ +CrashLoopBackOff\ +2\  ]]
	run peapod get pods crash -o json
	[[ "$output" =~ '"lastState": {'[[:space:]]*'"terminated": {'[[:space:]]*'"exitCode": 1' ]]
	# each run has its own log; --previous shows the one before
	run peapod logs crash
	[[ "$output" =~ ^run-[0-9a-f-]{36}$ ]]
	current=$output
	run peapod logs crash --previous
	[[ "$output" =~ ^run-[0-9a-f-]{36}$ ]]
	[ "$output" != "$current" ]
}

@test "the termination message is the file the container wrote, for any uid" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" tm <<'YAML'
  restartPolicy: Never
  containers:
  - name: a
    image: busybox:1.28
    securityContext:
      runAsUser: 1234
    command: ["sh", "-c", "echo bye-msg > /dev/termination-log; exit 2"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is tm Error
	run peapod get pods tm -o json
	[[ "$output" =~ '"message": "bye-msg\n"' ]]
}

@test "a missing image: ErrImageNeverPull with pull policy Never, ErrImagePull/ImagePullBackOff else, started once pushed" {
	manifest "$BATS_TEST_TMPDIR/never.yaml" never <<'YAML'
  containers:
  - name: a
    image: registry.example/nothere:1.0
    imagePullPolicy: Never
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/never.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "pod/never created" ]]
	wait_for 20 pod_is never ErrImageNeverPull
	run peapod get pods never -o json
	[ "$(jq -r .status.phase <<<"$output")" = Pending ]
	[ "$(jq -r '.status.containerStatuses[0].state.waiting.message' <<<"$output")" = 'Container image "registry.example/nothere:1.0" is not present with pull policy of Never' ]
	run peapod describe pod never
	[[ "$output" =~ Warning\ +ErrImageNeverPull ]]

	# IfNotPresent: the pull fails (the registry has no such image), then
	# backs off; once the image is pushed, the next try pulls and starts it
	registry_start later
	reg=127.0.0.1:$(reg_port later)
	manifest "$BATS_TEST_TMPDIR/pull.yaml" pull <<YAML
  containers:
  - name: a
    image: $reg/library/later:1
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/pull.yaml"
	wait_for 30 eval 'pod_is pull ErrImagePull || pod_is pull ImagePullBackOff'
	run peapod get pods pull -o json
	[ "$(jq -r '.status.containerStatuses[0].restartCount' <<<"$output")" = 0 ]
	push "$IMAGES/busybox.tar" "$reg/library/later:1"
	wait_for 60 pod_is pull Running
	registry_stop later
}
