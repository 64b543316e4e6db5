# Runtime-agnostic helpers for the OCI runtime conformance suite: every
# test drives $RUNTIME (pea by default; runc or crun to prove the tests)
# through runc's CLI only. Each test gets its own --root, bundle folder
# and cgroup parent, all removed in teardown, even on failure.
# shellcheck shell=bash disable=SC2034

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-30}
BUILD=${BUILD:-$(git -C "$BATS_TEST_DIRNAME" rev-parse --show-toplevel)/build}
RUNTIME=${RUNTIME:-$BUILD/src/cli/pea}
RUNTIME_NAME=$(basename "$RUNTIME")

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

# make_bundle NAME ARGS_JSON: a busybox bundle in $TMP/NAME (its path on
# stdout), the config runc's `spec` writes, narrowed: the given args, no
# terminal, cgroup $CG_PARENT/NAME. Change it with bundle_set.
make_bundle() { # NAME ARGS_JSON
	local b=$TMP/$1 app
	mkdir -p "$b"/rootfs/{bin,proc,dev,sys,tmp,etc}
	cp /bin/busybox "$b/rootfs/bin/busybox"
	for app in sh ps sleep hostname cat kill echo ls true false grep wc id \
		stat mount head tail touch mkdir rm env test printf date; do
		ln -s busybox "$b/rootfs/bin/$app"
	done
	echo 'root:x:0:0:root:/:/bin/sh' >"$b/rootfs/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$b/rootfs/etc/passwd"
	echo 'root:x:0:' >"$b/rootfs/etc/group"
	cat >"$b/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": $2,
    "env": ["PATH=/bin", "HOME=/"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
      "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
      "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "conf-$1",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]}
  ],
  "linux": {
    "cgroupsPath": "/$CG_PARENT/$1",
    "namespaces": [
      {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"},
      {"type": "network"}
    ],
    "maskedPaths": ["/proc/kcore", "/proc/keys", "/sys/firmware"],
    "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
  }
}
JSON
	echo "$b"
}

# bundle_set NAME JQ_FILTER: edit $TMP/NAME/config.json with jq.
bundle_set() { # NAME FILTER
	local f=$TMP/$1/config.json
	jq "$2" "$f" >"$f.new" && mv "$f.new" "$f"
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
