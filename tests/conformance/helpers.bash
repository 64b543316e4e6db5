# Runtime-agnostic helpers for the OCI runtime conformance suite: every
# test drives $RUNTIME (pea by default; runc or crun to prove the tests)
# through runc's CLI only. Each test gets its own --root, bundle folder
# and cgroup parent, all removed in teardown, even on failure.
# shellcheck shell=bash disable=SC2034

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-30}
BUILD=${BUILD:-$(git -C "$BATS_TEST_DIRNAME" rev-parse --show-toplevel)/build}
RUNTIME=${RUNTIME:-$BUILD/src/cli/pea}
RUNTIME_NAME=$(basename "$RUNTIME")
# shellcheck source=tests/conformance/bundle.bash
source "${BASH_SOURCE[0]%/*}/bundle.bash"

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$RUNTIME" ] || skip "no runtime binary at $RUNTIME"
	[ -x /bin/busybox ] || skip "needs busybox-static"
	TMP=$(mktemp -d /tmp/conf-test.XXXXXX)
	ROOT=$TMP/state
	CG_PARENT="conftest-$$-${BATS_TEST_NUMBER}"
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		CG_V2=/sys/fs/cgroup
	else
		CG_V2=/sys/fs/cgroup/unified
	fi
	BG_PIDS=()
}

teardown() {
	[ -n "${TMP:-}" ] || return 0
	local id pid
	for id in $(timeout 10 "$RUNTIME" --root "$ROOT" list -q 2>/dev/null); do
		timeout 10 "$RUNTIME" --root "$ROOT" kill "$id" KILL >/dev/null 2>&1 || true
		timeout 10 "$RUNTIME" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# every controller's twin of our cgroups; rmdir removes only empty ones
	find /sys/fs/cgroup/ -maxdepth 3 -type d -name "$CG_PARENT" 2>/dev/null |
		while read -r d; do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
	umount -R "$TMP" 2>/dev/null || true
	rm -rf "$TMP"
}

# rt ARGS...: the runtime under test with this test's --root, bounded.
rt() {
	timeout 20 "$RUNTIME" --root "$ROOT" "$@"
}

# run_bundle NAME: `run` the bundle in the foreground; its output and exit
# status in $output and $status (bats `run`).
run_bundle() { # NAME
	run rt run --bundle "$TMP/$1" "$1"
}

# state_field ID FIELD: one field of `state` (status, pid, bundle, ...).
state_field() { # ID FIELD
	rt state "$1" | jq -r ".$2"
}

# wait_status ID STATUS: poll `state` for up to 5 s.
wait_status() { # ID STATUS
	local _
	for _ in $(seq 50); do
		[ "$(state_field "$1" status)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1 is $(state_field "$1" status), not $2" >&2
	return 1
}

# started NAME ARGS_JSON: a bundle created and started in the background
# (runc's create + start), running.
started() { # NAME ARGS_JSON
	make_bundle "$1" "$2" >/dev/null
	rt create --bundle "$TMP/$1" "$1" </dev/null >/dev/null 2>&1
	rt start "$1"
	wait_status "$1" running
}

# refused WORDS CMD...: the runtime's CMD fails, its output holding WORDS.
refused() { # WORDS CMD...
	local words=$1
	shift
	run rt "$@"
	[ "$status" -ne 0 ] || return 1
	[[ "$output" == *"$words"* ]] || { echo "output: $output" >&2; return 1; }
}
