# Allervers: `make run` serves the portal with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test install chromium migrate demo lint format lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock changes.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(BIN)/python manage.py demo_data
	DEBUG=1 $(BIN)/python manage.py ensure_admin

run: demo
	@echo "Allervers : http://$(HOST)/ (administration : http://$(HOST)/admin/)"
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST)

# Browser tests drive Debian's Chromium (no browser download); installed here when possible.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && echo "Installing Chromium for the browser tests" && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "Chromium is missing: the browser tests will be skipped (apt-get install chromium)."

test: install chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the pinned lock from pyproject.toml's ranges.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

bench: install
	$(BIN)/python bench/catalogue.py

clean:
	rm -rf $(VENV) staticfiles sent_mail
