#!/usr/bin/env bash
# format.sh [--check] -- apply (or, with --check, verify) the root
# .clang-format on every hand-written C file. Generated files (aktc golden
# outputs, templates) and the C++/Erlang peers are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' \
  | grep -vE '^(tests/aktc/ok/expected/|templates/|bench/peers/)' \
  | grep -vE '\.pb-c\.[ch]$|\.akt\.[ch]$')
if [ "${1:-}" = --check ]; then
  clang-format --dry-run --Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
else
  clang-format -i "${files[@]}"
fi
