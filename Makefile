# Two entry points a user needs: `make demo` and `make test`. Everything else is plumbing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint format lock airflow clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,celery]'
	touch $(STAMP)

# The offline demo web (tools/demo, from this checkout) and one pipeline pass on it.
demo: venv
	$(BIN)/newsflow demo

test: venv
	bash scripts/ci-system-deps.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -ra

# A local Airflow (api-server, scheduler, dag-processor, triggerer) on the loopback demo web
# (tools/airflow_local, from this checkout).
airflow: venv
	$(BIN)/newsflow airflow

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-resolve the lock: a fresh venv, install the ranges in pyproject.toml, freeze.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/python -m pip install --quiet --upgrade "pip>=24"
	.lockvenv/bin/python -m pip install --quiet -e '.[dev,celery]'
	{ head -3 constraints.txt; .lockvenv/bin/pip freeze --exclude-editable | grep -v '^newsflow'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf .lockvenv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache sql/target sql/logs demo-data
