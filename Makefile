# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check bench clean

# constraints.txt pins every package to the versions the tests last passed with,
# so a fresh machine gets what CI ran (refresh it with `make constraints`).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,check]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/papers-tui --demo-if-missing

# The shape of the code: lint, types, and the import rules between layers.
check: $(STAMP)
	$(VENV)/bin/ruff check store tui tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: check
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/run.py --papers 10000

constraints: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^#' > constraints.txt

clean:
	rm -rf $(VENV) .demo-library
