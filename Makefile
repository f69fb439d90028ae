# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test run lint typecheck contracts pytest sim-soak soak-restart jepsen bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP) lint typecheck contracts pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/rabia

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -n 2 tests

run: $(STAMP)
	$(BIN)/rabia up

# Long runs, not part of `make test`.
sim-soak: $(STAMP)
	$(BIN)/rabia sim --nodes 3 --seeds 2000
	$(BIN)/rabia sim --nodes 5 --seeds 1000

# kill -9 the whole cluster under load and restart it, 20 times.
soak-restart: $(STAMP)
	RESTART_ROUNDS=20 $(BIN)/pytest -q tests/e2e/test_restart.py

# Nemesis runs on real processes (docs/jepsen.md): 20 x 60 s, nemesis and workload rotating.
jepsen: $(STAMP)
	$(BIN)/rabia jepsen --runs 20 --duration 60

bench: $(STAMP)
	$(BIN)/python benchmarks/core_bench.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
