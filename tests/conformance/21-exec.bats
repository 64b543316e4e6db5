#!/usr/bin/env bats
# runc's exec flags, and the create/run/kill/delete options containerd's
# shim and podman pass.

load helpers

# has_cap CAPEFF_HEX BIT: true when the CapEff hex holds capability BIT.
has_cap() { # CAPEFF_HEX BIT
	(((0x$1 >> $2) & 1))
}

@test "exec: --preserve-fds N passes the caller's fds 3..3+N-1, others stay closed" {
	started c '["sleep", "60"]'
	echo hello-fd >"$TMP/f"
	run rt exec --preserve-fds 1 c sh -c 'cat <&3' 3<"$TMP/f"
	[ "$status" -eq 0 ]
	[ "$output" = hello-fd ]
	run rt exec c sh -c 'cat <&3' 3<"$TMP/f"
	[ "$status" -ne 0 ]
	[ "$output" != hello-fd ]
}

@test "run: --preserve-fds passes fd 3 to the container's init" {
	make_bundle c '["sh", "-c", "cat <&3"]' >/dev/null
	echo init-fd >"$TMP/f"
	run rt run --preserve-fds 1 --bundle "$TMP/c" c 3<"$TMP/f"
	[ "$status" -eq 0 ]
	[ "$output" = init-fd ]
}

@test "exec: --user UID[:GID], --cwd and --env" {
	started c '["sleep", "60"]'
	run rt exec --user 65534:65534 c id -u
	[ "$output" = 65534 ]
	run rt exec --user 65534:65534 c id -g
	[ "$output" = 65534 ]
	run rt exec --user 65534 c id -g
	[ "$output" = 0 ]
	run rt exec --cwd /tmp --env FOO=bar --env PATH=/bin c sh -c 'echo $(pwd) $FOO'
	[ "$status" -eq 0 ]
	[ "$output" = "/tmp bar" ]
}

@test "exec: --cap adds a capability, --no-new-privs sets no_new_privs" {
	make_bundle c '["sleep", "60"]' >/dev/null
	bundle_set c '.process.noNewPrivileges = false'
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	rt start c
	[ "$(rt exec c grep NoNewPrivs /proc/self/status | awk '{print $2}')" = 0 ]
	[ "$(rt exec --no-new-privs c grep NoNewPrivs /proc/self/status | awk '{print $2}')" = 1 ]
	local eff
	eff=$(rt exec c grep CapEff /proc/self/status | awk '{print $2}')
	run has_cap "$eff" 21
	[ "$status" -ne 0 ]
	has_cap "$eff" 5
	eff=$(rt exec --cap CAP_SYS_ADMIN c grep CapEff /proc/self/status | awk '{print $2}')
	has_cap "$eff" 21
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: exec --cap replaces the process's capabilities instead of adding to them (CAP_KILL is dropped)"
	has_cap "$eff" 5
}

@test "exec: the process's exit code is exec's; a missing binary is 255" {
	started c '["sleep", "60"]'
	run rt exec c sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run rt exec c nosuch
	[ "$status" -eq 255 ]
	[[ "$output" == *nosuch* ]]
	run rt exec nope true
	[ "$status" -ne 0 ]
}

@test "exec: --detach and --pid-file: the pid of a process in the container" {
	started c '["sleep", "60"]'
	rt exec --detach --pid-file "$TMP/p" c sleep 30
	local pid
	pid=$(cat "$TMP/p")
	[ "$pid" -gt 0 ]
	rt ps --format json c | jq -e --argjson p "$pid" 'index($p) != null'
	grep -q sleep "/proc/$pid/cmdline"
}

@test "exec: --process FILE runs that OCI process object" {
	started c '["sleep", "60"]'
	cat >"$TMP/proc.json" <<'JSON'
{"args": ["sh", "-c", "echo $X; pwd; id -u"], "env": ["X=from-file", "PATH=/bin"],
 "cwd": "/etc", "user": {"uid": 65534, "gid": 65534}, "terminal": false}
JSON
	run rt exec --process "$TMP/proc.json" c
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-file ]
	[ "${lines[1]}" = /etc ]
	[ "${lines[2]}" = 65534 ]
}

@test "exec: --tty with --console-socket sends the pty master to the socket" {
	started c '["sleep", "60"]'
	python3 "$BATS_TEST_DIRNAME/recvtty.py" "$TMP/tty.sock" "$TMP/tty.out" &
	BG_PIDS+=($!)
	local _
	for _ in $(seq 50); do [ -S "$TMP/tty.sock" ] && break; sleep 0.1; done
	rt exec --detach --tty --console-socket "$TMP/tty.sock" c sh -c '[ -t 1 ] && echo on-a-tty'
	for _ in $(seq 50); do grep -q on-a-tty "$TMP/tty.out" 2>/dev/null && break; sleep 0.1; done
	grep -q on-a-tty "$TMP/tty.out"
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: a foreground exec --tty --console-socket is not refused, it sends the pty master and runs"
	# without --detach the socket is refused, though one listens
	python3 "$BATS_TEST_DIRNAME/recvtty.py" "$TMP/tty2.sock" "$TMP/tty2.out" &
	BG_PIDS+=($!)
	for _ in $(seq 50); do [ -S "$TMP/tty2.sock" ] && break; sleep 0.1; done
	refused "console socket" exec --tty --console-socket "$TMP/tty2.sock" c true
}

@test "run: --keep leaves the stopped container to delete" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: run has no --keep option"
	make_bundle c '["sh", "-c", "exit 4"]' >/dev/null
	run rt run --keep --bundle "$TMP/c" c
	[ "$status" -eq 4 ]
	[ "$(state_field c status)" = stopped ]
	rt delete c
	run rt state c
	[ "$status" -ne 0 ]
}

@test "run: --detach returns with the container running" {
	make_bundle c '["sleep", "60"]' >/dev/null
	rt run --detach --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	wait_status c running
}

@test "create: a session keyring of its own, none with --no-new-keyring" {
	# ids of this test alone: /proc/keys shows every container's keyring,
	# named after its id (runc and pea: _ses.ID; crun: ID)
	local c=ses${TMP##*.} k=nok${TMP##*.}
	make_bundle "$c" '["sleep", "60"]' >/dev/null
	rt create --bundle "$TMP/$c" "$c" </dev/null >/dev/null 2>&1
	grep -Eq " keyring +(_ses\.)?$c: " /proc/keys
	make_bundle "$k" '["sleep", "60"]' >/dev/null
	rt create --no-new-keyring --bundle "$TMP/$k" "$k" </dev/null >/dev/null 2>&1
	[ "$(state_field "$k" status)" = created ]
	run grep -E " keyring +(_ses\.)?$k: " /proc/keys
	[ "$status" -ne 0 ]
}

@test "kill --all: every process of the container gets the signal" {
	# TERM: the init, a pid namespace's, has no handler and ignores it;
	# only its two children, sent it too, die of it, and then it exits
	started c '["sh", "-c", "sleep 60 & sleep 60 & wait"]'
	local _ pids pid
	for _ in $(seq 50); do
		[ "$(rt ps --format json c | jq length)" -ge 3 ] && break
		sleep 0.1
	done
	pids=$(rt ps --format json c | jq -r '.[]')
	[ "$(echo "$pids" | wc -l)" -eq 3 ]
	rt kill c TERM
	sleep 0.3
	[ "$(state_field c status)" = running ]
	rt kill --all c TERM
	wait_status c stopped
	for pid in $pids; do
		for _ in $(seq 50); do
			[ -e "/proc/$pid" ] || break
			[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || break
			sleep 0.1
		done
		run awk '{print $3}' "/proc/$pid/stat"
		[ "$status" -ne 0 ] || [ "$output" = Z ]
	done
}

@test "delete: a running container needs --force, which kills and removes it" {
	started c '["sleep", "60"]'
	local pid
	pid=$(state_field c pid)
	run rt delete c
	[ "$status" -ne 0 ]
	[ "$(state_field c status)" = running ]
	rt delete --force c
	run rt state c
	[ "$status" -ne 0 ]
	[ ! -d "$CG_V2/$CG_PARENT/c" ]
	# gone, or a zombie left for its parent to reap
	run awk '{print $3}' "/proc/$pid/stat"
	[ "$status" -ne 0 ] || [ "$output" = Z ]
}

@test "create --no-pivot: the bundle's rootfs is the container's root" {
	make_bundle c '["sh", "-c", "cat /etc/passwd; ls /bin/busybox; hostname"]' >/dev/null
	run rt run --no-pivot --bundle "$TMP/c" c
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'root:x:0:0:root:/:/bin/sh' ]
	[ "${lines[2]}" = /bin/busybox ]
	[ "${lines[3]}" = conf-c ]
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: --no-pivot does not refuse rootfsPropagation rprivate"
	bundle_set c '.linux.rootfsPropagation = "rprivate"'
	refused "private" run --no-pivot --bundle "$TMP/c" c2
	run rt state c2
	[ "$status" -ne 0 ]
}
