# Allervers: `make run` serves the portal with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# pytest-xdist processes for `make test` (auto: one per CPU; 0 runs the suite in this process).
# Its default `--dist load` keeps pytest-django's order within each process (transactional tests,
# which empty the tables and so the migrations' rows, after the others); loadfile, loadscope,
# loadgroup and worksteal do not.
TEST_WORKERS ?= auto

.PHONY: run test install pdf-libs chromium migrate demo lint format lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock changes. Here the dev lock (the app and its test tools);
# production installs requirements.lock, without the test tools.
$(VENV)/.installed: requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed pdf-libs

# WeasyPrint (the PDF documents) needs Pango; installed here when missing and possible.
pdf-libs:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || { [ "$$(id -u)" = 0 ] \
	  && command -v apt-get >/dev/null && echo "Installing Pango for the PDF documents" \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; } \
	  || echo "Pango is missing: PDF documents cannot be made (apt-get install libpango-1.0-0 libpangoft2-1.0-0)."

migrate: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(BIN)/python manage.py demo_data
	DEBUG=1 $(BIN)/python manage.py ensure_admin
	DEBUG=1 $(BIN)/python manage.py demo_accounts

run: demo
	@echo "Allervers : http://$(HOST)/ (administration : http://$(HOST)/admin/, espace des organismes : http://$(HOST)/connexion/)"
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
	$(BIN)/pytest -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate both hashed locks from pyproject.toml's ranges, keeping their current pins where
# the ranges allow: requirements.lock (production) and requirements-dev.lock (with the dev
# extra), constrained by the first so that both pin the same versions.
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --quiet
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock

bench: install
	$(BIN)/python bench/catalogue.py

clean:
	rm -rf $(VENV) staticfiles sent_mail
