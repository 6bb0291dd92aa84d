# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test bench eval fuzz clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test,dask]"
	bash .ci/browser-deps

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

## the long property run over hostile pages (not in CI): FUZZ_N pages, FUZZ_JOBS processes
FUZZ_N ?= 100000
FUZZ_JOBS ?= 1
fuzz: install-test
	$(BIN)/python scripts/fuzz.py -n $(FUZZ_N) --jobs $(FUZZ_JOBS)

## throughput and memory benchmark (needs ../shared/corpus, else the samples)
bench: install
	$(BIN)/python -m pip install --quiet autocorrect-py
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean-venv:
	rm -rf $(VENV)
