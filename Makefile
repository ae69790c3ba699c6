# The two commands of the README, plus the steps they are made of.
# `make reproduce` regenerates the quick-profile figures; `make test` runs the whole test suite and rebuilds the committed
# tables from their committed run records (`sll-nb verify`).
# Both create the virtual environment on first use.
PY     ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Datasets: $SLL_NB_DATA if set, else ../shared/data when it exists (CI and this project's machines), else ./data.
export SLL_NB_DATA ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),$(abspath data))
PROFILE ?= quick

.PHONY: reproduce test docs install export clean-nbs readme readme-stdout

$(BIN)/sll-nb: setup.py settings.ini
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(BIN)/sll-nb

reproduce: install
	$(BIN)/sll-nb reproduce --profile $(PROFILE)

test: install
	$(BIN)/nbdev_test --n_workers 2
	$(BIN)/pytest -q tests
	$(BIN)/sll-nb verify

# the documentation site in _docs/: the experiment pages show the runs `make reproduce` executed (cached runs make it quick)
docs: reproduce
	$(BIN)/sll-nb docs --out _docs

export: install
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean

# the README is the index rendered to markdown, each cell's printed output in one block; the tests compare against readme-stdout
RENDER_README = $(BIN)/jupyter nbconvert --to markdown --CoalesceStreamsPreprocessor.enabled=True nbs/index.ipynb

readme: install
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace nbs/index.ipynb
	$(BIN)/nbdev_clean --fname nbs/index.ipynb
	$(RENDER_README) --output-dir . --output README

readme-stdout:
	@$(RENDER_README) --stdout
