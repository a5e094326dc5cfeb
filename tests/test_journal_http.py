"""The journal over HTTP: who may read and write, refusals that lose nothing, query counts."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from flask_babel import force_locale, gettext, ngettext
from markupsafe import escape
from sqlalchemy import func, select

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
from tests.fragments import Answer, answer
from tests.fragments import status as status_of
from tests.sql import count_queries

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


HX = {"HX-Request": "true"}


def cell(client, lesson_id: int, pupil_id: int, value: str, old: str | None = "",
         htmx: bool = True, **extra):
    """POST one cell as the grid does (an htmx request), or as a plain form (htmx=False)."""
    data = {"pupil": pupil_id, "value": value, **extra}
    if old is not None:
        data["old"] = old
    return client.post(f"/journal/lessons/{lesson_id}/cell", data=data,
                       headers=HX if htmx else {})


def marks_of(pupil_id: int) -> list[int]:
    return list(db.session.scalars(select(Mark.value).where(Mark.pupil_id == pupil_id)
                                   .order_by(Mark.lesson_id, Mark.position)))




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


def test_absence_reasons_are_decided_per_pupil(login, school, lessons):
    """Moving Анна to a class the subject teacher leads shows that teacher Анна's reason
    only; the page's class teacher keeps seeing every reason (issue 14, defect 4)."""
    b = school.builder
    for pupil in (school.anna, school.vera):
        db.session.add(Attendance(lesson_id=lessons["two"], pupil_id=pupil.id,
                                  status="absent", reason="illness"))
    led = b.school_class(5, "Б", teacher=school.t_staff)
    school.anna.class_id = led.id  # Анна moved: the subject teacher leads her class now
    db.session.commit()
    illness = f'title="{ru("illness")}">н<'
    teacher = login("teacher").get(f"/journal/pages/{school.maths5.id}").text
    rows = dict(re.findall(r'<tr id="p(\d+)"(.*?)</tr>', teacher, re.S))
    assert illness in rows[str(school.anna.id)] and illness not in rows[str(school.vera.id)]
    ct = login("ct").get(f"/journal/pages/{school.maths5.id}").text
    assert ct.count(illness) == 2


# -- writing one cell ---------------------------------------------------------------------

def saved(response) -> Answer:
    """An htmx answer that saved: 200, the cell itself, the row's average and the status."""
    assert response.status_code == 200, response.text
    assert "X-Journal-Refused" not in response.headers
    return answer(response.text)


def refused(response, status: int) -> Answer:
    """An htmx refusal: a 200 (no console error in the browser) whose X-Journal-Refused
    header carries the status it stands for, and the cell as stored, marked "er"."""
    assert response.status_code == 200, response.text
    assert response.headers.get("X-Journal-Refused") == str(status)
    return answer(response.text)


def test_save_mark_records_audit_and_answers_small(login, school, lessons):
    response = cell(login("teacher"), lessons["today"], school.anna.id, "5/4")
    got = saved(response)
    assert len(response.data) < 1024
    assert got.main.tag == "td" and got.main.text == "5/4" and "ok" in got.main.classes
    anna = school.anna.id
    assert got.text(f"#p{anna}>.avg") == "4,50"
    # two marks only: fewer than the school's minimum of 3 predicts н/а
    assert got.text(f"#p{anna}>.pr") == ru("n/a")
    assert got.text("#jstatus-text") == ru("Saved") + ": 5/4"
    assert marks_of(anna) == [5, 4]
    event_ = db.session.scalar(select(AuditEvent))
    assert (event_.action, event_.old, event_.new) == ("journal.cell", "", "5/4")


def test_the_answer_cell_is_the_cell_the_page_draws(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["two"], school.anna.id, "4")
    cell(client, lessons["two"], school.anna.id, "4", old="4", comment="Устно")
    page = client.get(f"/journal/pages/{school.maths5.id}").text
    answered = cell(client, lessons["today"], school.anna.id, "5").text
    assert '<td class="c" title="Устно">4</td>' in page
    assert answer(answered).main.text == "5"
    shown = cell(client, lessons["two"], school.anna.id, "4", old="4", comment="Устно").text
    assert shown.startswith('<td class="c ok" title="Устно">4</td>')


def test_absence_then_mark_then_clear(login, school, lessons):
    client = login("teacher")
    lid, anna = lessons["today"], school.anna.id
    assert saved(cell(client, lid, anna, "н")).main.text == "н"
    assert saved(cell(client, lid, anna, "4", old="н")).main.text == "4"
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    assert saved(cell(client, lid, anna, "", old="4")).main.text == ""
    assert marks_of(anna) == []


def test_kazakh_letters_in_the_answer(login, school, lessons):
    client = login("teacher")
    client.post("/language/kk", data={})
    assert saved(cell(client, lessons["today"], school.anna.id, "ж")).main.text == "ж"
    assert saved(cell(client, lessons["today"], school.anna.id, "к5", old="ж")).main.text == "к5"


def test_comment_parents_see(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "5")
    got = saved(cell(client, lessons["today"], school.anna.id, "5", old="5", comment="Устно"))
    assert got.main.attrs["title"] == "Устно" and "c" in got.main.classes
    assert db.session.scalar(select(Mark.comment)) == "Устно"


def test_a_too_long_comment_says_how_much_is_allowed_and_saves_nothing(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "5")
    got = refused(cell(client, lessons["today"], school.anna.id, "5", old="5",
                       comment="x" * 10_000), 422)
    assert ru("The comment is too long: at most %(n)d characters (now %(now)d).", n=200,
              now=10_000) == got.main.attrs["title"]
    assert db.session.scalar(select(Mark.comment)) == ""


# The window counts school days (issue 16): on this Monday the Thursday before is 2 school
# days back (open), the Wednesday 3 (closed); the weekend between does not count.
@pytest.mark.parametrize(("day", "status"), [(dt.date(2026, 11, 19), 200),
                                             (dt.date(2026, 11, 18), 403)])
def test_edit_window_boundary_over_http(login, school, day, status):
    lesson = school.builder.lesson(school.maths5, day, 2)
    db.session.commit()
    response = cell(login("teacher"), lesson.id, school.anna.id, "5")
    assert status_of(response) == status
    if status == 403:
        error = refused(response, 403).main.attrs["title"]
        with force_locale("ru"):
            assert ngettext("Marks and absences can be changed for %(num)d school day after "
                            "the lesson.", "Marks and absences can be changed for %(num)d "
                            "school days after the lesson.", 2) in error
        assert ru("Corrections go through the deputy director's change log.") in error
        assert marks_of(school.anna.id) == []


def test_stale_cell_is_refused_and_keeps_the_stored_value(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "4")
    got = refused(cell(client, lessons["today"], school.anna.id, "5", old=""), 409)
    assert got.main.attrs["title"] and got.main.text == "4" and "er" in got.main.classes
    assert marks_of(school.anna.id) == [4]


@pytest.mark.parametrize("value", ["6", "x", "5/4/3", "1", "н5", "²", "٣", "5" * 30])
def test_bad_input_gives_a_clear_message_and_loses_nothing(login, school, lessons, value):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "3")
    got = refused(cell(client, lessons["today"], school.anna.id, value, old="3"), 422)
    assert got.main.attrs["title"] and got.text("#jstatus-text") == got.main.attrs["title"]
    assert got.main.text == "3" and marks_of(school.anna.id) == [3]


def test_pupil_not_on_the_page(login, school, lessons):
    got = refused(cell(login("teacher"), lessons["today"], school.boris.id, "5"), 404)
    assert got.main.attrs["title"] == ru("This pupil is not on this page on the lesson's date.")
    assert got.main.text == ""  # nothing about Борис's real cell


def test_lesson_outside_the_study_periods(login, school):
    holiday = school.builder.lesson(school.maths5, dt.date(2026, 11, 2))  # autumn holidays
    db.session.commit()
    got = refused(cell(login("teacher"), holiday.id, school.anna.id, "5"), 422)
    assert got.main.attrs["title"] == ru("This lesson's date is outside the study periods: it "
                                         "takes no marks or absences.")


@pytest.mark.parametrize("pupil", ["abc", "", "-1", "²", "99999999999999999999", "1e3"])
def test_garbage_post_is_a_clear_refusal(login, school, lessons, pupil):
    response = login("teacher").post(f"/journal/lessons/{lessons['today']}/cell",
                                     data={"pupil": pupil, "value": "5"}, headers=HX)
    assert status_of(response) in (404, 422) and response.headers.get("X-Journal-Refused")
    assert answer(response.text).text("#jstatus-text")
    assert marks_of(school.anna.id) == []


def test_another_pages_lesson_id_is_refused(login, school, lessons):
    lit = school.builder.lesson(school.lit5, TODAY)
    db.session.commit()
    response = cell(login("teacher"), lit.id, school.anna.id, "5")
    assert response.status_code == 404 and marks_of(school.anna.id) == []


def test_no_marks_grade_keeps_attendance_only(login, school, lessons):
    school.builder.school.no_marks_grades = "5"
    db.session.commit()
    client = login("teacher")
    got = refused(cell(client, lessons["today"], school.anna.id, "5"), 422)
    assert got.main.attrs["title"] == ru(
        "Grade %(grade)d keeps attendance only: no marks are entered.", grade=5)
    assert cell(client, lessons["today"], school.anna.id, "н").status_code == 200


def test_year_closed_page_refuses_the_teacher(login, school, lessons):
    school.maths5.year_closed_on = TODAY
    db.session.commit()
    got = refused(cell(login("teacher"), lessons["today"], school.anna.id, "5"), 403)
    assert ru("Year marks are set: this page is read-only.") in got.main.attrs["title"]


def test_substitute_writes_only_their_lesson(login, school, lessons):
    b = school.builder
    sub = b.lesson(school.maths5, TODAY - DAY, substitute_id=school.other_staff.id)
    db.session.commit()
    client = login("other")
    assert cell(client, sub.id, school.anna.id, "4").status_code == 200
    assert cell(client, lessons["today"], school.anna.id, "4").status_code == 403


def test_a_plain_form_post_redirects_back_with_the_message(login, school, lessons):
    client = login("teacher")
    back = f"/lessons/{lessons['today']}"
    response = cell(client, lessons["today"], school.anna.id, "5", htmx=False, next=back)
    assert response.status_code == 303 and response.headers["Location"].endswith(back)
    assert marks_of(school.anna.id) == [5]
    bad = cell(client, lessons["today"], school.anna.id, "9", old="5", htmx=False,
               next="https://evil.example/")
    assert bad.status_code == 303 and "evil" not in bad.headers["Location"]
    page = client.get(bad.headers["Location"]).text
    assert escape(ru("%(value)s is not a mark: use %(low)d to %(high)d.", value="9", low=2,
                     high=5)) in page
    assert marks_of(school.anna.id) == [5]


# -- whole columns ------------------------------------------------------------------------

def test_everyone_present_except_listed(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "н")
    cell(client, lessons["today"], school.vera.id, "о")
    response = client.post(f"/journal/lessons/{lessons['today']}/attendance",
                           data={"absent": [school.vera.id], "col": "4"}, headers=HX)
    got = saved(response)
    assert got.main is None  # everything goes out of band, into the acted-on column
    assert got.text(f"#p{school.anna.id}>:nth-child(4)") == ""
    assert got.text(f"#p{school.vera.id}>:nth-child(4)") == "н"
    assert list(db.session.execute(select(Attendance.pupil_id, Attendance.status))) == [
        (school.vera.id, "absent")]


def test_fill_column_gives_mark_to_everyone_without_one(login, school, lessons):
    client = login("teacher")
    cell(client, lessons["today"], school.anna.id, "3")
    response = client.post(f"/journal/lessons/{lessons['today']}/fill",
                           data={"value": "5", "col": "4"}, headers=HX)
    got = saved(response)
    assert got.text(f"#p{school.vera.id}>:nth-child(4)") == "5"
    assert got.text(f"#p{school.vera.id}>.avg") == "5,00"
    assert marks_of(school.anna.id) == [3] and marks_of(school.vera.id) == [5]


def test_work_type_of_column_moves_every_mark_and_answers_the_head(login, school, lessons):
    client = login("teacher")
    lid = lessons["today"]
    cell(client, lid, school.anna.id, "3")
    homework = school.builder.work_types["homework"]
    db.session.add(Mark(lesson_id=lid, pupil_id=school.vera.id, value=4,
                        work_type_id=homework.id))  # a mark of another type, from before
    db.session.commit()
    control = school.builder.work_types["control"]
    got = saved(client.post(f"/journal/lessons/{lid}/work-type",
                            data={"work_type": control.id}, headers=HX))
    assert got.main.tag == "th" and got.main.attrs["data-w"] == str(control.id)
    assert "jctl" in got.main.classes
    assert set(db.session.scalars(select(Mark.work_type_id))) == {control.id}
    assert f"#p{school.anna.id}>.avg" in got.oob


def test_a_column_action_with_bad_input_changes_nothing(login, school, lessons):
    client = login("teacher")
    lid = lessons["today"]
    for url, data in ((f"/journal/lessons/{lid}/fill", {"value": "9"}),
                      (f"/journal/lessons/{lid}/fill", {"value": "²"}),
                      (f"/journal/lessons/{lid}/attendance", {"absent": ["x"]}),
                      (f"/journal/lessons/{lid}/attendance", {"absent": [school.boris.id]}),
                      (f"/journal/lessons/{lid}/work-type", {"work_type": "99999999999"}),
                      (f"/journal/lessons/{lid}/work-type", {"work_type": "²"})):
        response = client.post(url, data=data, headers=HX)
        assert status_of(response) in (404, 422), (url, data, response.status_code)
        assert answer(response.text).text("#jstatus-text")
    assert marks_of(school.anna.id) == [] and marks_of(school.vera.id) == []
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


# -- period marks -------------------------------------------------------------------------

def final(client, school, value, old="", htmx=True, **extra):
    return client.post(f"/journal/pages/{school.maths5.id}/final", data={
        "pupil": school.anna.id, "kind": "period", "period": school.builder.periods[1].id,
        "value": value, "old": old, **extra}, headers=HX if htmx else {})


def test_period_mark_below_predicted_asks_about_parents(login, school, lessons):
    client = login("teacher")
    for key in ("today", "two"):
        cell(client, lessons[key], school.anna.id, "5")
    cell(client, lessons["old"], school.anna.id, "н")
    school.builder.school.min_marks_for_period = 2
    db.session.commit()
    response = final(client, school, "3")
    got = refused(response, 409)
    assert json.loads(response.headers["HX-Trigger"])["journal:notice"]["text"]
    assert "fp" in got.main.classes and got.main.text == ""
    assert db.session.scalar(select(func.count()).select_from(FinalMark)) == 0
    # three lessons: told on the day of the third from the end (20 Nov) is in time
    got = saved(final(client, school, "3", told="yes", told_on="2026-11-20"))
    assert got.main.text == "3" and "nt" in got.main.classes
    notice = db.session.scalar(select(ParentNotice))
    assert notice.parents_told and notice.told_on == dt.date(2026, 11, 20)
    assert final(client, school, "2", old="3").status_code == 200  # already answered


@pytest.mark.parametrize(("told_on", "why"), [
    ("2026-11-24", "Дата предупреждения родителей не может быть в будущем."),
    ("2026-10-30", "Дата предупреждения родителей должна быть внутри периода"),
    # after the day of the 3rd lesson from the end (20 Nov)
    ("2026-11-21", "Родителей нужно предупредить не позднее чем за 3 урока до конца периода, "
                   "то есть до 20 ноября."),
])
def test_the_told_date_is_checked(login, school, lessons, told_on, why):
    client = login("teacher")
    for key in ("today", "two"):
        cell(client, lessons[key], school.anna.id, "5")
    school.builder.school.min_marks_for_period = 2
    db.session.commit()
    got = refused(final(client, school, "3", told="yes", told_on=told_on), 422)
    assert why in got.main.attrs["title"]
    assert db.session.scalar(select(func.count()).select_from(FinalMark)) == 0
    assert db.session.scalar(select(func.count()).select_from(ParentNotice)) == 0


def test_period_mark_specials(login, school, lessons):
    client = login("teacher")
    assert saved(final(client, school, "н/а")).main.text == ru("n/a")
    assert saved(final(client, school, "осв", old=ru("n/a"))).main.text == ru("exempt")
    assert refused(final(client, school, "9", old=ru("exempt")), 422).main.text == ru("exempt")


def test_no_final_marks_in_a_grade_without_marks(login, school, lessons):
    school.builder.school.no_marks_grades = "5"
    db.session.commit()
    client = login("teacher")
    for value in ("5", "н/а", "зач."):
        got = refused(final(client, school, value), 422)
        assert got.main.attrs["title"] == ru(
            "Grade %(grade)d keeps attendance only: no marks are entered.", grade=5)
    assert db.session.scalar(select(func.count()).select_from(FinalMark)) == 0


def test_a_year_mark_only_in_the_last_period(login, school, lessons):
    client = login("teacher")
    got = refused(final(client, school, "5", kind="year"), 422)
    assert got.main.attrs["title"] == ru("The year mark is set in the last study period of "
                                         "the year.")
    assert db.session.scalar(select(func.count()).select_from(FinalMark)) == 0


def test_a_plain_form_of_period_marks(login, school, lessons):
    client = login("teacher")
    period = school.builder.periods[1].id
    url = f"/journal/pages/{school.maths5.id}/finals?period={period}"
    page = client.get(url)
    assert page.status_code == 200 and f'name="period-{school.anna.id}"' in page.text
    bad = client.post(url, data={f"period-{school.anna.id}": "5",
                                 f"period-{school.vera.id}": "9"})
    assert status_of(bad) == 422 and 'value="9"' in bad.text
    assert db.session.scalar(select(func.count()).select_from(FinalMark)) == 0  # all or none
    good = client.post(url, data={f"period-{school.anna.id}": "5",
                                  f"period-{school.vera.id}": "н/а"})
    assert good.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(FinalMark)) == 2
    assert login("ct").post(url, data={f"period-{school.anna.id}": "4"}).status_code == 403


@pytest.mark.parametrize(("days_after", "status"), [(7, 200), (8, 403)])
def test_period_marks_lock_seven_days_after_the_period(login, school, monkeypatch,
                                                       days_after, status):
    end = school.builder.periods[1].end_date
    monkeypatch.setattr("services.clock.today", lambda: end + days_after * DAY)
    assert status_of(final(login("teacher"), school, "5")) == status


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
        client.post(f"/journal/lessons/{ids[0]}/attendance", data={"absent": [anna], "col": 2},
                    headers=HX)
    ids = grow(school, 30, 1, 2)
    pupil_ids = list(db.session.scalars(select(Pupil.id).where(Pupil.class_id == school.c5.id)))
    with count_queries() as big:
        response = client.post(f"/journal/lessons/{ids[0]}/attendance",
                               data={"absent": pupil_ids[:5], "col": 2}, headers=HX)
    assert response.status_code == 200
    # user, roles, lesson+page+school+staff, pupils, attendance before, delete, insert, audit;
    # the parents' notices (one read, one insert: issue 20); then the column's marks and
    # attendance read back for its cells
    assert len(small) == len(big) <= 12, big


def test_cell_save_runs_a_fixed_number_of_queries(login, school):
    client = login("teacher")
    ids = grow(school, 2, 2)
    anna = school.anna.id
    with count_queries() as small:
        cell(client, ids[0], anna, "5", old="4")
    ids = grow(school, 30, 30, 2)
    with count_queries() as big:
        cell(client, ids[0], anna, "5", old="4")
    # user, roles, lesson+page+school+period+staff, the pupil's marks, one update, one audit row;
    # the parents' notices: one read, and one insert when the mark is new to them (issue 20)
    assert len(small) == len(big) <= 8


@pytest.mark.parametrize(("n", "today", "window"), [
    (26, 25, (0, 26)),    # a small page is drawn whole
    (70, 69, (48, 70)),   # today last: the 22 columns up to it
    (70, 0, (0, 22)),     # today first
    (70, 40, (21, 43)),   # mid-period: today, the columns before it and two after
    (70, None, (48, 70)),
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
