# Two commands for a newcomer: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PERSONS ?= 114000
HOST ?= 127.0.0.1:8000

.PHONY: demo test install install-test serve lint format migrations-check messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when pyproject.toml changes, so a second `make demo` starts in seconds.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The local master key (var/keys/master.key, git-ignored): the app will not start without one.
install: $(VENV)/.installed
	$(BIN)/python manage.py create_master_key --if-missing
install-test: $(VENV)/.installed-test install

# `serve` runs the web server and the background-job worker together; Ctrl-C stops both.
demo: install
	$(BIN)/python manage.py prepare_demo --persons $(PERSONS)
	$(BIN)/python manage.py serve $(HOST)

serve: install
	$(BIN)/python manage.py serve $(HOST)

test: install-test
	$(BIN)/python scripts/run_tests.py $(TEST_ARGS)

lint: install-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

format: install-test
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# Extract and compile the zh-Hans catalog (src/tongxing/locale); translate the .po in between.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore ".venv/*" --ignore "tests/*" --ignore "benchmarks/*"
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore ".venv/*"

bench: install-test
	$(BIN)/python benchmarks/demo_generation.py
	$(BIN)/python benchmarks/registry_search.py --keep
	$(BIN)/python benchmarks/crypto_primitives.py
	$(BIN)/python benchmarks/crypto.py
	$(BIN)/python benchmarks/job_overhead.py
	$(BIN)/python benchmarks/survey_progress.py --keep
	$(BIN)/python benchmarks/payroll.py
	$(BIN)/python benchmarks/import.py
	$(BIN)/python benchmarks/quota.py
	$(BIN)/python benchmarks/unemployment_warning.py
	$(BIN)/python benchmarks/reconcile.py
	$(BIN)/python benchmarks/inbox.py --keep
	$(BIN)/python benchmarks/portal_pages.py
	$(BIN)/python benchmarks/indicators.py
	$(BIN)/python benchmarks/risk.py

clean:
	rm -rf $(VENV) var
