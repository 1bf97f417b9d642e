#!/bin/sh
# asan_pass.sh SRCDIR WORKDIR [pytest args...] -- the Python suite's debug
# pass: akt._core, the helper extension and aktc built with ASan + UBSan
# (AKT_SANITIZE=address, AKT_BUILD_PYTHON forced on) in WORKDIR/build, then
# the suite run with `python -X dev` (asyncio debug mode, warnings shown,
# faulthandler) and libasan preloaded into the uninstrumented interpreter.
# Leak checking is off (CPython keeps memory until exit by design); every
# other ASan / UBSan report aborts the run. Skips (77) when gcc cannot
# name its libasan. A few minutes: label python-asan, not in the default
# quick runs.
set -eu
src=$1 work=$2
shift 2
py=$(command -v python3)
asan=$(${CC:-cc} -print-file-name=libasan.so)
[ -f "$asan" ] || { echo "SKIP: no libasan.so from ${CC:-cc}"; exit 77; }
mkdir -p "$work"
cmake -S "$src" -B "$work/build" -DAKT_SANITIZE=address -DAKT_BUILD_PYTHON=ON \
  -DAKT_BUILD_BENCH=OFF -DAKT_BUILD_EXAMPLES=OFF -DAKT_TEST_PIP_INSTALL=OFF \
  -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$work/build" -j2 --target akt_python akt_py_testhelper aktc akt_py_remote_peer
b=$work/build
export AKTPY_AKTC=$b/aktc/aktc AKTPY_SOURCE_DIR=$src
export AKTPY_REMOTE_PEER=$b/tests/python/akt_py_remote_peer
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:verify_asan_link_order=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export PYTHONDEVMODE=1
LD_PRELOAD=$asan exec "$src/tests/python/run_pytest.sh" "$py" "$b/python" \
  "$b/tests/python/helper" "$src/tests/python" "$work/venv" "$@"
