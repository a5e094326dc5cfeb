"""The notice pages over HTTP (issue 20): every journal entrance produces the notices, the
parent's inbox and "seen", the class teacher's report; refusals and fixed query counts."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from extensions import db
from models import Correction, Lesson, Mark, MarksSeen, Notice, NoticeSetting, User
from services import entries
from services.corrections import workflow
from tests.conftest import TODAY
from tests.sql import count_queries

DAY = dt.timedelta(days=1)
HTMX = {"HX-Request": "true"}


def notices(user) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.user_id == user.id)
                                   .order_by(Notice.id)))


def kinds(user) -> list[str]:
    return sorted(n.kind for n in notices(user))


def new_lesson(school, page=None, day=TODAY, number=1, **kw) -> Lesson:
    les = school.builder.lesson(page or school.maths5, day, number, **kw)
    db.session.commit()
    return les


def absent(school, pupil, day=TODAY, number=1, page=None) -> Lesson:
    les = new_lesson(school, page, day, number)
    entries.take_attendance(school.teacher, school.builder.school, page or school.maths5, les,
                            [pupil.id], TODAY)
    db.session.commit()
    return les


# -- every entrance ----------------------------------------------------------------------------

def test_grid_cell_save_twice_gives_one_notice(school, login):
    les = new_lesson(school)
    client = login("teacher")
    url = f"/journal/lessons/{les.id}/cell"
    assert client.post(url, data={"pupil": school.anna.id, "value": "н", "old": ""},
                       headers=HTMX).status_code == 200
    client.post(url, data={"pupil": school.anna.id, "value": "н", "old": "н"}, headers=HTMX)
    assert kinds(school.mum) == ["absence"] and notices(school.dad2) == []
    client.post(url, data={"pupil": school.anna.id, "value": "", "old": "н"}, headers=HTMX)
    assert notices(school.mum) == []


def test_attendance_and_fill_over_http(school, login):
    les = new_lesson(school)
    client = login("teacher")
    client.post(f"/journal/lessons/{les.id}/attendance", data={"absent": [school.vera.id]},
                headers=HTMX)
    client.post(f"/journal/lessons/{les.id}/fill", data={"value": "5"}, headers=HTMX)
    assert kinds(school.dad2) == ["absence"]
    assert kinds(school.mum) == ["mark"]


def test_lesson_page_marks_form(school, login):
    les = new_lesson(school)
    response = login("teacher").post(f"/lessons/{les.id}/marks", data={
        f"cell-{school.anna.id}": "2", f"old-{school.anna.id}": ""})
    assert response.status_code == 303
    assert kinds(school.mum) == ["mark"]


def test_lesson_panel_homework(school, login):
    db.session.add(NoticeSetting(user_id=school.dad2.id, kinds="homework"))
    les = new_lesson(school)
    client = login("teacher")
    data = {"topic": "Дроби", "homework": "№ 12", "work_type_id": "", "substitute_id": "",
            "plan_item_id": ""}
    assert client.post(f"/lessons/{les.id}", data=data).status_code == 303
    assert kinds(school.dad2) == ["homework"]
    assert notices(school.mum) == []  # homework is off by default
    client.post(f"/lessons/{les.id}", data={**data, "homework": ""})
    assert notices(school.dad2) == []


def test_period_mark_cell_and_the_finals_form(school, login):
    client = login("teacher")
    period = school.builder.periods[1]
    assert client.post(f"/journal/pages/{school.maths5.id}/final", data={
        "pupil": school.anna.id, "period": period.id, "value": "5", "old": ""},
        headers=HTMX).status_code == 200
    assert kinds(school.mum) == ["period"]
    response = client.post(f"/journal/pages/{school.maths5.id}/finals?period={period.id}",
                           data={f"period-{school.vera.id}": "4"})
    assert response.status_code in (302, 303)
    assert kinds(school.dad2) == ["period"]


def test_predicted_warning_over_http(school, login):
    client = login("teacher")
    for i in range(3):
        les = new_lesson(school, day=TODAY - (i + 1) * DAY)
        client.post(f"/journal/lessons/{les.id}/cell",
                    data={"pupil": school.anna.id, "value": "5", "old": ""}, headers=HTMX)
    db.session.execute(Notice.__table__.delete())
    db.session.commit()
    client.post(f"/journal/pages/{school.maths5.id}/final", data={
        "pupil": school.anna.id, "period": school.builder.periods[1].id, "value": "3",
        "old": "", "told": "yes", "told_on": "2026-11-18"}, headers=HTMX)
    assert kinds(school.mum) == ["period", "predicted"]


def test_an_applied_correction_gives_the_notice(school, app):
    old_day = dt.date(2026, 11, 10)  # locked: only a correction changes it
    les = new_lesson(school, day=old_day)
    db.session.add(Mark(lesson_id=les.id, pupil_id=school.anna.id, value=2,
                        work_type_id=school.builder.work_types["lesson"].id))
    db.session.commit()
    with app.test_request_context():
        target = workflow.cell_target(les, school.anna)
        row = workflow.request(school.teacher, target, workflow.Request(
            new_value="н", reason="illness", note="", doc_number="№ 1",
            doc_date=dt.date(2026, 11, 20)), None, TODAY)
        deputy = db.session.scalar(select(User).where(User.username == "deputy"))
        workflow.decide(deputy, row, True, "")
        workflow.apply(deputy, row, TODAY)
        db.session.commit()
    assert db.session.get(Correction, row.id).status == "applied"
    assert kinds(school.mum) == ["absence"]


# -- the inbox ---------------------------------------------------------------------------------

def test_parent_sees_own_notices_only(school, login):
    absent(school, school.anna)
    absent(school, school.vera, number=2)
    page = login("mum").get("/notices/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Анна" in html and "Вера" not in html
    assert html.count("<li id=\"notice-") == 1, notices(school.mum)
    assert f"/diary/{school.anna.id}/week/{TODAY.isoformat()}" in html


@pytest.mark.parametrize("who", ["anna", "teacher", "ct", "admin"])
def test_only_parents_have_an_inbox(school, login, who):
    assert login(who).get("/notices/").status_code == 403


def test_another_childs_filter_is_404(school, login):
    client = login("mum")
    assert client.get(f"/notices/?pupil_id={school.anna.id}").status_code == 200
    assert client.get(f"/notices/?pupil_id={school.vera.id}").status_code == 404
    assert client.get("/notices/?pupil_id=abc").status_code == 404


def test_seen_one_by_its_recipient_only(school, login):
    absent(school, school.anna)
    [mine] = notices(school.mum)
    assert login("dad2").post(f"/notices/{mine.id}/seen").status_code == 404
    assert login("teacher").post(f"/notices/{mine.id}/seen").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notice, mine.id).seen_at is None
    client = login("mum")
    answer = client.post(f"/notices/{mine.id}/seen", headers=HTMX)
    assert answer.status_code == 200
    fragment = answer.get_data(as_text=True)
    assert fragment.lstrip().startswith("<li") and "<html" not in fragment
    assert "is-new" not in fragment and "/seen" not in fragment  # it answers seen
    # ...and the menu's count, out of band: nothing left unseen.
    assert re.search(r'<span id="notice-count" class="nav-count" hx-swap-oob="true"></span>',
                     fragment)
    db.session.expire_all()
    assert db.session.get(Notice, mine.id).seen_at is not None
    assert client.post(f"/notices/{mine.id}/seen").status_code == 303  # no JavaScript


def test_all_seen_for_one_child(school, login):
    absent(school, school.anna)
    absent(school, school.boris, page=school.maths6)
    client = login("mum")
    assert client.post("/notices/seen", data={"pupil_id": school.boris.id}).status_code == 303
    db.session.expire_all()
    assert [n.seen_at is None for n in notices(school.mum)] == [True, False]
    assert client.post("/notices/seen", data={"pupil_id": school.vera.id}).status_code == 404
    client.post("/notices/seen")
    db.session.expire_all()
    assert all(n.seen_at for n in notices(school.mum))


def test_inbox_page_queries_do_not_grow(school, login):
    absent(school, school.anna)
    client = login("mum")
    client.get("/notices/")
    with count_queries() as few:
        client.get("/notices/")
    for i in range(15):  # today, Friday and Thursday: still open to the teacher
        absent(school, school.anna, day=TODAY - (0, 3, 4)[i % 3] * DAY, number=i // 3 + 2)
    with count_queries() as many:
        client.get("/notices/")
    assert len(many) == len(few)


# -- period marks seen, the class teacher's report ---------------------------------------------

def period_mark(school, client, pupil, value="4"):
    client.post(f"/journal/pages/{school.maths5.id}/final", data={
        "pupil": pupil.id, "period": school.builder.periods[1].id, "value": value, "old": ""},
        headers=HTMX)


def test_period_marks_seen_from_the_diary(school, login):
    period = school.builder.periods[1]
    period_mark(school, login("teacher"), school.anna)
    client = login("mum")
    page = client.get(f"/diary/{school.anna.id}/marks?period={period.id}").get_data(as_text=True)
    assert "/notices/period-seen" in page
    assert login("dad2").post("/notices/period-seen", data={
        "pupil_id": school.anna.id, "period_id": period.id}).status_code == 404
    client = login("mum")
    answer = client.post("/notices/period-seen", data={"pupil_id": school.anna.id,
                                                       "period_id": period.id})
    assert answer.status_code == 303
    assert db.session.scalar(select(MarksSeen.user_id)) == school.mum.id
    assert all(n.seen_at for n in notices(school.mum))
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="period-seen-note"' in page and "/notices/period-seen" not in page
    other = school.builder.periods[0].id + 999
    assert client.post("/notices/period-seen", data={
        "pupil_id": school.anna.id, "period_id": other}).status_code == 404


def test_class_report_for_the_class_teacher(school, login):
    period_mark(school, login("teacher"), school.anna)
    period_mark(school, login("teacher"), school.vera)
    login("mum").post("/notices/period-seen", data={
        "pupil_id": school.anna.id, "period_id": school.builder.periods[1].id})
    page = login("ct").get(f"/notices/class/{school.c5.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="is-missing"') == 1  # dad2 has not seen; mum has
    assert "Родителева Dad2" in html
    assert login("deputy").get(f"/notices/class/{school.c5.id}").status_code == 200


@pytest.mark.parametrize("who", ["teacher", "other", "mum", "anna", "deputy1"])
def test_class_report_refused_to_others(school, login, who):
    assert login(who).get(f"/notices/class/{school.c5.id}").status_code == 404


def test_class_report_unknown_period_is_404(school, login):
    assert login("ct").get(f"/notices/class/{school.c5.id}?period_id=9999").status_code == 404
    ok = login("ct").get(f"/notices/class/{school.c5.id}?period_id={school.builder.periods[0].id}")
    assert ok.status_code == 200
