# Set-up contract: `make run` and `make test` on a fresh machine do all the set-up.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Starts embedded PostgreSQL / Redis for the command when DATABASE_URL / REDIS_URL are unset.
EMBEDDED := $(BIN)/python -m iop.embedded
CHROMIUM := /usr/bin/chromium

.PHONY: run test install lock assets browser lint format typecheck bench backup restore manage totp clean

run: install
	$(EMBEDDED) $(BIN)/python manage.py rundev

# Two pytest workers (one per core), each with its own test database and Redis database
# (tests/settings.py); `make test PYTEST_ARGS="-n 0 tests/iop"` runs some tests in one process.
test: install browser
	$(EMBEDDED) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

install: $(VENV)/.installed .env static/vendor/.installed var/staticfiles

# STATIC_ROOT; collectstatic fills it in production, whitenoise wants it to exist.
var/staticfiles:
	mkdir -p $@

# requirements*.txt are locks: every package pinned with its hashes, and pip refuses anything else.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

# After changing a pin in requirements*.in: re-resolve the locks (kept pins stay unless
# LOCK_ARGS="--upgrade" or LOCK_ARGS="--upgrade-package NAME"), then `make install`.
LOCK := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock: $(VENV)/.installed
	$(LOCK) --output-file requirements.txt requirements.in
	$(LOCK) --output-file requirements-dev.txt requirements-dev.in

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

# The code a demo account signs in with after its password (the demo's authenticators share one
# known secret): make totp USER=clinician1, beside `make run`. It needs no broker: the URL is only
# parsed, so no second embedded Redis takes over the socket of the one `make run` started.
totp: install
	REDIS_URL=redis://localhost/0 $(EMBEDDED) $(BIN)/python manage.py totp $(USER)

# Back up the database (embedded or DATABASE_URL) to var/backups/, or OUTPUT=path.dump; restore one
# over it (the app stopped) with FILE=path.dump. The README says how a clinic keeps six years.
backup: install
	$(EMBEDDED) $(BIN)/python manage.py backup $(if $(OUTPUT),--output $(OUTPUT))

restore: install
	@test -n "$(FILE)" || (echo "make restore FILE=var/backups/NAME.dump" && exit 2)
	$(EMBEDDED) $(BIN)/python manage.py restore $(FILE)

bench: install
	$(EMBEDDED) $(BIN)/python manage.py bench

clean:
	rm -rf $(VENV) node_modules static/vendor var
