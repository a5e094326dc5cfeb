"""Parsing the timetable's forms into plain values; bad input raises TimetableError with a
message for the user (the view answers 422 and changes nothing)."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.parse import to_id, to_int
from extensions import db
from models import Lesson, SubjectPage
from services.timetable import TimetableError, Week

ACTIONS = ("move", "cancel", "restore", "extra")


def cell_pages(week: Week, raw: str) -> list[SubjectPage]:
    """The pages a cell's select chose: "" (none), "12" or "12,13" (subgroups together)."""
    if not raw.strip():
        return []
    by_id = {p.id: p for p in week.pages}
    ids = [to_id(part.strip()) for part in raw.split(",")]
    if any(i not in by_id for i in ids) or len(set(ids)) < len(ids):
        raise TimetableError(_("Choose a subject of %(cls)s.", cls=week.school_class.name))
    return [by_id[i] for i in ids]


def cell_rooms(form) -> list[str]:
    """Rooms by position ("21 / 22" for two groups)."""
    return [part.strip() for part in re.split(r"[/;]", form.get("room", ""))]


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None


class ChangeForm:
    """A one-day change: the lesson (page, day, number), the action, the new place."""

    def __init__(self, form, week: Week):
        self.week = week
        self.page_id = to_id(form.get("page", ""))
        self.page = next((p for p in week.pages if p.id == self.page_id), None)
        self.day, self.to_day = _date(form.get("day")), _date(form.get("to_day"))
        self.number = to_int(form.get("number", ""), 0, 12)
        self.to_number = to_int(form.get("to_number", ""), 0, 12)
        self.action = form.get("action", "")
        self.raw = {k: form.get(k, "") for k in ("day", "number", "to_day", "to_number")}

    def validate(self) -> None:
        """Raise TimetableError for a missing or malformed field."""
        if self.action not in ACTIONS:
            raise TimetableError(_("Choose what to do with the lesson."))
        if self.page is None:
            raise TimetableError(_("Choose a subject of %(cls)s.",
                                   cls=self.week.school_class.name))
        if self.day is None or self.number is None:
            raise TimetableError(_("Give the lesson's date and number."))
        if self.action == "move" and (self.to_day is None or self.to_number is None):
            raise TimetableError(_("Give the new date and lesson number."))

    def lesson(self) -> Lesson:
        """The page's lesson on that day and number. Raises TimetableError if there is none."""
        lesson = db.session.scalar(select(Lesson).where(
            Lesson.page_id == self.page.id, Lesson.date == self.day,
            Lesson.lesson_number == self.number))
        if lesson is None:
            raise TimetableError(_("There is no such lesson on that day: check the date and "
                                   "the number."))
        return lesson
