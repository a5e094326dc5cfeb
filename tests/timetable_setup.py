"""Test data for the timetable: bells, a second teacher of English, subgroup pages."""
from __future__ import annotations

import datetime as dt

from extensions import db
from models import Bell, Subgroup, SubjectPage


def add_bells(n: int = 7) -> None:
    """Bells for lessons 1..n, 45 minutes each."""
    for number in range(1, n + 1):
        db.session.add(Bell(number=number, starts=dt.time(7 + number, 0),
                            ends=dt.time(7 + number, 45)))
    db.session.flush()


def english_groups(school) -> tuple[SubjectPage, SubjectPage]:
    """English in 5 «А» split into two subgroups: group 1 by `teacher`, group 2 by `other`."""
    b = school.builder
    english = b.subject("eng", "Английский язык", "Ағылшын тілі")
    pages = []
    for name, teacher in (("1", school.t_staff), ("2", school.other_staff)):
        group = b._add(Subgroup(class_id=school.c5.id, name=name))
        pages.append(b._add(SubjectPage(class_id=school.c5.id, subgroup_id=group.id,
                                        subject_id=english.id, teacher_id=teacher.id,
                                        hours_per_week=2)))
    return pages[0], pages[1]
