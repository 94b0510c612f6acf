# Inocenți — developer commands. `make` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Development and tests run with DEBUG on unless the caller says otherwise;
# production never runs through this Makefile.
export DEBUG ?= true

.PHONY: help install run test lint migrations-check messages compile-messages db-stop bench-register bench bench-drop \
	backup restore

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ").")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP) compile-messages ## Create .venv, install the project, compile translations

compile-messages: $(STAMP)
	@$(PY) -m inocenti.i18n compile

run: install ## Demo site on the embedded PostgreSQL at http://127.0.0.1:8000/
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install lint ## Lint, then run the whole test suite (browser tests included)
	$(PY) -m pytest

lint: $(STAMP) ## ruff check and ruff format --check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench-register: install ## Time the register (30 children) against /health/ and weigh the page
	$(PY) manage.py migrate --no-input
	$(PY) manage.py bench_register

migrations-check: $(STAMP) ## Fail if a model change has no migration
	$(PY) manage.py makemigrations --check --dry-run

messages: $(STAMP) ## Regenerate locale/ro from the source (needs GNU gettext)
	$(PY) manage.py makemessages --locale ro --no-obsolete --no-location --ignore '.venv/*' --ignore 'staticfiles/*'
	@$(MAKE) --no-print-directory compile-messages

backup: install ## Write a compressed pg_dump of the database to backups/ (or BACKUP_DIR)
	$(PY) manage.py backup

restore: install ## Restore FILE=backups/inocenti-….dump into an empty database
	@if [ -z "$(FILE)" ]; then \
		echo "Say which backup to restore: make restore FILE=backups/inocenti-YYYYMMDD-HHMMSS.dump" >&2; \
		exit 2; \
	fi
	$(PY) manage.py restore "$(FILE)"

db-stop: ## Stop an embedded PostgreSQL left running
	@if [ -x $(PY) ]; then $(PY) -m inocenti.database stop; else echo "Nothing to stop: no .venv yet."; fi

# The benchmark's database: on the same embedded server, apart from the demo's.
BENCH_DB ?= inocenti_bench
BENCH_ARGS ?=
bench: install ## Build (or reuse) the 10-site, 10-year history in inocenti_bench and time the pages
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "make bench uses the embedded PostgreSQL; unset DATABASE_URL (it must not touch that server)." >&2; \
		exit 2; \
	fi
	EMBEDDED_DATABASE_NAME=$(BENCH_DB) $(PY) manage.py migrate --no-input
	EMBEDDED_DATABASE_NAME=$(BENCH_DB) $(PY) manage.py seed_demo --bench $(BENCH_ARGS)
	EMBEDDED_DATABASE_NAME=$(BENCH_DB) $(PY) manage.py bench
	@echo "The same pages on the demo's database (their query counts must not grow with the data):"
	-@$(PY) manage.py bench --counts-only

bench-drop: install ## Drop the benchmark's database (the next make bench builds it again)
	$(PY) -m inocenti.database drop $(BENCH_DB)
