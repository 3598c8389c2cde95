# Two commands for a newcomer: `make site` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VAULT ?= vault
OUT ?= public

.PHONY: site test lint format bench bench-quick bench-images fuzz mutate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/garden build $(VAULT) -o $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check garden tests bench
	$(BIN)/ruff format --check garden tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format garden tests bench
	$(BIN)/ruff check --fix garden tests bench

# PYTHONDONTWRITEBYTECODE emptied: pytest and its plugins are compiled once, not in every worker
# (tests/conftest.py does the same for the processes the tests start).
test: lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n auto --dist worksteal

# Not part of `make test`: random vaults (10,000+ generated notes) and a 5 MB note through the whole
# pipeline, looking for crashes and leaks; prints how many notes went through; 2,000 random canvases.
fuzz: $(STAMP)
	GARDEN_FUZZ=1 $(BIN)/pytest -p no:xdist -q -s tests/hostile/test_properties.py tests/hostile/test_bad_input.py \
		tests/test_canvas.py::test_any_json_gives_a_consistent_canvas

# Not part of `make test`: generated vaults are cached in ~/.cache/garden-bench (GARDEN_BENCH_CACHE).
bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick

# 200 photo-like images of 1-12 MP: cold (1 process, all cores), warm, and the decode+encode floor.
bench-images: $(STAMP)
	$(BIN)/python -m bench.images

# Not part of `make test` (an hour or more on two cores): mutation testing of the modules that decide
# what is published, where links go and what is written where; prints the score of each module.
# MUTATE_MODULES picks some of them; MUTATE_JOBS mutants run at once. See
# vault/Development/Mutation testing.md.
MUTATE_MODULES ?= publish resolve paths emit lock scan frontmatter
MUTATE_JOBS ?= 2
mutate: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run $(foreach m,$(MUTATE_MODULES),'garden.$(m).*') --max-children $(MUTATE_JOBS)
	$(BIN)/python tests/mutation_score.py --recheck $(MUTATE_MODULES)

clean:
	rm -rf $(OUT) .pytest_cache build dist mutants
