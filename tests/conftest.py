"""Fixtures: an app on a fresh SQLite file, a client, a sign-in helper and a tiny school."""
from __future__ import annotations

import contextvars
import datetime as dt

import pytest
from flask.testing import FlaskClient

from app import create_app
from extensions import db
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


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setattr("services.clock.today", lambda: TODAY)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    })
    app.test_client_class = FreshSessionClient
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
