#!/usr/bin/env bats
# Who a container runs as: securityContext runAsUser, runAsGroup,
# supplementalGroups, runAsNonRoot, allowPrivilegeEscalation and
# readOnlyRootFilesystem, at pod and container level, as the kubelet and
# containerd apply them.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

@test "runAsUser 65534: id -u and the owner of created files" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext:
      runAsUser: 65534
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc Running
	run peapod exec sc -c c -- id -u
	[ "$status" -eq 0 ]
	[ "$output" = "65534" ]
	# the gid comes from the image's /etc/passwd entry for 65534
	run peapod exec sc -c c -- id -g
	[ "$output" = "65534" ]
	peapod exec sc -c c -- touch /tmp/f
	run peapod exec sc -c c -- stat -c '%u:%g' /tmp/f
	[ "$output" = "65534:65534" ]
	# the main process too, not only exec
	pid=$(container_pid sc c)
	[ "$(awk '/^Uid:/{print $2}' /proc/"$pid"/status)" = 65534 ]
	# a root-owned file stays out of reach
	run peapod exec sc -c c -- touch /root/x
	[ "$status" -ne 0 ]
}

@test "the container's runAsUser overrides the pod's; runAsGroup and supplementalGroups in id" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    supplementalGroups: [4000, 5000]
  containers:
  - name: pod-level
    image: busybox:1.28
    command: ["sleep", "3600"]
  - name: own
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext:
      runAsUser: 2000
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc Running
	run peapod exec sc -c pod-level -- id
	[ "$output" = "uid=1000 gid=3000 groups=3000,4000,5000" ]
	run peapod exec sc -c own -- id
	[ "$output" = "uid=2000 gid=3000 groups=3000,4000,5000" ]
	# and the pod keeps its securityContext in get -o json
	run peapod get pods sc -o json
	[[ "$output" =~ \"runAsGroup\":\ *3000 ]]
}

@test "runAsNonRoot with a root image: CreateContainerConfigError, nothing started" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  securityContext:
    runAsNonRoot: true
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc CreateContainerConfigError
	run peapod get pods sc
	[[ "${lines[1]}" =~ ^sc\ +0/1\ +CreateContainerConfigError\ +0 ]]
	uid=$(readlink "$PEAPOD_ROOT/run/names/default/sc")
	run peapod get pods sc -o json
	[[ "$output" =~ "container has runAsNonRoot and image will run as root (pod: \\\"sc_default($uid)\\\", container: c)" ]]
	# no container process: only the pause process is in the pod's cgroup,
	# and nothing of the container is in the runtime
	run peapod get pods sc -o json
	[[ ! "$output" =~ \"running\" ]]
	[ "$(container_pid sc c)" = 0 ]
	[ ! -e "$PEAPOD_ROOT/run/pods/$uid/containers/c/rootfs/bin" ]
}

@test "runAsNonRoot with runAsUser 1000 runs" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  securityContext:
    runAsNonRoot: true
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext:
      runAsUser: 1000
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc Running
	run peapod exec sc -c c -- id -u
	[ "$output" = "1000" ]
}

@test "allowPrivilegeEscalation: false sets no_new_privs, unset leaves it off" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  containers:
  - name: nnp
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext:
      allowPrivilegeEscalation: false
  - name: plain
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc Running
	run peapod exec sc -c nnp -- grep NoNewPrivs /proc/self/status
	[[ "$output" =~ ^NoNewPrivs:[[:space:]]+1$ ]]
	pid=$(container_pid sc nnp)
	grep -Eq '^NoNewPrivs:[[:space:]]+1$' /proc/"$pid"/status
	run peapod exec sc -c plain -- grep NoNewPrivs /proc/self/status
	[[ "$output" =~ ^NoNewPrivs:[[:space:]]+0$ ]]
}

@test "readOnlyRootFilesystem: / and /tmp refuse writes, the pod's mounts stay" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext:
      readOnlyRootFilesystem: true
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc Running
	run peapod exec sc -c c -- touch /x
	[ "$status" -ne 0 ]
	[[ "$output" =~ "Read-only file system" ]]
	run peapod exec sc -c c -- touch /tmp/x
	[ "$status" -ne 0 ]
	[[ "$output" =~ "Read-only file system" ]]
	# /dev/shm and the termination log are writable, /etc/hosts is there
	peapod exec sc -c c -- touch /dev/shm/x
	peapod exec sc -c c -- sh -c 'echo bye >/dev/termination-log'
	run peapod exec sc -c c -- grep -c sc /etc/hosts
	[ "$output" -ge 1 ]
	run peapod exec sc -c c -- cat /etc/hostname
	[ "$output" = "sc" ]
}

# Has some container of pod $1 restarted once?
restarted_once() {
	peapod get pods "$1" -o json | grep -Eq '"restartCount": *1'
}

@test "a sidecar as 65534 signals its own uid's processes in a shared pid namespace, not root's" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  shareProcessNamespace: true
  containers:
  - name: root
    image: busybox:1.28
    command: ["sleep", "3599"]
  - name: nobody
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext:
      runAsUser: 65534
  - name: side
    image: busybox:1.28
    command: ["sleep", "3601"]
    securityContext:
      runAsUser: 65534
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc Running
	run peapod exec sc -c side -- ps
	rootpid=$(echo "$output" | awk '$2 == "root" && $3 == "sleep" && $4 == "3599" {print $1}')
	nobodypid=$(echo "$output" | awk '$2 == "nobody" && $3 == "sleep" && $4 == "3600" {print $1}')
	[ -n "$rootpid" ]
	[ -n "$nobodypid" ]
	# the kernel decides: a different uid without CAP_KILL is EPERM
	run peapod exec sc -c side -- kill "$rootpid"
	[ "$status" -ne 0 ]
	[[ "$output" =~ "Operation not permitted" ]]
	run peapod exec sc -c side -- kill "$nobodypid"
	[ "$status" -eq 0 ]
	# the victim container restarts; root's sleep is untouched
	wait_for 30 restarted_once sc
	run peapod exec sc -c root -- kill -0 "$rootpid"
	[ "$status" -eq 0 ]
}

@test "HOME comes from the image's /etc/passwd for the user, as runc sets it, unless env gives it" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" home <<'YAML'
  containers:
  - name: root
    image: busybox:1.28
    command: ["sleep", "3600"]
  - name: nobody
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext: {runAsUser: 65534}
  - name: given
    image: busybox:1.28
    command: ["sleep", "3600"]
    env: [{name: HOME, value: /data}]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is home Running
	run peapod exec home -c root -- sh -c 'echo $HOME'
	[ "$output" = /root ]
	home=$(peapod exec home -c nobody -- sh -c 'grep "^[^:]*:[^:]*:65534:" /etc/passwd | cut -d: -f6')
	run peapod exec home -c nobody -- sh -c 'echo $HOME'
	[ "$output" = "$home" ]
	run peapod exec home -c given -- sh -c 'echo $HOME'
	[ "$output" = /data ]
	# the main process got it too
	run peapod exec home -c root -- sh -c 'tr "\0" "\n" </proc/1/environ | grep ^HOME='
	[ "$output" = HOME=/root ]
}
