SHELL := /bin/bash
.DEFAULT_GOAL := runbooks

PYTHON     ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
SOURCE     ?= source_docs
OUT        ?= build
PYTEST_ARGS ?=
AXE_VERSION := 4.11.4
NODE_STAMP  := node_modules/.axe-core-$(AXE_VERSION)

.PHONY: runbooks publish test check bench eval fuzz clean deps venv bytecode node-deps

runbooks: deps venv bytecode
	$(VENV)/bin/runbooks build $(SOURCE) --out $(OUT)

# The built site, made live in TO (or [publish] to of runbooks.toml); PUBLISH_ARGS: more
# options, e.g. --rollback, --keep 10, --force.
TO ?=
PUBLISH_ARGS ?=
publish: venv bytecode
	$(VENV)/bin/runbooks publish --out $(OUT) $(if $(TO),--to $(TO)) $(PUBLISH_ARGS)

test: deps venv node-deps
	$(PY) -X warn_default_encoding -m pytest $(PYTEST_ARGS)

check: venv
	$(VENV)/bin/ruff check compiler tests bench
	$(VENV)/bin/ruff format --check compiler tests bench
	$(VENV)/bin/mypy compiler

bench: deps venv bytecode
	$(PY) bench/bench.py

# Extraction against the hand-labelled documents of ../shared/labelled (EVAL_ARGS:
# --brief, --only NAME, --update-floor to raise the ratchet tests/test_eval.py holds).
eval: venv bytecode
	$(PY) bench/eval.py $(EVAL_ARGS)

fuzz: deps venv
	HYPOTHESIS_PROFILE=long $(PY) -m pytest tests/test_properties.py tests/test_fuzz_outputs.py $(PYTEST_ARGS)

clean:
	rm -rf build/

# Debian packages (graphviz, CJK fonts, ...): a no-op when all are installed.
deps:
	scripts/ensure-system-deps.sh

# The venv is (re)installed only when pyproject.toml is newer than the stamp.
venv: $(STAMP)

# The package's bytecode, brought up to date (only changed modules are compiled again).
# Where PYTHONDONTWRITEBYTECODE is set, Python writes none itself: every `runbooks` run
# and each PDF worker it starts would compile the whole package again (~0.12 s each).
bytecode: venv
	@$(PY) -m compileall -q compiler

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev]'
	touch $@

# npm packages for the browser tests (axe-core, injected into pages), in ./node_modules.
node-deps: $(NODE_STAMP)

$(NODE_STAMP):
	npm install --prefix . --no-save --no-package-lock --no-audit --no-fund axe-core@$(AXE_VERSION)
	touch $@
