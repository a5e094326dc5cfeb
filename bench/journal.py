"""Server side of the journal (issues 3 and 11): one subject page of 32 pupils x 70 lessons.

Measures over real HTTP against waitress: the grid page, one cell save, the attendance of a
whole lesson; reports SQL statements per request, page weight and answer size.
"""
from __future__ import annotations

import datetime as dt
import random
import re

from harness import BENCH_PASSWORD, Harness

PUPILS, LESSONS = 32, 70
FIRST_DAY = dt.date(2026, 9, 1)
DB_NAME = "journal_32x70"
TEACHER = "bench_teacher"
HTMX = {"HX-Request": "true"}  # what the grid's htmx sends: fragments, not a redirect


def school_days(start: dt.date, n: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < n:
        if day.isoweekday() <= 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


DAYS = school_days(FIRST_DAY, LESSONS)
TODAY = DAYS[-1]


def build(app) -> None:
    """A school with one grade-10 class and one maths page of 32 pupils x 70 lessons, ~90 % filled."""
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from extensions import db
    from models import (
        AcademicYear,
        Attendance,
        Enrolment,
        Lesson,
        Mark,
        Person,
        Pupil,
        School,
        SchoolClass,
        Staff,
        StudyPeriod,
        Subject,
        SubjectPage,
        User,
        UserRole,
        WorkType,
    )
    rnd = random.Random(11)
    db.session.add(School(name="Bench school", short_name="Bench"))
    year = AcademicYear(name="2026/2027", start_date=FIRST_DAY, end_date=dt.date(2027, 5, 31),
                        is_current=True)
    db.session.add(year)
    db.session.flush()
    db.session.add_all([
        StudyPeriod(year_id=year.id, scheme="half", number=1, start_date=FIRST_DAY,
                    end_date=dt.date(2026, 12, 28)),
        StudyPeriod(year_id=year.id, scheme="half", number=2, start_date=dt.date(2027, 1, 12),
                    end_date=dt.date(2027, 5, 26))])
    types = [WorkType(code=c, name_ru=n, name_kk=n, weight=w, lock_rule=r) for c, n, w, r in (
        ("lesson", "Работа на уроке", 3, "current"), ("homework", "Домашняя работа", 1, "current"),
        ("control", "Контрольная работа", 5, "control"))]
    db.session.add_all(types)
    person = Person(last_name="Учителева", first_name="Бенч", sex="f")
    db.session.add(person)
    db.session.flush()
    staff = Staff(person_id=person.id)
    user = User(username=TEACHER, person_id=person.id,
                password_hash=generate_password_hash(BENCH_PASSWORD, method="scrypt"))
    user.roles = [UserRole(role="teacher")]
    db.session.add_all([staff, user])
    db.session.flush()
    cls = SchoolClass(year_id=year.id, grade=10, letter="А", period_scheme="half")
    maths = Subject(code="maths", name_ru="Математика", name_kk="Математика")
    db.session.add_all([cls, maths])
    db.session.flush()
    page = SubjectPage(class_id=cls.id, subject_id=maths.id, teacher_id=staff.id, hours_per_week=5)
    db.session.add(page)
    db.session.flush()
    pupil_ids = []
    for i in range(PUPILS):
        p = Person(last_name=f"Фамилия{i:02}", first_name="Имя", patronymic="Отчество", sex="m")
        db.session.add(p)
        db.session.flush()
        pupil = Pupil(person_id=p.id, class_id=cls.id, enrolled_on=FIRST_DAY)
        db.session.add(pupil)
        db.session.flush()
        db.session.add(Enrolment(pupil_id=pupil.id, class_id=cls.id, start_date=FIRST_DAY))
        pupil_ids.append(pupil.id)
    db.session.execute(insert(Lesson), [
        {"page_id": page.id, "date": d, "lesson_number": 2, "topic": f"Тема урока номер {n + 1}: "
         "квадратные уравнения и их корни", "homework": f"§ {n + 1}, № {100 + n}-{105 + n}",
         "work_type_id": types[2].id if n % 10 == 9 else types[0].id, "ict_used": False,
         "is_extra": False} for n, d in enumerate(DAYS)])
    lesson_ids = [lid for (lid,) in db.session.execute(
        db.select(Lesson.id).order_by(Lesson.date))]
    marks, absences = [], []
    for lid in lesson_ids[:-1]:  # today's column starts empty: the bench fills it
        for pid in pupil_ids:
            roll = rnd.random()
            if roll < 0.08:
                absences.append({"lesson_id": lid, "pupil_id": pid, "status": "absent"})
            elif roll < 0.90:
                marks.append({"lesson_id": lid, "pupil_id": pid, "position": 1,
                              "value": rnd.choice((3, 4, 4, 5, 5)), "work_type_id": types[0].id,
                              "comment": ""})
    db.session.execute(insert(Mark), marks)
    db.session.execute(insert(Attendance), absences)


def ids(h: Harness) -> tuple[int, int, list[int]]:
    """The page id, today's lesson id and the pupil ids, read from the bench database."""
    from extensions import db
    from models import Lesson, Pupil, SubjectPage
    with h.app(DB_NAME).app_context():
        page_id = db.session.scalar(db.select(SubjectPage.id))
        lesson_id = db.session.scalar(db.select(Lesson.id).where(Lesson.date == TODAY))
        pupils = list(db.session.scalars(db.select(Pupil.id).order_by(Pupil.id)))
    return page_id, lesson_id, pupils


def run(h: Harness) -> None:
    """Grid render, one cell save, a lesson's attendance: medians, p95, SQL, sizes."""
    h.app(DB_NAME, build=build, today=TODAY)
    page_id, lesson_id, pupils = ids(h)
    client = h.login(TEACHER)
    url = f"/journal/pages/{page_id}"
    first = client.get(url)
    assert first.status == 200, first.status
    kb = round(len(first.body) / 1024, 1)
    sql = h.count_sql(lambda: client.get(url))
    h.time("journal grid page (32x70)", lambda: client.get(url), 40, n=100,
           sql_statements=sql, kb=kb)
    h.note("journal grid page HTML KB", kb, 100)

    state = {"old": "", "i": 0}
    save_url = f"/journal/lessons/{lesson_id}/cell"
    start = client.post(save_url, data={"pupil": pupils[0], "value": ""}, headers=HTMX)
    assert_fragment(start)  # start from empty

    def save() -> None:
        value = "5" if state["old"] != "5" else "4"
        r = client.post(save_url, data={"pupil": pupils[0], "value": value, "old": state["old"]},
                        headers=HTMX)
        assert_fragment(r)
        assert f">{value}</td>" in r.text, r.text
        state["old"], state["bytes"] = value, len(r.body)
    sql = h.count_sql(save)
    h.time("journal one mark saved", save, 15, n=200, sql_statements=sql)
    h.note("journal mark answer bytes", state["bytes"], 1024)
    clear = client.post(save_url, data={"pupil": pupils[0], "value": "", "old": state["old"]},
                        headers=HTMX)
    assert_fragment(clear)  # leave the cell empty for the browser bench

    att_url = f"/journal/lessons/{lesson_id}/attendance"
    col = today_column(first.text)
    toggle = {"n": 0}

    def attendance() -> None:
        toggle["n"] += 1
        absent = pupils[toggle["n"] % 3: toggle["n"] % 3 + 3]
        r = client.post(att_url, data={"absent": absent, "col": col}, headers=HTMX)
        assert_fragment(r)
        state["att_bytes"] = len(r.body)
    sql = h.count_sql(attendance)
    h.time("journal lesson attendance (32 pupils)", attendance, 30, n=100, sql_statements=sql,
           kb=round(state["att_bytes"] / 1024, 1))
    # 11: the parents' journal notices of the lesson are brought in line in the same
    # transaction (issue 20: one read, and a write only when a parent's notice changes).
    h.note("journal attendance SQL statements", sql, 11)
    # Leave the column clean for the browser bench: everyone present, no marks.
    assert_fragment(client.post(att_url, data={"col": col}, headers=HTMX))


def assert_fragment(r) -> None:
    """An htmx save answered with its fragment: 200, not refused (X-Journal-Refused)."""
    assert r.status == 200, (r.status, r.headers.get("location"), r.text[:300])
    refused = r.headers.get("x-journal-refused")
    assert not refused, f"refused {refused}: {r.text[:300]}"


def today_column(html: str) -> int:
    """Today's column as the grid sends it (`col`): its 1-based place among each row's children
    once journal.js has moved the other columns in (1 is the pupil's name): its place in the
    first frame's head plus the columns of <template id="jrest" data-before> put before it."""
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    tags = re.findall(r"<th\b[^>]*>", head)
    place = next((i + 1 for i, tag in enumerate(tags) if re.search(r"\sdata-t=", tag)), None)
    assert place, "no today's column head (th[data-t]) on the grid page"
    before = re.search(r'<template id="jrest" data-before="(\d+)"', html)
    return place + (int(before.group(1)) if before else 0)
