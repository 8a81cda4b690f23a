# outcomes_qual: two commands do all the set-up (see README "Quick start").
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
OUT    ?= out/demo

.PHONY: demo demo-consultation test lint install lock clean docs


# constraints.txt pins every package to the version the tests passed with
# (regenerate with `make lock`); pip only constrains the packages it lists,
# so a dependency it does not name still installs.
CONSTRAINTS := constraints.txt

# torch==2.13.0 is installed first so that the embeddings extra resolves to the
# CPU build and never pulls a CUDA torch (see README "Installing").
$(STAMP): pyproject.toml $(CONSTRAINTS)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(CONSTRAINTS) "torch==2.13.0"
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[embeddings,web,scale,test,browser-test,notebooks,docs]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m outcomes_qual.demo --out $(OUT)

demo-consultation: $(STAMP)
	$(PY) -m outcomes_qual.demo --consultation --out $(OUT)_consultation

test: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 MPLBACKEND=Agg $(PY) -m pytest -q --durations=15

# ruff (lint and format check) and mypy, configured in pyproject.toml. All three
# run and report; the target fails if any of them found something.
# `make lint LINT_PY=/path/to/python` uses another environment that has the lint extra.
LINT_STAMP := $(VENV)/.lint-installed
LINT_PY    ?= $(PY)

$(LINT_STAMP): $(STAMP)
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[lint]"
	touch $(LINT_STAMP)

lint: $(if $(filter $(PY),$(LINT_PY)),$(LINT_STAMP))
	@status=0; \
	$(LINT_PY) -m ruff check . || status=1; \
	$(LINT_PY) -m ruff format --check . || status=1; \
	$(LINT_PY) -m mypy || status=1; \
	exit $$status

# The documentation site (Sphinx, offline, warnings as errors) into build/docs/html;
# docs/about.md says more. tests/test_docs.py runs the same build in `make test`.
docs: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 MPLBACKEND=Agg $(PY) -m sphinx -b html -W --keep-going -q docs build/docs/html
	@echo "docs: build/docs/html/index.html"

# Write constraints.txt from what is installed in .venv (outcomes_qual itself left out).
# Only `name==version` lines are kept (a package installed from a local path or
# URL would not install elsewhere) and a local version label (torch 2.13.0+cpu) is
# dropped so that the pin also matches the wheel on PyPI; pip, setuptools and
# wheel are not pinned.
lock: $(STAMP)
	{ echo "# Exact versions the test suite passed with; the Makefile installs with -c constraints.txt."; \
	  echo "# Regenerate from .venv with: make lock"; \
	  $(PIP) freeze --exclude-editable | grep -E '^[A-Za-z0-9_.-]+==' | sed -E 's/[+][A-Za-z0-9.]+$$//' | LC_ALL=C sort -f; } > $(CONSTRAINTS).tmp
	mv $(CONSTRAINTS).tmp $(CONSTRAINTS)
	touch $(STAMP)  # .venv is what the file now says: no reinstall needed

clean:
	rm -rf $(VENV) out .pytest_cache build/docs docs/api/generated
