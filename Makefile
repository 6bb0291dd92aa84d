# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test bench eval clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test,dask]"

## clean the sample scans in raw/ into clean/
run: install
	$(BIN)/normalize run raw --out clean

## run the test suite
test: install-test
	$(BIN)/python -m pytest -q

## score clean/ against the hand-made gold (needs ../shared)
eval: install
	$(BIN)/python -m pip install --quiet rapidfuzz
	$(BIN)/python scripts/eval.py

## throughput and memory benchmark (needs ../shared/corpus, else the samples)
bench: install
	$(BIN)/python -m pip install --quiet autocorrect-py
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean-venv:
	rm -rf $(VENV)
