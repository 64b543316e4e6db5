#!/usr/bin/env bats
# runc's CLI beyond the lifecycle, as containerd's shim and podman call it:
# pause/resume, update, events, ps, list, state, and their error cases.

load helpers

# freezer_state NAME: the freezer of container NAME's cgroup, "FROZEN" or
# "THAWED", whichever freezer the host has (v1 twin, else v2).
freezer_state() { # NAME
	local v1=/sys/fs/cgroup/freezer/$CG_PARENT/$1
	if [ -d "$v1" ]; then
		cat "$v1/freezer.state"
	elif [ "$(cat "$CG_V2/$CG_PARENT/$1/cgroup.freeze")" = 1 ]; then
		echo FROZEN
	else
		echo THAWED
	fi
}

@test "pause: freezes the container's cgroup and state says paused; resume thaws it" {
	started c '["sleep", "60"]'
	rt pause c
	[ "$(state_field c status)" = paused ]
	[ "$(freezer_state c)" = FROZEN ]
	rt list --format json | jq -e '.[] | select(.id == "c") | .status == "paused"'
	rt resume c
	[ "$(state_field c status)" = running ]
	[ "$(freezer_state c)" = THAWED ]
}

@test "pause: a paused container's processes do not run until resumed" {
	started c '["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/tick; sleep 0.01; done"]'
	local tick=$TMP/c/rootfs/tmp/tick before _
	for _ in $(seq 50); do [ -s "$tick" ] && break; sleep 0.1; done
	rt pause c
	before=$(cat "$tick")
	sleep 0.2
	[ "$(cat "$tick")" = "$before" ]
	rt resume c
	for _ in $(seq 50); do [ "$(cat "$tick")" != "$before" ] && break; sleep 0.1; done
	[ "$(cat "$tick")" != "$before" ]
}

@test "pause: twice fails (not running); resume of a running container fails (not paused)" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: pause of a paused and resume of a running container both succeed (exit 0)"
	started c '["sleep", "60"]'
	refused "not paused" resume c
	rt pause c
	refused "not running" pause c
	[ "$(state_field c status)" = paused ]
}

@test "pause: unknown and stopped containers are refused" {
	# runc and pea: "does not exist"; crun: its state file "No such file"
	run rt pause nope
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* || "$output" == *"No such file"* ]]
	run rt resume nope
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* || "$output" == *"No such file"* ]]
	started c '["sleep", "60"]'
	rt kill c KILL
	wait_status c stopped
	refused "not running" pause c
	# runc and pea: "not paused"; crun: "not running" (both true)
	run rt resume c
	[ "$status" -ne 0 ]
	[[ "$output" == *"not paused"* || "$output" == *"not running"* ]]
	[ "$(state_field c status)" = stopped ]
}

@test "pause: exec into a paused container fails and runs nothing" {
	started c '["sleep", "60"]'
	rt pause c
	run rt exec c touch /tmp/ran
	[ "$status" -ne 0 ]
	[[ "$output" == *"paused"* ]]
	[ ! -e "$TMP/c/rootfs/tmp/ran" ]
}

@test "pause: kill KILL of a paused container stops it" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: kill KILL does not thaw a paused container's v1 freezer, so it stays paused until resumed"
	started c '["sleep", "60"]'
	rt pause c
	rt kill c KILL
	wait_status c stopped
	rt delete c
}

@test "pause: delete --force of a paused container removes it and its cgroup" {
	started c '["sleep", "60"]'
	rt pause c
	rt delete --force c
	run rt state c
	[ "$status" -ne 0 ]
	[ ! -d "$CG_V2/$CG_PARENT/c" ]
	[ ! -d "/sys/fs/cgroup/freezer/$CG_PARENT/c" ]
}

@test "pause: ps of a paused container still lists its pid" {
	started c '["sleep", "60"]'
	rt pause c
	local pid
	pid=$(state_field c pid)
	rt ps --format json c | jq -e --argjson p "$pid" 'index($p) != null'
}

# cg_value NAME V1_CONTROLLER V1_FILE V2_FILE: a cgroup file of container
# NAME, from the v1 controller's hierarchy when the host mounts it (hybrid),
# else from its v2 folder.
cg_value() { # NAME V1_CONTROLLER V1_FILE V2_FILE
	if [ -d "/sys/fs/cgroup/$2/$CG_PARENT/$1" ]; then
		cat "/sys/fs/cgroup/$2/$CG_PARENT/$1/$3"
	else
		cat "$CG_V2/$CG_PARENT/$1/$4"
	fi
}

@test "update: --memory and --pids-limit change the running container's limits" {
	started c '["sleep", "60"]'
	rt update --memory 104857600 --pids-limit 50 c
	[ "$(cg_value c memory memory.limit_in_bytes memory.max)" = 104857600 ]
	[ "$(cg_value c pids pids.max pids.max)" = 50 ]
	[ "$(state_field c status)" = running ]
}

@test "update: --memory takes runc's size suffixes (100M, 1G)" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: update --memory takes a byte count only, no k/m/g suffix"
	started c '["sleep", "60"]'
	rt update --memory 100M c
	[ "$(cg_value c memory memory.limit_in_bytes memory.max)" = 104857600 ]
	rt update --memory 1G c
	[ "$(cg_value c memory memory.limit_in_bytes memory.max)" = 1073741824 ]
}

@test "update: --resources - reads linux.resources JSON from stdin" {
	make_bundle c '["sleep", "60"]' >/dev/null
	bundle_set c '.linux.resources = {"memory": {"limit": 209715200}, "pids": {"limit": 100}}'
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	rt start c
	echo '{"memory": {"limit": 52428800}, "pids": {"limit": 42}}' | rt update --resources - c
	[ "$(cg_value c memory memory.limit_in_bytes memory.max)" = 52428800 ]
	[ "$(cg_value c pids pids.max pids.max)" = 42 ]
	echo '{"pids": {"limit": 43}}' >"$TMP/res.json"
	rt update -r "$TMP/res.json" c
	[ "$(cg_value c pids pids.max pids.max)" = 43 ]
	[ "$(cg_value c memory memory.limit_in_bytes memory.max)" = 52428800 ]
}

@test "update: --cpu-quota and --cpu-period set the CFS limit" {
	make_bundle c '["sleep", "60"]' >/dev/null
	bundle_set c '.linux.resources = {"cpu": {"shares": 1024, "quota": 100000, "period": 100000}}'
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	rt start c
	rt update --cpu-quota 50000 --cpu-period 200000 c
	if [ -d "/sys/fs/cgroup/cpu/$CG_PARENT/c" ]; then
		[ "$(cg_value c cpu cpu.cfs_quota_us -)" = 50000 ]
		[ "$(cg_value c cpu cpu.cfs_period_us -)" = 200000 ]
	else
		[ "$(cat "$CG_V2/$CG_PARENT/c/cpu.max")" = "50000 200000" ]
	fi
}

@test "update: unknown, bad value and bad JSON are refused" {
	# runc and pea: "does not exist"; crun: its state file "No such file"
	run rt update --memory 104857600 nope
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* || "$output" == *"No such file"* ]]
	started c '["sleep", "60"]'
	rt update --memory 209715200 c
	run rt update --memory lots c
	[ "$status" -ne 0 ]
	echo '{"memory": ' >"$TMP/bad.json"
	run rt update --resources "$TMP/bad.json" c
	[ "$status" -ne 0 ]
	[ "$(cg_value c memory memory.limit_in_bytes memory.max)" = 209715200 ]
	[ "$(state_field c status)" = running ]
}

@test "update: a stopped container is refused" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: update of a stopped container succeeds (exit 0)"
	started c '["sleep", "60"]'
	rt kill c KILL
	wait_status c stopped
	refused "not running" update --memory 104857600 c
}

@test "events --stats: one stats event with the cgroup's cpu, memory and pids counters" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8 has no events command"
	started c '["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 60"]'
	run rt events --stats c
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | jq -e '.type == "stats" and .id == "c"'
	echo "$output" | jq -e '.data.pids.current >= 1'
	echo "$output" | jq -e '.data.memory.usage.usage > 0'
	echo "$output" | jq -e '.data.cpu.usage.total > 0'
	echo "$output" | jq -e '.data.memory.raw | type == "object"'
}

@test "events --stats: the memory and pids limits set by update show" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8 has no events command"
	started c '["sleep", "60"]'
	rt update --memory 64M --pids-limit 33 c
	run rt events --stats c
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.data.memory.usage.limit == 67108864'
	echo "$output" | jq -e '.data.pids.limit == 33'
}

@test "events: unknown and stopped containers are refused" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8 has no events command"
	refused "does not exist" events --stats nope
	refused "does not exist" events nope
	started c '["sleep", "60"]'
	rt kill c KILL
	wait_status c stopped
	run rt events --stats c
	[ "$status" -ne 0 ]
}

@test "events: a stream of stats events every --interval" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8 has no events command"
	started c '["sleep", "60"]'
	timeout 0.9 "$RUNTIME" --root "$ROOT" events --interval 200ms c >"$TMP/ev" || true
	[ "$(jq -s 'map(select(.type == "stats" and .id == "c")) | length' "$TMP/ev")" -ge 2 ]
}

@test "events: the OOM killer killing in the container is an oom event" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8 has no events command"
	make_bundle c '["sh", "-c", "x=0123456789; while :; do x=$x$x; done"]' >/dev/null
	bundle_set c '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	"$RUNTIME" --root "$ROOT" events --interval 10s c >"$TMP/ev" 2>&1 &
	BG_PIDS+=($!)
	sleep 0.2
	rt start c
	local _
	for _ in $(seq 50); do
		grep -q '"oom"' "$TMP/ev" && break
		sleep 0.1
	done
	jq -e 'select(.type == "oom") | .id == "c"' "$TMP/ev"
}

@test "ps --format json: a JSON array of the container's host pids" {
	started c '["sh", "-c", "sleep 60 & sleep 60 & wait"]'
	local pid n
	pid=$(state_field c pid)
	for _ in $(seq 50); do
		n=$(rt ps --format json c | jq length)
		[ "$n" -ge 3 ] && break
		sleep 0.1
	done
	rt ps --format json c | jq -e --argjson p "$pid" 'length == 3 and index($p) != null'
}

@test "ps: a table headed PID that lists the container's pid; an unknown container is refused" {
	started c '["sleep", "60"]'
	local pid
	pid=$(state_field c pid)
	run rt ps c
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *PID* ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ " ${lines[1]} " == *" $pid "* ]]
	run rt ps nope
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* || "$output" == *"No such file"* ]]
}

@test "ps: the host's ps table of the container's processes, with ps options" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: ps prints a PID column only and takes no ps options"
	started c '["sleep", "60"]'
	local pid
	pid=$(state_field c pid)
	run rt ps c
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *PID*CMD* ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == *" $pid "*"sleep 60"* ]]
	run rt ps c -o pid,comm
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *PID*COMMAND* ]]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[1]}" | awk '{print $1, $2}')" = "$pid sleep" ]
	refused "does not exist" ps nope
}

@test "state: annotations, and rootfs naming the bundle's root" {
	make_bundle c '["sleep", "60"]' >/dev/null
	bundle_set c '.annotations = {"org.example.a": "1", "b": "two"}'
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	rt state c | jq -e '.annotations == {"org.example.a": "1", "b": "two"}'
	# runc and pea print it absolute; crun as config.json has it, relative
	# to the bundle
	rt state c | jq -e --arg r "$TMP/c/rootfs" --arg b "$TMP/c" \
		'.rootfs == $r or ($b + "/" + .rootfs) == $r'
	rt state c | jq -e '.ociVersion | type == "string"'
	rt state c | jq -e '.pid > 0 and .status == "created"'
}

@test "list: table, --format json and -q" {
	started a '["sleep", "60"]'
	make_bundle b '["sleep", "60"]' >/dev/null
	rt create --bundle "$TMP/b" b </dev/null >/dev/null 2>&1
	run rt list -q
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "a b " ]
	rt list --format json | jq -e 'map({(.id): .status}) | add == {"a": "running", "b": "created"}'
	rt list --format json | jq -e --arg b "$TMP/b" '.[] | select(.id == "b") | .bundle == $b'
	run rt list
	[ "$status" -eq 0 ]
	# runc and pea head the first column ID, crun NAME
	[[ "${lines[0]}" == *PID*STATUS*BUNDLE*CREATED*OWNER ]]
	[[ "$output" == *"running"* ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "list: an empty or missing root lists nothing" {
	run rt list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	rt list --format json | jq -e 'length == 0 or . == null'
}

@test "checkpoint and restore: refused without CRIU, the container left running" {
	started c '["sleep", "60"]'
	run rt checkpoint c
	[ "$status" -eq 1 ]
	[ -n "$output" ]
	[ "$(state_field c status)" = running ]
	run rt restore c
	[ "$status" -eq 1 ]
	[ "$(state_field c status)" = running ]
}

@test "--log with --log-format json: errors as JSON lines {level, msg, time}" {
	# the missing container's error: runc and pea say "does not exist",
	# crun 1.8 the ENOENT of its state file ("No such file or directory")
	local gone='does not exist|No such file'
	run rt --log "$TMP/log.json" --log-format json state nope
	[ "$status" -ne 0 ]
	jq -e --arg re "$gone" \
		'select(.level == "error") | (.msg | test($re)) and (.time | length > 0)' \
		"$TMP/log.json"
	# the text format differs (runc and pea: logfmt, crun: the bare
	# message); all write the error to the --log file
	run rt --log "$TMP/log.txt" state nope
	[ "$status" -ne 0 ]
	grep -Eq "$gone" "$TMP/log.txt"
	refused "xml" --log-format xml state nope
}

@test "--debug: commands still work and report as before" {
	started c '["sleep", "60"]'
	run rt --debug state c
	[ "$status" -eq 0 ]
	[ "$(rt --debug state c | jq -r .status)" = running ]
	run rt --debug state nope
	[ "$status" -ne 0 ]
	# runc and pea: "does not exist"; crun 1.8: its state file's ENOENT
	local gone='does not exist|No such file'
	[[ "$output" =~ $gone ]]
}

@test "spec: writes runc's default config.json, and refuses to overwrite it" {
	mkdir -p "$TMP/s"
	"$RUNTIME" spec --bundle "$TMP/s"
	jq -e '.process.args == ["sh"] and .root.path == "rootfs" and .process.terminal == true' \
		"$TMP/s/config.json"
	jq -e '[.linux.namespaces[].type] | index("pid") != null and index("mount") != null' \
		"$TMP/s/config.json"
	run "$RUNTIME" spec --bundle "$TMP/s"
	[ "$status" -ne 0 ]
}

@test "spec --rootless: a user namespace mapping our ids to 0, no network namespace, no resources" {
	mkdir -p "$TMP/r"
	"$RUNTIME" spec --rootless --bundle "$TMP/r"
	local f=$TMP/r/config.json
	jq -e '[.linux.namespaces[].type] | index("user") != null' "$f"
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: spec --rootless writes no uid/gid mappings and keeps the network namespace, linux.resources and a sysfs /sys"
	jq -e '[.linux.namespaces[].type] | index("network") == null' "$f"
	jq -e --argjson u "$(id -u)" '.linux.uidMappings == [{"containerID": 0, "hostID": $u, "size": 1}]' "$f"
	jq -e --argjson g "$(id -g)" '.linux.gidMappings == [{"containerID": 0, "hostID": $g, "size": 1}]' "$f"
	jq -e '.linux.resources == null' "$f"
	jq -e '.mounts[] | select(.destination == "/sys") | .options | index("rbind") != null' "$f"
}

@test "features: JSON with the OCI versions and the namespaces the runtime knows" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: has no features command (unknown command features)"
	run "$RUNTIME" features
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.ociVersionMin | startswith("1.0")'
	echo "$output" | jq -e '.linux.namespaces | index("pid") != null and index("mount") != null'
	echo "$output" | jq -e '.mountOptions | index("ro") != null'
}

@test "kill: signal by name, SIG-name or number; the default is TERM; a stopped container is refused" {
	started a '["sleep", "60"]'
	rt kill a SIGKILL
	wait_status a stopped
	# runc and pea: "not running"; crun 1.8: kill(2)'s ESRCH
	run rt kill a KILL
	[ "$status" -ne 0 ]
	local gone='not running|No such process'
	[[ "$output" =~ $gone ]]
	started b '["sleep", "60"]'
	rt kill b 9
	wait_status b stopped
	started c '["sh", "-c", "trap \"exit 42\" TERM; while :; do sleep 0.05; done"]'
	rt kill c
	wait_status c stopped
	run rt kill c NOSUCHSIG
	[ "$status" -ne 0 ]
}

@test "kill: a created container can be killed before it starts" {
	make_bundle c '["sleep", "60"]' >/dev/null
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	rt kill c KILL
	wait_status c stopped
	rt delete c
}

@test "errors: start twice, a taken id, a bundle without or with broken config.json" {
	started c '["sleep", "60"]'
	run rt start c
	[ "$status" -ne 0 ]
	run rt create --bundle "$TMP/c" c
	[ "$status" -ne 0 ]
	[ "$(state_field c status)" = running ]
	mkdir -p "$TMP/empty"
	run rt create --bundle "$TMP/empty" e
	[ "$status" -ne 0 ]
	run rt state e
	[ "$status" -ne 0 ]
	make_bundle j '["true"]' >/dev/null
	echo '{"ociVersion": ' >"$TMP/j/config.json"
	run rt create --bundle "$TMP/j" j
	[ "$status" -ne 0 ]
	run rt state j
	[ "$status" -ne 0 ]
	# runc and pea: "does not exist"; crun 1.8: its state file's ENOENT
	run rt start nope
	[ "$status" -ne 0 ]
	local gone='does not exist|No such file'
	[[ "$output" =~ $gone ]]
	run rt exec nope true
	[ "$status" -ne 0 ]
}

@test "exec: into a stopped container fails without running anything" {
	started c '["sleep", "60"]'
	rt kill c KILL
	wait_status c stopped
	run rt exec c true
	[ "$status" -ne 0 ]
}

@test "--help: every command answers it with status 0 (callers probe for commands)" {
	local cmd
	for cmd in create start run state kill delete list ps exec pause resume update spec; do
		rt "$cmd" --help >/dev/null || {
			echo "$cmd --help failed" >&2
			return 1
		}
	done
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: has no events or features command (unknown command)"
	for cmd in events features; do
		rt "$cmd" --help >/dev/null || {
			echo "$cmd --help failed" >&2
			return 1
		}
	done
}
