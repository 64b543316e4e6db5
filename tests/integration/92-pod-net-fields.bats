#!/usr/bin/env bats
# The Pod's networking fields: hostNetwork, hostPort/hostIP (and their
# conflicts at apply, as kube-scheduler's NodePorts filter), hostAliases,
# dnsPolicy and dnsConfig. Every peapod command runs in a network namespace
# this test creates (nsenter switches only the netns), so a hostNetwork pod
# shares that namespace, never the host's.

# shellcheck disable=SC2016 # the API server's messages quote with backticks
load helpers

setup() {
	setup_root
	NETNS=pp-hn-$$-$BATS_TEST_NUMBER
	ip netns add "$NETNS"
	REAL_PEAPOD=$PEAPOD
	PEAPOD=$BATS_TEST_TMPDIR/peapod-in-netns
	printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$NETNS" "$REAL_PEAPOD" >"$PEAPOD"
	chmod +x "$PEAPOD"
}

teardown() {
	teardown_root
	ip netns delete "$NETNS" 2>/dev/null || true
}

peapod() {
	timeout 60 "$PEAPOD" "$@"
}

# The interface names of /proc/net/dev, sorted, one a line.
ifaces() {
	awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' | sort
}

@test "hostNetwork: the pod has its netns's interfaces, the host's name, /etc/hosts and /etc/hostname" {
	manifest "$BATS_TEST_TMPDIR/hn.yaml" hn <<'YAML'
  hostNetwork: true
  hostAliases: [{ip: 10.1.2.3, hostnames: [foo.local, bar]}]
  containers:
  - name: c
    image: busybox:1.28
    command: [sleep, "3600"]
    ports: [{containerPort: 18080}]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/hn.yaml"
	wait_for 30 pod_is hn Running
	want=$(nsenter --net="/run/netns/$NETNS" cat /proc/net/dev | ifaces | tr '\n' ' ')
	got=$(peapod exec hn -- cat /proc/net/dev | ifaces | tr '\n' ' ')
	echo "pod: $got netns: $want"
	[ "$got" = "$want" ]
	# the namespace has loopback only; the host, more
	[ "$got" = "lo " ]
	host=$(ifaces </proc/net/dev | tr '\n' ' ')
	[ "$host" = "lo " ] || [ "$got" != "$host" ]
	[ "$(peapod exec hn -- hostname)" = "$(hostname)" ]
	[ "$(peapod exec hn -- cat /etc/hostname)" = "$(hostname)" ]
	run peapod exec hn -- cat /etc/hosts
	[ "${lines[0]}" = "# Kubernetes-managed hosts file (host network)." ]
	[[ "$output" == *"$(head -1 /etc/hosts)"* ]]
	[[ "$output" == *$'# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar'* ]]
	# the API server's default: hostPort = containerPort
	grep -q '"hostPort":18080' "$(pod_json_file hn)"
}

@test "hostAliases, dnsPolicy None and dnsConfig in the files a container sees" {
	manifest "$BATS_TEST_TMPDIR/dns.yaml" dns <<'YAML'
  hostname: h
  subdomain: s
  hostAliases:
  - {ip: 10.1.2.3, hostnames: [foo.local, bar]}
  - {ip: "fd00::1", hostnames: [six]}
  dnsPolicy: None
  dnsConfig:
    nameservers: [192.0.2.1, 192.0.2.2]
    searches: [a.example, b.example]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  containers:
  - name: c
    image: busybox:1.28
    command: [sleep, "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/dns.yaml"
	wait_for 30 pod_is dns Running
	run peapod exec dns -- cat /etc/hosts
	[ "${lines[0]}" = "# Kubernetes-managed hosts file." ]
	[[ "$output" == *$'\n127.0.1.1\th.s.default.svc.cluster.local\th\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar\nfd00::1\tsix' ]]
	run peapod exec dns -- cat /etc/resolv.conf
	[ "$output" = $'search a.example b.example\nnameserver 192.0.2.1\nnameserver 192.0.2.2\noptions ndots:2 edns0' ]
	run peapod describe pod dns
	[[ "$output" != *MissingClusterDNS* ]]
}

@test "ClusterFirst: the host's resolvers, and describe says there is no cluster DNS" {
	manifest "$BATS_TEST_TMPDIR/cf.yaml" cf <<'YAML'
  dnsConfig: {searches: [extra.example]}
  containers:
  - name: c
    image: busybox:1.28
    command: [sleep, "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/cf.yaml"
	wait_for 30 pod_is cf Running
	run peapod exec cf -- cat /etc/resolv.conf
	echo "$output"
	[[ "$output" == "search "*"extra.example"* ]]
	ns=$(awk '$1 == "nameserver" {print $2; exit}' /etc/resolv.conf)
	[ -z "$ns" ] || [[ "$output" == *"nameserver $ns"* ]]
	run peapod describe pod cf
	[[ "$output" =~ Warning\ +MissingClusterDNS\ .*"cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy." ]]
}

@test "a host port another pod holds is refused with the scheduler's words; deleting that pod frees it" {
	for p in a b; do
		manifest "$BATS_TEST_TMPDIR/$p.yaml" "port-$p" <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: [sleep, "3600"]
    ports: [{containerPort: 80, hostPort: 18081}]
YAML
	done
	peapod apply -f "$BATS_TEST_TMPDIR/a.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/b.yaml"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "error: pod \"port-b\": 0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports." ]
	[ "$(ls "$PEAPOD_ROOT/run/names/default")" = "port-a" ]
	# another protocol, or a hostNetwork pod's port elsewhere, is free
	sed 's/hostPort: 18081}/hostPort: 18081, protocol: UDP}/; s/port-b/port-udp/' \
		"$BATS_TEST_TMPDIR/b.yaml" >"$BATS_TEST_TMPDIR/udp.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/udp.yaml"
	# a hostNetwork pod's container port is a host port
	manifest "$BATS_TEST_TMPDIR/hn.yaml" hn <<'YAML'
  hostNetwork: true
  containers:
  - name: c
    image: busybox:1.28
    command: [sleep, "3600"]
    ports: [{containerPort: 18081}]
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/hn.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"didn't have free ports for the requested pod ports."* ]]
	peapod delete pod port-a --now
	peapod apply -f "$BATS_TEST_TMPDIR/b.yaml"
	wait_for 30 pod_is port-b Running
}

@test "two concurrent applies of one host port: exactly one wins" {
	for p in a b c; do
		manifest "$BATS_TEST_TMPDIR/$p.yaml" "race-$p" <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: [sleep, "3600"]
    ports: [{containerPort: 80, hostPort: 18082}]
YAML
	done
	pids=()
	for p in a b c; do
		peapod apply -f "$BATS_TEST_TMPDIR/$p.yaml" >"$BATS_TEST_TMPDIR/$p.out" 2>&1 &
		pids+=($!)
	done
	# each by its pid: a bare wait also waits for bats's own timeout watcher
	for pid in "${pids[@]}"; do wait "$pid" || true; done
	cat "$BATS_TEST_TMPDIR"/*.out
	[ "$(find "$PEAPOD_ROOT/run/names/default" -mindepth 1 | wc -l)" -eq 1 ]
	[ "$(grep -l "didn't have free ports" "$BATS_TEST_TMPDIR"/*.out | wc -l)" -eq 2 ]
}

@test "bad hostPort: 70000" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    ports: [{containerPort: 80, hostPort: 70000}]
YAML
	refused 'spec.containers[0].ports[0].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive'
}

@test "bad hostPort: -1" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    ports: [{containerPort: 80, hostPort: -1}]
YAML
	refused 'spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive'
}

@test "hostPort 0 is unset, as the API server reads it" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" zero <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: [sleep, "3600"]
    ports: [{containerPort: 80, hostPort: 0}]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	run grep -c hostPort "$(pod_json_file zero)"
	[ "$output" = 0 ]
}

@test "bad hostIP" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    ports: [{containerPort: 80, hostPort: 8080, hostIP: 10.0.0.256}]
YAML
	refused 'spec.containers[0].ports[0].hostIP: Invalid value: "10.0.0.256": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'
}

@test "hostNetwork with a hostPort other than containerPort" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  hostNetwork: true
  containers:
  - name: c
    image: busybox:1.28
    ports: [{containerPort: 80, hostPort: 8080}]
YAML
	refused 'spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true'
}

@test "more than 3 nameservers" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  dnsConfig: {nameservers: [192.0.2.1, 192.0.2.2, 192.0.2.3, 192.0.2.4]}
  containers:
  - name: c
    image: busybox:1.28
YAML
	refused 'spec.dnsConfig.nameservers: Invalid value: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}: must not have more than 3 nameservers'
}

@test "bad hostAliases ip" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  hostAliases: [{ip: not-an-ip, hostnames: [a]}]
  containers:
  - name: c
    image: busybox:1.28
YAML
	refused 'spec.hostAliases[0].ip: Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'
}

@test "a dnsConfig option with a newline cannot write lines into resolv.conf" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  dnsPolicy: None
  dnsConfig:
    nameservers: [192.0.2.1]
    options: [{name: "ndots\nnameserver 6.6.6.6", value: "5"}]
  containers:
  - name: c
    image: busybox:1.28
YAML
	refused 'spec.dnsConfig.options[0]: Invalid value: must not contain whitespace or control characters'
}
