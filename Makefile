# Two commands do all the set-up: `make run` and `make test`. Both install exactly the
# versions in requirements/dev.lock (hash-checked) into .venv; `make lock` refreshes the
# lock from pyproject.toml, `make test-latest` runs every check against the newest
# releases in a throw-away venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements/dev.lock

.PHONY: test tools run lint typecheck contracts pytest pytest-pure compiled lock test-latest \
	sim-soak soak-restart jepsen bench bench-redis fuzz garbage clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The lock pins pip, setuptools and wheel too, so the editable install builds with the
# locked back end (no build isolation, nothing fetched unpinned).
$(STAMP): $(BIN)/python $(LOCK) pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

test: $(STAMP) tools lint typecheck contracts pytest pytest-pure

# The checks run with the tools of CHECK_BIN: the locked venv, or test-latest's.
CHECK_BIN  ?= $(BIN)
CHECK_DEPS := $(if $(filter $(BIN),$(CHECK_BIN)),$(STAMP))

# The compiled build (ADR 0018): a copy of src/ whose hot modules (rabia.compiled.MODULES)
# mypyc compiled, in build/compiled/src. `make test` runs the whole suite on it and the
# core, codec and simulator tests (and `rabia sim`, compared) on pure Python; `make run`
# runs it. Without a C compiler (one WARNING line), or with PURE=1, everything runs pure
# Python (what `pip install` gives). Rebuilt when a source changes (about 40 s from
# scratch on 2 cores; only what changed is copied, unchanged C is not recompiled).
COMPILED     := build/compiled
COMPILED_OK  := $(COMPILED)/.built
SOURCES      := $(shell find src/rabia -type f -name '*.py' -not -path '*/__pycache__/*')
USE_COMPILED := $(if $(PURE),,$(if $(filter $(BIN),$(CHECK_BIN)),$(COMPILED_OK)))
WITH_BUILD    = $(if $(USE_COMPILED),if [ -f $(COMPILED_OK) ]; then \
	export PYTHONPATH="$(abspath $(COMPILED))/src"; echo "(compiled build)"; fi;,\
	$(if $(PURE),echo "WARNING: PURE=1: everything runs pure Python (no compiled build)" >&2;))

compiled: $(COMPILED_OK)

$(COMPILED_OK): $(STAMP) $(SOURCES) scripts/build_compiled.py
	@rm -f $@
	@if $(BIN)/python scripts/build_compiled.py build $(COMPILED); then touch $@; fi

# Refresh the lock after editing pyproject.toml: keeps every pin that still satisfies it.
# `make lock UPGRADE=1` moves every package to its newest release instead.
LOCK_TOOL := uv==0.13.10
LOCK_VENV := .venv-lock
lock:
	test -x $(LOCK_VENV)/bin/uv || { $(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/pip install --quiet --disable-pip-version-check $(LOCK_TOOL); }
	$(LOCK_VENV)/bin/uv pip compile --quiet pyproject.toml requirements/build.in \
		--extra dev --universal --python-version 3.11 --generate-hashes \
		-c requirements/constraints.in $(if $(UPGRADE),--upgrade) -o $(LOCK)

# The whole check against the newest releases pyproject.toml allows, in a throw-away
# venv: drift is found here, on purpose. Prints what differs from the lock first.
LATEST := .venv-latest
test-latest: tools
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools wheel
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade -e '.[dev]'
	$(LATEST)/bin/python scripts/lock_drift.py $(LOCK)
	RABIA_UNLOCKED=1 $(MAKE) --no-print-directory lint typecheck contracts pytest \
		CHECK_BIN=$(LATEST)/bin
	rm -rf $(LATEST)

# redis-cli (tests) and redis-server/redis-benchmark (bench-redis), from Debian's packages
# when missing and apt-get is usable (root, or passwordless sudo); otherwise a warning and
# the tests that need redis-cli skip (under CI=true they fail instead).
REDIS_PKGS := redis-tools redis-server
tools:
	@if command -v redis-cli >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1; then \
		:; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "WARNING: redis-cli/redis-server missing and no apt-get: install $(REDIS_PKGS) yourself" >&2; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing $(REDIS_PKGS) with apt-get"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(REDIS_PKGS) >/dev/null; } \
		|| echo "WARNING: apt-get could not install $(REDIS_PKGS)" >&2; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		echo "installing $(REDIS_PKGS) with sudo apt-get"; \
		{ sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $(REDIS_PKGS) >/dev/null; } \
		|| echo "WARNING: apt-get could not install $(REDIS_PKGS)" >&2; \
	else \
		echo "WARNING: redis-cli/redis-server missing and apt-get needs root or passwordless" \
			"sudo: run 'sudo apt-get install $(REDIS_PKGS)'; tests needing redis-cli will skip" >&2; \
	fi

lint: $(CHECK_DEPS)
	$(CHECK_BIN)/ruff check src tests benchmarks examples fuzz scripts
	$(CHECK_BIN)/ruff format --check src tests benchmarks examples fuzz scripts

# One mypy cache per venv: a cache written by another mypy or other stubs misleads it.
typecheck: $(CHECK_DEPS)
	$(CHECK_BIN)/mypy --strict --cache-dir $(CHECK_BIN)/../.mypy_cache src/rabia

contracts: $(CHECK_DEPS)
	$(CHECK_BIN)/lint-imports

pytest: $(CHECK_DEPS) $(USE_COMPILED)
	$(WITH_BUILD) $(CHECK_BIN)/pytest -n 2 tests

# The other build: pure Python when the whole suite ran compiled (else nothing to add).
PURE_TESTS := tests/core tests/sim tests/fuzz/test_codec.py
pytest-pure: $(CHECK_DEPS) $(USE_COMPILED)
	@if [ -n "$(USE_COMPILED)" ] && [ -f $(COMPILED_OK) ]; then \
		echo "(pure Python) $(PURE_TESTS)" && \
		$(CHECK_BIN)/pytest -n 2 $(PURE_TESTS) && \
		$(BIN)/python scripts/build_compiled.py same-sim $(COMPILED); fi

run: $(STAMP) $(USE_COMPILED)
	$(WITH_BUILD) $(BIN)/rabia up

# Long runs, not part of `make test`.
sim-soak: $(STAMP)
	$(BIN)/rabia sim --nodes 3 --seeds 2000
	$(BIN)/rabia sim --nodes 5 --seeds 1000

# kill -9 the whole cluster under load and restart it, 20 times.
soak-restart: $(STAMP)
	RESTART_ROUNDS=20 $(BIN)/pytest -q tests/e2e/test_restart.py

# Coverage-guided fuzzing (atheris): FUZZ_TIME seconds per target; the corpora grow in
# .fuzz/corpus/<target>, crashing inputs land in .fuzz/ (see fuzz/common.py).
FUZZ_TIME    ?= 300
FUZZ_TARGETS ?= codec handshake resp kv
fuzz: $(STAMP)
	$(BIN)/python fuzz/seeds.py .fuzz/seeds
	for t in $(FUZZ_TARGETS); do \
		mkdir -p .fuzz/corpus/$$t; \
		$(BIN)/python fuzz/$${t}_target.py -max_total_time=$(FUZZ_TIME) -timeout=10 \
			-artifact_prefix=.fuzz/$$t- $$(test -f fuzz/$$t.dict && echo -dict=fuzz/$$t.dict) \
			.fuzz/corpus/$$t $$(test -d .fuzz/seeds/$$t && echo .fuzz/seeds/$$t) || exit 1; \
	done

# Garbage on every port of a live 3-node cluster for 60 s (the default run: 10 s).
garbage: $(STAMP)
	GARBAGE_SECONDS=60 $(BIN)/pytest -q -s tests/fuzz/test_garbage.py

# Nemesis runs on real processes (docs/jepsen.md): 20 x 60 s, nemesis and workload rotating.
jepsen: $(STAMP)
	$(BIN)/rabia jepsen --runs 20 --duration 60

bench: $(STAMP)
	$(BIN)/python benchmarks/core_bench.py

# redis-benchmark against one redis-server and against a `rabia up` cluster, same run;
# e.g. make bench-redis ARGS="-P 1 --profile 10 --plot redis.svg".
bench-redis: $(STAMP) tools
	$(BIN)/python benchmarks/redis_bench.py $(ARGS)

clean:
	rm -rf $(VENV) $(LATEST) $(LOCK_VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
