#!/usr/bin/env bats
# peapod port-forward as kubectl port-forward: listeners on 127.0.0.1 and
# ::1, each connection carried to localhost:REMOTE inside the pod's network
# namespace (pods have only a loopback there), kubectl's lines and errors.
# Traffic only ever goes to 127.0.0.1 or ::1 ports the test created.

bats_require_minimum_version 1.5.0

load helpers
load registry # free_port

PF_TIMEOUT=""
HOLDER=""

setup() {
	setup_root
}

teardown() {
	local p
	for p in $(pf_pid) $PF_TIMEOUT $HOLDER; do
		kill -KILL "$p" 2>/dev/null || true
	done
	teardown_root
}

# The pod web: nginx serving its welcome page on port 80, named http.
web_start() {
	manifest "$BATS_TEST_TMPDIR/web.yaml" web <<'YAML'
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: IfNotPresent
    ports: [{name: http, containerPort: 80}]
YAML
	timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/web.yaml"
	wait_for 30 pod_is web Running
}

# pf_start ARGS...: peapod port-forward ARGS in the background (killed
# after 60 s at the latest), its output in pf.out and pf.err; waits for its
# first "Forwarding from" line.
pf_start() {
	timeout -s KILL 60 "$PEAPOD" port-forward "$@" >"$BATS_TEST_TMPDIR/pf.out" \
		2>"$BATS_TEST_TMPDIR/pf.err" 3>&- &
	PF_TIMEOUT=$!
	wait_for 10 grep -q "^Forwarding from" "$BATS_TEST_TMPDIR/pf.out"
}

children() { # PID: its children's pids, one a line
	local pids
	read -r -a pids 2>/dev/null <"/proc/$1/task/$1/children" || true
	printf '%s\n' "${pids[@]}" | sed '/^$/d'
}

pf_pid() { # the forwarder's pid (timeout's child)
	[ -n "$PF_TIMEOUT" ] && children "$PF_TIMEOUT"
}

# web_forwarded: the pod web, forwarded from a free port (PORT) by PID,
# whose children (the helper) are HELPERS; nginx answers through it.
web_forwarded() {
	web_start
	PORT=$(free_port)
	pf_start web "$PORT:80"
	wait_for 10 welcome "$PORT"
	PID=$(pf_pid)
	[ -n "$PID" ] || return 1
	HELPERS=$(children "$PID")
	[ -n "$HELPERS" ] || return 1
}

pf_wait() { # PF_RC: the forwarder's exit status, once it ended (not in $(): a subshell cannot wait)
	PF_RC=0
	wait "$PF_TIMEOUT" || PF_RC=$?
}

gone() { # PID...: none of them exists
	local p
	for p in "$@"; do
		[ ! -e "/proc/$p" ] || return 1
	done
}

get() { # PORT: the page at 127.0.0.1:PORT
	timeout 10 curl -sS --max-time 5 "http://127.0.0.1:$1/"
}

# echo_through PORT FILE: FILE sent to 127.0.0.1:PORT while its echo is
# read, then our half-close; prints the bytes back and whether they match.
echo_through() {
	timeout 30 python3 - "$1" "$2" <<'PY'
import socket, sys, threading
data = open(sys.argv[2], "rb").read()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
def send():
    s.sendall(data + b"end")
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send)
t.start()
got = b""
while chunk := s.recv(1 << 16):
    got += chunk
t.join()
print(len(got) - 3, got == data + b"end")
sys.exit(0 if got == data + b"end" else 1)
PY
}

welcome() { # PORT
	get "$1" | grep -q "<title>Welcome to nginx!</title>"
}

@test "port-forward carries HTTP to nginx and back, two connections at once" {
	web_start
	port=$(free_port)
	pf_start web "$port:80"
	run cat "$BATS_TEST_TMPDIR/pf.out"
	[ "${lines[0]}" = "Forwarding from 127.0.0.1:$port -> 80" ]
	[ "${lines[1]}" = "Forwarding from [::1]:$port -> 80" ]
	wait_for 10 welcome "$port"

	# two connections open together, the second served before the first
	run timeout 20 python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", port), timeout=10)
b = socket.create_connection(("127.0.0.1", port), timeout=10)
def fetch(s):
    s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return data
for s in (b, a):
    print("ok" if b"Welcome to nginx!" in fetch(s) else "bad")
# a half-close: the request, then our end of writing; the answer still comes
c = socket.create_connection(("127.0.0.1", port), timeout=10)
c.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
c.shutdown(socket.SHUT_WR)
data = b""
while chunk := c.recv(65536):
    data += chunk
print("half-close ok" if b"Welcome to nginx!" in data else "half-close bad")
PY
	[ "$status" -eq 0 ]
	[ "$output" = $'ok\nok\nhalf-close ok' ]
	# ::1 too; one "Handling connection" line per connection
	timeout 10 curl -sS --max-time 5 "http://[::1]:$port/" | grep -q "Welcome to nginx!"
	n=$(grep -c "^Handling connection for $port\$" "$BATS_TEST_TMPDIR/pf.out")
	[ "$n" -ge 5 ]
	[ ! -s "$BATS_TEST_TMPDIR/pf.err" ]
}

@test "port-forward relays 5 MB both ways at once, then the half-close, byte for byte" {
	manifest "$BATS_TEST_TMPDIR/echo.yaml" echo <<'YAML'
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.28
    command: ["nc", "-ll", "-p", "9000", "-e", "cat"]
YAML
	timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/echo.yaml"
	wait_for 30 pod_is echo Running
	port=$(free_port)
	pf_start echo "$port:9000"
	head -c 5000000 /dev/urandom >"$BATS_TEST_TMPDIR/big"
	# the echo server (cat) ends its output when our half-close reaches it
	wait_for 10 echo_through "$port" /dev/null
	run echo_through "$port" "$BATS_TEST_TMPDIR/big"
	[ "$status" -eq 0 ]
	[ "$output" = "5000000 True" ]
}

@test "port-forward :80 picks a random port and prints it; a named port works" {
	web_start
	pf_start pod/web :80 :http
	run cat "$BATS_TEST_TMPDIR/pf.out"
	[[ "${lines[0]}" =~ ^Forwarding\ from\ 127\.0\.0\.1:([0-9]+)\ -\>\ 80$ ]]
	port=${BASH_REMATCH[1]}
	[ "$port" -gt 0 ]
	[ "${lines[1]}" = "Forwarding from [::1]:$port -> 80" ]
	[[ "${lines[2]}" =~ ^Forwarding\ from\ 127\.0\.0\.1:([0-9]+)\ -\>\ 80$ ]]
	port2=${BASH_REMATCH[1]}
	[ "$port2" != "$port" ]
	wait_for 10 welcome "$port"
	welcome "$port2"
	grep -qx "Handling connection for $port2" "$BATS_TEST_TMPDIR/pf.out"
}

@test "port-forward to a port nobody listens on: an error line, and it keeps forwarding" {
	web_start
	dead=$(free_port)
	live=$(free_port)
	[ "$dead" != "$live" ]
	pf_start web "$dead:81" "$live:80"
	wait_for 10 welcome "$live"
	run ! get "$dead"
	wait_for 10 grep -q "forwarding $dead -> 81" "$BATS_TEST_TMPDIR/pf.err"
	run cat "$BATS_TEST_TMPDIR/pf.err"
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^E[0-9]{4}\ [0-9:.]+\ +[0-9]+\ portforward\.go:[0-9]+\]\ an\ error\ occurred\ forwarding\ $dead\ -\>\ 81:\ .*127\.0\.0\.1:81:\ connect:\ connection\ refused ]]
	grep -qx "Handling connection for $dead" "$BATS_TEST_TMPDIR/pf.out"
	# still running, still forwarding
	pid=$(pf_pid)
	[ -n "$pid" ]
	kill -0 "$pid"
	welcome "$live"
}

@test "port-forward errors: unknown pod, pod not running, bad port specs" {
	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward nope 8080:80
	[ "$stderr" = 'Error from server (NotFound): pods "nope" not found' ]
	[ "$output" = "" ]

	manifest "$BATS_TEST_TMPDIR/pending.yaml" pending <<'YAML'
  containers:
  - name: c
    image: docker.io/library/nosuch:1
    imagePullPolicy: Never
YAML
	timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/pending.yaml"
	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward pending 8080:80
	[ "$stderr" = "error: unable to forward port because pod is not running. Current status=Pending" ]

	web_start
	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward web 0
	[ "$stderr" = "error: remote port must be > 0" ]
	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward web 70000
	[ "$stderr" = "error: error parsing local port '70000': strconv.ParseUint: parsing \"70000\": value out of range" ]
	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward web a:b
	[ "$stderr" = "error: Pod 'web' does not have a named port 'b'" ]
	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward web a:80
	[ "$stderr" = "error: error parsing local port 'a': strconv.ParseUint: parsing \"a\": invalid syntax" ]
	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward web 1:2:3
	[ "$stderr" = "error: invalid port format '1:2:3'" ]
	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward --address 1.2.3 web 80
	[ "$stderr" = "error: 1.2.3 is not a valid IP" ]
	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward web
	[ "${stderr_lines[0]}" = "error: TYPE/NAME and list of ports are required for port-forward" ]
}

@test "port-forward to a local port in use: kubectl's lines, exit 1" {
	web_start
	# a listener of ours on 127.0.0.1:PORT and [::1]:PORT
	python3 -c '
import socket, sys, time
a = socket.socket(); a.bind(("127.0.0.1", 0)); a.listen()
p = a.getsockname()[1]
b = socket.socket(socket.AF_INET6); b.bind(("::1", p)); b.listen()
open(sys.argv[1] + ".tmp", "w").write(str(p))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)' "$BATS_TEST_TMPDIR/held" 3>&- &
	HOLDER=$!
	wait_for 10 test -s "$BATS_TEST_TMPDIR/held"
	port=$(cat "$BATS_TEST_TMPDIR/held")

	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward web "$port:80"
	[ "$output" = "" ]
	[ "${stderr_lines[0]}" = "Unable to listen on port $port: Listeners failed to create with the following errors: [unable to create listener: Error listen tcp4 127.0.0.1:$port: bind: address already in use unable to create listener: Error listen tcp6 [::1]:$port: bind: address already in use]" ]
	[ "${stderr_lines[1]}" = "error: unable to listen on any of the requested ports: [{$port 80}]" ]
	[ "${#stderr_lines[@]}" -eq 2 ]

	run -1 --separate-stderr timeout 10 "$PEAPOD" port-forward --address 127.0.0.1 web "$port:80"
	[ "${stderr_lines[0]}" = "Unable to listen on port $port: Listeners failed to create with the following errors: [unable to create listener: Error listen tcp4 127.0.0.1:$port: bind: address already in use]" ]
	[ "${stderr_lines[1]}" = "error: unable to listen on any of the requested ports: [{$port 80}]" ]
}

@test "port-forward's helper sits in the pod's network namespace with one fd; SIGINT ends all, status 0" {
	web_forwarded
	sandbox=$(jq -r .peapod.sandboxPid "$(pod_json_file web)")
	for c in $HELPERS; do
		[ "$(readlink "/proc/$c/ns/net")" = "$(readlink "/proc/$sandbox/ns/net")" ]
		[ "$(ls "/proc/$c/fd")" = 3 ]
	done
	[ "$(readlink "/proc/$PID/ns/net")" = "$(readlink /proc/self/ns/net)" ]

	kill -INT "$PID"
	pf_wait
	[ "$PF_RC" -eq 0 ]
	# shellcheck disable=SC2086 # one pid a word
	gone $HELPERS "$PID"
	run ! timeout 10 curl -sS --max-time 5 "http://127.0.0.1:$PORT/"
}

@test "port-forward ends when its pod is deleted: lost connection to pod, exit 1, helper gone" {
	web_forwarded
	timeout 60 "$PEAPOD" delete pod web >/dev/null
	pf_wait
	[ "$PF_RC" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/pf.err")" = "error: lost connection to pod" ]
	# shellcheck disable=SC2086 # one pid a word
	gone $HELPERS "$PID"
}
