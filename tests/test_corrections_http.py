"""Late corrections over HTTP: the request form with its document, the decision, the
application, the document served only to those who may read the request."""
from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, Correction, Mark, WorkType
from tests.conftest import TODAY
from tests.fragments import status

OLD_DAY = dt.date(2026, 11, 10)  # a Tuesday of the 2nd quarter: long locked on TODAY
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def locked(school):
    """A locked lesson of 5 «А» maths where Anna got a 2."""
    b = school.builder
    lesson = b.lesson(school.maths5, OLD_DAY)
    wt = b._add(WorkType(code="cur", name_ru="Текущая", name_kk="Ағымдағы", weight=1))
    db.session.flush()
    db.session.add(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=2,
                        work_type_id=wt.id))
    db.session.commit()
    return lesson


def ask(client, lesson, pupil, **extra):
    data = {"new_value": "4", "reason": "retake", "note": "", "doc_number": "П-7",
            "doc_date": "2026-11-20", **extra}
    return client.post(f"/corrections/new?lesson={lesson.id}&pupil={pupil.id}", data=data,
                       content_type="multipart/form-data")


def anna_marks(school) -> list[int]:
    return list(db.session.scalars(select(Mark.value).where(Mark.pupil_id == school.anna.id)))


def test_request_approve_apply_end_to_end(login, school, locked, app):
    client = login("teacher")
    page = client.get(f"/corrections/new?lesson={locked.id}&pupil={school.anna.id}")
    assert page.status_code == 200 and "П-7" not in page.text
    response = ask(client, locked, school.anna,
                   document=(io.BytesIO(PDF), "protocol.pdf"))
    assert response.status_code == 302
    row = db.session.scalar(select(Correction))
    assert (row.status, row.old_value, row.new_value, row.requested_role) == \
        ("pending", "2", "4", "teacher")
    stored = os.path.join(app.config["UPLOAD_FOLDER"], "corrections", row.file_key)
    assert oct(os.stat(stored).st_mode & 0o777) == "0o600"
    assert client.get("/corrections/").status_code == 200
    assert f"/corrections/{row.id}" in client.get("/corrections/").text

    client = login("director")
    assert status(client.post(f"/corrections/{row.id}/decide",
                       data={"decision": "approve", "note": ""})) == 302
    assert status(client.post(f"/corrections/{row.id}/apply")) == 403  # director only approves
    client = login("deputy")
    assert status(client.post(f"/corrections/{row.id}/apply")) == 302
    assert anna_marks(school) == [4]
    row = db.session.get(Correction, row.id)
    assert row.status == "applied" and row.applied_at is not None
    cell = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "journal.cell"))
    assert (cell.old, cell.new, cell.correction_id, cell.role) == ("2", "4", row.id, "deputy")
    assert status(client.post(f"/corrections/{row.id}/apply")) == 409  # already applied


def test_reject_needs_a_comment_and_a_rejected_request_is_not_applied(login, school, locked):
    ask(login("teacher"), locked, school.anna)
    row = db.session.scalar(select(Correction))
    client = login("deputy")
    assert status(client.post(f"/corrections/{row.id}/decide",
                       data={"decision": "reject", "note": ""})) == 422
    assert status(client.post(f"/corrections/{row.id}/decide",
                       data={"decision": "reject", "note": "Нет протокола"})) == 302
    assert status(client.post(f"/corrections/{row.id}/apply")) == 409
    assert anna_marks(school) == [2]
    assert db.session.get(Correction, row.id).status == "rejected"


def test_own_request_and_other_level_are_refused(login, school, locked):
    ask(login("deputy"), locked, school.anna)
    row = db.session.scalar(select(Correction))
    client = login("deputy")
    response = client.post(f"/corrections/{row.id}/decide", data={"decision": "approve"})
    assert status(response) == 403
    client = login("deputy1")  # primary level: 5 «А» is not theirs (it cannot even see it)
    response = client.post(f"/corrections/{row.id}/decide", data={"decision": "approve"})
    assert status(response) in (403, 404)
    assert db.session.get(Correction, row.id).status == "pending"


def test_unlocked_cell_and_bad_file_are_refused_and_nothing_stored(login, school, locked, app,
                                                                  monkeypatch):
    # A small limit keeps the test's upload in memory (the real one is 5 MB).
    monkeypatch.setattr("services.corrections.files.MAX_BYTES", 1000)
    fresh = school.builder.lesson(school.maths5, TODAY)
    db.session.commit()
    client = login("teacher")
    assert status(ask(client, fresh, school.anna)) == 422
    fake = ask(client, locked, school.anna, document=(io.BytesIO(b"hello"), "scan.pdf"))
    assert status(fake) == 422
    big = ask(client, locked, school.anna,
              document=(io.BytesIO(PDF + b"0" * (1001 - len(PDF))), "big.pdf"))
    assert status(big) == 422
    assert db.session.scalar(select(func.count(Correction.id))) == 0
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "corrections")
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_families_and_strangers_never_reach_a_request(login, school, locked):
    ask(login("teacher"), locked, school.anna, document=(io.BytesIO(PDF), "protocol.pdf"))
    row = db.session.scalar(select(Correction))
    for user in ("mum", "anna", "dad2", "other", "deputy1"):
        client = login(user)
        for url in (f"/corrections/{row.id}", f"/corrections/{row.id}/document"):
            assert client.get(url).status_code in (403, 404), (user, url)
        assert status(client.post(f"/corrections/{row.id}/apply")) in (403, 404)
    assert login("mum").get("/corrections/").status_code == 403
    assert login("mum").get(
        f"/corrections/new?lesson={locked.id}&pupil={school.anna.id}").status_code in (403, 404)
    client = login("ct")  # the class teacher reads the request and its document
    with client.get(f"/corrections/{row.id}/document") as response:
        assert response.data == PDF
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_class_teacher_asks_only_for_absences(login, school, locked):
    client = login("ct")
    assert status(ask(client, locked, school.anna, new_value="4")) == 403
    response = ask(client, locked, school.anna, new_value="о2", reason="illness",
                   doc_number="Справка 15")
    assert status(response) == 302
    assert db.session.scalar(select(Correction.new_value)) == "о2"


def test_home_pages_show_the_requests_and_what_waits(login, school, locked):
    ask(login("teacher"), locked, school.anna)
    row = db.session.scalar(select(Correction))
    home = login("teacher").get("/teacher").text
    assert f"/corrections/{row.id}" in home
    office = login("director").get("/office").text
    assert "/corrections/#cx-decide" in office
    login("director").post(f"/corrections/{row.id}/decide", data={"decision": "approve"})
    office = login("deputy").get("/office").text
    assert "/corrections/#cx-apply" in office and "/corrections/#cx-decide" not in office
