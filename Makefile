# OTP Broker — developer entry points. Every target installs what it needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARCH ?= amd64
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' app/otpbroker/__init__.py)

.PHONY: run test lint unit bench bench-peers deps clean image image-test deb catalogues

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

## Build the Debian package (root): make deb ARCH=amd64|arm64 -> dist/otp-broker_<version>_<arch>.deb,
## then lintian (no errors allowed). arm64: the image's stages up to "app", which build it.
deb:
	bash scripts/install-deps.sh
	@case "$(ARCH)" in \
	  amd64) bash scripts/build-deb.sh --arch amd64 ;; \
	  arm64) ./build.sh --until app \
	    && cp build/cache/debian-arm64/30-app/out/otp-broker_$(VERSION)_arm64.deb dist/ ;; \
	  *) echo "make deb: ARCH must be amd64 or arm64, not '$(ARCH)'" >&2; exit 2 ;; \
	esac
	lintian --fail-on error dist/otp-broker_$(VERSION)_$(ARCH).deb

## Boot the built image under QEMU and check it end to end (builds it first if needed).
image-test: $(STAMP)
	bash image/image-test.sh

clean:
	rm -rf $(VENV) test-output .pytest_cache .hypothesis

## Bring the message catalogues in line with the code (then translate what is new in id).
catalogues: $(STAMP)
	bash scripts/update-catalogues.sh
