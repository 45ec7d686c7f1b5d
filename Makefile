# evalstats — two commands for a fresh machine (Python 3.11 and make present):
#   make demo   create .venv, install, write the demo data if absent, run the main job
#   make test   install the test extras into .venv, lint, run the whole suite
# (make wheelhouse: a folder of wheels for installing without internet access; see README)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test lint format install clean bench wheelhouse bytecode

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

# the package's bytecode written once, as installing a wheel does (an editable install leaves
# it to the first import, which cannot write it where PYTHONDONTWRITEBYTECODE is set: then
# every process — the runner, each notebook kernel — compiles the package again, ~0.3 s each)
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q evalstats

demo: bytecode
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

# the suite on every core (pytest-xdist; a file's tests stay on one worker, so its fixtures are
# shared as written), the wheel-in-a-fresh-venv test (-m install) among them
test: lint bytecode
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m "install or not install"

bench: bytecode
	$(BIN)/python benchmarks/run.py

# make wheelhouse: the evalstats wheel in dist/ and it with every dependency in wheels/, for an
# office machine without internet access (pip install --no-index --find-links wheels evalstats).
#   EXTRAS=lab (default) adds JupyterLab; EXTRAS= leaves it out.
#   PLATFORM=win_amd64 PYVER=3.11 downloads for Windows (64-bit, Python 3.11) from any machine
#   (binary wheels only; tools/wheelhouse.py adds the Windows-only dependencies pip skips on
#   Linux, e.g. colorama); use another WHEELS folder than the one for this machine.
WHEELS   ?= wheels
EXTRAS   ?= lab
PLATFORM ?=
PYVER    ?= 3.11
wheelhouse: $(STAMP)
	rm -f dist/evalstats-*.whl
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	$(BIN)/python -m pip download --quiet --dest $(WHEELS) \
	  $(if $(PLATFORM),--platform $(PLATFORM) --python-version $(PYVER) --only-binary=:all:) \
	  "$$(ls dist/evalstats-*.whl)$(if $(EXTRAS),[$(EXTRAS)])"
	$(BIN)/python tools/wheelhouse.py $(WHEELS) --root "$$(ls dist/evalstats-*.whl)$(if $(EXTRAS),[$(EXTRAS)])" \
	  $(if $(PLATFORM),--platform $(PLATFORM) --python-version $(PYVER))
	@echo "$(WHEELS)/: $$(ls $(WHEELS) | wc -l) files, $$(du -sh $(WHEELS) | cut -f1)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
