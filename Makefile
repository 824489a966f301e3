# Two commands do all the set-up on a fresh machine:
#   make demo   - create .venv, install, run the main job on the built-in data
#   make test   - create .venv, install, lint and run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
SHARED_DATA := $(abspath ../shared/data)

# Use the reference data next to the checkout when it is there; otherwise the
# fetchers download into ~/sklearn_leafs_data (or $SKLEARN_LEAFS_DATA).
ifneq ($(wildcard $(SHARED_DATA)/leaf-vasylenko2024),)
export SKLEARN_LEAFS_DATA ?= $(SHARED_DATA)
endif
export MPLBACKEND ?= Agg

.PHONY: setup demo test lint format docs bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# CPU build of torch first (from local disk on these machines), so that
	# nothing below pulls the multi-GB CUDA wheels.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev,docs]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/leafs demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# -rs lists every skip with its reason; with CI=true (.ci/run) a skip that is
# not an optional extra fails the run (tests/conftest.py). Tests that need no
# reference data: `$(PY) -m pytest -m "not reference_data"`.
test: setup lint
	$(PY) -m pytest -rs

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

docs: setup
	SKLEARN_LEAFS_QUICK=1 $(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

bench: setup
	$(PY) benchmarks/featurize.py

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples docs/gen_modules
