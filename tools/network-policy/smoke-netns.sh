#!/usr/bin/env bash
# Smoke test of the iptables dataplane of kube-network-policies v0.8.0 + iptables-dataplane.patch.
# Needs root. Everything happens in three throwaway network namespaces:
#   <p>-a (client pod 10.99.1.2) --veth-- <p>-node (forwards, runs the test binary) --veth-- <p>-b (server pod 10.99.2.2)
# Usage: smoke-netns.sh [PATCHED_SOURCE_DIR]   (default: the patched tree of build-image.sh's current build)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${1:-}
if [[ -z $SRC ]]; then
  SRC=$(bash "$HERE/build-image.sh" --source-dir)
  [[ -d $SRC ]] || { echo "no $SRC: run build-image.sh first or pass the patched source dir" >&2; exit 1; }
fi
P=knpsmoke$$
NODE=$P-node A=$P-a B=$P-b
TMP=$(mktemp -d)
cleanup() { for n in "$A" "$B" "$NODE"; do ip netns del "$n" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

echo "== building the test binary from $SRC"
(cd "$SRC" && nice -n 19 env GOMAXPROCS=1 CGO_ENABLED=0 go test -p 1 -c -o "$TMP/networkpolicy.test" ./pkg/networkpolicy)

echo "== creating netns $A <-> $NODE <-> $B"
for n in "$NODE" "$A" "$B"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip -n "$A" link add eth0 type veth peer name veth-a netns "$NODE"
ip -n "$B" link add eth0 type veth peer name veth-b netns "$NODE"
ip -n "$A" addr add 10.99.1.2/24 dev eth0; ip -n "$A" link set eth0 up; ip -n "$A" route add default via 10.99.1.1
ip -n "$B" addr add 10.99.2.2/24 dev eth0; ip -n "$B" link set eth0 up; ip -n "$B" route add default via 10.99.2.1
ip -n "$NODE" addr add 10.99.1.1/24 dev veth-a; ip -n "$NODE" link set veth-a up
ip -n "$NODE" addr add 10.99.2.1/24 dev veth-b; ip -n "$NODE" link set veth-b up
ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1

echo "== go tests inside netns $NODE"
cd "$TMP"
ip netns exec "$NODE" env GOMAXPROCS=1 \
  KNP_CLIENT_NETNS="$A" KNP_SERVER_NETNS="$B" KNP_CLIENT_IP=10.99.1.2 KNP_SERVER_IP=10.99.2.2 \
  nice -n 19 ./networkpolicy.test -test.v -test.count=1 \
  -test.run 'TestIptablesRestoreInput|TestConfig_Defaults|TestNetworkPolicies_SyncRules|TestIptablesDataplaneNetns' 2>&1 |
  sed -E '/^[IW][0-9]{4} /{/nri/!d}' | tee "$TMP/test.log"
grep -q '^FAIL' "$TMP/test.log" && { echo "SMOKE: go tests FAILED"; exit 1; }
grep -q '^--- PASS: TestIptablesDataplaneNetns' "$TMP/test.log" || { echo "SMOKE: dataplane test did not pass"; exit 1; }

echo "== leftovers in $NODE after cleanup (expect none)"
left=$( { ip netns exec "$NODE" iptables-legacy-save -t mangle; ip netns exec "$NODE" ip6tables-legacy-save -t mangle; } | grep -c KUBE-NETWORK-POLICIES || true)
sets=$(ip netns exec "$NODE" ipset list -n | wc -l)
echo "iptables lines mentioning KUBE-NETWORK-POLICIES: $left; ipsets: $sets"
[[ $left == 0 && $sets == 0 ]] || { echo "SMOKE: leftovers"; exit 1; }
echo "SMOKE: OK"
