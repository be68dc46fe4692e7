# Sessions API — the two commands are `make dev` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# .python-version selects 3.13 under pyenv; PYTHON may name another 3.13 interpreter.
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 3000

.PHONY: help setup dev test lint unit bench clean

help:
	@echo "make dev    start the local API on http://127.0.0.1:$(PORT) (PORT=... to change)"
	@echo "make test   lint, type-check and run every test"
	@echo "make bench  cold-start and request-cost benchmarks"

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

unit: setup
	$(BIN)/pytest

test: lint unit

dev: setup
	$(BIN)/sessions-local serve --port $(PORT)

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
