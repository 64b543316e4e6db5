#!/usr/bin/env bats
# config.md "POSIX-platform Hooks" and runtime.md "Lifecycle": the six
# kinds, when and where they run, the state on their stdin, their args,
# env and timeout, and what a failing hook does.

load helpers
bats_require_minimum_version 1.5.0

# hook PATH ARGS_JSON [EXTRA_JSON]: one hook object.
hook() { # PATH ARGS [EXTRA]
	jq -cn --arg p "$1" --argjson a "$2" --argjson x "${3:-{\}}" '{path: $p, args: $a} + $x'
}

# logging_hook NAME LOG: a /bin/sh hook appending "NAME STATUS" to LOG,
# STATUS read from the state on its stdin.
logging_hook() { # NAME LOG
	hook /bin/sh "[\"sh\", \"-c\", \"echo $1 \$(tr , '\\\\n' | grep status | cut -d'\\\"' -f4) >>$2\"]"
}

@test "hooks: the six kinds run in the lifecycle's order with the state's status" {
	make_bundle c '["sh", "-c", "echo process >>/log"]' >/dev/null
	local h=$TMP/c/rootfs/log k
	for k in prestart createRuntime createContainer poststart poststop; do
		bundle_set c ".hooks.$k = [$(logging_hook $k "$h")]"
	done
	bundle_set c ".hooks.startContainer = [$(logging_hook startContainer /log)]"
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	[ "$(head -3 "$h" | cut -d' ' -f1)" = "prestart
createRuntime
createContainer" ]
	run ! grep -q startContainer "$h"
	rt start c
	wait_status c stopped
	rt delete c
	# runc 1.1 runs poststart during create: only its presence is common
	grep -q "^startContainer " "$h"
	grep -q "^poststart " "$h"
	[ "$(tail -1 "$h")" = "poststop stopped" ]
	[ "$(grep -n "^startContainer " "$h" | cut -d: -f1)" -lt "$(grep -n -x process "$h" | cut -d: -f1)" ]
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: the create hooks get status created, not creating, and startContainer gets starting, not created"
	[ "$(head -3 "$h" | cut -d' ' -f2 | sort -u)" = creating ]
	grep -qx "startContainer created" "$h"
}

@test "hooks: createRuntime gets the state: id, bundle, the init's pid, annotations" {
	make_bundle c '["true"]' >/dev/null
	bundle_set c '.annotations = {"a.b/c": "d"}'
	bundle_set c ".hooks.createRuntime = [$(hook /bin/sh '["sh", "-c", "cat >'"$TMP"'/hstate"]')]"
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	[ "$(jq -r .id "$TMP/hstate")" = c ]
	[ "$(jq -r .bundle "$TMP/hstate")" = "$TMP/c" ]
	[ "$(jq -r '.annotations["a.b/c"]' "$TMP/hstate")" = d ]
	[ "$(jq -r .pid "$TMP/hstate")" = "$(state_field c pid)" ]
	[ "$(jq -r .ociVersion "$TMP/hstate")" != null ]
}

@test "hooks: args and env are the hook's own" {
	make_bundle c '["true"]' >/dev/null
	bundle_set c ".hooks.prestart = [$(hook /bin/sh '["sh", "-c", "echo $0 $1 >'"$TMP"'/out; /usr/bin/env >>'"$TMP"'/out", "zero", "one"]' '{"env": ["FOO=bar"]}')]"
	run_bundle c
	[ "$status" -eq 0 ]
	[ "$(head -1 "$TMP/out")" = "zero one" ]
	grep -qx FOO=bar "$TMP/out"
	run ! grep -q '^HOME=' "$TMP/out"
}

@test "hooks: a hook without env gets the runtime's environment" {
	make_bundle c '["true"]' >/dev/null
	bundle_set c ".hooks.prestart = [$(hook /bin/sh '["sh", "-c", "/usr/bin/env >'"$TMP"'/out"]')]"
	HOOK_TEST_VAR=from-the-caller run_bundle c
	[ "$status" -eq 0 ]
	grep -qx HOOK_TEST_VAR=from-the-caller "$TMP/out"
}

@test "hooks: createContainer runs in the container's namespaces, startContainer inside its rootfs" {
	make_bundle c '["true"]' >/dev/null
	cp /bin/busybox "$TMP/c/rootfs/only-in-rootfs"
	bundle_set c ".hooks.createContainer = [$(hook /bin/sh '["sh", "-c", "readlink /proc/self/ns/mnt >'"$TMP"'/cc"]')]"
	bundle_set c ".hooks.startContainer = [$(hook /only-in-rootfs '["sh", "-c", "hostname >/sc"]')]"
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	[ "$(cat "$TMP/cc")" = "$(readlink "/proc/$(state_field c pid)/ns/mnt")" ]
	rt start c
	wait_status c stopped
	[ "$(cat "$TMP/c/rootfs/sc")" = conf-c ]
}

@test "hooks: a failing prestart, createRuntime or createContainer hook fails create, nothing left" {
	local k
	for k in prestart createRuntime createContainer; do
		make_bundle $k '["true"]' >/dev/null
		bundle_set $k ".hooks.$k = [$(hook /bin/sh '["sh", "-c", "echo boom >&2; exit 3"]')]"
		run rt create --bundle "$TMP/$k" $k </dev/null
		[ "$status" -ne 0 ]
		run rt state $k
		[ "$status" -ne 0 ]
	done
}

@test "hooks: after a failing prestart, createRuntime or createContainer hook, poststop runs" {
	[ "$RUNTIME_NAME" != crun ] || skip "crun 1.8: runs no poststop hook when create fails"
	local k
	for k in prestart createRuntime createContainer; do
		make_bundle $k '["true"]' >/dev/null
		bundle_set $k ".hooks.$k = [$(hook /bin/sh '["sh", "-c", "exit 3"]')]"
		# runtime.md "Lifecycle": a failed create goes on at delete, whose
		# last step is poststop
		bundle_set $k ".hooks.poststop = [$(hook /bin/sh '["sh", "-c", "cat >'"$TMP/post-$k"'"]')]"
		run rt create --bundle "$TMP/$k" $k </dev/null
		[ "$status" -ne 0 ]
		jq -e --arg k "$k" '.id == $k and .status == "stopped"' "$TMP/post-$k"
	done
}

@test "hooks: a hook running past its timeout is killed and fails create" {
	make_bundle c '["true"]' >/dev/null
	bundle_set c ".hooks.createRuntime = [$(hook /bin/sh '["sh", "-c", "sleep 20"]' '{"timeout": 1}')]"
	run rt create --bundle "$TMP/c" c </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *timeout* ]]
	run rt state c
	[ "$status" -ne 0 ]
}

@test "hooks: a failing poststop hook does not keep the container" {
	make_bundle c '["true"]' >/dev/null
	bundle_set c ".hooks.poststop = [$(hook /bin/sh '["sh", "-c", "exit 1"]'), $(hook /bin/sh '["sh", "-c", "touch '"$TMP"'/second"]')]"
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	rt delete c || true
	run rt state c
	[ "$status" -ne 0 ]
}
