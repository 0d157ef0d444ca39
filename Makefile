# `make run`: a working eCRF on embedded defaults (SQLite, a filesystem Celery broker).
# `make test`: the whole suite on PostgreSQL and Redis, browser tests included.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# What the tests run against; override on the command line or in the environment.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/esotrial
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

# Translation catalogues: the .po files are committed, the compiled .mo files are built here (polib,
# so no system gettext is needed to run the eCRF; `make messages` needs GNU gettext's xgettext).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

.PHONY: run test lint format clean messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

locale/%.mo: locale/%.po $(VENV)/.installed
	$(PY) -c "import sys, polib; polib.pofile(sys.argv[1]).save_as_mofile(sys.argv[2])" $< $@

# After adding or changing user-facing strings: update the catalogue, then translate what it marks new.
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l zh_Hans

run: export DEBUG ?= 1
run: $(VENV)/.installed $(CATALOGUES)
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
test: $(VENV)/.installed $(CATALOGUES)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles $(CATALOGUES)
