#!/usr/bin/env bats
# hostUsers: false: each pod its own range of 65536 host ids (RUN/userns/),
# its containers in the sandbox's user namespace, image layers idmapped (no
# chown copy), the range released on delete and kept across a monitor's
# restart.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

userns_pod() { # FILE NAME [COMMAND]
	manifest "$1" "$2" <<YAML
  hostUsers: false
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "${3:-sleep 3600}"]
YAML
}

# Pods ua and ub, hostUsers false, applied and running.
two_pods() {
	userns_pod "$BATS_TEST_TMPDIR/a.yaml" ua
	userns_pod "$BATS_TEST_TMPDIR/b.yaml" ub
	peapod apply -f "$BATS_TEST_TMPDIR/a.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/b.yaml"
	wait_for 30 pod_is ua Running
	wait_for 30 pod_is ub Running
}

# The host id 0 inside pod P maps to.
host_base() { # P
	peapod exec "$1" -- cat /proc/self/uid_map | awk '{print $2}'
}

@test "hostUsers false: root inside is a range of the host, image owners kept" {
	userns_pod "$BATS_TEST_TMPDIR/a.yaml" ua
	peapod apply -f "$BATS_TEST_TMPDIR/a.yaml"
	wait_for 30 pod_is ua Running
	run peapod exec ua -- cat /proc/self/uid_map
	[ "$status" -eq 0 ]
	read -r inside base size <<<"$output"
	[ "$inside" = 0 ]
	[ "$base" -gt 0 ]
	[ "$size" = 65536 ]
	[ $((base % 65536)) = 0 ]
	run peapod exec ua -- cat /proc/self/gid_map
	[ "$(echo $output)" = "0 $base 65536" ]
	# The image's files keep their owners inside.
	run peapod exec ua -- stat -c %u:%g /bin/busybox /etc/passwd /
	[ "$(echo $output)" = "0:0 0:0 0:0" ]
	# A file written as root belongs to the range on the host.
	peapod exec ua -- sh -c 'echo hi >/root-made; chown 1000:1000 /root-made; touch /tmp/r'
	uid=$(pod_uid ua)
	upper=$PEAPOD_ROOT/run/pods/$uid/containers/c/upper
	[ "$(stat -c %u:%g "$upper/root-made")" = "$((base + 1000)):$((base + 1000))" ]
	[ "$(stat -c %u:%g "$upper/tmp/r")" = "$base:$base" ]
	# Root inside is not root on the host: the host's own files are
	# nobody's, and its processes run as the range's root.
	run peapod exec ua -- stat -c %u /sys/kernel
	[ "$output" = 65534 ]
	run peapod exec ua -- sh -c 'echo x >/sys/kernel/profiling'
	[ "$status" -ne 0 ]
	pid=$(container_pid ua c)
	[ "$(stat -c %u "/proc/$pid")" = "$base" ]
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	# The sandbox holds the namespaces the containers join, all owned by
	# the pod's user namespace.
	sandbox=$(peapod_field ua sandboxPid)
	for ns in user net ipc uts; do
		[ "$(readlink "/proc/$pid/ns/$ns")" = "$(readlink "/proc/$sandbox/ns/$ns")" ]
	done
	[ "$(cat "$PEAPOD_ROOT/run/userns/$((base / 65536))")" = "$uid" ]
	peapod delete pod ua --now
	[ ! -e "$PEAPOD_ROOT/run/userns/$((base / 65536))" ]
}

@test "hostUsers false: two pods get disjoint ranges; a deleted pod's is reused; a new monitor keeps it" {
	two_pods
	a=$(host_base ua)
	b=$(host_base ub)
	[ "$a" -gt 0 ]
	[ "$b" -gt 0 ]
	[ $((a - b)) -ge 65536 ] || [ $((b - a)) -ge 65536 ]
	# Each one's files are its own range's.
	peapod exec ua -- touch /tmp/f
	peapod exec ub -- touch /tmp/f
	[ "$(stat -c %u "$PEAPOD_ROOT/run/pods/$(pod_uid ua)/containers/c/upper/tmp/f")" = "$a" ]
	[ "$(stat -c %u "$PEAPOD_ROOT/run/pods/$(pod_uid ub)/containers/c/upper/tmp/f")" = "$b" ]
	# A new monitor keeps the pod's range and namespace.
	mon=$(peapod_field ub monitorPid)
	kill -9 "$mon"
	wait_for 20 monitor_replaced ub "$mon"
	[ "$(host_base ub)" = "$b" ]
	# So does a container that starts again under the new monitor.
	kill -9 "$(container_pid ub c)"
	restarted() { [ "$(peapod get pods ub -o json | jq '.status.containerStatuses[0].restartCount')" -ge 1 ] && pod_is ub Running; }
	wait_for 30 restarted
	[ "$(host_base ub)" = "$b" ]
	# Released on delete, and the next pod gets it.
	peapod delete pod ua --now
	userns_pod "$BATS_TEST_TMPDIR/c.yaml" uc
	peapod apply -f "$BATS_TEST_TMPDIR/c.yaml"
	wait_for 30 pod_is uc Running
	[ "$(host_base uc)" = "$a" ]
	peapod delete pod ub --now
	peapod delete pod uc --now
	[ -z "$(ls "$PEAPOD_ROOT/run/userns" | grep -v lock)" ]
}

@test "hostUsers false: refused with the host's namespaces, in the API server's words" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" hn <<'YAML'
  hostUsers: false
  hostNetwork: true
  containers:
  - name: c
    image: busybox:1.28
YAML
	refused 'spec.hostNetwork: Forbidden: when `hostUsers` is false'
}

@test "hostUsers false: the seed page's shared pod (nginx as 101, kill -HUP, /proc/PID/root)" {
	sed 's/^spec:$/spec:\n  hostUsers: false/' "$SEEDS/share-process-namespace.yaml" >"$BATS_TEST_TMPDIR/seed.yaml"
	grep -q 'hostUsers: false' "$BATS_TEST_TMPDIR/seed.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/seed.yaml"
	wait_for 60 pod_is nginx Running
	ps_ax() { peapod exec nginx -c shell -- ps ax; }
	worker() { ps_ax | awk '/nginx: worker process/ && !/awk/ {print $1; exit}'; }
	has_worker() { [ -n "$(worker)" ]; }
	wait_for 10 has_worker || { peapod logs nginx -c nginx; peapod describe pod nginx | tail; false; }
	run ps_ax
	echo "$output"
	[[ "$output" =~ (^|$'\n')\ *1\ +root\ +/pause($'\n'|$) ]]
	w=$(worker)
	awk -v p="$w" '$1 == p { print $2 }' <<<"$output" | grep -qx 101
	master=$(awk '/nginx: master process/ {print $1; exit}' <<<"$output")
	# An nginx file of the image owned by 101 shows 101 inside.
	run peapod exec nginx -c nginx -- stat -c %u /var/lib/nginx/body
	[ "$output" = 101 ]
	run peapod exec nginx -c shell -- kill -HUP "$master"
	[ "$status" -eq 0 ]
	new_worker() { local n; n=$(worker); [ -n "$n" ] && [ "$n" != "$w" ]; }
	wait_for 20 new_worker
	run peapod exec nginx -c shell -- head -1 /proc/"$master"/root/etc/nginx/nginx.conf
	[ "$status" -eq 0 ]
	[ "$output" = "user  nginx;" ]
	base=$(peapod exec nginx -c shell -- cat /proc/self/uid_map | awk '{print $2}')
	[ "$base" -gt 0 ]
	peapod delete pod nginx --now
}

@test "hostUsers false: volumes are idmapped, usable by root inside with their owners" {
	mkdir -p "$BATS_TEST_TMPDIR/host"
	echo mine >"$BATS_TEST_TMPDIR/host/secret"
	chmod 0600 "$BATS_TEST_TMPDIR/host/secret"
	chown 0:0 "$BATS_TEST_TMPDIR/host/secret"
	peapod create configmap cfg --from-literal=greeting=hello
	peapod create secret generic sec --from-literal=pw=s3cret
	manifest "$BATS_TEST_TMPDIR/v.yaml" uv <<'YAML'
  hostUsers: false
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
    - {name: mem, mountPath: /mem}
    - {name: cfg, mountPath: /cfg}
    - {name: sec, mountPath: /sec}
    - {name: info, mountPath: /info}
    - {name: host, mountPath: /host}
  volumes:
  - {name: scratch, emptyDir: {}}
  - {name: mem, emptyDir: {medium: Memory}}
  - {name: cfg, configMap: {name: cfg}}
  - {name: sec, secret: {secretName: sec, defaultMode: 0400}}
  - name: info
    downwardAPI:
      items:
      - {path: name, fieldRef: {fieldPath: metadata.name}}
  - {name: host, hostPath: {path: $BATS_TEST_TMPDIR/host}}
YAML
	sed -i "s|\$BATS_TEST_TMPDIR|$BATS_TEST_TMPDIR|" "$BATS_TEST_TMPDIR/v.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/v.yaml"
	wait_for 30 pod_is uv Running || { peapod describe pod uv | tail -5; false; }
	run peapod exec uv -- sh -c 'for f in /cfg/greeting /sec/pw /info/name; do cat $f; echo; done; stat -L -c %u:%g:%a /sec/pw /cfg/greeting /scratch /etc/hosts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[ "${lines[1]}" = s3cret ]
	[ "${lines[2]}" = uv ]
	[ "${lines[3]}" = 0:0:400 ]
	[ "${lines[4]}" = 0:0:644 ]
	[ "${lines[5]}" = 0:0:777 ]
	[ "${lines[6]}" = 0:0:644 ]
	# Root inside writes them; through the idmapped mount its files are the
	# host's root's, as if written by root on the host.
	peapod exec uv -- sh -c 'echo a >/scratch/f; echo b >/mem/f; chown 7:7 /scratch/f; echo 1.2.3.4 x >>/etc/hosts'
	vols=$PEAPOD_ROOT/run/pods/$(pod_uid uv)/volumes
	[ "$(stat -c %u:%g "$vols/kubernetes.io~empty-dir/scratch/f")" = 7:7 ]
	[ "$(cat "$vols/kubernetes.io~empty-dir/mem/f")" = b ]
	run peapod exec uv -- sh -c 'stat -c %u /scratch/f; tail -1 /etc/hosts'
	[ "${lines[0]}" = 7 ]
	[ "${lines[1]}" = "1.2.3.4 x" ]
	# hostPath too (the kubelet idmaps every volume): the host root's 0600
	# file is root's inside, and what root writes is the host root's.
	run peapod exec uv -- sh -c 'stat -c %u:%g /host/secret; cat /host/secret; echo w >/host/new'
	[ "${lines[0]}" = 0:0 ]
	[ "${lines[1]}" = mine ]
	[ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/host/new")" = 0:0 ]
	# Read-only stays read-only.
	run peapod exec uv -- sh -c 'echo x >/cfg/new'
	[ "$status" -ne 0 ]
	peapod delete pod uv --now
}

@test "procMount: Unmasked in a hostUsers false pod: no masked or read-only /proc paths" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" pm <<'YAML'
  hostUsers: false
  containers:
  - name: open
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext: {procMount: Unmasked}
  - name: masked
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext: {procMount: Default}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is pm Running
	run peapod exec pm -c open -- sh -c 'wc -c </proc/interrupts; grep -c " /proc/sys " /proc/self/mountinfo'
	[ "${lines[0]}" -gt 0 ]
	[ "${lines[1]}" = 0 ]
	run peapod exec pm -c masked -- sh -c 'wc -c </proc/interrupts; grep -c " /proc/sys " /proc/self/mountinfo'
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 1 ]
	run peapod get pod pm -o json
	[ "$(jq -r '.spec.containers[0].securityContext.procMount' <<<"$output")" = Unmasked ]
	peapod delete pod pm --now
	# Refused without hostUsers: false, in the API server's words.
	sed -i '/hostUsers/d' "$BATS_TEST_TMPDIR/p.yaml"
	refused 'spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`'
}

@test "hostUsers false: the ranges of user peapod in /etc/subuid and /etc/subgid, as the kubelet's of user kubelet" {
	export PEAPOD_HOST_ETC=$BATS_TEST_TMPDIR/etc
	mkdir -p "$PEAPOD_HOST_ETC"
	echo 'peapod:x:999:999::/nonexistent:/usr/sbin/nologin' >"$PEAPOD_HOST_ETC/passwd"
	echo 'peapod:655360000:131072' >"$PEAPOD_HOST_ETC/subuid"
	echo 'peapod:655360000:131072' >"$PEAPOD_HOST_ETC/subgid"
	two_pods
	[ "$(host_base ua)" = 655360000 ]
	[ "$(host_base ub)" = $((655360000 + 65536)) ]
	# both blocks taken: the third pod gets none
	userns_pod "$BATS_TEST_TMPDIR/c.yaml" uc
	peapod apply -f "$BATS_TEST_TMPDIR/c.yaml"
	wait_for 30 describe_has uc "no free user namespace range (all 2 taken)"
	peapod delete pod uc --now
	peapod delete pod ub --now
	# a range that is not whole blocks is refused, naming the file
	echo 'peapod:655360000:1000' >"$PEAPOD_HOST_ETC/subgid"
	userns_pod "$BATS_TEST_TMPDIR/d.yaml" ud
	peapod apply -f "$BATS_TEST_TMPDIR/d.yaml"
	wait_for 30 describe_has ud "$PEAPOD_HOST_ETC/subgid: the range of user peapod must start at a non-zero multiple of 65536"
	peapod delete pod ud --now
	peapod delete pod ua --now
}

describe_has() { # POD TEXT
	[[ "$(peapod describe pod "$1")" == *"$2"* ]]
}
