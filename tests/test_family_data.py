"""The family's own data (issue 19, DOMAIN.md 9): the page, the archive (PDF, JSON, CSV),
who read the card, and the correction requests the class teacher answers."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import func, select

from extensions import db
from models import Attendance, AuditEvent, DataRequest, FinalMark, Mark
from services.privacy import archive, holdings
from tests.fragments import status

KAZAKH = "әғқңөұүһі"


@pytest.fixture
def filled(school):
    """Анна has a literature mark, an absence for illness and a year mark; her medical note
    holds every Kazakh letter."""
    b = school.builder
    lesson = b.lesson(school.lit5, dt.date(2026, 11, 16), topic="Абай")
    b._add(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=5,
                work_type_id=b.work_types["lesson"].id, comment="молодец"))
    other = b.lesson(school.lit5, dt.date(2026, 11, 17))
    b._add(Attendance(lesson_id=other.id, pupil_id=school.anna.id, reason="illness"))
    b._add(FinalMark(page_id=school.lit5.id, pupil_id=school.anna.id, kind="period",
                     period_id=b.periods[0].id, value=4))
    school.anna.medical_notes = f"Аллергия: {KAZAKH}"
    db.session.commit()
    return school


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_holdings_hold_every_kind(filled, login):
    assert login("ct").get(f"/people/pupils/{filled.anna.id}").status_code == 200  # a staff read of the card
    with force_locale("en"):
        held = holdings.gather(filled.anna, "kk")
        assert [t.name for t in held.tables] == [
            "card", "parents", "classes", "consents", "marks", "summative", "attendance",
            "final_marks",
            "exam_results", "notices", "requests", "reads"]
        assert held.table("marks").records()[0]["subject"] == "Әдебиет"
        assert held.table("attendance").records()[0]["reason"] == "Illness"
        assert held.table("final_marks").records()[0]["mark"] == "4"
        assert held.table("summative").records() == []  # 5 «А» keeps the classic journal
        assert [r["given_by"] for r in held.table("consents").records()] == ["Антонова Анна"]
        read = held.table("reads").records()
        assert len(read) == 1 and read[0]["who"] == filled.ct.person.short_name
        assert read[0]["role"] == "class teacher" and read[0]["what"] == "opened the card"
        assert set(read[0]) == {"at", "role", "who", "what"}


def test_archive_has_a_pdf_json_and_csv(filled):
    with force_locale("kk"):
        held = holdings.gather(filled.anna, "kk")
        data = archive.make_zip(held)
    files = zipfile.ZipFile(io.BytesIO(data))
    names = set(files.namelist())
    assert {"data.pdf", "data.json", "csv/marks.csv", "csv/reads.csv", "csv/card.csv"} <= names
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        files.read("data.pdf"))).pages)
    assert all(letter in text for letter in KAZAKH)
    assert "Әдебиет" in text and "Антонова" in text
    loaded = json.loads(files.read("data.json"))
    assert loaded["marks"][0]["date"] == "2026-11-16" and loaded["marks"][0]["mark"] == 5
    assert loaded["attendance"][0]["reason"]  # illness is the family's own: included
    rows = list(csv.reader(io.StringIO(files.read("csv/marks.csv").decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][1] == "2026-11-16"


def test_the_family_reads_and_downloads(filled, login):
    client = login("mum")
    assert client.get("/my-data/").status_code == 200  # two children: a list
    page = client.get(f"/my-data/{filled.anna.id}/")
    assert page.status_code == 200 and "archive.zip" in page.text
    got = client.get(f"/my-data/{filled.anna.id}/archive.zip")
    assert got.status_code == 200 and got.mimetype == "application/zip"
    assert "attachment" in got.headers["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(got.data)).testzip() is None
    assert count(AuditEvent, action="pupil.data_export", pupil_id=filled.anna.id) == 1
    assert login("anna").get("/my-data/").status_code == 302  # the pupil: straight to self


@pytest.mark.parametrize("who", ["dad2", "ct", "teacher", "admin", "director", "secretary",
                                 "vera"])
def test_anyone_but_the_family_gets_404(filled, login, who):
    client = login(who)
    base = f"/my-data/{filled.anna.id}/"
    assert client.get(base).status_code == 404
    assert client.get(base + "archive.zip").status_code == 404
    assert client.post(base, data={"text": "Не та фамилия"}).status_code == 404
    assert count(DataRequest) == 0
    assert count(AuditEvent, action="pupil.data_export") == 0


def test_a_request_is_asked_answered_and_shown(filled, login):
    client = login("mum")
    base = f"/my-data/{filled.anna.id}/"
    assert status(client.post(base, data={"text": "   "})) == 422
    assert status(client.post(base, data={"text": "я" * 1001})) == 422
    assert count(DataRequest) == 0
    assert client.post(base, data={"text": "Дата рождения неверная"}).status_code == 303
    row = db.session.scalar(select(DataRequest))
    assert row.status == "open" and row.user_id == filled.mum.id
    # the class teacher of 6 «Б» and a subject teacher neither see nor answer it
    other = login("other")
    assert "Дата рождения" not in other.get("/my-data/requests/").text
    assert other.post(f"/my-data/requests/{row.id}/", data={f"r{row.id}-answer": "x"}
                      ).status_code == 404
    assert login("teacher").get("/my-data/requests/").status_code == 403
    assert login("mum").get("/my-data/requests/").status_code == 403
    ct = login("ct")
    assert "Дата рождения неверная" in ct.get("/my-data/requests/").text
    assert status(ct.post(f"/my-data/requests/{row.id}/", data={f"r{row.id}-answer": ""})) == 422
    assert ct.post(f"/my-data/requests/{row.id}/",
                   data={f"r{row.id}-answer": "Исправила в карточке"}).status_code == 303
    db.session.refresh(row)
    assert row.status == "answered" and row.answered_by == filled.ct.id
    assert status(ct.post(f"/my-data/requests/{row.id}/",
                          data={f"r{row.id}-answer": "ещё"})) == 422
    assert "Исправила в карточке" in login("anna").get(base).text
    assert "Исправила в карточке" in login("director").get("/my-data/requests/").text
    assert count(AuditEvent, action="data_request.answer") == 1


def test_a_deputy_of_another_level_does_not_see_the_request(filled, login):
    login("anna").post(f"/my-data/{filled.anna.id}/", data={"text": "Адрес устарел"})
    row = db.session.scalar(select(DataRequest))
    assert row.user_id != filled.mum.id  # the pupil asks for herself
    primary = login("deputy1")  # primary grades only; 5 «А» is a basic one
    assert "Адрес устарел" not in primary.get("/my-data/requests/").text
    assert primary.post(f"/my-data/requests/{row.id}/",
                        data={f"r{row.id}-answer": "x"}).status_code == 404
    assert "Адрес устарел" in login("deputy").get("/my-data/requests/").text
    assert "Адрес устарел" in login("mum").get(f"/my-data/{filled.anna.id}/").text


def test_holdings_hold_the_points_of_summative_works(app):
    from tests.conftest import TODAY
    from tests.factories import criteria_school
    s = criteria_school(TODAY)
    s.builder.work(s.maths6, "sor", dt.date(2026, 11, 20), 15, {s.boris: 12}, name="БЖБ 1")
    s.builder.work(s.maths6, "sor", dt.date(2026, 11, 20), 10, {s.anna: 3})  # another class
    with app.test_request_context(), force_locale("en"):
        rows = holdings.gather(s.boris, "kk").table("summative").records()
    assert rows == [{"year": "2026/2027", "date": dt.date(2026, 11, 20), "subject": "Математика",
                     "kind": "SAU", "work": "БЖБ 1", "points": 12, "max": 15}]
