"""Late corrections in the demo school, made through the real workflow: the demo teacher asks
for a retake mark and the class teacher for an illness certificate, the director approves, the
deputy enters them; one request waits for a decision and one was rejected. The change log and
the cells' histories then have something to show."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from extensions import db
from models import Attendance, Lesson, Mark, Pupil, SchoolClass, Staff, SubjectPage, User
from services import corrections
from services.corrections import CorrectionError, Request

# (who asks, what kind of entry, new value, reason, document number, decision)
PLAN = (
    ("teacher", "mark", "4", "retake", "3", "apply"),
    ("classteacher", "absence", "о", "other", "7", "apply"),
    ("teacher", "mark", "5", "other", "12", "reject"),
    ("teacher", "mark", "3", "retake", "5", None),
)


def add_corrections(today: dt.date) -> int:
    """Make the demo's corrections (a few, deterministic); returns how many were asked for.
    A school too young for locked entries simply gets none."""
    users = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_(("teacher", "classteacher", "director",
                                              "deputy"))))}
    if len(users) < 4:
        return 0
    before = today - dt.timedelta(days=14)
    made, used = 0, set()
    for who, kind, new, reason, document, decision in PLAN:
        found = _entry(users[who], kind, before, used)
        if found is None:
            continue
        lesson, pupil = found
        used.add((lesson.id, pupil.id))
        note = {"mark": "Отметка поставлена за работу другого ученика",
                "absence": "Опоздал на 10 минут, отмечен отсутствующим по ошибке"}[kind] \
            if reason == "other" else ""
        try:
            row = corrections.request(
                users[who], corrections.cell_target(lesson, pupil),
                Request(new, reason, note, document, lesson.date + dt.timedelta(days=5)),
                None, today)
            if decision:
                corrections.decide(users["director"], row, decision == "apply",
                                   "" if decision == "apply" else "Документ не подтверждает")
            if decision == "apply":
                corrections.apply(users["deputy"], row, today)
        except CorrectionError:
            continue  # a demo built on a day without such an entry: leave it out
        made += 1
    return made


def _entry(user: User, kind: str, before: dt.date, used: set) -> tuple[Lesson, Pupil] | None:
    """A locked entry of the user's: a mark of 2 on their own page, or an absence in their
    class; the oldest first, so the demo is the same every day."""
    staff_id = select(Staff.id).where(Staff.person_id == user.person_id).scalar_subquery()
    staff_pages = select(SubjectPage.id).where(SubjectPage.teacher_id == staff_id)
    if kind == "mark":
        rows = db.session.execute(
            select(Lesson, Mark.pupil_id).join(Mark, Mark.lesson_id == Lesson.id)
            .where(Lesson.page_id.in_(staff_pages), Lesson.date <= before, Mark.value == 2,
                   Mark.position == 1).order_by(Lesson.date, Lesson.id, Mark.pupil_id)
            .limit(20))
    else:
        rows = db.session.execute(
            select(Lesson, Attendance.pupil_id).join(Attendance, Attendance.lesson_id == Lesson.id)
            .join(SubjectPage, SubjectPage.id == Lesson.page_id)
            .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
            .where(SchoolClass.class_teacher_id == staff_id,
                   Lesson.date <= before, Attendance.status == "absent")
            .order_by(Lesson.date, Lesson.id, Attendance.pupil_id).limit(20))
    for lesson, pupil_id in rows:
        if (lesson.id, pupil_id) not in used:
            return lesson, db.session.get(Pupil, pupil_id)
    return None
