# outcomes_qual: two commands do all the set-up (see README "Quick start").
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
OUT    ?= out/demo

.PHONY: demo test install clean

# torch==2.13.0 is installed first so that the embeddings extra resolves to the
# CPU build and never pulls a CUDA torch (see README "Installing").
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet "torch==2.13.0"
	$(PIP) install --quiet -e ".[embeddings,test,scale]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m outcomes_qual.demo --out $(OUT)

test: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 MPLBACKEND=Agg $(PY) -m pytest -q

clean:
	rm -rf $(VENV) out .pytest_cache
