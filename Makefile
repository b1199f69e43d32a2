# Shortcuts for the scripts the README documents (they work without make, too).
.PHONY: run test bench bench-dashboards lint

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	.venv/bin/python benchmarks/run.py

# Dashboards and the mixed load through gunicorn, on the province dataset (kh_bench_members, Redis db 5).
bench-dashboards:
	.venv/bin/python benchmarks/dashboards.py

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
