# The two commands: `make run` serves the store, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-slow lint format bench clean localstripe

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: export TUNEMETER_DEMO_PAYMENTS ?= 1
# The demo store is German and registered for the EU One-Stop Shop: checkouts show VAT.
run: export TUNEMETER_STORE_COUNTRY ?= DE
run: export TUNEMETER_EU_OSS ?= 1
run: $(VENV)/.installed
	$(BIN)/tunemeter migrate --noinput
	$(BIN)/tunemeter demo --if-empty --defer-logins --url http://$(HOST):$(PORT)
	$(BIN)/tunemeter serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest
	$(MAKE) test-slow

# A fake Stripe on loopback for card top-ups in development (README, "Card top-ups"):
# it signs and posts its events to the store that `make run` serves.
STRIPE_WEBHOOK_SECRET ?= whsec_local
localstripe: $(VENV)/.installed-test
	$(BIN)/python -m tunemeter.ops.localstripe serve --port 8420 \
		--webhook http://$(HOST):$(PORT)/stripe/webhook --secret $(STRIPE_WEBHOOK_SECRET)

# Crash loops, fuzzing, clusters and load: run once; scale up with SLOW_SCALE=N.
SLOW_SCALE ?= 1
test-slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest --slow --slow-scale $(SLOW_SCALE) tests/slow || [ $$? -eq 5 ]

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(VENV)/.installed
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) build src/*.egg-info
