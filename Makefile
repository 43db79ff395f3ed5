# Set-up contract: `make run` and `make test` on a fresh machine do all the set-up.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Starts embedded PostgreSQL / Redis for the command when DATABASE_URL / REDIS_URL are unset.
EMBEDDED := $(BIN)/python -m iop.embedded
CHROMIUM := /usr/bin/chromium

.PHONY: run test install assets browser lint format typecheck bench manage clean

run: install
	$(EMBEDDED) $(BIN)/python manage.py rundev

test: install browser
	$(EMBEDDED) $(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed .env static/vendor/.installed var/staticfiles

# STATIC_ROOT; collectstatic fills it in production, whitenoise wants it to exist.
var/staticfiles:
	mkdir -p $@

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Development settings: DEBUG on and a random key that stays on this machine (never committed).
.env:
	printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$(openssl rand -hex 32)" > $@

assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	   node_modules/htmx.org/dist/htmx.min.js static/vendor/
	touch $@

# The browser tests drive Debian's Chromium (Playwright's own download does not work here).
browser: $(CHROMIUM)
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# mypy's Django plugin loads the settings, which only parse these URLs (nothing connects).
	DATABASE_URL=postgres://lint@localhost/lint REDIS_URL=redis://localhost/0 $(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Any manage.py command on the embedded servers: make manage ARGS="createsuperuser"
manage: install
	$(EMBEDDED) $(BIN)/python manage.py $(ARGS)

bench: install
	$(EMBEDDED) $(BIN)/python manage.py bench

clean:
	rm -rf $(VENV) node_modules static/vendor var
