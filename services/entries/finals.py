"""Period and year marks, and the parents' notice of a mark below the predicted one."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from extensions import db
from models import (
    Correction,
    FinalMark,
    Lesson,
    ParentNotice,
    School,
    StudyPeriod,
    SubjectPage,
    User,
)
from services import grid as grid_service
from services import journal as rules
from services.entries.common import audit, lenient
from services.journal import JournalError
from services.notices import produce as notices
from services.summative import suggestions
from services.summative.formula import Outcome


class NeedsNotice(JournalError):
    """The period mark is below the predicted one: ask whether the parents were told."""


class NeedsReason(JournalError):
    """A criteria-based class: the mark differs from the computed one; ask why."""


REASON_MAX = 300


def save_final(user: User, school: School, page: SubjectPage, pupil_id: int, kind: str,
               period: StudyPeriod, last_period: StudyPeriod, text: str, old: str | None,
               today: dt.date, notice: tuple[bool, dt.date | None] | None = None,
               correction: Correction | None = None, reason: str | None = None,
               known: Outcome | None = None) -> str:
    """Save a period (or, with kind='year', the year) mark; returns the label shown.

    Raises JournalError when locked, invalid, stale, in a grade without marks, a year mark
    outside the last period, or the pupil is not on the page; NeedsNotice when a period mark
    below the predicted one comes without the parents' answer. An approved correction
    (services.corrections.apply) passes the edit window and the parents' notice question.
    In a criteria-based class the computed mark is a suggestion: another number needs the
    teacher's reason (NeedsReason when none is given), kept with the mark.
    """
    if rules.is_no_marks_grade(school, page.school_class.grade):
        raise JournalError(_("Grade %(grade)d keeps attendance only: no marks are entered.",
                             grade=page.school_class.grade))
    if kind == "year" and period.id != last_period.id:
        raise JournalError(_("The year mark is set in the last study period of the year."))
    end = period.end_date if kind == "period" else last_period.end_date
    lock = rules.final_lock(school, page, end, today)
    if not lock.open and correction is None:
        raise JournalError(lock.reason, 403)
    value, special = rules.parse_final(text, school)
    if not _on_page_in(page, pupil_id, period):
        raise JournalError(_("This pupil is not on this page on the lesson's date."), 404)
    period_id = period.id if kind == "period" else None
    row = db.session.scalar(select(FinalMark).where(
        FinalMark.page_id == page.id, FinalMark.pupil_id == pupil_id, FinalMark.kind == kind,
        FinalMark.period_id == period_id if period_id else FinalMark.period_id.is_(None)))
    shown = rules.final_label(row.value, row.special) if row else ""
    if old is not None and _final_key(old, school) != ((row.value, row.special) if row else
                                                        (None, None)):
        raise JournalError(_("Someone else changed this mark after you opened the page: it "
                             "now holds %(now)s. Your entry was not saved.",
                             now=shown or _("empty")), 409)
    criteria = page.school_class.is_criteria
    if kind == "period" and correction is None and not criteria:
        _check_notice(user, school, page, pupil_id, period, value, notice, today)
    # An approved correction is its own documented reason (the change log keeps it).
    why = suggestions.check_reason(
        page, pupil_id, kind, period, value, special, reason,
        row.reason if row is not None and (row.value, row.special) == (value, special) else "",
        known) if criteria and correction is None else ""
    if criteria and correction is not None and kind == "period" and (
            refusal := suggestions.half_year_refusal(page, period)):
        raise JournalError(refusal)
    if value is None and special is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(FinalMark(page_id=page.id, pupil_id=pupil_id, kind=kind,
                                 period_id=period_id, value=value, special=special,
                                 author_id=user.id, reason=why))
    else:
        row.value, row.special, row.author_id, row.reason = value, special, user.id, why
    if kind == "period":
        db.session.flush()
        notices.finals_changed(page.id, [pupil_id], period.id)
    label = rules.final_label(value, special)
    audit(user, f"journal.{kind}_mark", "page", page.id, pupil_id, shown,
          label + (f" «{why}»" if why else ""), page=page,
          correction=correction, period_id=period_id)
    return label


def stored_final(page: SubjectPage, pupil_id: int, kind: str, period: StudyPeriod
                 ) -> tuple[tuple[int | None, str | None] | None, bool | None]:
    """A pupil's stored period (or year) mark as (value, special), and the parents' notice."""
    period_id = period.id if kind == "period" else None
    row = db.session.scalar(select(FinalMark).where(
        FinalMark.page_id == page.id, FinalMark.pupil_id == pupil_id, FinalMark.kind == kind,
        FinalMark.period_id == period_id if period_id else FinalMark.period_id.is_(None)))
    notice = db.session.scalar(select(ParentNotice.parents_told).where(
        ParentNotice.page_id == page.id, ParentNotice.pupil_id == pupil_id,
        ParentNotice.period_id == period.id)) if kind == "period" else None
    return ((row.value, row.special) if row else None), notice


def _final_key(text: str, school: School) -> tuple[int | None, str | None]:
    try:
        return rules.parse_final(text, lenient(school))
    except JournalError:
        return (-1, "?")


def _on_page_in(page: SubjectPage, pupil_id: int, period: StudyPeriod) -> bool:
    # The subgroup counts too (and its dates): a pupil of group 1 gets no period mark on
    # group 2's page unless moved there during the period.
    return grid_service.is_on_page_between(page, pupil_id, period.start_date, period.end_date)


def _check_notice(user: User, school: School, page: SubjectPage, pupil_id: int,
                  period: StudyPeriod, value: int | None,
                  notice: tuple[bool, dt.date | None] | None, today: dt.date) -> None:
    marks = grid_service.pupil_marks(page, pupil_id, period)
    predicted = rules.prediction(rules.weighted_average(marks), len(marks), school)
    if not rules.needs_parent_notice(value, predicted):
        return
    existing = db.session.scalar(select(ParentNotice).where(
        ParentNotice.page_id == page.id, ParentNotice.pupil_id == pupil_id,
        ParentNotice.period_id == period.id))
    if notice is None:
        if existing is not None:
            return
        raise NeedsNotice(ngettext(
            "This mark is below the predicted %(predicted)d. Were the parents told at least "
            "%(num)d lesson before the end of the period?",
            "This mark is below the predicted %(predicted)d. Were the parents told at least "
            "%(num)d lessons before the end of the period?",
            school.notice_lessons_before, predicted=predicted), 409)
    told, told_on = notice
    if told and told_on is None:
        raise JournalError(_("Give the date the parents were told."))
    if told:
        dates = db.session.scalars(select(Lesson.date).where(
            Lesson.page_id == page.id, Lesson.date >= period.start_date,
            Lesson.date <= period.end_date))
        deadline = rules.notice_deadline(list(dates), period, school.notice_lessons_before)
        rules.check_notice_date(told_on, period, deadline, today, school.notice_lessons_before)
    if existing is None:
        existing = ParentNotice(page_id=page.id, pupil_id=pupil_id, period_id=period.id,
                                recorded_by=user.id, parents_told=told)
        db.session.add(existing)
    existing.parents_told, existing.told_on = told, told_on if told else None
    existing.recorded_by = user.id
