"""Which entries of the journal were corrected, for the grid's mark and the diary's note
("corrected on 3 March"): one query each, whatever the number of cells."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from extensions import db
from models import Correction, Lesson


def corrected_cells(page_id: int, start: dt.date, end: dt.date
                    ) -> dict[tuple[int, int], dt.datetime]:
    """(lesson id, pupil id) → when the latest applied correction of that cell was entered,
    for the lessons of a page between two dates."""
    rows = db.session.execute(
        select(Correction.lesson_id, Correction.pupil_id, Correction.applied_at)
        .join(Lesson, Lesson.id == Correction.lesson_id)
        .where(Correction.page_id == page_id, Correction.status == "applied",
               Correction.kind == "cell", Lesson.date >= start, Lesson.date <= end)
        .order_by(Correction.applied_at))
    return {(lesson_id, pupil_id): at for lesson_id, pupil_id, at in rows}


def corrected_finals(page_id: int) -> dict[tuple[str, int | None, int], dt.datetime]:
    """(kind, period id or None for the year, pupil id) → when the period or year mark was
    corrected, for one page."""
    rows = db.session.execute(
        select(Correction.kind, Correction.period_id, Correction.pupil_id, Correction.applied_at)
        .where(Correction.page_id == page_id, Correction.status == "applied",
               Correction.kind != "cell").order_by(Correction.applied_at))
    return {(kind, period_id, pupil_id): at for kind, period_id, pupil_id, at in rows}


def corrected_for_pupil(pupil_id: int, start: dt.date, end: dt.date
                        ) -> dict[tuple[str, int | None, int | None], dt.datetime]:
    """One pupil's corrected entries between two dates, for the diary: ("cell", lesson id,
    None) and (kind, period id, page id) for period and year marks → when corrected."""
    rows = db.session.execute(
        select(Correction.kind, Correction.lesson_id, Correction.period_id, Correction.page_id,
               Correction.applied_at)
        .where(Correction.pupil_id == pupil_id, Correction.status == "applied",
               Correction.entry_date >= start, Correction.entry_date <= end)
        .order_by(Correction.applied_at))
    out: dict[tuple[str, int | None, int | None], dt.datetime] = {}
    for kind, lesson_id, period_id, page_id, at in rows:
        key = ("cell", lesson_id, None) if kind == "cell" else (kind, period_id, page_id)
        out[key] = at
    return out
