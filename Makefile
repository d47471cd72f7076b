# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SAMPLE := sample_data/kaifeng.gpkg

.PHONY: run demo test lint typecheck pytest install clean sample vendor

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/waterops serve --demo

demo: $(STAMP)
	$(BIN)/waterops demo $(SAMPLE)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

sample: $(STAMP)
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
