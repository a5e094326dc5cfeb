"""Alembic migrations build the same schema as the models, on an empty database."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from app import create_app
from extensions import db
from tests.conftest import ON_POSTGRES, database_url

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's pragmas and batch migrations")


def test_upgrade_from_empty_matches_models(tmp_path):
    url = database_url(tmp_path / "migrated.sqlite3")  # on PostgreSQL: a new database there
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        engine = create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            tables = set(inspect(conn).get_table_names())
        engine.dispose()
        db.engine.dispose()  # no link left open for the garbage collector to warn about
    assert diff == [], diff
    assert {"mark", "lesson", "attendance", "user", "pupil"} <= tables


@sqlite_only
def test_sqlite_pragmas(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() in (1, 2)


@sqlite_only
def test_upgrade_keeps_the_data_of_a_school_that_already_works(tmp_path):
    """A school on the first schema, with marks pointing at lessons, upgrades to the latest
    without losing a row (SQLite's batch migrations copy tables: foreign keys must not fire)
    and keeps its families' access (the consent date becomes a consent record)."""
    import datetime as dt

    from flask_migrate import downgrade
    from sqlalchemy import func, select

    from models import Consent, Mark
    from tests.factories import tiny_school

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        school = tiny_school(dt.date(2026, 11, 23))
        lesson = school.builder.lesson(school.maths5, dt.date(2026, 11, 20))
        db.session.add(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=5,
                            work_type_id=school.builder.work_types["lesson"].id))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0001")
        db.engine.dispose()
        upgrade()
        assert db.session.scalar(select(func.count()).select_from(Mark)) == 1
        assert db.session.scalar(select(func.count()).select_from(Consent)) == 4
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        db.session.remove()
