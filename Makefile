# docgen: `make test` and `make demo` create .venv when it is missing and install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.docgen-installed
DEMO_DIR ?= build/demo

.PHONY: test demo lint bench templates clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[airflow,test]"
	touch $@

test: $(STAMP)
	$(PY) -m ruff check docgen dags tests bench examples tools
	$(PY) -m pytest

demo: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) examples/demo/run_demo.py $(DEMO_DIR)

lint: $(STAMP)
	$(PY) -m ruff check docgen dags tests bench examples tools

bench: $(STAMP)
	$(PY) bench/compare.py --units 1000

templates: $(STAMP)
	$(PY) tools/make_templates.py

clean:
	rm -rf build .pytest_cache .ruff_cache
