#!/usr/bin/env bash
# quickstart.sh -- the README's two commands.
#
#   scripts/quickstart.sh demo   install what is missing, build, run the demo
#   scripts/quickstart.sh test   install what is missing, build, run every test
#
# Build directory: $AKT_BUILD_DIR (default: build). Parallelism: $AKT_JOBS
# (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-}
case "$what" in
  demo|test) ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

scripts/deps.sh
build=${AKT_BUILD_DIR:-build}
jobs=${AKT_JOBS:-$(nproc)}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${AKT_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$jobs"

if [ "$what" = demo ]; then
  exec "$build/examples/greeter/greeter"
fi
ctest --test-dir "$build" --output-on-failure -j "$jobs" ${AKT_CTEST_ARGS:-}
