"""What the parts of the demo generator share: the build context, row ids and bulk inserts.

Rows are inserted in bulk with ids chosen here (the next free id of each table), so that
marks can point at lessons without reading anything back from the database.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, text

from extensions import db
from services.demo_names import Name, Namer, Usernames
from services.demo_school import Calendar


class IdPool:
    """Hands out the next free primary key of each model."""

    def __init__(self) -> None:
        self._next: dict[type, int] = {}

    def take(self, model: type) -> int:
        """A new id for a row of the model."""
        if model not in self._next:
            self._next[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value


def bulk_insert(model: type, rows: list[dict]) -> int:
    """Insert rows (dicts with the same keys) in one executemany; returns how many.

    A Core insert of the table: the ORM's bulk path would split rows that hold None into
    many small statements, ten times slower for marks and attendance.
    """
    if rows:
        db.session.execute(insert(model.__table__), rows)
    return len(rows)


def sync_sequences(models: list[type]) -> None:
    """After inserts with explicit ids, move PostgreSQL's id sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__.name
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)"))


@dataclass(eq=False)
class StaffInfo:
    """A staff member being generated."""

    id: int
    person_id: int
    name: Name
    spec: str  # a specialisation code, 'primary', or an administrative post
    position: str
    language: str
    room: str = ""
    username: str | None = None  # fixed demo account name
    user_id: int = 0


@dataclass(eq=False)
class ClassInfo:
    """A class being generated, with its pupils in journal (alphabetical) order."""

    id: int
    grade: int
    letter: str
    language: str
    scheme: str
    pupils: list[int] = field(default_factory=list)
    leader: StaffInfo | None = None
    # subgroup number -> (subgroup id, its pupils)
    subgroups: dict[int, tuple[int, list[int]]] = field(default_factory=dict)
    journal: str = "classic"  # or "criteria": ФО 1-10, СОР and СОЧ (issue 21)

    @property
    def criteria(self) -> bool:
        return self.journal == "criteria"

    @property
    def key(self) -> tuple[int, str]:
        return self.grade, self.letter

    @property
    def name(self) -> str:
        return f"{self.grade} «{self.letter}»"


@dataclass(eq=False)
class PageInfo:
    """A subject page being generated and the pupils it lists."""

    id: int
    school_class: ClassInfo
    subject: str
    teacher: StaffInfo
    hours: int
    subgroup: int | None = None
    members: list[int] = field(default_factory=list)


@dataclass
class Context:
    """Everything one build knows: options, the calendar, ids and what was generated so far."""

    pupils: int
    weeks: int | None
    today: dt.date
    rng: random.Random
    calendar: Calendar
    password_hash: str
    ids: IdPool = field(default_factory=IdPool)
    year_id: int = 0
    usernames: Usernames = field(default_factory=Usernames)
    namer: Namer = field(init=False)
    work_types: dict[str, tuple[int, int]] = field(default_factory=dict)  # code -> (id, weight)
    work_type_codes: dict[int, str] = field(default_factory=dict)
    work_type_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    subjects: dict[str, int] = field(default_factory=dict)
    periods: dict[str, list[tuple[int, dt.date, dt.date]]] = field(default_factory=dict)
    no_marks_grades: set[int] = field(default_factory=set)
    classes: list[ClassInfo] = field(default_factory=list)
    staff: list[StaffInfo] = field(default_factory=list)
    pages: list[PageInfo] = field(default_factory=list)
    # class id -> weekday -> (page, lesson number), by lesson number
    slots: dict[int, dict[int, list[tuple[PageInfo, int]]]] = field(default_factory=dict)
    pupil_people: dict[int, int] = field(default_factory=dict)  # pupil id -> person id
    parent_people: list[int] = field(default_factory=list)
    person_names: dict[int, Name] = field(default_factory=dict)
    fixed: dict[str, int] = field(default_factory=dict)  # demo username -> person id
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.namer = Namer(self.rng)

    def count(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def school_class(self, grade: int, letter: str) -> ClassInfo:
        return next(c for c in self.classes if c.key == (grade, letter))

    def stamp(self, day: dt.date, hour: int = 15) -> dt.datetime:
        """When something of that day was entered: the afternoon, in UTC."""
        return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC)
