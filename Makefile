# The README's two commands: `make run` (set up, build the demo database, open the map)
# and `make test` (set up, lint, run every test including the browser ones).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup run test lint browser bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

run: setup
	$(VENV)/bin/controlmap serve

lint: setup
	$(VENV)/bin/ruff check .

test: setup browser lint
	$(PY) -m pytest

bench: setup
	$(PY) bench/bench_geocode.py
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_snapshot.py

clean:
	rm -rf $(VENV) controlmap.db .pytest_cache
