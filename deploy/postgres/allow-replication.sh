#!/bin/bash
# Run once by the postgres image when it creates the database (docker-entrypoint-initdb.d): lets the owner
# account stream the WAL to a replica from the compose network, with its password. wal_level=replica and
# max_wal_senders=10 are PostgreSQL 15's defaults. See docs/operations.md, "A read replica".
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
