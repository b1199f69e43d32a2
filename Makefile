# Shortcuts for the scripts the README documents (they work without make, too).
.PHONY: run test bench bench-dashboards bench-titles-bulk lint

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	.venv/bin/python benchmarks/run.py

# Dashboards and the mixed load through gunicorn, on the province dataset (kh_bench_members, Redis db 5).
bench-dashboards:
	.venv/bin/python benchmarks/dashboards.py

# Review, propose and recognise 20,000 title records in one action each (its own database, kh_titles_bulk_bench).
bench-titles-bulk:
	.venv/bin/python benchmarks/titles_bulk.py

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
