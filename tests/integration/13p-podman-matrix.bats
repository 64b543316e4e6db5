#!/usr/bin/env bats
# Issue 13's podman matrix: everyday `podman run` options and verbs with
# `podman --runtime RUNTIME`, each checked by its effect inside the
# container. RUNTIME is pea by default; MATRIX_RUNTIME=/usr/sbin/runc (or
# crun) runs the same cases on a reference runtime, which proves them.
# podman is offline and private to the file (helpers.bash podman_setup);
# every container has --network none: nothing touches this machine's
# network namespace.

load helpers

PEA=${MATRIX_RUNTIME:-$PEA}

setup_file() {
	TMP=$(mktemp -d /tmp/pea-podman.XXXXXX)
	export TMP
	podman_setup
	# --init: Debian's catatonit (podman's default path is Fedora's)
	sed -i '/^\[containers\]/a init_path = "/usr/bin/catatonit"' "$TMP/podman/containers.conf"
	podman_busybox >/dev/null
	podman_cmd load -i "$IMAGES/nginx.tar" >/dev/null
}

teardown_file() {
	[ -n "${TMP:-}" ] || return 0
	podman_cmd kube down "$SEEDS_DIR/share-process-namespace.yaml" >/dev/null 2>&1 || true
	podman_cmd pod rm -af >/dev/null 2>&1 || true
	podman_teardown
	rm -rf "$TMP"
}

setup() {
	command -v podman >/dev/null || skip "podman not installed (apt-get install podman)"
	[ -d "${TMP:-}/podman" ] || skip "podman_setup skipped in setup_file"
}

teardown() {
	podman_cmd rm -af -t 0 >/dev/null 2>&1 || true
}

SEEDS_DIR=$SEEDS
IMG=docker.io/library/busybox:1.28

# prun ARGS... CMD: `podman run --rm --network none ARGS`, output shown on failure
prun() {
	podman_cmd run --rm --network none "$@"
}

# A detached container NAME running sleep (extra ARGS before the image).
detached() { # NAME [ARGS...]
	local name=$1
	shift
	podman_cmd run -d --network none --name "$name" "$@" "$IMG" sleep 1000 >/dev/null
}

state_of() { # NAME → podman's State.Status
	podman_cmd inspect --format '{{.State.Status}}' "$1"
}

state_is() { # NAME STATUS
	[ "$(state_of "$1")" = "$2" ]
}

# A cgroup file of the container as it sees it: the v1 controller's file, or
# the v2 one (cgroup2 at /sys/fs/cgroup).
CG_READ='cg() { cat "/sys/fs/cgroup/$1/$2" 2>/dev/null || cat "/sys/fs/cgroup/$3"; }'

@test "podman run --rm: output, exit code, container removed" {
	run prun "$IMG" sh -c 'echo hello from $(cat /proc/1/comm); exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"hello from sh"* ]]
	run podman_cmd ps -aq
	[ -z "$output" ]
}

@test "podman run --read-only: / is read-only, /tmp a writable tmpfs" {
	run prun --read-only "$IMG" sh -c 'touch /tmp/ok && echo tmp-ok; grep " /tmp " /proc/mounts; touch /etc/no'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *tmp-ok* ]]
	[[ "$output" == *"tmpfs /tmp tmpfs"* ]]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "podman run --tmpfs /x: a writable tmpfs on /x" {
	run prun --tmpfs /x "$IMG" sh -c 'grep " /x " /proc/mounts && echo data >/x/f && cat /x/f'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"tmpfs /x tmpfs rw"* ]]
	[[ "$output" == *data* ]]
}

@test "podman run --privileged: every capability, the host's devices, rw /sys" {
	run prun --privileged "$IMG" sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status; ls /dev/loop-control; grep " /sys " /proc/mounts'
	echo "$output"
	[ "$status" -eq 0 ]
	local bnd
	bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
	[[ "$output" == *"CapEff:	$bnd"* ]]
	[[ "$output" == */dev/loop-control* ]]
	[[ "$output" == *"sysfs /sys sysfs rw"* ]]
}

@test "podman run --device /dev/null:/dev/xnull: the node, usable" {
	run prun --device /dev/null:/dev/xnull "$IMG" sh -c 'stat -c "%F %t:%T" /dev/xnull && echo x >/dev/xnull && echo wrote'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"character special file 1:3"* ]]
	[[ "$output" == *wrote* ]]
}

@test "podman run --memory 64m: the container's memory limit" {
	run prun --memory 64m "$IMG" sh -c "$CG_READ; cg memory memory.limit_in_bytes memory.max"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 67108864 ]
}

@test "podman run --pids-limit 77: pids.max" {
	run prun --pids-limit 77 "$IMG" sh -c "$CG_READ; cg pids pids.max pids.max"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 77 ]
}

@test "podman run --cpus 0.5: the CFS quota" {
	run prun --cpus 0.5 "$IMG" sh -c "$CG_READ; echo \$(cg cpu cpu.cfs_quota_us cpu.max) \$(cg cpu cpu.cfs_period_us cpu.max)"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "50000 100000" || "$output" == "50000 100000 50000 100000" ]]
}

@test "podman run --cpuset-cpus 0: cpuset.cpus and the affinity" {
	run prun --cpuset-cpus 0 "$IMG" sh -c "$CG_READ; cg cpuset cpuset.cpus cpuset.cpus; grep Cpus_allowed_list /proc/self/status"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[[ "${lines[1]}" == *"Cpus_allowed_list:"*0 ]]
}

@test "podman run --user 1000:1000: the process's ids" {
	run prun --user 1000:1000 "$IMG" sh -c 'id -u; id -g; touch /x'
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	[[ "$output" == *"Permission denied"* ]]
}

@test "podman run --cap-drop ALL: no capability left" {
	run prun --cap-drop ALL "$IMG" sh -c 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status; chown 1 /tmp'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"CapPrm:	0000000000000000"*"CapEff:	0000000000000000"*"CapBnd:	0000000000000000"* ]]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "podman run --uidmap 0:100000:65536: root inside is 100000 outside" {
	run prun --uidmap 0:100000:65536 "$IMG" sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /bin/sh'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = 0 ]
}

@test "podman run -v SRC:DST:rshared: a shared mount, the host's later mounts seen inside" {
	mkdir -p "$TMP/vol"
	mount --bind "$TMP/vol" "$TMP/vol"
	mount --make-shared "$TMP/vol"
	podman_cmd run -d --network none --name shared -v "$TMP/vol:/v:rshared" "$IMG" sleep 1000 >/dev/null
	run podman_cmd exec shared grep " /v " /proc/self/mountinfo
	echo "$output"
	[[ "$output" == *" shared:"* ]]
	mkdir -p "$TMP/vol/sub"
	mount -t tmpfs -o size=1m later "$TMP/vol/sub"
	run podman_cmd exec shared grep " /v/sub " /proc/self/mountinfo
	echo "$output"
	umount "$TMP/vol/sub"
	[[ "$output" == *" /v/sub "*tmpfs* ]]
}

@test "podman run --sysctl net.ipv4.ip_forward=1: set in the container's netns" {
	run prun --sysctl net.ipv4.ip_forward=1 "$IMG" cat /proc/sys/net/ipv4/ip_forward
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
}

@test "podman run --ulimit nofile=512:512: soft and hard limits" {
	# with any --ulimit podman sets nproc to 1048576, above this machine's
	# hard limit (HOST.md): keep it below
	run prun --ulimit nofile=512:512 --ulimit nproc=1000:2000 "$IMG" sh -c 'ulimit -Sn; ulimit -Hn; ulimit -Su; ulimit -Hu'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 512 ]
	[ "${lines[1]}" = 512 ]
	[ "${lines[2]}" = 1000 ]
	[ "${lines[3]}" = 2000 ]
}

@test "podman run --init: an init is PID 1, the command its child" {
	run prun --init "$IMG" sh -c 'cat /proc/1/comm; echo $$'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != sh ]
	[ "${lines[1]}" != 1 ]
}

@test "podman run -it: a terminal, its size, input read from it" {
	{
		# timeout's own process group would stop podman reading the terminal
		declare -f podman_cmd | sed 's/timeout 60/timeout --foreground 60/'
		echo "TMP=$TMP PEA=$PEA"
		echo 'stty cols 91 rows 17'
		echo "podman_cmd run -it --rm --network none $IMG sh -c 'tty; stty size; read l; echo got \$l'"
		echo "rc=\$?; touch $TMP/it.done; exit \$rc"
	} >"$TMP/it.sh"
	# script ends the session at the end of its input: keep it open until
	# the command is done
	run timeout 60 script -qec "bash $TMP/it.sh" /dev/null < <(
		echo typed
		for _ in $(seq 600); do [ -e "$TMP/it.done" ] && break; sleep 0.1; done
	)
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == */dev/pts/* ]]
	[[ "$output" == *"17 91"* ]]
	[[ "$output" == *"got typed"* ]]
}

@test "podman exec: output, exit code, --user, -e, -w" {
	detached ex
	run podman_cmd exec -u 1000 -e FOO=bar -w /tmp ex sh -c 'id -u; echo $FOO; pwd; exit 7'
	echo "$output"
	[ "$status" -eq 7 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = bar ]
	[ "${lines[2]}" = /tmp ]
	run podman_cmd exec ex cat /proc/1/comm
	[ "$output" = sleep ]
}

@test "podman pause, unpause: frozen, then running again" {
	detached pz
	podman_cmd pause pz
	run state_of pz
	echo "$output"
	[ "$output" = paused ]
	local pid
	pid=$(podman_cmd inspect --format '{{.State.Pid}}' pz)
	# a frozen task is stopped in the freezer (D or S in /proc, never running)
	run podman_cmd exec pz true
	[ "$status" -ne 0 ]
	podman_cmd unpause pz
	run state_of pz
	[ "$output" = running ]
	run podman_cmd exec pz sh -c 'echo alive'
	[ "$output" = alive ]
	[ -d "/proc/$pid" ]
}

@test "podman update --memory: the running container's new limit" {
	detached up --memory 64m
	podman_cmd update --memory 32m up
	run podman_cmd exec up sh -c "$CG_READ; cg memory memory.limit_in_bytes memory.max"
	echo "$output"
	[ "$output" = 33554432 ]
}

@test "podman stats --no-stream: the container's own memory and pids" {
	podman_cmd run -d --network none --name st "$IMG" sh -c 'sleep 1000 & sleep 1000 & touch /tmp/up; wait' >/dev/null
	wait_for 20 podman_cmd exec st test -e /tmp/up
	run podman_cmd stats --no-stream --format '{{.MemUsage}}|{{.PIDs}}' st
	echo "$output"
	[ "$status" -eq 0 ]
	# memory: something, not 0B; pids: sh and its two sleeps
	[[ "$output" != 0B* ]]
	[[ "$output" == *"|3" ]]
}

@test "podman top: the container's processes" {
	detached tp
	run podman_cmd top tp pid comm
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *1*sleep* ]]
}

@test "podman stop: SIGTERM reaches the process, its exit code kept" {
	podman_cmd run -d --network none --name sp "$IMG" \
		sh -c 'trap "exit 42" TERM; touch /tmp/up; while :; do sleep 0.1; done' >/dev/null
	wait_for 20 podman_cmd exec sp test -e /tmp/up
	podman_cmd stop -t 30 sp
	run podman_cmd inspect --format '{{.State.Status}} {{.State.ExitCode}}' sp
	echo "$output"
	[ "$output" = "exited 42" ]
}

@test "podman restart: a new process, running again" {
	detached rs
	local pid
	pid=$(podman_cmd inspect --format '{{.State.Pid}}' rs)
	podman_cmd restart -t 0 rs
	run state_of rs
	[ "$output" = running ]
	run podman_cmd inspect --format '{{.State.Pid}}' rs
	echo "$pid -> $output"
	[ "$output" != "$pid" ]
	run podman_cmd exec rs cat /proc/1/comm
	[ "$output" = sleep ]
}

@test "podman kube play: the seed pod, its containers sharing a PID namespace" {
	run podman_cmd kube play --network none "$SEEDS_DIR/share-process-namespace.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 30 state_is nginx-nginx running
	run state_of nginx-shell
	[ "$output" = running ]
	run podman_cmd exec nginx-shell ps
	echo "$output"
	[[ "$output" == *"nginx: master process"* ]]
	local pod
	pod=$(podman_cmd pod inspect --format '{{.Id}}' nginx)
	run podman_cmd kube down "$SEEDS_DIR/share-process-namespace.yaml"
	echo "$output"
	# podman's cgroupfs manager leaves the pod's folder in the hierarchies
	# it does not manage (name=systemd, unified) on a hybrid host
	find /sys/fs/cgroup/ -maxdepth 3 -type d -path "*/libpod_parent/$pod" -exec rmdir {} + 2>/dev/null || true
	[ "$status" -eq 0 ]
	[ -n "$pod" ]
	run find /sys/fs/cgroup/ -maxdepth 3 -path "*/libpod_parent/$pod"
	[ -z "$output" ]
}

# podman 4.3's conmon does not report OOMKilled on this hybrid host, even
# with runc: the kill itself (SIGKILL, 137) is what is checked
@test "podman run --memory 16m: a process over the limit is killed" {
	run prun --memory 16m --memory-swap 16m "$IMG" sh -c 'echo start; tail /dev/zero'
	echo "$output"
	[ "$status" -eq 137 ]
	[ "$output" = start ]
}
