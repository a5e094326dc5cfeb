"""Backups of a journal kept in PostgreSQL (issue 19): the same folders as services/backups.py
(tabel-YYYYMMDD-HHMMSS/ with uploads.tar and check.json), holding a pg_dump archive in its
custom format (tabel.dump) instead of the SQLite file.

The dump and the row counts check.json records are one snapshot: the counts are read in a
REPEATABLE READ transaction whose snapshot pg_dump is given (--snapshot), so what the app
writes meanwhile is in neither. A copy's check is `pg_restore --list` (the archive reads
whole) plus a data entry for every table counted; the restore drill restores the copy into a
scratch database and compares every table's rows with the counts. pg_dump and pg_restore
come from PATH (the server's version or newer).
"""
from __future__ import annotations

import os
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection

from extensions import db
from services import backups as base

DUMP_NAME = "tabel.dump"


def active() -> bool:
    """Is the app's database PostgreSQL?"""
    return db.engine.url.get_backend_name() == "postgresql"


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as pg_dump reads it, and an environment carrying the password (never on a
    command line, where `ps` shows it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], url: URL) -> subprocess.CompletedProcess:
    target, env = _libpq(url)
    try:
        return subprocess.run([*args, "--dbname", target], env=env, capture_output=True,
                              text=True, check=False)
    except FileNotFoundError as error:
        raise base.BackupError(f"{args[0]} is not installed (the PostgreSQL client "
                               "programs: apt-get install postgresql-client).") from error


def _counts(conn: Connection) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    return {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}


def dump(target: Path) -> dict[str, int]:
    """pg_dump of the live database into `target` (owner-only), and every table's row
    count read in the very snapshot pg_dump copies."""
    with db.engine.connect() as conn:
        conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        counts = _counts(conn)
        done = _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}",
                     "--file", str(target)], db.engine.url)
        conn.rollback()
    if done.returncode != 0:
        raise base.BackupError(f"pg_dump failed: {done.stderr.strip()}")
    os.chmod(target, 0o600)
    return counts


def verify(path: Path, expected: dict[str, int] | None = None) -> base.Check:
    """The archive reads whole (pg_restore --list) and holds the data of every table whose
    rows were counted; the counts are those check.json recorded at the dump's moment."""
    archive = path / DUMP_NAME
    if not archive.is_file():
        return base.Check(False, "missing")
    listing = subprocess.run(["pg_restore", "--list", str(archive)], capture_output=True,
                             text=True, check=False)
    if listing.returncode != 0:
        return base.Check(False, listing.stderr.strip() or "pg_restore --list failed")
    data = {line.split()[-2] for line in listing.stdout.splitlines()
            if " TABLE DATA " in line and not line.startswith(";")}
    tables = dict(expected or {})
    mismatched = sorted(n for n in tables if n not in data)
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return base.Check(not mismatched, "ok", tables, mismatched, size)


def restore(path: Path, into: URL | None = None) -> base.Restored:
    """pg_restore --clean of a checked copy into the live database in one transaction (or
    into `into`, the drill's scratch database), the current journal first kept aside as a
    backup of its own, then the attachments unpacked. Stop the server first."""
    expected = base._expected(path)
    check = verify(path, expected)
    if not check.ok:
        raise base.BackupError(f"The copy in {path} failed its check ({check.integrity}; "
                               f"{', '.join(check.mismatched) or 'no table differs'}): "
                               "nothing was restored.")
    aside = None
    if into is None:
        made = base.make_backup(rotation=False).path
        aside = made.rename(made.with_name(made.name.replace(base.PREFIX, "before-restore-")))
        db.session.remove()
        db.engine.dispose()
    target = into or db.engine.url
    done = _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 "--exit-on-error", str(path / DUMP_NAME)], target)
    if done.returncode != 0:
        raise base.BackupError(f"pg_restore failed, nothing was changed: {done.stderr.strip()}")
    if into is None:
        base._unpack_uploads(path / base.FILES_NAME, None)
    engine = create_engine(target)
    try:
        with engine.connect() as conn:
            tables = _counts(conn)
            last = conn.execute(text("SELECT MAX(at) FROM audit_event")).scalar() \
                if "audit_event" in tables else None
    finally:
        engine.dispose()
    return base.Restored(path, aside, tables, str(last) if last else None)


@contextmanager
def scratch_database():
    """A new empty database on the same server for the restore drill, dropped after."""
    name = f"tabel_drill_{uuid.uuid4().hex[:12]}"
    admin = create_engine(db.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as error:  # no CREATEDB right, no maintenance database: say so
        admin.dispose()
        raise base.BackupError(f"The drill needs a scratch database on the server: {error}") \
            from error
    try:
        yield db.engine.url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def verify_restore(newest: Path) -> tuple[Path, base.Restored, bool]:
    """The drill on PostgreSQL: the newest copy restored into a scratch database, every
    table's rows compared with what its check recorded."""
    with scratch_database() as url:
        restored = restore(newest, into=url)
    return newest, restored, restored.tables == base._expected(newest)
