#!/usr/bin/env bats
# config-linux.md "Control groups" and runc's cgroup mount: the container's
# /sys/fs/cgroup shows its own cgroup, it is placed in every hierarchy, and
# linux.resources lands in the host's cgroup files (v1 on a hybrid host,
# v2 on a pure one, with runc's v1->v2 conversions).

load helpers

# v1 CTRL: true when the host mounts controller CTRL as cgroup v1.
v1() {
	[ "$(stat -f -c %T "/sys/fs/cgroup/$1" 2>/dev/null)" = cgroupfs ]
}

# host_file CTRL NAME FILE: the host's copy of the container NAME's cgroup
# file, from the v1 hierarchy of CTRL when there, else the v2 folder.
host_file() { # CTRL NAME FILE
	if v1 "$1"; then
		echo "/sys/fs/cgroup/$1/$CG_PARENT/$2/$3"
	else
		echo "$CG_V2/$CG_PARENT/$2/$3"
	fi
}

# created_with JQ_FILTER: container c of ["true"], the filter applied to
# its config, created (not started).
created_with() { # FILTER
	make_bundle c '["true"]' >/dev/null
	bundle_set c "$1"
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
}

# refused JQ_FILTER: container c of ["true"] with the filter applied
# fails to run.
refused() { # FILTER
	make_bundle c '["true"]' >/dev/null
	bundle_set c "$1"
	run rt run --bundle "$TMP/c" c
	[ "$status" -ne 0 ]
}

cgroup_mount='{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
  "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}'

@test "cgroups: with a cgroup namespace, /sys/fs/cgroup inside is the container's cgroup" {
	make_bundle c '["sh", "-c", "cat /proc/self/cgroup; if [ -e /sys/fs/cgroup/cgroup.controllers ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; else cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; fi"]' >/dev/null
	bundle_set c ".linux.namespaces += [{\"type\": \"cgroup\"}] | .mounts += [$cgroup_mount] |
		.linux.resources = {\"memory\": {\"limit\": 33554432}, \"pids\": {\"limit\": 42}}"
	run_bundle c
	[ "$status" -eq 0 ]
	echo "$output"
	# every hierarchy's path is the namespace's root
	[ "$(echo "$output" | grep -c ':/$')" -eq "$(echo "$output" | grep -c '^[0-9]*:')" ]
	echo "$output" | grep -qx 33554432
	echo "$output" | grep -qx 42
}

@test "cgroups: without a cgroup namespace, /sys/fs/cgroup inside still shows the container's own v1 folders" {
	[ ! -f /sys/fs/cgroup/cgroup.controllers ] || skip "pure cgroup v2: runc mounts the host's root there"
	make_bundle c '["sh", "-c", "cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes"]' >/dev/null
	bundle_set c ".mounts += [$cgroup_mount] |
		.linux.resources = {\"memory\": {\"limit\": 16777216}, \"pids\": {\"limit\": 37}}"
	run_bundle c
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 37 ]
	[ "${lines[1]}" = 16777216 ]
}

@test "cgroups: the cgroup mount is read-only unless the config says rw" {
	# a cgroup folder made in a hierarchy: the memory one on a v1 host
	# (/sys/fs/cgroup is a tmpfs there, whose mode each runtime picks)
	local try='d=/sys/fs/cgroup/memory; [ ! -e /sys/fs/cgroup/cgroup.controllers ] || d=/sys/fs/cgroup; mkdir $d/sub 2>/dev/null && rmdir $d/sub && echo writable || echo ro'
	make_bundle c "$(jq -cn --arg c "$try" '["sh", "-c", $c]')" >/dev/null
	bundle_set c ".linux.namespaces += [{\"type\": \"cgroup\"}] | .mounts += [$cgroup_mount]"
	run_bundle c
	[ "$status" -eq 0 ]
	[ "$output" = ro ]
	bundle_set c '.mounts[-1].options |= map(if . == "ro" then "rw" else . end)'
	run_bundle c
	[ "$status" -eq 0 ]
	[ "$output" = writable ]
}

@test "cgroups: the container's processes are in its cgroup in every hierarchy the host has" {
	started c '["sleep", "60"]'
	pid=$(state_field c pid)
	cat "/proc/$pid/cgroup"
	# one line a hierarchy (v1 ones, name=systemd and the v2 one), each the container's
	[ "$(grep -vc ":/$CG_PARENT/c\$" "/proc/$pid/cgroup")" -eq 0 ]
	if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
		for h in /sys/fs/cgroup/*/; do
			[ "$(stat -f -c %T "$h")" = cgroupfs ] || continue
			grep -qx "$pid" "$h$CG_PARENT/c/cgroup.procs"
		done
	fi
}

@test "cgroups: memory limit, reservation and swap reach the host's files" {
	created_with '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432, "swap": 134217728}'
	if v1 memory; then
		[ "$(cat "$(host_file memory c memory.limit_in_bytes)")" = 67108864 ]
		[ "$(cat "$(host_file memory c memory.soft_limit_in_bytes)")" = 33554432 ]
		[ "$(cat "$(host_file memory c memory.memsw.limit_in_bytes)")" = 134217728 ]
	else
		[ "$(cat "$(host_file memory c memory.max)")" = 67108864 ]
		[ "$(cat "$(host_file memory c memory.low)")" = 33554432 ]
		# v2 swap excludes memory: 128 MiB - 64 MiB
		[ "$(cat "$(host_file memory c memory.swap.max)")" = 67108864 ]
	fi
}

@test "cgroups: v1 memory swappiness and disableOOMKiller" {
	v1 memory || skip "needs the v1 memory controller (cgroup v2 has neither file)"
	created_with '.linux.resources.memory = {"limit": 67108864, "swappiness": 17, "disableOOMKiller": true}'
	[ "$(cat "$(host_file memory c memory.swappiness)")" = 17 ]
	grep -qx 'oom_kill_disable 1' "$(host_file memory c memory.oom_control)"
}

@test "cgroups: a swappiness above 100 is refused" {
	v1 memory || skip "needs the v1 memory controller"
	# above 200 the kernel too refuses it
	refused '.linux.resources.memory = {"swappiness": 201}'
	run rt state c
	[ "$status" -ne 0 ]
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: swappiness is not checked against 0-100, 101 is written and the kernel (0-200) takes it"
	bundle_set c '.linux.resources.memory = {"swappiness": 101}'
	run rt run --bundle "$TMP/c" c
	[ "$status" -ne 0 ]
	run rt state c
	[ "$status" -ne 0 ]
}

@test "cgroups: a swap limit below the memory limit is refused" {
	refused '.linux.resources.memory = {"limit": 67108864, "swap": 33554432}'
}

@test "cgroups: cpu shares, quota and period reach the host's files" {
	created_with '.linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 200000}'
	if v1 cpu; then
		[ "$(cat "$(host_file cpu c cpu.shares)")" = 512 ]
		[ "$(cat "$(host_file cpu c cpu.cfs_quota_us)")" = 50000 ]
		[ "$(cat "$(host_file cpu c cpu.cfs_period_us)")" = 200000 ]
	else
		# runc's conversion: 1 + (512 - 2) * 9999 / 262142 = 20
		[ "$(cat "$(host_file cpu c cpu.weight)")" = 20 ]
		[ "$(cat "$(host_file cpu c cpu.max)")" = "50000 200000" ]
	fi
}

@test "cgroups: cpuset cpus and mems reach the host's files" {
	created_with '.linux.resources.cpu = {"cpus": "0", "mems": "0"}'
	[ "$(cat "$(host_file cpuset c cpuset.cpus)")" = 0 ]
	[ "$(cat "$(host_file cpuset c cpuset.mems)")" = 0 ]
}

@test "cgroups: a cpuset of cpus the host does not have is refused" {
	refused '.linux.resources.cpu = {"cpus": "4096"}'
}

@test "cgroups: pids limit reaches the host's file and stops forks" {
	make_bundle c '["sh", "-c", "sleep 2 & sleep 2 & sleep 2 & sleep 2 & wait"]' >/dev/null
	bundle_set c '.linux.resources.pids = {"limit": 3}'
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	[ "$(cat "$(host_file pids c pids.max)")" = 3 ]
	rt delete c
	run_bundle c
	echo "$output"
	[[ "$output" == *"can't fork"* ]]
}

@test "cgroups: hugepage limits reach the host's hugetlb files" {
	[ -e /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2 MB huge pages"
	v1 hugetlb || [ -f /sys/fs/cgroup/cgroup.controllers ] ||
		skip "hugetlb is on the unified hierarchy of a hybrid host, which runc does not use"
	created_with '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	if v1 hugetlb; then
		[ "$(cat "$(host_file hugetlb c hugetlb.2MB.limit_in_bytes)")" = 4194304 ]
	else
		[ "$(cat "$(host_file hugetlb c hugetlb.2MB.max)")" = 4194304 ]
	fi
}

@test "cgroups: unified keys reach the v2 files (pure cgroup v2)" {
	[ -f /sys/fs/cgroup/cgroup.controllers ] || skip "needs pure cgroup v2 (this host is hybrid)"
	created_with '.linux.resources.unified = {"pids.max": "13", "memory.high": "50331648"}'
	[ "$(cat "$CG_V2/$CG_PARENT/c/pids.max")" = 13 ]
	[ "$(cat "$CG_V2/$CG_PARENT/c/memory.high")" = 50331648 ]
}

@test "cgroups: unified keys are refused on a cgroup v1 or hybrid host" {
	[ ! -f /sys/fs/cgroup/cgroup.controllers ] || skip "pure cgroup v2 takes them"
	refused '.linux.resources.unified = {"pids.max": "13"}'
}

@test "cgroups: update --resources applies a linux.resources object to a running container" {
	rt update --help >/dev/null 2>&1 || skip "$RUNTIME_NAME has no update command"
	started c '["sleep", "60"]'
	echo '{"memory": {"limit": 50331648}, "pids": {"limit": 21}, "cpu": {"shares": 300}}' >"$TMP/res.json"
	rt update --resources "$TMP/res.json" c
	[ "$(cat "$(host_file pids c pids.max)")" = 21 ]
	if v1 memory; then
		[ "$(cat "$(host_file memory c memory.limit_in_bytes)")" = 50331648 ]
	else
		[ "$(cat "$(host_file memory c memory.max)")" = 50331648 ]
	fi
	if v1 cpu; then
		[ "$(cat "$(host_file cpu c cpu.shares)")" = 300 ]
	fi
}

@test "cgroups: update --memory and --pids-limit flags" {
	rt update --help >/dev/null 2>&1 || skip "$RUNTIME_NAME has no update command"
	started c '["sleep", "60"]'
	rt update --memory 41943040 --pids-limit 17 c
	[ "$(cat "$(host_file pids c pids.max)")" = 17 ]
	if v1 memory; then
		[ "$(cat "$(host_file memory c memory.limit_in_bytes)")" = 41943040 ]
	else
		[ "$(cat "$(host_file memory c memory.max)")" = 41943040 ]
	fi
}

@test "cgroups: a memory limit below the usage is refused by update" {
	rt update --help >/dev/null 2>&1 || skip "$RUNTIME_NAME has no update command"
	v1 memory || skip "cgroup v2 takes a memory.max below the usage (it reclaims or kills)"
	started c '["sleep", "60"]'
	run rt update --memory 4096 c
	[ "$status" -ne 0 ]
}

@test "cgroups: events --stats reports the cgroup's cpu, memory and pids counters" {
	rt events --help >/dev/null 2>&1 || skip "$RUNTIME_NAME has no events command"
	make_bundle c '["sleep", "60"]' >/dev/null
	bundle_set c '.linux.resources = {"memory": {"limit": 33554432}, "pids": {"limit": 50}}'
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	rt start c
	run rt events --stats c
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(echo "$output" | jq -r .type)" = stats ]
	[ "$(echo "$output" | jq -r .id)" = c ]
	[ "$(echo "$output" | jq -r .data.memory.usage.limit)" = 33554432 ]
	[ "$(echo "$output" | jq -r .data.memory.usage.usage)" -gt 0 ]
	[ "$(echo "$output" | jq -r .data.pids.current)" = 1 ]
	[ "$(echo "$output" | jq -r .data.pids.limit)" = 50 ]
	[ "$(echo "$output" | jq -r .data.cpu.usage.total)" -gt 0 ]
	echo "$output" | jq -e '.data.memory.raw | type == "object"'
}

@test "cgroups: an OOM kill is counted in the container's cgroup" {
	v1 memory || [ -f /sys/fs/cgroup/cgroup.controllers ] || skip "no memory controller"
	make_bundle c '["true"]' >/dev/null
	# shellcheck disable=SC2016 # the container expands it
	bundle_set c '.process.args = ["sh", "-c", "a=a; while :; do a=$a$a$a$a; done"] | .linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	rt start c
	wait_status c stopped
	if v1 memory; then
		grep -Eq '^oom_kill [1-9]' "$(host_file memory c memory.oom_control)"
	else
		grep -Eq '^oom_kill [1-9]' "$(host_file memory c memory.events)"
	fi
}

# a block device of the host: "MAJ MIN", or nothing
block_dev() {
	local d
	for d in /sys/block/*/dev; do
		[ -e "$d" ] && tr ':' ' ' <"$d" && return 0
	done
}

@test "cgroups: blockIO throttles reach the host's files" {
	read -r maj min < <(block_dev) || skip "no block device"
	created_with ".linux.resources.blockIO = {
		\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}],
		\"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 300}]}"
	if v1 blkio; then
		grep -qx "$maj:$min 1048576" "$(host_file blkio c blkio.throttle.read_bps_device)"
		grep -qx "$maj:$min 300" "$(host_file blkio c blkio.throttle.write_iops_device)"
	else
		grep -q "^$maj:$min rbps=1048576 .*wiops=300" "$(host_file io c io.max)"
	fi
}

@test "cgroups: a blockIO weight is written where the host has a weight file, refused where not" {
	local f
	if ! v1 blkio; then
		created_with '.linux.resources.blockIO = {"weight": 500}'
		f=$CG_V2/$CG_PARENT/c
		# bfq takes the v1 value; io.weight runc's conversion 1 + (500 - 10) * 9999 / 990
		if [ -e "$f/io.bfq.weight" ]; then
			grep -q 500 "$f/io.bfq.weight"
		else
			grep -qx 'default 4950' "$f/io.weight"
		fi
		return 0
	fi
	f=/sys/fs/cgroup/blkio/blkio.bfq.weight
	[ -e "$f" ] || f=/sys/fs/cgroup/blkio/blkio.weight
	if [ ! -e "$f" ]; then
		refused '.linux.resources.blockIO = {"weight": 500}'
		return 0
	fi
	created_with '.linux.resources.blockIO = {"weight": 500}'
	grep -q 500 "$(host_file blkio c "$(basename "$f")")"
}

@test "cgroups: a realtime runtime the parent cgroup cannot give is refused" {
	v1 cpu || skip "needs the v1 cpu controller (cgroup v2 has no realtime budget)"
	[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || skip "kernel without RT group scheduling"
	refused '.linux.resources.cpu = {"realtimeRuntime": 1000, "realtimePeriod": 1000000}'
}
