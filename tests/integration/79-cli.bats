#!/usr/bin/env bats
# The kubectl details of the peapod verbs: --help on every verb, kubectl's
# unknown-flag errors, get --no-headers, delete --force --grace-period=0,
# exec into a completed pod, PEAPOD_LOG_MAX_SIZE as a quantity.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_root
}

teardown() {
	teardown_root
}

sleeper() { # NAME: a running busybox pod
	manifest "$BATS_TEST_TMPDIR/$1.yaml" "$1" <<'YAML'
  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap '' TERM; sleep 3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/$1.yaml"
	wait_for 30 pod_is "$1" Running
}

@test "--help and -h on every verb print its usage to stdout, exit 0" {
	for verb in apply get describe delete exec logs attach image monitor; do
		for h in --help -h; do
			run --separate-stderr peapod "$verb" $h
			echo "$verb $h: $output $stderr"
			[ "$status" -eq 0 ]
			[ -z "$stderr" ]
			[[ "${lines[0]}" =~ ^[A-Z].*\.$ ]]
			[[ "$output" == *$'\nExamples:\n'* ]] || [ "$verb" = monitor ]
			[[ "$output" == *$'\nOptions:\n'* ]]
			[[ "$output" == *$'\nUsage:\n  peapod '"$verb "* ]]
		done
	done
	# after other arguments too, and as `peapod help VERB`
	run peapod get pods -o wide --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--no-headers=false:"* ]]
	run peapod delete pod x --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--grace-period=-1:"* ]]
	[ -z "$(ls -A "$PEAPOD_ROOT/run/names" 2>/dev/null)" ]
	run peapod help logs
	[ "$status" -eq 0 ]
	[[ "$output" == *"--tail=-1:"* ]]
}

@test "unknown and incomplete flags: kubectl's error and exit 1" {
	run --separate-stderr peapod get pods --foo
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = $'error: unknown flag: --foo\nSee \'peapod get --help\' for usage.' ]
	run --separate-stderr peapod delete --bogus=3 pod x
	[ "$status" -eq 1 ]
	[ "$stderr" = $'error: unknown flag: --bogus\nSee \'peapod delete --help\' for usage.' ]
	run --separate-stderr peapod apply -z -f x.yaml
	[ "$status" -eq 1 ]
	[ "$stderr" = $'error: unknown shorthand flag: \'z\' in -z\nSee \'peapod apply --help\' for usage.' ]
	run --separate-stderr peapod get pods -Az
	[ "$status" -eq 1 ]
	[ "${stderr%%$'\n'*}" = "error: unknown shorthand flag: 'z' in -Az" ]
	run --separate-stderr peapod get pods -n
	[ "$status" -eq 1 ]
	[ "${stderr%%$'\n'*}" = "error: flag needs an argument: 'n' in -n" ]
	run --separate-stderr peapod describe pods --namespace
	[ "$status" -eq 1 ]
	[ "$stderr" = $'error: flag needs an argument: --namespace\nSee \'peapod describe --help\' for usage.' ]
	run --separate-stderr peapod delete pods
	[ "$status" -eq 1 ]
	[ "$stderr" = "error: resource(s) were provided, but no name was specified" ]
	run --separate-stderr peapod frobnicate
	[ "$status" -eq 1 ]
	[ "${stderr%%$'\n'*}" = 'error: unknown command "frobnicate" for "peapod"' ]
}

@test "get pods with no pods: kubectl's notice on stderr, nothing on stdout" {
	run --separate-stderr peapod get pods
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "No resources found in default namespace." ]
	run --separate-stderr peapod get pods -n other --no-headers
	[ "$status" -eq 0 ]
	[ "$stderr" = "No resources found in other namespace." ]
	run --separate-stderr peapod get pods -A
	[ "$stderr" = "No resources found" ]
}

@test "get pods --no-headers, also with -o wide" {
	sleeper nohead
	run --separate-stderr peapod get pods --no-headers
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	read -r -a f <<<"${lines[0]}"
	[ "${f[0]}" = nohead ]
	[ "${f[1]}" = 1/1 ]
	[ "${f[2]}" = Running ]
	[ "${#f[@]}" -eq 5 ]
	run peapod get pods -o wide --no-headers
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	read -r -a f <<<"${lines[0]}"
	[ "${f[0]}" = nohead ]
	[ "${#f[@]}" -eq 9 ]
	[ "${f[5]}" = "<none>" ]
	# NOMINATED NODE and READINESS GATES, as kubectl
	[ "${f[7]}" = "<none>" ]
	[ "${f[8]}" = "<none>" ]
	run peapod get pods -A --no-headers
	read -r -a f <<<"${lines[0]}"
	[ "${#lines[@]}" -eq 1 ]
	[ "${f[0]}" = default ]
	[ "${f[1]}" = nohead ]
	# the headers are still there without the flag
	run peapod get pods
	[[ "${lines[0]}" =~ ^NAME\ +READY\ +STATUS ]]
}

@test "delete --force --grace-period=0: kubectl's warning, then force deleted" {
	sleeper forced
	start=$(date +%s)
	run --separate-stderr peapod delete pod forced --force --grace-period=0
	echo "$output / $stderr"
	[ "$status" -eq 0 ]
	[ "$stderr" = "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely." ]
	[ "$output" = 'pod "forced" force deleted' ]
	# the TERM-ignoring container did not get its 30s grace period
	[ $(($(date +%s) - start)) -lt 20 ]
	run peapod get pods forced
	[ "$status" -eq 1 ]
	# a plain delete says deleted, with no warning
	sleeper plain
	run --separate-stderr peapod delete pod plain --now
	[ "$status" -eq 0 ]
	[ "$output" = 'pod "plain" deleted' ]
	[ -z "$stderr" ]
}

@test "exec into a completed pod: kubectl's error, exit 1" {
	completed_pod done
	run --separate-stderr peapod exec done -- echo hi
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "error: cannot exec into a container in a completed pod; current phase is Succeeded" ]
	completed_pod failed Error
	run --separate-stderr peapod exec failed -- echo hi
	[ "$status" -eq 1 ]
	[ "$stderr" = "error: cannot exec into a container in a completed pod; current phase is Failed" ]
}

@test "exec: -h after -- belongs to the command, not to peapod" {
	sleeper ex
	run peapod exec ex -- echo -h
	[ "$status" -eq 0 ]
	[ "$output" = "-h" ]
}

logger() { # NAME LINES: a pod printing LINES numbered lines, then waiting
	manifest "$BATS_TEST_TMPDIR/$1.yaml" "$1" <<YAML
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "seq 1 $2; echo done; sleep 3600"]
YAML
}

last_line_is() { # POD LINE: the last line of its log
	[ "$("$PEAPOD" logs "$1" --tail 1)" = "$2" ]
}

log_files() { # POD → the files of its container c, run 0
	ls "$PEAPOD_ROOT"/logs/default_"$1"_*/c/ | grep '^0\.log'
}

@test "PEAPOD_LOG_MAX_SIZE takes a quantity (1Ki) as containerLogMaxSize" {
	logger kib 2000
	PEAPOD_LOG_MAX_SIZE=1Ki PEAPOD_LOG_MAX_FILES=3 peapod apply -f "$BATS_TEST_TMPDIR/kib.yaml"
	wait_for 30 last_line_is kib done
	dir=$(echo "$PEAPOD_ROOT"/logs/default_kib_*/c)
	[ "$(log_files kib | wc -l)" -ge 2 ]
	for f in $(log_files kib); do
		[ "$(stat -c %s "$dir/$f")" -le 1024 ]
	done
	uid=$(readlink "$PEAPOD_ROOT/run/names/default/kib")
	! grep -q PEAPOD_LOG_MAX_SIZE "$PEAPOD_ROOT/run/pods/$uid/monitor.log"
}

@test "a bad PEAPOD_LOG_MAX_SIZE: one warning naming it, the default 10Mi" {
	logger badsize 2000
	PEAPOD_LOG_MAX_SIZE=10Zi peapod apply -f "$BATS_TEST_TMPDIR/badsize.yaml"
	wait_for 30 last_line_is badsize done
	uid=$(readlink "$PEAPOD_ROOT/run/names/default/badsize")
	log="$PEAPOD_ROOT/run/pods/$uid/monitor.log"
	cat "$log"
	[ "$(grep -c 'PEAPOD_LOG_MAX_SIZE' "$log")" -eq 1 ]
	grep 'PEAPOD_LOG_MAX_SIZE' "$log" | grep -q '"10Zi"'
	grep 'PEAPOD_LOG_MAX_SIZE' "$log" | grep -q '10Mi'
	# ~10 KB of log under a 10Mi limit: no rotation
	[ "$(log_files badsize)" = 0.log ]
}
