#!/usr/bin/env bats
# The rest of config.md and config-linux.md for Linux, as runc and crun
# implement it: mount extensions (tmpcopyup), sysctl, personality,
# oomScoreAdj, scheduler, ioPriority, timeOffsets, memoryPolicy, intelRdt,
# a joined uts namespace with hostname, seccomp notify, user namespaces.

load helpers

# add_mount NAME MOUNT_JSON: append one entry to mounts.
add_mount() { # NAME JSON
	bundle_set "$1" ".mounts += [$2]"
}

@test "mounts: tmpcopyup copies the folder's content into the new tmpfs" {
	make_bundle c '["sh", "-c", "grep -q tmpfs.*/etc /proc/mounts && cat /etc/passwd && stat -c %a:%u /etc/sub/f && echo new >/etc/sub/g && cat /etc/sub/g"]' >/dev/null
	mkdir "$TMP/c/rootfs/etc/sub"
	echo old >"$TMP/c/rootfs/etc/sub/f"
	chmod 640 "$TMP/c/rootfs/etc/sub/f"
	chown 7:7 "$TMP/c/rootfs/etc/sub/f"
	add_mount c '{"destination": "/etc", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "nosuid"]}'
	bundle_set c '.root.readonly = true'
	run_bundle c
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'root:x:0:0:root:/:/bin/sh' ]
	[ "${lines[2]}" = '640:7' ]
	[ "${lines[3]}" = new ]
	# written in the tmpfs, not in the rootfs
	[ ! -e "$TMP/c/rootfs/etc/sub/g" ]
}

@test "mounts: tmpcopyup on a read-only tmpfs still copies" {
	make_bundle c '["sh", "-c", "cat /etc/passwd | head -1; touch /etc/x"]' >/dev/null
	add_mount c '{"destination": "/etc", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "ro"]}'
	run_bundle c
	echo "$output"
	[ "$status" -ne 0 ]
	# stdout and stderr share one pipe; a runtime may warn on stderr first
	[ "$(echo "$output" | grep -cx 'root:x:0:0:root:/:/bin/sh')" = 1 ]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "mounts: rro makes a bind and the mounts below it read-only" {
	mkdir -p "$TMP/src/sub"
	mount -t tmpfs tmpfs "$TMP/src/sub"
	make_bundle c '["sh", "-c", "touch /m/a 2>/dev/null || echo ro; touch /m/sub/b 2>/dev/null || echo ro; grep -c \" /m.* ro,\" /proc/mounts"]' >/dev/null
	add_mount c "{\"destination\": \"/m\", \"type\": \"bind\", \"source\": \"$TMP/src\", \"options\": [\"rbind\", \"rro\"]}"
	run_bundle c
	umount "$TMP/src/sub"
	echo "$output"
	[ "$output" = "ro
ro
2" ]
}

@test "sysctl: namespaced keys are written inside the container" {
	make_bundle c '["sh", "-c", "cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname"]' >/dev/null
	bundle_set c '.linux.sysctl = {"kernel.shmmni": "1000", "net.ipv4.ip_forward": "1", "kernel.domainname": "conf.example"}'
	run_bundle c
	[ "$status" -eq 0 ]
	[ "$output" = "1000
1
conf.example" ]
}

@test "sysctl: keys no namespace of the container isolates are refused" {
	# the key and why, in words runc, crun and pea share (case aside)
	make_bundle c '["true"]' >/dev/null
	bundle_set c '.linux.sysctl = {"kernel.pid_max": "40000"}'
	run_bundle c
	[ "$status" -ne 0 ]
	[[ "${output,,}" == *kernel.pid_max*namespace* ]]
	bundle_set c '.linux.sysctl = {"kernel.hostname": "x"}'
	run_bundle c
	[ "$status" -ne 0 ]
	[[ "${output,,}" == *kernel.hostname*'conflicts with'*hostname* ]]
	bundle_set c '.linux.sysctl = {"kernel.shmmni": "1000"} | .linux.namespaces -= [{"type": "ipc"}]'
	run_bundle c
	[ "$status" -ne 0 ]
	[[ "${output,,}" == *kernel.shmmni*'ipc namespace'* ]]
	bundle_set c '.linux.sysctl = {"net.core.somaxconn": "100"} | .linux.namespaces -= [{"type": "network"}]'
	run_bundle c
	[ "$status" -ne 0 ]
	[[ "${output,,}" == *net.core.somaxconn*'network namespace'* ]]
}

@test "process.oomScoreAdj is the process's oom_score_adj" {
	make_bundle c '["cat", "/proc/self/oom_score_adj"]' >/dev/null
	bundle_set c '.process.oomScoreAdj = 345'
	run_bundle c
	[ "$status" -eq 0 ]
	[ "$output" = 345 ]
}

@test "intelRdt: a closID alone is ignored without resctrl, a schema is refused" {
	[ ! -e /sys/fs/resctrl/info ] || skip "the host has resctrl"
	make_bundle c '["true"]' >/dev/null
	bundle_set c '.linux.intelRdt = {"closID": "conf"}'
	run_bundle c
	[ "$status" -eq 0 ]
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: linux.intelRdt is ignored whole, a schema without resctrl is not refused"
	bundle_set c '.linux.intelRdt = {"l3CacheSchema": "L3:0=f"}'
	run_bundle c
	[ "$status" -ne 0 ]
	[[ "$output" == *"l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled"* ]]
}

@test "hostname: set in a uts namespace joined by path" {
	unshare --uts sleep 60 &
	BG_PIDS+=($!)
	local pid=$!
	for _ in $(seq 50); do
		[ "$(readlink /proc/$pid/ns/uts)" != "$(readlink /proc/self/ns/uts)" ] && break
		sleep 0.1
	done
	make_bundle c '["hostname"]' >/dev/null
	bundle_set c ".linux.namespaces = [.linux.namespaces[] | if .type == \"uts\" then .path = \"/proc/$pid/ns/uts\" else . end]"
	run_bundle c
	[ "$status" -eq 0 ]
	[ "$output" = conf-c ]
	[ "$(nsenter -t "$pid" --uts hostname)" = conf-c ]
	[ "$(hostname)" != conf-c ]
}

# A seccomp agent on $1: keeps the state each connection sent in $2.N
# (N from 1) and answers every notified syscall with ENOMEDIUM.
seccomp_agent() { # SOCKET STATE_FILE
	python3 - "$1" "$2" <<'PY' &
import fcntl, socket, struct, sys, threading
RECV, SEND = 0xC0502100, 0xC0182101
def serve(fd):
    while True:
        req = bytearray(80)
        try:
            fcntl.ioctl(fd, RECV, req)
        except OSError:
            return
        nid = struct.unpack_from("Q", req, 0)[0]
        try:
            fcntl.ioctl(fd, SEND, bytearray(struct.pack("QqiI", nid, 0, -123, 0)))
        except OSError:
            pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(4)
n = 0
while True:
    conn, _ = srv.accept()
    msg, fds, _, _ = socket.recv_fds(conn, 65536, 1)
    n += 1
    open("%s.%d" % (sys.argv[2], n), "wb").write(msg)
    threading.Thread(target=serve, args=(fds[0],), daemon=True).start()
PY
	BG_PIDS+=($!)
	local _
	for _ in $(seq 50); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "seccomp: SCMP_ACT_NOTIFY sends the listener fd and the state to listenerPath" {
	seccomp_agent "$TMP/agent.sock" "$TMP/agent.json"
	make_bundle c '["sh", "-c", "mkdir /tmp/d; echo done"]' >/dev/null
	bundle_set c ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$TMP/agent.sock\", \"listenerMetadata\": \"meta-1\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	run_bundle c
	[ "$status" -eq 0 ]
	[[ "$output" == *"No medium found"* ]]
	[[ "$output" == *done* ]]
	[ "$(jq -c .fds "$TMP/agent.json.1")" = '["seccompFd"]' ]
	[ "$(jq -r .metadata "$TMP/agent.json.1")" = meta-1 ]
	[ "$(jq -r .state.id "$TMP/agent.json.1")" = c ]
	[ "$(jq -r .state.bundle "$TMP/agent.json.1")" = "$TMP/c" ]
	[ "$(jq -r .pid "$TMP/agent.json.1")" = "$(jq -r .state.pid "$TMP/agent.json.1")" ]
	[ ! -e "$TMP/c/rootfs/tmp/d" ]
	# without noNewPrivileges the filter is loaded earlier: the same
	seccomp_agent "$TMP/agent2.sock" "$TMP/agent2.json"
	bundle_set c ".process.noNewPrivileges = false | .linux.seccomp.listenerPath = \"$TMP/agent2.sock\""
	run_bundle c
	[ "$status" -eq 0 ]
	[[ "$output" == *"No medium found"* ]]
	[ "$(jq -r .metadata "$TMP/agent2.json.1")" = meta-1 ]
}

@test "seccomp: an exec'd process's listener fd goes to listenerPath too" {
	seccomp_agent "$TMP/agent.sock" "$TMP/agent.json"
	make_bundle c '["sleep", "60"]' >/dev/null
	bundle_set c ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$TMP/agent.sock\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	rt start c
	wait_status c running
	run rt exec c mkdir /tmp/e
	[ "$status" -ne 0 ]
	[[ "$output" == *"No medium found"* ]]
	[ "$(jq -r .state.id "$TMP/agent.json.2")" = c ]
}

@test "seccomp: SCMP_ACT_NOTIFY is refused as the default action and for write" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: SCMP_ACT_NOTIFY is not refused as the default action nor for write, the filter is loaded and its fd sent to listenerPath"
	make_bundle c '["true"]' >/dev/null
	bundle_set c ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"$TMP/none.sock\"}"
	run_bundle c
	[ "$status" -ne 0 ]
	[[ "$output" == *"SCMP_ACT_NOTIFY cannot be used as default action"* ]]
	bundle_set c '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "'"$TMP"'/none.sock", "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}]}'
	run_bundle c
	[ "$status" -ne 0 ]
	[[ "$output" == *"SCMP_ACT_NOTIFY cannot be used for the write syscall"* ]]
}

@test "user namespace: uidMappings and gidMappings map the container's ids" {
	make_bundle c '["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; exec sleep 60"]' >/dev/null
	chmod 755 "$TMP"
	bundle_set c '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]'
	rt create --bundle "$TMP/c" c </dev/null >"$TMP/out" 2>&1
	rt start c
	wait_status c running
	local pid
	pid=$(state_field c pid)
	[ "$(stat -c %u:%g "/proc/$pid")" = 200000:300000 ]
	for _ in $(seq 50); do
		[ "$(wc -l <"$TMP/out")" -ge 3 ] && break
		sleep 0.1
	done
	[ "$(awk 'NR <= 2 {print $1, $2, $3}' "$TMP/out")" = "0 200000 65536
0 300000 65536" ]
	[ "$(sed -n 3p "$TMP/out")" = 0 ]
}
