#!/usr/bin/env bash
# bench-smoke.sh -- run every benchmark program once at a tiny size.
#
#   scripts/bench-smoke.sh BUILD_DIR
#
# Checks that each program exits 0 and prints valid JSON on stdout; asserts
# nothing about speed (CI runs this on a shared machine). Programs:
#
#   bench/akt-savina     every scenario of --list, with --smoke; each must
#                        print exactly one JSON line in the docs/profiler.md
#                        schema, with "scenario" equal to the name asked for
#   bench/akt-profiler   --scenario all --smoke: one schema line for each of
#                        tell, ask, fanout, cpu (and --format md exits 0)
#   python -m akt.profiler       --scenario all --smoke --no-pykka, with the
#                        build's interpreter and package (BUILD_DIR/python):
#                        one schema line per scenario; skipped without it
#   bench/akt-remote-bench       --n 1000 --pingpong-n 100: schema lines
#                                (then again with --lanes socket)
#   bench/akt-tcp-pingpong       --smoke: one schema line (tcp-pingpong)
#   bench/akt-tcp-pingpong --busy-poll --smoke: one (tcp-pingpong-busy)
#   bench/akt-bench-config-parse 4096 1: JSON lines
#   bench/akt-bench-timers --smoke: JSON lines
#   bench/akt-gpu-bench --smoke: JSON lines (the GPU batch engine; without a
#                        device it measures the CPU batch loop and says why)
#   bench/akt-persist-bench --smoke: schema lines, one per persistence
#                        scenario (persist, replay, replay_raw, recovery,
#                        recovery_actor, snapshot_save, snapshot_actor;
#                        recovery_actor_async for LMDB),
#                        for LMDB and (when PostgreSQL's
#                        server binaries are installed) --journal pg
#   bench/akt-cluster-sim-bench --smoke: JSON lines (cluster membership in
#                        the simulation, 10 nodes)
#   bench/codec_bench_aktc 1000, bench/aktc_speed aktc/aktc 10 1: these two
#                        print one pretty-printed JSON document, checked as such
#
# akt-savina and akt-profiler are required; the others are skipped (and said
# so) when the build has no such target (e.g. no protobuf-c, no aktc).
# Any other executable in BUILD_DIR/bench is a benchmark this script does
# not know yet: it runs with --smoke and must print JSON lines (add it
# above if it needs other flags).
# Each run has a time limit (AKT_BENCH_SMOKE_TIMEOUT seconds, default 60);
# the whole script takes a few seconds on an idle machine.
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$1
bench=$build/bench
limit=${AKT_BENCH_SMOKE_TIMEOUT:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
runs=0

# validate.py MODE FILE [SCENARIO...]
#   schema: every non-empty stdout line is a JSON object in the profiler
#           schema; with SCENARIOs, exactly one line for each, in order
#   lines:  every non-empty stdout line is a JSON object
#   doc:    stdout is one or more JSON documents (pretty-printed allowed)
cat >"$tmp/validate.py" <<'EOF'
import json, numbers, sys

mode, path, want = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(path, encoding="utf-8").read()

def fail(msg):
    print("    invalid output: " + msg)
    sys.exit(1)

def num(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)

def check_schema(o, where):
    need = {"runtime": str, "scenario": str, "params": dict, "unit": str,
            "version": str, "machine": dict}
    for k, t in need.items():
        if not isinstance(o.get(k), t):
            fail(f"{where}: field {k!r} missing or not a {t.__name__}")
    for k in ("messages", "threads"):
        if not isinstance(o.get(k), int) or isinstance(o.get(k), bool):
            fail(f"{where}: field {k!r} missing or not an integer")
    for k in ("seconds", "rate"):
        if not num(o.get(k)):
            fail(f"{where}: field {k!r} missing or not a number")
    for k in ("p50_us", "p99_us"):
        if k not in o or not (o[k] is None or num(o[k])):
            fail(f"{where}: field {k!r} missing or not a number/null")
    m = o["machine"]
    if not isinstance(m.get("cores"), int) or not isinstance(m.get("cpu"), str):
        fail(f"{where}: machine needs integer cores and string cpu")

if mode == "doc":
    dec, i, docs = json.JSONDecoder(), 0, 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            break
        try:
            _, i = dec.raw_decode(text, i)
        except json.JSONDecodeError as e:
            fail(f"not JSON at offset {i}: {e}")
        docs += 1
    if docs == 0:
        fail("no JSON on stdout")
    sys.exit(0)

objs = []
for n, line in enumerate(text.splitlines(), 1):
    if not line.strip():
        continue
    try:
        o = json.loads(line)
    except json.JSONDecodeError as e:
        fail(f"line {n} is not JSON ({e}): {line[:120]}")
    if not isinstance(o, dict):
        fail(f"line {n} is not a JSON object")
    if mode == "schema":
        check_schema(o, f"line {n}")
    objs.append(o)
if not objs:
    fail("no JSON line on stdout")
if want:
    got = [o.get("scenario") for o in objs]
    if got != want:
        fail(f"scenarios {got}, expected {want}")
EOF

# run NAME MODE [SCENARIO...] -- COMMAND...
run() {
  local name=$1 mode=$2
  shift 2
  local want=()
  while [ "$1" != "--" ]; do want+=("$1"); shift; done
  shift
  runs=$((runs + 1))
  local out=$tmp/out.$runs err=$tmp/err.$runs t0 rc
  t0=$(date +%s.%N)
  timeout "$limit" "$@" >"$out" 2>"$err"
  rc=$?
  local secs
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  if [ $rc -ne 0 ]; then
    if [ $rc -eq 124 ]; then
      echo "FAIL $name: timed out after ${limit}s"
    else
      echo "FAIL $name: exit status $rc"
    fi
    tail -n 5 "$err" | sed 's/^/    stderr: /'
    failures=$((failures + 1))
    return
  fi
  if ! python3 "$tmp/validate.py" "$mode" "$out" "${want[@]}"; then
    echo "FAIL $name: $*"
    head -c 400 "$out" | sed 's/^/    stdout: /'
    failures=$((failures + 1))
    return
  fi
  echo "ok   $name (${secs}s)"
}

required() {
  if [ ! -x "$1" ]; then
    echo "FAIL: $1 not built (build the akt-savina and akt-profiler targets)"
    failures=$((failures + 1))
    return 1
  fi
}

optional() {
  if [ ! -x "$1" ]; then
    echo "skip $(basename "$1"): not built in $build"
    return 1
  fi
}

start=$(date +%s)

if required "$bench/akt-savina"; then
  scenarios=$("$bench/akt-savina" --list)
  if [ -z "$scenarios" ]; then
    echo "FAIL akt-savina --list printed nothing"
    failures=$((failures + 1))
  fi
  for s in $scenarios; do
    run "akt-savina $s" schema "$s" -- "$bench/akt-savina" --scenario "$s" --smoke
  done
fi

if required "$bench/akt-profiler"; then
  run "akt-profiler all" schema tell ask fanout cpu -- \
    "$bench/akt-profiler" --scenario all --smoke
  runs=$((runs + 1))
  if "$bench/akt-profiler" --scenario all --smoke --format md >"$tmp/md" 2>&1 \
     && grep -q '^| cpu |' "$tmp/md"; then
    echo "ok   akt-profiler --format md"
  else
    echo "FAIL akt-profiler --format md"
    failures=$((failures + 1))
  fi
fi

# the Python profiler, with the interpreter the build made the package for
pydir=$build/python
pyexe=$(sed -n 's/^_\{0,1\}Python3_EXECUTABLE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null | head -n 1)
if ls "$pydir"/akt/_core*.so >/dev/null 2>&1 && [ -x "${pyexe:-/nonexistent}" ]; then
  run "python -m akt.profiler all" schema tell ask ask_await ask_c tell_c convert fanout cpu cpu -- \
    env PYTHONPATH="$pydir" "$pyexe" -m akt.profiler --scenario all --smoke --no-pykka
else
  echo "skip python -m akt.profiler: the build has no akt Python package"
fi

if optional "$bench/akt-remote-bench"; then
  run "akt-remote-bench" schema -- "$bench/akt-remote-bench" --n 1000 --pingpong-n 100
  run "akt-remote-bench --lanes socket" schema -- "$bench/akt-remote-bench" --lanes socket --n 1000 --pingpong-n 100
fi
if optional "$bench/akt-tcp-pingpong"; then
  run "akt-tcp-pingpong" schema tcp-pingpong -- "$bench/akt-tcp-pingpong" --smoke
  run "akt-tcp-pingpong --busy-poll" schema tcp-pingpong-busy -- "$bench/akt-tcp-pingpong" --busy-poll --smoke
fi
if optional "$bench/akt-bench-config-parse"; then
  run "akt-bench-config-parse" lines -- "$bench/akt-bench-config-parse" 4096 1
fi
if optional "$bench/akt-bench-timers"; then
  run "akt-bench-timers" lines -- "$bench/akt-bench-timers" --smoke
fi
if optional "$bench/akt-gpu-bench"; then
  run "akt-gpu-bench" lines -- "$bench/akt-gpu-bench" --smoke
fi
if optional "$bench/akt-persist-bench"; then
  run "akt-persist-bench" schema persist_lmdb replay_lmdb replay_raw_lmdb \
    recovery_lmdb recovery_actor_lmdb recovery_actor_async_lmdb \
    snapshot_save_lmdb snapshot_actor_lmdb -- \
    "$bench/akt-persist-bench" --smoke
  # the same on a throwaway PostgreSQL server the bench starts
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    run "akt-persist-bench --journal pg" schema persist_pg replay_pg \
      replay_raw_pg recovery_pg recovery_actor_pg snapshot_save_pg \
      snapshot_actor_pg -- \
      "$bench/akt-persist-bench" --smoke --journal pg
  else
    echo "skip akt-persist-bench --journal pg: no PostgreSQL server binaries"
  fi
fi
if optional "$bench/akt-cluster-sim-bench"; then
  run "akt-cluster-sim-bench" lines -- "$bench/akt-cluster-sim-bench" --smoke
fi
if optional "$bench/codec_bench_aktc"; then
  run "codec_bench_aktc" doc -- "$bench/codec_bench_aktc" 1000
fi
if optional "$bench/aktc_speed"; then
  if [ -x "$build/aktc/aktc" ]; then
    run "aktc_speed" doc -- "$bench/aktc_speed" "$build/aktc/aktc" 10 1
  else
    echo "skip aktc_speed: $build/aktc/aktc not built"
  fi
fi

known=" akt-savina akt-profiler akt-remote-bench akt-tcp-pingpong akt-bench-config-parse akt-bench-timers akt-gpu-bench akt-persist-bench akt-cluster-sim-bench codec_bench_aktc aktc_speed "
for f in "$bench"/*; do
  name=$(basename "$f")
  if [ -f "$f" ] && [ -x "$f" ] && [[ "$known" != *" $name "* ]]; then
    echo "note: $name is not known to this script: running it with --smoke"
    run "$name --smoke" lines -- "$f" --smoke
  fi
done

echo "bench smoke: $runs runs, $failures failed, $(( $(date +%s) - start ))s"
[ $failures -eq 0 ]
