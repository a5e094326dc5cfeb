"""The production server of `make run` (gunicorn, Linux): read by scripts/run.sh.

Sized for a school's small machine: one process per core (Python runs one thread at a time
per process) and a few threads each, so a slow page (a PDF) does not hold up the others.
Keep-alive connections wait in each worker's poller, not in a thread, so 300 parents on
phones with open connections cost nothing while they read. SQLite works across the
processes in WAL mode (extensions.sqlite_pragmas); every write request takes the write lock
at its start and releases it before rendering (services.transactions).

Environment: TABEL_BIND (host:port), TABEL_WORKERS (default: the cores), TABEL_THREADS
(default 8), TABEL_ACCESS_LOG (a file, or "-" for the terminal; off by default).
"""
import os

bind = os.environ.get("TABEL_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("TABEL_WORKERS") or os.cpu_count() or 2)
worker_class = "gthread"
threads = int(os.environ.get("TABEL_THREADS") or 8)
# Open connections per worker (keep-alive included); the listen queue behind them.
worker_connections = 1000
backlog = 2048
keepalive = 5
# A whole school's progress PDF takes ~20 s on 2 cores; nothing else comes close.
timeout = 120
graceful_timeout = 20
accesslog = os.environ.get("TABEL_ACCESS_LOG") or None
errorlog = "-"
loglevel = "info"
# Files the server writes (the database, attachments, backups) are the owner's alone.
umask = 0o077
proc_name = "tabel"
# No control socket in the account's home folder: nothing here uses it.
control_socket_disable = True
