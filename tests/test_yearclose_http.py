"""The year close wizard over HTTP: who may see and do each step, bad input answered with
422 and nothing changed, and the whole path from the check to undo."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AcademicYear, FinalMark, MarkExcuse, Pupil, YearClose
from tests.fragments import status

AFTER = dt.date(2027, 6, 3)
GOOD = {"order_no": "15-у", "order_date": "2027-06-01", "last_grade": "11",
        "ex_pupil": [], "ex_kind": [], "ex_note": []}


@pytest.fixture
def june(school, monkeypatch):
    monkeypatch.setattr("services.clock.today", lambda: AFTER)
    return school


def _marks(s, skip=()):
    for page in (s.maths5, s.maths6, s.lit5, s.lit10):
        for pupil in db.session.scalars(select(Pupil).where(Pupil.class_id == page.class_id)):
            if (page.id, pupil.id) not in skip:
                db.session.add(FinalMark(page_id=page.id, pupil_id=pupil.id, kind="year",
                                         value=5))
    db.session.commit()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("user, index, plan", [
    ("admin", 200, 200), ("director", 200, 200), ("deputy", 200, 403),
    ("teacher", 403, 403), ("secretary", 403, 403), ("mum", 403, 403), ("anna", 403, 403)])
def test_who_sees_which_step(june, login, user, index, plan):
    client = login(user)
    assert status(client.get("/year-close/")) == index
    assert status(client.get("/year-close/plan")) == plan
    assert status(client.post("/year-close/apply", data=GOOD)) in (plan, 422)
    assert not db.session.get(AcademicYear, june.builder.year.id).closed


def test_the_check_links_missing_marks_and_a_deputy_excuses_one(june, login):
    s = june
    _marks(s, skip={(s.maths5.id, s.anna.id)})
    client = login("deputy")
    page = client.get("/year-close/").get_data(as_text=True)
    assert f"/journal/pages/{s.maths5.id}" in page and "Антонова Анна" in page
    for reason in ("", "x" * 201):
        answer = client.post("/year-close/excuses", data={
            "page": s.maths5.id, "pupil": s.anna.id, "reason": reason})
        assert status(answer) == 422 and 'class="field-error"' in answer.get_data(as_text=True)
    for bad in ({"page": "²", "pupil": s.anna.id}, {"page": s.maths5.id, "pupil": "99999"}):
        assert status(client.post("/year-close/excuses", data={**bad, "reason": "x"})) == 404
    assert _count(MarkExcuse) == 0
    answer = client.post("/year-close/excuses", data={
        "page": s.maths5.id, "pupil": s.anna.id, "reason": "Arrived in May"})
    assert status(answer) == 303 and _count(MarkExcuse) == 1
    assert "Arrived in May" in client.get("/year-close/").get_data(as_text=True)


def test_a_deputy_of_another_level_cannot_excuse(june, login):
    s = june
    answer = login("deputy1").post("/year-close/excuses", data={
        "page": s.maths5.id, "pupil": s.anna.id, "reason": "Arrived in May"})
    assert status(answer) == 403 and _count(MarkExcuse) == 0


@pytest.mark.parametrize("change, field", [
    ({"order_no": ""}, "order_no"), ({"order_date": "2027-13-01"}, "order_date"),
    ({"order_date": ""}, "order_date"), ({"order_date": "2027-06-30"}, "order_date"),
    ({"last_grade": "²"}, "last_grade"), ({"last_grade": "13"}, "last_grade"),
    ({"ex_pupil": ["x"], "ex_kind": ["repeats"], "ex_note": [""]}, "exceptions"),
    ({"ex_pupil": ["99999"], "ex_kind": ["repeats"], "ex_note": [""]}, "exceptions"),
    ({"ex_pupil": ["1"], "ex_kind": ["expelled"], "ex_note": [""]}, "exceptions"),
    ({"ex_pupil": ["1", "1"], "ex_kind": ["repeats", "transferred"], "ex_note": ["", ""]},
     "exceptions"),
])
def test_bad_plan_input_is_a_field_error_and_changes_nothing(june, login, change, field):
    _marks(june)
    client = login("admin")
    data = {**GOOD, **change}
    for url in ("/year-close/plan", "/year-close/apply"):
        answer = client.post(url, data={**data, "confirm": "yes"})
        body = answer.get_data(as_text=True)
        assert status(answer) == 422 and f'id="{field}-err"' in body, (url, body[-2000:])
    assert _count(YearClose) == 0
    assert not db.session.get(AcademicYear, june.builder.year.id).closed


def test_the_whole_wizard_from_dry_run_to_undo(june, login):
    s = june
    _marks(s)
    client = login("admin")
    data = {**GOOD, "ex_pupil": [str(s.vera.id), ""], "ex_kind": ["repeats", ""],
            "ex_note": ["ill", ""]}
    dry = client.post("/year-close/plan", data=data)
    body = dry.get_data(as_text=True)
    assert status(dry) == 200 and "2027/2028" in body and 'name="confirm"' in body
    assert _count(YearClose) == 0
    unconfirmed = client.post("/year-close/apply", data=data)
    assert status(unconfirmed) == 422 and 'id="confirm-err"' in unconfirmed.get_data(
        as_text=True)
    assert _count(YearClose) == 0
    applied = client.post("/year-close/apply", data={**data, "confirm": "yes"})
    assert status(applied) == 303
    close = db.session.scalar(select(YearClose))
    assert applied.headers["Location"].endswith(f"/year-close/closes/{close.id}")
    result = client.get(f"/year-close/closes/{close.id}").get_data(as_text=True)
    assert f"/year-close/closes/{close.id}/undo" in result
    assert db.session.get(Pupil, s.vera.id).school_class.grade == 5
    assert status(login("deputy").post(f"/year-close/closes/{close.id}/undo")) == 403
    client = login("director")
    assert status(client.post(f"/year-close/closes/{close.id}/undo")) == 303
    assert db.session.get(YearClose, close.id).state == "undone"
    again = client.post(f"/year-close/closes/{close.id}/undo")
    assert status(again) == 422 and 'class="form-error"' in again.get_data(as_text=True)
    assert db.session.get(Pupil, s.vera.id).class_id == s.c5.id


def test_apply_with_missing_marks_is_refused(june, login):
    _marks(june, skip={(june.lit10.id, june.senior.id)})
    answer = login("admin").post("/year-close/apply", data={**GOOD, "confirm": "yes"})
    # the school's language: «Не выставлена 1 годовая отметка…»
    assert status(answer) == 422 and "годовая отметка" in answer.get_data(as_text=True)
    assert _count(YearClose) == 0


def _statements(client, url: str, data: dict | None = None) -> int:
    from sqlalchemy import event
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        answer = client.post(url, data=data) if data is not None else client.get(url)
        assert status(answer) == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_wizard_pages_run_a_fixed_number_of_queries(june, login):
    s = june
    client = login("admin")
    plan = {**GOOD, "ex_pupil": [str(s.vera.id)], "ex_kind": ["repeats"], "ex_note": [""]}
    small = (_statements(client, "/year-close/"), _statements(client, "/year-close/plan", plan))
    b = s.builder
    for grade in (2, 3, 4, 7):
        school_class = b.school_class(grade, "В")
        page = b.page(school_class, s.maths, s.t_staff)
        for n in range(6):
            pupil = b.pupil(school_class, f"Новикова{grade}", f"Ная{n}")
            b.lesson(page, dt.date(2027, 5, 10 + n))
            if n % 2:  # half the new year marks excused, half missing
                db.session.add(MarkExcuse(page_id=page.id, pupil_id=pupil.id, reason="home",
                                          recorded_by=s.admin.id))
    db.session.commit()
    large = (_statements(client, "/year-close/"), _statements(client, "/year-close/plan", plan))
    assert small == large


def test_a_deputy_of_one_level_sees_only_that_levels_pupils(june, login):
    s = june
    first = s.builder.school_class(3, "А")
    s.builder.pupil(first, "Младшая", "Юля")
    s.builder.page(first, s.maths, s.t_staff)
    db.session.commit()
    page = login("deputy1").get("/year-close/").get_data(as_text=True)
    assert "Младшая Юля" in page and "Антонова Анна" not in page
    assert "Антонова Анна" in login("deputy").get("/year-close/").get_data(as_text=True)
