# Two commands on a fresh machine: `make run` and `make test`.
# Both install from the locks in requirements/ (every package pinned and hash-checked, nothing is
# resolved at install time): `make run` the service's set (run.txt), `make test`, `lint` and
# `typecheck` the development set (dev.txt: the service's plus test and lint tools). `make lock`
# regenerates both from pyproject.toml (docs/decisions.md, "Locked dependencies").
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCKS  := requirements
RUN_STAMP := $(VENV)/.run-stamp
DEV_STAMP := $(VENV)/.dev-stamp
SAMPLE := sample_data/kaifeng.gpkg
UV_VERSION := 0.13.9

# A lock is complete and every line carries its hashes: no dependency resolution, no download of
# anything that is not in it. waterops itself is installed editable on top, without its deps.
PIP_LOCKED := $(BIN)/python -m pip install --quiet --require-hashes --no-deps
PIP_SELF   := $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .

.PHONY: run demo test lint typecheck pytest install install-dev lock clean sample vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Each set has its stamp, so that a `make test` after `make run` adds the development set, and a
# changed lock (or pyproject.toml) installs again; installs add to the venv (`make clean` for a
# fresh one).
$(RUN_STAMP): $(LOCKS)/run.txt pyproject.toml | $(BIN)/python
	$(PIP_LOCKED) -r $(LOCKS)/run.txt
	$(PIP_SELF)
	touch $@

$(DEV_STAMP): $(LOCKS)/dev.txt pyproject.toml | $(BIN)/python
	$(PIP_LOCKED) -r $(LOCKS)/dev.txt
	$(PIP_SELF)
	touch $@

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

run: $(RUN_STAMP)
	$(BIN)/waterops serve --demo $(if $(PORT),--port $(PORT))

demo: $(RUN_STAMP)
	$(BIN)/waterops demo $(SAMPLE)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

# Regenerate the locks with uv (one universal lock for Linux, macOS and Windows, Python >= 3.11).
# Pins already in the locks are kept; `make lock UPGRADE=1` moves every package to its newest
# allowed release, `make lock UPGRADE_PACKAGE=ortools` that one package (and what it needs). Run
# the whole `make test` before committing new locks.
LOCK_FLAGS := --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade) \
	$(if $(UPGRADE_PACKAGE),--upgrade-package $(UPGRADE_PACKAGE))
# Each lock is compiled on a copy (uv keeps the pins it finds there) and replaces the lock only
# when it changed, so that an unchanged lock does not make the venvs install again.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	cp $(LOCKS)/run.txt $(LOCKS)/run.txt.new
	$(BIN)/uv pip compile $(LOCK_FLAGS) --extra inp \
	    pyproject.toml $(LOCKS)/build.in -o $(LOCKS)/run.txt.new
	cmp -s $(LOCKS)/run.txt.new $(LOCKS)/run.txt && rm $(LOCKS)/run.txt.new \
	    || mv $(LOCKS)/run.txt.new $(LOCKS)/run.txt
	cp $(LOCKS)/dev.txt $(LOCKS)/dev.txt.new
	$(BIN)/uv pip compile $(LOCK_FLAGS) --extra inp --extra dev --constraint $(LOCKS)/run.txt \
	    pyproject.toml $(LOCKS)/build.in -o $(LOCKS)/dev.txt.new
	cmp -s $(LOCKS)/dev.txt.new $(LOCKS)/dev.txt && rm $(LOCKS)/dev.txt.new \
	    || mv $(LOCKS)/dev.txt.new $(LOCKS)/dev.txt

sample: $(RUN_STAMP)
	$(BIN)/python -m sample_data.generate --out $(SAMPLE)

# The console's front-end libraries and the Swagger UI of /docs, from npm, copied into the served
# folder (committed, so that neither `make run` nor the service needs npm or a CDN).
VENDOR := api/web/static/vendor
vendor:
	cd web && npm ci --no-audit --no-fund
	rm -rf $(VENDOR)/leaflet && mkdir -p $(VENDOR)/leaflet
	cp -r web/node_modules/leaflet/dist/leaflet.js web/node_modules/leaflet/dist/leaflet.css \
	    web/node_modules/leaflet/dist/images web/node_modules/leaflet/LICENSE $(VENDOR)/leaflet/
	rm -rf $(VENDOR)/swagger-ui && mkdir -p $(VENDOR)/swagger-ui
	cd web/node_modules/swagger-ui-dist && cp swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE \
	    $(CURDIR)/$(VENDOR)/swagger-ui/

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
