# Tabel: the two commands of the Quick start are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
DEB_PACKAGES := chromium fonts-dejavu-core poppler-utils

.PHONY: run test setup setup-test translations system-packages db bench lint messages clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Re-install only when pyproject.toml changes.
$(VENV)/.stamp-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-app
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.stamp-app translations

setup-test: $(VENV)/.stamp-test translations system-packages

translations: $(VENV)/.stamp-app
	$(BIN)/pybabel compile -d translations

# Debian packages the browser and PDF tests need; installed when missing and we are root.
system-packages:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages:$$missing - run: sudo apt-get install -y$$missing"; exit 1; fi; \
	fi

# DEMO=0 starts an empty journal: the first page then creates a real school (or run
# `flask --app app school create`). The default shows the product with a generated school.
DEMO ?= 1
db: setup
	$(FLASK) db upgrade
	@if [ "$(DEMO)" != "0" ]; then $(FLASK) demo --if-empty; fi

# The report worker (huey_consumer, hard copies in the background) runs beside the server.
run: db
	@echo "Tabel is at http://$(HOST):$(PORT)/ (Ctrl-C stops it). Demo accounts: see README.md"
	@sh scripts/run.sh $(BIN) $(HOST) $(PORT)

test: setup-test
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup-test
	$(BIN)/python bench/run.py

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check .

# For developers: refresh the catalogs after changing strings.
messages: $(VENV)/.stamp-app
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output --ignore-dirs=".venv tests bench" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
