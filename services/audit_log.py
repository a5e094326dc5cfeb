"""The deputy's log (issue 17): every audit row, filtered by class, subject, the member of
staff who acted, pupil, kind of action and school dates; newest first, a page at a time.

Pages go by keyset (`before` = the last row's moment and id), never by OFFSET or COUNT(*):
each filter rides one of AuditEvent's (column, at) indexes, so a page costs the same on a
year of half a million rows as on a new school. An action group is an IN list over the
(action, at) index.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, tuple_

from extensions import db
from models import AuditEvent, Person, Pupil, SchoolClass, Staff, Subject, User
from models.school import LEVEL_GRADES
from services import audit, clock, policy
from services import school as school_service

PAGE_SIZE = 50
EXPORT_CAP = 100_000

# The kinds of action a deputy filters by: a label and the actions (as written) it covers.
GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "marks": (_l("Journal marks and absences"),
              ("journal.cell", "journal.attendance", "journal.fill", "journal.points")),
    "works": (_l("Summative works (SAU, SAT)"),
              ("work.create", "work.update", "work.delete")),
    "reasons": (_l("Absence reasons"), ("absence.reason",)),
    "finals": (_l("Period and year marks"),
               ("journal.period_mark", "journal.year_mark", "mark_excuse.create",
                "mark_excuse.update", "mark_excuse.delete")),
    "lessons": (_l("Lessons: topic, homework, work type"),
                ("lesson.update", "journal.work_type")),
    "plans": (_l("Plans"), ("plan_item.create", "plan_item.update", "plan_item.delete")),
    "cards": (_l("Pupil cards"),
              ("pupil.create", "pupil.update", "pupil.move", "pupil.depart", "pupil.import",
               "guardian.link", "guardian.unlink", "person.update", "card_check.confirm")),
    "consents": (_l("Consents"), ("consent.give", "consent.revoke", "consent_text.create")),
    "accounts": (_l("Accounts and roles"),
                 ("account.issue", "account.disable", "account.enable", "staff.create",
                  "staff.update")),
    "card_reads": (_l("Card reads"), ("pupil.read", "pupil.extract_read")),
    "diary_reads": (_l("Diary reads"), ("pupil.diary_read",)),
    "corrections": (_l("Corrections"),
                    ("correction.request", "correction.approve", "correction.reject",
                     "correction.apply")),
    "family_data": (_l("Families' data"),
                    ("pupil.data_export", "data_request.create",
                     "data_request.answer")),
    "server": (_l("Backups and retention"),
               ("backup.start", "backup.download", "backup.restore", "retention.purge")),
}

# What a row did, as a person reads it; an action not named here shows as written.
ACTIONS = {
    "journal.cell": _l("journal cell"), "journal.attendance": _l("attendance of a lesson"),
    "journal.fill": _l("column filled"), "journal.points": _l("points of a summative work"),
    "work.create": _l("summative work declared"), "work.update": _l("summative work changed"),
    "work.delete": _l("summative work removed"), "absence.reason": _l("absence reason"),
    "journal.period_mark": _l("period mark"), "journal.year_mark": _l("year mark"),
    "journal.work_type": _l("work type of a lesson"), "lesson.update": _l("lesson changed"),
    "mark_excuse.create": _l("year mark excused"), "mark_excuse.update": _l("year mark excused"),
    "mark_excuse.delete": _l("year mark excuse withdrawn"),
    "pupil.create": _l("pupil arrived"), "pupil.update": _l("pupil card changed"),
    "pupil.move": _l("moved to another class"), "pupil.depart": _l("left the school"),
    "pupil.import": _l("imported"), "pupil.read": _l("opened the card"),
    "pupil.diary_read": _l("opened the diary"), "guardian.link": _l("parent linked"),
    "guardian.unlink": _l("parent unlinked"), "person.update": _l("parent card changed"),
    "card_check.confirm": _l("monthly check of the cards"),
    "consent.give": _l("consent given"), "consent.revoke": _l("consent revoked"),
    "consent_text.create": _l("consent text added"), "account.issue": _l("account issued"),
    "account.disable": _l("account disabled"), "account.enable": _l("account enabled"),
    "staff.create": _l("staff card created"), "staff.update": _l("staff card changed"),
    "plan_item.create": _l("plan topic added"), "plan_item.update": _l("plan topic changed"),
    "plan_item.delete": _l("plan topic deleted"),
    "correction.request": _l("correction requested"),
    "correction.approve": _l("correction approved"),
    "correction.reject": _l("correction rejected"), "correction.apply": _l("correction entered"),
    "pupil.extract_read": _l("opened the extract from the journal"),
    "pupil.data_export": _l("family downloaded its data"),
    "data_request.create": _l("family asked for a correction of its data"),
    "data_request.answer": _l("family's request answered"),
    "backup.start": _l("backup started"), "backup.download": _l("backup downloaded"),
    "backup.restore": _l("journal restored from a backup"),
    "retention.purge": _l("old journal details deleted"),
}

OBJECTS = {
    "lesson": _l("lesson"), "attendance": _l("absence"), "page": _l("journal page"),
    "pupil": _l("pupil card"), "account": _l("account"), "consent": _l("consent"),
    "guardian": _l("parent link"), "person": _l("parent card"), "staff": _l("staff card"),
    "correction": _l("correction"), "plan_item": _l("plan topic"),
    "data_request": _l("family's request"), "backup": _l("backup"),
    "retention": _l("retention"),
}

ROLES = {
    "admin": _l("administrator"), "director": _l("director"), "deputy": _l("deputy"),
    "secretary": _l("secretary"), "teacher": _l("teacher"), "substitute": _l("substitute"),
    "class_teacher": _l("class teacher"), "parent": _l("parent"), "pupil": _l("pupil"),
    "system": _l("system"),
}

_CURSOR = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,15}),([0-9]{1,18})$")


@dataclass
class Filters:
    """What the reader asked for; every field optional. `before` is the keyset cursor."""

    class_id: int | None = None
    subject_id: int | None = None
    teacher_id: int | None = None  # a Staff id: rows written by that person's accounts
    pupil_id: int | None = None
    group: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    before: tuple[dt.datetime, int] | None = None


@dataclass
class Row:
    """One audit row dressed for the page and the file."""

    event: Any  # a row of the audit_event table (AuditEvent's columns)
    who: str
    class_name: str
    subject: str
    pupil: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def action(self) -> str:
        return str(ACTIONS.get(self.event.action, self.event.action))

    @property
    def role(self) -> str:
        return str(ROLES.get(self.event.role, self.event.role))

    @property
    def when(self) -> str:
        """The moment at the school, as the journal writes it (dd.mm.yyyy hh:mm)."""
        return clock.stamp(self.event.at)

    @property
    def cursor(self) -> str:
        return f"{self.event.at.isoformat(timespec='microseconds')},{self.event.id}"

    @property
    def object(self) -> str:
        kind = str(OBJECTS.get(self.event.object_type, self.event.object_type))
        return f"{kind} #{self.event.object_id}" if self.event.object_id is not None else kind


def parse_cursor(text: str | None) -> tuple[dt.datetime, int] | None:
    """The `before=<at>,<id>` of an "older" link, or None when absent or malformed."""
    match = _CURSOR.match(text or "")
    if not match:
        return None
    try:
        return dt.datetime.fromisoformat(match.group(1)), int(match.group(2))
    except ValueError:
        return None


def scope_class_ids(user: User) -> list[int] | None:
    """The classes whose rows a reader sees: None for all, else the ids of a deputy's level
    (rows with no class are then hidden too)."""
    if policy.oversees_all(user):
        return None
    low, high = LEVEL_GRADES.get(user.role_scope("deputy") or "", (1, 0))
    return list(db.session.scalars(select(SchoolClass.id).where(
        SchoolClass.grade.between(low, high))))


def _utc_bound(day: dt.date) -> dt.datetime:
    """Midnight at the school on `day` as the naive UTC moment the rows are stored in."""
    local = dt.datetime.combine(day, dt.time.min, tzinfo=clock.zone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def query(user: User, filters: Filters, limit: int) -> Select:
    """The first `limit` rows the reader may see under the filters, newest first.

    An action group is an IN list over the (action, at) index: SQLite reads each action's
    newest rows and stops at the limit (measured in bench/audit_log.py)."""
    q = _filtered(user, filters)
    if filters.group in GROUPS:
        q = q.where(AuditEvent.action.in_(GROUPS[filters.group][1]))
    return q.limit(limit)


def _filtered(user: User, filters: Filters) -> Select:
    """The rows under every filter but the action group, newest first."""
    ev = AuditEvent
    # Plain rows, not ORM objects: an export of 100,000 must not fill the identity map.
    q = select(*ev.__table__.c).order_by(ev.at.desc(), ev.id.desc())
    scope = scope_class_ids(user)
    if scope is not None:
        q = q.where(ev.class_id.in_(scope or [-1]))
    for column, value in ((ev.class_id, filters.class_id), (ev.subject_id, filters.subject_id),
                          (ev.pupil_id, filters.pupil_id)):
        if value is not None:
            q = q.where(column == value)
    if filters.teacher_id is not None:
        users = list(db.session.scalars(select(User.id).join(
            Staff, Staff.person_id == User.person_id).where(Staff.id == filters.teacher_id)))
        # One account is the rule: an equality keeps the (user_id, at) index's order.
        q = q.where(ev.user_id == users[0] if len(users) == 1 else ev.user_id.in_(users))
    if filters.date_from is not None:
        q = q.where(ev.at >= _utc_bound(filters.date_from))
    if filters.date_to is not None:
        q = q.where(ev.at < _utc_bound(filters.date_to + dt.timedelta(days=1)))
    if filters.before is not None:
        q = q.where(tuple_(ev.at, ev.id) < tuple_(*filters.before))
    return q


def page(user: User, filters: Filters, locale: str,
         size: int = PAGE_SIZE) -> tuple[list[Row], str | None]:
    """One page of rows and the cursor of the next (older) page, or None at the end."""
    events = db.session.execute(query(user, filters, size + 1)).all()
    rows = dress(events[:size], locale)
    return rows, rows[-1].cursor if len(events) > size else None


def dress(events: list[Any], locale: str) -> list[Row]:
    """Names for the ids the rows carry: four queries whatever the number of rows."""
    people = _names(User.id, User.person_id, {e.user_id for e in events if e.user_id})
    pupils = _names(Pupil.id, Pupil.person_id, {e.pupil_id for e in events if e.pupil_id})
    classes = {c.id: c.name for c in db.session.scalars(select(SchoolClass).where(
        SchoolClass.id.in_({e.class_id for e in events if e.class_id})))}
    subjects = {s.id: s.name(locale) for s in db.session.scalars(select(Subject).where(
        Subject.id.in_({e.subject_id for e in events if e.subject_id})))}
    return [Row(e, people.get(e.user_id, "—"), classes.get(e.class_id, ""),
                subjects.get(e.subject_id, ""), pupils.get(e.pupil_id, ""), changes(e))
            for e in events]


def _names(key: Any, person_id: Any, ids: set[int]) -> dict[int, str]:
    """Short names by user or pupil id, read as plain columns (no ORM object per row)."""
    if not ids:
        return {}
    rows = db.session.execute(select(key, Person.last_name, Person.first_name,
                                     Person.patronymic).join(Person, Person.id == person_id)
                              .where(key.in_(ids)))
    return {k: _short(last, first, middle) for k, last, first, middle in rows}


def _short(last: str, first: str, middle: str | None) -> str:
    return Person.short_of(last, first, middle)


def changes(event: Any) -> list[tuple[str, Any, Any]]:
    """A row's fields with old and new values, decoded as services.audit.history does; a
    journal row's plain text ("н", "4/5") is one unnamed field, shown as it is."""
    if event.action.startswith(("journal.", "correction.")):
        return [("", event.old, event.new)] if event.old or event.new else []
    old, new = audit.decode(event.old), audit.decode(event.new)
    return [(n, old.get(n), new.get(n)) for n in sorted(set(old) | set(new))]


def export_rows(user: User, filters: Filters, locale: str) -> Iterator[list[Row]]:
    """The filtered rows in batches for the file, at most EXPORT_CAP + 1 (the extra one says
    the file was capped)."""
    left = EXPORT_CAP + 1
    cursor = filters.before
    while left > 0:
        batch = db.session.execute(query(user, replace(filters, before=cursor),
                                         min(2000, left))).all()
        if not batch:
            return
        left -= len(batch)
        cursor = (batch[-1].at, batch[-1].id)
        yield dress(batch, locale)


@dataclass
class Choices:
    """What the filter form offers: the reader's classes of the year, subjects, staff, and
    the chosen class's pupils (class first, then its pupils)."""

    classes: list[SchoolClass]
    subjects: list[Subject]
    teachers: list[tuple[int, str]]
    pupils: list[Pupil]


def choices(user: User, class_id: int | None, locale: str) -> Choices:
    """The filter form's lists (four queries, five with a class chosen): plain columns where
    an ORM object per option would cost more than the page's rows."""
    year = school_service.current_year()
    classes = [c for c in db.session.scalars(
        select(SchoolClass).where(SchoolClass.year_id == (year.id if year else -1))
        .order_by(SchoolClass.grade, SchoolClass.letter)) if policy.oversees_class(user, c)]
    subjects = sorted(db.session.scalars(select(Subject)), key=lambda s: s.name(locale))
    teachers = [(staff_id, _short(last, first, middle)) for staff_id, last, first, middle
                in db.session.execute(
        select(Staff.id, Person.last_name, Person.first_name, Person.patronymic)
        .join(Person, Person.id == Staff.person_id).order_by(Person.search_name))]
    chosen = next((c for c in classes if c.id == class_id), None)
    return Choices(classes, subjects, teachers,
                   school_service.class_pupils(chosen) if chosen is not None else [])


WIDTHS = (18, 22, 16, 26, 10, 20, 24, 16, 36, 36)


def write_xlsx(user: User, filters: Filters, locale: str, headers: list[str],
               cells: Callable[[Row], list[Any]], capped_note: str) -> bytes:
    """The filtered rows as one XLSX sheet, written row by row (openpyxl's write-only mode):
    bold frozen header, fixed widths, and a last line saying so when EXPORT_CAP cut it."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Audit")
    sheet.freeze_panes = "A2"
    for i, width in enumerate(WIDTHS[:len(headers)]):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    bold = Font(bold=True)
    sheet.append([_bold(WriteOnlyCell(sheet, value=h), bold) for h in headers])
    written = 0
    for batch in export_rows(user, filters, locale):
        for row in batch:
            if written == EXPORT_CAP:
                sheet.append([_bold(WriteOnlyCell(sheet, value=capped_note), bold)])
                break
            sheet.append(cells(row))
            written += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bold(cell: Any, font: Any) -> Any:
    cell.font = font
    return cell


def card_history(pupil: Pupil, limit: int = 100) -> list[audit.Change]:
    """A pupil card's history: its changes and reads (staff diary reads too), its consents,
    its parents' links and the pupil's account; newest first. services.audit.history per
    object: a handful of queries."""
    linked = db.session.execute(
        select(AuditEvent.object_type, AuditEvent.object_id).distinct()
        .where(AuditEvent.pupil_id == pupil.id,
               AuditEvent.object_type.in_(("consent", "guardian")))).all()
    accounts = db.session.scalars(select(User.id).where(User.person_id == pupil.person_id))
    return _merged([("pupil", pupil.id), *linked, *(("account", u) for u in accounts)], limit)


def account_history(user: User, limit: int = 100) -> list[audit.Change]:
    """An account's history: issued, disabled, enabled; and the changes of its person's
    card, where a member of staff's roles are kept (services.people.staff)."""
    staff = db.session.scalars(select(Staff.id).where(Staff.person_id == user.person_id))
    return _merged([("account", user.id), ("person", user.person_id),
                    *(("staff", s) for s in staff)], limit)


def _merged(objects: list[tuple[str, int]], limit: int) -> list[audit.Change]:
    changes = [c for kind, key in objects if key is not None
               for c in audit.history(kind, key, limit)]
    return sorted(changes, key=lambda c: c.at, reverse=True)[:limit]
