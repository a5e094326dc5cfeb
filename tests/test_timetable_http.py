"""The timetable pages: who reads and edits, cells saved through htmx and as plain forms,
refusals that change nothing, one-day changes, PDFs, and the diary's timetable."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import event, func, select

from extensions import db
from models import Lesson, Mark, TimetableSlot
from services.timetable import set_cell
from tests.fragments import status
from tests.timetable_setup import add_bells

HTMX = {"HX-Request": "true"}


@pytest.fixture
def tt(school):
    add_bells(6)
    school.q2 = school.builder.periods[1]
    db.session.commit()
    return school


def grid_url(tt, cls=None) -> str:
    return f"/timetable/classes/{(cls or tt.c5).id}?period={tt.q2.id}"


def save(client, tt, weekday, number, pages="", room="", htmx=True, cls=None):
    return client.post(f"/timetable/classes/{(cls or tt.c5).id}/cells", data={
        "period": tt.q2.id, "weekday": weekday, "number": number, "pages": pages,
        "room": room}, headers=HTMX if htmx else {})


def slot_count() -> int:
    return db.session.scalar(select(func.count()).select_from(TimetableSlot))


@pytest.mark.parametrize("name,code", [("admin", 200), ("director", 200), ("deputy", 200),
                                       ("deputy1", 404), ("ct", 200), ("teacher", 200),
                                       ("other", 404), ("secretary", 404), ("mum", 404),
                                       ("anna", 404)])
def test_who_reads_a_class_grid(tt, login, name, code):
    assert login(name).get(grid_url(tt)).status_code == code


@pytest.mark.parametrize("name", ["director", "deputy", "ct", "teacher"])
def test_only_the_administrator_edits(tt, login, name):
    client = login(name)
    assert 'id="ttgrid"' not in client.get(grid_url(tt)).text
    assert save(client, tt, 1, 1, str(tt.maths5.id)).status_code == 403
    assert slot_count() == 0


def test_a_cell_saved_by_htmx_generates_the_lessons(tt, login):
    client = login("admin")
    page = client.get(grid_url(tt)).text
    assert 'id="ttgrid"' in page and 'id="tt-1-1"' in page
    response = save(client, tt, 1, 2, str(tt.maths5.id), "12")
    assert status(response) == 200 and "<html" not in response.text
    assert f'value="{tt.maths5.id}" selected' in response.text and 'value="12"' in response.text
    assert 'id="load"' in response.text and "Математика: 1 / 3" in response.text
    assert db.session.scalar(select(func.count()).select_from(Lesson).where(
        Lesson.page_id == tt.maths5.id)) == 8
    teacher = login("teacher").get(f"/journal/pages/{tt.maths5.id}?period={tt.q2.id}").text
    assert "23.11" in teacher or "23" in teacher


def test_a_clash_is_shown_in_the_cell_and_nothing_saved(tt, login):
    client = login("admin")
    assert status(save(client, tt, 1, 1, str(tt.maths5.id))) == 200
    response = save(client, tt, 1, 1, str(tt.maths6.id), cls=tt.c6)
    assert status(response) == 422
    assert 'class="field-error"' in response.text and "5 «А»" in response.text
    assert 'aria-invalid="true"' in response.text
    assert slot_count() == 1


def test_plain_form_answers_redirect_and_422(tt, login):
    client = login("admin")
    ok = save(client, tt, 2, 1, str(tt.lit5.id), htmx=False)
    assert ok.status_code == 303
    refused = save(client, tt, 6, 1, str(tt.lit5.id), htmx=False)
    assert status(refused) == 422 and "field-error" in refused.text
    assert "<html" in refused.text and slot_count() == 1


@pytest.mark.parametrize("form", [
    {"weekday": "7", "number": "1"}, {"weekday": "x", "number": "1"},
    {"weekday": "1", "number": "²"}, {"weekday": "1", "number": "1", "period": "999"},
])
def test_odd_input_is_404_not_500(tt, login, form):
    data = {"period": tt.q2.id, "pages": str(tt.maths5.id), **form}
    response = login("admin").post(f"/timetable/classes/{tt.c5.id}/cells", data=data)
    assert response.status_code == 404 and slot_count() == 0


@pytest.mark.parametrize("pages", ["abc", "99999", "1,1", ",", "-1"])
def test_odd_pages_refused_in_the_cell(tt, login, pages):
    response = save(login("admin"), tt, 1, 1, pages)
    assert status(response) == 422 and slot_count() == 0


def test_another_class_page_refused(tt, login):
    response = save(login("admin"), tt, 1, 1, str(tt.maths6.id))
    assert status(response) == 422 and slot_count() == 0


def test_kept_lessons_listed_and_kept(tt, login):
    client = login("admin")
    save(client, tt, 1, 2, str(tt.maths5.id))
    lesson = db.session.scalar(select(Lesson).where(Lesson.page_id == tt.maths5.id,
                                                    Lesson.date == dt.date(2026, 11, 9)))
    db.session.add(Mark(lesson_id=lesson.id, pupil_id=tt.anna.id, value=5,
                        work_type_id=tt.builder.work_types["lesson"].id))
    db.session.commit()
    response = save(client, tt, 1, 2, "")
    assert 'id="kept"' in response.text and 'hx-swap-oob="true"' in response.text
    assert f"/timetable/lessons/{lesson.id}/keep" in response.text
    assert f"/timetable/lessons/{lesson.id}/keep" in client.get(grid_url(tt)).text
    kept = client.post(f"/timetable/lessons/{lesson.id}/keep", data={"period": tt.q2.id})
    assert kept.status_code == 303
    assert db.session.get(Lesson, lesson.id).is_extra
    assert f"/timetable/lessons/{lesson.id}/keep" not in client.get(grid_url(tt)).text


def test_keep_needs_the_administrator(tt, login):
    lesson = tt.builder.lesson(tt.maths5, dt.date(2026, 11, 9), 2, topic="x")
    db.session.commit()
    response = login("teacher").post(f"/timetable/lessons/{lesson.id}/keep",
                                     data={"period": tt.q2.id})
    assert response.status_code == 403 and not db.session.get(Lesson, lesson.id).is_extra


def change(client, tt, **data):
    return client.post(f"/timetable/classes/{tt.c5.id}/changes",
                       data={"period": tt.q2.id, "page": tt.maths5.id, **data})


def test_one_day_changes_by_form(tt, login):
    client = login("admin")
    save(client, tt, 1, 2, str(tt.maths5.id))
    moved = change(client, tt, day="2026-11-23", number="2", action="move",
                   to_day="2026-11-24", to_number="3")
    assert moved.status_code == 303
    lesson = db.session.scalar(select(Lesson).where(Lesson.origin_date.is_not(None)))
    assert (lesson.date, lesson.lesson_number) == (dt.date(2026, 11, 24), 3)
    cancelled = change(client, tt, day="2026-11-30", number="2", action="cancel")
    assert cancelled.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Lesson).where(Lesson.cancelled))
    extra = change(client, tt, day="2026-11-25", number="5", action="extra")
    assert extra.status_code == 303


@pytest.mark.parametrize("data", [
    {"day": "2026-11-23", "number": "2", "action": "fly"},
    {"day": "2026-11-23", "number": "2", "action": "move"},
    {"day": "", "number": "2", "action": "cancel"},
    {"day": "2026-11-22", "number": "2", "action": "cancel"},  # no lesson that day
    {"day": "2026-11-28", "number": "2", "action": "extra"},  # Saturday, five-day week
])
def test_one_day_change_refused_with_422(tt, login, data):
    client = login("admin")
    save(client, tt, 1, 2, str(tt.maths5.id))
    before = db.session.execute(select(Lesson.id, Lesson.date, Lesson.lesson_number,
                                       Lesson.cancelled)).all()
    response = change(client, tt, **data)
    assert status(response) == 422 and "field-error" in response.text
    after = db.session.execute(select(Lesson.id, Lesson.date, Lesson.lesson_number,
                                      Lesson.cancelled)).all()
    assert before == after


def test_changes_need_the_administrator(tt, login):
    response = change(login("deputy"), tt, day="2026-11-23", number="2", action="cancel")
    assert response.status_code == 403


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_class_and_teacher_pdfs_with_kazakh_letters(tt, login):
    set_cell(tt.c5, tt.q2, 1, 1, [tt.lit5], ["12"])
    set_cell(tt.c5, tt.q2, 2, 3, [tt.maths5], [""])
    db.session.commit()
    client = login("admin")
    client.post("/language/kk")
    response = client.get(f"/timetable/classes/{tt.c5.id}/timetable.pdf?period={tt.q2.id}")
    assert response.headers["Content-Type"] == "application/pdf"
    text = _pdf_text(response.data)
    assert "Әдебиет" in text and "5 «А»" in text and "Математика" in text
    teacher = login("ct").get(f"/timetable/teachers/{tt.ct_staff.id}/timetable.pdf"
                              "?day=2026-11-23")
    text = _pdf_text(teacher.data)
    assert "Литература" in text and "5 «А»" in text and "Математика" not in text


@pytest.mark.parametrize("name,code", [("ct", 200), ("admin", 200), ("deputy", 200),
                                       ("teacher", 404), ("mum", 404)])
def test_a_teachers_timetable_is_theirs_and_leaderships(tt, login, name, code):
    assert login(name).get(f"/timetable/teachers/{tt.ct_staff.id}").status_code == code


def test_grid_page_runs_a_fixed_number_of_queries(tt, login, app):
    client = login("admin")

    def count() -> int:
        seen = []

        def on(*_a):
            seen.append(1)
        event.listen(db.engine, "before_cursor_execute", on)
        try:
            assert client.get(grid_url(tt)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", on)
        return len(seen)
    empty = count()
    for weekday in (1, 2, 3):
        save(client, tt, weekday, 1, str(tt.maths5.id), str(weekday))
        save(client, tt, weekday, 2, str(tt.lit5.id))
    assert count() == empty


def test_the_diary_shows_the_childs_timetable_and_no_other(tt, login):
    from tests.timetable_setup import english_groups
    g1, g2 = english_groups(tt)
    from models import SubgroupMember
    db.session.add(SubgroupMember(subgroup_id=g2.subgroup_id, pupil_id=tt.anna.id))
    set_cell(tt.c5, tt.q2, 1, 1, [tt.lit5], ["12"])
    set_cell(tt.c5, tt.q2, 2, 2, [g1, g2], ["21", "22"])
    set_cell(tt.c6, tt.q2, 3, 3, [tt.maths6], [""])
    db.session.commit()
    mum = login("mum")
    page = mum.get(f"/diary/{tt.anna.id}/timetable")
    assert page.status_code == 200
    assert "Литература" in page.text and "22" in page.text and "(2)" in page.text
    assert "(1)" not in page.text  # the other English group is not Anna's
    assert mum.get(f"/diary/{tt.boris.id}/timetable").status_code == 200
    assert mum.get(f"/diary/{tt.vera.id}/timetable").status_code == 404  # another family
    assert login("dad2").get(f"/diary/{tt.anna.id}/timetable").status_code == 404
    assert login("anna").get(f"/diary/{tt.anna.id}/timetable").status_code == 200
    assert login("anna").get(f"/diary/{tt.vera.id}/timetable").status_code == 404


def test_a_class_with_saturday_lessons_cannot_go_to_five_days(tt, login):
    tt.c5.days_per_week = 6
    db.session.commit()
    client = login("admin")
    assert status(save(client, tt, 6, 1, str(tt.maths5.id))) == 200
    data = {"grade": "5", "letter": "А", "language": "ru", "period_scheme": "quarter",
            "days_per_week": "5", "class_teacher_id": str(tt.ct_staff.id)}
    refused = client.post(f"/admin/classes/{tt.c5.id}", data=data)
    assert status(refused) == 422 and "form-error" in refused.text
    assert db.session.get(type(tt.c5), tt.c5.id).days_per_week == 6
    save(client, tt, 6, 1, "")
    assert client.post(f"/admin/classes/{tt.c5.id}", data=data).status_code in (200, 302, 303)
    assert db.session.get(type(tt.c5), tt.c5.id).days_per_week == 5


def test_nobody_writes_into_a_cancelled_lesson(tt, login):
    lesson = tt.builder.lesson(tt.maths5, dt.date(2026, 11, 23), 2, cancelled=True)
    db.session.commit()
    client = login("teacher")
    cell = client.post(f"/journal/lessons/{lesson.id}/cell", data={
        "pupil": tt.anna.id, "value": "5", "old": ""}, headers=HTMX)
    assert status(cell) in (403, 404)
    panel = client.post(f"/lessons/{lesson.id}", data={"topic": "x"})
    assert panel.status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(Mark)) == 0
    assert db.session.get(Lesson, lesson.id).topic == ""
