#!/usr/bin/env bash
# format.sh [--check] -- apply (or, with --check, verify) the root
# .clang-format on every hand-written C file. Generated files (aktc golden
# outputs, templates) and the C++/Erlang peers are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# clang-format 15 or newer: .clang-format uses InsertBraces (Debian 12's
# default clang-format is 14; scripts/deps.sh installs clang-format-15)
cf=${CLANG_FORMAT:-clang-format-15}
command -v "$cf" >/dev/null || { echo "format.sh: $cf not found (scripts/deps.sh installs it; CLANG_FORMAT=... picks another >= 15)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.c' '*.h' \
  | grep -vE '^(tests/aktc/ok/expected/|tests/aktc/gpu/expected/|templates/|bench/peers/)' \
  | grep -vE '\.pb-c\.[ch]$|\.akt\.[ch]$')
if [ "${1:-}" = --check ]; then
  "$cf" --dry-run --Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
else
  "$cf" -i "${files[@]}"
fi
