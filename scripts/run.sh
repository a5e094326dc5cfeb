#!/bin/sh
# `make run`: the report worker in the background, then the web server in the foreground.
# The worker (Huey's consumer) prints batches of hard copies; it stops when the server does
# (Ctrl-C, or a TERM to this script). Usage: scripts/run.sh BIN HOST PORT
set -eu
BIN=${1:-.venv/bin}
HOST=${2:-127.0.0.1}
PORT=${3:-5000}

# nice: on a small machine the journal's requests come before the printing.
nice -n 10 "$BIN/huey_consumer" services.reports.jobs.huey --workers 1 --max-delay 1 --quiet &
worker=$!

stop_worker() {
    kill "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$BIN/waitress-serve" --host "$HOST" --port "$PORT" --threads 8 --call app:create_app
