# shellcheck shell=bash
# Shared by the integration tests: binaries, an isolated PEAPOD_ROOT per
# test with the demo images, waiting for states, and the leak check that
# every test ends with.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
PEAPOD=${PEAPOD:-$BUILD/src/cli/peapod}
PEA=${PEA:-$BUILD/src/cli/pea}
IMAGES=${PEAPOD_TEST_IMAGES:-$BUILD/test-images}
SEEDS=${PEAPOD_SEEDS:-$TOP/tests/data/pods}
# A hung pod fails its test, not the suite.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}
# docker.io is the suite's local registry (scripts/local-registry, started by
# tests/run): no pull ever leaves this machine.
if [ -z "${PEAPOD_TEST_REGISTRIES_CONF:-}" ]; then
	echo "run the integration tests through tests/run (it starts their local registry)" >&2
	exit 1
fi
export PEAPOD_REGISTRIES_CONF=$PEAPOD_TEST_REGISTRIES_CONF

peapod() {
	"$PEAPOD" "$@"
}

# An image store loaded once per file, copied (hard links) into each test's root.
setup_image_store() {
	local store=$BATS_FILE_TMPDIR/store
	if [ ! -d "$store/images" ]; then
		PEAPOD_ROOT=$store "$PEAPOD" image load -i "$IMAGES/nginx.tar" >/dev/null
		PEAPOD_ROOT=$store "$PEAPOD" image load -i "$IMAGES/busybox.tar" >/dev/null
	fi
}

# Every test gets its own root, with the images.
setup_root() {
	setup_image_store
	PEAPOD_ROOT=$(mktemp -d /tmp/peapod-test.XXXXXX)
	export PEAPOD_ROOT
	# no CNI network unless a test sets one up in a network namespace of
	# its own (net.bash): the machine's /etc/cni/net.d is never used
	export PEAPOD_CNI_CONF_DIR=$PEAPOD_ROOT/no-cni-config
	cp -al "$BATS_FILE_TMPDIR/store/images" "$PEAPOD_ROOT/images"
}

# Delete every pod of this test's root, then check nothing is left behind:
# no monitor, no mount, no cgroup, no process of the pods.
teardown_root() {
	[ -n "${PEAPOD_ROOT:-}" ] && [ -d "$PEAPOD_ROOT" ] || return 0
	local uids=() leaks=""
	# which test had this root: tests/run names it if anything of it is
	# still mounted when the suite ends
	if [ -n "${PEAPOD_TEST_ROOTS:-}" ]; then
		echo "$PEAPOD_ROOT ${BATS_TEST_FILENAME##*/}: ${BATS_TEST_DESCRIPTION:-}" >>"$PEAPOD_TEST_ROOTS"
	fi
	if [ -d "$PEAPOD_ROOT/run/pods" ]; then
		mapfile -t uids < <(ls "$PEAPOD_ROOT/run/pods")
	fi
	local ns name
	for ns in $(ls "$PEAPOD_ROOT/run/names" 2>/dev/null); do
		for name in $(ls "$PEAPOD_ROOT/run/names/$ns"); do
			timeout 60 "$PEAPOD" delete pod -n "$ns" "$name" --force >/dev/null 2>&1 || true
		done
	done
	leaks+=$(leaked_monitors)
	if grep -q " $PEAPOD_ROOT" /proc/self/mountinfo; then
		leaks+="mounts: $(grep " $PEAPOD_ROOT" /proc/self/mountinfo | awk '{print $5}' | tr '\n' ' ')"
	fi
	for u in "${uids[@]}"; do
		for d in /sys/fs/cgroup/peapod/"$u" /sys/fs/cgroup/unified/peapod/"$u" /sys/fs/cgroup/*/peapod/"$u"; do
			[ -e "$d" ] && leaks+="cgroup: $d "
		done
	done
	# a leak is a failure of the test that made it; clean it up anyway
	if [ -n "$leaks" ]; then
		echo "# leaked: $leaks" >&3
		grep " $PEAPOD_ROOT" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
	fi
	rm -rf "$PEAPOD_ROOT"
	[ -z "$leaks" ]
}

# Monitors still running for this test's root (found by their environment).
leaked_monitors() {
	local p
	for p in /proc/[0-9]*; do
		if tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qx "PEAPOD_ROOT=$PEAPOD_ROOT"; then
			[ "${p#/proc/}" = "$$" ] || [ "${p#/proc/}" = "$BASHPID" ] && continue
			if grep -q "monitor" "$p/cmdline" 2>/dev/null; then
				echo -n "monitor ${p#/proc/} "
			fi
		fi
	done
}

# wait_for TIMEOUT_S CMD...: run CMD until it succeeds, or fail after TIMEOUT_S.
wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -gt $((limit * 10)) ]; then
			echo "timed out after ${limit}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

pod_status() { # NAME → the STATUS column
	"$PEAPOD" get pods "$1" | awk 'NR==2 {print $3}'
}

pod_is() { # NAME STATUS
	[ "$(pod_status "$1")" = "$2" ]
}

# The pod.json file of pod NAME in the default namespace.
peapod_field() { # NAME FIELD (monitorPid, sandboxPid)
	jq -r ".peapod.$2" "$(pod_json_file "$1")"
}

monitor_replaced() { # NAME OLD_PID: a new monitor runs the pod
	local pid
	pid=$(peapod_field "$1" monitorPid)
	[ "$pid" != "$2" ] && [ -n "$pid" ] && grep -q monitor "/proc/$pid/cmdline"
}

pod_uid() { # NAME → the uid of pod NAME in namespace default
	readlink "$PEAPOD_ROOT/run/names/default/$1"
}

pod_json_file() { # NAME
	echo "$PEAPOD_ROOT/run/pods/$(readlink "$PEAPOD_ROOT/run/names/default/$1")/pod.json"
}

# A pod NAME whose container c waits for /tmp/go (made by `release`), then
# runs SCRIPT; restartPolicy Never.
waiter() { # NAME SCRIPT
	manifest "$BATS_TEST_TMPDIR/$1.yaml" "$1" <<YAML
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "$2"]
YAML
}

# A pod NAME of one container c that ends at once (restartPolicy Never),
# applied and waited for until `get pods` shows STATUS: Completed (c runs
# true: phase Succeeded) or Error (c runs false: phase Failed).
completed_pod() { # NAME [STATUS]
	local status=${2:-Completed} cmd=true
	[ "$status" = Completed ] || cmd=false
	manifest "$BATS_TEST_TMPDIR/$1.yaml" "$1" <<YAML
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    command: ["$cmd"]
YAML
	"$PEAPOD" apply -f "$BATS_TEST_TMPDIR/$1.yaml"
	wait_for 30 pod_is "$1" "$status"
}

release() { # POD
	timeout 20 "$PEAPOD" exec "$1" -- touch /tmp/go
}

# The main process's host pid of container C of pod P (from its pod.json).
container_pid() {
	local uid
	uid=$(readlink "$PEAPOD_ROOT/run/names/default/$1") || return 1
	sed -n '/"containerPids"/,/}/p' "$PEAPOD_ROOT/run/pods/$uid/pod.json" |
		grep "\"$2\"" | grep -o '[0-9][0-9]*'
}

# The manifest text of a pod named NAME with the given spec lines (YAML).
manifest() { # FILE NAME, spec on stdin
	{
		printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\nspec:\n' "$2"
		cat
	} >"$1"
}

# podman over pea, offline and private to the test (HOST.md "Peers"): its
# root, run root, tmp and configs under $TMP/podman; docker.io blocked.
podman_setup() {
	command -v podman >/dev/null || skip "podman not installed (apt-get install podman)"
	[ -f "$IMAGES/busybox.tar" ] || skip "no $IMAGES/busybox.tar (tests/data/mkimages.sh)"
	mkdir -p "$TMP/podman"
	printf '%s\n' '[containers]' 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
		'[engine]' 'cgroup_manager = "cgroupfs"' 'events_logger = "file"' \
		>"$TMP/podman/containers.conf"
	printf '%s\n' 'unqualified-search-registries = []' '[[registry]]' 'location = "docker.io"' \
		'blocked = true' >"$TMP/podman/registries.conf"
}

podman_cmd() {
	timeout 60 env CONTAINERS_CONF="$TMP/podman/containers.conf" \
		CONTAINERS_REGISTRIES_CONF="$TMP/podman/registries.conf" \
		podman --root "$TMP/podman/root" --runroot "$TMP/podman/runroot" \
		--tmpdir "$TMP/podman/tmp" --cgroup-manager cgroupfs --events-backend file \
		--runtime "$PEA" "$@"
}

# busybox:1.28 loaded into the test's podman; prints its name.
podman_busybox() {
	podman_cmd load -i "$IMAGES/busybox.tar" >/dev/null || return 1
	podman_cmd images --format '{{.Repository}}:{{.Tag}}' | head -1
}

# Remove the test's podman containers, conmon's cgroup and podman's mounts.
podman_teardown() {
	[ -d "${TMP:-}/podman" ] || return 0
	podman_cmd rm -af >/dev/null 2>&1 || true
	# rmdir leaves a cgroup that anyone still uses
	rmdir /sys/fs/cgroup/*/libpod_parent/conmon /sys/fs/cgroup/*/libpod_parent 2>/dev/null || true
	grep " $TMP/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		xargs -r -n1 umount -l 2>/dev/null || true
}

# Delete the test's pea containers (--root $ROOT) and remove its cgroups
# ($CG_PARENT, in every hierarchy; rmdir only removes empty ones).
pea_teardown() {
	local id
	for id in $("$PEA" --root "$ROOT" list -q 2>/dev/null); do
		timeout 10 "$PEA" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	find /sys/fs/cgroup/ -maxdepth 3 -type d -name "$CG_PARENT" 2>/dev/null |
		while read -r d; do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
}

# Nothing of any pod exists in this root.
nothing_created() {
	[ -z "$(ls -A "$PEAPOD_ROOT/run/names" 2>/dev/null)" ] &&
		[ -z "$(ls -A "$PEAPOD_ROOT/run/pods" 2>/dev/null)" ] &&
		[ -z "$(leaked_monitors)" ]
}

# shellcheck disable=SC2154 # bats's run sets status, output and lines
refused() { # EXPECTED-TEXT: apply $BATS_TEST_TMPDIR/p.yaml must fail with it
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^error:\  ]]
	[[ "$output" == *"$1"* ]]
	nothing_created
}

# cgroup file FILE of controller CTRL (v1) for host pid PID, or of the v2
# folder when the controller is not a v1 hierarchy.
cg_file() { # PID CTRL V1FILE V2FILE
	local rel
	rel=$(awk -F: -v c="$2" '{n=split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' "/proc/$1/cgroup")
	if [ -n "$rel" ] && [ -d "/sys/fs/cgroup/$2$rel" ]; then
		echo "/sys/fs/cgroup/$2$rel/$3"
		return
	fi
	rel=$(awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup")
	if [ -d /sys/fs/cgroup/unified ]; then
		echo "/sys/fs/cgroup/unified$rel/$4"
	else
		echo "/sys/fs/cgroup$rel/$4"
	fi
}
