#!/usr/bin/env bash
# partition_lab.sh NODE_BIN [SCENARIO] -- tier 3 of the cluster tests: real
# processes (tests/cluster/cluster_node.c) in network namespaces this script
# makes (a bridge, one namespace and veth pair per node, addresses that exist
# only inside them), real TCP, real partitions cut with nftables, real
# pauses (SIGSTOP). Test profile: stable-after 3 s, keep-majority.
#
# Scenarios (CLUSTER.md §6.4):
#   symmetric (default)  three members; node 3 is cut off from nodes 1 and 2
#       both ways: the two remove node 3 and node 3 downs itself, each
#       within 20 s (about 6-9 s idle); nodes 1 and 2 never down each other.
#   asymmetric  five members; node 3 drops what node 1 sends (one way, the
#       rest fully connected): nodes 1 and 3 are indirectly connected, the
#       resolver downs both (each downs itself), nodes 2, 4 and 5 remove
#       both and never down each other -- no second cluster.
#   split23  five members, the issue's invariant: nodes 4 and 5 are cut
#       off from nodes 1-3 both ways (a 2|3 partition). Each of nodes 1-3
#       removes both within the profile's bound (9 s: failure detection
#       about 3 s, stable-after 3 s, then downing, convergence without the
#       downed and removal, about 1-2 s, plus 1-2 s for a loaded machine),
#       nodes 4 and 5 down themselves within it, no node of the majority
#       is downed, the majority agrees on one leader (of its own) and the
#       minority's leader never acts (removes or downs none of the
#       majority), and the majority keeps serving: a broadcast router on
#       node 1 drops the two routees and its pings are answered by 1-3.
#   pause  three members; node 3 is stopped (SIGSTOP) 4 s: the others see
#       it unreachable, then reachable again, and down nobody; then stopped
#       until the others have removed it: once continued it learns it was
#       downed and stops taking part.
#   singleton  three members run a cluster singleton; it starts on node 1
#       (the oldest); node 1 is cut off: it downs itself and stops its
#       singleton, node 2 starts it -- and not before node 1 stopped it
#       (the instants come from one CLOCK_MONOTONIC: never two at once).
#
# Needs root, ip (iproute2) and nft (nftables; scripts/deps.sh installs
# both): otherwise it is skipped (exit 77) and says why. Everything it
# makes has a run-unique name and is removed on exit, also on failure.
set -euo pipefail
node_bin=${1:?node binary}
scenario=${2:-symmetric}
case $scenario in
  symmetric|pause|singleton) n=3 ;;
  asymmetric|split23) n=5 ;;
  *) echo "lab: unknown scenario $scenario"; exit 2 ;;
esac
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
  for i in $(seq 1 "$n"); do
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
for i in $(seq 1 "$n"); do
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
for i in $(seq 1 "$n"); do
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

send() { # I LINE -- a command to node i
  local fd=fd$1
  echo "$2" >&"${!fd}"
}

addr=()
for i in $(seq 1 "$n"); do
  wait_for "$tmp/out$i" '^READY ' 20 || fail "node $i did not start"
  addr[$i]=$(awk '/^READY /{ print $2; exit }' "$tmp/out$i")
done
# node 1 first, so that it is the oldest (the singleton's host)
send 1 "join ${addr[1]}"
wait_for "$tmp/out1" "^EV MemberUp ${addr[1]} " 30 || fail "node 1 did not start the cluster"
for i in $(seq 2 "$n"); do
  send "$i" "join ${addr[1]}"
done
for i in $(seq 1 "$n"); do
  for k in $(seq 1 "$n"); do
    wait_for "$tmp/out$i" "^EV MemberUp ${addr[$k]} " 30 ||
      fail "node $i did not see node $k Up"
  done
done
echo "lab: $n nodes up in $n namespaces ($net.1-$n), scenario $scenario"

# NS drops input from each FROM address
nft_drop() { # NS FROM...
  local ns=$1; shift
  ip netns exec "$ns" nft add table inet akt
  ip netns exec "$ns" nft add chain inet akt input '{ type filter hook input priority 0; policy accept; }'
  for from in "$@"; do
    ip netns exec "$ns" nft add rule inet akt input ip saddr "$from" drop
  done
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# no node of LIST... downed another node of LIST
none_downed() {
  for i in "$@"; do
    for k in "$@"; do
      if grep -Eq "^EV MemberDowned ${addr[$k]} " "$tmp/out$i"; then
        fail "node $i downed node $k"
      fi
    done
  done
}

case $scenario in
symmetric)
  nft_drop "${p}n3" "$net.1" "$net.2"
  nft_drop "${p}n1" "$net.3"
  nft_drop "${p}n2" "$net.3"
  t0=$(date +%s%N)
  echo "lab: node 3 cut off from nodes 1 and 2"
  for i in 1 2; do
    wait_for "$tmp/out$i" "^EV MemberRemoved ${addr[3]} " 20 ||
      fail "node $i did not remove node 3"
    echo "lab: node $i removed node 3 after $(ms_since "$t0") ms"
  done
  wait_for "$tmp/out3" '^EV SelfStopped ' 20 || fail "node 3 did not down itself"
  echo "lab: node 3 downed itself after $(ms_since "$t0") ms"
  none_downed 1 2
  ;;
asymmetric)
  nft_drop "${p}n3" "$net.1"
  t0=$(date +%s%N)
  echo "lab: node 3 drops what node 1 sends (one way)"
  for i in 1 3; do
    wait_for "$tmp/out$i" '^EV SelfStopped ' 30 || fail "node $i did not down itself"
    echo "lab: node $i downed itself after $(ms_since "$t0") ms"
  done
  for i in 2 4 5; do
    for k in 1 3; do
      wait_for "$tmp/out$i" "^EV MemberRemoved ${addr[$k]} " 30 ||
        fail "node $i did not remove node $k"
    done
  done
  echo "lab: nodes 2, 4 and 5 removed nodes 1 and 3 after $(ms_since "$t0") ms"
  none_downed 2 4 5
  ;;
split23)
  bound_ms=9000 # the test profile's bound (see the top)
  for i in $(seq 1 5); do send "$i" worker; done
  send 1 "router broadcast - router"
  wait_for "$tmp/out1" '^ROUTEES router 5 ' 20 || fail "the router did not see five routees"
  send 1 "route 1"
  for k in $(seq 1 5); do
    wait_for "$tmp/out1" "^PONG sink n$k 1\$" 20 || fail "node $k did not answer before the cut"
  done
  for i in 1 2 3; do nft_drop "${p}n$i" "$net.4" "$net.5"; done
  for i in 4 5; do nft_drop "${p}n$i" "$net.1" "$net.2" "$net.3"; done
  t0=$(date +%s%N)
  echo "lab: nodes 4 and 5 cut off from nodes 1-3 (2|3)"
  for i in 1 2 3; do
    for k in 4 5; do
      left=$(( bound_ms - $(ms_since "$t0") ))
      [ "$left" -gt 0 ] && wait_for "$tmp/out$i" "^EV MemberRemoved ${addr[$k]} " \
        "$(( (left + 999) / 1000 ))" ||
        fail "node $i did not remove node $k within $bound_ms ms"
    done
    echo "lab: node $i removed nodes 4 and 5 after $(ms_since "$t0") ms"
  done
  for i in 4 5; do
    left=$(( bound_ms - $(ms_since "$t0") ))
    [ "$left" -gt 0 ] && wait_for "$tmp/out$i" '^EV SelfStopped ' "$(( (left + 999) / 1000 ))" ||
      fail "node $i did not down itself within $bound_ms ms"
    echo "lab: node $i downed itself after $(ms_since "$t0") ms"
  done
  [ "$(ms_since "$t0")" -le $(( bound_ms + 1000 )) ] || fail "past the bound of $bound_ms ms"
  none_downed 1 2 3
  # the minority's leader never acted on the majority
  for i in 4 5; do
    for k in 1 2 3; do
      if grep -Eq "^EV Member(Downed|Removed) ${addr[$k]} " "$tmp/out$i"; then
        fail "node $i (the minority) downed or removed node $k"
      fi
    done
  done
  # one leader on the majority's side: the last leader each of 1-3 saw is
  # the same member, and one of the three
  lead=$(awk '/^EV LeaderChanged /{ l = $3 } END { print l }' "$tmp/out1")
  case " ${addr[1]} ${addr[2]} ${addr[3]} " in
    *" $lead "*) ;;
    *) fail "the majority's leader is not one of it: '$lead'" ;;
  esac
  for i in 2 3; do
    l=$(awk '/^EV LeaderChanged /{ l = $3 } END { print l }' "$tmp/out$i")
    [ "$l" = "$lead" ] || fail "two leaders on the majority's side: $lead (node 1), $l (node $i)"
  done
  # the majority keeps serving
  wait_for "$tmp/out1" '^ROUTEES router 3 ' 10 || fail "the router did not drop nodes 4 and 5"
  send 1 "route 2"
  for k in 1 2 3; do
    wait_for "$tmp/out1" "^PONG sink n$k 2\$" 10 || fail "node $k did not answer after the cut"
  done
  echo "lab: the majority (leader $lead) keeps serving"
  ;;
pause)
  t0=$(date +%s%N)
  kill -STOP "${pids[2]}"
  sleep 4 # the scenario: a 4 s pause (a long GC, a starved VM)
  kill -CONT "${pids[2]}"
  echo "lab: node 3 paused 4 s"
  for i in 1 2; do
    wait_for "$tmp/out$i" "^EV UnreachableMember ${addr[3]} " 10 ||
      fail "node $i did not see the paused node 3 unreachable"
    wait_for "$tmp/out$i" "^EV ReachableMember ${addr[3]} " 20 ||
      fail "node $i did not see node 3 reachable again"
  done
  echo "lab: node 3 unreachable, then reachable again after $(ms_since "$t0") ms"
  # reachable again everywhere: the resolver has nothing to decide
  none_downed 1 2 3
  t0=$(date +%s%N)
  kill -STOP "${pids[2]}"
  for i in 1 2; do
    wait_for "$tmp/out$i" "^EV MemberRemoved ${addr[3]} " 30 ||
      fail "node $i did not remove the stopped node 3"
  done
  echo "lab: node 3 stopped: removed after $(ms_since "$t0") ms"
  kill -CONT "${pids[2]}"
  wait_for "$tmp/out3" '^EV SelfStopped ' 20 ||
    fail "node 3, continued, did not learn it was downed"
  echo "lab: node 3, continued, stopped taking part"
  none_downed 1 2
  ;;
singleton)
  for i in 1 2 3; do send "$i" singleton; done
  wait_for "$tmp/out1" '^SINGLETON START ' 20 || fail "the singleton did not start on node 1"
  for i in 2 3; do
    if grep -q '^SINGLETON START ' "$tmp/out$i"; then fail "a second singleton on node $i"; fi
  done
  nft_drop "${p}n1" "$net.2" "$net.3"
  nft_drop "${p}n2" "$net.1"
  nft_drop "${p}n3" "$net.1"
  t0=$(date +%s%N)
  echo "lab: node 1 (the singleton's) cut off"
  wait_for "$tmp/out2" '^SINGLETON START ' 40 || fail "the singleton did not move to node 2"
  echo "lab: the singleton started on node 2 after $(ms_since "$t0") ms"
  wait_for "$tmp/out1" '^SINGLETON STOP ' 20 || fail "node 1 did not stop its singleton"
  stop1=$(awk '/^SINGLETON STOP /{ print $3; exit }' "$tmp/out1")
  start2=$(awk '/^SINGLETON START /{ print $3; exit }' "$tmp/out2")
  [ "$stop1" -lt "$start2" ] ||
    fail "two singletons at once: node 1 stopped at $stop1, node 2 started at $start2"
  echo "lab: node 1 stopped its singleton $(( (start2 - stop1) / 1000000 )) ms before node 2 started it"
  if grep -q '^SINGLETON START ' "$tmp/out3"; then fail "a singleton on node 3"; fi
  ;;
esac
echo "lab: PASS"
