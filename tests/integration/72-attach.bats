#!/usr/bin/env bats
# peapod attach (kubectl attach): to the main process of a container, through
# the pod's monitor: a tty shell, several clients at once, stdin, stdinOnce,
# the end of the container, kubectl's errors.

load helpers

setup() {
	setup_root
}

teardown() {
	# attach clients started in the background by a failed test
	local p
	for p in ${ATTACH_PIDS:-}; do
		kill "$p" 2>/dev/null || true
	done
	teardown_root
}

lines_in() { # FILE N: FILE has at least N lines matching tick-
	[ "$(grep -c tick- "$1")" -ge "$2" ]
}

restarts() { # POD → the RESTARTS column
	peapod get pods "$1" | awk 'NR==2 {print $4}'
}

@test "attach -it to the seed page's shell: ps ax shows pause and nginx; detaching leaves it running" {
	peapod apply -f "$SEEDS/share-process-namespace-ptrace.yaml"
	wait_for 30 pod_is nginx Running
	mkfifo "$BATS_TEST_TMPDIR/in"
	local out=$BATS_TEST_TMPDIR/out
	script -qfec "$PEAPOD attach -it nginx -c shell" "$out" <"$BATS_TEST_TMPDIR/in" \
		>/dev/null 2>&1 &
	local pid=$!
	ATTACH_PIDS=$pid
	exec 5>"$BATS_TEST_TMPDIR/in"
	printf 'ps ax\n' >&5
	wait_for 20 grep -q 'nginx: master' "$out"
	# detach: script passes SIGTERM on to attach, which restores the terminal
	kill -TERM "$pid"
	wait "$pid" || true
	exec 5>&-
	cat "$out"
	grep -q "If you don't see a command prompt, try pressing enter." "$out"
	grep -Eq '^ *1 +root +/pause' <(tr -d '\r' <"$out")
	pod_is nginx Running
	[ "$(restarts nginx)" = 0 ]
	run peapod exec nginx -c shell -- ps ax
	[[ "$output" =~ (^|$'\n')\ *[0-9]+\ +root\ +sh($'\n'|$) ]]
}

@test "two attaches at once both see what the container prints" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" counter <<'YAML'
  containers:
  - name: counter
    image: busybox:1.28
    command: ["sh", "-c", "i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.1; done"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is counter Running
	peapod attach counter >"$BATS_TEST_TMPDIR/o1" 2>"$BATS_TEST_TMPDIR/e1" </dev/null &
	local p1=$!
	peapod attach counter >"$BATS_TEST_TMPDIR/o2" 2>"$BATS_TEST_TMPDIR/e2" </dev/null &
	local p2=$!
	ATTACH_PIDS="$p1 $p2"
	wait_for 20 lines_in "$BATS_TEST_TMPDIR/o1" 5
	wait_for 20 lines_in "$BATS_TEST_TMPDIR/o2" 5
	# a line the first saw once both were attached, the second saw as well
	local last
	last=$(tail -n 2 "$BATS_TEST_TMPDIR/o1" | head -n 1)
	wait_for 10 grep -qx "$last" "$BATS_TEST_TMPDIR/o2"
	kill "$p1" "$p2"
	wait "$p1" || true
	wait "$p2" || true
	grep -q "If you don't see a command prompt" "$BATS_TEST_TMPDIR/e1"
	pod_is counter Running
	[ "$(restarts counter)" = 0 ]
}

@test "attach -i to a stdin container: what is sent comes back; the end of input detaches" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" echo <<'YAML'
  containers:
  - name: cat
    image: busybox:1.28
    command: ["cat"]
    stdin: true
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is echo Running
	mkfifo "$BATS_TEST_TMPDIR/in"
	# -t on a container without a tty: kubectl's warning, then plain streams
	peapod attach -it echo <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	ATTACH_PIDS=$pid
	exec 5>"$BATS_TEST_TMPDIR/in"
	printf 'hello-attach\n' >&5
	wait_for 20 grep -qx hello-attach "$BATS_TEST_TMPDIR/out"
	printf 'second-line\n' >&5
	wait_for 20 grep -qx second-line "$BATS_TEST_TMPDIR/out"
	exec 5>&-
	local rc=0
	wait "$pid" || rc=$?
	cat "$BATS_TEST_TMPDIR/err"
	[ "$rc" -eq 0 ]
	grep -qx "error: Unable to use a TTY - container cat did not allocate one" "$BATS_TEST_TMPDIR/err"
	# without stdinOnce the container's stdin stays open: cat keeps running
	pod_is echo Running
	[ "$(restarts echo)" = 0 ]
	run peapod logs echo
	[[ "$output" =~ hello-attach ]]
	# a new client reaches the same cat (its end of input detaches it at
	# once, so the echo may come after it left: the log has it)
	run timeout 20 sh -c "printf 'again\n' | '$PEAPOD' attach -i -q echo"
	[ "$status" -eq 0 ]
	wait_for 20 sh -c "'$PEAPOD' logs echo | grep -qx again"
}

@test "stdinOnce: the container's stdin closes when the first client detaches" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" once <<'YAML'
  restartPolicy: Never
  containers:
  - name: cat
    image: busybox:1.28
    command: ["cat"]
    stdin: true
    stdinOnce: true
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is once Running
	run timeout 30 sh -c "printf 'only-once\n' | '$PEAPOD' attach -i once"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ only-once ]]
	# cat saw EOF and exited 0: the pod completed
	wait_for 20 pod_is once Completed
	run peapod attach once
	[ "$status" -eq 1 ]
	[ "$output" = "error: cannot attach a container in a completed pod; current phase is Succeeded" ]
}

@test "attach ends when the container exits, and keeps stdout and stderr apart" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" ends <<'YAML'
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "read x; echo out-$x; echo err-$x >&2; exit 3"]
    stdin: true
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is ends Running
	mkfifo "$BATS_TEST_TMPDIR/in"
	peapod attach -i -q ends <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	ATTACH_PIDS=$pid
	exec 5>"$BATS_TEST_TMPDIR/in"
	printf 'go\n' >&5
	# stdin is still open: attach returns because the container exited
	local rc=0
	wait "$pid" || rc=$?
	exec 5>&-
	[ "$rc" -eq 0 ] # kubectl attach exits 0 whatever the container's code
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = out-go ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = err-go ]
	wait_for 20 pod_is ends Error
}

@test "attach: kubectl's errors for a missing pod, a missing or stopped container" {
	run peapod attach nosuch
	[ "$status" -eq 1 ]
	[ "$output" = 'Error from server (NotFound): pods "nosuch" not found' ]
	manifest "$BATS_TEST_TMPDIR/p.yaml" two <<'YAML'
  containers:
  - name: a
    image: busybox:1.28
    command: ["sleep", "3600"]
  - name: b
    image: busybox:1.28
    command: ["sh", "-c", "exit 1"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is two CrashLoopBackOff
	run peapod attach two -c nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "error: cannot attach to the container: container nosuch not found" ]
	run peapod attach two -c b
	[ "$status" -eq 1 ]
	[ "$output" = 'error: unable to upgrade connection: container not found ("b")' ]
}
