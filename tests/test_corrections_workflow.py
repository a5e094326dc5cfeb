"""Late corrections at the service level (issue 17): services.corrections.workflow's request,
decide and apply, each step's rule and refusal, its audit rows, and the attached document.
A refused step writes nothing: no Correction, no audit row, no file."""
from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from extensions import db
from models import AcademicYear, Attendance, AuditEvent, Correction, FinalMark, Mark, User
from services.corrections import files, workflow
from services.corrections.errors import CorrectionError
from services.corrections.workflow import Request
from tests.conftest import TODAY

OLD_DAY = dt.date(2026, 11, 10)  # a Tuesday of the 2nd quarter: long locked on TODAY
DOC_DAY = dt.date(2026, 11, 20)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def asked(value: str = "4", reason: str = "illness", doc_number: str = "№ 17",
          note: str = "", doc_date: dt.date | None = DOC_DAY) -> Request:
    return Request(new_value=value, reason=reason, note=note, doc_number=doc_number,
                   doc_date=doc_date)


def upload(data: bytes, name: str = "certificate.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/pdf")


def stored_files(app) -> list[Path]:
    base = Path(app.config["UPLOAD_FOLDER"]) / "corrections"
    return sorted(base.iterdir()) if base.exists() else []


@pytest.fixture
def rq(app):
    """A request context: the services' messages are translated."""
    with app.test_request_context():
        yield


@pytest.fixture
def locked(school, rq):
    """A locked lesson of 5 «А» maths (the page of `teacher`) where Анна got a 2."""
    lesson = school.builder.lesson(school.maths5, OLD_DAY)
    db.session.add(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=2,
                        work_type_id=school.builder.work_types["lesson"].id))
    db.session.commit()
    return lesson


def ask(school, lesson, who: str = "teacher", data: Request | None = None, file=None,
        pupil=None) -> Correction:
    target = workflow.cell_target(lesson, pupil or school.anna)
    row = workflow.request(user(who), target, data or asked(), file, TODAY)
    db.session.commit()
    return row


def refused(fn, *args, status: int | None = None) -> CorrectionError:
    """The step refuses, and nothing it began is kept."""
    audit_rows, corrections = count(AuditEvent), count(Correction)
    with pytest.raises(CorrectionError) as caught:
        fn(*args)
    db.session.rollback()
    assert (count(AuditEvent), count(Correction)) == (audit_rows, corrections)
    if status is not None:
        assert caught.value.status == status
    return caught.value


def anna_marks(school) -> list[int]:
    return list(db.session.scalars(select(Mark.value).where(Mark.pupil_id == school.anna.id)))


def rows_of(correction: Correction) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.correction_id == correction.id).order_by(AuditEvent.id)))


# -- the whole path -------------------------------------------------------------------------

def test_request_approve_apply(school, locked):
    row = ask(school, locked)
    assert (row.status, row.old_value, row.new_value, row.requested_role, row.requested_by) == (
        "pending", "2", "4", "teacher", user("teacher").id)
    assert anna_marks(school) == [2]  # asking changes nothing yet
    workflow.decide(user("deputy"), row, True, "")
    db.session.commit()
    assert (row.status, row.decided_by) == ("approved", user("deputy").id)
    assert row.decided_at is not None and anna_marks(school) == [2]
    workflow.apply(user("deputy"), row, TODAY)
    db.session.commit()
    assert (row.status, row.applied_by) == ("applied", user("deputy").id)
    assert row.applied_at is not None and anna_marks(school) == [4]
    steps = [(e.action, e.role, e.user_id, e.pupil_id, e.class_id, e.subject_id)
             for e in rows_of(row)]
    teacher, deputy = user("teacher").id, user("deputy").id
    where = (school.anna.id, school.c5.id, school.maths.id)
    assert steps == [("correction.request", "teacher", teacher, *where),
                     ("correction.approve", "deputy", deputy, *where),
                     ("journal.cell", "deputy", deputy, *where),
                     ("correction.apply", "deputy", deputy, *where)]
    cell = rows_of(row)[2]
    assert (cell.object_type, cell.object_id, cell.old, cell.new) == ("lesson", locked.id,
                                                                      "2", "4")
    # each step reads like the cell's own row: the entry's old and new value, a comment
    assert [(e.old, e.new) for e in rows_of(row)] == [("2", "4"), ("", ""), ("2", "4"),
                                                      ("2", "4")]


def test_the_administrator_applies_on_the_deputys_order(school, locked):
    row = ask(school, locked)
    workflow.decide(user("director"), row, True, "Согласовано")
    workflow.apply(user("admin"), row, TODAY)
    db.session.commit()
    assert anna_marks(school) == [4] and row.decision_note == "Согласовано"
    assert [e.role for e in rows_of(row)] == ["teacher", "director", "admin", "admin"]


def test_a_period_mark_is_corrected_after_the_final_lock(school, rq, monkeypatch):
    period = school.builder.periods[0]  # the 1st quarter ended on 24 October: locked
    db.session.add(FinalMark(page_id=school.maths5.id, pupil_id=school.anna.id, kind="period",
                             period_id=period.id, value=3))
    db.session.commit()
    target = workflow.final_target(school.maths5, school.anna, "period", period)
    row = workflow.request(user("teacher"), target, asked("4"), None, TODAY)
    workflow.decide(user("deputy"), row, True, "")
    workflow.apply(user("deputy"), row, TODAY)
    db.session.commit()
    assert db.session.scalar(select(FinalMark.value)) == 4
    cell = next(e for e in rows_of(row) if e.action == "journal.period_mark")
    assert (cell.old, cell.new, cell.role) == ("3", "4", "deputy")


# -- deciding -------------------------------------------------------------------------------

def test_a_rejection_needs_a_comment_and_cannot_be_applied(school, locked):
    row = ask(school, locked)
    refused(workflow.decide, user("deputy"), row, False, "  ")
    assert row.status == "pending"
    workflow.decide(user("deputy"), row, False, "Справка не та")
    db.session.commit()
    assert (row.status, row.decision_note) == ("rejected", "Справка не та")
    refused(workflow.apply, user("deputy"), row, TODAY, status=409)
    assert anna_marks(school) == [2]
    assert [(e.action, e.new) for e in rows_of(row)] == [("correction.request", "4"),
                                                         ("correction.reject", "Справка не та")]


def test_nobody_approves_their_own_request(school, locked):
    row = ask(school, locked, "deputy")
    assert row.requested_role == "deputy"
    refused(workflow.decide, user("deputy"), row, True, "", status=403)
    assert row.status == "pending"
    workflow.decide(user("director"), row, True, "")  # another person may


def test_a_decided_request_is_not_decided_again(school, locked):
    row = ask(school, locked)
    workflow.decide(user("deputy"), row, True, "")
    db.session.commit()
    refused(workflow.decide, user("director"), row, False, "Нет", status=409)


def test_a_deputy_of_another_level_does_not_decide_or_apply(school, locked):
    row = ask(school, locked)
    refused(workflow.decide, user("deputy1"), row, True, "", status=403)
    for name in ("teacher", "ct", "secretary", "mum"):
        refused(workflow.decide, user(name), row, True, "", status=403)
    workflow.decide(user("deputy"), row, True, "")
    db.session.commit()
    for name in ("deputy1", "director", "teacher"):
        refused(workflow.apply, user(name), row, TODAY, status=403)
    assert anna_marks(school) == [2]


# -- applying -------------------------------------------------------------------------------

def test_an_applied_request_is_not_applied_again(school, locked):
    row = ask(school, locked)
    workflow.decide(user("deputy"), row, True, "")
    workflow.apply(user("deputy"), row, TODAY)
    db.session.commit()
    refused(workflow.apply, user("deputy"), row, TODAY, status=409)
    assert anna_marks(school) == [4]


def test_a_pending_request_is_not_applied(school, locked):
    row = ask(school, locked)
    refused(workflow.apply, user("deputy"), row, TODAY, status=409)


def test_the_entry_changed_since_the_request(school, locked):
    row = ask(school, locked)
    workflow.decide(user("deputy"), row, True, "")
    db.session.execute(Mark.__table__.update().where(Mark.pupil_id == school.anna.id)
                       .values(value=3))
    db.session.commit()
    error = refused(workflow.apply, user("deputy"), row, TODAY, status=409)
    assert "3" in error.message
    assert anna_marks(school) == [3] and row.status == "approved"


def test_a_closed_year_refuses_every_step(school, locked):
    row, pending = ask(school, locked), ask(school, locked, pupil=school.vera,
                                            data=asked("н"))
    workflow.decide(user("deputy"), row, True, "")
    db.session.get(AcademicYear, school.builder.year.id).closed = True
    db.session.commit()
    refused(workflow.apply, user("deputy"), row, TODAY, status=403)
    refused(workflow.decide, user("deputy"), pending, True, "", status=403)
    other = school.builder.lesson(school.maths5, OLD_DAY, 2)
    db.session.commit()
    refused(ask, school, other, status=403)
    assert anna_marks(school) == [2]


# -- who asks what ------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["mum", "anna", "other", "secretary", "deputy1"])
def test_who_may_not_ask(school, locked, who):
    refused(ask, school, locked, who, status=403)


def test_the_class_teacher_asks_for_an_absence_only(school, locked):
    vera_cell = workflow.cell_target(locked, school.vera)
    row = workflow.request(user("ct"), vera_cell, asked("н"), None, TODAY)
    db.session.commit()
    assert (row.requested_role, row.old_value, row.new_value) == ("class_teacher", "", "н")
    refused(ask, school, locked, "ct", status=403)  # Анна's 2 → 4: a mark, not an absence
    workflow.decide(user("deputy"), row, True, "")
    workflow.apply(user("deputy"), row, TODAY)
    db.session.commit()
    assert db.session.scalar(select(Attendance.status).where(
        Attendance.pupil_id == school.vera.id)) == "absent"


def test_an_open_entry_is_changed_in_the_journal_not_corrected(school, rq):
    lesson = school.builder.lesson(school.maths5, TODAY)
    db.session.commit()
    error = refused(ask, school, lesson)
    assert error.message == gettext("This entry can still be changed in the journal: a "
                                    "correction is only for a locked one.")


def test_the_value_must_change_and_be_a_mark(school, locked):
    refused(ask, school, locked, "teacher", asked("2"))
    refused(ask, school, locked, "teacher", asked("9"))


@pytest.mark.parametrize(("data", "ok"), [
    (asked(reason="retake", doc_number="П-7"), True),
    (asked(reason="retake", doc_number="  "), False),     # the protocol number is required
    (asked(reason="illness", doc_number=""), False),
    (asked(reason="other", note=""), False),              # another cause is described
    (asked(reason="other", note="Ошибка переноса"), True),
    (asked(reason="whim"), False),
    (asked(doc_date=None), False),
    (asked(doc_date=TODAY + dt.timedelta(days=1)), False),
    (asked(doc_number="x" * 41), False),
])
def test_the_reason_and_the_document(school, locked, data, ok):
    if ok:
        assert ask(school, locked, data=data).status == "pending"
    else:
        refused(ask, school, locked, "teacher", data)


def test_one_request_at_a_time_per_entry(school, locked):
    ask(school, locked)
    refused(ask, school, locked, status=409)


# -- the attached document ----------------------------------------------------------------

def test_a_pdf_is_stored_for_the_server_only(app, school, locked):
    row = ask(school, locked, file=upload(PDF))
    (stored,) = stored_files(app)
    assert stored.name == row.file_key and stored.read_bytes() == PDF
    assert oct(os.stat(stored).st_mode & 0o777) == "0o600"
    assert (row.file_name, row.file_type, row.file_size) == ("certificate.pdf",
                                                             "application/pdf", len(PDF))


@pytest.mark.parametrize(("data", "name"), [
    (b"just some text, not a scan", "certificate.pdf"),  # a text file renamed .pdf
    (b"MZ\x90\x00" + b"\x00" * 100, "scan.jpg"),
    (b"", "empty.pdf"),
    (b"%PDF-1.4\n" + b"0" * files.MAX_BYTES, "big.pdf"),  # over 5 MB
])
def test_a_wrong_or_too_big_file_is_refused_and_nothing_is_kept(app, school, locked, data,
                                                                 name):
    refused(ask, school, locked, "teacher", None, upload(data, name))
    assert stored_files(app) == []


def test_a_retake_names_its_protocol(school, locked):
    error = refused(ask, school, locked, "teacher", asked(reason="retake", doc_number=""))
    assert error.message == gettext("Give the protocol number of the retake.")


def test_a_page_whose_year_marks_are_set_is_still_corrected(school, locked):
    """The teacher can no longer write the page (001 3.7); a correction still reaches it."""
    school.maths5.year_closed_on = TODAY
    db.session.commit()
    row = ask(school, locked)
    workflow.decide(user("deputy"), row, True, "")
    workflow.apply(user("deputy"), row, TODAY)
    db.session.commit()
    assert anna_marks(school) == [4]
