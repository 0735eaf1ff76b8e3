# Two commands: `make run` (set up and serve the app with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_ENV := DJANGO_SETTINGS_MODULE=tests.settings

.PHONY: install run serve test bench loadtest crashtest lint format clean-dev

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# `make run PORT=8010` when 8000 is taken.
PORT ?= 8000

run: install
	$(PY) -m config.devsetup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The production configuration tried locally (docs/deploy.md): DEBUG off, compressed static
# files from collectstatic, gunicorn (config/gunicorn.conf.py) on 127.0.0.1:$PORT (8000 unless
# PORT is set), the database and keys named in .env; migrations applied first. There is no TLS
# here, so it sets DJANGO_SECURE_COOKIES=false and DJANGO_SSL_REDIRECT=false (no HTTPS redirect,
# no HSTS, no __Host- cookies) for this local trial ONLY: never on a server with real records.
SERVE_ENV := DJANGO_DEBUG=false DJANGO_SECURE_COOKIES=false DJANGO_SSL_REDIRECT=false \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}"

serve: install
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(VENV)/bin/gunicorn -c config/gunicorn.conf.py config.wsgi

# The suite runs on TEST_WORKERS xdist workers ("auto": one more than the cores; tests/conftest.py
# says how the work is split, each worker has its own test database), under branch coverage of
# every app: the total is printed, and the run fails below [tool.coverage.report] fail_under in
# pyproject.toml (`.venv/bin/coverage report -m` afterwards lists what was missed).
TEST_WORKERS ?= auto

test: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(TEST_WORKERS) --cov --cov-report=

bench: install
	@$(PY) bench/run.py

# Twenty therapists for 60 s against gunicorn; then, for crashtest, 20 kills mid-write. Each on
# SQLite, on PostgreSQL, and with two app servers (two gunicorns, requests alternating) sharing
# PostgreSQL; a PostgreSQL that does not answer is said on stderr and its runs skipped. About 6
# minutes each on a 2-core machine (longer when it is busy). JSON lines on stdout.
loadtest: install
	@$(PY) -m bench.loadtest

crashtest: install
	@$(PY) -m bench.crashtest

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
