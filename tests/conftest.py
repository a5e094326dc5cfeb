"""Fixtures: an app on a fresh SQLite file (or, with DATABASE_URL set to a PostgreSQL URL, on
emptied PostgreSQL tables: scripts/pg_test.sh), a client, a sign-in helper and a tiny school."""
from __future__ import annotations

import contextvars
import datetime as dt
import os
import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url

from app import create_app
from extensions import db
from services import diary, settings_cache
from tests.factories import PASSWORD, tiny_school

# A Monday in the second quarter: fixed, so edit windows and weeks are predictable.
TODAY = dt.date(2026, 11, 23)


class FreshSessionClient(FlaskClient):
    """A test client whose every request gets its own app context, database session and `g`,
    as under a real server.

    The test itself holds an app context (and so a session) for its setup and its checks;
    Flask would reuse that context for the request, and a request would then see objects the
    test loaded, or leave behind what it loaded for the next request (how issue 14's defect 3
    stayed hidden). The request runs in an empty context instead; around it, the test's own
    session commits what the test set up and forgets what it had loaded, so its next read
    sees what the request wrote.
    """

    def open(self, *args, **kwargs):
        outer = db.session if _has_app_context() else None
        if outer is not None:
            outer.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            if outer is not None:
                outer.expire_all()


def _has_app_context() -> bool:
    from flask import has_app_context
    return has_app_context()


PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgresql")


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL the browser tests are skipped: they serve their own SQLite file, so a
    second run would repeat the SQLite run's browser tests and double CI's time."""
    if not ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="browser tests use their own SQLite file: run with SQLite")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


def database_url(path) -> str:
    """A fresh, empty database for a test that builds its own app: the SQLite file `path`,
    or on PostgreSQL a new database on the same server (dropped at the end of the run)."""
    if not ON_POSTGRES:
        return f"sqlite:///{path}"
    name = f"tabel_t_{uuid.uuid4().hex[:12]}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    _CREATED_DATABASES.append(name)
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


_CREATED_DATABASES: list[str] = []


def _admin_sql(statement: str) -> None:
    engine = create_engine(make_url(PG_URL).set(database="postgres"),
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def pytest_sessionfinish(session):
    for engines in db._app_engines.values():  # the apps of database_url()'s tests
        for engine in engines.values():
            engine.dispose()
    for name in _CREATED_DATABASES:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_schema_made = False


def _fresh_schema() -> None:
    """SQLite: the tables in the new file. PostgreSQL: the schema built once per run (with
    the audit triggers, by create_all's DDL events), then every table emptied per test and
    ids restarted, as a fresh file would have them (TRUNCATE fires no row triggers)."""
    global _schema_made
    if not ON_POSTGRES:
        db.create_all()
        return
    if not _schema_made:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        db.create_all()
        _schema_made = True
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        # A link an earlier test left open in a transaction (a thread's, a failed test's)
        # would block the TRUNCATE and fail every test after it: no test inherits one.
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid <> pg_backend_pid()")
        conn.exec_driver_sql("SET LOCAL lock_timeout = '20s'")
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    settings_cache.forget()  # it is kept per database URL, the same for every test here
    diary.forget_visits()  # so is the note of recent diary visits


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setattr("services.clock.today", lambda: TODAY)
    monkeypatch.delenv("TABEL_BACKUP_MIRROR", raising=False)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": PG_URL if ON_POSTGRES else
        f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        # A test that starts a backup (the route walk, the fuzz tests) writes it here.
        "BACKUP_FOLDER": str(tmp_path / "backups"),
        "BACKUP_MIRROR": None,
    })
    app.test_client_class = FreshSessionClient
    with app.app_context():
        _fresh_schema()
        yield app
        db.session.remove()
        db.engine.dispose()  # each test's app has its own pool: no idle links left behind


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def school(app):
    """The tiny school of tests/factories.py, committed."""
    return tiny_school(TODAY)


@pytest.fixture
def login(client):
    """Sign a user in: login("teacher"). Returns the client."""
    def do(username: str, password: str = PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, f"sign-in as {username} failed"
        return client
    return do
