#!/usr/bin/env bash
# Start PostgreSQL and Redis on 127.0.0.1 when they are down, on a machine that has them (design.md §11).
set -euo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
    local port=$1 name=$2
    for _ in $(seq 1 30); do
        listening "$port" && return 0
        sleep 1
    done
    echo "$name không chạy trên 127.0.0.1:$port." >&2
    return 1
}

if ! listening 5432; then
    if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
        echo "==> Khởi động PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    fi
    wait_for 5432 PostgreSQL
fi
if ! listening 6379; then
    if command -v redis-server >/dev/null; then
        echo "==> Khởi động Redis"
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    fi
    wait_for 6379 Redis
fi
