# The two commands of the README: `make run` (set up, serve the shipped data) and `make test` (set up,
# install the system packages the browser/image tests need, run every check and test).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8050
DEBIAN_PACKAGES := chromium chromium-driver fonts-noto-cjk fonts-dejavu-core poppler-utils libreoffice-calc-nogui nginx-light postgresql libreoffice-writer-nogui

.PHONY: setup serving system run test lint typecheck unit quotes screenshots

# Two stamps: `make run` installs only what serving needs (the package and its dependencies); the dev extras
# (pytest, mypy, ruff, playwright, …) come with `make test` and the other developer targets.
$(VENV)/.serving: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: $(VENV)/.serving
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

serving: $(VENV)/.serving

setup: $(VENV)/.installed

# Debian's Chromium, its driver, CJK and Latin (DejaVu) fonts, poppler (PDF text), PostgreSQL (the desk's tests start a
# throwaway server, tests/postgres.py), LibreOffice Calc (proves exported CSV/xlsx run no formula) and Writer (prints
# the PDFs of the extract format tests): installed only when something is missing.
system:
	@missing=""; \
	for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make system: needs root to install:$$missing" >&2; exit 1; fi; \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

run: serving
	$(VENV)/bin/uniondash validate
	$(VENV)/bin/uniondash serve --host $(HOST) --port $(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

unit: setup
	$(VENV)/bin/pytest -m "not browser"

test: system setup lint typecheck
	$(VENV)/bin/pytest

screenshots: system setup
	$(PY) scripts/screenshots.py
