"""The lesson panel, extra lessons and the plan's next topic: services and HTTP."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from flask_babel import force_locale, format_date, ngettext
from markupsafe import escape

from extensions import db
from models import AuditEvent, Lesson, Mark, PlanItem, TimetableSlot, User
from services import lessons as svc
from tests.fragments import status
from tests.text import ru

DAY = dt.date(2026, 11, 23)  # TODAY, a Monday of quarter 2


def user(name: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == name))


def ru_day(day: dt.date) -> str:
    """A date as the Russian pages write it in messages (format "short")."""
    with force_locale("ru"):
        return format_date(day, "short")


def plan(school, *topics: tuple[str, int], teacher=None, subject=None, grade=5) -> list[PlanItem]:
    items = [PlanItem(teacher_id=(teacher or school.t_staff).id,
                      subject_id=(subject or school.maths).id, grade=grade, number=n,
                      topic=topic, hours=hours)
             for n, (topic, hours) in enumerate(topics, start=1)]
    db.session.add_all(items)
    db.session.flush()
    return items


@pytest.fixture
def rq(app):
    """A request context, for services whose messages are translated."""
    with app.test_request_context():
        yield


@pytest.fixture
def lesson(school):
    lesson = school.builder.lesson(school.maths5, DAY, 2)
    db.session.commit()
    return lesson


def form(**kw) -> dict:
    data = {"topic": "Дроби", "homework": "№ 12", "work_type_id": "", "substitute_id": "",
            "plan_item_id": ""}
    data.update(kw)
    return data


# -- permissions ----------------------------------------------------------------------------------

READERS = {"teacher": 200, "ct": 200, "admin": 200, "director": 200, "deputy": 200,
           "deputy1": 404, "secretary": 404, "other": 404,
           "mum": 404, "dad2": 404, "anna": 404, "vera": 404}
WRITERS = {"teacher": 303, "ct": 403, "admin": 403, "director": 403, "deputy": 403,
           "deputy1": 404, "secretary": 404, "other": 404,
           "mum": 404, "dad2": 404, "anna": 404, "vera": 404}


@pytest.mark.parametrize("name", sorted(READERS))
def test_every_user_reads_and_writes_only_as_allowed(school, lesson, login, name):
    client = login(name)
    assert client.get(f"/lessons/{lesson.id}").status_code == READERS[name]
    response = client.post(f"/lessons/{lesson.id}", data=form(topic=f"by {name}"))
    assert response.status_code == WRITERS[name]
    db.session.refresh(lesson)
    assert (lesson.topic == f"by {name}") == (name == "teacher")


def test_substitute_writes_that_lesson_only(school, lesson, login):
    lesson.substitute_id = school.other_staff.id
    another = school.builder.lesson(school.maths5, DAY + dt.timedelta(days=1), 2)
    db.session.commit()
    client = login("other")
    assert client.post(f"/lessons/{lesson.id}", data=form(
        topic="Замена", substitute_id=str(school.other_staff.id))).status_code == 303
    assert client.post(f"/lessons/{another.id}", data=form(topic="Нет")).status_code == 403
    db.session.refresh(lesson)
    db.session.refresh(another)
    assert lesson.topic == "Замена" and another.topic == ""
    # The substitute cannot hand the lesson on or remove themselves.
    response = client.post(f"/lessons/{lesson.id}", data=form(substitute_id=""))
    assert status(response) == 422


def test_other_teacher_who_reads_the_page_gets_403(school, login):
    # `other` is class teacher of 6 «Б»: reads maths6, does not write it.
    lesson = school.builder.lesson(school.maths6, DAY)
    db.session.commit()
    client = login("other")
    assert client.get(f"/lessons/{lesson.id}").status_code == 200
    assert client.post(f"/lessons/{lesson.id}", data=form()).status_code == 403


def test_missing_lesson_is_404(school, login):
    assert login("teacher").get("/lessons/9999").status_code == 404


# -- saving -----------------------------------------------------------------------------------

def test_owner_saves_everything_and_it_is_logged(school, lesson, login):
    wt = school.builder.work_types["control"]
    response = login("teacher").post(f"/lessons/{lesson.id}", data=form(
        topic="  Сложение дробей ", homework="Стр. 5", work_type_id=str(wt.id),
        substitute_id=str(school.other_staff.id), ict_used="y"))
    assert response.status_code == 303
    db.session.refresh(lesson)
    assert (lesson.topic, lesson.homework, lesson.work_type_id, lesson.substitute_id,
            lesson.ict_used) == ("Сложение дробей", "Стр. 5", wt.id, school.other_staff.id, True)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.object_id == lesson.id,
                                                          AuditEvent.action == "lesson.update"))
    assert event.action == "lesson.update" and event.user_id == user("teacher").id
    assert json.loads(event.old)["topic"] == "" and json.loads(event.new)["topic"] == "Сложение дробей"
    # The substitute now sees the lesson, and the fact is shown on the panel.
    page = login("other").get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert str(escape(ru("Taught by a substitute: %(name)s",
                         name=school.other_staff.person.short_name))) in page
    assert "Сложение дробей" in page


def test_htmx_answers_the_fragment_and_a_trigger(school, lesson, login):
    client = login("teacher")
    response = client.post(f"/lessons/{lesson.id}", data=form(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and "<html" not in body
    assert json.loads(response.headers["HX-Trigger"]) == {"lessonSaved": {"id": lesson.id}}
    full = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "<html" in full and "lesson-panel" in full


@pytest.mark.parametrize("field,limit,message", [
    ("topic", 300, "The topic is too long: %(now)d characters, at most %(max)d."),
    ("homework", 2000, "The homework is too long: %(now)d characters, at most %(max)d."),
])
def test_length_limits_at_the_boundary(school, lesson, login, field, limit, message):
    client = login("teacher")
    ok = client.post(f"/lessons/{lesson.id}", data=form(**{field: "я" * limit}))
    assert ok.status_code == 303
    too_long = "ж" * (limit + 1)
    bad = client.post(f"/lessons/{lesson.id}", data=form(**{field: too_long}),
                      headers={"HX-Request": "true"})
    assert status(bad) == 422
    body = bad.get_data(as_text=True)
    assert str(escape(ru(message, max=limit, now=limit + 1))) in body
    assert too_long in body  # nothing the teacher typed is lost
    assert "maxlength" not in body  # a browser would cut a long paste without a word
    db.session.refresh(lesson)
    assert getattr(lesson, field) == "я" * limit


def test_bad_choices_are_refused_with_a_message(school, lesson, login):
    client = login("teacher")
    work_type = "Choose a work type from the list."
    substitute = "Choose a substitute teacher from the list."
    for data, message in (
            ({"work_type_id": "999"}, work_type), ({"work_type_id": "abc"}, work_type),
            ({"substitute_id": str(school.teacher.id + 999)}, substitute),
            ({"substitute_id": str(school.t_staff.id)}, substitute),  # the page's own teacher
            ({"plan_item_id": "12345"}, "Choose a topic from the plan of this subject and grade.")):
        response = client.post(f"/lessons/{lesson.id}", data=form(**data))
        assert status(response) == 422, data
        assert str(escape(ru(message))) in response.get_data(as_text=True), data


def test_plan_item_of_another_plan_is_refused(school, lesson, rq):
    foreign = plan(school, ("Чужая тема", 1), teacher=school.other_staff)[0]
    with pytest.raises(svc.LessonError) as error:
        svc.update_lesson(lesson, svc.LessonInput(plan_item_id=foreign.id), user("teacher"),
                          may_set_substitute=True)
    assert error.value.field == "plan_item_id"


def test_year_closed_page_refuses_edits(school, lesson, login):
    school.maths5.year_closed_on = DAY
    db.session.commit()
    client = login("teacher")
    closed = ru("Year marks are final on this page since %(day)s: lessons can no longer be "
                "changed. A deputy director can make a correction.", day=ru_day(DAY))
    assert str(escape(closed)) in client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    response = client.post(f"/lessons/{lesson.id}", data=form(topic="Поздно"))
    assert status(response) == 422
    db.session.refresh(lesson)
    assert lesson.topic == ""


def test_year_closed_later_still_allows_edits(school, lesson, rq):
    school.maths5.year_closed_on = DAY + dt.timedelta(days=1)
    assert svc.closed_reason(school.maths5) is None


def test_no_marks_grade_has_no_homework(school, login):
    school.builder.school.no_marks_grades = "1,5"
    lesson = school.builder.lesson(school.maths5, DAY)
    db.session.commit()
    client = login("teacher")
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert 'name="homework"' not in page
    assert str(escape(ru("Grade %(g)d keeps attendance only: no homework and no marks.",
                         g=5))) in page
    client.post(f"/lessons/{lesson.id}", data=form(homework="Не должно сохраниться"))
    db.session.refresh(lesson)
    assert lesson.topic == "Дроби" and lesson.homework == ""


def test_marks_work_types_are_listed(school, lesson, login):
    b = school.builder
    db.session.add_all([
        Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=5,
             work_type_id=b.work_types["lesson"].id),
        Mark(lesson_id=lesson.id, pupil_id=school.vera.id, value=4,
             work_type_id=b.work_types["control"].id),
        Mark(lesson_id=lesson.id, pupil_id=school.vera.id, position=2, value=3,
             work_type_id=b.work_types["control"].id)])
    db.session.commit()
    assert [(w.code, n) for w, n in svc.marks_work_types(lesson)] == [("lesson", 1),
                                                                      ("control", 2)]
    page = login("ct").get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Контрольная работа" in page


# -- the plan's next topic --------------------------------------------------------------------

def test_next_topic_advances_after_its_hours(school):
    items = plan(school, ("Натуральные числа", 1), ("Дроби", 2), ("Проценты", 1))
    b = school.builder
    first = b.lesson(school.maths5, DAY - dt.timedelta(days=7))
    assert svc.next_plan_item(first, items) == items[0]  # nothing used yet: the first topic
    first.plan_item_id = items[0].id
    second = b.lesson(school.maths5, DAY - dt.timedelta(days=5))
    assert svc.next_plan_item(second, items) == items[1]
    second.plan_item_id = items[1].id
    third = b.lesson(school.maths5, DAY - dt.timedelta(days=3))
    assert svc.next_plan_item(third, items) == items[1]  # «Дроби» has 2 hours
    third.plan_item_id = items[1].id
    fourth = b.lesson(school.maths5, DAY)
    assert svc.next_plan_item(fourth, items) == items[2]
    fourth.plan_item_id = items[2].id
    db.session.flush()
    assert svc.next_plan_item(b.lesson(school.maths5, DAY, 3), items) is None  # plan finished
    # Another page of the same plan keeps its own pace.
    assert svc.next_plan_item(b.lesson(school.maths6, DAY), items) == items[0]


def test_panel_offers_the_next_topic_and_picking_sets_it(school, login):
    items = plan(school, ("Натуральные числа", 1), ("Дроби", 1))
    done = school.builder.lesson(school.maths5, DAY - dt.timedelta(days=2),
                                 plan_item_id=items[0].id, topic=items[0].topic)
    lesson = school.builder.lesson(school.maths5, DAY)
    db.session.commit()
    client = login("teacher")
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert f'<option selected value="{items[1].id}">2. Дроби</option>' in page
    assert 'value="Дроби"' in page
    # Picking a topic with an empty topic field takes the plan's text.
    client.post(f"/lessons/{lesson.id}", data=form(topic="", plan_item_id=str(items[1].id)))
    db.session.refresh(lesson)
    assert (lesson.plan_item_id, lesson.topic) == (items[1].id, "Дроби")
    assert done.plan_item_id == items[0].id


# -- extra lessons ----------------------------------------------------------------------------

def test_extra_lesson_is_added(school, login):
    client = login("teacher")
    response = client.post(f"/pages/{school.maths5.id}/lessons/new",
                           data={"day": "2026-11-25", "number": "7"})
    assert response.status_code == 303
    lesson = db.session.scalar(db.select(Lesson).where(Lesson.date == dt.date(2026, 11, 25)))
    assert lesson.is_extra and lesson.lesson_number == 7
    assert response.headers["Location"].endswith(f"/lessons/{lesson.id}")
    assert db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "lesson.add_extra")).object_id == lesson.id


NOT_STUDIED = ("%(day)s is not in a study period of this class (holidays or another academic "
               "year).")
DAY_OFF = "%(day)s is a day off: choose a school day."


@pytest.mark.parametrize("day,number,message", [
    ("2026-11-01", 1, NOT_STUDIED),   # autumn holidays
    ("2027-06-10", 1, NOT_STUDIED),   # summer
    ("2026-11-29", 1, DAY_OFF),       # a Sunday
    ("2026-11-28", 1, DAY_OFF),       # a Saturday, five-day week
    ("2026-11-23", 2, "This page already has lesson %(n)d on %(day)s."),  # the fixture's lesson
    ("2026-11-24", 13, "The lesson number must be from 0 to 12."),
    ("not-a-date", 1, None),          # the form's own date error
])
def test_extra_lesson_refusals(school, lesson, login, day, number, message):
    before = db.session.scalar(db.select(db.func.count()).select_from(Lesson))
    response = login("teacher").post(f"/pages/{school.maths5.id}/lessons/new",
                                     data={"day": day, "number": str(number)},
                                     headers={"HX-Request": "true"})
    assert status(response) == 422
    if message is None:
        expected = "field-error"
    else:
        expected = str(escape(ru(message, n=number, day=ru_day(dt.date.fromisoformat(day)))))
    assert expected in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Lesson)) == before


def test_saturday_allowed_in_a_six_day_week(school, rq):
    db.session.add(TimetableSlot(page_id=school.lit5.id, weekday=6, lesson_number=1,
                                 valid_from=dt.date(2026, 9, 1), valid_to=dt.date(2027, 5, 26)))
    lesson = svc.add_extra_lesson(school.maths5, dt.date(2026, 11, 28), 1, user("teacher"))
    assert lesson.is_extra


@pytest.mark.parametrize("name,status", [("ct", 403), ("other", 404), ("mum", 404),
                                         ("anna", 404), ("admin", 403)])
def test_extra_lesson_only_by_the_page_teacher(school, login, name, status):
    response = login(name).post(f"/pages/{school.maths5.id}/lessons/new",
                                data={"day": "2026-11-25", "number": "7"})
    assert response.status_code == status


def test_panel_fragment_and_kazakh_work_type_names(school, lesson, login):
    user("teacher").locale = "kk"
    db.session.commit()
    response = login("teacher").get(f"/lessons/{lesson.id}", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "Бақылау жұмысы" in body and "Контрольная работа" not in body


# -- the work type is the journal's rule at every entrance (issue 14, defect 3) ---------------

def _cell(client, lesson_id: int, pupil_id: int, value: str):
    return client.post(f"/journal/lessons/{lesson_id}/cell", data={
        "pupil": pupil_id, "value": value, "old": ""}, headers={"HX-Request": "true"})


def test_the_lesson_panel_cannot_reopen_locked_marks_by_a_longer_window(school, login):
    # Wednesday: 3 school days before this Monday (windows count school days, issue 16).
    old = school.builder.lesson(school.maths5, DAY - dt.timedelta(days=5), 1)
    db.session.commit()
    client = login("teacher")
    assert status(_cell(client, old.id, school.anna.id, "5")) == 403  # locked after 2 days
    control = school.builder.work_types["control"]
    response = client.post(f"/lessons/{old.id}", data=form(work_type_id=str(control.id)))
    assert status(response) == 422
    with force_locale("ru"):
        locked = ngettext("Marks and absences can be changed for %(num)d school day after the "
                          "lesson.", "Marks and absences can be changed for %(num)d school "
                          "days after the lesson.", 2)
    assert str(escape(locked)) in response.text
    db.session.refresh(old)
    assert old.work_type_id is None
    # and so the control work's 7-day window never opens the mark
    assert status(_cell(client, old.id, school.anna.id, "5")) == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Mark)) == 0


def test_a_work_type_changed_from_the_panel_moves_every_mark(school, lesson, login):
    client = login("teacher")
    b = school.builder
    db.session.add_all([
        Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=4,
             work_type_id=b.work_types["lesson"].id),
        Mark(lesson_id=lesson.id, pupil_id=school.vera.id, value=5,
             work_type_id=b.work_types["homework"].id)])
    db.session.commit()
    control = b.work_types["control"].id
    assert client.post(f"/lessons/{lesson.id}",
                       data=form(work_type_id=str(control))).status_code == 303
    assert set(db.session.scalars(db.select(Mark.work_type_id))) == {control}


def test_a_future_lesson_takes_any_work_type(school, login):
    later = school.builder.lesson(school.maths5, DAY + dt.timedelta(days=7), 1)
    db.session.commit()
    control = school.builder.work_types["control"].id
    response = login("teacher").post(f"/lessons/{later.id}",
                                     data=form(work_type_id=str(control)))
    assert response.status_code == 303
    db.session.refresh(later)
    assert later.work_type_id == control


# -- homework is due at a later lesson (issue 14, defect 8) -------------------------------------

def test_homework_is_due_at_the_next_lesson_by_default(school, lesson, login):
    nxt = school.builder.lesson(school.maths5, DAY + dt.timedelta(days=3), 1)
    db.session.commit()
    client = login("teacher")
    assert client.post(f"/lessons/{lesson.id}", data=form(homework="№ 5")).status_code == 303
    db.session.refresh(lesson)
    assert lesson.homework_due == nxt.date


def test_homework_due_day_falls_back_to_the_timetable(school, lesson, rq):
    db.session.add(TimetableSlot(page_id=school.maths5.id, weekday=3, lesson_number=2,
                                 valid_from=dt.date(2026, 9, 1), valid_to=dt.date(2027, 5, 31)))
    db.session.commit()
    assert svc.next_lesson_date(lesson) == dt.date(2026, 11, 25)  # the Wednesday after


@pytest.mark.parametrize(("due", "ok"), [("2026-11-27", True), ("2026-11-23", False),
                                         ("2026-11-20", False), ("2027-07-01", False),
                                         ("31.11.2026", False)])
def test_the_teacher_picks_the_due_day(school, lesson, login, due, ok):
    client = login("teacher")
    response = client.post(f"/lessons/{lesson.id}", data=form(homework="№ 5",
                                                                homework_due=due))
    db.session.refresh(lesson)
    if ok:
        assert response.status_code == 303 and lesson.homework_due == dt.date(2026, 11, 27)
    else:
        assert status(response) == 422 and lesson.homework == ""


def test_no_homework_no_due_day(school, lesson, login):
    client = login("teacher")
    client.post(f"/lessons/{lesson.id}", data=form(homework="№ 5", homework_due="2026-11-27"))
    client.post(f"/lessons/{lesson.id}", data=form(homework="", homework_due="2026-11-27"))
    db.session.refresh(lesson)
    assert lesson.homework == "" and lesson.homework_due is None


# -- the lesson's marks as a plain form (no JavaScript) -----------------------------------------

def test_the_lesson_page_lists_pupils_with_a_marks_form(school, lesson, login):
    client = login("teacher")
    html = client.get(f"/lessons/{lesson.id}").text
    assert f'name="cell-{school.anna.id}"' in html and f'name="cell-{school.vera.id}"' in html
    assert f'name="cell-{school.boris.id}"' not in html  # another class
    response = client.post(f"/lessons/{lesson.id}/marks", data={
        f"cell-{school.anna.id}": "5", f"old-{school.anna.id}": "",
        f"comment-{school.anna.id}": "Устно", f"oldcomment-{school.anna.id}": "",
        f"cell-{school.vera.id}": "н", f"old-{school.vera.id}": ""})
    assert response.status_code == 303
    assert db.session.scalar(db.select(Mark.comment)) == "Устно"
    assert "Устно" in client.get(f"/lessons/{lesson.id}").text


def test_one_bad_row_saves_nothing_and_keeps_what_was_typed(school, lesson, login):
    client = login("teacher")
    response = client.post(f"/lessons/{lesson.id}/marks", data={
        f"cell-{school.anna.id}": "5", f"old-{school.anna.id}": "",
        f"cell-{school.vera.id}": "7", f"old-{school.vera.id}": ""})
    assert status(response) == 422
    assert 'value="7"' in response.text and 'value="5"' in response.text
    assert str(escape(ru("%(value)s is not a mark: use %(low)d to %(high)d.", value="7", low=2,
                         high=5))) in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Mark)) == 0


def test_the_marks_form_keeps_the_edit_window(school, login):
    # Wednesday: 3 school days before this Monday (windows count school days, issue 16).
    old = school.builder.lesson(school.maths5, DAY - dt.timedelta(days=5), 1)
    db.session.commit()
    response = login("teacher").post(f"/lessons/{old.id}/marks", data={
        f"cell-{school.anna.id}": "5", f"old-{school.anna.id}": ""})
    assert status(response) == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Mark)) == 0


def test_only_the_lessons_teacher_posts_the_marks_form(school, lesson, login):
    for name, code in (("ct", 403), ("mum", 404), ("other", 404)):
        response = login(name).post(f"/lessons/{lesson.id}/marks", data={
            f"cell-{school.anna.id}": "5", f"old-{school.anna.id}": ""})
        assert response.status_code == code
    assert db.session.scalar(db.select(db.func.count()).select_from(Mark)) == 0
