# Shortcuts for the scripts the README documents (they work without make, too).
.PHONY: run test bench lint

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	.venv/bin/python benchmarks/run.py

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
