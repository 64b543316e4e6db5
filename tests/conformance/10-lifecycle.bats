#!/usr/bin/env bats
# The lifecycle of runtime-spec's "Lifecycle" and "Operations" sections
# through runc's CLI: create, start, state, kill, delete.

load helpers

@test "lifecycle: create leaves the container created, start runs it, delete removes it" {
	make_bundle c '["sleep", "60"]' >/dev/null
	rt create --bundle "$TMP/c" c </dev/null >/dev/null 2>&1
	[ "$(state_field c status)" = created ]
	[ "$(state_field c id)" = c ]
	[ "$(state_field c bundle)" = "$TMP/c" ]
	rt start c
	wait_status c running
	rt kill c KILL
	wait_status c stopped
	rt delete c
	run rt state c
	[ "$status" -ne 0 ]
}

@test "lifecycle: run in the foreground returns the process's exit code" {
	make_bundle c '["sh", "-c", "echo hello; exit 3"]' >/dev/null
	run_bundle c
	[ "$status" -eq 3 ]
	[ "$output" = hello ]
}

@test "errors: state, kill and delete of an unknown container fail" {
	run rt state nope
	[ "$status" -ne 0 ]
	run rt kill nope KILL
	[ "$status" -ne 0 ]
	run rt delete nope
	[ "$status" -ne 0 ]
}
