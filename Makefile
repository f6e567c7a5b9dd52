# The README's two commands: `make run` (set up the runtime, build the demo database on
# first start, open the map) and `make test` (set up with the dev tools, lint, type-check,
# run every test including the browser ones).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup runtime run test lint typecheck browser bench wheel-check clean

# The runtime only (what `make run` needs): controlmap and its dependencies, editable.
runtime: $(VENV)/.runtime

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# The runtime plus the dev and test tools (pytest, ruff, mypy, playwright, ...).
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.runtime $@

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

run: runtime
	@echo "controlmap is installed in $(abspath $(VENV)) (not on your PATH):"
	@echo "  run $(abspath $(VENV))/bin/controlmap --help, or source $(VENV)/bin/activate first"
	$(VENV)/bin/controlmap serve

lint: setup
	$(VENV)/bin/ruff check .

typecheck: setup
	$(PY) -m mypy

test: setup browser lint typecheck
	$(PY) -m pytest

# Build the wheel, install it into a fresh virtualenv in an empty folder, run the CLI and
# the app from there (tests/test_install.py; CI runs it).
wheel-check: setup
	CONTROLMAP_WHEEL_CHECK=1 $(PY) -m pytest -q -p no:cacheprovider tests/test_install.py

bench: setup
	$(PY) bench/bench_geocode.py
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_snapshot.py

clean:
	rm -rf $(VENV) controlmap.db .pytest_cache build *.egg-info
