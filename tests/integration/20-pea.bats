#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# pea, the runc-compatible CLI, end to end as root: lifecycle, exit codes,
# exec, kill --all, delete --force, and peapod-pause as a sandbox's PID 1.
# Each test uses its own --root and bundle folder and removes them, its
# containers and their cgroups in teardown, even on failure.

# shellcheck disable=SC2016,SC2030,SC2031 # single-quoted container scripts; BG_PIDS is per test
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-30}

BUILD=${BUILD:-$(git -C "$BATS_TEST_DIRNAME" rev-parse --show-toplevel)/build}
PEA=${PEA:-$BUILD/src/cli/pea}
PAUSE=${PAUSE:-$BUILD/src/pause/peapod-pause}

# The conformance suite's setup and teardown (a test's own --root, bundle
# folder and cgroup parent, all removed), rt, state_field, wait_status and
# its busybox bundle (make_bundle NAME ARGS_JSON, bundle_set NAME JQ), with
# pea as the runtime and hostnames pea-NAME.
RUNTIME=$PEA
BUNDLE_HOST_PREFIX=pea
load ../conformance/helpers

pea() {
	rt "$@"
}

@test "pea: --version, features and spec" {
	run "$PEA" --version
	[ "$status" -eq 0 ]
	[[ "$output" == *"pea version"* ]]
	"$PEA" features >"$TMP/features.json"
	# what pea implements, each named as the runtime-spec's features.md does
	jq -e '.hooks == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]' "$TMP/features.json"
	jq -e '.linux.namespaces == ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]' "$TMP/features.json"
	jq -e '[.mountOptions[] | select(. == "tmpcopyup" or . == "rro" or . == "idmap" or . == "rbind")] | length == 4' "$TMP/features.json"
	jq -e '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null' "$TMP/features.json"
	jq -e '.linux.mountExtensions.idmap.enabled == true and .linux.intelRdt.enabled == false' "$TMP/features.json"
	# every listed mount option is one a config may carry (on a tmpfs;
	# the bind and idmap ones need another mount)
	make_bundle f '["true"]' >/dev/null
	cp "$TMP/f/config.json" "$TMP/f.json"
	for o in $(jq -r '.mountOptions[]' "$TMP/features.json"); do
		case $o in remount | bind | rbind | idmap | ridmap) continue ;; esac
		jq --arg o "$o" '.mounts += [{destination: "/mnt", type: "tmpfs", source: "tmpfs", options: [$o]}]' \
			"$TMP/f.json" >"$TMP/f/config.json"
		run "$PEA" --root "$ROOT" run --bundle "$TMP/f" f
		[ "$status" -eq 0 ] || { echo "$o: $output"; false; }
	done
	mkdir -p "$TMP/spec"
	"$PEA" spec --bundle "$TMP/spec"
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["process"]["args"] == ["sh"]' "$TMP/spec/config.json"
	run "$PEA" spec --bundle "$TMP/spec"
	[ "$status" -eq 1 ]
}

@test "pea: a binary deleted as it starts re-executes itself, never what its old path names now" {
	# the read-only view opens the binary by its path: a file put at
	# "PATH (deleted)" must not run in its place (the memfd copy of
	# /proc/self/exe does)
	make_bundle d '["true"]' >/dev/null
	mkdir "$TMP/del"
	cp "$PEA" "$TMP/del/pea"
	cp /bin/busybox "$TMP/del/pea (deleted)"
	mkfifo "$TMP/log"
	# --log opens the fifo before the re-execution: it waits for a reader
	timeout 20 "$TMP/del/pea" --log="$TMP/log" --root "$ROOT" run --bundle "$TMP/d" d \
		</dev/null >"$TMP/out" 2>&1 &
	local p=$! rc=0
	sleep 0.5
	rm "$TMP/del/pea"
	# a reader for as long as pea runs (the re-executed pea opens it again)
	exec 7<"$TMP/log"
	wait "$p" || rc=$?
	exec 7<&-
	cat "$TMP/out"
	[ "$rc" -eq 0 ]
	[ "$(grep -c applet "$TMP/out")" = 0 ]
}

@test "pea: unknown container and bad usage exit 1 with one error line" {
	run pea state nope
	[ "$status" -eq 1 ]
	[ -n "$output" ]
	run pea kill nope KILL
	[ "$status" -eq 1 ]
	run pea delete --force nope
	[ "$status" -eq 0 ]
	run "$PEA" --root "$ROOT" --no-such-option list
	[ "$status" -eq 1 ]
	run pea pause
	[ "$status" -eq 1 ]
	[[ "$output" == *"usage: pea pause ID"* ]]
}

@test "pea: errors go to the --log file as JSON lines" {
	run pea --log "$TMP/log.json" --log-format json state nope
	[ "$status" -eq 1 ]
	python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "empty log"
e = json.loads(lines[-1])
assert e["level"] == "error" and e["msg"] and e["time"], e' "$TMP/log.json"
}

@test "pea run: exits with the container's exit status" {
	make_bundle c1 '["sh", "-c", "exit 3"]' >/dev/null
	run pea run --bundle "$TMP/c1" c1 </dev/null
	[ "$status" -eq 3 ]
	# The foreground run deletes its container, as runc's does.
	run pea state c1
	[ "$status" -eq 1 ]
	# A pid namespace's init ignores even SIGKILL from inside: kill it from
	# outside while `pea run` waits.
	make_bundle c2 '["sleep", "1000"]' >/dev/null
	"$PEA" --root "$ROOT" run --bundle "$TMP/c2" c2 </dev/null >"$TMP/c2.out" 2>&1 &
	local pid=$! st=0
	BG_PIDS+=("$pid")
	wait_status c2 running
	pea kill c2 KILL
	wait "$pid" || st=$?
	[ "$st" -eq 137 ]
	make_bundle c3 '["sh", "-c", "echo hello from $(hostname)"]' >/dev/null
	run pea run --bundle "$TMP/c3" c3 </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "hello from pea-c3" ]
}

@test "pea run: same exit statuses as runc" {
	command -v runc >/dev/null || skip "runc not installed"
	make_bundle r1 '["sh", "-c", "exit 42"]' >/dev/null
	run timeout 20 runc --root "$TMP/runc" run --bundle "$TMP/r1" r1 </dev/null
	local runc_status=$status
	run pea run --bundle "$TMP/r1" r1 </dev/null
	[ "$status" -eq "$runc_status" ]
	run timeout 20 runc --root "$TMP/runc" state nope
	runc_status=$status
	run pea state nope
	[ "$status" -eq "$runc_status" ]
}

@test "pea run: forwards SIGTERM to the container" {
	make_bundle t1 '["sh", "-c", "trap \"exit 7\" TERM; while :; do sleep 0.1; done"]' >/dev/null
	"$PEA" --root "$ROOT" run --bundle "$TMP/t1" t1 </dev/null >"$TMP/t1.out" 2>&1 &
	local pid=$!
	BG_PIDS+=("$pid")
	wait_status t1 running
	sleep 0.3 # let sh install its trap
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 7 ]
}

@test "pea: create, state, start, kill, delete" {
	make_bundle l1 '["sleep", "1000"]' >/dev/null
	pea create --bundle "$TMP/l1" --pid-file "$TMP/l1.pid" l1 </dev/null >"$TMP/l1.out" 2>&1
	[ "$(state_field l1 status)" = created ]
	local pid
	pid=$(state_field l1 pid)
	[ "$pid" -gt 0 ]
	[ "$(cat "$TMP/l1.pid")" = "$pid" ]
	pea start l1
	[ "$(state_field l1 status)" = running ]
	run pea list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == ID*PID*STATUS*BUNDLE*CREATED*OWNER ]]
	[[ "${lines[1]}" == l1*"$pid"*running*"$TMP/l1"* ]]
	pea list --format json | python3 -c 'import json,sys; l=json.load(sys.stdin); assert l[0]["id"] == "l1" and l[0]["status"] == "running", l'
	run pea delete l1
	[ "$status" -eq 1 ] # running, no --force
	# signal 0: only whether the process exists (runc takes it)
	pea kill l1 0
	[ "$(state_field l1 status)" = running ]
	pea kill l1 KILL
	wait_status l1 stopped
	pea delete l1
	run pea state l1
	[ "$status" -eq 1 ]
	[ ! -e "$CG_V2/$CG_PARENT/l1" ]
}

@test "pea exec: same pid namespace and hostname, exit status passed through" {
	make_bundle e1 '["sleep", "1000"]' >/dev/null
	pea run -d --bundle "$TMP/e1" e1 </dev/null >"$TMP/e1.out" 2>&1
	wait_status e1 running
	run pea exec e1 hostname
	[ "$status" -eq 0 ]
	[ "$output" = pea-e1 ]
	run pea exec e1 ps
	[ "$status" -eq 0 ]
	# busybox ps: PID USER COMMAND; the init is PID 1.
	echo "$output" | grep -Eq '^ *1 +root +sleep 1000'
	run pea exec e1 sh -c 'echo $$; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" -gt 1 ]
	run pea exec --cwd /tmp -e FOO=bar e1 sh -c 'echo $PWD $FOO'
	[ "$output" = "/tmp bar" ]
	run pea exec -u 1000:1000 e1 sh -c 'echo $(cat /proc/self/status | grep ^Uid)'
	[[ "$output" == "Uid: 1000 1000 1000 1000" ]]
	# The exec'd process is in the container's cgroup.
	run pea exec e1 cat /proc/self/cgroup
	[[ "$output" == *"0::/"* ]]
}

@test "pea exec: a failing exec reports the error" {
	make_bundle f1 '["sleep", "1000"]' >/dev/null
	pea run -d --bundle "$TMP/f1" f1 </dev/null >"$TMP/f1.out" 2>&1
	run pea exec f1 /no/such/binary
	[ "$status" -eq 255 ]
	[[ "$output" == *"exec: \"/no/such/binary\""*"No such file or directory"* ]]
	run pea exec f1 nosuchcommand
	[ "$status" -ne 0 ]
	[[ "$output" == *"nosuchcommand"* ]]
	run pea exec --cwd /nonexistent f1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"/nonexistent"* ]]
	# The container is unharmed.
	[ "$(state_field f1 status)" = running ]
	pea kill f1 KILL
	wait_status f1 stopped
	run pea exec f1 true
	[ "$status" -eq 255 ] # as runc: exec failures are 255
}

@test "pea exec -t: the pty master goes to --console-socket" {
	make_bundle s1 '["sleep", "1000"]' >/dev/null
	pea run -d --bundle "$TMP/s1" s1 </dev/null >"$TMP/s1.out" 2>&1
	cat >"$TMP/recv.py" <<'PY'
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
_, anc, _, _ = c.recvmsg(64, socket.CMSG_LEN(4))
fd = array.array("i", anc[0][2])[0]
os.write(fd, b"tty; exit\n")
out = b""
while True:
    try:
        d = os.read(fd, 1024)
    except OSError:
        break
    if not d:
        break
    out += d
sys.stdout.write(out.decode(errors="replace"))
PY
	timeout 10 python3 "$TMP/recv.py" "$TMP/console.sock" >"$TMP/console.out" &
	local rpid=$! n
	BG_PIDS+=("$rpid")
	for n in $(seq 50); do
		[ -S "$TMP/console.sock" ] && break
		sleep 0.1
	done
	pea exec -d -t --console-socket "$TMP/console.sock" s1 sh
	wait "$rpid"
	grep -q '^/dev/pts/0' "$TMP/console.out"
	# Without a console socket a detached tty cannot work.
	run pea exec -d -t s1 sh
	[ "$status" -eq 255 ]
	[[ "$output" == *"console socket"* ]]
}

@test "pea: kill --all and delete --force leave no process or cgroup" {
	make_bundle k1 '["sh", "-c", "sleep 1000 & sleep 1000 & wait"]' >/dev/null
	pea run -d --bundle "$TMP/k1" k1 </dev/null >"$TMP/k1.out" 2>&1
	wait_status k1 running
	pea exec -d k1 sleep 1001 </dev/null >/dev/null 2>&1
	local pids n
	for n in $(seq 50); do
		pids=$(pea ps --format json k1 | tr '[],' '   ')
		[ "$(echo "$pids" | wc -w)" -ge 4 ] && break
		sleep 0.1
	done
	[ "$(echo "$pids" | wc -w)" -ge 4 ]
	pea kill --all k1 KILL
	wait_status k1 stopped
	pea delete k1
	[ ! -e "$CG_V2/$CG_PARENT/k1" ]
	for n in $pids; do
		! grep -qs '^State:.*[RSD]' "/proc/$n/status" || false
	done

	make_bundle k2 '["sh", "-c", "sleep 1000 & sleep 1000 & wait"]' >/dev/null
	pea run -d --bundle "$TMP/k2" k2 </dev/null >"$TMP/k2.out" 2>&1
	wait_status k2 running
	pids=$(pea ps --format json k2 | tr '[],' '   ')
	pea delete --force k2
	run pea state k2
	[ "$status" -eq 1 ]
	[ ! -e "$CG_V2/$CG_PARENT/k2" ]
	for n in $pids; do
		! grep -qs '^State:.*[RSD]' "/proc/$n/status" || false
	done
}

@test "peapod-pause: PID 1 of a sandbox, ignores SIGHUP, reaps orphans, exits 0 on SIGTERM" {
	[ -x "$PAUSE" ] || skip "no peapod-pause at $PAUSE"
	make_bundle p1 '["/pause"]' >/dev/null
	cp "$PAUSE" "$TMP/p1/rootfs/pause"
	"$PEA" --root "$ROOT" run --bundle "$TMP/p1" p1 </dev/null >"$TMP/p1.out" 2>&1 &
	local pid=$!
	BG_PIDS+=("$pid")
	wait_status p1 running
	run pea exec p1 ps
	echo "$output" | grep -Eq '^ *1 +root +/pause$'
	pea kill p1 HUP
	pea kill p1 USR1
	sleep 0.3
	[ "$(state_field p1 status)" = running ]
	# An orphan: sh exits at once, its sleep is re-parented to /pause.
	pea exec p1 sh -c 'sleep 0.5 & exit 0'
	run pea exec p1 sh -c 'grep -l "^PPid:.1$" /proc/[0-9]*/status | wc -l'
	[ "$output" -ge 1 ]
	sleep 1
	run pea exec p1 sh -c 'grep -l "^State:.Z" /proc/[0-9]*/status | wc -l'
	[ "$output" -eq 0 ]
	pea kill p1 TERM
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
}

@test "peapod-pause: -v and outside PID 1 it warns but runs" {
	[ -x "$PAUSE" ] || skip "no peapod-pause at $PAUSE"
	run "$PAUSE" -v
	[ "$status" -eq 0 ]
	[[ "$output" == "peapod-pause "* ]]
	"$PAUSE" 2>"$TMP/pause.err" &
	local pid=$!
	BG_PIDS+=("$pid")
	sleep 0.2
	kill -HUP "$pid"
	sleep 0.2
	kill -0 "$pid"
	grep -q "not running as PID 1" "$TMP/pause.err"
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
}

# userns_bundle NAME ARGS_JSON [JOIN_PID]: make_bundle with a user namespace,
# new (mapped to 3000000000 + 65536) or, with JOIN_PID, that process's user,
# network, ipc and uts namespaces joined by path; the rootfs owned by the
# range's root, as an idmapped or chowned image would be.
userns_bundle() {
	local b
	b=$(make_bundle "$1" "$2")
	chown -R 3000000000:3000000000 "$b/rootfs"
	mkdir -p "$b/vol"
	echo host >"$b/vol/f"
	python3 - "$b/config.json" "${3:-}" <<'PY'
import json, sys
p, join = sys.argv[1], sys.argv[2]
c = json.load(open(p))
ns = c["linux"]["namespaces"]
if join:
    ns[:] = [n for n in ns if n["type"] not in ("network", "ipc", "uts")]
    for t, f in (("user", "user"), ("network", "net"), ("ipc", "ipc"), ("uts", "uts")):
        ns.append({"type": t, "path": "/proc/%s/ns/%s" % (join, f)})
    del c["hostname"]
else:
    ns.append({"type": "user"})
    m = [{"containerID": 0, "hostID": 3000000000, "size": 65536}]
    c["linux"]["uidMappings"] = m
    c["linux"]["gidMappings"] = m
c["process"]["capabilities"] = {k: ["CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE"] for k in ("bounding", "effective", "permitted")}
c["linux"]["maskedPaths"] = ["/proc/timer_list"]
if not join:
    c["mounts"].append({"destination": "/vol", "type": "bind", "source": p.rsplit("/", 1)[0] + "/vol", "options": ["bind", "idmap"]})
c["linux"]["readonlyPaths"] = ["/proc/sys"]
json.dump(c, open(p, "w"))
PY
	echo "$b"
}

@test "pea: a new user namespace maps the container's root to its host range" {
	userns_bundle u1 '["sleep", "1000"]' >/dev/null
	chmod 0700 "$TMP" # the container's root reaches its rootfs anyway
	pea run -d --bundle "$TMP/u1" u1 </dev/null >"$TMP/u1.out" 2>&1 || { cat "$TMP/u1.out"; false; }
	wait_status u1 running
	local pid
	pid=$(state_field u1 pid)
	[ "$(awk '{print $1, $2, $3}' "/proc/$pid/uid_map")" = "0 3000000000 65536" ]
	[ "$(stat -c %u "/proc/$pid")" = 3000000000 ]
	run pea exec u1 sh -c 'cat /proc/self/uid_map; id -u; touch /tmp/made; ls -ln /bin/busybox'
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 3000000000 65536" ]
	[ "${lines[1]}" = 0 ]
	[ "$(echo "${lines[2]}" | awk '{print $3, $4}')" = "0 0" ]
	[ "$(stat -c %u:%g "$TMP/u1/rootfs/tmp/made")" = 3000000000:3000000000 ]
	# An idmapped bind: the host's root-owned folder is root's inside, and
	# what root writes there is the host's root's.
	run pea exec u1 sh -c 'stat -c %u:%g /vol/f; echo in >/vol/g'
	[ "$status" -eq 0 ]
	[ "$output" = 0:0 ]
	[ "$(stat -c %u:%g "$TMP/u1/vol/g")" = 0:0 ]
	# Devices are bound (no mknod in a user namespace), proc masked and
	# read-only as without one; the host's root is not ours.
	run pea exec u1 sh -c 'echo x >/dev/null && cat /dev/null && ls /proc/timer_list'
	[ "$status" -eq 0 ]
	run pea exec u1 sh -c 'echo 1 >/proc/sys/kernel/domainname'
	[ "$status" -ne 0 ]
	run pea exec u1 sh -c 'cat /proc/timer_list | wc -c'
	[ "$output" = 0 ]
	run pea exec u1 ps
	echo "$output" | grep -Eq '^ *1 +root +sleep 1000'
}

@test "pea: a user namespace joined by path, with a new pid namespace" {
	userns_bundle u2 '["sleep", "1000"]' >/dev/null
	pea run -d --bundle "$TMP/u2" u2 </dev/null >"$TMP/u2.out" 2>&1 || { cat "$TMP/u2.out"; false; }
	wait_status u2 running
	local pid
	pid=$(state_field u2 pid)
	userns_bundle u3 '["sh", "-c", "cat /proc/self/uid_map; echo $$; id -u; touch /tmp/j; exec sleep 1000"]' "$pid" >/dev/null
	pea run -d --bundle "$TMP/u3" u3 </dev/null >"$TMP/u3.out" 2>&1 || { cat "$TMP/u3.out"; false; }
	wait_status u3 running
	local pid3
	pid3=$(state_field u3 pid)
	[ "$(readlink "/proc/$pid3/ns/user")" = "$(readlink "/proc/$pid/ns/user")" ]
	[ "$(readlink "/proc/$pid3/ns/net")" = "$(readlink "/proc/$pid/ns/net")" ]
	[ "$(readlink "/proc/$pid3/ns/pid")" != "$(readlink "/proc/$pid/ns/pid")" ]
	for _ in $(seq 50); do [ -e "$TMP/u3/rootfs/tmp/j" ] && break; sleep 0.1; done
	[ "$(stat -c %u "$TMP/u3/rootfs/tmp/j")" = 3000000000 ]
	run pea exec u3 ps
	echo "$output" | grep -Eq '^ *1 +root +sleep 1000'
	# A user namespace without mappings is refused, naming the field.
	python3 -c 'import json,sys; p=sys.argv[1]; c=json.load(open(p)); del c["linux"]["uidMappings"]; json.dump(c, open(p, "w"))' "$TMP/u2/config.json"
	run pea create --bundle "$TMP/u2" u4
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.uidMappings: user namespaces enabled, but no uid mappings found"* ]]
}

# scope_bundle NAME SCRIPT [ANNOTATION]: a bundle in this machine's pid
# namespace with CAP_SYS_PTRACE, so that the kernel's own ptrace rules allow
# every access and only the annotation's Landlock domain can deny one.
scope_bundle() { # NAME SCRIPT [VALUE]
	local b
	b=$(make_bundle "$1" "$(jq -cn --arg s "$2" '["sh", "-c", $s]')")
	jq --arg v "${3:-}" '.process.capabilities |= map_values(. + ["CAP_SYS_PTRACE"]) |
		.linux.namespaces |= map(select(.type != "pid")) |
		if $v != "" then .annotations["run.peapod.ptrace-scope"] = $v else . end' \
		"$b/config.json" >"$b/c.new" && mv "$b/c.new" "$b/config.json"
}

@test "pea: ptrace-scope container: no ptrace access outside the container's process tree, children still traceable" {
	sleep 100 &
	BG_PIDS+=($!)
	local outside=$!
	scope_bundle open "cat /proc/$outside/environ >/dev/null && echo read"
	run pea run --bundle "$TMP/open" open
	[ "$status" -eq 0 ]
	[ "$output" = read ]
	scope_bundle scoped "cat /proc/$outside/environ >/dev/null && echo read" container
	run pea run --bundle "$TMP/scoped" scoped
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	scope_bundle scoped2 "ls /proc/$outside/root/ >/dev/null && echo read" container
	run pea run --bundle "$TMP/scoped2" scoped2
	[ "$status" -ne 0 ]
	# its own children: the kernel's rules alone
	scope_bundle child 'sleep 100 & c=$!; cat /proc/$c/environ >/dev/null && echo read; kill $c' container
	run pea run --bundle "$TMP/child" child
	[ "$status" -eq 0 ]
	[ "$output" = read ]
	# signals are not scoped
	scope_bundle sig "kill -0 $outside && echo signalled" container
	run pea run --bundle "$TMP/sig" sig
	[ "$output" = signalled ]
	scope_bundle bad true everything
	run pea run --bundle "$TMP/bad" bad
	[ "$status" -eq 1 ]
	[[ "$output" == *'annotations.run.peapod.ptrace-scope: unsupported value "everything"'* ]]
}

@test "pea --systemd-cgroup: cgroupsPath slice:prefix:name laid out as systemd's unit, without systemd" {
	local top="pt$$x${BATS_TEST_NUMBER}" pid
	make_bundle c '["sleep", "60"]' >/dev/null
	sed -i "s|\"cgroupsPath\": \"[^\"]*\"|\"cgroupsPath\": \"$top-sub.slice:pea:c\"|" "$TMP/c/config.json"
	"$PEA" --root "$ROOT" --systemd-cgroup create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	pid=$(state_field c pid)
	local scope=$CG_V2/$top.slice/$top-sub.slice/pea-c.scope
	[ -d "$scope" ]
	grep -qx "$pid" "$scope/cgroup.procs"
	pea delete --force c
	[ ! -d "$scope" ]
	find /sys/fs/cgroup/ -maxdepth 2 -type d -name "$top.slice" |
		while read -r d; do find "$d" -depth -type d -exec rmdir {} +; done
	# another shape, or a slice name systemd refuses: one clear error
	sed -i "s|\"cgroupsPath\": \"[^\"]*\"|\"cgroupsPath\": \"/$CG_PARENT/c\"|" "$TMP/c/config.json"
	run "$PEA" --root "$ROOT" --systemd-cgroup create --bundle "$TMP/c" c
	[ "$status" -ne 0 ]
	[[ "$output" == *'expected "slice:prefix:name"'* ]]
	sed -i "s|\"cgroupsPath\": \"[^\"]*\"|\"cgroupsPath\": \"a--b.slice:pea:c\"|" "$TMP/c/config.json"
	run "$PEA" --root "$ROOT" --systemd-cgroup create --bundle "$TMP/c" c
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid slice name"* ]]
	run pea state c
	[ "$status" -ne 0 ]
}

# cgroup_bundle NAME SCRIPT RESOURCES_JSON: a bundle with a cgroup
# namespace, the cgroup mount and linux.resources.
cgroup_bundle() { # NAME SCRIPT RESOURCES
	make_bundle "$1" "[\"sh\", \"-c\", \"$2\"]" >/dev/null
	jq ".linux.namespaces += [{\"type\": \"cgroup\"}] | .linux.resources = $3 |
		.mounts += [{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\",
		\"source\": \"cgroup\", \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]}]" \
		"$TMP/$1/config.json" >"$TMP/$1/c.json"
	mv "$TMP/$1/c.json" "$TMP/$1/config.json"
}

@test "pea, hybrid host: hugepageLimits land in the unified hierarchy when hugetlb sits there" {
	[ ! -f /sys/fs/cgroup/cgroup.controllers ] || skip "pure cgroup v2"
	grep -qw hugetlb "$CG_V2/cgroup.controllers" || skip "hugetlb is not on the unified hierarchy"
	cgroup_bundle huge 'cat /sys/fs/cgroup/unified/hugetlb.2MB.max' \
		'{"hugepageLimits": [{"pageSize": "2MB", "limit": 6291456}]}'
	run pea run --bundle "$TMP/huge" huge
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 6291456 ]
}

@test "pea, pure cgroup v2 host: /sys/fs/cgroup is the container's cgroup2, limits in its files, a missing controller refused" {
	cgroup_bundle v2 'cat /proc/self/cgroup; cat /sys/fs/cgroup/hugetlb.2MB.max' \
		'{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}'
	cgroup_bundle nopids 'true' '{"pids": {"limit": 5}}'
	[ -e /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2 MB huge pages"
	run timeout 60 unshare -m --propagation private bash -c '
		umount -l /sys/fs/cgroup; mount -t cgroup2 none /sys/fs/cgroup
		grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers || { echo no-hugetlb; exit 0; }
		"$0" --root "$1" run --bundle "$2/v2" v2
		grep -qw pids /sys/fs/cgroup/cgroup.controllers && exit 0
		"$0" --root "$1" run --bundle "$2/nopids" nopids 2>&1 && echo ran
		rmdir /sys/fs/cgroup/'"$CG_PARENT"' 2>/dev/null; true' "$PEA" "$ROOT" "$TMP"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" != no-hugetlb ] || skip "the host's cgroup2 has no hugetlb controller"
	echo "$output" | grep -qx '0::/'
	echo "$output" | grep -qx 4194304
	[[ "$output" != *ran* ]]
	[[ "$output" == *"linux.resources.pids.limit: the host has no pids cgroup controller"* ]] ||
		grep -qw pids /sys/fs/cgroup/unified/cgroup.controllers
}

# kopts_run NAME ARGS_JSON JQ_FILTER: run a bundle edited with jq in the
# foreground; output and status in $output and $status.
kopts_run() { # NAME ARGS FILTER
	make_bundle "$1" "$2" >/dev/null
	jq "$3" "$TMP/$1/config.json" >"$TMP/$1/c.new" && mv "$TMP/$1/c.new" "$TMP/$1/config.json"
	run pea run --bundle "$TMP/$1" "$1"
}

@test "pea: linux.personality LINUX32 makes uname report a 32-bit machine" {
	[ "$(uname -m)" = x86_64 ] || skip "not an x86_64 host"
	kopts_run k '["/bin/busybox", "uname", "-m"]' '.linux.personality = {"domain": "LINUX32"}'
	[ "$status" -eq 0 ]
	[ "$output" = i686 ]
	kopts_run k2 '["true"]' '.linux.personality = {"domain": "BSD"}'
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.personality.domain: unknown value 'BSD'"* ]]
}

@test "pea: process.scheduler and process.ioPriority apply to the process" {
	kopts_run k '["sh", "-c", "grep ^policy /proc/self/sched; cut -d\" \" -f19 /proc/self/stat"]' \
		'.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7} | .process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
	[ "$status" -eq 0 ]
	[ "${lines[0]##* }" = 3 ]
	[ "${lines[1]}" = 7 ]
	make_bundle k2 '["sleep", "60"]' >/dev/null
	jq '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}' "$TMP/k2/config.json" >"$TMP/k2/c.new"
	mv "$TMP/k2/c.new" "$TMP/k2/config.json"
	pea run -d --bundle "$TMP/k2" k2 </dev/null >/dev/null 2>&1
	wait_status k2 running
	[ "$(ionice -p "$(state_field k2 pid)")" = "best-effort: prio 6" ]
}

@test "pea: linux.memoryPolicy is the process's NUMA policy" {
	[ -e /proc/self/numa_maps ] || skip "kernel without NUMA"
	kopts_run k '["sh", "-c", "grep -c interleave:0 /proc/self/numa_maps"]' \
		'.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0"}'
	[ "$status" -eq 0 ]
	[ "$output" -gt 0 ]
	kopts_run k2 '["true"]' '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0-x"}'
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.memoryPolicy.nodes: invalid '0-x'"* ]]
}

@test "pea: linux.timeOffsets shift the clocks of a new time namespace, exec included" {
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	make_bundle k '["sh", "-c", "read -r u _ </proc/uptime; echo ${u%%.*}; exec sleep 60"]' >/dev/null
	jq '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}}' \
		"$TMP/k/config.json" >"$TMP/k/c.new"
	mv "$TMP/k/c.new" "$TMP/k/config.json"
	pea create --bundle "$TMP/k" k </dev/null >"$TMP/out" 2>&1
	pea start k
	wait_status k running
	for _ in $(seq 50); do
		[ -s "$TMP/out" ] && break
		sleep 0.1
	done
	local host
	host=$(cut -d. -f1 /proc/uptime)
	[ "$(cat "$TMP/out")" -ge $((host + 864000 - 5)) ]
	run pea exec k cat /proc/uptime
	[ "$status" -eq 0 ]
	[ "${output%%.*}" -ge $((host + 864000 - 5)) ]
	kopts_run k2 '["true"]' '.linux.timeOffsets = {"boottime": {"secs": 1, "nanosecs": 0}}'
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.timeOffsets: needs a new 'time' namespace"* ]]
}

@test "pea: poststart runs at start (after the process started), a failing one only warns" {
	make_bundle k '["sleep", "60"]' >/dev/null
	jq --arg log "$TMP/log" '.hooks = {"poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "echo poststart >>\($log); exit 1"]}, {"path": "/bin/sh", "args": ["sh", "-c", "echo second >>\($log)"]}]}' \
		"$TMP/k/config.json" >"$TMP/k/c.new"
	mv "$TMP/k/c.new" "$TMP/k/config.json"
	pea create --bundle "$TMP/k" k </dev/null >/dev/null 2>&1
	[ ! -e "$TMP/log" ]
	run pea start k
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: error running poststart hook #0: exit status 1"* ]]
	[ "$(cat "$TMP/log")" = "poststart
second" ]
	[ "$(state_field k status)" = running ]
}

@test "pea: nosymfollow and rnosymfollow mount options" {
	mkdir -p "$TMP/src"
	echo hi >"$TMP/src/f"
	ln -s f "$TMP/src/link"
	kopts_run k '["sh", "-c", "cat /m/f; cat /m/link; cat /r/link"]' \
		".mounts += [{\"destination\": \"/m\", \"type\": \"bind\", \"source\": \"$TMP/src\", \"options\": [\"bind\", \"nosymfollow\"]}, {\"destination\": \"/r\", \"type\": \"bind\", \"source\": \"$TMP/src\", \"options\": [\"rbind\", \"rnosymfollow\"]}]"
	[ "${lines[0]}" = hi ]
	[[ "${lines[1]}" == *"Too many levels of symbolic links"* ]]
	[[ "${lines[2]}" == *"Too many levels of symbolic links"* ]]
}
