# Sessions API — the two commands are `make dev` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# .python-version selects 3.13 under pyenv; PYTHON may name another 3.13 interpreter.
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 3000
# Browser origins allowed besides the loopback ones (space-separated): make dev ORIGIN=https://…
ORIGIN ?=
# Tools with pinned dependencies of their own, apart from the project's venv.
SAM_VENV := .tools/sam
CHECKOV_VENV := .tools/checkov

.PHONY: help setup dev test lint unit browser bench openapi lock clean

help:
	@echo "make dev    start the local API on http://127.0.0.1:$(PORT) (PORT=... to change,"
	@echo "            ORIGIN=... for a browser origin besides the loopback ones)"
	@echo "make test   lint, type-check and run every test"
	@echo "make bench  cold-start and request-cost benchmarks"
	@echo "make openapi  regenerate docs/openapi.json from the handlers"
	@echo "make lock   after editing pyproject.toml's dependencies or an infra/tools/*.in: resolve"
	@echo "            uv.lock and write every pin file from it (UPGRADE='NAME ...' or UPGRADE=all"
	@echo "            to move pins to the newest allowed versions)"

# requirements-dev.lock is uv.lock's dev environment for pip (`make lock` writes it).
$(STAMP): pyproject.toml requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13) and "Python 3.13 is required (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# The project's venv, and SAM CLI's own: the local API reads the template through AWS SAM's
# translator, which pins its own pydantic and boto3.
setup: $(STAMP) $(SAM_VENV)/.installed

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared functions infra tests bench

# The tests' npm projects, each pinned by its package-lock.json and installed next to it; no
# package runs install scripts (esbuild's binary comes as an optional dependency).
# dynalite, the second DynamoDB the HTTP suites run against (tests/stores.py).
DYNALITE := tests/dynalite
DYNALITE_STAMP := $(DYNALITE)/node_modules/.installed
# The browser test's sign-in page: the AWS SDK for JavaScript, bundled for the page by esbuild.
FRONT_END := tests/browser
FRONT_END_BUNDLE := $(FRONT_END)/page/bundle/signin.js

%/node_modules/.installed: %/package.json %/package-lock.json
	@command -v npm >/dev/null || { echo "the tests need Node.js 20 or later and npm"; exit 1; }
	cd $* && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(FRONT_END_BUNDLE): $(FRONT_END)/page/signin.js $(FRONT_END)/node_modules/.installed
	$(FRONT_END)/node_modules/.bin/esbuild $< --bundle --format=esm --outfile=$@ --log-level=warning

# tests/built runs the `sam build` output under the Lambda runtime emulator, which ships inside
# the SAM CLI package; the integration suite runs again against `sessions-local serve --built`.
unit: setup $(DYNALITE_STAMP) $(FRONT_END_BUNDLE)
	$(BIN)/pytest
	$(BIN)/pytest --built --store embedded tests/integration

test: lint check-template browser unit

# The browser test (tests/browser) drives Debian's Chromium. When it is missing it is installed
# here if we may (root, or CI with password-less sudo); otherwise the test is skipped with what
# to install, and in CI (CI=true) it fails rather than skip.
CHROMIUM ?= /usr/bin/chromium
APT_GET := env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq

browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif [ "$$CI" = true ] && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	elif [ "$$CI" = true ]; then echo "$(CHROMIUM) is missing and cannot be installed (not root)"; exit 1; \
	else echo "note: $(CHROMIUM) is missing: the browser test will be skipped (apt-get install chromium)"; exit 0; fi; \
	echo "installing Chromium for the browser test"; \
	$$sudo $(APT_GET) update && $$sudo $(APT_GET) install -y --no-install-recommends chromium

# template.yaml checked by AWS's own tools, offline: the SAM CLI (validate; validate --lint, which
# runs cfn-lint; build) and checkov, each in its own virtualenv under .tools/ (they pin their own
# boto3 and pydantic).
# The SAM CLI expands Fn::ForEach (AWS::LanguageExtensions) as samconfig.toml's
# language_extensions says.
.PHONY: check-template
# No AWS account is needed or contacted: a fixed region, no telemetry, no instance-metadata lookup.
AWS_OFFLINE := SAM_CLI_TELEMETRY=0 AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

$(SAM_VENV)/.installed: infra/tools/sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

$(CHECKOV_VENV)/.installed: infra/tools/checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

# `sam build` here makes the deploy build (.aws-sam/build, arm64). What it must hold (the layer's
# session_actions, an aarch64 pydantic-core and no AWS SDK, unchecked-hash bytecode beside every
# module, since Lambda's code folders are read-only) is checked once, by tests/test_template.py,
# which `make test` runs after this target: pytest says which file is wrong, and the build is
# checked the same way wherever it was made. Those tests skip without it, and fail in CI (CI=true).
check-template: $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(AWS_OFFLINE) $(SAM_VENV)/bin/sam validate
	$(AWS_OFFLINE) $(SAM_VENV)/bin/sam validate --lint
	$(AWS_OFFLINE) PYTHON=$(abspath $(SAM_VENV)/bin/python) $(SAM_VENV)/bin/sam build
	@# checkov cannot read Fn::ForEach: it scans the template as the SAM CLI expands it;
	@# .checkov.yaml holds the skips that hold for a whole resource type.
	$(AWS_OFFLINE) $(SAM_VENV)/bin/python infra/sessions_local/stack/sam_translation.py --expanded template.yaml > .aws-sam/expanded.json
	$(AWS_OFFLINE) $(CHECKOV_VENV)/bin/checkov -f .aws-sam/expanded.json --config-file .checkov.yaml

# Every pin file from one lock, uv.lock (README, "Pins"); uv is the dev extra's. Pins already in
# a file stay unless UPGRADE names them (UPGRADE=all: every one).
UPGRADE ?=
UV := UV_PYTHON_DOWNLOADS=never UV_PYTHON=$(abspath $(BIN)/python) $(BIN)/uv
UV_UPGRADE := $(if $(filter all,$(UPGRADE)),--upgrade,$(foreach name,$(UPGRADE),--upgrade-package $(name)))
UV_EXPORT := $(UV) export --frozen --quiet --no-emit-project --no-hashes
UV_COMPILE := $(UV) pip compile --no-config --quiet --universal --python-version 3.13 $(UV_UPGRADE)
lock: $(STAMP)
	$(UV) lock $(UV_UPGRADE)
	$(UV_EXPORT) --extra dev -o requirements-dev.lock
	@# The runtime folder is installed wheels-only, as Lambda's runtime is built; the SDK at
	@# the lock's versions.
	$(UV_COMPILE) --only-binary :all: -c requirements-dev.lock infra/tools/lambda-runtime.in -o infra/tools/lambda-runtime.txt
	@# The layer: what the project's dependencies need, less what the runtime carries.
	$(UV_EXPORT) $$(sed -n 's/^\([A-Za-z0-9._-]*\)==.*/--no-emit-package \1/p' infra/tools/lambda-runtime.txt) -o shared/requirements.txt
	$(UV_COMPILE) infra/tools/sam.in -o infra/tools/sam.txt
	$(UV_COMPILE) infra/tools/checkov.in -o infra/tools/checkov.txt

dev: setup
	$(BIN)/sessions-local serve --port $(PORT) $(foreach origin,$(ORIGIN),--allowed-origin '$(origin)')

bench: setup
	$(BIN)/python -m bench

openapi: setup
	$(BIN)/python -m sessions_openapi --write

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache $(DYNALITE)/node_modules $(FRONT_END)/node_modules $(dir $(FRONT_END_BUNDLE))
