#!/usr/bin/env bats
# peapod debug (kubectl debug with an ephemeral container): the container
# joins the pod's net, ipc and uts namespaces and, with --target, the
# target's PID namespace; it is kept in spec and status, never restarted,
# not counted in READY; attach, describe and logs know it.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_root
}

teardown() {
	teardown_root
}

# nginx as app, busybox beside it, each in its own PID namespace.
unshared_pod() {
	manifest "$BATS_TEST_TMPDIR/p.yaml" web <<'YAML'
  containers:
  - name: app
    image: nginx
  - name: side
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is web Running
}

eph_state() { # POD NAME → running|terminated|waiting
	jq -r --arg n "$2" '.status.ephemeralContainerStatuses[] | select(.name == $n) |
		.state | keys[0]' "$(pod_json_file "$1")"
}

eph_is() { # POD NAME STATE
	[ "$(eph_state "$1" "$2")" = "$3" ]
}

@test "debug --target=app in an unshared pod: the app's entrypoint is PID 1, no /pause; not restarted; not in READY" {
	unshared_pod
	run peapod debug web --image=busybox:1.28 --target=app -c dbg --env=DBG=yes -- ps
	[ "$status" -eq 0 ]
	[[ "$output" == *'Targeting container "app".'* ]]
	wait_for 30 eph_is web dbg terminated
	run peapod logs web -c dbg
	echo "$output"
	[[ "$output" =~ (^|$'\n')\ *1\ +root\ +nginx:\ master ]]
	[[ "$output" != *pause* ]]
	[ "$(jq -r '.spec.ephemeralContainers[0] | .targetContainerName + " " + .env[0].name + "=" + .env[0].value' "$(pod_json_file web)")" = "app DBG=yes" ]
	# never restarted; READY counts only the app containers
	sleep 1
	[ "$(eph_state web dbg)" = terminated ]
	[ "$(jq '.status.ephemeralContainerStatuses[0].restartCount' "$(pod_json_file web)")" = 0 ]
	# the kubelet's prober sets started for app and init containers only
	[ "$(jq '.status.ephemeralContainerStatuses[0] | has("started")' "$(pod_json_file web)")" = false ]
	run peapod get pods web
	[[ "${lines[1]}" =~ ^web\ +2/2\ +Running ]]
	# in the pod's net, ipc and uts namespaces; its own mount namespace
	local uid bundle
	uid=$(pod_uid web)
	bundle=$PEAPOD_ROOT/run/pods/$uid/containers/dbg/config.json
	local sandbox app
	sandbox=$(peapod_field web sandboxPid)
	app=$(container_pid web app)
	[ "$(jq -r '.linux.namespaces[] | select(.type == "network") | .path' "$bundle")" = "/proc/$sandbox/ns/net" ]
	[ "$(jq -r '.linux.namespaces[] | select(.type == "ipc") | .path' "$bundle")" = "/proc/$sandbox/ns/ipc" ]
	[ "$(jq -r '.linux.namespaces[] | select(.type == "uts") | .path' "$bundle")" = "/proc/$sandbox/ns/uts" ]
	[ "$(jq -r '.linux.namespaces[] | select(.type == "pid") | .path' "$bundle")" = "/proc/$app/ns/pid" ]
}

@test "debug --target in the seed page's shared pod sees every container's processes" {
	peapod apply -f "$SEEDS/share-process-namespace-ptrace.yaml"
	wait_for 30 pod_is nginx Running
	run peapod debug nginx --image=busybox:1.28 --target=nginx -- ps
	[ "$status" -eq 0 ]
	[[ "$output" == *'Defaulting debug container name to debugger-'* ]]
	local name=${output##*Defaulting debug container name to }
	name=${name%%.*}
	wait_for 30 eph_is nginx "$name" terminated
	run peapod logs nginx -c "$name"
	echo "$output"
	[[ "$output" =~ (^|$'\n')\ *1\ +root\ +/pause ]]
	[[ "$output" == *'nginx: master'* ]]
	[[ "$output" =~ (^|$'\n')\ *[0-9]+\ +root\ +sh($'\n'|$) ]]
}

@test "attach later to the debug container; describe lists it; get -o yaml shows it in spec and status" {
	unshared_pod
	peapod debug web --image=busybox:1.28 -c dbg -i -q --attach=false -- sh -c 'read x; echo got-$x'
	wait_for 30 eph_is web dbg running
	# stdin held open until the container ended: at its end, attach would detach
	mkfifo "$BATS_TEST_TMPDIR/in"
	timeout 30 "$PEAPOD" attach web -c dbg -i -q <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" &
	local pid=$!
	exec 5>"$BATS_TEST_TMPDIR/in"
	printf 'hello\n' >&5
	wait "$pid"
	exec 5>&-
	cat "$BATS_TEST_TMPDIR/out"
	grep -q got-hello "$BATS_TEST_TMPDIR/out"
	wait_for 30 eph_is web dbg terminated
	[ "$(jq '.status.ephemeralContainerStatuses[0].ready' "$(pod_json_file web)")" = false ]
	run peapod describe pod web
	echo "$output"
	[[ "$output" == *$'\nEphemeral Containers:\n  dbg:'* ]]
	run peapod get pod web -o yaml
	[[ "$output" == *'ephemeralContainers:'* ]]
	[[ "$output" == *'ephemeralContainerStatuses:'* ]]
	run peapod get pods web
	[[ "${lines[1]}" =~ ^web\ +2/2\ +Running\ +0 ]]
}

@test "debug refuses what the API server refuses" {
	unshared_pod
	run peapod debug web --image=busybox:1.28 -c app -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *'The Pod "web" is invalid: spec.ephemeralContainers[0].name: Duplicate value: "app"'* ]]
	run peapod debug web --image=busybox:1.28 --target=nope -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *'The Pod "web" is invalid: spec.ephemeralContainers[0].targetContainerName: Not found: "nope"'* ]]
	run peapod debug web -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *'--image is required'* ]]
	run peapod debug web --image=busybox:1.28 --profile=nope -- true
	[[ "$output" == *'unknown profile: nope'* ]]
	[ "$(jq '.spec.ephemeralContainers | length' "$(pod_json_file web)")" = 0 ]
	manifest "$BATS_TEST_TMPDIR/e.yaml" eph <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
  ephemeralContainers:
  - name: d
    image: busybox:1.28
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/e.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *'spec.ephemeralContainers: Forbidden: cannot be set on create'* ]]
}

@test "a debug container is taken back after a monitor restart and stopped with the pod" {
	unshared_pod
	peapod debug web --image=busybox:1.28 -c dbg -q -- sleep 3600
	wait_for 30 eph_is web dbg running
	local pid mon
	pid=$(jq -r '.peapod.ephemeralContainerPids.dbg' "$(pod_json_file web)")
	[ -d "/proc/$pid" ]
	# exec reaches it; it has the pod's hostname (uts) and the sandbox's net namespace
	run peapod exec web -c dbg -- hostname
	[ "$output" = web ]
	[ "$(readlink "/proc/$pid/ns/net")" = "$(readlink "/proc/$(peapod_field web sandboxPid)/ns/net")" ]
	[ "$(readlink "/proc/$pid/ns/ipc")" = "$(readlink "/proc/$(peapod_field web sandboxPid)/ns/ipc")" ]
	[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink "/proc/$(peapod_field web sandboxPid)/ns/pid")" ]
	mon=$(peapod_field web monitorPid)
	kill -9 "$mon"
	wait_for 20 monitor_replaced web "$mon"
	[ "$(jq -r '.peapod.ephemeralContainerPids.dbg' "$(pod_json_file web)")" = "$pid" ]
	[ "$(eph_state web dbg)" = running ]
	run peapod describe pod web
	[[ "$output" == *$'Ephemeral Containers:\n  dbg:'* ]]
	[[ "$output" == *'MonitorRestarted'* ]]
	run timeout 60 "$PEAPOD" delete pod web --now
	[ "$status" -eq 0 ]
	[ ! -d "/proc/$pid" ]
}

cap_eff() { # POD CONTAINER → its CapEff, from its log
	peapod logs "$1" -c "$2" | awk '/^CapEff:/ {print $2}'
}

@test "debug --profile: general adds SYS_PTRACE, netadmin NET_ADMIN, baseline nothing" {
	unshared_pod
	local p
	for p in general netadmin baseline; do
		peapod debug web --image=busybox:1.28 -c "$p" -q --profile="$p" -- grep CapEff /proc/self/status
	done
	for p in general netadmin baseline; do
		wait_for 30 eph_is web "$p" terminated
	done
	local g n b
	g=$((16#$(cap_eff web general)))
	n=$((16#$(cap_eff web netadmin)))
	b=$((16#$(cap_eff web baseline)))
	# CAP_SYS_PTRACE is bit 19, CAP_NET_ADMIN bit 12
	[ $((g & (1 << 19))) -ne 0 ]
	[ $((n & (1 << 19))) -eq 0 ]
	[ $((n & (1 << 12))) -ne 0 ]
	[ $((b & (1 << 19))) -eq 0 ]
	[ $((b & (1 << 12))) -eq 0 ]
	[ "$(jq -r '.spec.ephemeralContainers[1].securityContext.capabilities.add | join(",")' "$(pod_json_file web)")" = NET_ADMIN,NET_RAW ]
}

@test "debug --profile: sysadmin is privileged; restricted is non-root, drops ALL, RuntimeDefault" {
	unshared_pod
	peapod debug web --image=busybox:1.28 -c sysadmin -q --profile=sysadmin -- grep -E 'CapEff|Seccomp:' /proc/self/status
	wait_for 30 eph_is web sysadmin terminated
	[ "$(cap_eff web sysadmin)" = "$(awk '/^CapBnd:/ {print $2}' /proc/self/status)" ]
	run peapod logs web -c sysadmin
	[[ "$output" == *"Seccomp:	0"* ]]
	# busybox runs as root: runAsNonRoot keeps it from starting, as the kubelet does
	peapod debug web --image=busybox:1.28 -c restricted -q --profile=restricted -- true
	reason() { [ "$(jq -r '.status.ephemeralContainerStatuses[] | select(.name == "restricted") | .state.waiting.reason' "$(pod_json_file web)")" = CreateContainerConfigError ]; }
	wait_for 30 reason
	run jq -c '.spec.ephemeralContainers[] | select(.name == "restricted") | .securityContext' "$(pod_json_file web)"
	echo "$output"
	[ "$(jq -r '[.runAsNonRoot, .allowPrivilegeEscalation, (.capabilities.drop | join(",")), .seccompProfile.type] | join(" ")' <<<"$output")" = "true false ALL RuntimeDefault" ]
}

@test "debug -i of a completed pod: kubectl's 'pod ran to completion'; the container never starts" {
	completed_pod done
	run timeout 60 "$PEAPOD" debug -i done --image=busybox:1.28 -c dbg -- true </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *'error: pod ran to completion'* ]]
	[ "$(eph_state done dbg)" = waiting ]
}

@test "logs --all-containers: the init, app, then debug containers, as kubectl visits them" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" web <<'YAML'
  initContainers:
  - name: init
    image: busybox:1.28
    command: ["echo", "from init"]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "echo from app; exec sleep 3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is web Running
	peapod debug web --image=busybox:1.28 -c dbg -- echo from dbg
	wait_for 30 eph_is web dbg terminated
	run --separate-stderr peapod logs web --all-containers --prefix
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "[pod/web/init] from init
[pod/web/app] from app
[pod/web/dbg] from dbg" ]
}
