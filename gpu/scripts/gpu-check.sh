#!/usr/bin/env bash
# gpu-check.sh [--dry-run] [OUT_DIR] -- the check of issue 15 on a machine
# with an NVIDIA GPU, the CUDA driver and the CUDA toolkit (NVRTC). At most
# 8 minutes: every step has its own time limit and a step that would start
# past the budget is skipped (said so). Writes OUT_DIR (default
# gpu-check-out/): the log of each step, bench.json (the bench's lines),
# results.jsonl (one JSON line per target, also printed) and summary.txt.
#
# Without a usable device (no nvidia-smi, no GPU listed, no libcuda.so.1)
# it builds and runs nothing: it prints why, one JSON line
# {"check":"gpu-check","skipped":true,...} and exits 77. --dry-run goes on
# without one, to check the script itself: the device tests run on the
# software driver (tests/gpu/soft_cuda.c), smaller particles and bench
# runs, and each target's line says "measured":false.
#
#  1. the device (nvidia-smi) and a build with CUDA found
#  2. parity GPU vs CPU on 65,536 actors with injected failures
#     (gpu_parity_test, AKT_TEST_GPU=cuda): its JSON line, 0 differing
#  3. ctest -L gpu: NVRTC compile tests, CPU parity, the dispatcher with
#     the CPU executor and the software driver, fallbacks, cache, the
#     particles example, and the device tests (label device): the
#     dispatcher suite with the CUDA executor (CUDA graphs on, and off,
#     and akt.gpu.persistent-max-batch = 1024: the persistent kernels,
#     never run on a GPU before this check), the particles checksum on cpu
#     vs gpu placement
#  4. 1,000,000 particles timed on each placement
#  5. akt-gpu-bench (with --dry-run: over the software driver, --smoke):
#     batch throughput at 1 / 1,024 / 16,384 / 262,144
#     messages, the compute-heavy handler against one CPU core, the round
#     trip p50/p99 of one ask (launched batches, and through the
#     persistent kernel)
# Targets (reported, not asserted): 0 differing states; >= 500M msg/s at
# 16,384; round trip p50 <= 20 us; heavy >= 10x one core.
# Exit: 0 every step passed, 1 a step failed, 77 no device (not --dry-run).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
dry=0
out=""
for a in "$@"; do
  case $a in
    --dry-run) dry=1 ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"
      exit 0
      ;;
    -*)
      echo "usage: gpu-check.sh [--dry-run] [OUT_DIR]" >&2
      exit 2
      ;;
    *) out=$a ;;
  esac
done
out=${out:-gpu-check-out}
mkdir -p "$out"
: >"$out/results.jsonl"
build=${AKT_GPU_CHECK_BUILD:-build-gpu}
budget=${AKT_GPU_CHECK_BUDGET:-480} # seconds, all steps together
jobs=$(nproc)
fail=0
step() {
  echo
  echo "=== $* (at ${SECONDS}s of ${budget}s)"
}
# jstr TEXT: TEXT as a JSON string
jstr() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
# run LIMIT NAME CMD...: log to OUT/NAME.log; skipped when it could end past
# the budget
run() {
  local limit=$1 name=$2
  shift 2
  if [ $((SECONDS + limit)) -gt "$budget" ]; then
    echo "SKIPPED: $name (it could end past the ${budget}s budget)"
    fail=1
    return 124
  fi
  timeout "$limit" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  tail -n 15 "$out/$name.log"
  if [ $rc -eq 77 ]; then
    echo "SKIPPED: $name (no usable device: see $out/$name.log)"
    [ $dry -eq 1 ] || fail=1
  elif [ $rc -eq 124 ]; then
    echo "FAILED: $name (past its ${limit}s limit, log $out/$name.log)"
    fail=1
  elif [ $rc -ne 0 ]; then
    echo "FAILED: $name (exit $rc, log $out/$name.log)"
    fail=1
  fi
  return $rc
}

step "device"
why=""
smi=${AKT_GPU_CHECK_NVIDIA_SMI:-nvidia-smi} # the tests point it nowhere
if ! command -v "$smi" >/dev/null 2>&1; then
  why="nvidia-smi not found"
elif ! "$smi" -L >"$out/device.log" 2>&1; then
  why="nvidia-smi -L failed: $(head -n 1 "$out/device.log")"
elif ! grep -q "^GPU " "$out/device.log"; then
  why="nvidia-smi lists no GPU"
elif ! python3 -c 'import ctypes; ctypes.CDLL("libcuda.so.1")' 2>/dev/null; then
  why="the CUDA driver (libcuda.so.1) does not load"
fi
if [ -n "$why" ]; then
  if [ $dry -eq 0 ]; then
    echo "gpu-check: SKIPPED: no usable NVIDIA GPU here ($why). Nothing was"
    echo "built or run. Run it on a machine with a GPU and the CUDA driver,"
    echo "or with --dry-run to check the script itself."
    echo "{\"check\":\"gpu-check\",\"skipped\":true,\"why\":$(jstr "$why")}" |
      tee -a "$out/results.jsonl"
    exit 77
  fi
  echo "DRY RUN without a device ($why): device tests on the software"
  echo "driver, nothing measured on a GPU"
  dev_mode=soft
else
  cat "$out/device.log"
  dev_mode=cuda
fi
[ $dry -eq 1 ] && dev_mode=soft

step "build (${build}, -j${jobs})"
cfg=()
if [ ! -f "$build/CMakeCache.txt" ]; then
  cfg=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DAKT_BUILD_PYTHON=OFF)
fi
run 45 configure cmake -S . -B "$build" ${cfg[@]+"${cfg[@]}"} || exit 1
grep -E "akt gpu:" "$out/configure.log"
run 180 build cmake --build "$build" -j"$jobs" --target aktc akt-gpu \
  gpu_nvrtc_test gpu_parity_test gpu_dispatch_test gpu_fallback_test \
  gpu_cache_test gpu_batch_test gpu_open_test gpu_aot_test \
  akt_test_gate_plugin akt_test_soft_cuda akt_test_soft_nvrtc particles \
  akt-gpu-bench || exit 1

step "parity GPU vs CPU, 65,536 actors (AKT_TEST_GPU=$dev_mode)"
AKT_TEST_GPU=$dev_mode CK_DEFAULT_TIMEOUT=120 run 40 parity \
  "$build/tests/gpu/gpu_parity_test"

step "ctest -L gpu (device tests included)"
run 100 ctest ctest --test-dir "$build" -L gpu -E gpu_device_parity \
  --output-on-failure -j4
if [ $dry -eq 0 ] && grep -q "Skipped" "$out/ctest.log"; then
  echo "some device tests were SKIPPED: no usable device?"
  fail=1
fi

step "particles on each placement"
np=1000000
[ $dry -eq 1 ] && np=65536
for p in gpu cpu; do
  [ $dry -eq 1 ] && [ $p = gpu ] && continue # needs a device
  AKT_GPU_LIB="$build/gpu/libakt-gpu.so" run 25 "particles-$p" \
    "$build/examples/particles/particles" --n $np --placement $p
done

step "akt-gpu-bench"
smoke=()
soft=()
if [ $dry -eq 1 ]; then
  # its device paths over the software driver (times not a GPU's)
  smoke=(--smoke)
  soft=(AKT_GPU_BENCH_SOFT_CUDA="$PWD/$build/tests/gpu/libakt_test_soft_cuda.so"
    AKT_NVRTC_LIB="$PWD/$build/tests/gpu/libakt_test_soft_nvrtc.so")
fi
run 50 bench env ${soft[@]+"${soft[@]}"} "$build/bench/akt-gpu-bench" \
  ${smoke[@]+"${smoke[@]}"}
grep '^{' "$out/bench.log" >"$out/bench.json" 2>/dev/null

step "results (one JSON line per target)"
python3 - "$out" "$dev_mode" <<'PY' | tee "$out/summary.txt"
import json, os, sys
out, mode = sys.argv[1], sys.argv[2]
def lines(name):
    try:
        with open(os.path.join(out, name)) as f:
            return [json.loads(l) for l in f if l.startswith("{")]
    except (OSError, ValueError):
        return []
rows = lines("bench.json")
par = [r for r in lines("parity.log") if r.get("check") == "gpu_parity"]
def one(**kw):
    for r in rows:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None
res = []
def target(d, measured):
    # on the software driver (--dry-run) nothing is a GPU's measurement:
    # no verdict
    d["measured"] = measured and mode == "cuda"
    if not d["measured"]:
        d.pop("met", None)
    res.append(d)
# parity: measured on a device only (the soft driver runs the CPU loop)
p = par[0] if par else None
d = {"target": "parity", "actors": 65536, "goal_differing_states": 0}
if p:
    d.update({k: p[k] for k in ("device", "messages", "failed_or_skipped",
              "differing_states", "differing_statuses",
              "differing_reply_columns")})
    d["met"] = (p["differing_states"] == 0 and p["differing_statuses"] == 0
                and p["differing_reply_columns"] == 0)
else:
    d["why"] = "no parity line (see parity.log)"
target(d, bool(p))
for n in (1, 1024, 16384, 262144):
    c, g = one(bench="gpu_batch", executor="cpu", batch=n), \
        one(bench="gpu_batch", executor="cuda", batch=n)
    d = {"target": "throughput", "batch": n,
         "cpu_one_core_msgs_per_s": c["msgs_per_s"] if c else None,
         "cuda_msgs_per_s": g["msgs_per_s"] if g else None,
         "cuda_us_per_batch": g["us_per_batch"] if g else None}
    if n == 16384:
        d["goal_msgs_per_s"] = 5e8
        if g:
            d["met"] = g["msgs_per_s"] >= 5e8
    target(d, g is not None)
rt = one(bench="gpu_round_trip", executor="cuda", persistent_max_batch=0)
d = {"target": "round_trip", "goal_p50_us": 20,
     "p50_us": rt["p50_us"] if rt else None,
     "p99_us": rt["p99_us"] if rt else None}
if rt:
    d["met"] = rt["p50_us"] <= 20
target(d, rt is not None)
h = one(bench="gpu_heavy")
sp = h.get("speedup") if h else None
d = {"target": "heavy", "goal_speedup": 10,
     "flops_per_msg": h["flops_per_msg"] if h else None,
     "cpu_one_core_msgs_per_s": h["cpu_one_core_msgs_per_s"] if h else None,
     "cuda_msgs_per_s": h.get("cuda_msgs_per_s") if h else None,
     "speedup": sp}
if sp is not None:
    d["met"] = sp >= 10
target(d, sp is not None)
pr = one(bench="gpu_round_trip", executor="cuda", persistent_max_batch=1024)
target({"target": "persistent_round_trip", "design_measurement_us": 5,
        "p50_us": pr["p50_us"] if pr else None,
        "p99_us": pr["p99_us"] if pr else None}, pr is not None)
with open(os.path.join(out, "results.jsonl"), "a") as f:
    for d in res:
        f.write(json.dumps(d) + "\n")
        print(json.dumps(d))
missed = [d["target"] for d in res if d.get("met") is False]
unmeasured = [d["target"] for d in res if not d["measured"]]
print("targets missed: " + (", ".join(missed) if missed else "none"))
if unmeasured:
    print("not measured on a GPU: " + ", ".join(sorted(set(unmeasured))))
PY
grep -h "checksum" "$out"/particles-*.log 2>/dev/null
echo
echo "gpu-check: ${SECONDS}s"
if [ $dry -eq 1 ]; then
  [ $fail -eq 0 ] && echo "gpu-check: DRY RUN passed (nothing measured on a GPU)" ||
    echo "gpu-check: DRY RUN: some steps FAILED (see above)"
else
  [ $fail -eq 0 ] && echo "gpu-check: every step passed" ||
    echo "gpu-check: some steps FAILED (see above)"
fi
exit $fail
