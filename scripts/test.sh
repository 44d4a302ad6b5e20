#!/usr/bin/env bash
# The one test command: lint, layering contracts, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv/bin

echo "== ruff"
"$venv/ruff" check app tests scripts image
"$venv/ruff" format --check app tests scripts image
echo "== import-linter"
"$venv/lint-imports" .importlinter
echo "== mypy"
(cd app && "../$venv/mypy" --no-incremental)  # app/ type-checked (settings: app/pyproject.toml)
echo "== services"
bash scripts/ensure-services.sh
echo "== pytest"
mkdir -p test-output
# Reversed: every module's tests and fixtures run in the opposite order to the files, which
# shows they do not lean on what an earlier test left (tests/conftest.py: --test-order).
# In parallel: most tests wait (emulated modems, brokers, servers), so 4 worker processes on
# 2 cores; each file runs whole in one worker (--dist loadfile: its module fixtures and its
# summary test with it), and each worker takes its files in the reversed order
# (--no-loadscope-reorder). TEST_WORKERS=0 runs everything in this one process.
"$venv/python" -m pytest --test-order=reverse -n "${TEST_WORKERS:-4}" --dist loadfile \
    --no-loadscope-reorder "$@"
