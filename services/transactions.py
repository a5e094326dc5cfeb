"""When a SQLite transaction takes the write lock: at its start for a request that writes.

SQLite in WAL mode lets many read while one writes. A transaction that begins by reading and
then writes must upgrade its lock; if another process committed in between, its snapshot is
stale and SQLite refuses at once with "database is locked" (no busy wait helps). So:

- a write request (POST, PUT, PATCH, DELETE) begins its first transaction with
  BEGIN IMMEDIATE: it waits its turn (busy_timeout) instead of failing. Its later
  transactions (rendering the answer after the commit) are plain reads again;
- a page that writes a little on the side (a diary visit, a card read in the audit trail)
  calls write_apart() first: it ends the read snapshot and makes the next transaction an
  immediate one, so the row is written in a short transaction of its own, never held open
  across the rendering;
- sign-in checks the password (tens of milliseconds of scrypt) before it takes the lock.

PostgreSQL needs none of this: its begin is left alone.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, has_app_context, request

from extensions import db

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Write requests whose first reads must not hold the lock (a password hash is slow on purpose).
DEFERRED_ENDPOINTS = frozenset({"auth.login", "auth.password", "auth.first_run"})


def start_request() -> None:
    """before_request: a write request takes the write lock now, in its first transaction."""
    if request.method in WRITE_METHODS and request.endpoint not in DEFERRED_ENDPOINTS:
        _begin_immediate()


def begin(conn) -> None:
    """The engine's "begin" event on SQLite (the driver's own BEGIN is switched off)."""
    immediate = has_app_context() and g.get("tx_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def write_apart() -> None:
    """End the current transaction (keeping what is loaded) and begin one that holds the
    write lock, so that what is added next is written in a short transaction of its own."""
    db.session.commit()
    _begin_immediate()


def _begin_immediate() -> None:
    # The session begins at once, so the flag is read by this session's BEGIN and by no other.
    g.tx_immediate = True
    try:
        db.session.connection()
    finally:
        g.pop("tx_immediate", None)


@contextmanager
def apart() -> Iterator[None]:
    """`with apart(): add rows` writes them in a short transaction of their own, now."""
    write_apart()
    yield
    db.session.commit()
