"""The audit trail (DOMAIN.md 9): who changed which fields of what, from what to what, and
who read a pupil's card. Rows are written here and never edited in the application.

Changes are recorded field by field as JSON objects {"field": value}, so a row's history can
say "phone: +7 701 … → +7 702 …". Values are made JSON-safe (dates as ISO text).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from extensions import db
from models import AuditEvent, Lesson, Pupil, SchoolClass, SubjectPage, User
from services import policy

# The role a row names when nothing narrower applies: the user's highest one.
ROLE_ORDER = ("admin", "director", "deputy", "secretary", "teacher", "parent", "pupil")


def plain(value: Any) -> Any:
    """A value as the audit trail keeps it in JSON (dates as ISO text)."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def dumps(values: dict[str, Any]) -> str:
    """Fields as the trail keeps them: JSON, keys sorted, letters as they are."""
    return json.dumps({k: plain(v) for k, v in values.items()}, ensure_ascii=False,
                      sort_keys=True)


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of an object, JSON-safe, before or after a change."""
    return {name: plain(getattr(obj, name, None)) for name in fields}


def acting_role(user: User | None, page: SubjectPage | None = None,
                lesson: Lesson | None = None, school_class: SchoolClass | None = None) -> str:
    """The role a user acted in on this page, lesson or class ("in which role", DOMAIN.md 9):
    the page's teacher, the lesson's substitute, the class teacher, else their highest role.
    Asks the database nothing beyond the user's staff record (cached for the request)."""
    if user is None:
        return "system"
    page = page if page is not None or lesson is None else lesson.page
    staff = policy.staff_of(user) if page is not None or school_class is not None else None
    if staff is not None:
        if page is not None and page.teacher_id == staff.id:
            return "teacher"
        if lesson is not None and lesson.substitute_id == staff.id:
            return "substitute"
        cls = school_class if school_class is not None else page.school_class if page else None
        if cls is not None and cls.class_teacher_id == staff.id:
            return "class_teacher"
    return next((r for r in ROLE_ORDER if user.has_role(r)), "")


def journal_row(user: User | None, action: str, object_type: str, object_id: int | None,
                pupil_id: int | None, old: str, new: str, *, page: SubjectPage,
                lesson: Lesson | None = None, role: str | None = None,
                correction_id: int | None = None, period_id: int | None = None
                ) -> dict[str, Any]:
    """The values of one audit row about a journal page, for a Core insert (the journal's
    saves write it as one statement, or many rows in one)."""
    return {"user_id": user.id if user else None, "action": action,
            "object_type": object_type, "object_id": object_id, "pupil_id": pupil_id,
            "old": old, "new": new, "class_id": page.class_id, "subject_id": page.subject_id,
            "role": role or acting_role(user, page, lesson), "correction_id": correction_id,
            "period_id": period_id,
            "at": dt.datetime.now(dt.UTC)}


def write_rows(rows: list[dict[str, Any]]) -> None:
    """Insert audit rows built by journal_row: one statement whatever their number."""
    if rows:
        db.session.connection().execute(insert(AuditEvent), rows)


def _add(user: User | None, action: str, object_type: str, object_id: int | None,
         pupil_id: int | None, old: str, new: str, school_class: SchoolClass | None,
         role: str | None) -> None:
    if school_class is None and pupil_id is not None and role is None:
        # An event about a pupil is done in the role the user has for the pupil's class
        # (their class teacher), else in the user's highest role. The pupil is usually loaded.
        pupil = db.session.get(Pupil, pupil_id)
        school_class = pupil.school_class if pupil is not None else None
    event = AuditEvent(
        user_id=user.id if user else None, action=action, object_type=object_type,
        object_id=object_id, pupil_id=pupil_id, old=old, new=new,
        role=role or acting_role(user, school_class=school_class),
        class_id=school_class.id if school_class is not None else None)
    if school_class is None and pupil_id is not None:
        # The pupil's class, read by the INSERT itself: the log filters card events by class.
        event.class_id = select(Pupil.class_id).where(Pupil.id == pupil_id).scalar_subquery()
    db.session.add(event)


def record_change(user: User | None, object_type: str, object_id: int | None,
                  before: dict[str, Any], after: dict[str, Any], action: str = "update",
                  pupil_id: int | None = None, school_class: SchoolClass | None = None,
                  role: str | None = None) -> bool:
    """One audit row with the fields that changed (old and new values); False when none did."""
    # A deletion's fields are only in `before`: they are its old values (new: none).
    changed = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    if not changed and action == "update":
        return False
    _add(user, f"{object_type}.{action}", object_type, object_id, pupil_id,
         json.dumps({k: before.get(k) for k in changed}, ensure_ascii=False, sort_keys=True),
         json.dumps({k: after.get(k) for k in changed if k in after}, ensure_ascii=False,
                    sort_keys=True),
         school_class, role)
    return True


def record(user: User | None, object_type: str, object_id: int | None, action: str,
           details: dict[str, Any] | None = None, pupil_id: int | None = None,
           school_class: SchoolClass | None = None, role: str | None = None) -> None:
    """An event without before/after fields: a card read, an account issued, a revocation."""
    _add(user, f"{object_type}.{action}", object_type, object_id, pupil_id, "",
         json.dumps({k: plain(v) for k, v in (details or {}).items()},
                    ensure_ascii=False, sort_keys=True) if details else "",
         school_class, role)


@dataclass
class Change:
    """One line of a row's history: when, who, what, and each field's old and new value."""

    at: dt.datetime
    who: str
    action: str
    fields: list[tuple[str, Any, Any]]


def history(object_type: str, object_id: int, limit: int = 200) -> list[Change]:
    """The audit rows of one object, newest first, fields decoded (two queries)."""
    rows = db.session.execute(
        select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    out = []
    for event, user in rows:
        old, new = decode(event.old), decode(event.new)
        names = sorted(set(old) | set(new))
        out.append(Change(event.at, user.person.short_name if user else "—",
                          event.action.split(".")[-1],
                          [(n, old.get(n), new.get(n)) for n in names]))
    return out


def decode(text: str) -> dict[str, Any]:
    """A row's old or new value as fields: JSON objects as they are, plain text under ""."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"": text}
    return value if isinstance(value, dict) else {"": value}
