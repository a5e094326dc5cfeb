#!/usr/bin/env bash
# The test suite once more, on PostgreSQL (issue 19): a throwaway cluster in a temporary
# folder, listening on 127.0.0.1 on a free port (its unix socket in that folder too), removed
# at exit. Installs Debian's `postgresql` when missing and we are root. Arguments go to pytest:
#   scripts/pg_test.sh                     the whole suite
#   scripts/pg_test.sh tests/test_postgres.py -x
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin /usr/local/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    done
    return 1
}

if ! PGBIN=$(pg_bin); then
    if [ "$(id -u)" != 0 ]; then
        echo "PostgreSQL is missing - run: sudo apt-get install -y postgresql" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(pg_bin)
fi

# PostgreSQL refuses to run as root: as root the cluster belongs to the user `postgres`.
run_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    run_pg() { runuser -u postgres -- "$@"; }
fi

WORK=$(mktemp -d /tmp/tabel-pg.XXXXXX)
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres "$WORK"
DATA="$WORK/data"
stop() {
    run_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap stop EXIT

PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability is not under test here: fsync off makes the many small transactions fast.
run_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w start \
    -o "-h 127.0.0.1 -p $PORT -k $WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c timezone=Asia/Almaty" >/dev/null
run_pg "$PGBIN/createdb" -h "$WORK" -p "$PORT" -U postgres tabel_test

export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/tabel_test"
export TABEL_TEST_PG_URL="$DATABASE_URL"
# pg_dump and pg_restore of the same version as the server (the backups on PostgreSQL).
export PATH="$PGBIN:$PATH"
"$BIN/python" -c 'import psycopg' 2>/dev/null || "$BIN/pip" install -q 'psycopg[binary]>=3.2,<4'
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') at $DATABASE_URL"
# pytest in the background, so that a TERM (CI's timeout) stops it and the cluster at once.
"$BIN/pytest" "$@" &
PYTEST=$!
trap 'kill "$PYTEST" 2>/dev/null; exit 143' TERM INT
wait "$PYTEST"
