#!/usr/bin/env bash
# Run every benchmark and print its figures side by side. Never fails on wall-clock time.
set -euo pipefail
cd "$(dirname "$0")/.."
for bench in scripts/bench/bench_*.py; do
  echo "== $bench"
  .venv/bin/python "$bench"
done
