"""Fixtures: an app on a fresh SQLite file, a client, a sign-in helper and a tiny school."""
from __future__ import annotations

import datetime as dt

import pytest

from app import create_app
from extensions import db
from tests.factories import PASSWORD, tiny_school

# A Monday in the second quarter: fixed, so edit windows and weeks are predictable.
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setattr("services.clock.today", lambda: TODAY)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "WTF_CSRF_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()


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
