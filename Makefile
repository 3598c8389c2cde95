# Two commands for a newcomer: `make site` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VAULT ?= vault
OUT ?= public

.PHONY: site test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/garden build $(VAULT) -o $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check garden tests
	$(BIN)/ruff format --check garden tests
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format garden tests
	$(BIN)/ruff check --fix garden tests

test: lint
	$(BIN)/pytest -n auto

clean:
	rm -rf $(OUT) .garden-cache .pytest_cache
