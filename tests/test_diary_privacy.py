"""Privacy of the diary: only policy.can_read_diary opens it, whatever the URL, query
parameter or htmx header; and the pages run a fixed number of SQL queries."""
from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import escape

from extensions import db
from models import Attendance, Bell, FinalMark, Mark, StudyPeriod, TimetableSlot
from tests.conftest import TODAY
from tests.sql import count_queries
from tests.text import ru


def diary_urls(pupil_id: int, period_id: int) -> list[str]:
    """Every diary URL that names a child."""
    base = f"/diary/{pupil_id}"
    return [f"{base}/week", f"{base}/week/2026-11-23", f"{base}/week/2026-11-18",
            f"{base}/marks", f"{base}/marks?period={period_id}", f"{base}/attendance",
            f"{base}/attendance?period={period_id}", f"{base}/homework"]


# (user, child they must not reach)
REFUSED = [
    ("mum", "vera"), ("dad2", "anna"), ("dad2", "boris"), ("anna", "boris"), ("anna", "vera"),
    ("vera", "anna"), ("teacher", "anna"), ("teacher", "boris"), ("secretary", "anna"),
    ("other", "anna"), ("ct", "boris"), ("deputy1", "anna"), ("ct", "senior"),
]
ALLOWED = [("mum", "anna"), ("mum", "boris"), ("dad2", "vera"), ("anna", "anna"),
           ("ct", "anna"), ("other", "boris"), ("director", "senior"), ("deputy", "boris"),
           ("admin", "vera")]


@pytest.mark.parametrize(("username", "child"), REFUSED)
def test_other_children_answer_404_everywhere(login, school, username, child):
    client = login(username)
    pupil = getattr(school, child)
    for url in diary_urls(pupil.id, school.builder.periods[1].id):
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, url


@pytest.mark.parametrize(("username", "child"), ALLOWED)
def test_own_children_and_their_staff_read(login, school, username, child):
    client = login(username)
    pupil = getattr(school, child)
    period = school.builder.periods[1].id if child != "senior" else None
    urls = diary_urls(pupil.id, period) if period else diary_urls(pupil.id, 0)[:3]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_sign_in(client, school):
    for url in diary_urls(school.anna.id, school.builder.periods[1].id) + ["/diary/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
        htmx = client.get(url, headers={"HX-Request": "true"})
        assert "/login" in htmx.headers.get("HX-Redirect", ""), url


def test_bad_ids_and_parameters_answer_404(login, school):
    half = StudyPeriod(year_id=school.builder.year.id, scheme="half", number=1,
                       start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 12, 28))
    db.session.add(half)
    db.session.commit()
    client = login("mum")
    anna = school.anna.id
    for url in (f"/diary/{anna}/marks?period={half.id}", f"/diary/{anna}/marks?period=abc",
                f"/diary/{anna}/marks?period=99999", f"/diary/{anna}/attendance?period=-1",
                f"/diary/{anna}/attendance?period={half.id}", "/diary/99999/week",
                "/diary/99999/marks", f"/diary/{anna}/week/2026-02-30"):
        assert client.get(url).status_code == 404, url
    # The senior class's half-year is fine for a director reading that pupil.
    director = login("director")
    assert director.get(f"/diary/{school.senior.id}/marks?period={half.id}").status_code == 200


def test_staff_without_children_have_no_diary_start(login, school):
    assert login("teacher").get("/diary/").status_code == 404
    assert login("anna").get("/diary/").status_code == 302


def test_reasons_are_shown_to_the_family(login, school):
    lesson = school.builder.lesson(school.maths5, TODAY, 1)
    db.session.add(Attendance(lesson_id=lesson.id, pupil_id=school.anna.id, status="absent",
                              reason="illness"))
    db.session.commit()
    html = login("mum").get(f"/diary/{school.anna.id}/week").get_data(as_text=True)
    assert str(escape(f'{ru("Absent")} ({ru("illness")})')) in html


# ---- a fixed number of queries -----------------------------------------------------------



def _grow(school, weeks: int, subjects: int) -> None:
    """A fuller diary for Anna: more subjects, a timetable, lessons with marks and absences."""
    b = school.builder
    if not db.session.get(Bell, 1):
        for n in range(1, 8):
            db.session.add(Bell(number=n, starts=dt.time(8 + n, 0), ends=dt.time(8 + n, 45)))
    pages = [school.maths5, school.lit5]
    for i in range(subjects):
        subject = b.subject(f"s{weeks}-{i}", f"Предмет {i}", f"Пән {i}")
        pages.append(b.page(school.c5, subject, school.t_staff))
    start = dt.date(2026, 11, 5)
    for n, page in enumerate(pages):
        weekday = n % 6 + 1
        number = n // 6 + 1 + (2 if weeks > 1 else 0)
        db.session.add(TimetableSlot(page_id=page.id, weekday=weekday, lesson_number=number,
                                     valid_from=dt.date(2026, 9, 1), valid_to=dt.date(2027, 5, 31)))
        for w in range(weeks):
            day = start + dt.timedelta(days=7 * w + (weekday - start.isoweekday()) % 7)
            lesson = b.lesson(page, day, number, topic=f"Тема {w}", homework=f"ДЗ {w}")
            db.session.add(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=3 + w % 3,
                                work_type_id=b.work_types["lesson"].id, comment="ok"))
            if w % 4 == 1:
                db.session.add(Attendance(lesson_id=lesson.id, pupil_id=school.anna.id,
                                          status="late"))
            if w == 0 and (n >= 2 or weeks == 1):
                db.session.add(FinalMark(page_id=page.id, pupil_id=school.anna.id,
                                         kind="period", period_id=b.periods[0].id, value=4))
    db.session.commit()


@pytest.mark.parametrize("path", ["week/2026-11-23", "week/2026-11-16", "marks", "attendance",
                                  "homework"])
def test_query_count_does_not_grow_with_data(login, school, path):
    client = login("mum")
    url = f"/diary/{school.anna.id}/{path}"
    client.get(url)
    _grow(school, weeks=1, subjects=1)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(school, weeks=7, subjects=10)
    with count_queries() as large:
        html = client.get(url).get_data(as_text=True)
    assert "Предмет 9" in html or path.startswith("attendance")
    assert len(small) == len(large), (len(small), len(large))
    assert len(large) <= 17  # + the access check: a child with consent in force
