"""The journal over HTTP: who may read and write, refusals that lose nothing, query counts."""
from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager

import pytest
from flask import g
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import event, func, select

from extensions import db
from models import (
    Attendance,
    AuditEvent,
    Enrolment,
    FinalMark,
    Mark,
    ParentNotice,
    Person,
    Pupil,
)
from tests.conftest import TODAY

DAY = dt.timedelta(days=1)


def ru(message: str, **values) -> str:
    """A message as the (Russian) page shows it, whatever the catalogs hold today."""
    with force_locale("ru"):
        return gettext(message, **values)


@pytest.fixture
def lessons(school):
    b = school.builder
    today = b.lesson(school.maths5, TODAY, topic="Дроби", homework="№ 12")
    old = b.lesson(school.maths5, TODAY - 3 * DAY)
    two = b.lesson(school.maths5, TODAY - 2 * DAY)
    db.session.commit()
    return {"today": today.id, "old": old.id, "two": two.id}


def cell(client, lesson_id: int, pupil_id: int, value: str, old: str | None = "", **extra):
    data = {"pupil": pupil_id, "value": value, **extra}
    if old is not None:
        data["old"] = old
    return client.post(f"/journal/lessons/{lesson_id}/cell", data=data)


def marks_of(pupil_id: int) -> list[int]:
    return list(db.session.scalars(select(Mark.value).where(Mark.pupil_id == pupil_id)
                                   .order_by(Mark.lesson_id, Mark.position)))


@contextmanager
def count_queries():
    seen: list[str] = []
    # The test shares one app context (session and g) with the requests: start each count
    # as a real request would, with nothing loaded.
    db.session.expire_all()
    g.pop("_login_user", None)

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


# -- reading ------------------------------------------------------------------------------

def test_teacher_sees_grid_with_lessons_and_pupils(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "5")
    html = client.get(f"/journal/pages/{school.maths5.id}").text
    assert "Антонова А." in html and "Васильева В." in html
    assert "Дроби" in html and "23.11" in html
    assert f'data-l="{lessons["today"]}"' in html and "<td>5</td>" in html
    assert html.index("Антонова") < html.index("Васильева")  # alphabetical


@pytest.mark.parametrize(("user", "status"), [
    ("teacher", 200), ("ct", 200), ("deputy", 200), ("director", 200), ("admin", 200),
    ("other", 404), ("deputy1", 404), ("secretary", 404), ("anna", 404), ("mum", 404),
])
def test_who_reads_a_page(login, school, lessons, user, status):
    assert login(user).get(f"/journal/pages/{school.maths5.id}").status_code == status


@pytest.mark.parametrize(("user", "status"), [
    ("anna", 404), ("mum", 404), ("vera", 404), ("dad2", 404), ("other", 404),
    ("ct", 403), ("deputy", 403), ("director", 403), ("admin", 403),
])
def test_only_the_page_teacher_writes(login, school, lessons, user, status):
    client = login(user)
    assert cell(client, lessons["today"], school.anna.id, "5").status_code == status
    assert client.post(f"/journal/lessons/{lessons['today']}/attendance").status_code == status
    response = client.post(f"/journal/pages/{school.maths5.id}/final", data={
        "pupil": school.anna.id, "kind": "period", "period": school.builder.periods[1].id,
        "value": "5"})
    assert response.status_code == status
    assert marks_of(school.anna.id) == []
    assert db.session.scalar(select(func.count()).select_from(FinalMark)) == 0


def test_reader_sees_grid_read_only(login, school, lessons):
    html = login("ct").get(f"/journal/pages/{school.maths5.id}").text
    assert 'data-ro="1"' in html
    assert str(escape(ru("You can read this page; only its subject teacher writes on it."))) in html


def test_journal_index_lists_pages(login, school):
    html = login("teacher").get("/journal/").text
    assert f"/journal/pages/{school.maths5.id}" in html
    html = login("deputy").get("/journal/").text
    assert f"/journal/pages/{school.lit10.id}" in html
    assert login("anna").get("/journal/").status_code == 403


def test_subject_teacher_sees_absent_not_the_reason(login, school, lessons):
    db.session.add(Attendance(lesson_id=lessons["two"], pupil_id=school.anna.id,
                              status="absent", reason="illness"))
    db.session.commit()
    teacher_html = login("teacher").get(f"/journal/pages/{school.maths5.id}").text
    assert "<td>н</td>" in teacher_html and ru("illness") not in teacher_html
    ct_html = login("ct").get(f"/journal/pages/{school.maths5.id}").text
    assert f'title="{ru("illness")}">н<' in ct_html


# -- writing one cell ---------------------------------------------------------------------

def test_save_mark_records_audit_and_answers_small(login, school, lessons):
    response = cell(login("teacher"), lessons["today"], school.anna.id, "5/4")
    assert response.status_code == 200 and len(response.data) < 1024
    assert response.json["text"] == "5/4" and response.json["pred"] == 5
    assert marks_of(school.anna.id) == [5, 4]
    event_ = db.session.scalar(select(AuditEvent))
    assert (event_.action, event_.old, event_.new) == ("journal.cell", "", "5/4")


def test_absence_then_mark_then_clear(login, school, lessons):
    client = login("teacher")
    assert cell(client, lessons["today"], school.anna.id, "н").json["text"] == "н"
    assert cell(client, lessons["today"], school.anna.id, "4", old="н").json["text"] == "4"
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    assert cell(client, lessons["today"], school.anna.id, "", old="4").json["text"] == ""
    assert marks_of(school.anna.id) == []


def test_comment_parents_see(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "5")
    response = cell(client, lessons["today"], school.anna.id, "5", old="5", comment="Устно")
    assert response.json["comment"] == "Устно"
    assert db.session.scalar(select(Mark.comment)) == "Устно"


@pytest.mark.parametrize(("key", "days_ago", "status"), [("two", 2, 200), ("old", 3, 403)])
def test_edit_window_boundary_over_http(login, school, lessons, key, days_ago, status):
    response = cell(login("teacher"), lessons[key], school.anna.id, "5")
    assert response.status_code == status
    if status == 403:
        error = response.json["error"]
        assert ru("Marks and absences can be changed for %(days)d days after the lesson.",
                  days=2) in error
        assert ru("Corrections go through the deputy director's change log.") in error
        assert marks_of(school.anna.id) == []


def test_stale_cell_is_refused_and_keeps_the_stored_value(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "4")
    response = cell(client, lessons["today"], school.anna.id, "5", old="")
    assert response.status_code == 409
    assert response.json["error"] and response.json["text"] == "4"
    assert marks_of(school.anna.id) == [4]


@pytest.mark.parametrize("value", ["6", "x", "5/4/3", "1", "н5"])
def test_bad_input_gives_a_clear_message_and_loses_nothing(login, school, lessons, value):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "3")
    response = cell(client, lessons["today"], school.anna.id, value, old="3")
    assert response.status_code == 422 and response.json["error"]
    assert response.json["text"] == "3" and marks_of(school.anna.id) == [3]


def test_pupil_not_on_the_page(login, school, lessons):
    response = cell(login("teacher"), lessons["today"], school.boris.id, "5")
    assert response.status_code == 404
    assert response.json["error"] == ru("This pupil is not on this page on the lesson's date.")


def test_lesson_outside_the_study_periods(login, school):
    holiday = school.builder.lesson(school.maths5, dt.date(2026, 11, 2))  # autumn holidays
    db.session.commit()
    response = cell(login("teacher"), holiday.id, school.anna.id, "5")
    assert response.status_code == 422
    assert response.json["error"] == ru("This lesson's date is outside the study periods: it "
                                         "takes no marks or absences.")


def test_garbage_post_is_a_clear_422(login, school, lessons):
    response = login("teacher").post(f"/journal/lessons/{lessons['today']}/cell",
                                     data={"pupil": "abc", "value": "5"})
    assert response.status_code == 422 and response.json["error"]


def test_no_marks_grade_keeps_attendance_only(login, school, lessons):
    school.builder.school.no_marks_grades = "5"
    db.session.commit()
    client = login("teacher")
    response = cell(client, lessons["today"], school.anna.id, "5")
    assert response.status_code == 422
    assert response.json["error"] == ru(
        "Grade %(grade)d keeps attendance only: no marks are entered.", grade=5)
    assert cell(client, lessons["today"], school.anna.id, "н").status_code == 200


def test_year_closed_page_refuses_the_teacher(login, school, lessons):
    school.maths5.year_closed_on = TODAY
    db.session.commit()
    response = cell(login("teacher"), lessons["today"], school.anna.id, "5")
    assert response.status_code == 403
    assert ru("Year marks are set: this page is read-only.") in response.json["error"]


def test_substitute_writes_only_their_lesson(login, school, lessons):
    b = school.builder
    sub = b.lesson(school.maths5, TODAY - DAY, substitute_id=school.other_staff.id)
    db.session.commit()
    client = login("other")
    assert cell(client, sub.id, school.anna.id, "4").status_code == 200
    assert cell(client, lessons["today"], school.anna.id, "4").status_code == 403


# -- whole columns ------------------------------------------------------------------------

def test_everyone_present_except_listed(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "н")
    cell(client, lessons["today"], school.vera.id, "о")
    response = client.post(f"/journal/lessons/{lessons['today']}/attendance",
                           data={"absent": [school.vera.id]})
    assert response.status_code == 200
    assert response.json["absent"] == [school.vera.id]
    assert list(db.session.execute(select(Attendance.pupil_id, Attendance.status))) == [
        (school.vera.id, "absent")]


def test_fill_column_gives_mark_to_everyone_without_one(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "3")
    response = client.post(f"/journal/lessons/{lessons['today']}/fill", data={"value": "5"})
    assert response.json["pupils"] == [school.vera.id]
    assert marks_of(school.anna.id) == [3] and marks_of(school.vera.id) == [5]


def test_work_type_of_column_moves_its_marks(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "3")
    control = school.builder.work_types["control"]
    response = client.post(f"/journal/lessons/{lessons['today']}/work-type",
                           data={"work_type": control.id})
    assert response.json["weight"] == 5
    assert db.session.scalar(select(Mark.work_type_id)) == control.id


# -- period marks -------------------------------------------------------------------------

def final(client, school, value, old="", **extra):
    return client.post(f"/journal/pages/{school.maths5.id}/final", data={
        "pupil": school.anna.id, "kind": "period", "period": school.builder.periods[1].id,
        "value": value, "old": old, **extra})


def test_period_mark_below_predicted_asks_about_parents(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "5")
    response = final(client, school, "3")
    assert response.status_code == 409 and response.json["ask"] == "notice"
    assert db.session.scalar(select(func.count()).select_from(FinalMark)) == 0
    response = final(client, school, "3", told="yes", told_on="2026-11-20")
    assert response.status_code == 200
    notice = db.session.scalar(select(ParentNotice))
    assert notice.parents_told and notice.told_on == dt.date(2026, 11, 20)
    assert final(client, school, "2", old="3").status_code == 200  # already answered


def test_period_mark_specials(login, school, lessons):
    client = login("teacher")
    assert final(client, school, "н/а").json["text"] == ru("n/a")
    assert final(client, school, "осв", old=ru("n/a")).json["text"] == ru("exempt")
    assert final(client, school, "9", old=ru("exempt")).status_code == 422


@pytest.mark.parametrize(("days_after", "status"), [(7, 200), (8, 403)])
def test_period_marks_lock_seven_days_after_the_period(login, school, monkeypatch,
                                                       days_after, status):
    end = school.builder.periods[1].end_date
    monkeypatch.setattr("services.clock.today", lambda: end + days_after * DAY)
    assert final(login("teacher"), school, "5").status_code == status


# -- query counts -------------------------------------------------------------------------

def grow(school, pupils: int, lessons: int, number: int = 1) -> list[int]:
    """Add pupils to 5 «А» and lessons with marks to maths5; return the lesson ids."""
    b = school.builder
    for i in range(pupils):
        person = Person(last_name=f"Ученик{i:03}", first_name="Тест", sex="m")
        db.session.add(person)
        db.session.flush()
        pupil = Pupil(person_id=person.id, class_id=school.c5.id)
        db.session.add(pupil)
        db.session.flush()
        db.session.add(Enrolment(pupil_id=pupil.id, class_id=school.c5.id,
                                 start_date=b.year.start_date))
    ids = [b.lesson(school.maths5, TODAY - k * DAY, number).id for k in range(lessons)]
    pupil_ids = list(db.session.scalars(select(Pupil.id).where(Pupil.class_id == school.c5.id)))
    wt = b.work_types["lesson"].id
    db.session.add_all(Mark(lesson_id=lid, pupil_id=pid, value=4, work_type_id=wt)
                       for lid in ids for pid in pupil_ids)
    db.session.commit()
    return ids


def test_grid_runs_a_fixed_number_of_queries(login, school):
    client = login("teacher")
    url = f"/journal/pages/{school.maths5.id}"
    grow(school, 1, 2)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    grow(school, 20, 15, 2)
    with count_queries() as big:
        assert client.get(url).status_code == 200
    assert len(small) == len(big) <= 20


def test_attendance_of_a_lesson_is_a_fixed_handful_of_statements(login, school):
    client = login("teacher")
    ids = grow(school, 2, 1)
    anna = school.anna.id
    with count_queries() as small:
        client.post(f"/journal/lessons/{ids[0]}/attendance", data={"absent": [anna]})
    ids = grow(school, 30, 1, 2)
    pupil_ids = list(db.session.scalars(select(Pupil.id).where(Pupil.class_id == school.c5.id)))
    with count_queries() as big:
        response = client.post(f"/journal/lessons/{ids[0]}/attendance",
                               data={"absent": pupil_ids[:5]})
    assert response.status_code == 200 and len(response.json["absent"]) == 5
    assert len(small) == len(big) <= 10


def test_cell_save_runs_a_fixed_number_of_queries(login, school):
    client = login("teacher")
    ids = grow(school, 2, 2)
    anna = school.anna.id
    with count_queries() as small:
        cell(client, ids[0], anna, "5", old="4")
    ids = grow(school, 30, 30, 2)
    with count_queries() as big:
        cell(client, ids[0], anna, "5", old="4")
    # user, roles, lesson+page+school+period+staff, the pupil's marks, one update, one audit row
    assert len(small) == len(big) <= 6


@pytest.mark.parametrize(("n", "today", "window"), [
    (30, 29, (0, 30)),    # a small page is drawn whole
    (70, 69, (44, 70)),   # today last: the 26 columns before it
    (70, 0, (0, 26)),     # today first
    (70, 40, (27, 53)),   # mid-period: centred on today
    (70, None, (44, 70)),
])
def test_first_frame_window_is_centred_on_today(n, today, window):
    from services.grid import first_window
    assert first_window(n, today) == window


def test_columns_away_from_today_come_in_an_inert_template(login, school, monkeypatch):
    import services.grid as grid_service
    client = login("teacher")
    url = f"/journal/pages/{school.maths5.id}"
    grow(school, 2, 9)
    whole = client.get(url).get_data(as_text=True)
    assert 'id="jrest"' not in whole
    monkeypatch.setattr(grid_service, "FIRST_PAINT_COLUMNS", 2)
    html = client.get(url).get_data(as_text=True)
    shown, _, rest = html.partition('<template id="jrest"')
    assert rest and 'data-l="' in shown and 'data-l="' in rest
    ids = lambda text: re.findall(r'data-l="(\d+)"', text)  # noqa: E731
    assert sorted(ids(shown) + ids(rest)) == sorted(ids(whole)) and len(ids(shown)) == 2
    # every pupil's row has the same number of cells in the template as there are columns
    body = rest.split("<tbody>", 1)[1]
    assert all(r.count("<td") == len(ids(rest)) for r in body.split("</tr>")[:-1])
