"""The app's URL map filled in with the tiny school's ids: shared by the route walk, which
requests every route with real values, and the fuzz tests, which send random ones."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from extensions import db
from models import (
    Attendance,
    Consent,
    Correction,
    Exam,
    Guardian,
    Mark,
    PlanItem,
    SummativeWork,
    User,
)

SKIP_ENDPOINTS = {"static", "assets.file", "auth.logout", "auth.set_language"}


def candidates(school, lessons) -> dict[str, list]:
    """Real values for every URL argument of the map (a rule with an argument not listed
    here fails the route walk, so a new route gets sample values)."""
    s = school
    return {
        "pupil_id": [s.anna.id, s.boris.id, s.vera.id, s.senior.id],
        "page_id": [s.maths5.id, s.maths6.id, s.lit5.id, s.lit10.id],
        "class_id": [s.c5.id, s.c6.id, s.c10.id],
        "lesson_id": [lesson.id for lesson in lessons],
        "attendance_id": list(db.session.scalars(select(Attendance.id))),
        "item_id": list(db.session.scalars(select(PlanItem.id))),
        "subject_id": [s.maths.id, s.lit.id],
        "grade": [5, 6, 10],
        "period_id": [p.id for p in s.builder.periods[:2]],
        "user_id": [db.session.scalar(select(User.id).where(User.username == n))
                    for n in ("anna", "vera", "teacher")],
        "day": ["2026-11-23"], "date": ["2026-11-23"], "week": ["2026-11-16"],
        "key": ["subjects", "classes", "settings", "staff", "pupils", "parents", "sign-ins",
                "curriculum", "exams", "news", "summative-rules"],
        "row_id": [s.maths.id, s.c5.id, s.anna.id, s.vera.id, s.boris.id],
        "locale": ["kk"], "filename": ["css/style.css"], "fmt": ["xlsx", "csv"],
        "staff_id": [s.t_staff.id, s.ct_staff.id],
        "person_id": [s.anna.person_id, s.vera.person_id, s.mum.person_id,
                      s.dad2.person_id],
        "guardian_id": list(db.session.scalars(select(Guardian.id))),
        "consent_id": list(db.session.scalars(select(Consent.id))),
        "action": ["disable", "enable"],
        "exam_id": list(db.session.scalars(select(Exam.id))),
        "close_id": [1], "excuse_id": [1], "job_id": [1],  # none in the tiny school: 404s
        "request_id": [1],  # a family's data request (issue 19): none here, 404s
        "name": ["tabel-20261207-200000"],  # a backup (issue 19): none here, 404s
        "correction_id": list(db.session.scalars(select(Correction.id))),
        # Messages, notices and news (issue 20): none in the tiny school, 404s.
        "conversation_id": [1], "attachment_id": [1], "notice_id": [1], "news_id": [1],
        "month": ["2026-11"],
        # Summative works (issue 21): the one of sample_lessons, and one that does not exist.
        "work_id": [*db.session.scalars(select(SummativeWork.id)), 999],
    }


def rules(app, method: str) -> list:
    """The URL map's rules answering `method`, minus static files and the session switches."""
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint not in SKIP_ENDPOINTS and method in (rule.methods or ())]


def fill(rule, values: dict) -> str:
    """The rule's path with each <converter:name> replaced by values[name]."""
    path = rule.rule
    for key, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{key}>", lambda _m, v=str(value): v, path)
    return path


def sample_lessons(school) -> list:
    """A lesson on each of the four pages, with an absence, marks, a plan item, an exam and a
    correction request: enough rows for every route to find something real."""
    b = school.builder
    # Wednesday: 3 school days back, so its cells are locked (windows count school days
    # since issue 16; the Friday before would still be open on Monday).
    made = [b.lesson(page, dt.date(2026, 11, 18), topic="Дроби", homework="§ 5")
            for page in (school.maths5, school.maths6, school.lit5, school.lit10)]
    wt = b.work_types["lesson"].id
    db.session.add_all([
        Attendance(lesson_id=made[0].id, pupil_id=school.vera.id, reason="illness"),
        Attendance(lesson_id=made[2].id, pupil_id=school.anna.id),
        Mark(lesson_id=made[0].id, pupil_id=school.vera.id, value=5, work_type_id=wt),
        Mark(lesson_id=made[1].id, pupil_id=school.boris.id, value=3, work_type_id=wt),
        PlanItem(teacher_id=school.t_staff.id, subject_id=school.maths.id, grade=5, number=1,
                 topic="Натуральные числа"),
        Exam(kind="OGE", grade=5, name_ru="Экзамен", name_kk="Емтихан", max_points=20),
    ])
    db.session.flush()
    # 6 «Б» keeps the criteria-based journal (issue 21): a SAU with Борис's points.
    school.c6.journal_type = "criteria"
    b.work(school.maths6, "sor", dt.date(2026, 11, 18), 10, {school.boris: 7})
    db.session.add(Correction(  # Vera's (the other family's) mark, asked to change
        kind="cell", page_id=school.maths5.id, lesson_id=made[0].id, pupil_id=school.vera.id,
        entry_date=made[0].date, old_value="5", new_value="4", reason="other", note="Ошибка",
        doc_number="7", doc_date=dt.date(2026, 11, 20), requested_by=school.teacher.id))
    db.session.commit()
    return made
