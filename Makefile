# evalstats — two commands for a fresh machine (Python 3.11 and make present):
#   make demo   create .venv, install, write the demo data if absent, run the main job
#   make test   install the test extras into .venv, lint, run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test lint format install clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/evalstats demo --if-absent
	$(BIN)/evalstats validate data/raw/2026H1
	$(BIN)/evalstats validate data/raw/2026A
	$(BIN)/evalstats run half-year --cycle 2026H1
	$(BIN)/evalstats run annual --cycle 2026A

lint: $(TSTAMP)
	$(BIN)/ruff check evalstats tests benchmarks
	$(BIN)/ruff format --check evalstats tests benchmarks
	$(BIN)/lint-imports

format: $(TSTAMP)
	$(BIN)/ruff format evalstats tests benchmarks
	$(BIN)/ruff check --fix evalstats tests benchmarks

test: lint
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q -m install

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
