# OTP Broker — developer entry points. Every target installs what it needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench bench-peers deps clean image image-test

$(STAMP): app/requirements.lock app/requirements-dev.lock app/pyproject.toml scripts/install-deps.sh
	bash scripts/install-deps.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r app/requirements.lock -r app/requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e app
	touch $(STAMP)

deps: $(STAMP)

## Run the broker locally on emulated modems: make run PROFILES=quectel-ec25,huawei-e3131
PROFILES ?= generic,generic
run: $(STAMP)
	bash scripts/run-local.sh "$(PROFILES)"

## Run every check: lint, layering, tests.
test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check app tests scripts image
	$(VENV)/bin/lint-imports .importlinter
	cd app && ../$(VENV)/bin/mypy --no-incremental

## Benchmarks: print figures, never pass/fail on time.
bench: $(STAMP)
	bash scripts/bench.sh

## OTP Broker, smstools3 and gammu-smsd on the same stub modem (installs the peers as root).
bench-peers: $(STAMP)
	$(PY) scripts/bench/bench_peers.py

## Build the flashable image (root, Debian): dist/otp-broker-<version>-arm64.img.xz.
image:
	./build.sh

## Boot the built image under QEMU and check it end to end (builds it first if needed).
image-test: $(STAMP)
	bash image/image-test.sh

clean:
	rm -rf $(VENV) test-output .pytest_cache .hypothesis
