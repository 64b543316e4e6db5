#!/usr/bin/env bats
# Pods on a CNI network, each test inside a network namespace of its own
# (net.bash): the pod IP, pod to pod, host to pod, a broken or missing
# plugin, and nothing left behind after deletes, crashes and rebuilds.

bats_require_minimum_version 1.5.0

load helpers
load net

# 50 apply/delete cycles run every plugin 300 times
BATS_TEST_TIMEOUT=300

setup() {
	setup_root
	net_setup
}

teardown() {
	local rc=0
	net_teardown || rc=1
	teardown_root
	return $rc
}

# the seed pod, its images present (the namespace has no registry)
seed_local() {
	sed 's/^    image: nginx$/    image: nginx\n    imagePullPolicy: IfNotPresent/' \
		"$SEEDS/share-process-namespace.yaml" >"$BATS_TEST_TMPDIR/seed.yaml"
	grep -q IfNotPresent "$BATS_TEST_TMPDIR/seed.yaml"
}

@test "network: the seed pod gets an IP on the bridge; its nginx answers on it, and its shell on 127.0.0.1" {
	seed_local
	run pn apply -f "$BATS_TEST_TMPDIR/seed.yaml"
	[ "$status" -eq 0 ]
	wait_for 30 pod_is nginx Running
	ip=$(pod_ip nginx)
	[[ "$ip" == 10.99.0.* ]]
	"$PEAPOD" get pods -o wide | grep -E "^nginx +2/2 +Running .* $ip " || false
	"$PEAPOD" describe pod nginx | grep -qx "IP:           $ip"
	# the host side (the test's namespace) reaches the pod
	run inns curl -s --max-time 10 "http://$ip/"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Welcome to nginx!"* ]]
	# /etc/hosts names the pod by its IP, as the kubelet writes it
	run "$PEAPOD" exec nginx -c shell -- cat /etc/hosts
	[[ "$output" == *"$ip	nginx"* ]]
	# the pod has eth0 with that address, and a default route
	run "$PEAPOD" exec nginx -c shell -- ip -o -4 addr show eth0
	[[ "$output" == *"inet $ip/24"* ]]
	"$PEAPOD" exec nginx -c shell -- ip route | grep -q '^default via 10.99.0.1'
	# containers of one pod talk over 127.0.0.1
	run "$PEAPOD" exec nginx -c shell -- wget -qO- http://127.0.0.1/
	[ "$status" -eq 0 ]
	[[ "$output" == *"Welcome to nginx!"* ]]
}

@test "network: a second pod reaches the first by its IP; each has its own address" {
	seed_local
	pn apply -f "$BATS_TEST_TMPDIR/seed.yaml"
	sleeper "$BATS_TEST_TMPDIR/b.yaml" client
	pn apply -f "$BATS_TEST_TMPDIR/b.yaml"
	wait_for 30 pod_is nginx Running
	wait_for 30 pod_is client Running
	ip=$(pod_ip nginx)
	cip=$(pod_ip client)
	[ -n "$ip" ]
	[ -n "$cip" ]
	[ "$ip" != "$cip" ]
	run "$PEAPOD" exec client -- wget -qO- "http://$ip/"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Welcome to nginx!"* ]]
}

@test "network: a configuration that does not parse keeps the pod ContainerCreating with FailedCreatePodSandBox, until it is mended" {
	echo '{"cniVersion": "1.0.0", "name": broken' >"$PEAPOD_CNI_CONF_DIR/05-broken.conflist"
	sleeper "$BATS_TEST_TMPDIR/p.yaml" p
	run --separate-stderr pn apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/p created" ]
	[[ "$stderr" == *"Failed to create pod sandbox: failed to set up network for sandbox"*"05-broken.conflist"* ]]
	[ "$(pod_status p)" = ContainerCreating ]
	run "$PEAPOD" describe pod p
	echo "$output" | grep -E "Warning +FailedCreatePodSandBox .*05-broken.conflist" || false
	[ -z "$(pod_ip p)" ]
	# mended: the next try (10 s later) creates the sandbox
	rm "$PEAPOD_CNI_CONF_DIR/05-broken.conflist"
	wait_for 40 pod_is p Running
	[ -n "$(pod_ip p)" ]
}

@test "network: a missing plugin is named, with the folders searched" {
	net_conflist | jq '.plugins += [{"type": "no-such-plugin"}]' \
		>"$PEAPOD_CNI_CONF_DIR/10-peapod-test.conflist"
	sleeper "$BATS_TEST_TMPDIR/p.yaml" p
	run --separate-stderr pn apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'failed to find plugin "no-such-plugin" in path [/usr/lib/cni:/opt/cni/bin]'* ]]
	[ "$(pod_status p)" = ContainerCreating ]
	"$PEAPOD" describe pod p | grep -E 'FailedCreatePodSandBox .*plugin type="no-such-plugin" name="peapod-test" failed \(add\)' || false
	# the plugins before it were undone: no address leased, no veth
	[ -z "$(net_leaks)" ]
	pn delete pod p
}

@test "network: a plugin's own error message reaches the event" {
	net_conflist | jq '.plugins[0].ipam.ranges = [[{"subnet": "10.99.0.0/33"}]]' \
		>"$PEAPOD_CNI_CONF_DIR/10-peapod-test.conflist"
	sleeper "$BATS_TEST_TMPDIR/p.yaml" p
	pn apply -f "$BATS_TEST_TMPDIR/p.yaml"
	run "$PEAPOD" describe pod p
	echo "$output" | grep -E 'FailedCreatePodSandBox .*plugin type="bridge" name="peapod-test" failed \(add\): .*10.99.0.0/33' || false
}

@test "network: 50 apply/delete cycles leave no veth, lease, rule or namespace" {
	sleeper "$BATS_TEST_TMPDIR/p.yaml" p
	for i in $(seq 50); do
		pn apply -f "$BATS_TEST_TMPDIR/p.yaml" >/dev/null
		pn delete pod p >/dev/null
	done
	[ -z "$(net_leaks)" ]
	[ -z "$(ls "$PEAPOD_ROOT/run/pods")" ]
}

@test "network: a pod whose monitor and supervisor were killed -9 is deleted with its network" {
	sleeper "$BATS_TEST_TMPDIR/p.yaml" p
	pn apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is p Running
	inns ip -o link show type veth | grep -q .
	mon=$(pod_json_file p | xargs jq -r .peapod.monitorPid)
	sup=$(ps -o ppid= -p "$mon" | tr -d ' ')
	kill -9 "$sup" "$mon"
	run pn delete pod p --force
	[ "$status" -eq 0 ]
	[ -z "$(net_leaks)" ]
}

@test "network: a monitor killed -9 is replaced, the network checked, and delete then cleans it" {
	sleeper "$BATS_TEST_TMPDIR/p.yaml" p
	pn apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is p Running
	ip=$(pod_ip p)
	mon=$(pod_json_file p | xargs jq -r .peapod.monitorPid)
	kill -9 "$mon"
	wait_for 30 grep -q "monitor restarted" "$PEAPOD_ROOT/run/pods/"*/monitor.log
	wait_for 30 pod_is p Running
	[ "$(pod_ip p)" = "$ip" ]
	run pn delete pod p
	[ "$status" -eq 0 ]
	[ -z "$(net_leaks)" ]
}

@test "network: a new sandbox after pause died gets a new network; the old one is released" {
	sleeper "$BATS_TEST_TMPDIR/p.yaml" p
	pn apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is p Running
	pause=$(pod_json_file p | xargs jq -r .peapod.sandboxPid)
	kill -9 "$pause"
	# the new sandbox: a pid other than 0 (none, while it is rebuilt) and the old one
	wait_for 60 sh -c "p=\$(jq -r .peapod.sandboxPid $(pod_json_file p)); [ \"\$p\" != $pause ] && [ \"\$p\" != 0 ]"
	wait_for 60 pod_is p Running
	[ -n "$(pod_ip p)" ]
	# one lease, one veth: the old sandbox's were released
	[ "$(ls "$NET_DIR/ipam/peapod-test" | grep -c '^10\.')" -eq 1 ]
	[ "$(inns ip -o link show type veth | wc -l)" -eq 1 ]
}

@test "network: httpGet and tcpSocket probes go to the pod's IP, as the kubelet's do" {
	manifest "$BATS_TEST_TMPDIR/web.yaml" web <<'YAML'
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: IfNotPresent
    readinessProbe:
      httpGet:
        path: /
        port: 80
      periodSeconds: 1
    livenessProbe:
      tcpSocket:
        port: 80
      periodSeconds: 1
YAML
	pn apply -f "$BATS_TEST_TMPDIR/web.yaml"
	wait_for 30 sh -c "'$PEAPOD' get pods web | grep -q ' 1/1 '"
	# nginx saw the readiness check come from the bridge, not from 127.0.0.1
	wait_for 10 sh -c "'$PEAPOD' logs web | grep -q '^10\.99\.0\.1 .*\"GET / HTTP/1.1\" 200 .*kube-probe/'"
	run "$PEAPOD" logs web
	[[ "$output" != *"127.0.0.1 - -"* ]]
}

@test "network: a hostPort is reachable on the namespace's own address, through portmap; delete removes its rules" {
	manifest "$BATS_TEST_TMPDIR/web.yaml" web <<'YAML'
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: IfNotPresent
    ports:
    - containerPort: 80
      hostPort: 8080
YAML
	pn apply -f "$BATS_TEST_TMPDIR/web.yaml"
	wait_for 30 pod_is web Running
	jq -e '.runtimeConfig.portMappings == [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]' \
		"$PEAPOD_ROOT/run/pods/"*/network.json
	run inns curl -s --max-time 10 "http://$NET_HOST_ADDR:8080/"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Welcome to nginx!"* ]]
	inns iptables-save -t nat | grep -q -- '--dport 8080'
	pn delete pod web
	run inns iptables-save -t nat
	[[ "$output" != *"--dport 8080"* ]]
	run inns curl -s --max-time 5 "http://$NET_HOST_ADDR:8080/"
	[ "$status" -ne 0 ]
}

@test "network: port-forward carries a request to the seed page's nginx on its pod network, and back" {
	seed_local
	pn apply -f "$BATS_TEST_TMPDIR/seed.yaml"
	wait_for 30 pod_is nginx Running
	# exec: $! is timeout's pid, which passes SIGINT on to port-forward
	(exec timeout 60 nsenter --net="/run/netns/$NETNS" "$PEAPOD" port-forward pod/nginx 8080:80) \
		>"$BATS_TEST_TMPDIR/pf.out" 2>&1 3>&- &
	pf=$!
	wait_for 10 grep -q "^Forwarding from 127.0.0.1:8080 -> 80" "$BATS_TEST_TMPDIR/pf.out"
	run inns curl -s --max-time 10 http://127.0.0.1:8080/
	kill -INT "$pf"
	# a background job of a script starts with SIGINT ignored: port-forward
	# ends on it all the same, status 0 (not 124, inns's timeout killing it)
	local rc=0
	wait "$pf" || rc=$?
	[ "$rc" -eq 0 ] || { echo "rc=$rc"; cat "$BATS_TEST_TMPDIR/pf.out"; false; }
	[ "$status" -eq 0 ]
	[[ "$output" == *"Welcome to nginx!"* ]]
	grep -q "^Handling connection for 8080" "$BATS_TEST_TMPDIR/pf.out"
}

@test "network: a hostUsers false pod's network namespace is made in its user namespace and gets its IP" {
	seed_local
	sed -i 's/^spec:$/spec:\n  hostUsers: false/' "$BATS_TEST_TMPDIR/seed.yaml"
	grep -q 'hostUsers: false' "$BATS_TEST_TMPDIR/seed.yaml"
	pn apply -f "$BATS_TEST_TMPDIR/seed.yaml"
	wait_for 30 pod_is nginx Running
	ip=$(pod_ip nginx)
	[[ "$ip" == 10.99.0.* ]]
	run inns curl -s --max-time 10 "http://$ip/"
	[[ "$output" == *"Welcome to nginx!"* ]]
	# sysfs mounts only where the user namespace owns the network one.
	run "$PEAPOD" exec nginx -c shell -- ls /sys/class/net
	[[ "$output" == *eth0* ]]
	run "$PEAPOD" exec nginx -c shell -- cat /proc/self/uid_map
	[ "$(echo $output | cut -d' ' -f2)" -gt 0 ]
	pid=$(container_pid nginx shell)
	[ "$(readlink "/proc/$pid/ns/net")" = "$(readlink "/proc/$(peapod_field nginx sandboxPid)/ns/net")" ]
	[ "$(stat -L -c %i "$PEAPOD_ROOT/run/pods/$(pod_uid nginx)/netns")" = "$(stat -L -c %i "/proc/$pid/ns/net")" ]
}
