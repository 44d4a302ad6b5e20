#!/usr/bin/env bash
# Run every benchmark and print its figures side by side. Never fails on wall-clock time; a
# benchmark that refuses to print (it could not measure what its label says) is named at the
# end and makes the run's exit status 1, after the others have run.
set -uo pipefail
cd "$(dirname "$0")/.."
refused=()
for bench in scripts/bench/bench_*.py; do
  echo "== $bench"
  .venv/bin/python "$bench" || refused+=("$bench")
done
if [ ${#refused[@]} -gt 0 ]; then
  echo "not measured (see above): ${refused[*]}" >&2
  exit 1
fi
