# Sessions API — the two commands are `make dev` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# .python-version selects 3.13 under pyenv; PYTHON may name another 3.13 interpreter.
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 3000

.PHONY: help setup dev test lint unit bench openapi clean

help:
	@echo "make dev    start the local API on http://127.0.0.1:$(PORT) (PORT=... to change)"
	@echo "make test   lint, type-check and run every test"
	@echo "make bench  cold-start and request-cost benchmarks"
	@echo "make openapi  regenerate docs/openapi.json from the handlers"

$(STAMP): pyproject.toml requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13) and "Python 3.13 is required (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

setup: $(STAMP)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared functions infra tests bench

# dynalite, the second DynamoDB the HTTP suites run against (tests/stores.py): pinned by
# tests/dynalite/package-lock.json and installed next to it; no package runs install scripts.
DYNALITE := tests/dynalite
DYNALITE_STAMP := $(DYNALITE)/node_modules/.installed

$(DYNALITE_STAMP): $(DYNALITE)/package.json $(DYNALITE)/package-lock.json
	@command -v npm >/dev/null || { echo "the tests need Node.js 20 or later and npm (for dynalite)"; exit 1; }
	cd $(DYNALITE) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

unit: setup $(DYNALITE_STAMP)
	$(BIN)/pytest

test: lint check-template unit

# template.yaml checked by AWS's own tools, offline: SAM CLI (validate, lint, build), cfn-lint
# and checkov, each in its own virtualenv under .tools/ (they pin their own boto3 and pydantic).
.PHONY: check-template
SAM_VENV := .tools/sam
CHECKOV_VENV := .tools/checkov
# No AWS account is needed or contacted: a fixed region, no telemetry, no instance-metadata lookup.
AWS_OFFLINE := SAM_CLI_TELEMETRY=0 AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
LAYER := .aws-sam/build/SessionActionsLayer/python

$(SAM_VENV)/.installed: infra/tools/sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

$(CHECKOV_VENV)/.installed: infra/tools/checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

check-template: $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(AWS_OFFLINE) $(SAM_VENV)/bin/sam validate
	$(AWS_OFFLINE) $(SAM_VENV)/bin/sam validate --lint
	$(AWS_OFFLINE) $(SAM_VENV)/bin/sam build
	@test -f $(LAYER)/session_actions/__init__.py || { echo "layer lacks python/session_actions"; exit 1; }
	@grep -q 'manylinux.*_aarch64' $(LAYER)/pydantic_core-*.dist-info/WHEEL || { echo "layer's pydantic-core is not an arm64 build"; exit 1; }
	$(AWS_OFFLINE) $(SAM_VENV)/bin/cfn-lint template.yaml
	$(AWS_OFFLINE) $(CHECKOV_VENV)/bin/checkov -f template.yaml --framework cloudformation --skip-download --quiet --compact

dev: setup
	$(BIN)/sessions-local serve --port $(PORT)

bench: setup
	$(BIN)/python -m bench

openapi: setup
	$(BIN)/python -m sessions_local.openapi --write

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache $(DYNALITE)/node_modules
