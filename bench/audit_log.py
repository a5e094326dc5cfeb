"""The deputy's log on a year of audit rows (issue 17).

Budget from the issue: "the deputy's log filtered, p95 < 100 ms on a school with at least
500,000 audit rows (a full year)".

The school is the 1,000-pupil demo (four filled weeks are enough: the log reads audit rows,
not marks) plus AUDIT_ROWS generated rows over the school year, written with one Core
executemany per batch: mostly journal cells, then attendance, lessons, absence reasons,
period marks, card and diary reads, card changes, accounts and corrections, each with its
class, subject, member of staff and pupil as the application writes them. The log page is
timed over HTTP, signed in as the demo's deputy (every level), unfiltered and with each
filter alone.
"""
from __future__ import annotations

import datetime as dt
import json
import random
from urllib.parse import urlencode

DB = "audit_log"
AUDIT_ROWS = 520_000
BATCH = 20_000
BUDGET_MS = 100
# (action, object_type, weight, journal text?) — roughly what a school writes in a year.
MIX = (
    ("journal.cell", "lesson", 62, True), ("journal.attendance", "lesson", 12, True),
    ("journal.fill", "lesson", 3, True), ("lesson.update", "lesson", 9, False),
    ("journal.work_type", "lesson", 1, True), ("absence.reason", "attendance", 4, True),
    ("journal.period_mark", "page", 3, True), ("pupil.read", "pupil", 3, False),
    ("pupil.diary_read", "pupil", 1, False), ("pupil.update", "pupil", 0.6, False),
    ("consent.give", "consent", 0.3, False), ("account.issue", "account", 0.3, False),
    ("correction.request", "correction", 0.4, False),
    ("correction.apply", "correction", 0.4, False),
)
MARKS = ("5", "4", "3", "2", "н", "4/5", "н5", "")


def run(h) -> None:
    """Build (once) the school with its audit year, then time the log's views."""
    _drop_stale_cache()
    h.app(DB, build=_build)
    deputy = h.login("deputy")
    picks = _picks(h)
    views = [
        ("unfiltered", {}),
        (f"class {picks['class_name']}", {"class": picks["class"]}),
        ("subject", {"subject": picks["subject"]}),
        ("teacher", {"teacher": picks["teacher"]}),
        ("class + pupil", {"class": picks["class"], "pupil": picks["pupil"]}),
        ("a week of dates", {"from": "2026-11-16", "to": "2026-11-22"}),
        ("action: absence reasons", {"group": "reasons"}),
        ("action: corrections", {"group": "corrections"}),
        ("action: diary reads + class", {"group": "diary_reads", "class": picks["class"]}),
        # The worst case measured: a rare group within a class walks the class's rows.
        ("action: pupil cards + class", {"group": "cards", "class": picks["class"]}),
        ("older page (cursor)", {"before": picks["cursor"]}),
    ]
    for name, args in views:
        url = "/audit/" + ("?" + urlencode(args) if args else "")
        first = deputy.get(url)
        assert first.status == 200, (url, first.status)
        h.time(f"deputy's log filtered: {name}", lambda u=url: deputy.get(u), BUDGET_MS,
               n=60, warmup=5, sql_statements=h.count_sql(lambda u=url: deputy.get(u)),
               kb=round(len(first.body) / 1024, 1))
    export = f"/audit/export.xlsx?class={picks['class']}"
    size = len(deputy.get(export).body)
    h.time(f"deputy's log XLSX export, class {picks['class_name']} (a year of rows)",
           lambda: deputy.get(export), None, n=3, warmup=1, kb=round(size / 1024))
    h.note("audit rows in the bench school", picks["rows"], None)


def _drop_stale_cache() -> None:
    """Forget the cached school when the audit table's columns have changed since it was
    built (the harness keeps a cache by name only)."""
    import sqlite3

    from harness import CACHE

    from models import AuditEvent
    path = CACHE / f"{DB}.sqlite3"
    if not path.exists():
        return
    con = sqlite3.connect(path)
    try:
        have = {row[1] for row in con.execute("PRAGMA table_info(audit_event)")}
    finally:
        con.close()
    if have != {c.name for c in AuditEvent.__table__.columns}:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def _picks(h) -> dict:
    """A class, a subject taught in it, its teacher, one of its pupils, and a cursor."""
    from sqlalchemy import func, select

    from extensions import db
    from models import AuditEvent, Pupil, SchoolClass, SubjectPage
    with h.app(DB).app_context():
        page = db.session.scalars(select(SubjectPage).order_by(SubjectPage.id)).first()
        cls = db.session.get(SchoolClass, page.class_id)
        pupil = db.session.scalar(select(Pupil.id).where(Pupil.class_id == cls.id).limit(1))
        at, row_id = db.session.execute(select(AuditEvent.at, AuditEvent.id).order_by(
            AuditEvent.at.desc(), AuditEvent.id.desc()).offset(5000).limit(1)).one()
        return {"class": cls.id, "class_name": cls.name, "subject": page.subject_id,
                "teacher": page.teacher_id, "pupil": pupil,
                "cursor": f"{at.isoformat(timespec='microseconds')},{row_id}",
                "rows": db.session.scalar(select(func.max(AuditEvent.id)))}


def _build(app) -> None:
    """The demo school, then a year of audit rows (~30 s)."""
    from harness import _default_build  # the demo with the bench password

    from services import demo
    real = demo.build_demo
    demo.build_demo = lambda pupils, weeks: real(pupils=pupils, weeks=4)
    try:
        _default_build(app)
    finally:
        demo.build_demo = real
    _audit_year()


def _audit_year() -> None:
    """AUDIT_ROWS rows from 1 September to the run's day, in time order, in batches."""
    from sqlalchemy import insert, select

    from extensions import db
    from models import AuditEvent, Pupil, Staff, SubjectPage, User
    rng = random.Random(17)
    users = dict(db.session.execute(select(Staff.id, User.id).join(
        User, User.person_id == Staff.person_id)).all())
    pages = [(p.id, p.class_id, p.subject_id, users.get(p.teacher_id))
             for p in db.session.scalars(select(SubjectPage))]
    pupils: dict[int, list[int]] = {}
    for pid, cid in db.session.execute(select(Pupil.id, Pupil.class_id)):
        pupils.setdefault(cid, []).append(pid)
    staff_users = list(users.values())
    kinds, weights = MIX, [m[2] for m in MIX]
    start = dt.datetime(2026, 9, 1, 3, 0)
    step = (dt.datetime(2026, 12, 7, 12, 0) - start) / AUDIT_ROWS
    rows = []
    for i in range(AUDIT_ROWS):
        action, object_type, _w, journal = rng.choices(kinds, weights)[0]
        page_id, class_id, subject_id, teacher = rng.choice(pages)
        pupil = rng.choice(pupils.get(class_id) or [None])
        card = object_type in ("pupil", "consent", "account")
        rows.append({
            "at": start + step * i, "user_id": rng.choice(staff_users) if card else teacher,
            "role": "class_teacher" if card else "teacher", "action": action,
            "object_type": object_type, "object_id": pupil if card else page_id,
            "pupil_id": None if action in ("lesson.update", "journal.work_type") else pupil,
            "class_id": class_id, "subject_id": None if card else subject_id,
            "old": rng.choice(MARKS) if journal else "",
            "new": rng.choice(MARKS) if journal else json.dumps({"topic": f"Тема {i % 97}"},
                                                                ensure_ascii=False)})
        if len(rows) == BATCH:
            db.session.execute(insert(AuditEvent), rows)
            rows = []
    if rows:
        db.session.execute(insert(AuditEvent), rows)
    db.session.commit()
