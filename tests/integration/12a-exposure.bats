#!/usr/bin/env bats
# describe's Exposure section of shareProcessNamespace pods, proven from
# inside the pod: for every container and every sibling, reading
# /proc/PID/environ, listing /proc/PID/root/, opening /proc/PID/mem and
# kill -0 PID of the container's main process succeed exactly when describe
# says yes. And apply's Warning line for a Secret a sibling can read.
# The probes run in processes `peapod exec` starts, which have the
# container's credentials but not its ptrace scope (a Landlock domain of
# the main process's tree): where describe says no for the scope alone, the
# kernel's other rules are proven by such a process reading, and the scope
# by the main process's tree in the last test.

# shellcheck disable=SC2154 # bats' run --separate-stderr sets stderr
bats_require_minimum_version 1.5.0

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

# The Exposure section's cell COL (Environ, Root, Mem, Signal) of sibling S
# in container T's table, from describe's text in $desc.
verdict() { # T S COL
	awk -v t="  $1:" -v s="$2" -v col="$3" '
		/^Exposure:/ { in_e = 1; next }
		in_e && /^[^ ]/ { in_e = 0 }
		in_e && $0 == t { in_t = 1; next }
		in_e && /^  [^ ]/ { in_t = 0 }
		in_t && $1 == "Sibling" { for (i = 1; i <= NF; i++) h[$i] = i; next }
		in_t && $1 == s { print $h[col]; exit }' <<<"$desc"
}

# The pid, in the pod's pid namespace, of container C's main process (an
# app container or a native sidecar).
ns_pid() { # POD C
	local host
	host=$(jq -r --arg c "$2" '.peapod.containerPids[$c] // .peapod.initContainerPids[$c]' \
		"$(pod_json_file "$1")") || return 1
	awk '/^NSpid:/ { print $NF }' "/proc/$host/status"
}

# Try COL from container S of POD at PID: prints yes when the kernel
# allowed it, no when it refused; nothing when the exec itself failed.
try() { # POD S COL PID
	local cmd
	case $3 in
	Environ) cmd="cat /proc/$4/environ" ;;
	Root) cmd="ls /proc/$4/root/" ;;
	Mem) cmd="dd if=/proc/$4/mem bs=1 count=0" ;;
	Signal) cmd="kill -0 $4" ;;
	esac
	timeout 30 "$PEAPOD" exec "$1" -c "$2" -- sh -c "if $cmd >/dev/null 2>&1; then echo yes; else echo no; fi"
}

# Every verdict of describe for POD (containers $@, and the native
# sidecars in $TARGETS_ONLY, which peapod exec does not enter yet, as
# targets) checked by trying it; prints each and fails on the first that
# the kernel contradicts.
prove_all() { # POD C...
	local pod=$1 t s col want pid got
	shift
	desc=$(peapod describe pod "$pod")
	echo "$desc"
	for t in "$@" ${TARGETS_ONLY:-}; do
		pid=$(ns_pid "$pod" "$t")
		[ -n "$pid" ]
		for s in "$@"; do
			[ "$s" != "$t" ] || continue
			for col in Environ Root Mem Signal; do
				want=$(verdict "$t" "$s" "$col")
				# denied by the scope alone: an exec'd process is allowed
				if [ "$want" = no ] && [ "$col" != Signal ] &&
					[[ "$(why "$t" "$s")" == *"ptrace scope (Landlock), no CAP_SYS_PTRACE; signal"* ]]; then
					want=yes
				fi
				got=$(try "$pod" "$s" "$col" "$pid")
				echo "$s -> $t ($pid) $col: describe $want, kernel $got"
				[ "$want" = "$got" ]
			done
		done
	done
}

# Secret db with key password, stored.
store_secret() {
	printf '%s\n' 'apiVersion: v1' 'kind: Secret' 'metadata: {name: db}' \
		'stringData: {password: hunter2}' >"$BATS_TEST_TMPDIR/s.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/s.yaml"
}

# The spec lines of a shared pod whose first container, app (root), has
# DB_PASSWORD from Secret db.
app_with_secret() {
	cat <<'YAML'
  shareProcessNamespace: true
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
    env:
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: db, key: password}}
YAML
}

# The page's pod nginx from seed manifest FILE, running, every verdict proven.
prove_seed() { # FILE
	peapod apply -f "$SEEDS/$1"
	wait_for 60 pod_is nginx Running
	prove_all nginx nginx shell
}

# The Why column of sibling S in T's table.
why() { # T S
	awk -v t="  $1:" -v s="$2" '
		/^Exposure:/ { in_e = 1; next }
		in_e && /^[^ ]/ { in_e = 0 }
		in_e && $0 == t { in_t = 1; next }
		in_e && /^  [^ ]/ { in_t = 0 }
		in_t && $1 == s { $1 = $2 = $3 = $4 = $5 = ""; print; exit }' <<<"$desc"
}

# The four cells of sibling S in T's table, as "yes yes no yes".
row() { # T S
	echo "$(verdict "$1" "$2" Environ) $(verdict "$1" "$2" Root)" \
		"$(verdict "$1" "$2" Mem) $(verdict "$1" "$2" Signal)"
}

@test "the page's pod with SYS_PTRACE: the shell reads nginx, nginx cannot read the shell" {
	prove_seed share-process-namespace-ptrace.yaml
	[ "$(row nginx shell)" = "yes yes yes yes" ]
	[ "$(row shell nginx)" = "no no no yes" ]
	grep -q "^    nginx  *no  *no  *no  *yes  *it has capabilities the reader lacks, no CAP_SYS_PTRACE; signal: same uid$" <<<"$desc"
	grep -q "^    Main process: *uid 0, gid 0, groups 0$" <<<"$desc"
	grep -q "^    Arguments: *visible to every container (/proc/PID/cmdline)$" <<<"$desc"
	peapod delete pod nginx --now
}

@test "the page's pod without SYS_PTRACE: two root containers, each in its ptrace scope, only signal each other" {
	prove_seed share-process-namespace.yaml
	[ "$(row nginx shell)" = "no no no yes" ]
	[ "$(row shell nginx)" = "no no no yes" ]
	grep -q "^    shell  *no  *no  *no  *yes  *the reader's ptrace scope (Landlock), no CAP_SYS_PTRACE; signal: same uid$" <<<"$desc"
	grep -q "^    Ptrace scope: *its container (Landlock): no ptrace access to other containers' processes$" <<<"$desc"
	peapod delete pod nginx --now
}

@test "non-root sidecars (and a native one) next to root: same uid only signals (ptrace scope), root only signals, root's Secret stays hidden" {
	store_secret
	{
		app_with_secret
		cat <<'YAML'
  - name: sidecar
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext: {runAsUser: 1000}
  - name: twin
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext: {runAsUser: 1000}
  initContainers:
  - name: native
    image: busybox:1.28
    command: ["sleep", "3600"]
    restartPolicy: Always
    securityContext: {runAsUser: 1000}
YAML
	} | manifest "$BATS_TEST_TMPDIR/p.yaml" side
	run --separate-stderr peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/side created" ]
	[[ "$stderr" != *Warning* ]]
	wait_for 60 pod_is side Running
	TARGETS_ONLY=native prove_all side app sidecar twin
	[ "$(row app sidecar)" = "no no no no" ]
	[ "$(row native twin)" = "no no no yes" ]
	[ "$(row native app)" = "no no no yes" ]
	[ "$(row sidecar app)" = "no no no yes" ]
	[ "$(row sidecar twin)" = "no no no yes" ]
	grep -q "^    Secret variables: *DB_PASSWORD (from Secret db)$" <<<"$desc"
	grep -q "^    Main process: *uid 1000, gid 0, groups 0$" <<<"$desc"
	grep -q "^    Capabilities: *<none>$" <<<"$desc"
	peapod delete pod side --now
}

@test "apply warns when a sibling can read a Secret or credential-like variable" {
	store_secret
	{
		app_with_secret
		cat <<'YAML'
    - {name: API_TOKEN, value: abc}
  - name: shell
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext: {capabilities: {add: [SYS_PTRACE]}}
YAML
	} | manifest "$BATS_TEST_TMPDIR/p.yaml" leak
	run --separate-stderr peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/leak created" ]
	echo "$stderr"
	[ "$stderr" = 'Warning: container "app" has DB_PASSWORD (from Secret "db"), API_TOKEN in its environment, readable by container(s) "shell" through /proc/PID/environ (shareProcessNamespace: true)' ]
	# and the shell does read it
	pid=$(ns_pid leak app)
	run peapod exec leak -c shell -- sh -c "tr '\\0' '\\n' </proc/$pid/environ"
	[[ "$output" == *DB_PASSWORD=hunter2* ]]
	# a pod that does not share its pid namespace has no section
	run peapod describe pod leak
	[[ "$output" == *"Exposure:"* ]]
	peapod delete pod leak --now
	sed -i '/shareProcessNamespace/d' "$BATS_TEST_TMPDIR/p.yaml"
	run --separate-stderr peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *Warning* ]]
	run peapod describe pod leak
	[[ "$output" != *"Exposure:"* ]]
	peapod delete pod leak --now
}

# A container whose main process, a shell, runs /tmp/go once it exists
# and then sleeps: probes from the main process's own tree.
agent() { # NAME [SECURITY_CONTEXT]
	cat <<YAML
  - name: $1
    image: busybox:1.28
    command: ["sh", "-c", "while [ ! -f /tmp/go ]; do sleep 0.1; done; . /tmp/go; sleep 3600"]
    securityContext: {${2:-}}
YAML
}

# The main process's tree of container C of POD tries each access to PID
# and to a child of its own; its log line, e.g. "environ no root no mem no
# signal yes child yes".
from_main() { # POD C PID
	local p=$3
	"$PEAPOD" exec -i "$1" -c "$2" -- sh -c "cat >/tmp/go.new && mv /tmp/go.new /tmp/go" <<SH
t() { if "\$@" >/dev/null 2>&1; then echo yes; else echo no; fi; }
sleep 100 & kid=\$!
echo "environ \$(t cat /proc/$p/environ) root \$(t ls /proc/$p/root/) mem \$(t dd if=/proc/$p/mem bs=1 count=0) signal \$(t kill -0 $p) child \$(t cat /proc/\$kid/environ)"
kill \$kid
SH
	wait_for 30 log_has "$1" "$2" "environ "
	peapod logs "$1" -c "$2"
}

log_has() { # POD C TEXT
	[[ "$(peapod logs "$1" -c "$2")" == *"$3"* ]]
}

@test "the ptrace scope, from the main process's tree: RuntimeDefault reads only its own tree, SYS_PTRACE or Unconfined read a sibling" {
	{
		echo "  shareProcessNamespace: true"
		echo "  containers:"
		echo "  - {name: b, image: busybox:1.28, command: [sleep, '3600']}"
		agent scoped
		agent ptrace 'capabilities: {add: [SYS_PTRACE]}'
		agent unconfined 'seccompProfile: {type: Unconfined}'
	} | manifest "$BATS_TEST_TMPDIR/p.yaml" scope
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 60 pod_is scope Running
	pid=$(ns_pid scope b)
	run from_main scope scoped "$pid"
	echo "$output"
	[ "$output" = "environ no root no mem no signal yes child yes" ]
	[ "$(from_main scope ptrace "$pid")" = "environ yes root yes mem yes signal yes child yes" ]
	[ "$(from_main scope unconfined "$pid")" = "environ yes root yes mem yes signal yes child yes" ]
	desc=$(peapod describe pod scope)
	[ "$(row b scoped)" = "no no no yes" ]
	[ "$(row b ptrace)" = "yes yes yes yes" ]
	[ "$(row b unconfined)" = "yes yes yes yes" ]
	peapod delete pod scope --now
}
