#!/usr/bin/env bash
# partition_lab.sh NODE_BIN -- tier 3 of the cluster tests: real processes
# (tests/cluster/cluster_node.c) in network namespaces this script makes
# (a bridge, one namespace and veth pair per node, addresses that exist
# only inside them), real TCP, a real partition cut with nftables.
#
# Scenario (CLUSTER.md §6.4, 4, with three nodes): three members form a
# cluster; node 3 is cut off from nodes 1 and 2 both ways; keep-majority
# (test profile: stable-after 3 s) makes the two remove node 3 and node 3
# down itself, each within 20 s (about 6-9 s on an idle machine); nodes 1
# and 2 never down each other.
#
# Needs root, ip (iproute2) and nft (nftables; scripts/deps.sh installs
# both): otherwise it is skipped (exit 77) and says why. Everything it
# makes has a run-unique name and is removed on exit, also on failure.
set -euo pipefail
node_bin=${1:?node binary}
if [ "$(id -u)" != 0 ]; then
  echo "lab: skipped: needs root (network namespaces, nftables)"
  exit 77
fi
for t in ip nft; do
  command -v "$t" >/dev/null || { echo "lab: skipped: $t not found (scripts/deps.sh installs it)"; exit 77; }
done

id=$$
p="akt$((id % 100000))"             # interface names stay under 15 bytes
net="10.$(( (id / 250) % 250 + 1 )).$(( id % 250 ))"
tmp=$(mktemp -d)
pids=()
nss=()

cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ns in "${nss[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  ip link del "${p}br" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "lab: FAILED: $*"
  for i in 1 2 3; do
    echo "--- node $i:"; tail -n 30 "$tmp/out$i" 2>/dev/null || true
    tail -n 5 "$tmp/err$i" 2>/dev/null || true
  done
  exit 1
}

if ! ip netns add "${p}n1" 2>/dev/null; then
  echo "lab: skipped: cannot create a network namespace here"
  exit 77
fi
nss+=("${p}n1")
ip link add "${p}br" type bridge
ip link set "${p}br" up
for i in 1 2 3; do
  ns="${p}n$i"
  if [ "$i" != 1 ]; then ip netns add "$ns"; nss+=("$ns"); fi
  ip link add "${p}v$i" type veth peer name "${p}p$i"
  ip link set "${p}p$i" master "${p}br"
  ip link set "${p}p$i" up
  ip link set "${p}v$i" netns "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "${p}v$i" name eth0
  ip -n "$ns" addr add "$net.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
done

profile='akt.cluster { gossip-interval = 250ms, gossip-time-to-live = 1s,
 leader-actions-interval = 250ms, unreachable-nodes-reaper-interval = 250ms,
 seed-node-timeout = 1s, retry-unsuccessful-join-after = 2s,
 run-coordinated-shutdown-when-down = off,
 failure-detector { heartbeat-interval = 250ms,
 acceptable-heartbeat-pause = 1500ms, expected-response-after = 500ms },
 split-brain-resolver { stable-after = 3s } }
akt.remote.cookie = "lab-'"$id"'"'

# start node i in its namespace; its stdin is a fifo we keep open
for i in 1 2 3; do
  mkfifo "$tmp/in$i"
  ip netns exec "${p}n$i" "$node_bin" "n$i" "$profile" "tcp://$net.$i:25520" \
    <"$tmp/in$i" >"$tmp/out$i" 2>"$tmp/err$i" &
  pids+=($!)
  disown $! # killed in cleanup without the shell's "Killed" lines
  eval "exec {fd$i}>\"$tmp/in$i\""
done

# wait_for FILE REGEX SECONDS -- until a line of FILE matches (0) or the
# time is up (1); the file is what the node printed so far
wait_for() {
  local end=$(( $(date +%s%N) + $3 * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    grep -Eq "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  grep -Eq "$2" "$1" 2>/dev/null
}

addr=()
for i in 1 2 3; do
  wait_for "$tmp/out$i" '^READY ' 20 || fail "node $i did not start"
  addr[$i]=$(awk '/^READY /{ print $2; exit }' "$tmp/out$i")
done
for i in 1 2 3; do
  fd=fd$i
  echo "join ${addr[1]}" >&"${!fd}"
done
for i in 1 2 3; do
  for k in 1 2 3; do
    wait_for "$tmp/out$i" "^EV MemberUp ${addr[$k]} " 30 ||
      fail "node $i did not see node $k Up"
  done
done
echo "lab: three nodes up in three namespaces ($net.1-3)"

# cut node 3 off, both ways (each side drops input from the other)
nft_drop() { # NS FROM...
  local ns=$1; shift
  ip netns exec "$ns" nft add table inet akt
  ip netns exec "$ns" nft add chain inet akt input '{ type filter hook input priority 0; policy accept; }'
  for from in "$@"; do
    ip netns exec "$ns" nft add rule inet akt input ip saddr "$from" drop
  done
}
nft_drop "${p}n3" "$net.1" "$net.2"
nft_drop "${p}n1" "$net.3"
nft_drop "${p}n2" "$net.3"
t0=$(date +%s%N)
echo "lab: node 3 cut off from nodes 1 and 2"

for i in 1 2; do
  wait_for "$tmp/out$i" "^EV MemberRemoved ${addr[3]} " 20 ||
    fail "node $i did not remove node 3"
  echo "lab: node $i removed node 3 after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
done
wait_for "$tmp/out3" '^EV SelfStopped ' 20 || fail "node 3 did not down itself"
echo "lab: node 3 downed itself after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
for i in 1 2; do
  for k in 1 2; do
    if grep -Eq "^EV MemberDowned ${addr[$k]} " "$tmp/out$i"; then
      fail "node $i downed node $k of the majority"
    fi
  done
done
echo "lab: PASS"
