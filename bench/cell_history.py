"""The history of one journal cell (issue 17), on the school of bench/audit_log.py (a year
of audit rows, ≥ 500,000).

Budget from the issue: "the history of one cell p95 < 20 ms".

The cell is a locked one of the demo teacher's: it gets HISTORY values through the audit
trail as the journal writes them, and one applied correction, once per cached school. The
fragment (what H or a long press opens) is timed over HTTP, signed in as that teacher; the
correction request page and the corrections list are timed beside it.
"""
from __future__ import annotations

import datetime as dt

import audit_log

HISTORY = 30
BUDGET_MS = 20


def run(h) -> None:
    audit_log._drop_stale_cache()
    app = h.app(audit_log.DB, build=audit_log._build)
    with app.app_context():
        lesson_id, pupil_id = _cell_with_history()
    teacher = h.login("teacher")
    url = f"/journal/lessons/{lesson_id}/history?pupil={pupil_id}"
    first = teacher.get(url)
    assert first.status == 200 and "/corrections/new" in first.text, first.status
    h.time(f"cell history ({HISTORY} values and a correction, in ≥ 500,000 audit rows)",
           lambda: teacher.get(url), BUDGET_MS, n=100, warmup=10,
           sql_statements=h.count_sql(lambda: teacher.get(url)),
           kb=round(len(first.body) / 1024, 1))
    ask = f"/corrections/new?lesson={lesson_id}&pupil={pupil_id}"
    h.time("correction request form", lambda: teacher.get(ask), None, n=40, warmup=5,
           sql_statements=h.count_sql(lambda: teacher.get(ask)))
    h.time("corrections list (teacher)", lambda: teacher.get("/corrections/"), None, n=40,
           warmup=5, sql_statements=h.count_sql(lambda: teacher.get("/corrections/")))


def _cell_with_history() -> tuple[int, int]:
    """A locked cell of the demo teacher's with HISTORY audit rows and an applied correction
    (added the first time only); its lesson and pupil ids."""
    from sqlalchemy import func, select

    from extensions import db
    from models import AuditEvent, Correction, Lesson, Mark, Staff, SubjectPage, User
    from services import audit
    teacher = db.session.scalar(select(User).where(User.username == "teacher"))
    staff = db.session.scalar(select(Staff).where(Staff.person_id == teacher.person_id))
    lesson, pupil_id = db.session.execute(
        select(Lesson, Mark.pupil_id).join(Mark, Mark.lesson_id == Lesson.id)
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .where(SubjectPage.teacher_id == staff.id)
        .order_by(Lesson.date, Lesson.id, Mark.pupil_id).limit(1)).one()
    have = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "lesson", AuditEvent.object_id == lesson.id,
        AuditEvent.pupil_id == pupil_id))
    if have < HISTORY:
        values = ["5", "4", "н", "4/5", "3", "о4"]
        audit.write_rows([dict(audit.journal_row(
            teacher, "journal.cell", "lesson", lesson.id, pupil_id, values[i % 6],
            values[(i + 1) % 6], page=lesson.page, lesson=lesson),
            at=dt.datetime.combine(lesson.date, dt.time(9, i))) for i in range(HISTORY)])
        db.session.add(Correction(
            kind="cell", page_id=lesson.page_id, lesson_id=lesson.id, pupil_id=pupil_id,
            entry_date=lesson.date, old_value="3", new_value="4", reason="retake",
            doc_number="3", doc_date=lesson.date, status="applied", requested_by=teacher.id,
            decided_by=teacher.id, decided_at=dt.datetime.now(dt.UTC),
            applied_by=teacher.id, applied_at=dt.datetime.now(dt.UTC)))
        db.session.commit()
    return lesson.id, pupil_id
