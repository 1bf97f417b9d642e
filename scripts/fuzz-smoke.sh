#!/usr/bin/env bash
# fuzz-smoke.sh BUILD_DIR [SECONDS] -- run every libFuzzer target (an
# executable named fuzz_*) found in BUILD_DIR for SECONDS each (default 10).
# Each target starts from its seed corpus folder when the source tree has one
# (tests/<area>/fuzz-seeds/<target>/). A crash fails the script. Every
# decoder of untrusted bytes has one (fuzz_table, fuzz_reader, fuzz_config,
# fuzz_record, fuzz_frame, fuzz_aktc_*; fuzz_gossip: cluster messages and
# the gossip merge, seeds in tests/cluster/fuzz-seeds/fuzz_gossip/;
# fuzz_pubsub: distributed pub/sub's registry gossip).
set -euo pipefail
build=${1:?build dir}
secs=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
found=0
while IFS= read -r t; do
  found=1
  name=$(basename "$t")
  work=$(mktemp -d)
  seeds=$(find "$root/tests" -type d -path "*fuzz-seeds/$name" | head -1)
  echo "fuzz: $name for ${secs}s"
  "$t" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/" "$work" ${seeds:+"$seeds"} \
    > "$work/log" 2>&1 || { tail -40 "$work/log"; echo "fuzz: $name FAILED"; exit 1; }
  grep -E 'stat::number_of_executed_units|Done' "$work/log" | tail -2
  rm -rf "$work"
done < <(find "$build" -type f -name 'fuzz_*' -perm -u+x | sort)
[ $found = 1 ] || echo "fuzz: no targets found in $build"
