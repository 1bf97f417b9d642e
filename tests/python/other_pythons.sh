#!/bin/sh
# other_pythons.sh SRCDIR WORKDIR [pytest args...] -- the Python suite on
# CPython 3.13 and on the free-threaded 3.13t, which Debian 12 does not
# ship: scripts/build-cpython.sh builds them from Debian's python3.13
# source package into a cache (~/.cache/akt/cpython, or
# $AKT_CPYTHON_CACHE). For each interpreter found there: akt._core, the
# helper extension and aktc built against it in WORKDIR/build-<flavour>,
# then the whole suite (pytest and mypy pip-installed into a venv of that
# interpreter, run_pytest.sh). It proves the package builds and runs on
# 3.13 and 3.13t (there akt._core keeps the GIL) and what
# python-subinterpreter-pool / python-nogil answer there
# (test_strategies.py). An interpreter not in the cache is skipped with
# the command that builds it, unless AKT_BUILD_CPYTHON=1 (then it is built
# first: about 15 minutes each on two cores). Exit 77 when none ran.
# AKT_PYTHON_FLAVOURS picks them (default "3.13 3.13t").
set -u
src=$1 work=$2
shift 2
cache=${AKT_CPYTHON_CACHE:-$HOME/.cache/akt/cpython}
ran=0 failed=0
for f in ${AKT_PYTHON_FLAVOURS:-3.13 3.13t}; do
  case $f in
    3.13) py=$cache/3.13/bin/python3.13 ;;
    3.13t) py=$cache/3.13t/bin/python3.13t ;;
    *) echo "other_pythons: unknown flavour '$f' (expected 3.13 or 3.13t)"; exit 2 ;;
  esac
  if [ ! -x "$py" ]; then
    if [ "${AKT_BUILD_CPYTHON:-0}" = 1 ]; then
      "$src/scripts/build-cpython.sh" "$f" >/dev/null || { failed=1; continue; }
    else
      echo "SKIP $f: $py is not built (scripts/build-cpython.sh $f, or AKT_BUILD_CPYTHON=1)"
      continue
    fi
  fi
  echo "=== CPython $f: $("$py" -c 'import sys; print(sys.version)')"
  b=$work/build-$f
  if ! { cmake -S "$src" -B "$b" -DPython3_EXECUTABLE="$py" -DAKT_BUILD_PYTHON=ON \
           -DAKT_BUILD_BENCH=OFF -DAKT_BUILD_EXAMPLES=OFF -DAKT_TEST_PIP_INSTALL=OFF \
           -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null \
         && cmake --build "$b" -j2 --target akt_python akt_py_testhelper aktc \
              akt_py_remote_peer >/dev/null; }; then
    echo "FAIL $f: building akt against $py"
    failed=1
    continue
  fi
  # wheels only: a test tool whose newest release must be compiled for
  # this interpreter (mypy's Rust parser on 3.13t) falls back to one
  # with a wheel instead of failing to build offline
  PIP_ONLY_BINARY=:all: AKTPY_AKTC=$b/aktc/aktc AKTPY_SOURCE_DIR=$src \
  AKTPY_REMOTE_PEER=$b/tests/python/akt_py_remote_peer \
    "$src/tests/python/run_pytest.sh" "$py" "$b/python" "$b/tests/python/helper" \
      "$src/tests/python" "$work/venv-$f" "$@"
  rc=$?
  if [ $rc -eq 77 ]; then
    echo "SKIP $f: no pytest for it (PyPI unreachable?)"
    continue
  fi
  ran=1
  [ $rc -eq 0 ] || { echo "FAIL $f: the suite (exit $rc)"; failed=1; }
done
[ $failed -eq 0 ] || exit 1
[ $ran -eq 1 ] || exit 77
