"""Criteria-based rules at the entrances a review found open (issue 21): a correction of a
period mark, a half-year subject's first quarter asked for by a correction, н/а against a
computed mark, long digit strings in the plain forms, moving or removing a work, the year's
own reason in the finals form, and the change log reading a ФО correction."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from extensions import db
from models import FinalMark, Lesson, Mark, SummativeWork, User, WorkPoints
from services import entries
from services import school as school_service
from services.corrections import log, workflow
from services.corrections.errors import CorrectionError
from services.corrections.workflow import Request
from services.journal import JournalError
from services.summative import works
from tests.conftest import TODAY
from tests.factories import criteria_school
from tests.fragments import status

Q1_DAY = dt.date(2026, 10, 1)


@pytest.fixture
def s(app):
    school = criteria_school(TODAY)
    with app.test_request_context(), force_locale("en"):
        yield school


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def asked(value: str) -> Request:
    return Request(new_value=value, reason="retake", note="", doc_number="№ 5",
                   doc_date=TODAY)


def test_an_approved_correction_of_a_period_mark_applies_without_the_reason_question(s):
    q1 = s.builder.periods[0]  # ended on 24 October: locked
    s.builder.work(s.maths6, "sor", Q1_DAY, 10, {s.boris: 10})
    s.builder.work(s.maths6, "soch", dt.date(2026, 10, 15), 10, {s.boris: 10})  # computed 5
    db.session.add(FinalMark(page_id=s.maths6.id, pupil_id=s.boris.id, kind="period",
                             period_id=q1.id, value=5))
    db.session.commit()
    target = workflow.final_target(s.maths6, s.boris, "period", q1)
    row = workflow.request(user("teacher"), target, asked("4"), None, TODAY)
    workflow.decide(user("deputy"), row, True, "")
    workflow.apply(user("deputy"), row, TODAY)
    db.session.commit()
    assert db.session.scalar(select(FinalMark.value)) == 4


def test_a_correction_for_a_half_year_subjects_first_quarter_is_refused_when_asked(s):
    s.maths6.hours_per_week = 1
    db.session.commit()
    target = workflow.final_target(s.maths6, s.boris, "period", s.builder.periods[0])
    with pytest.raises(CorrectionError, match="per half-year"):
        workflow.request(user("teacher"), target, asked("4"), None, TODAY)


def test_not_attested_against_a_computed_mark_needs_a_reason(s):
    s.builder.work(s.maths6, "sor", dt.date(2026, 11, 16), 10, {s.boris: 9})
    s.builder.work(s.maths6, "soch", dt.date(2026, 11, 20), 10, {s.boris: 9})
    periods = school_service.periods_of(s.c6)

    def final(text, reason=None):
        return entries.save_final(user("teacher"), s.builder.school, s.maths6, s.boris.id,
                                  "period", periods[1], periods[-1], text, None, TODAY,
                                  reason=reason)
    with pytest.raises(entries.NeedsReason):
        final("н/а")
    assert final("н/а", reason="Болел всю четверть") == "n/a"
    assert final("осв.") == "exempt"  # an exemption is a status, not a judgement


@pytest.mark.parametrize("field", ["points-{pid}", "old-{pid}"])
def test_a_long_digit_string_in_the_works_form_is_refused_not_a_500(s, login, field):
    work = s.builder.work(s.maths6, "sor", dt.date(2026, 11, 20), 10)
    db.session.commit()
    data = {f"points-{s.boris.id}": "5", f"old-{s.boris.id}": ""}
    data[field.format(pid=s.boris.id)] = "9" * 5000
    response = login("teacher").post(f"/journal/works/{work.id}", data=data)
    assert status(response) in (409, 422)
    assert db.session.scalar(select(WorkPoints.id)) is None


@pytest.mark.parametrize("field", ["max_points", "plan_item"])
def test_a_long_digit_string_in_the_work_form_is_refused(s, field):
    form = {"kind": "sor", "name": "БЖБ", "date": "2026-11-20", "max_points": "10",
            field: "9" * 5000}
    with pytest.raises(JournalError):
        works.parse(form)


def test_a_work_with_points_stays_in_its_period_on_a_day_that_came(s):
    work = s.builder.work(s.maths6, "sor", dt.date(2026, 11, 20), 10, {s.boris: 8})
    school = s.builder.school

    def move(day):
        works.change(user("teacher"), school, s.maths6, work,
                     works.WorkData("sor", "БЖБ", day, 10), TODAY)
    for day in (dt.date(2026, 11, 25), dt.date(2027, 2, 10)):
        with pytest.raises(JournalError, match="stays in its period"):
            move(day)
    move(dt.date(2026, 11, 19))
    assert work.date == dt.date(2026, 11, 19)


def test_a_work_is_not_removed_from_a_closed_page_or_after_its_window(s):
    school = s.builder.school
    old = s.builder.work(s.maths6, "soch", dt.date(2026, 10, 15), 20)
    with pytest.raises(JournalError, match="edit window") as late:
        works.remove(user("teacher"), school, s.maths6, old, TODAY)
    assert late.value.status == 403
    fresh = s.builder.work(s.maths6, "sor", dt.date(2026, 11, 20), 10)
    s.maths6.year_closed_on = TODAY
    with pytest.raises(JournalError, match="read-only"):
        works.remove(user("teacher"), school, s.maths6, fresh, TODAY)
    assert db.session.get(SummativeWork, fresh.id) is not None


def test_the_finals_form_keeps_the_year_reason_apart(app, login, monkeypatch):
    monkeypatch.setattr("services.clock.today", lambda: dt.date(2027, 5, 27))
    s = criteria_school(dt.date(2027, 5, 27))
    q4 = s.builder.periods[3]
    for period in s.builder.periods[:3]:
        db.session.add(FinalMark(page_id=s.maths6.id, pupil_id=s.boris.id, kind="period",
                                 period_id=period.id, value=4))
    s.builder.work(s.maths6, "sor", dt.date(2027, 4, 12), 10, {s.boris: 8})
    s.builder.work(s.maths6, "soch", dt.date(2027, 5, 17), 10, {s.boris: 8})  # computed 4
    db.session.commit()
    client = login("teacher")
    url = f"/journal/pages/{s.maths6.id}/finals?period={q4.id}"
    pid = s.boris.id
    response = client.post(url, data={f"period-{pid}": "4", f"year-{pid}": "5",
                                      f"{pid}-reason": "За четверть — по расчёту"})
    assert status(response) == 422  # the year mark 5 against the mean 4 has no reason
    assert db.session.scalar(select(FinalMark.id).where(FinalMark.kind == "year")) is None
    response = client.post(url, data={f"period-{pid}": "4", f"year-{pid}": "5",
                                      f"{pid}-year-reason": "Победитель олимпиады"})
    assert response.status_code == 303
    year = db.session.scalar(select(FinalMark).where(FinalMark.kind == "year"))
    assert (year.value, year.reason) == (5, "Победитель олимпиады")


def test_the_change_log_reads_a_formative_correction_as_a_mark(s):
    lesson = s.builder.lesson(s.maths6, dt.date(2026, 11, 2))
    db.session.add(Mark(lesson_id=lesson.id, pupil_id=s.boris.id, value=6,
                        work_type_id=s.builder.work_types["lesson"].id))
    db.session.commit()
    row = workflow.request(user("teacher"), workflow.cell_target(
        db.session.get(Lesson, lesson.id), s.boris), asked("8"), None, TODAY)
    assert log.change_text(row, "ru").startswith("mark 6 → 8")
