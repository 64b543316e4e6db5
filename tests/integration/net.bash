# shellcheck shell=bash
# Networking tests run peapod inside a network namespace the test creates,
# never in this machine's own: `pn` is peapod entered into that namespace
# with nsenter (the netns only, so peapod's files stay where they are), and
# the CNI configuration is the test's own (bridge pp0, host-local on
# 10.99.0.0/24 with its leases in the test's folder, portmap, loopback).
# net_teardown deletes the test's pods in there, checks that nothing of
# theirs is left (veth, IP lease, iptables rule, pinned netns) and removes
# the namespace.

NET_SUBNET=10.99.0.0/24
NET_HOST_ADDR=192.0.2.1 # the namespace's own address (TEST-NET-1), on its lo

net_setup() {
	NETNS=pp-test-$$-${BATS_TEST_NUMBER:-0}
	NET_DIR=$BATS_TEST_TMPDIR/net
	mkdir -p "$NET_DIR/conf" "$NET_DIR/ipam"
	ip netns add "$NETNS"
	ip -n "$NETNS" link set lo up
	ip -n "$NETNS" addr add "$NET_HOST_ADDR/32" dev lo
	net_conflist >"$NET_DIR/conf/10-peapod-test.conflist"
	export PEAPOD_CNI_CONF_DIR=$NET_DIR/conf
}

net_conflist() {
	cat <<JSON
{
  "cniVersion": "1.0.0",
  "name": "peapod-test",
  "plugins": [
    {"type": "bridge", "bridge": "pp0", "isGateway": true, "ipMasq": true,
     "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$NET_DIR/ipam",
              "ranges": [[{"subnet": "$NET_SUBNET"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
JSON
}

# in NETNS: peapod, or any command
pn() {
	timeout 60 nsenter --net="/run/netns/$NETNS" "$PEAPOD" "$@"
}
inns() {
	timeout 60 nsenter --net="/run/netns/$NETNS" "$@"
}

# pod_ip NAME
pod_ip() {
	"$PEAPOD" get pod "$1" -o json | jq -r '.status.podIP // empty'
}

# What a pod of the test may have left in NETNS: veths, host-local leases,
# portmap/bridge rules naming a pod, pinned namespaces. Empty when clean.
net_leaks() {
	local l=""
	if inns ip -o link show type veth | grep -q .; then
		l+="veth: $(inns ip -o link show type veth | awk '{print $2}' | tr '\n' ' ')"
	fi
	if ls "$NET_DIR/ipam/peapod-test" 2>/dev/null | grep -qv -e '^lock$' -e '^last_reserved_ip'; then
		l+="leases: $(ls "$NET_DIR/ipam/peapod-test" | tr '\n' ' ')"
	fi
	if inns iptables-save | grep -q -e 'CNI-DN-' -e 'CNI-[0-9a-f]\{24\}'; then
		l+="iptables: $(inns iptables-save | grep -c -e 'CNI-DN-' -e 'CNI-[0-9a-f]\{24\}') rules "
	fi
	if grep -q " $PEAPOD_ROOT/.*netns " /proc/self/mountinfo; then
		l+="pinned netns "
	fi
	echo -n "$l"
}

net_teardown() {
	[ -n "${NETNS:-}" ] || return 0
	local ns name leaks
	for ns in $(ls "$PEAPOD_ROOT/run/names" 2>/dev/null); do
		for name in $(ls "$PEAPOD_ROOT/run/names/$ns"); do
			pn delete pod -n "$ns" "$name" --force >/dev/null 2>&1 || true
		done
	done
	leaks=$(net_leaks)
	ip netns del "$NETNS"
	NETNS=
	if [ -n "$leaks" ]; then
		echo "# leaked in the test's network namespace: $leaks" >&3
		return 1
	fi
}

# sleeper FILE NAME: a pod sleeping until SIGTERM, its image present (the
# namespace cannot reach the suite's registry)
sleeper() {
	manifest "$1" "$2" <<YAML
  containers:
  - name: c
    image: busybox:1.28
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
YAML
}
