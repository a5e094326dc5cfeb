"""The calendar-thematic plan (КТП): numbered topics with hours per teacher, subject and grade.

Parsing an imported file is pure (bytes in, rows out, PlanError with the row number on the
first bad row), so a bad file changes nothing. Nothing here commits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from extensions import db
from models import Lesson, PlanItem, SchoolClass, Staff, Subject, SubjectPage, User
from services import audit
from services.tabular import TableFileError, read_table

TOPIC_MAX = 300
HOURS_MAX = 50
MAX_ROWS = 1000
ITEM_FIELDS = ("number", "topic", "hours")  # what a plan item's audit rows compare


class PlanError(ValueError):
    """A plan change or import the rules refuse; `row` is the file's row number, if any."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass(frozen=True)
class PlanRow:
    number: int
    topic: str
    hours: int


@dataclass(frozen=True)
class PlanKey:
    """Which plan: a teacher's plan for one subject in one grade."""

    teacher_id: int
    subject_id: int
    grade: int


# -- reading ----------------------------------------------------------------------------------

def plans_of_teachers(teacher_id: int | None = None) -> list[tuple[Staff, Subject, int, int]]:
    """(teacher, subject, grade, number of topics) for every subject and grade taught.

    One teacher's plans when teacher_id is given, every teacher's otherwise; two queries.
    """
    query = (select(SubjectPage.teacher_id, SubjectPage.subject_id, SchoolClass.grade)
             .join(SchoolClass, SchoolClass.id == SubjectPage.class_id).distinct())
    if teacher_id is not None:
        query = query.where(SubjectPage.teacher_id == teacher_id)
    keys = db.session.execute(query).all()
    counts = dict(((t, s, g), n) for t, s, g, n in db.session.execute(
        select(PlanItem.teacher_id, PlanItem.subject_id, PlanItem.grade, func.count())
        .group_by(PlanItem.teacher_id, PlanItem.subject_id, PlanItem.grade)).all())
    staff = {s.id: s for s in db.session.scalars(
        select(Staff).where(Staff.id.in_({k[0] for k in keys})))}
    subjects = {s.id: s for s in db.session.scalars(
        select(Subject).where(Subject.id.in_({k[1] for k in keys})))}
    rows = [(staff[t], subjects[s], g, counts.get((t, s, g), 0)) for t, s, g in keys]
    return sorted(rows, key=lambda r: (r[0].person.short_name, r[2], r[1].name_ru))


def teaches(key: PlanKey) -> bool:
    """True when the teacher has a subject page of this subject in this grade."""
    return db.session.scalar(
        select(SubjectPage.id).join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .where(SubjectPage.teacher_id == key.teacher_id, SubjectPage.subject_id == key.subject_id,
               SchoolClass.grade == key.grade).limit(1)) is not None


def items_of(key: PlanKey) -> list[PlanItem]:
    """The plan's topics by number."""
    return list(db.session.scalars(select(PlanItem).where(
        PlanItem.teacher_id == key.teacher_id, PlanItem.subject_id == key.subject_id,
        PlanItem.grade == key.grade).order_by(PlanItem.number)))


def taught_counts(items: list[PlanItem]) -> dict[int, list[tuple[SubjectPage, int]]]:
    """For each topic, the pages where lessons used it and how many lessons: one query."""
    result: dict[int, list[tuple[SubjectPage, int]]] = {}
    if not items:
        return result
    rows = db.session.execute(
        select(Lesson.plan_item_id, SubjectPage, func.count(Lesson.id))
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .where(Lesson.plan_item_id.in_([i.id for i in items]))
        .group_by(Lesson.plan_item_id, SubjectPage.id).order_by(SubjectPage.id)).all()
    for item_id, page, count in rows:
        result.setdefault(item_id, []).append((page, count))
    return result


# -- editing ----------------------------------------------------------------------------------

def clean_row(number: int, topic: str, hours: int, row: int | None = None) -> PlanRow:
    """Check one topic's values; raises PlanError (naming the row when given)."""
    topic = " ".join((topic or "").split())
    prefix = _("Row %(row)d: ", row=row) if row is not None else ""
    if number < 1 or number > MAX_ROWS:
        raise PlanError(prefix + _("the number must be from 1 to %(n)d.", n=MAX_ROWS), row)
    if not topic:
        raise PlanError(prefix + _("the topic is empty."), row)
    if len(topic) > TOPIC_MAX:
        raise PlanError(prefix + _("the topic is longer than %(n)d characters.", n=TOPIC_MAX),
                        row)
    if not 1 <= hours <= HOURS_MAX:
        raise PlanError(prefix + _("hours must be from 1 to %(n)d.", n=HOURS_MAX), row)
    return PlanRow(number, topic, hours)


def _renumber(ordered: list[PlanItem]) -> None:
    """Number the topics 1..n in the given order; the unique index forbids swaps in place."""
    for i, item in enumerate(ordered, start=1):
        item.number = MAX_ROWS * 10 + i
    db.session.flush()
    for i, item in enumerate(ordered, start=1):
        item.number = i
    db.session.flush()


def _place(items: list[PlanItem], item: PlanItem, number: int) -> None:
    ordered = [i for i in items if i is not item]
    position = max(0, min(number - 1, len(ordered)))
    ordered.insert(position, item)
    _renumber(ordered)


def add_item(key: PlanKey, row: PlanRow, actor: User | None = None) -> PlanItem:
    """Insert a topic at its number (the following topics move down by one); audited."""
    items = items_of(key)
    item = PlanItem(teacher_id=key.teacher_id, subject_id=key.subject_id, grade=key.grade,
                    number=MAX_ROWS * 20 + 1, topic=row.topic, hours=row.hours)
    db.session.add(item)
    db.session.flush()
    _place(items, item, row.number)
    audit.record_change(actor, "plan_item", item.id, {}, audit.snapshot(item, ITEM_FIELDS),
                        "create")
    return item


def edit_item(key: PlanKey, item: PlanItem, row: PlanRow, actor: User | None = None) -> None:
    """Change a topic; a new number moves it there and renumbers the rest. Audited (the
    topics renumbered around it are not: their text and hours stay)."""
    before = audit.snapshot(item, ITEM_FIELDS)
    item.topic, item.hours = row.topic, row.hours
    if row.number != item.number:
        _place(items_of(key), item, row.number)
    db.session.flush()
    audit.record_change(actor, "plan_item", item.id, before, audit.snapshot(item, ITEM_FIELDS))


def _unlink_and_delete(item: PlanItem) -> None:
    # Lessons keep their topic text; only the link to the plan goes.
    db.session.execute(update(Lesson).where(Lesson.plan_item_id == item.id)
                       .values(plan_item_id=None))
    db.session.delete(item)
    db.session.flush()


def delete_item(key: PlanKey, item: PlanItem, actor: User | None = None) -> None:
    """Remove a topic and renumber the rest; lessons keep their topic text. Audited."""
    audit.record_change(actor, "plan_item", item.id, audit.snapshot(item, ITEM_FIELDS), {},
                        "delete")
    _unlink_and_delete(item)
    _renumber(items_of(key))


def replace_plan(key: PlanKey, rows: list[PlanRow], actor: User | None = None
                 ) -> tuple[int, int, int]:
    """Make the plan equal to imported rows, keeping topics (and lesson links) by number;
    each topic added, changed or removed is audited as its own row.

    Returns (added, changed, removed).
    """
    existing = {item.number: item for item in items_of(key)}
    wanted = {row.number: row for row in rows}
    removed = [item for number, item in existing.items() if number not in wanted]
    for item in removed:
        audit.record_change(actor, "plan_item", item.id, audit.snapshot(item, ITEM_FIELDS),
                            {}, "delete")
        _unlink_and_delete(item)
    added: list[PlanItem] = []
    changed = 0
    for number, row in sorted(wanted.items()):
        item = existing.get(number)
        if item is None:
            added.append(PlanItem(teacher_id=key.teacher_id, subject_id=key.subject_id,
                                  grade=key.grade, number=number, topic=row.topic,
                                  hours=row.hours))
        elif (item.topic, item.hours) != (row.topic, row.hours):
            before = audit.snapshot(item, ITEM_FIELDS)
            item.topic, item.hours = row.topic, row.hours
            audit.record_change(actor, "plan_item", item.id, before,
                                audit.snapshot(item, ITEM_FIELDS))
            changed += 1
    db.session.add_all(added)
    db.session.flush()
    for item in added:
        audit.record_change(actor, "plan_item", item.id, {}, audit.snapshot(item, ITEM_FIELDS),
                            "create")
    return len(added), changed, len(removed)


# -- import -----------------------------------------------------------------------------------

def parse_plan_file(filename: str, data: bytes) -> list[PlanRow]:
    """Read topics from a CSV or XLSX file: columns number, topic, hours; header optional.

    Raises PlanError naming the first bad row; returns the rows in file order.
    """
    try:
        table = read_table(filename, data, max_cols=3)
    except TableFileError as error:
        raise PlanError(error.message) from None
    return _rows_from_table(table)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value or "").strip().rstrip(".")
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None  # not "²", not 10^400


def _rows_from_table(table: list[list[object]]) -> list[PlanRow]:
    rows: list[PlanRow] = []
    seen: dict[int, int] = {}
    for line_no, cells in enumerate(table, start=1):
        cells = (list(cells) + [None, None, None])[:3]
        if all(str(c or "").strip() == "" for c in cells):
            continue
        number, topic, hours = cells
        if not rows and not seen and _as_int(number) is None and _as_int(hours) is None:
            continue  # the optional header row
        n = _as_int(number)
        if n is None:
            raise PlanError(_("Row %(row)d: the number must be a whole number.", row=line_no),
                            line_no)
        h = 1 if str(hours or "").strip() == "" else _as_int(hours)
        if h is None:
            raise PlanError(_("Row %(row)d: hours must be a whole number.", row=line_no),
                            line_no)
        row = clean_row(n, str(topic or ""), h, row=line_no)
        if n in seen:
            raise PlanError(_("Row %(row)d: number %(n)d is already used in row %(first)d.",
                              row=line_no, n=n, first=seen[n]), line_no)
        seen[n] = line_no
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise PlanError(_("The file has more than %(n)d topics.", n=MAX_ROWS), line_no)
    if not rows:
        raise PlanError(_("The file has no topics."))
    return rows
