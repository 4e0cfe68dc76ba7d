# docgen: `make test` and `make demo` create .venv when it is missing and install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.docgen-installed
DEMO_DIR ?= build/demo

.PHONY: test demo demo-levels lint bench wheel clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml setup.py | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[airflow,test]"
	touch $@

test: $(STAMP)
	$(PY) -m ruff check docgen dags tests bench examples tools setup.py
	$(PY) -m pytest

demo: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) examples/demo/run_demo.py $(DEMO_DIR)

# A city and two counties, each its own workspace: a month and a quarter through the DAGs at both levels
demo-levels: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) examples/levels/run_levels_demo.py build/demo-levels

lint: $(STAMP)
	$(PY) -m ruff check docgen dags tests bench examples tools setup.py

bench: $(STAMP)
	$(PY) bench/compare.py --units 1000

# The library alone (contracts, templates and the demo inside as docgen/_data; no DAGs): dist/docgen-*.whl
wheel: $(STAMP)
	rm -rf build/lib dist/docgen-*.whl  # setuptools would pack a module deleted since the last build
	$(PY) -m pip wheel --no-deps -w dist .

clean:
	rm -rf build dist docgen.egg-info .pytest_cache .ruff_cache
