"""The class teacher's absence week: who sees it, reasons saved and logged, fixed queries."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from extensions import db
from models import Attendance, AuditEvent, Lesson, User
from services import absences as svc
from tests.text import ru

MONDAY = dt.date(2026, 11, 23)
TUESDAY = MONDAY + dt.timedelta(days=1)


def user(name: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == name))


def absent(lesson: Lesson, pupil, reason=None, status="absent") -> Attendance:
    row = Attendance(lesson_id=lesson.id, pupil_id=pupil.id, status=status, reason=reason)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def week(school):
    """Анна misses maths and literature on Monday and maths on Tuesday; Вера is late once."""
    b = school.builder
    maths_mon = b.lesson(school.maths5, MONDAY, 1)
    lit_mon = b.lesson(school.lit5, MONDAY, 3)
    maths_tue = b.lesson(school.maths5, TUESDAY, 2)
    rows = {
        "maths_mon": absent(maths_mon, school.anna),
        "lit_mon": absent(lit_mon, school.anna),
        "maths_tue": absent(maths_tue, school.anna, reason="illness"),
        "late": absent(maths_mon, school.vera, status="late"),
        # Another class and another week stay out of this page.
        "boris": absent(b.lesson(school.maths6, MONDAY), school.boris),
        "last_week": absent(b.lesson(school.maths5, MONDAY - dt.timedelta(days=7)), school.anna),
    }
    db.session.commit()
    return rows


def url(school, suffix=""):
    return f"/classes/{school.c5.id}/attendance{suffix}"


# -- services ---------------------------------------------------------------------------------

def test_load_week_places_absences_by_pupil_and_day(school, week):
    grid = svc.load_week(school.c5, MONDAY + dt.timedelta(days=3))
    assert grid.monday == MONDAY and len(grid.days) == 6
    anna, vera = grid.rows
    assert anna.pupil == school.anna and vera.pupil == school.vera
    assert [a.id for a in anna.days[MONDAY]] == [week["maths_mon"].id, week["lit_mon"].id]
    assert [a.id for a in anna.days[TUESDAY]] == [week["maths_tue"].id]
    assert vera.absences() == []  # a late arrival is not an absence
    assert (anna.excused, anna.unexcused, anna.unset) == (1, 0, 2)
    assert anna.day_reason(TUESDAY) == "illness" and anna.day_reason(MONDAY) == ""


def test_day_reason_sets_every_absence_of_the_day_and_logs(school, week, app):
    with app.test_request_context():
        changed = svc.set_day_reason(school.c5, school.anna.id, MONDAY, "family", user("ct"))
    assert changed == 2
    for name in ("maths_mon", "lit_mon"):
        assert week[name].reason == "family" and week[name].reason_set_by == user("ct").id
    assert week["maths_tue"].reason == "illness"
    events = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "absence.reason")).all()
    assert {(e.object_id, e.old, e.new, e.pupil_id) for e in events} == {
        (week["maths_mon"].id, "", "family", school.anna.id),
        (week["lit_mon"].id, "", "family", school.anna.id)}


def test_unknown_reason_is_refused(school, week, app):
    with app.test_request_context(), pytest.raises(svc.AbsenceError):
        svc.set_reason(week["maths_mon"], "holiday", user("ct"))


# -- HTTP -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,status", [
    ("ct", 200), ("admin", 200), ("deputy", 200),
    ("director", 403), ("teacher", 403), ("secretary", 403), ("deputy1", 404),
    ("other", 404), ("mum", 404), ("dad2", 404), ("anna", 404), ("vera", 404),
])
def test_who_sees_the_week(school, week, login, name, status):
    client = login(name)
    assert client.get(url(school, "?week=2026-11-25")).status_code == status
    response = client.post(url(school, f"/{week['maths_mon'].id}"), data={"reason": "illness"})
    assert response.status_code == (303 if status == 200 else status)


def test_week_page_shows_absences_and_links(school, week, login):
    page = login("ct").get(url(school, "?week=2026-11-25")).get_data(as_text=True)
    assert "Антонова А." in page and "Математика" in page and "Литература" in page
    assert "week=2026-11-16" in page and "week=2026-11-30" in page and 'hx-boost="true"' in page
    assert "Антонов Б." not in page  # 6 «Б»
    assert f'<span class="sum-unset warn">{ru("not set: %(n)d", n=2)}</span>' in page
    assert f'<span class="sum-excused">{ru("excused: %(n)d", n=1)}</span>' in page
    # A bad week parameter falls back to this week rather than failing.
    assert login("ct").get(url(school, "?week=rubbish")).status_code == 200


def test_class_teacher_home_links_the_week(school, login):
    page = login("ct").get("/teacher").get_data(as_text=True)
    assert f"/classes/{school.c5.id}/attendance" in page


def test_reason_for_one_absence_over_htmx(school, week, login):
    client = login("ct")
    response = client.post(url(school, f"/{week['lit_mon'].id}"), data={"reason": "event"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr id="pupil-{school.anna.id}"')
    assert "reasonSaved" in response.headers["HX-Trigger"]
    db.session.refresh(week["lit_mon"])
    assert week["lit_mon"].reason == "event"
    assert week["lit_mon"].reason_set_by == user("ct").id
    # Clearing it again is possible.
    client.post(url(school, f"/{week['lit_mon'].id}"), data={"reason": ""})
    db.session.refresh(week["lit_mon"])
    assert week["lit_mon"].reason is None


def test_reason_for_a_whole_day_over_http(school, week, login):
    response = login("ct").post(url(school, "/day"), data={
        "pupil_id": school.anna.id, "day": MONDAY.isoformat(), "reason": "unexcused"})
    assert response.status_code == 303 and "week=2026-11-23" in response.headers["Location"]
    for name in ("maths_mon", "lit_mon"):
        db.session.refresh(week[name])
        assert week[name].reason == "unexcused"


def test_bad_reason_input_is_refused(school, week, login):
    client = login("ct")
    assert client.post(url(school, f"/{week['lit_mon'].id}"),
                       data={"reason": "holiday"}).status_code == 400
    assert client.post(url(school, "/day"), data={"pupil_id": "x", "day": "2026-11-23",
                                                  "reason": "illness"}).status_code == 400
    # An absence of another class is unknown on this class's page.
    assert client.post(url(school, f"/{week['boris'].id}"),
                       data={"reason": "illness"}).status_code == 404
    db.session.refresh(week["lit_mon"])
    assert week["lit_mon"].reason is None


def _count_queries(app, client, path) -> int:
    count = 0

    def counter(_conn, _cursor, statement, *_args):
        nonlocal count
        count += 1

    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        # A fresh app context: its own session and g, as a real request has.
        with app.app_context():
            assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_week_page_runs_a_fixed_number_of_queries(app, school, week, login):
    client = login("ct")
    b = school.builder
    small = _count_queries(app, client, url(school, "?week=2026-11-23"))
    lessons = [b.lesson(page, MONDAY + dt.timedelta(days=d), n)
               for page, n in ((school.maths5, 4), (school.lit5, 5)) for d in range(6)]
    for i in range(20):
        pupil = b.pupil(school.c5, f"Новикова{i:02d}", "Ольга")
        for lesson in lessons[i % 3::3]:
            absent(lesson, pupil, reason=("illness", None, "unexcused")[i % 3])
    db.session.commit()
    large_page = client.get(url(school, "?week=2026-11-23")).get_data(as_text=True)
    assert large_page.count("<tr id=\"pupil-") == 22
    large = _count_queries(app, client, url(school, "?week=2026-11-23"))
    assert large == small, (small, large)
    assert small <= 12
