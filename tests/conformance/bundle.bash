# make_bundle and bundle_set: the busybox bundle of the conformance suite,
# also pea's own tests' (tests/integration/20-pea.bats). They need TMP (the
# test's folder) and CG_PARENT (its cgroup parent); BUNDLE_HOST_PREFIX
# (default conf) names the hostname, PREFIX-NAME.
# shellcheck shell=bash

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
  "hostname": "${BUNDLE_HOST_PREFIX:-conf}-$1",
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

