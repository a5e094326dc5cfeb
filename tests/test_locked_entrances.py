"""Issue 17: a locked entry cannot be changed by any route. Past the edit window (2 school days
for current marks and absences, 7 days after a period's end for its marks) the page's teacher
is refused by every entrance that writes the journal: the grid's htmx cell, the same cell as a
plain form, a replayed request that succeeded while the lesson was open, the lesson page's
marks form and panel, the whole-lesson attendance, the fill, the work type, the period marks
form and its htmx route; a substitute of an old lesson too. Nothing changes and no audit row
is written. Leadership never writes the journal directly (only through a correction)."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select

from extensions import db
from models import Attendance, AuditEvent, FinalMark, Lesson, Mark
from tests.conftest import TODAY
from tests.fragments import status

DAY = dt.timedelta(days=1)
HX = {"HX-Request": "true"}
# Wednesday 18 November: three school days before TODAY (Monday): its marks are locked.
OLD_DAY = TODAY - 5 * DAY
REFUSED = (403, 409, 422)


def snapshot() -> tuple:
    """Everything a write could touch: marks, attendance, final marks, the lessons' work
    types, and the number of audit rows."""
    return (
        sorted(db.session.execute(select(Mark.lesson_id, Mark.pupil_id, Mark.value,
                                         Mark.comment, Mark.work_type_id)).all()),
        sorted(db.session.execute(select(Attendance.lesson_id, Attendance.pupil_id,
                                         Attendance.status)).all()),
        sorted(db.session.execute(select(FinalMark.pupil_id, FinalMark.period_id,
                                         FinalMark.value)).all()),
        sorted(db.session.execute(select(Lesson.id, Lesson.work_type_id)).all()),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
    )


@pytest.fixture
def old(school):
    """A locked lesson of 5 «А» maths: Анна has a 2 there, Вера nothing."""
    lesson = school.builder.lesson(school.maths5, OLD_DAY)
    db.session.add(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=2,
                        work_type_id=school.builder.work_types["lesson"].id))
    db.session.commit()
    return lesson


def cell(client, lesson_id: int, pupil_id: int, value: str, old: str = "", htmx: bool = True):
    return client.post(f"/journal/lessons/{lesson_id}/cell",
                       data={"pupil": pupil_id, "value": value, "old": old},
                       headers=HX if htmx else {})


def assert_refused(response, before: tuple) -> None:
    assert status(response) in REFUSED, (response.status_code, response.text[:300])
    assert snapshot() == before


def lock_message() -> str:
    with force_locale("ru"):
        return gettext("Corrections go through the deputy director's change log.")


# -- the grid -------------------------------------------------------------------------------

def test_the_htmx_cell(login, school, old):
    client, before = login("teacher"), snapshot()
    assert_refused(cell(client, old.id, school.anna.id, "5", old="2"), before)
    assert_refused(cell(client, old.id, school.vera.id, "н"), before)
    assert_refused(cell(client, old.id, school.anna.id, "", old="2"), before)


def test_the_same_cell_as_a_plain_form(login, school, old):
    """Without JavaScript the refusal goes back to the lesson with the reason shown."""
    client, before = login("teacher"), snapshot()
    response = cell(client, old.id, school.anna.id, "5", old="2", htmx=False)
    assert response.status_code == 303 and snapshot() == before
    shown = client.get(response.headers["Location"]).text
    assert str(escape(lock_message())) in shown


def test_a_replayed_request_after_the_window(login, school, monkeypatch):
    lesson = school.builder.lesson(school.maths5, TODAY)
    db.session.commit()
    client = login("teacher")
    assert status(cell(client, lesson.id, school.anna.id, "5")) == 200
    assert status(cell(client, lesson.id, school.anna.id, "", old="5")) == 200
    # Thursday: three school days later, the lesson is locked; the first request, replayed
    # byte for byte, would still match the stored (empty) cell.
    monkeypatch.setattr("services.clock.today", lambda: TODAY + 3 * DAY)
    before = snapshot()
    assert_refused(cell(client, lesson.id, school.anna.id, "5"), before)
    response = cell(client, lesson.id, school.anna.id, "5", htmx=False)
    assert response.status_code == 303 and snapshot() == before


def test_the_whole_lesson_attendance(login, school, old):
    client, before = login("teacher"), snapshot()
    url = f"/journal/lessons/{old.id}/attendance"
    assert_refused(client.post(url, data={"absent": [school.vera.id]}, headers=HX), before)
    assert_refused(client.post(url, data={}, headers=HX), before)


def test_the_fill(login, school, old):
    client, before = login("teacher"), snapshot()
    assert_refused(client.post(f"/journal/lessons/{old.id}/fill", data={"value": "5"},
                               headers=HX), before)


def test_the_work_type_in_the_grid(login, school, old):
    client, before = login("teacher"), snapshot()
    control = school.builder.work_types["control"].id
    assert_refused(client.post(f"/journal/lessons/{old.id}/work-type",
                               data={"work_type": control}, headers=HX), before)


# -- the lesson page ------------------------------------------------------------------------

def test_the_lesson_pages_marks_form(login, school, old):
    client, before = login("teacher"), snapshot()
    response = client.post(f"/lessons/{old.id}/marks", data={
        f"cell-{school.anna.id}": "5", f"old-{school.anna.id}": "2",
        f"cell-{school.vera.id}": "н", f"old-{school.vera.id}": ""})
    assert_refused(response, before)


def test_the_lesson_panels_work_type(login, school, old):
    client, before = login("teacher"), snapshot()
    control = school.builder.work_types["control"].id
    response = client.post(f"/lessons/{old.id}", data={
        "topic": "", "homework": "", "work_type_id": str(control), "substitute_id": "",
        "plan_item_id": ""})
    assert_refused(response, before)


# -- period marks after the final lock ----------------------------------------------------

@pytest.fixture
def first_quarter(school):
    """The 1st quarter ended on 24 October: on TODAY its marks are locked (7 days after)."""
    period = school.builder.periods[0]
    db.session.add(FinalMark(page_id=school.maths5.id, pupil_id=school.anna.id, kind="period",
                             period_id=period.id, value=3))
    db.session.commit()
    return period


def test_the_period_mark_htmx_route(login, school, first_quarter):
    client, before = login("teacher"), snapshot()
    for pupil, value, was in ((school.anna, "5", "3"), (school.anna, "", "3"),
                              (school.vera, "4", "")):
        response = client.post(f"/journal/pages/{school.maths5.id}/final", data={
            "pupil": pupil.id, "kind": "period", "period": first_quarter.id, "value": value,
            "old": was}, headers=HX)
        assert_refused(response, before)


def test_the_period_marks_form(login, school, first_quarter):
    client, before = login("teacher"), snapshot()
    url = f"/journal/pages/{school.maths5.id}/finals?period={first_quarter.id}"
    response = client.post(url, data={f"period-{school.anna.id}": "5",
                                      f"period-{school.vera.id}": "4"})
    assert_refused(response, before)


@pytest.mark.parametrize(("days_after", "open_"), [(7, True), (8, False)])
def test_the_final_lock_boundary_on_both_routes(login, school, monkeypatch, days_after, open_):
    period = school.builder.periods[1]
    monkeypatch.setattr("services.clock.today", lambda: period.end_date + days_after * DAY)
    client, before = login("teacher"), snapshot()
    url = f"/journal/pages/{school.maths5.id}/finals?period={period.id}"
    form = client.post(url, data={f"period-{school.anna.id}": "5"})
    htmx = client.post(f"/journal/pages/{school.maths5.id}/final", data={
        "pupil": school.vera.id, "kind": "period", "period": period.id, "value": "4",
        "old": ""}, headers=HX)
    if open_:
        assert (form.status_code, status(htmx)) == (303, 200)
    else:
        assert_refused(form, before)
        assert_refused(htmx, before)


# -- a substitute, and the leadership -------------------------------------------------------

def test_the_substitute_of_an_old_lesson(login, school):
    lesson = school.builder.lesson(school.maths5, OLD_DAY, 3,
                                   substitute_id=school.other_staff.id)
    db.session.commit()
    client, before = login("other"), snapshot()
    assert_refused(cell(client, lesson.id, school.anna.id, "5"), before)
    assert_refused(client.post(f"/journal/lessons/{lesson.id}/attendance",
                               data={"absent": [school.vera.id]}, headers=HX), before)
    assert_refused(client.post(f"/journal/lessons/{lesson.id}/fill", data={"value": "5"},
                               headers=HX), before)
    assert_refused(client.post(f"/lessons/{lesson.id}/marks", data={
        f"cell-{school.anna.id}": "5", f"old-{school.anna.id}": ""}), before)


@pytest.mark.parametrize("who", ["deputy", "director", "admin"])
def test_the_leadership_never_writes_the_journal_directly(login, school, who):
    """Not even an open lesson: the leadership changes an entry by a correction only."""
    lesson = school.builder.lesson(school.maths5, TODAY)
    db.session.commit()
    client, before = login(who), snapshot()
    page = school.maths5.id
    posts = [
        (f"/journal/lessons/{lesson.id}/cell", {"pupil": school.anna.id, "value": "5"}),
        (f"/journal/lessons/{lesson.id}/attendance", {"absent": [school.vera.id]}),
        (f"/journal/lessons/{lesson.id}/fill", {"value": "5"}),
        (f"/journal/lessons/{lesson.id}/work-type",
         {"work_type": school.builder.work_types["control"].id}),
        (f"/journal/pages/{page}/final", {"pupil": school.anna.id, "kind": "period",
                                          "period": school.builder.periods[1].id,
                                          "value": "5", "old": ""}),
        (f"/journal/pages/{page}/finals?period={school.builder.periods[1].id}",
         {f"period-{school.anna.id}": "5"}),
        (f"/lessons/{lesson.id}/marks", {f"cell-{school.anna.id}": "5",
                                         f"old-{school.anna.id}": ""}),
        (f"/lessons/{lesson.id}", {"topic": "Дроби", "homework": "", "work_type_id": "",
                                   "substitute_id": "", "plan_item_id": ""}),
    ]
    for url, data in posts:
        for headers in (HX, {}):
            response = client.post(url, data=data, headers=headers)
            assert response.status_code == 403, (url, headers, response.status_code)
    assert snapshot() == before
