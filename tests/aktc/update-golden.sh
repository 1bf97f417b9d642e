#!/bin/sh
# Regenerate every expected output of tests/aktc (golden C, diagnostics,
# compat reports). Usage: tests/aktc/update-golden.sh [build-dir]
set -e
exec cmake --build "${1:-build}" --target aktc-golden-update
