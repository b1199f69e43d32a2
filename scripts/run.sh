#!/usr/bin/env bash
# The README's first command: set up from nothing, load the divisions and the demo, then run the web server,
# a Celery worker and Celery beat in the embedded default (SQLite and a broker on disk under var/). Ctrl-C stops
# them all.
#   HOST, PORT              where the web server listens (default 127.0.0.1:8000)
#   KHUYENHOC_VAR_DIR       where the database, the broker's queue and the files live (default ./var)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

export KHUYENHOC_ENV="${KHUYENHOC_ENV:-development}"
host="${HOST:-127.0.0.1}"
port="${PORT:-8000}"
python=.venv/bin/python
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "Cập nhật cơ sở dữ liệu"
$python manage.py migrate --noinput -v0
if [[ "$KHUYENHOC_ENV" == "production" ]]; then
    $python manage.py collectstatic --noinput -v0
fi
say "Nạp danh mục tỉnh, xã"
$python manage.py load_divisions --history
say "Tạo dữ liệu mẫu"
$python manage.py seed_demo

pids=()
stop() {
    trap - INT TERM EXIT
    if [[ ${#pids[@]} -gt 0 ]]; then
        echo
        say "Dừng máy chủ web, worker và lịch chạy định kỳ"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
}
trap stop INT TERM EXIT

# Both queues of design.md §6 on one worker: "default" (imports, summaries) and "pdf" (report rendering).
.venv/bin/celery --quiet -A khuyenhoc worker --queues default,pdf --concurrency 2 --loglevel WARNING \
    --without-heartbeat --without-gossip --without-mingle &
pids+=($!)
# Celery beat: reminders, the e-mail retry, the sweeps of stale report runs and stuck imports, the cache warming
# (CELERY_BEAT_SCHEDULE in settings.py; its state file is var/celerybeat-schedule).
.venv/bin/celery --quiet -A khuyenhoc beat --loglevel WARNING &
pids+=($!)
.venv/bin/gunicorn khuyenhoc.wsgi --bind "$host:$port" --workers 2 --threads 4 --log-level warning &
pids+=($!)

echo
say "Ứng dụng đang chạy tại http://$host:$port/ (đăng nhập bằng một tài khoản mẫu ở trên). Nhấn Ctrl-C để dừng."
# Stop everything as soon as either process ends (a port already in use, say).
wait -n "${pids[@]}"
