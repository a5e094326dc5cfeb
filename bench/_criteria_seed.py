"""Two criteria-based classes in the 1,000-pupil benchmark school, for bench/criteria.py.

The demo school (harness._default_build) keeps the classic journal everywhere; this turns two
of its Kazakh-language classes criteria-based (SchoolClass.journal_type = 'criteria', DOMAIN.md
8) and fills, on each class's biggest subject page (the one with the most lessons in the
quarter, no subgroups), the whole quarter:

- BIG, 4 «Б», topped up to 32 pupils: a ФО mark (1-10) for ~85 % of pupils on every lesson
  of quarter 2 before today (today's column and the quarter's last days start empty), 4 СОР with different maxima and 1 СОЧ, points for every pupil;
- SMALL, 7 «Б» as the demo makes it (~22 pupils): the same ФО, 1 СОР and 1 СОЧ.

The two pages differ in pupils and in works, so equal statement counts show the grid, the
ФО save and the points save run a fixed number of queries. The classes' other pages keep
their marks, rescaled from 2-5 onto the 10-point scale. Deterministic; does not commit.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update

BIG, SMALL = (4, "Б"), (7, "Б")
BIG_PUPILS = 32
# (kind, name, max points, place in the quarter's lessons as a fraction; the СОЧ near the end)
BIG_WORKS = (("sor", "СОР 1", 15, 0.15), ("sor", "СОР 2", 20, 0.35), ("sor", "СОР 3", 12, 0.55),
             ("sor", "СОР 4", 25, 0.75), ("soch", "СОЧ", 30, None))
SMALL_WORKS = (("sor", "СОР 1", 18, 0.4), ("soch", "СОЧ", 25, None))
SOCH_BACK = 2  # the СОЧ is this many lessons before today (in its lock window)


@dataclass
class Seeded:
    """What bench/criteria.py measures on one class."""

    class_id: int
    page_id: int
    pupils: int
    lessons: int
    works: int


def seed(today: dt.date, rnd: random.Random | None = None) -> dict[str, Seeded]:
    """Make BIG and SMALL criteria-based and fill their pages' quarter; by "big"/"small"."""
    from extensions import db
    from models import SchoolClass
    rnd = rnd or random.Random(21)
    out = {}
    for key, (grade, letter), works in (("big", BIG, BIG_WORKS), ("small", SMALL, SMALL_WORKS)):
        cls = db.session.scalar(select(SchoolClass).where(
            SchoolClass.grade == grade, SchoolClass.letter == letter))
        classic, cls.journal_type = cls.journal_type != "criteria", "criteria"
        if key == "big":
            _top_up(cls, BIG_PUPILS)
        db.session.flush()
        out[key] = _fill(cls, works, today, rnd, rescale=classic)
    return out


def quarter_of(cls, today: dt.date):
    """The class's study period that holds today."""
    from extensions import db
    from models import StudyPeriod
    return db.session.scalar(select(StudyPeriod).where(
        StudyPeriod.year_id == cls.year_id, StudyPeriod.scheme == cls.period_scheme,
        StudyPeriod.start_date <= today, StudyPeriod.end_date >= today))


def _top_up(cls, size: int) -> None:
    """New pupils (no parents) enrolled from the year's start until the class has `size`."""
    from extensions import db
    from models import AcademicYear, Enrolment, Person, Pupil
    have = db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.class_id == cls.id, Enrolment.end_date.is_(None)))
    start = db.session.get(AcademicYear, cls.year_id).start_date
    for i in range(size - have):
        person = Person(last_name=f"Бенчев{i:02}", first_name="Ерлан", patronymic="", sex="m")
        person.refresh_search_name()
        db.session.add(person)
        db.session.flush()
        pupil = Pupil(person_id=person.id, class_id=cls.id, enrolled_on=start)
        db.session.add(pupil)
        db.session.flush()
        db.session.add(Enrolment(pupil_id=pupil.id, class_id=cls.id, start_date=start))


def _fill(cls, works: tuple, today: dt.date, rnd: random.Random, rescale: bool) -> Seeded:
    """ФО on the biggest page's quarter, its works (in place of any the demo made) with
    everyone's points; a class the demo kept classic gets its other pages' marks on 1-10."""
    from extensions import db
    from models import Enrolment, Lesson, Mark, SubjectPage, WorkType
    quarter = quarter_of(cls, today)
    page = page_of(cls, quarter)
    lessons = list(db.session.execute(select(Lesson.id, Lesson.date, Lesson.work_type_id).where(
        Lesson.page_id == page.id, Lesson.date >= quarter.start_date,
        Lesson.date <= quarter.end_date, Lesson.cancelled.is_(False)).order_by(Lesson.date, Lesson.lesson_number)))
    pupils = list(db.session.scalars(select(Enrolment.pupil_id).where(
        Enrolment.class_id == cls.id, Enrolment.end_date.is_(None)).order_by(Enrolment.pupil_id)))
    if rescale:  # the other pages: 2-5 onto 3-10 (the class's diary stays plausible)
        others = select(Lesson.id).join(SubjectPage).where(SubjectPage.class_id == cls.id,
                                                           Lesson.page_id != page.id)
        db.session.execute(update(Mark).where(Mark.lesson_id.in_(others))
                           .values(value=Mark.value * 2 - Mark.id % 2))
    db.session.execute(delete(Mark).where(Mark.lesson_id.in_([lid for lid, _d, _w in lessons])))
    default = db.session.scalar(select(WorkType.id).where(WorkType.code == "lesson"))
    marks = [{"lesson_id": lid, "pupil_id": pid, "position": 1, "value": rnd.randint(1, 10),
              "work_type_id": wt or default, "comment": ""}
             for lid, day, wt in lessons if day < today
             for pid in pupils if rnd.random() < 0.85]
    db.session.execute(insert(Mark), marks)
    _works(page, quarter, works, [d for _l, d, _w in lessons if d <= today], pupils, rnd)
    return Seeded(cls.id, page.id, len(pupils), len(lessons), len(works))


def page_of(cls, quarter):
    """The class's page with the most lessons in the quarter (no subgroup; the lowest id
    among equals): the one the bench fills and measures."""
    from extensions import db
    from models import Lesson, SubjectPage
    pages = list(db.session.scalars(select(SubjectPage).where(
        SubjectPage.class_id == cls.id, SubjectPage.subgroup_id.is_(None))))
    counts = {p.id: db.session.scalar(select(func.count(Lesson.id)).where(
        Lesson.page_id == p.id, Lesson.date >= quarter.start_date,
        Lesson.date <= quarter.end_date, Lesson.cancelled.is_(False))) for p in pages}
    return max(pages, key=lambda p: (counts[p.id], -p.id))


def _works(page, quarter, works: tuple, days: list[dt.date], pupils: list[int],
           rnd: random.Random) -> None:
    """The works on lesson days, points for every pupil (mostly above half the maximum)."""
    from extensions import db
    from models import SummativeWork, WorkPoints
    made = select(SummativeWork.id).where(SummativeWork.page_id == page.id,
                                          SummativeWork.period_id == quarter.id)
    db.session.execute(delete(WorkPoints).where(WorkPoints.work_id.in_(made)))
    db.session.execute(delete(SummativeWork).where(SummativeWork.id.in_(made)))
    for kind, name, most, place in works:
        day = days[-1 - SOCH_BACK] if place is None else days[int(place * (len(days) - 1))]
        work = SummativeWork(page_id=page.id, period_id=quarter.id, kind=kind, name=name,
                             date=day, max_points=most, section=f"Раздел: {name}")
        db.session.add(work)
        db.session.flush()
        db.session.execute(insert(WorkPoints), [
            {"work_id": work.id, "pupil_id": pid,
             "points": min(most, max(0, round(rnd.gauss(0.7, 0.2) * most)))} for pid in pupils])
