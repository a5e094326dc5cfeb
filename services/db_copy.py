"""Moving a school to another database (issue 19: `flask --app app db copy-to TARGET_URL`,
usually from the SQLite file to PostgreSQL).

The target's schema is made by the migrations (so it is exactly what `flask db upgrade`
makes, triggers and partial indexes included, and later upgrades apply to it); then every row
of every table is copied, parents before children (metadata.sorted_tables), in batches, in one
transaction on the target: a failed copy leaves no half-filled journal. The append-only audit
table only takes INSERTs, which is all a copy does. On PostgreSQL the id sequences are then
moved past the copied ids, or the next insert would reuse id 1. Stop the server first: rows
written during the copy may be missed.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import Connection, create_engine, func, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from extensions import db

BATCH = 1000


class CopyError(RuntimeError):
    """The copy cannot be made (the target holds rows, the source is not upgraded...)."""


def copy_to(target_url: str, batch: int = BATCH,
            progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy the app's database into `target_url`. Returns the rows copied per table."""
    source = db.engine
    if source.url.render_as_string(hide_password=False) == target_url:
        raise CopyError("The target is the database the app uses.")
    _migrate(target_url)
    target = create_engine(target_url)
    try:
        with source.connect() as src, target.begin() as dst:
            _same_revision(src, dst)
            _empty(dst)
            copied = {}
            for table in db.metadata.sorted_tables:
                copied[table.name] = _copy_table(src, dst, table, batch)
                if progress:
                    progress(table.name, copied[table.name])
            if dst.dialect.name == "postgresql":
                _move_sequences(dst)
    except SQLAlchemyError as error:
        raise CopyError(f"The copy failed and the target keeps no rows: {error}") from error
    finally:
        target.dispose()
    return copied


def _migrate(target_url: str) -> None:
    """The target's schema by the migrations, run in an app bound to the target."""
    from flask_migrate import upgrade

    from app import create_app
    config = {"SQLALCHEMY_DATABASE_URI": target_url, "SECRET_KEY": current_app.secret_key,
              "TESTING": current_app.testing}
    target_app = create_app(config)
    with target_app.app_context():
        try:
            upgrade()
        finally:
            db.engine.dispose()


def _revision(conn: Connection) -> set[str]:
    if not inspect(conn).has_table("alembic_version"):
        return set()
    return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _same_revision(src: Connection, dst: Connection) -> None:
    if _revision(src) != _revision(dst):
        raise CopyError("The source database is not at the newest schema: run "
                        "`flask --app app db upgrade` on it first.")


def _empty(dst: Connection) -> None:
    for table in db.metadata.sorted_tables:
        if dst.execute(select(func.count()).select_from(table)).scalar_one():
            raise CopyError(f"The target already holds rows ({table.name}): copy-to fills "
                            "an empty database only.")


def _copy_table(src: Connection, dst: Connection, table, batch: int) -> int:
    """The table's rows in primary-key order, `batch` rows per INSERT."""
    rows = src.execution_options(yield_per=batch).execute(
        select(table).order_by(*table.primary_key.columns))
    count = 0
    for part in rows.partitions():
        dst.execute(insert(table), [dict(row._mapping) for row in part])
        count += len(part)
    return count


def _move_sequences(dst: Connection) -> None:
    """Each serial id's sequence set past the largest copied id."""
    for table in db.metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = dst.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                   {"t": f'"{table.name}"', "c": column.name}).scalar()
            if sequence:
                dst.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") '
                                 f'FROM "{table.name}"), 0) + 1, false)'), {"s": sequence})
