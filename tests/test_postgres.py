"""PostgreSQL (issue 19): a school moved from SQLite by `flask db copy-to` arrives with every
row of every table; on PostgreSQL the audit trail stays append-only and the backups are
pg_dump archives that check, restore and drill like the SQLite copies.

The copy's test needs a PostgreSQL server: TABEL_TEST_PG_URL (scripts/pg_test.sh sets it) or
the local server's socket; it skips when none answers. The backup twins run in the
PostgreSQL run of the suite (DATABASE_URL set to PostgreSQL).
"""
from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, make_url, select, text, update
from sqlalchemy.exc import DBAPIError

from app import create_app
from extensions import db
from models import AuditEvent, Person
from models.audit import wipe_audit_trail
from services import backups, backups_pg, demo
from tests.conftest import ON_POSTGRES, TODAY

LOCAL = "postgresql+psycopg://postgres@/postgres?host=/var/run/postgresql"
on_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="runs with DATABASE_URL on PostgreSQL "
                                 "(scripts/pg_test.sh)")


def _server() -> str | None:
    """A PostgreSQL server that answers, or None."""
    url = os.environ.get("TABEL_TEST_PG_URL") or LOCAL
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            return url
    except (DBAPIError, ImportError):
        return None
    finally:
        engine.dispose()


@pytest.fixture
def pg_database():
    """A new empty database on the server, dropped after the test."""
    server = _server()
    if server is None:
        pytest.skip("no PostgreSQL server answers (scripts/pg_test.sh starts one)")
    name = f"tabel_copy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def sqlite_school(tmp_path, monkeypatch):
    """A small demo school in a SQLite file made by the migrations, as `make run` makes it."""
    monkeypatch.setattr("services.clock.today", lambda: TODAY)
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'school.sqlite3'}"})
    with app.app_context():
        upgrade()
        demo.build_demo(pupils=24, weeks=3, today=TODAY)
        db.session.commit()
        yield app
        db.session.remove()


def _rows(engine, table) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(table).order_by(*table.primary_key.columns))]


def test_copy_to_moves_every_row_of_every_table(pg_database, sqlite_school):
    result = sqlite_school.test_cli_runner().invoke(args=["db", "copy-to", pg_database])
    assert result.exit_code == 0, result.output
    target = create_engine(pg_database)
    try:
        filled = 0
        for table in db.metadata.sorted_tables:
            source_rows = _rows(db.engine, table)
            assert _rows(target, table) == source_rows, table.name
            filled += bool(source_rows)
        assert filled >= 20  # the demo school fills most tables: the comparison means something
        with target.begin() as conn:  # the ids go on after the copied ones
            new_id = conn.execute(insert(AuditEvent.__table__).values(
                action="test", object_type="test").returning(AuditEvent.id)).scalar_one()
        assert new_id > max(row[0] for row in _rows(db.engine, AuditEvent.__table__))
        with pytest.raises(DBAPIError, match="append-only"), target.begin() as conn:
            conn.execute(update(AuditEvent.__table__).values(old="x"))
    finally:
        target.dispose()


def test_copy_to_refuses_a_target_that_holds_rows(pg_database, sqlite_school):
    runner = sqlite_school.test_cli_runner()
    assert runner.invoke(args=["db", "copy-to", pg_database]).exit_code == 0
    again = runner.invoke(args=["db", "copy-to", pg_database])
    assert again.exit_code != 0 and "already holds rows" in again.output


@on_postgres
def test_the_audit_trail_is_append_only_and_the_demo_reset_wipes_it(app):
    db.session.add(AuditEvent(action="test", object_type="test"))
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event"))
    db.session.rollback()
    with db.engine.begin() as conn:
        wipe_audit_trail(conn)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 0
    db.session.add(AuditEvent(action="test", object_type="test"))
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):  # the guard is back
        db.session.execute(text("UPDATE audit_event SET old = 'x'"))
    db.session.rollback()


@pytest.fixture
def places(app, tmp_path):
    app.config["BACKUP_FOLDER"] = str(tmp_path / "backups")
    app.config["BACKUP_MIRROR"] = str(tmp_path / "usb")
    (tmp_path / "uploads").mkdir(exist_ok=True)
    (tmp_path / "uploads" / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
    return tmp_path


@on_postgres
def test_a_pg_dump_backup_is_checked_and_mirrored(school, places):
    made = backups.make_backup(dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC))
    assert made.ok and made.path.name == "tabel-20261207-200000", made.check
    assert (made.path / backups_pg.DUMP_NAME).is_file()
    assert made.check.tables["pupil"] == 4 and made.mirror_check.ok
    assert oct((made.path / backups_pg.DUMP_NAME).stat().st_mode & 0o777) == "0o600"
    (made.path / backups_pg.DUMP_NAME).write_bytes(b"PGDMP damaged")
    assert not backups.verify(made.path, made.check.tables).ok


@on_postgres
def test_restore_brings_the_dump_back_and_the_drill_agrees(app, school, places):
    db.session.add(AuditEvent(action="test", object_type="test"))
    db.session.commit()
    made = backups.make_backup(dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC))  # not now's name
    anna = school.anna.person_id
    db.session.execute(update(Person).where(Person.id == anna).values(last_name="Changed"))
    db.session.commit()
    db.session.remove()
    restored = backups.restore(made.path)
    assert restored.aside is not None and restored.tables["pupil"] == 4
    assert db.session.get(Person, anna).last_name != "Changed"
    assert (places / "uploads" / "scan.pdf").read_bytes() == b"%PDF-1.4 scan"
    newest, drilled, same = backups.verify_restore()
    assert same and drilled.tables == restored.tables
    runner = app.test_cli_runner()  # the commands an administrator types
    made_now = runner.invoke(args=["backup"])
    assert made_now.exit_code == 0, made_now.output
    drill = runner.invoke(args=["backup", "--verify-restore"])
    assert drill.exit_code == 0 and "restored into a temporary place" in drill.output
    assert restored.last_change is not None
    with pytest.raises(DBAPIError, match="append-only"):  # the restored trail is guarded too
        db.session.execute(text("DELETE FROM audit_event"))
    db.session.rollback()
