# `make run`: a working eCRF on embedded defaults (SQLite, a filesystem Celery broker).
# `make test`: the whole suite on PostgreSQL and Redis, browser tests included.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# What the tests run against; override on the command line or in the environment.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/esotrial
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint format clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: export DEBUG ?= 1
run: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) send_visit_reminders  # today's digests, printed by the console mail backend
	@echo
	@echo "  ESO-Shanghai20 eCRF: http://127.0.0.1:8000   (Ctrl-C stops the server, Celery worker and beat)"
	@echo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --procfile Procfile.dev start

test: export DATABASE_URL ?= $(TEST_DATABASE_URL)
test: export REDIS_URL ?= $(TEST_REDIS_URL)
test: export DEBUG ?= 1
test: $(VENV)/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles
