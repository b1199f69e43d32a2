# Shortcuts for the scripts the README documents (they work without make, too).
.PHONY: run test bench bench-dashboards bench-titles-bulk bench-imports lint

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

# Imports of members and households against django-import-export's default path (kh_bench_members), 3 runs each.
bench-imports:
	.venv/bin/python benchmarks/members_import.py
	.venv/bin/python benchmarks/households_import.py --runs 3
	.venv/bin/python benchmarks/imports.py --runs 3

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
