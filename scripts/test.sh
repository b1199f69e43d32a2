#!/usr/bin/env bash
# The README's second command: set up the same way (plus Chromium), start PostgreSQL and Redis when they are
# down, then lint, check migrations and the production settings, and run the whole test suite against
# PostgreSQL, Redis and a real Celery worker; the summary tests, and the versions that name what each process keeps
# (a user's scope among them), run once more on SQLite.
# Extra arguments go to the main pytest run (e.g. scripts/test.sh -x tests/chapters).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test
scripts/services.sh

export KHUYENHOC_ENV=test
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/khuyenhoc}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"
python=.venv/bin/python
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "ruff check"
.venv/bin/ruff check .
say "ruff format --check"
.venv/bin/ruff format --check .
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
say "makemigrations --check"
DATABASE_URL="sqlite:///$scratch/migrations.sqlite3" $python manage.py makemigrations --check --dry-run
say "check --deploy (cấu hình vận hành thật)"
KHUYENHOC_ENV=production DJANGO_SECRET_KEY="ci-$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')" \
    DJANGO_ALLOWED_HOSTS=khuyenhoc.example.org \
    $python manage.py check --deploy --fail-level WARNING

# The whole suite, with the fault-injection suite (tests/faults: Redis stopped, workers killed, the database
# connection dropped) and the property test of the import pipeline (tests/properties).
say "pytest trên PostgreSQL và Redis"
.venv/bin/pytest -p no:cacheprovider "$@"

if [[ $# -eq 0 ]]; then
    say "pytest: số liệu tổng hợp, bộ nhớ đệm cộng dồn, ghi hàng loạt, phiên bản dữ liệu và phạm vi trên SQLite"
    DATABASE_URL="sqlite:///$scratch/test.sqlite3" .venv/bin/pytest -p no:cacheprovider \
        tests/chapters/test_summaries.py tests/chapters/test_rollup_cache.py tests/chapters/test_commune_totals.py \
        tests/core/test_bulk.py tests/core/test_versions.py tests/chapters/test_scoping.py
fi
