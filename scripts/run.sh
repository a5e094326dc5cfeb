#!/bin/sh
# `make run`: the report worker in the background, then the web server in the foreground.
# The worker (Huey's consumer; services.backup_jobs imports the report tasks too) prints
# batches of hard copies and makes the backups started from the page; it stops when the server does
# (Ctrl-C, or a TERM to this script). Usage: scripts/run.sh BIN HOST PORT
set -eu
# The database, attachments and backups hold children's personal data: owner-only files.
umask 077
BIN=${1:-.venv/bin}
HOST=${2:-127.0.0.1}
PORT=${3:-5000}

# One worker process: xhtml2pdf renders one copy at a time. Ctrl-C (INT) interrupts a batch
# at once; the worker fails that batch when it starts again. nice: on a small machine the
# journal's requests come before the printing.
nice -n 10 "$BIN/huey_consumer" services.backup_jobs.huey --workers 1 --worker-type process \
    --graceful-signal TERM --max-delay 1 --quiet &
worker=$!

stop_worker() {
    kill -INT "$worker" 2>/dev/null || return 0
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$worker" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -KILL "$worker" 2>/dev/null || true
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# gunicorn (deploy/gunicorn.conf.py): a process per core, threads in each, keep-alive
# connections in a poller. Not exec: the trap above stops the worker when it ends.
TABEL_BIND="$HOST:$PORT" "$BIN/gunicorn" -c deploy/gunicorn.conf.py "app:create_app()"
