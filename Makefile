# CivicGrid — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SEED   ?= 1
PIP_INSTALL := $(BIN)/pip install -q --disable-pip-version-check --build-constraint constraints-build.txt

.PHONY: run test install install-dev lint bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade "pip>=25.3"

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints-build.txt
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP_INSTALL) -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: set up, migrate, load the demo district (first time only) and serve on HOST:PORT
run: install
	$(BIN)/civicgrid migrate --noinput -v 0
	$(BIN)/civicgrid demo --seed $(SEED) --if-empty
	$(BIN)/civicgrid serve --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite unless DATABASE_URL is set)
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

bench: install-dev
	$(BIN)/python benchmarks/bench_grid_lookup.py

messages: install-dev
	cd src/civicgrid && ../../$(BIN)/civicgrid makemessages -l zh_Hans -l en --no-obsolete && ../../$(BIN)/civicgrid compilemessages

clean:
	rm -rf $(VENV) var
