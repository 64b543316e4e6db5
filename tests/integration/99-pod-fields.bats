#!/usr/bin/env bats
# The smaller pod fields with their meaning on one node: pod-level
# resources on the pod's cgroup, resizePolicy, lifecycle sleep hooks and
# stopSignal, os, runtimeClassName, setHostnameAsFQDN, readinessGates.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

# A running pod NAME: the pod-level spec lines on stdin, then one busybox
# container c that sleeps; applied, and Running.
running_pod() { # NAME
	{
		cat
		printf '  containers:\n  - name: c\n    image: busybox:1.28\n'
		printf '    command: ["sleep", "3600"]\n'
	} | manifest "$BATS_TEST_TMPDIR/p.yaml" "$1"
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is "$1" Running
}

@test "pod-level resources: limits on the pod's cgroup and on containers without their own" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" plr <<'YAML'
  resources:
    limits: {cpu: 500m, memory: 128Mi}
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
  - name: d
    image: busybox:1.28
    command: ["sleep", "3600"]
    resources:
      limits: {memory: 32Mi}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is plr Running
	local pid f pod
	pid=$(container_pid plr c)
	[ -n "$pid" ]
	f=$(cg_file "$pid" memory memory.limit_in_bytes memory.max)
	[ "$(cat "$f")" = 134217728 ]
	pod=$(dirname "$(dirname "$f")")/$(basename "$f")
	[ "$(cat "$pod")" = 134217728 ]
	f=$(cg_file "$pid" cpu cpu.cfs_quota_us cpu.max)
	pod=$(dirname "$(dirname "$f")")
	if [ "${f##*/}" = cpu.max ]; then
		[ "$(cat "$f")" = "50000 100000" ]
		[ "$(cat "$pod/cpu.max")" = "50000 100000" ]
	else
		[ "$(cat "$f")" = 50000 ]
		[ "$(cat "$pod/cpu.cfs_quota_us")" = 50000 ]
		# the pod's request defaulted to its limit: 500m, 512 shares
		[ "$(cat "$pod/cpu.shares")" = 512 ]
		[ "$(cat "${f%/*}/cpu.shares")" = 2 ]
	fi
	pid=$(container_pid plr d)
	f=$(cg_file "$pid" memory memory.limit_in_bytes memory.max)
	[ "$(cat "$f")" = 33554432 ]
	[ "$(peapod get pods plr -o json | jq -c .spec.resources)" = '{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"500m","memory":"32Mi"}}' ]
	# d's memory request (from its limit) is the pod's: below its limit
	[ "$(peapod get pods plr -o json | jq -r .status.qosClass)" = Burstable ]
	[ "$(peapod get pods plr -o json | jq -c '.spec.containers[0].resizePolicy')" = '[{"resourceName":"cpu","restartPolicy":"NotRequired"}]' ]
}

@test "pod-level resources are checked against the containers' as the API server does" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" plr <<'YAML'
  resources:
    limits: {memory: 64Mi}
  containers:
  - name: c
    image: busybox:1.28
    resources:
      limits: {memory: 128Mi}
      requests: {memory: 32Mi}
YAML
	refused 'spec.resources.containers[0][memory].limits: Invalid value: "128Mi": must be less than or equal to pod limits of 64Mi'
}

@test "lifecycle.stopSignal is the signal delete sends, not SIGTERM" {
	mkdir "$BATS_TEST_TMPDIR/out"
	manifest "$BATS_TEST_TMPDIR/p.yaml" sig <<YAML
  os: {name: linux}
  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap 'echo term >> /out/s' TERM; trap 'echo usr1 >> /out/s; exit 0' USR1; while :; do sleep 0.1; done"]
    lifecycle: {stopSignal: SIGUSR1}
    volumeMounts: [{name: out, mountPath: /out}]
  volumes:
  - {name: out, hostPath: {path: "$BATS_TEST_TMPDIR/out"}}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sig Running
	[ "$(peapod get pods sig -o json | jq -r '.spec.containers[0].lifecycle.stopSignal')" = SIGUSR1 ]
	run timeout 60 "$PEAPOD" delete pod sig
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/s")" = usr1 ]
}

@test "lifecycle.stopSignal needs spec.os.name, as the API server says" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sig <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    lifecycle: {stopSignal: SIGUSR1}
YAML
	# shellcheck disable=SC2016 # the backquotes are the API server's
	refused 'spec.containers[0].lifecycle.stopSignal: Forbidden: may not be set for containers with empty `spec.os.name`'
}

sig_sent() { # FILE: the container wrote what it got
	[ -s "$1" ]
}

@test "a preStop sleep holds the stop signal back, within the grace period" {
	mkdir "$BATS_TEST_TMPDIR/out"
	manifest "$BATS_TEST_TMPDIR/p.yaml" slp <<YAML
  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap 'echo term > /out/s; exit 0' TERM; while :; do sleep 0.1; done"]
    lifecycle:
      postStart: {sleep: {seconds: 1}}
      preStop: {sleep: {seconds: 6}}
    volumeMounts: [{name: out, mountPath: /out}]
  volumes:
  - {name: out, hostPath: {path: "$BATS_TEST_TMPDIR/out"}}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is slp Running
	[ "$(peapod get pods slp -o json | jq -c '.spec.containers[0].lifecycle.preStop')" = '{"sleep":{"seconds":6}}' ]
	"$PEAPOD" delete pod slp >"$BATS_TEST_TMPDIR/del.out" 2>&1 &
	local del=$!
	wait_for 30 pod_is slp Terminating
	# the kubelet sleeps first: no SIGTERM while the hook runs
	[ ! -e "$BATS_TEST_TMPDIR/out/s" ]
	wait_for 60 sig_sent "$BATS_TEST_TMPDIR/out/s"
	wait "$del"
	[ "$(cat "$BATS_TEST_TMPDIR/out/s")" = term ]
	run grep -q FailedPreStopHook "$BATS_TEST_TMPDIR/del.out"
	[ "$status" -ne 0 ]
}

@test "runtimeClassName: peapod's classes are accepted, others refused as the RuntimeClass admission does" {
	running_pod rc <<'YAML'
  runtimeClassName: pea
  enableServiceLinks: true
  preemptionPolicy: Never
YAML
	[ "$(peapod get pods rc -o json | jq -r .spec.runtimeClassName)" = pea ]
	peapod delete pod rc --now
	sed -i 's/runtimeClassName: pea/runtimeClassName: foo/' "$BATS_TEST_TMPDIR/p.yaml"
	refused 'pods "rc" is forbidden: pod rejected: RuntimeClass "foo" not found'
}

@test "overhead is refused: no RuntimeClass of peapod's defines one" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" oh <<'YAML'
  overhead: {cpu: 250m}
  containers:
  - name: c
    image: busybox:1.28
YAML
	refused 'pods "oh" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead'
}

@test "a windows pod is created and rejected by the node: Failed, PodOSNotSupported" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" win <<'YAML'
  os: {name: windows}
  containers:
  - name: c
    image: busybox:1.28
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is win PodOSNotSupported
	run peapod get pods win -o json
	[ "$(jq -r .status.phase <<<"$output")" = Failed ]
	[ "$(jq -r .status.reason <<<"$output")" = PodOSNotSupported ]
	[ "$(jq -r .status.message <<<"$output")" = "Pod was rejected: Failed to admit pod as the OS field doesn't match node OS" ]
	[ "$(jq -r '.status.containerStatuses[0].state.running' <<<"$output")" = null ]
	peapod describe pod win | grep -E "Warning +PodOSNotSupported +.*Failed to admit pod as the OS field doesn't match node OS"
	peapod delete pod win
}

@test "setHostnameAsFQDN: the hostname is the FQDN when a subdomain is set" {
	running_pod fq <<'YAML'
  hostname: web
  subdomain: svc1
  setHostnameAsFQDN: true
YAML
	[ "$(peapod exec fq -- hostname)" = web.svc1.default.svc.cluster.local ]
	[ "$(peapod exec fq -- cat /etc/hostname)" = web.svc1.default.svc.cluster.local ]
	peapod exec fq -- cat /etc/hosts | grep -E "^[0-9.]+	web\.svc1\.default\.svc\.cluster\.local	web$"
}

@test "a subdomain without setHostnameAsFQDN keeps the short hostname" {
	running_pod sd <<'YAML'
  hostname: web
  subdomain: svc1
YAML
	[ "$(peapod exec sd -- hostname)" = web ]
}

ready_is() { # POD STATUS
	[ "$(peapod get pods "$1" -o json | jq -r '.status.conditions[] | select(.type == "ContainersReady") | .status')" = "$2" ]
}

@test "readinessGates keep the pod's Ready condition False: nothing sets them on one node" {
	running_pod rg <<'YAML'
  readinessGates:
  - conditionType: example.com/lb-ready
YAML
	wait_for 30 ready_is rg True
	run peapod get pods rg -o json
	[ "$(jq -r '.status.conditions[] | select(.type == "Ready") | .status' <<<"$output")" = False ]
	[ "$(jq -r '.status.conditions[] | select(.type == "Ready") | .reason' <<<"$output")" = ReadinessGatesNotReady ]
	[ "$(jq -r '.status.conditions[] | select(.type == "Ready") | .message' <<<"$output")" = 'corresponding condition of pod readiness gate "example.com/lb-ready" does not exist.' ]
	run peapod get pods rg -o wide
	[[ "${lines[0]}" =~ NOMINATED\ NODE\ +READINESS\ GATES$ ]]
	[[ "${lines[1]}" =~ \<none\>\ +0/1$ ]]
	peapod describe pod rg | grep -A2 '^Readiness Gates:' | grep -E '^  example.com/lb-ready +<none>'
}

@test "the AppArmor annotation is checked against the containers and names a valid profile" {
	cat >"$BATS_TEST_TMPDIR/p.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: aa
  annotations:
    container.apparmor.security.beta.kubernetes.io/nope: runtime/default
spec:
  containers:
  - name: c
    image: busybox:1.28
YAML
	refused 'metadata.annotations[container.apparmor.security.beta.kubernetes.io/nope]: Invalid value: "nope": container not found'
	sed -i 's|beta.kubernetes.io/nope: runtime/default|beta.kubernetes.io/c: strict|' "$BATS_TEST_TMPDIR/p.yaml"
	refused 'metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Invalid value: "strict": invalid AppArmor profile name: "strict"'
	# a valid one is the container's appArmorProfile (26-pod-seccomp.bats)
	sed -i 's|beta.kubernetes.io/c: strict|beta.kubernetes.io/c: runtime/default|' "$BATS_TEST_TMPDIR/p.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
}

@test "apply -f DIR/ and DIR// name the files without a double slash" {
	mkdir "$BATS_TEST_TMPDIR/d"
	printf 'apiVersion: v1\nkind: Pod\nmetadata: [\n' >"$BATS_TEST_TMPDIR/d/bad.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/d/"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/d/bad.yaml"* ]]
	[[ "$output" != *"//"* ]]
	run peapod apply -f "$BATS_TEST_TMPDIR/d//"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/d/bad.yaml"* ]]
	[[ "$output" != *"//"* ]]
}
