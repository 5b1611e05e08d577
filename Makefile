# Same targets locally and in CI. `make demo` and `make test` each install everything first.
VENV := .venv
BIN := $(VENV)/bin
SAMPLES := var/samples

.PHONY: install demo test lint typecheck unit bench bench-mrz clean

install:
	@scripts/install.sh dev,bench

demo: install
	@$(BIN)/python scripts/demo.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check kyc_engine

typecheck: install
	$(BIN)/mypy

# --dist loadfile: a test file runs on one xdist worker, in file order (the service tests share one
# deployment per file and build on each other's cases)
unit: install
	@scripts/services.sh
	@$(BIN)/python -m pytest -q -n 2 --dist loadfile ; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

test: lint typecheck unit

bench: bench-mrz

bench-mrz: install
	$(BIN)/python -m benchmarks.mrz --count 300 --seed 20261123

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
