#!/usr/bin/env bash
# valgrind_chat.sh CHAT_BIN SUPP -- a clean remote server and client under
# valgrind's memcheck (issue 13 §5): `remote-chat room` and `remote-chat
# member` in two processes over loopback TCP; the member posts one line, the
# room relays it back, then each ends the clean way (stdin closed:
# akt_remote_stop, akt_system_free). Passes only when valgrind reports no
# error and no definite or possible leak outside valgrind-nng.supp (which
# holds only what libnng itself keeps until exit). Exit 77 (skipped) without
# valgrind; scripts/deps.sh installs it.
set -uo pipefail
chat=${1:?remote-chat binary}
supp=${2:?suppression file}
command -v valgrind >/dev/null || {
  echo "valgrind not installed: skipped (scripts/deps.sh installs it)"
  exit 77
}
work=$(mktemp -d)
cleanup() {
  for p in ${room:-} ${member:-}; do kill "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
vg=(valgrind -q --error-exitcode=99 --leak-check=full
    --show-leak-kinds=definite,possible --errors-for-leak-kinds=definite,possible
    --suppressions="$supp")

# wait_for FILE PATTERN SECONDS -- until a line of FILE matches
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# both run the coordinated shutdown on SIGTERM/SIGINT: the signal thread
# (akt's own, joined when the last system that wants it is freed) runs too
printf 'akt.coordinated-shutdown.run-by-signal = on\n' >"$work/akt.conf"
export AKT_CONFIG="$work/akt.conf"
mkfifo "$work/room.in" "$work/member.in"
"${vg[@]}" "$chat" room tcp://127.0.0.1:0 <"$work/room.in" >"$work/room.out" 2>"$work/room.err" &
room=$!
exec 3>"$work/room.in"
wait_for "$work/room.out" '^room at ' 120 || { echo "room did not start"; cat "$work/room.err"; exit 1; }
path=$(sed -n 's/^room at //p' "$work/room.out")

"${vg[@]}" "$chat" member alice "$path" <"$work/member.in" >"$work/member.out" 2>"$work/member.err" &
member=$!
exec 4>"$work/member.in"
wait_for "$work/member.out" '^joined: ' 120 || { echo "member did not join"; cat "$work/member.err"; exit 1; }
echo "hello from valgrind" >&4
wait_for "$work/member.out" '^\[alice\] hello from valgrind' 120 || { echo "post not relayed"; cat "$work/member.err"; exit 1; }

exec 4>&-             # Ctrl-D: the member leaves
wait "$member"; rc_member=$?
member=
exec 3>&-             # the room ends too
wait "$room"; rc_room=$?
room=
status=0
for side in room member; do
  rc_var=rc_$side
  if [ "${!rc_var}" != 0 ]; then
    echo "== $side exited with ${!rc_var} under valgrind:"
    cat "$work/$side.err"
    status=1
  else
    echo "$side: valgrind clean"
  fi
done
exit $status
