"""Every route, as every role: no 500s, and no family ever sees another family's child."""
from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from extensions import db
from models import (
    Attendance,
    AuditEvent,
    FinalMark,
    Lesson,
    Mark,
    ParentNotice,
    PlanItem,
    SummativeWork,
    WorkPoints,
)
from tests import route_map
from tests.fragments import status

USERS = ("admin", "director", "deputy", "deputy1", "secretary", "teacher", "ct", "other",
         "mum", "dad2", "anna", "vera")
FAMILY = ("mum", "dad2", "anna", "vera")
# Names a family member must never meet: the children of the other family.
FOREIGN = {"mum": ("Васильева",), "anna": ("Васильева", "Антонов Борис"),
           "dad2": ("Антонова", "Антонов"), "vera": ("Антонова", "Антонов")}


def _urls(app, school, lessons, method: str) -> list[tuple[str, str]]:
    cands = route_map.candidates(school, lessons)
    urls = []
    for rule in route_map.rules(app, method):
        args = sorted(rule.arguments)
        if any(a not in cands for a in args):
            pytest.fail(f"route walk: no sample values for {rule.rule} ({args}); add them")
        combos = [{}]
        for a in args:
            combos = [dict(c, **{a: v}) for c in combos for v in cands[a]]
        urls.extend((rule.endpoint, route_map.fill(rule, combo)) for combo in combos)
    return urls


@pytest.fixture
def lessons(school):
    return route_map.sample_lessons(school)


def _journal_rows() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in
                 (Mark, Attendance, Lesson, FinalMark, ParentNotice, PlanItem, AuditEvent,
                  SummativeWork, WorkPoints))


@pytest.mark.parametrize("username", USERS)
def test_get_every_route(app, school, lessons, login, username):
    client = login(username)
    for _endpoint, url in _urls(app, school, lessons, "GET"):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, (username, url, response.status_code)
            if username in FOREIGN and response.status_code == 200:
                body = _text(response)
                for name in FOREIGN[username]:
                    assert name not in body, (username, url, name)


def _text(response) -> str:
    """A page's text, or a PDF's (a family downloads their own child's extract), or the
    PDF's and the JSON's of a family's data archive (issue 19)."""
    if response.mimetype == "application/zip":
        files = zipfile.ZipFile(io.BytesIO(response.data))
        return _pdf_text(files.read("data.pdf")) + files.read("data.json").decode("utf-8")
    if response.mimetype != "application/pdf":
        return response.get_data(as_text=True)
    return _pdf_text(response.data)


def _pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("username", FAMILY)
def test_families_cannot_change_anything(app, school, lessons, login, username):
    client = login(username)
    before = _journal_rows()
    for endpoint, url in _urls(app, school, lessons, "POST"):
        if endpoint.startswith("auth."):
            continue
        response = client.post(url, data={"value": "5", "topic": "x", "homework": "x",
                                           "reason": "illness"})
        assert status(response) in (302, 303, 400, 403, 404, 405, 422), (url, response)
        assert _journal_rows() == before, (username, url)


def test_anonymous_gets_only_the_sign_in_page(app, school, lessons, client):
    for endpoint, url in _urls(app, school, lessons, "GET"):
        response = client.get(url)
        if endpoint in ("auth.login", "home.health") or endpoint.startswith("diary.public"):
            continue
        assert response.status_code in (302, 404), (url, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")
