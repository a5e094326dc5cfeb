"""The plan of the demo school, without the database: curriculum, calendar, staffing, timetable.

Plain data and pure functions; services/demo.py turns them into rows.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

SCHOOL_NAME = "МБОУ «Средняя общеобразовательная школа № 7»"
SCHOOL_SHORT_NAME = "СОШ № 7"
# The «Б» classes of these grades are taught in Kazakh.
KAZAKH_GRADES = frozenset({1, 4, 7, 10})
GRADES = range(1, 12)
LETTERS = "АБВГД"
PRIMARY_SUBJECTS = frozenset({"russian", "reading", "math", "world", "art", "technology"})
SUBGROUP_FROM_GRADE = 2  # English is taught in two subgroups from grade 2
TEACHER_HOURS = 22  # a usual weekly load, to decide how many teachers a subject needs

# code, Russian name, Kazakh name, weekly hours in grades 1..11.
SUBJECTS: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("russian", "Русский язык", "Орыс тілі", (5, 5, 5, 5, 5, 6, 4, 3, 3, 2, 2)),
    ("reading", "Литературное чтение", "Әдебиеттік оқу", (4, 4, 4, 3, 0, 0, 0, 0, 0, 0, 0)),
    ("literature", "Литература", "Әдебиет", (0, 0, 0, 0, 3, 3, 2, 2, 3, 3, 3)),
    ("math", "Математика", "Математика", (4, 4, 4, 4, 5, 5, 0, 0, 0, 0, 0)),
    ("algebra", "Алгебра", "Алгебра", (0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3)),
    ("geometry", "Геометрия", "Геометрия", (0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2)),
    ("world", "Окружающий мир", "Дүниетану", (2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0)),
    ("history", "История", "Тарих", (0, 0, 0, 0, 2, 2, 2, 2, 3, 2, 2)),
    ("social", "Обществознание", "Қоғамтану", (0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2)),
    ("geography", "География", "География", (0, 0, 0, 0, 1, 1, 2, 2, 2, 1, 1)),
    ("biology", "Биология", "Биология", (0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1)),
    ("physics", "Физика", "Физика", (0, 0, 0, 0, 0, 0, 2, 2, 3, 2, 2)),
    ("chemistry", "Химия", "Химия", (0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1)),
    ("english", "Английский язык", "Ағылшын тілі", (0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3)),
    ("kazakh", "Казахский язык", "Қазақ тілі", (0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2)),
    ("informatics", "Информатика", "Информатика", (0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1)),
    ("pe", "Физическая культура", "Дене шынықтыру", (2,) * 11),
    ("music", "Музыка", "Музыка", (1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0)),
    ("art", "Изобразительное искусство", "Бейнелеу өнері", (1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0)),
    ("technology", "Технология", "Технология", (1, 1, 1, 1, 2, 2, 2, 1, 1, 0, 0)),
)

# Teacher specialisations: code, the subjects taught (above grade 4), position.
SPECIALISATIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("ruslit", ("russian", "literature"), "Учитель русского языка и литературы"),
    ("maths", ("math", "algebra", "geometry"), "Учитель математики"),
    ("history", ("history", "social"), "Учитель истории и обществознания"),
    ("geography", ("geography",), "Учитель географии"),
    ("biology", ("biology",), "Учитель биологии"),
    ("chemistry", ("chemistry",), "Учитель химии"),
    ("physics", ("physics",), "Учитель физики"),
    ("english", ("english",), "Учитель английского языка"),
    ("kazakh", ("kazakh",), "Учитель казахского языка"),
    ("informatics", ("informatics",), "Учитель информатики"),
    ("pe", ("pe",), "Учитель физической культуры"),
    ("music", ("music",), "Учитель музыки"),
    ("arttech", ("art", "technology"), "Учитель ИЗО и технологии"),
)
PRIMARY_POSITION = "Учитель начальных классов"

# code, Russian name, Kazakh name, weight, lock rule.
WORK_TYPES: tuple[tuple[str, str, str, int, str], ...] = (
    ("lesson", "Работа на уроке", "Сабақтағы жұмыс", 3, "current"),
    ("oral", "Устный ответ", "Ауызша жауап", 2, "current"),
    ("homework", "Домашняя работа", "Үй жұмысы", 1, "current"),
    ("test", "Проверочная работа", "Тексеру жұмысы", 3, "current"),
    ("control", "Контрольная работа", "Бақылау жұмысы", 5, "control"),
    ("dictation", "Диктант", "Диктант", 4, "current"),
    ("essay", "Сочинение", "Шығарма", 4, "essay"),
    ("lab", "Лабораторная работа", "Зертханалық жұмыс", 3, "current"),
    ("practical", "Практическая работа", "Практикалық жұмыс", 3, "current"),
)
# Lesson columns every few lessons where the whole class is marked: subject -> work types.
SPECIAL_WORKS: dict[str, tuple[str, ...]] = {
    "russian": ("control", "dictation"), "literature": ("essay", "test"),
    "math": ("control", "test"), "algebra": ("control", "test"), "geometry": ("control",),
    "physics": ("control", "lab"), "chemistry": ("control", "lab"), "biology": ("lab", "test"),
    "geography": ("practical", "test"), "history": ("test",), "social": ("test",),
    "english": ("control", "test"), "kazakh": ("control", "dictation"),
    "informatics": ("practical", "test"), "world": ("test",), "reading": ("test",),
}

# Breaks after lessons 1..7, in minutes.
_BREAKS = (10, 15, 20, 20, 15, 10, 10)


def bells() -> list[tuple[int, dt.time, dt.time]]:
    """Eight 45-minute lessons from 08:00 with 10-20-minute breaks: (number, starts, ends)."""
    out, start = [], dt.datetime(2000, 1, 1, 8, 0)
    for number in range(1, 9):
        end = start + dt.timedelta(minutes=45)
        out.append((number, start.time(), end.time()))
        start = end + dt.timedelta(minutes=_BREAKS[number - 1] if number <= 7 else 0)
    return out


def hours(subject: str, grade: int) -> int:
    """Weekly hours of a subject in a grade."""
    return next(h[grade - 1] for code, _ru, _kk, h in SUBJECTS if code == subject)


def spec_of(subject: str, grade: int) -> str:
    """Which kind of teacher teaches the subject in the grade ('primary' in grades 1-4)."""
    if grade <= 4 and subject in PRIMARY_SUBJECTS:
        return "primary"
    return next(code for code, subjects, _p in SPECIALISATIONS if subject in subjects)


def parallels(pupils: int) -> int:
    """How many classes per grade: two for a school of ~500, up to five for a big one."""
    return max(2, min(len(LETTERS), round(pupils / 250)))


# -- the calendar -------------------------------------------------------------------------

@dataclass(frozen=True)
class Calendar:
    """An academic year: dates of quarters and half-years, and its school days."""

    start: dt.date
    end: dt.date
    quarters: tuple[tuple[dt.date, dt.date], ...]
    halves: tuple[tuple[dt.date, dt.date], ...]
    holidays: frozenset[dt.date]

    @property
    def name(self) -> str:
        return f"{self.start.year}/{self.end.year}"

    def school_days(self) -> list[dt.date]:
        """Monday to Friday inside a quarter, public holidays excluded."""
        days = []
        for first, last in self.quarters:
            day = first
            while day <= last:
                if day.isoweekday() <= 5 and day not in self.holidays:
                    days.append(day)
                day += dt.timedelta(days=1)
        return days


def calendar_for(today: dt.date) -> Calendar:
    """The academic year around today: from 1 September (this year from August on) to late May."""
    y = today.year if today.month >= 8 else today.year - 1
    d = dt.date
    quarters = ((d(y, 9, 1), d(y, 10, 24)), (d(y, 11, 5), d(y, 12, 28)),
                (d(y + 1, 1, 12), d(y + 1, 3, 21)), (d(y + 1, 3, 30), d(y + 1, 5, 26)))
    halves = ((d(y, 9, 1), d(y, 12, 28)), (d(y + 1, 1, 12), d(y + 1, 5, 26)))
    holidays = frozenset({d(y, 11, 4), d(y + 1, 2, 23), d(y + 1, 3, 8), d(y + 1, 5, 1),
                          d(y + 1, 5, 9)})
    return Calendar(d(y, 9, 1), d(y + 1, 5, 31), quarters, halves, holidays)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def lesson_days(cal: Calendar, today: dt.date, weeks: int | None) -> list[dt.date]:
    """School days that get lessons: N school weeks from the start, else up to next week's end."""
    days = cal.school_days()
    if weeks is not None:
        kept = set(sorted({monday(day) for day in days})[:max(weeks, 0)])
        return [day for day in days if monday(day) in kept]
    last = monday(today) + dt.timedelta(days=13)  # Sunday of next week
    return [day for day in days if day <= last]


# -- staffing -------------------------------------------------------------------------------

@dataclass
class Bundle:
    """The pages one teacher takes in one class (or subgroup): e.g. algebra and geometry in 7 «А»."""

    spec: str
    class_key: tuple[int, str]
    subgroup: int | None
    subjects: list[str]
    hours: int
    teacher: int = -1  # index in the specialisation's teacher list


def bundles_for(classes: Sequence[tuple[int, str]]) -> dict[str, list[Bundle]]:
    """Every class's teaching, grouped per specialisation, in class order."""
    out: dict[str, list[Bundle]] = defaultdict(list)
    for grade, letter in classes:
        found: dict[tuple[str, int | None], Bundle] = {}
        for code, _ru, _kk, per_grade in SUBJECTS:
            h = per_grade[grade - 1]
            if not h:
                continue
            spec = spec_of(code, grade)
            groups = (1, 2) if code == "english" and grade >= SUBGROUP_FROM_GRADE else (None,)
            for sg in groups:
                bundle = found.setdefault((spec, sg), Bundle(spec, (grade, letter), sg, [], 0))
                bundle.subjects.append(code)
                bundle.hours += h
        for bundle in found.values():
            out[bundle.spec].append(bundle)
    return out


def share_out(bundles: list[Bundle]) -> int:
    """Give bundles to as many teachers as the hours need, each a run of neighbouring classes.

    Subgroup 1 bundles come before subgroup 2 ones, so both halves of one class never share
    a teacher (they are taught at the same time). Returns the number of teachers.
    """
    if not bundles:
        return 0
    if bundles[0].spec == "primary":
        for i, bundle in enumerate(bundles):
            bundle.teacher = i
        return len(bundles)
    ordered = sorted(bundles, key=lambda b: (b.subgroup or 0, b.class_key))
    total = sum(b.hours for b in ordered)
    n = max(2 if ordered[0].subgroup else 1, round(total / TEACHER_HOURS))
    target, done = total / n, 0
    for bundle in ordered:
        bundle.teacher = min(n - 1, int((done + bundle.hours / 2) / target))
        done += bundle.hours
    return n


# -- the timetable --------------------------------------------------------------------------

@dataclass
class Unit:
    """What a class has in one timetable cell: one or more pages (subgroups) and their teachers."""

    key: Hashable
    teachers: frozenset[int]
    hours: int
    days: list[int] = field(default_factory=list)


def _spread_days(units: list[Unit], teacher_load: dict[int, list[int]],
                 rng: random.Random) -> None:
    """Give each hour of a class's units a weekday: a subject once a day where it can,
    the class's days balanced, and no teacher's day overfull."""
    load = [0] * 5
    for unit in sorted(units, key=lambda u: -u.hours):
        for _ in range(unit.hours):
            day = min(range(5), key=lambda d: (unit.days.count(d), load[d] + max(
                teacher_load[t][d] for t in unit.teachers) / 3, rng.random()))
            unit.days.append(day)
            load[day] += 1
            for t in unit.teachers:
                teacher_load[t][day] += 1


def _match(units: list[Unit], busy: dict[int, set[int]]) -> list[int | None]:
    """Lesson numbers 1..k for k units so that no teacher is busy twice (bipartite matching)."""
    k = len(units)
    owner: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for n in range(1, k + 1):
            if n in seen or units[i].teachers & busy[n]:
                continue
            seen.add(n)
            if n not in owner or place(owner[n], seen):
                owner[n] = i
                return True
        return False

    for i in range(k):
        place(i, set())
    numbers: list[int | None] = [None] * k
    for n, i in owner.items():
        numbers[i] = n
    return numbers


def _day(classes: list[list[Unit]], day: int, rng: random.Random) -> tuple[list, int]:
    """Number one weekday's lessons class by class; the cells and the teacher clashes."""
    busy: dict[int, set[int]] = defaultdict(set)
    cells, clashes = [], 0
    for units in classes:
        today = [u for u in units for d in u.days if d == day]
        rng.shuffle(today)
        numbers = _match(today, busy)
        free = iter(sorted(set(range(1, len(today) + 1)) - set(numbers)))
        for unit, number in zip(today, numbers, strict=True):
            if number is None:
                number, clashes = next(free), clashes + 1
            busy[number] |= unit.teachers
            cells.append((unit.key, day + 1, number))
    return cells, clashes


def timetable(classes: list[list[Unit]], rng: random.Random,
              tries: int = 12) -> tuple[list[tuple[Hashable, int, int]], int]:
    """(unit key, weekday 1-5, lesson number) for every hour of every class, and the clashes.

    A class never has two units in one cell. Teachers are kept apart where the greedy order
    allows: each day is tried with a few class orders and the one with fewest clashes kept.
    """
    teacher_load: dict[int, list[int]] = defaultdict(lambda: [0] * 5)
    for units in classes:
        _spread_days(units, teacher_load, rng)
    cells, clashes = [], 0
    for day in range(5):
        best: tuple[list, int] | None = None
        for _ in range(tries):
            order = classes[:]
            rng.shuffle(order)
            found = _day(order, day, rng)
            if best is None or found[1] < best[1]:
                best = found
            if best[1] == 0:
                break
        cells += best[0]
        clashes += best[1]
    return cells, clashes


def ability_bag(kind: float) -> list[int]:
    """Twenty marks a pupil of this ability (0 weak .. 1 excellent) draws from."""
    if kind >= 0.95:
        return [5] * 19 + [4]
    mean = 2.6 + 2.5 * kind
    weights = {v: math.exp(-((v - mean) ** 2) / 0.9) for v in (2, 3, 4, 5)}
    total = sum(weights.values())
    bag: list[int] = []
    for value, weight in weights.items():
        bag += [value] * round(20 * weight / total)
    return (bag + [max(weights, key=weights.get)] * 20)[:20]
