#!/usr/bin/env bats
# The kubelet's local-storage eviction: a disk-backed emptyDir used beyond
# its sizeLimit evicts the pod (Failed, reason Evicted, containers killed,
# nothing restarted), checked every 10 seconds as the eviction manager does.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

@test "an emptyDir over its sizeLimit evicts the pod" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" ev <<'YAML'
  containers:
  - name: filler
    image: busybox:1.28
    command: ["sh", "-c", "dd if=/dev/zero of=/data/big bs=1024 count=3072 && sleep 3600"]
    volumeMounts:
    - {name: scratch, mountPath: /data}
  - name: bystander
    image: busybox:1.28
    command: ["sleep", "3600"]
  volumes:
  - name: scratch
    emptyDir: {sizeLimit: 1Mi}
  - name: mem
    emptyDir: {medium: Memory, sizeLimit: 1Mi}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	pid=$(container_pid ev bystander)
	wait_for 40 eval '[ "$(jq -r .status.reason "$(pod_json_file ev)")" = Evicted ]'
	run jq -r '[.status.phase, .status.reason, .status.message] | join("|")' "$(pod_json_file ev)"
	[ "$output" = 'Failed|Evicted|Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". ' ]
	# every container is killed and none restarts
	wait_for 20 eval '! [ -d /proc/'"$pid"' ]'
	wait_for 20 eval '[ "$(jq "[.status.containerStatuses[] | select(.state.terminated)] | length" "$(pod_json_file ev)")" = 2 ]'
	run jq -r '[.status.containerStatuses[].restartCount] | join(" ")' "$(pod_json_file ev)"
	[ "$output" = "0 0" ]
	run peapod describe pod ev
	[[ "$output" =~ Warning\ +Evicted\ .*"Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\"." ]]
	# kubectl's STATUS names the containers' terminated reason once they ended
	run peapod get pods ev
	[[ "${lines[1]}" =~ ^ev\ +0/2\ +Error\ +0\  ]]
}

@test "a pod that already succeeded is not evicted: a finished pod keeps its phase" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" done <<'YAML'
  restartPolicy: Never
  containers:
  - name: filler
    image: busybox:1.28
    command: ["sh", "-c", "dd if=/dev/zero of=/data/big bs=1024 count=3072"]
    volumeMounts:
    - {name: scratch, mountPath: /data}
  volumes:
  - name: scratch
    emptyDir: {sizeLimit: 1Mi}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 eval '[ "$(jq -r .status.phase "$(pod_json_file done)")" = Succeeded ]'
	# the eviction manager's 10 s period passes at least once
	sleep 12
	run jq -r '[.status.phase, .status.reason // ""] | join("|")' "$(pod_json_file done)"
	[ "$output" = 'Succeeded|' ]
}

@test "activeDeadlineSeconds: a pod active longer ends Failed / DeadlineExceeded, its containers killed" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" dl <<'YAML'
  activeDeadlineSeconds: 2
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	pid=$(container_pid dl c)
	wait_for 20 eval '[ "$(jq -r .status.reason "$(pod_json_file dl)")" = DeadlineExceeded ]'
	run jq -r '[.status.phase, .status.reason, .status.message] | join("|")' "$(pod_json_file dl)"
	[ "$output" = 'Failed|DeadlineExceeded|Pod was active on the node longer than the specified deadline' ]
	wait_for 20 eval '! [ -d /proc/'"$pid"' ]'
	wait_for 20 eval '[ "$(jq -r ".status.containerStatuses[0].state.terminated.exitCode" "$(pod_json_file dl)")" = 137 ]'
	run jq -r '.status.containerStatuses[0].restartCount' "$(pod_json_file dl)"
	[ "$output" = 0 ]
	run peapod describe pod dl
	[[ "$output" =~ Normal\ +DeadlineExceeded\ .*"Pod was active on the node longer than the specified deadline" ]]
	peapod delete pod dl
	nothing_created
}

@test "activeDeadlineSeconds counts from the recorded start: a monitor restarted keeps it" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" dl <<'YAML'
  activeDeadlineSeconds: 4
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	mon=$(jq -r .peapod.monitorPid "$(pod_json_file dl)")
	kill -9 "$mon"
	wait_for 20 eval '[ "$(jq -r .status.reason "$(pod_json_file dl)")" = DeadlineExceeded ]'
	# the new monitor: not the old one
	[ "$(jq -r .peapod.monitorPid "$(pod_json_file dl)")" != "$mon" ]
	wait_for 20 eval '[ "$(jq -r ".status.containerStatuses[0].state.terminated.exitCode" "$(pod_json_file dl)")" = 0 ]'
	run jq -r .status.phase "$(pod_json_file dl)"
	[ "$output" = Failed ]
}

@test "activeDeadlineSeconds out of range is refused with the API server's words" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" dl <<'YAML'
  activeDeadlineSeconds: 0
  containers:
  - name: c
    image: busybox:1.28
YAML
	refused 'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive'
}
