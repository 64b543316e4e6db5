#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Mount propagation: linux.rootfsPropagation and per-mount propagation
# options with the bundle under a shared mount, as on every systemd host.
# Each case runs in a mount namespace of the test's own (unshare -m) where
# the bundle and the volume source sit on tmpfs mounts made shared; the
# namespace's mount table (and the host's) must be unchanged afterwards,
# except where a container's mount under an rshared volume is meant to
# reach the source (runc's semantics, as podman's -v SRC:DST:rshared).

# shellcheck disable=SC2016,SC2030,SC2031 # single-quoted container scripts; bats output
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

load helpers

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$PEA" ] || skip "no pea binary at $PEA"
	[ -x /bin/busybox ] || skip "needs busybox-static"
	command -v jq >/dev/null || skip "needs jq"
	TMP=$(mktemp -d /tmp/pea-prop.XXXXXX)
	ROOT=$TMP/state
	CG_PARENT="peatest-prop-$$-${BATS_TEST_NUMBER}"
	HOST_BEFORE=$(mount_set </proc/self/mountinfo | grep -F "$TMP" || true)
	make_proto
}

teardown() {
	[ -n "${TMP:-}" ] || return 0
	podman_teardown
	pea_teardown
	# The namespaces were the unshare processes': they are gone, and
	# nothing of theirs is mounted here (checked by host_unchanged).
	rm -rf "$TMP"
}

# mount_set: the set of mounts of a mountinfo on stdin, without mount IDs:
# root, mount point and filesystem type.
mount_set() {
	awk '{ for (i = 7; $i != "-"; i++) ; print $4, $5, $(i + 1) }' | sort
}

# The host's mounts under our folder (other tests may mount elsewhere
# meanwhile) are as they were.
host_unchanged() {
	local now
	now=$(mount_set </proc/self/mountinfo | grep -F "$TMP" || true)
	if [ "$now" != "$HOST_BEFORE" ]; then
		diff <(echo "$HOST_BEFORE") <(echo "$now") >&2 || true
		return 1
	fi
}

# A busybox rootfs and a config whose process mounts a tmpfs on /vol/sub
# (/vol: a bind of $TMP/vol) and prints /vol's mountinfo line.
make_proto() {
	local r=$TMP/proto/rootfs app
	mkdir -p "$r"/{bin,proc,dev,sys,tmp,vol}
	cp /bin/busybox "$r/bin/busybox"
	for app in sh mount mkdir cat grep true; do
		ln -s busybox "$r/bin/$app"
	done
	jq -n --arg cg "/$CG_PARENT/c" --arg vol "$TMP/vol" '{
	  ociVersion: "1.0.2",
	  process: {
	    args: ["sh", "-c", "mkdir -p /vol/sub && mount -t tmpfs ctr-tmp /vol/sub && grep \" /vol \" /proc/self/mountinfo"],
	    env: ["PATH=/bin"], cwd: "/", user: {uid: 0, gid: 0},
	    capabilities: {bounding: ["CAP_SYS_ADMIN"], effective: ["CAP_SYS_ADMIN"],
	                   permitted: ["CAP_SYS_ADMIN"]},
	    noNewPrivileges: true
	  },
	  root: {path: "rootfs"},
	  mounts: [
	    {destination: "/proc", type: "proc", source: "proc"},
	    {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=755"]},
	    {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]},
	    {destination: "/vol", type: "bind", source: $vol, options: ["rbind"]}
	  ],
	  linux: {
	    cgroupsPath: $cg,
	    namespaces: [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "network"}]
	  }
	}' >"$TMP/proto/config.json"
}

# in_ns JQ_FILTER: in a new private mount namespace, mount shared tmpfs
# on $TMP/ns (the bundle's) and $TMP/vol (the volume source), run the
# bundle with config | JQ_FILTER, and print "rc=N", the container's output,
# "propagated=N" (mounts of ctr-tmp visible in the namespace afterwards)
# and "changed:" lines for any other change to the namespace's mounts
# under $TMP.
in_ns() {
	jq "$1" "$TMP/proto/config.json" >"$TMP/config.json"
	timeout 40 unshare -m --propagation private env PEA="$PEA" ROOT="$ROOT" TMP="$TMP" bash -c '
		set -u
		# under $TMP: the bundle and the volume are where a container
		# mount could propagate to; other tests mount elsewhere meanwhile
		set_of() { awk "{ for (i = 7; \$i != \"-\"; i++) ; print \$4, \$5, \$(i + 1) }" /proc/self/mountinfo | grep -F "$TMP" | sort; }
		mkdir -p "$TMP/ns" "$TMP/vol"
		mount -t tmpfs ns-bundle "$TMP/ns" && mount --make-shared "$TMP/ns" || exit 99
		mount -t tmpfs ns-vol "$TMP/vol" && mount --make-shared "$TMP/vol" || exit 99
		mkdir "$TMP/ns/b" && cp -a "$TMP/proto/rootfs" "$TMP/ns/b/" && cp "$TMP/config.json" "$TMP/ns/b/"
		before=$(set_of)
		timeout 20 "$PEA" --root "$ROOT" run -b "$TMP/ns/b" c 2>&1
		echo "rc=$?"
		echo "propagated=$(grep -c " ctr-tmp " /proc/self/mountinfo)"
		after=$(set_of | grep -v " $TMP/vol/sub tmpfs$")
		diff <(echo "$before") <(echo "$after") | grep "^[<>]" | sed "s/^/changed: /"
		true
	'
}

# A case that must run and leave the namespace as it was, but for a
# ctr-tmp mount when PROPAGATE is 1.
check_case() { # JQ_FILTER PROPAGATE [PATTERN in the container's /vol line]
	run in_ns "$1"
	echo "$output"
	[[ "$output" == *"rc=0"* ]]
	[[ "$output" == *"propagated=$2"* ]]
	[[ "$output" != *"changed:"* ]]
	if [ -n "${3:-}" ]; then
		[[ "$output" == *"$3"* ]]
	fi
	host_unchanged
}

@test "propagation: default (rslave), bundle under a shared mount" {
	check_case '.' 0 " master:"
}

@test "propagation: rootfsPropagation private" {
	check_case '.linux.rootfsPropagation = "private"' 0
}

@test "propagation: rootfsPropagation rprivate" {
	check_case '.linux.rootfsPropagation = "rprivate"' 0
}

@test "propagation: rootfsPropagation slave" {
	check_case '.linux.rootfsPropagation = "slave"' 0 " master:"
}

@test "propagation: rootfsPropagation rslave" {
	check_case '.linux.rootfsPropagation = "rslave"' 0 " master:"
}

@test "propagation: rootfsPropagation unbindable" {
	check_case '.linux.rootfsPropagation = "unbindable"' 0
}

@test "propagation: rootfsPropagation runbindable" {
	check_case '.linux.rootfsPropagation = "runbindable"' 0 " unbindable "
}

# As runc: a shared rootfsPropagation keeps the host's peer groups, so a
# bind of a shared source is its peer and the container's mount under it
# reaches the source (docker and podman set it for -v SRC:DST:rshared).
@test "propagation: rootfsPropagation shared, a container's mount reaches the shared source" {
	check_case '.linux.rootfsPropagation = "shared"' 1 " shared:"
}

@test "propagation: rootfsPropagation rshared and an rshared bind, like -v SRC:DST:rshared" {
	check_case '.linux.rootfsPropagation = "rshared" | .mounts[3].options += ["rshared"]' 1 " shared:"
}

@test "propagation: rootfsPropagation shared, an rprivate bind keeps the container's mounts in" {
	check_case '.linux.rootfsPropagation = "shared" | .mounts[3].options += ["rprivate"]' 0
}

# Per-mount options under the default rslave root: the bind gets them, and
# as with runc an rshared bind is shared inside but a slave of the host's
# peer group, so nothing goes back.
@test "propagation: an rshared bind under the default root" {
	check_case '.mounts[3].options += ["rshared"]' 0 " shared:"
}

@test "propagation: an rslave bind" {
	check_case '.mounts[3].options += ["rslave"]' 0 " master:"
}

@test "propagation: an rprivate bind" {
	run in_ns '.mounts[3].options += ["rprivate"]'
	echo "$output"
	[[ "$output" == *"rc=0"* ]]
	[[ "$output" == *"propagated=0"* ]]
	[[ "$output" != *"changed:"* ]]
	# the container's /vol line: neither shared nor a slave
	run grep " /vol " <<<"$output"
	[[ "$output" != *"shared:"* ]]
	[[ "$output" != *"master:"* ]]
	host_unchanged
}

# Failure paths: a mount that fails after the rootfs mounts, and a sysctl
# that fails after pivot_root; nothing of the container stays mounted.
fail_case() { # JQ_FILTER
	run in_ns "$1"
	echo "$output"
	[[ "$output" != *"rc=0"* ]]
	[[ "$output" == *"rc="* ]]
	[[ "$output" == *"propagated=0"* ]]
	[[ "$output" != *"changed:"* ]]
	host_unchanged
}

@test "propagation: a late mount failure leaves no mount behind (private, default, shared)" {
	local bad='.mounts += [{destination: "/late", type: "no-such-fs", source: "x"}]'
	fail_case "$bad"
	fail_case ".linux.rootfsPropagation = \"private\" | $bad"
	fail_case ".linux.rootfsPropagation = \"shared\" | $bad"
	fail_case ".linux.rootfsPropagation = \"rslave\" | $bad"
}

@test "propagation: a failure after pivot_root leaves no mount behind" {
	local bad='.linux.sysctl = {"net.no.such.key": "1"}'
	fail_case "$bad"
	fail_case ".linux.rootfsPropagation = \"private\" | $bad"
	fail_case ".linux.rootfsPropagation = \"rshared\" | $bad"
}

@test "propagation: an unknown rootfsPropagation is refused" {
	run in_ns '.linux.rootfsPropagation = "bogus"'
	echo "$output"
	[[ "$output" == *"linux.rootfsPropagation: unknown 'bogus'"* ]]
	[[ "$output" != *"rc=0"* ]]
	host_unchanged
}

# podman sets rootfsPropagation shared for an rshared volume; the
# container's mount under it reaches SRC, in the test's namespace only.
@test "propagation: podman --runtime pea run -v SRC:DST:rshared" {
	podman_setup
	run timeout 150 unshare -m --propagation private env PEA="$PEA" TMP="$TMP" IMAGES="$IMAGES" \
		bash -c "$(declare -f podman_cmd podman_busybox)"'
		mkdir -p "$TMP/vol" && mount -t tmpfs ns-vol "$TMP/vol" && mount --make-shared "$TMP/vol" || exit 99
		img=$(podman_busybox) || exit 98
		for o in rshared rprivate; do
			mkdir -p "$TMP/vol/$o"
			podman_cmd run --rm --network none --cap-add SYS_ADMIN -v "$TMP/vol/$o:/v:$o" "$img" \
				sh -c "mkdir -p /v/sub && mount -t tmpfs ctr-tmp-$o /v/sub && grep \" /v \" /proc/self/mountinfo"
			echo "$o: rc=$? propagated=$(grep -c " ctr-tmp-$o " /proc/self/mountinfo)"
		done
		podman_cmd rm -af >/dev/null 2>&1
		true
	'
	echo "$output"
	[[ "$output" == *"rshared: rc=0 propagated=1"* ]]
	[[ "$output" == *"rprivate: rc=0 propagated=0"* ]]
	host_unchanged
}

# Labels the host cannot apply are refused, never dropped (runc 1.1 on a
# host without SELinux or AppArmor does the same); features says so.
@test "propagation: selinuxLabel and apparmorProfile are refused, features lists neither" {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux host"
	run in_ns '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
	[[ "$output" == *"process.selinuxLabel: selinux label is specified in config, but selinux is disabled or not supported"* ]]
	[[ "$output" != *"rc=0"* ]]
	run in_ns '.process.apparmorProfile = "pea-test"'
	[[ "$output" == *"process.apparmorProfile: "*"'pea-test'"* ]]
	[[ "$output" != *"rc=0"* ]]
	# runc 1.1 ignores a mountLabel without SELinux
	run in_ns '.linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	[[ "$output" == *"rc=0"* ]]
	run "$PEA" features
	[ "$status" -eq 0 ]
	jq -e '.linux.selinux.enabled == false and .linux.apparmor.enabled == false' <<<"$output"
	for o in private rprivate shared rshared slave rslave unbindable runbindable; do
		jq -e --arg o "$o" '.mountOptions | index($o) != null' <<<"$output"
	done
	host_unchanged
}
