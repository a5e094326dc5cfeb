"""Counting the SQL statements a block runs: "a page runs a fixed number of queries whatever
its size" is tested by comparing these counts for a small and a large school."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from extensions import db


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """The statements run inside the block, in order (each request has its own session)."""
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        # BEGIN is sent as a statement on SQLite (services.transactions): not a query.
        if not statement.startswith("BEGIN"):
            seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
