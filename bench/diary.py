"""The diary under load: week and marks pages of a pupil with a full year of data.

Budgets (issue 4): p95 < 50 ms for the week page and the marks page; throughput is reported
for 16 concurrent clients; the week page's HTML is measured (CSS/JS are cached after the
first visit through asset() URLs, so the HTML is what a repeat visit downloads).

The school is built here (not the demo) so the numbers do not depend on the demo's shape:
11 classes of 25 pupils, 12 subjects each, lessons on every school day from 1 September to
the end of May with topics and homework, about 6 marks a lesson, some absences, Q1-Q3
period marks. "Today" is 20 May 2027, so the year is full.
"""
from __future__ import annotations

import datetime as dt
import random
import threading
import time

TODAY = dt.date(2027, 5, 20)
CLASSES, PUPILS, SUBJECTS = 11, 25, 12
CONCURRENCY, PER_CLIENT = 16, 25


def run(h) -> None:
    """Time the week and marks pages, a week move through htmx, and 16 parallel clients."""
    h.app(name="diary", build=build, today=TODAY)
    base = h.server()
    parent = h.login("parent1")
    pupil_id = _first_pupil_id(h)
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    week = f"/diary/{pupil_id}/week/{monday.isoformat()}"
    last_week = f"/diary/{pupil_id}/week/{(monday - dt.timedelta(days=7)).isoformat()}"
    marks = f"/diary/{pupil_id}/marks"
    for path in (week, marks, last_week):
        r = parent.get(path)
        assert r.status == 200, (path, r.status)
    html = parent.get(week)
    h.note("diary week page HTML (KB, repeat visit)", round(len(html.body) / 1024, 1),
           budget=60, url=base + week)
    h.note("diary week page SQL statements", h.count_sql(lambda: parent.get(week)))
    h.note("diary marks page SQL statements", h.count_sql(lambda: parent.get(marks)))
    h.time("diary week page (full)", lambda: parent.get(week), 50, n=200)
    h.time("diary week move (htmx fragment)",
           lambda: parent.get(last_week, headers={"HX-Request": "true"}), 50, n=200)
    h.time("diary marks page (quarter 4)", lambda: parent.get(marks), 50, n=200)
    h.time("diary marks page (quarter 1)",
           lambda: parent.get(f"{marks}?period={_period_id(h, 1)}"), 50, n=100)
    pupil = h.login("pupil1")
    h.time("diary homework page", lambda: pupil.get(f"/diary/{pupil_id}/homework"), 50, n=100)
    h.time("diary attendance page", lambda: pupil.get(f"/diary/{pupil_id}/attendance"), 50,
           n=100)
    _throughput(h, ["/diary/{id}/week/" + monday.isoformat(), "/diary/{id}/marks"])


def _throughput(h, paths: list[str]) -> None:
    """CONCURRENCY clients (parents of different pupils) load week and marks pages at once;
    paths hold "{id}" for the pupil."""
    clients = [h.login(f"parent{i + 1}") for i in range(CONCURRENCY)]
    ids = [_pupil_id_of(h, f"parent{i + 1}") for i in range(CONCURRENCY)]
    samples: list[float] = []
    lock = threading.Lock()

    def work(client, pupil_id):
        mine = []
        for i in range(PER_CLIENT):
            path = paths[i % len(paths)].format(id=pupil_id)
            t0 = time.perf_counter()
            r = client.get(path)
            mine.append((time.perf_counter() - t0) * 1000)
            assert r.status == 200
        with lock:
            samples.extend(mine)
    threads = [threading.Thread(target=work, args=(c, i)) for c, i in zip(clients, ids, strict=True)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    h.record(f"diary week+marks, {CONCURRENCY} concurrent clients", samples, None,
             requests_per_s=round(len(samples) / elapsed, 1))


def _first_pupil_id(h) -> int:
    return _pupil_id_of(h, "parent1")


def _pupil_id_of(h, username: str) -> int:
    from sqlalchemy import select

    from extensions import db
    from models import Guardian, User
    with h.app(name="diary", build=build, today=TODAY).app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return db.session.scalar(select(Guardian.pupil_id).where(
            Guardian.person_id == user.person_id))


def _period_id(h, number: int) -> int:
    from sqlalchemy import select

    from extensions import db
    from models import StudyPeriod
    with h.app(name="diary", build=build, today=TODAY).app_context():
        return db.session.scalar(select(StudyPeriod.id).where(
            StudyPeriod.scheme == "quarter", StudyPeriod.number == number))


def build(app) -> None:
    """A year of a small school, written with bulk inserts (about a minute)."""
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from bench.harness import BENCH_PASSWORD
    from extensions import db
    from models import (
        AcademicYear,
        Attendance,
        Bell,
        Enrolment,
        FinalMark,
        Guardian,
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
        TimetableSlot,
        User,
        UserRole,
        WorkType,
    )
    rnd = random.Random(4)
    hashed = generate_password_hash(BENCH_PASSWORD, method="scrypt")
    db.session.add(School(name="Bench school", short_name="Bench"))
    year = AcademicYear(name="2026/2027", start_date=dt.date(2026, 9, 1),
                        end_date=dt.date(2027, 5, 31), is_current=True)
    db.session.add(year)
    db.session.flush()
    quarters = [(dt.date(2026, 9, 1), dt.date(2026, 10, 24)), (dt.date(2026, 11, 5), dt.date(2026, 12, 28)),
                (dt.date(2027, 1, 12), dt.date(2027, 3, 21)), (dt.date(2027, 3, 30), dt.date(2027, 5, 26))]
    periods = [StudyPeriod(year_id=year.id, scheme="quarter", number=n, start_date=s, end_date=e)
               for n, (s, e) in enumerate(quarters, start=1)]
    db.session.add_all(periods)
    for n in range(1, 8):
        db.session.add(Bell(number=n, starts=dt.time(7 + n, 30), ends=dt.time(8 + n, 15)))
    types = [WorkType(code=c, name_ru=c, name_kk=c, weight=w) for c, w in
             (("lesson", 3), ("homework", 1), ("control", 5), ("essay", 4))]
    db.session.add_all(types)
    subjects = [Subject(code=f"s{i}", name_ru=f"Предмет {i}", name_kk=f"Пән {i}")
                for i in range(SUBJECTS)]
    db.session.add_all(subjects)
    db.session.flush()

    def person(last: str, first: str) -> int:
        p = Person(last_name=last, first_name=first, sex="f", search_name=f"{last} {first}".lower())
        db.session.add(p)
        db.session.flush()
        return p.id

    teachers = []
    for i in range(SUBJECTS):
        staff = Staff(person_id=person("Учитель", f"Т{i}"))
        db.session.add(staff)
        teachers.append(staff)
    db.session.flush()
    lesson_days = [d for d in (year.start_date + dt.timedelta(days=k) for k in range(273))
                   if d.isoweekday() <= 6 and any(s <= d <= e for s, e in quarters)]
    n_parent = 0
    for c in range(CLASSES):
        cls = SchoolClass(year_id=year.id, grade=5 + c % 7, letter="АБВГ"[c // 7])
        db.session.add(cls)
        db.session.flush()
        pupils = []
        for k in range(PUPILS):
            pid = person(f"Ученик{c}", f"П{k}")
            pupil = Pupil(person_id=pid, class_id=cls.id, enrolled_on=year.start_date,
                          consent_on=year.start_date)
            db.session.add(pupil)
            db.session.flush()
            pupils.append(pupil.id)
            db.session.add(Enrolment(pupil_id=pupil.id, class_id=cls.id, start_date=year.start_date))
            n_parent += 1
            parent_person = person("Родитель", f"Р{n_parent}")
            db.session.add(Guardian(person_id=parent_person, pupil_id=pupil.id))
            db.session.add(User(username=f"parent{n_parent}", password_hash=hashed,
                                person_id=parent_person, roles=[UserRole(role="parent")]))
            if c == 0 and k == 0:
                db.session.add(User(username="pupil1", password_hash=hashed, person_id=pid,
                                    roles=[UserRole(role="pupil")]))
        pages = [SubjectPage(class_id=cls.id, subject_id=s.id, teacher_id=teachers[i].id,
                             hours_per_week=3) for i, s in enumerate(subjects)]
        db.session.add_all(pages)
        db.session.flush()
        slots = []  # 36 lessons a week: 6 a day, each subject 3 times
        for i, page in enumerate(pages):
            for j in range(3):
                n = i * 3 + j
                slots.append((page.id, n % 6 + 1, n // 6 + 1))
        db.session.execute(insert(TimetableSlot), [
            dict(page_id=p, weekday=w, lesson_number=n, valid_from=year.start_date,
                 valid_to=year.end_date) for p, w, n in slots])
        db.session.execute(insert(Lesson), [
            dict(page_id=p, date=d, lesson_number=n, topic=f"Тема урока {d:%d.%m}",
                 homework=f"Параграф {d.day}, упражнения {n}-{n + 3}",
                 updated_at=dt.datetime(2027, 1, 1))
            for d in lesson_days for p, w, n in slots if d.isoweekday() == w])
        lessons = db.session.execute(select(Lesson.id, Lesson.date).join(
            SubjectPage, SubjectPage.id == Lesson.page_id).where(SubjectPage.class_id == cls.id)).all()
        marks, absences = [], []
        for lesson_id, day in lessons:
            if day > TODAY:
                continue
            for pupil_id in rnd.sample(pupils, 6):
                marks.append(dict(lesson_id=lesson_id, pupil_id=pupil_id, position=1,
                                  value=rnd.choice((2, 3, 3, 4, 4, 4, 5, 5, 5, 5)),
                                  work_type_id=rnd.choice(types).id, comment="",
                                  updated_at=dt.datetime(2027, 1, 1)))
            if rnd.random() < 0.5:
                absences.append(dict(lesson_id=lesson_id, pupil_id=rnd.choice(pupils),
                                     status=rnd.choice(("absent", "late")),
                                     reason=rnd.choice((None, "illness", "unexcused")),
                                     updated_at=dt.datetime(2027, 1, 1)))
        db.session.execute(insert(Mark), marks)
        db.session.execute(insert(Attendance), [dict(a) for a in {
            (a["lesson_id"], a["pupil_id"]): a for a in absences}.values()])
        db.session.execute(insert(FinalMark), [
            dict(page_id=page.id, pupil_id=p, kind="period", period_id=q.id, value=rnd.randint(3, 5),
                 updated_at=dt.datetime(2027, 1, 1))
            for page in pages for p in pupils for q in periods[:3]])
        db.session.commit()
